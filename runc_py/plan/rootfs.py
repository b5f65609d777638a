"""The container's root filesystem as an ordered list of steps (pure).

`plan_rootfs(spec, bundle)` decides everything that can be decided without
touching the kernel: which mounts, with which flags, in which order; which
device nodes and /dev symlinks; the masked and read-only paths; the sysctls
and whether the namespaces allow them.  `runc_py.linux.rootfs` carries the
plan out inside the container's init.

The order and the defaults are runc 1.1.5's: the config's mounts in order,
then (unless /dev is a bind mount) runc's six default device nodes with
`linux.devices` overriding any of the same path, /dev/ptmx as a symlink to
pts/ptmx, and the /proc/self/fd symlinks.
"""
import posixpath
from runc_py.record import Record

from runc_py.errors import RuncPyError
from runc_py.linux.lsm import mount_label_option
from runc_py.plan.mount_options import MS_BIND, MS_PRIVATE, PROPAGATION_OPTIONS, parse_mount_options

S_IFMT = 0o170000
S_IFCHR = 0o020000
S_IFBLK = 0o060000
S_IFIFO = 0o010000

DEVICE_TYPES = {"c": S_IFCHR, "u": S_IFCHR, "b": S_IFBLK, "p": S_IFIFO}

# (path, major, minor): the nodes runc puts in every container's /dev, 0666 root:root.
DEFAULT_DEVICES = (
    ("/dev/null", 1, 3),
    ("/dev/random", 1, 8),
    ("/dev/full", 1, 7),
    ("/dev/tty", 5, 0),
    ("/dev/zero", 1, 5),
    ("/dev/urandom", 1, 9),
)

# Under /proc only these may be mount destinations (files lxcfs emulates);
# anything else could hide or replace what masked/readonly paths protect.
PROC_MOUNT_ALLOWED = frozenset({
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
    "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
})


def container_path(path: str) -> str:
    """`path` as a clean absolute path inside the container, lexically
    ("data", "//data/" and "/x/../data" are all "/data")."""
    return posixpath.normpath("/" + path.lstrip("/"))


class MountStep(Record, frozen=True):
    field: str                 # "mounts[3]", for errors
    source: str | None
    destination: str           # absolute, as given (resolved inside the rootfs when applied)
    fstype: str                # "bind" whenever MS_BIND is set, as runc
    flags: int
    data: str
    propagation: tuple[int, ...]
    rec_attr_set: int = 0
    rec_attr_clr: int = 0
    copy_up: bool = False

    @property
    def clean_destination(self) -> str:
        return container_path(self.destination)

    @property
    def defers_readonly(self) -> bool:
        """runc mounts tmpfs and /dev writable, fills them, and makes them
        read-only (and applies recursive attributes) only in finish_rootfs.
        A bind mount is made read-only by its remount, right away."""
        return self.fstype == "tmpfs" or (self.clean_destination == "/dev" and self.fstype != "bind")


class DeviceStep(Record, frozen=True):
    field: str | None          # "linux.devices[0]"; None for a default device
    path: str
    file_type: int             # S_IFCHR, S_IFBLK or S_IFIFO
    major: int
    minor: int
    mode: int                  # permission bits only
    uid: int
    gid: int


class SymlinkStep(Record, frozen=True):
    target: str
    path: str
    replace: bool = False              # remove what is there first (/dev/ptmx)
    only_if_host_has: str | None = None  # /dev/core only where the host has /proc/kcore


Step = MountStep | DeviceStep | SymlinkStep


class RootfsPlan(Record, frozen=True):
    rootfs: str                        # absolute host path of root.path
    readonly: bool
    root_propagation: int              # linux.rootfsPropagation as flags; 0 when absent
    steps: tuple[Step, ...]
    sets_up_dev: bool                  # devices and symlinks are made (no bind mount on /dev)
    user_namespace: bool               # device nodes are bind-mounted from the host
    cgroup_namespace: bool
    masked_paths: tuple[str, ...]
    readonly_paths: tuple[str, ...]
    sysctl: tuple[tuple[str, str], ...]
    sysctl_netns_path: str | None      # a joined netns that net.* sysctls need to be checked against
    cwd: str | None                    # process.cwd, created after pivot_root

    @property
    def mounts(self) -> tuple[MountStep, ...]:
        return tuple(s for s in self.steps if isinstance(s, MountStep))


# Filesystems that get linux.mountLabel as their context: runc labels every
# mount but proc, sysfs, mqueue, cgroup and bind mounts (those keep their own).
_UNLABELLED = frozenset({"proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind"})


