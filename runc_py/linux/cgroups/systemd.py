"""The systemd cgroup driver (--systemd-cgroup): where systemd puts a container.

runc asks systemd over D-Bus for a transient scope unit and lets systemd own
the cgroup, so a host's systemd never "cleans up" a cgroup made behind its
back.  linux.cgroupsPath names the unit as "slice:prefix:name":

- slice: the parent slice ("" is system.slice); its dashes are levels, so
  a-b.slice lives at /a.slice/a-b.slice;
- the unit is "prefix-name.scope" ("name.scope" without a prefix), or
  `name` itself when it ends in ".slice";
- an absent cgroupsPath is ":runc:<container id>", as runc has it.

In each hierarchy the unit's directory is the mount point + PID 1's cgroup
(less its "init.scope") + the slice path + the unit.  A host without
systemd is an error, never a silent fall back to the cgroupfs driver.
"""
from runc_py.linux.cgroups.files import CgroupError

FIELD = "linux.cgroupsPath"
DEFAULT_SLICE = "system.slice"
DEFAULT_PREFIX = "runc"
# systemd's unit name alphabet (unit-name.c), and its length limit.
_UNIT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@")
UNIT_NAME_MAX = 255


def systemd_running(run_dir: str = "/run/systemd/system", pid1_comm: str = "/proc/1/comm") -> bool:
    """systemd is the init (sd_booted(3) checks /run/systemd/system; we also
    check that PID 1 is named systemd, since a container may bind that dir)."""
    import os

    if not os.path.isdir(run_dir):
        return False
    try:
        with open(pid1_comm) as f:
            return f.read().strip() == "systemd"
    except OSError:
        return False


def require_systemd_driver(**probe) -> None:
    if not systemd_running(**probe):
        raise CgroupError("systemd cgroup driver requested (--systemd-cgroup) but systemd is not "
                          "running on this host")


def expand_slice(slice_name: str) -> str:
    """"a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" is the root."""
    stem = slice_name[:-len(".slice")] if slice_name.endswith(".slice") else ""
    if not stem or "/" in slice_name:
        raise CgroupError(f'invalid slice name "{slice_name}": a slice is "<name>.slice" without "/"',
                          path=FIELD)
    if stem == "-":
        return "/"
    path, prefix = "", ""
    for part in stem.split("-"):
        if not part:  # "a--b.slice", "-a.slice", "a-.slice"
            raise CgroupError(f'invalid slice name "{slice_name}": empty level between dashes', path=FIELD)
        path += f"/{prefix}{part}.slice"
        prefix += part + "-"
    return path


def _check_unit_name(unit: str) -> None:
    bad = sorted(set(unit) - _UNIT_CHARS)
    if bad:
        raise CgroupError(f'invalid systemd unit name "{unit}": characters {"".join(bad)!r} are not allowed',
                          path=FIELD)
    if len(unit) > UNIT_NAME_MAX:
        raise CgroupError(f'invalid systemd unit name "{unit}": longer than {UNIT_NAME_MAX} characters',
                          path=FIELD)


class UnitPlacement:
    """The slice, the unit, and the unit's cgroup path below PID 1's cgroup."""

    __slots__ = ("slice", "unit", "path")

    def __init__(self, slice_name: str, unit: str, path: str):
        self.slice, self.unit, self.path = slice_name, unit, path

    @property
    def is_slice(self) -> bool:
        return self.unit.endswith(".slice")

    def __repr__(self) -> str:
        return f"UnitPlacement({self.slice!r}, {self.unit!r}, {self.path!r})"


def parse_cgroups_path(cgroups_path: str | None, container_id: str) -> UnitPlacement:
    if not cgroups_path:
        slice_name, prefix, name = "", DEFAULT_PREFIX, container_id
    else:
        parts = cgroups_path.split(":")
        if len(parts) != 3:
            raise CgroupError(f'expected cgroupsPath to be of form "slice:prefix:name" for systemd cgroups, '
                              f'got "{cgroups_path}" instead', path=FIELD)
        slice_name, prefix, name = parts
    slice_name = slice_name or DEFAULT_SLICE
    slice_path = expand_slice(slice_name)
    if not name:
        raise CgroupError(f'the name in "{cgroups_path}" is empty: expected "slice:prefix:name"', path=FIELD)
    if name.endswith(".slice"):
        # A slice's place follows from its own name, whatever the parent says.
        unit, path = name, expand_slice(name)
    else:
        unit = f"{prefix}-{name}.scope" if prefix else f"{name}.scope"
        path = slice_path.rstrip("/") + "/" + unit
    _check_unit_name(unit)
    return UnitPlacement(slice_name, unit, path)


def unit_paths(host, placement: UnitPlacement, init_cgroups: dict[str, str]) -> dict[str, str]:
    """{controller: directory} of the unit in every hierarchy the cgroupfs
    driver would join, below PID 1's cgroup (systemd 226+ sits in
    init.scope, which is not the slices' parent)."""
    from runc_py.linux.cgroups.detect import Host
    from runc_py.linux.cgroups.placement import cgroup_paths

    def base(path: str) -> str:
        return path[:-len("init.scope")] if path.rstrip("/").endswith("/init.scope") else path

    at_init = Host(host.mode, host.root, host.mounts, host.mount_roots, host.unified, host.unified_root,
                   own={k: base(v) for k, v in init_cgroups.items()})
    return cgroup_paths(at_init, placement.unit, placement.path.lstrip("/"))


def open_systemd_cgroup(container_id: str, cgroups_path: str | None, resources=None, *, linux_devices=None,
                        host=None, init_cgroup: str = "/proc/1/cgroup"):
    """A SystemdManager placed and checked; nothing is asked of systemd yet."""
    require_systemd_driver()
    placement = parse_cgroups_path(cgroups_path, container_id)
    if host is None:
        from runc_py.linux.cgroups.detect import detect_host
        host = detect_host()
    from runc_py.linux.cgroups.detect import parse_proc_cgroup
    from runc_py.linux.cgroups.devices_rules import node_rules
    from runc_py.linux.cgroups.systemd_manager import SystemdManager

    with open(init_cgroup) as f:
        paths = unit_paths(host, placement, parse_proc_cgroup(f.read()))
    mounts = {k: (host.unified if k == "" else host.mounts[k]) for k in paths}
    mgr = SystemdManager(container_id, host.mode, paths, mounts, placement.unit, placement.slice, resources,
                         node_rules=node_rules(linux_devices))
    mgr.check_controllers(resources)
    return mgr