def plan_rootfs(spec, bundle: str, *, selinux: bool | None = None) -> RootfsPlan:
    """`selinux` overrides detection of whether SELinux is on (tests)."""
    if spec.root is None or not spec.root.path:
        raise RuncPyError("root must be specified", path="root.path")
    rootfs = posixpath.normpath(posixpath.join(bundle, spec.root.path))
    linux = spec.linux
    namespaces = {ns.type: ns.path for ns in (linux.namespaces or ())} if linux else {}

    # The schema allows only the eight propagation names.
    root_propagation = PROPAGATION_OPTIONS[linux.rootfs_propagation] if linux and linux.rootfs_propagation else 0

    label = mount_label_option(linux.mount_label if linux else None, selinux=selinux)
    mounts = tuple(_mount_step(i, m, bundle, label) for i, m in enumerate(spec.mounts or ()))
    sets_up_dev = not any(m.fstype == "bind" and m.clean_destination == "/dev" for m in mounts)
    steps: list[Step] = list(mounts)
    if sets_up_dev:
        steps += _device_steps(linux.devices if linux else None)
        steps += _dev_symlinks()

    # Which sysctls a container may set (those of its own namespaces, as
    # runc) is checked when config.json is validated (runc_py.spec.rules).
    sysctl = tuple((linux.sysctl or {}).items()) if linux else ()
    netns_path = namespaces.get("network") or None
    needs_netns_check = netns_path is not None and any(k.startswith("net.") for k, _ in sysctl)

    cwd = spec.process.cwd if spec.process is not None and spec.process.cwd else None
    return RootfsPlan(
        rootfs=rootfs,
        readonly=bool(spec.root.readonly),
        root_propagation=root_propagation,
        steps=tuple(steps),
        sets_up_dev=sets_up_dev,
        user_namespace="user" in namespaces,
        cgroup_namespace="cgroup" in namespaces,
        masked_paths=tuple(linux.masked_paths or ()) if linux else (),
        readonly_paths=tuple(linux.readonly_paths or ()) if linux else (),
        sysctl=sysctl,
        sysctl_netns_path=netns_path if needs_netns_check else None,
        cwd=cwd,
    )


def _mount_step(index: int, mount, bundle: str, label: str | None) -> MountStep:
    field = f"mounts[{index}]"
    for attr, key in (("uid_mappings", "uidMappings"), ("gid_mappings", "gidMappings")):
        if getattr(mount, attr, None):
            raise RuncPyError("idmapped mounts are not supported", path=f"{field}.{key}")
    opts = parse_mount_options(mount.options)
    fstype = mount.type or ""
    source = mount.source
    if opts.flags & MS_BIND:
        # The type of a bind mount means nothing to the kernel; a relative
        # source is relative to the bundle (runc's working directory).
        fstype = "bind"
        if not source:
            raise RuncPyError("bind mount has no source", path=f"{field}.source")
        source = posixpath.normpath(posixpath.join(bundle, source))
    if opts.copy_up and fstype != "tmpfs":
        raise RuncPyError('"tmpcopyup" is only for tmpfs mounts', path=f"{field}.options")
    # A relative destination is taken from the root, as runc does.
    destination = mount.destination if mount.destination.startswith("/") else "/" + mount.destination
    data = opts.data
    if label and fstype not in _UNLABELLED:
        data = f"{data},{label}" if data else label
    return MountStep(field, source, destination, fstype, opts.flags, data, opts.propagation,
                     opts.rec_attr_set, opts.rec_attr_clr, opts.copy_up)


def _device_steps(devices) -> list[DeviceStep]:
    devices = devices or ()
    own_paths = {d.path for d in devices}
    steps = [DeviceStep(None, path, S_IFCHR, major, minor, 0o666, 0, 0)
             for path, major, minor in DEFAULT_DEVICES if path not in own_paths]
    for i, dev in enumerate(devices):
        field = f"linux.devices[{i}]"
        if container_path(dev.path) == "/dev/ptmx":
            continue  # always the pts/ptmx symlink, as runc
        if container_path(dev.path) == "/":
            raise RuncPyError(f'mknod over the rootfs: "{dev.path}"', path=f"{field}.path")
        mode = 0o666 if dev.file_mode is None else dev.file_mode & ~S_IFMT
        steps.append(DeviceStep(field, dev.path, DEVICE_TYPES[dev.type], dev.major or 0, dev.minor or 0,
                                mode, dev.uid or 0, dev.gid or 0))
    return steps


def _dev_symlinks() -> list[SymlinkStep]:
    return [
        SymlinkStep("pts/ptmx", "/dev/ptmx", replace=True),
        SymlinkStep("/proc/self/fd", "/dev/fd"),
        SymlinkStep("/proc/self/fd/0", "/dev/stdin"),
        SymlinkStep("/proc/self/fd/1", "/dev/stdout"),
        SymlinkStep("/proc/self/fd/2", "/dev/stderr"),
        SymlinkStep("/proc/kcore", "/dev/core", only_if_host_has="/proc/kcore"),
    ]


def check_proc_destination(destination: str, source_is_procfs: bool) -> str | None:
    """Why a mount may not land on `destination` (a resolved, clean path
    inside the container), or None.  /proc itself takes only procfs;
    inside /proc only PROC_MOUNT_ALLOWED may be covered."""
    if destination == "/proc":
        return None if source_is_procfs else f'"{destination}" cannot be mounted because it is not of type proc'
    if destination.startswith("/proc/") and destination not in PROC_MOUNT_ALLOWED:
        return f'"{destination}" cannot be mounted because it is inside /proc'
    return None


def check_no_pivot_propagation(plan: RootfsPlan) -> None:
    """Without pivot_root the old root stays reachable below the new one; a
    private root would then hide host unmounts from us forever (runc's rule)."""
    if plan.root_propagation & MS_PRIVATE:
        raise RuncPyError("rootfsPropagation of [r]private is not safe without pivot_root",
                          path="linux.rootfsPropagation")
