"""The config's mounts[] entries put into the rootfs, and the primitives for it.

Everything that mounts onto a place inside the container takes an O_PATH fd
from runc_py.linux.safepath and goes through its /proc/self/fd/N link, so
the kernel mounts on exactly the inode that was opened, never on a path it
resolves again; then the path is opened again to check that the new mount
is what it leads to.  `fs_magic` is fstatfs(2)'s f_type, which os.statvfs
lacks.  Per type the rules are runc 1.1.5's: procfs and sysfs only on a real
directory, bind mounts remounted for their flags, tmpfs starting with the
covered directory's mode (and its content with tmpcopyup), cgroup v1 as a
tmpfs of per-hierarchy mounts, cgroup2 with a bind fallback.
"""
import errno
import os
import posixpath
import stat
from runc_py.record import Record

from runc_py.errors import RuncPyError, reason
from runc_py.linux import sys as lsys
from runc_py.linux.devices import create_symlink
from runc_py.linux.safepath import STRICT, copy_tree, create_in_root, fd_path, open_resolved, resolve_and_open
from runc_py.plan.mount_options import (MS_BIND, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC,
                                        MS_NOSUID, MS_RDONLY, MS_RELATIME, MS_REC, MS_REMOUNT)
from runc_py.plan.rootfs import MountStep, RootfsPlan, SymlinkStep, check_proc_destination

AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000

OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = os.O_CLOEXEC
CGROUP_TMPFS_FLAGS = MS_NOEXEC | MS_NOSUID | MS_NODEV

PROC_SUPER_MAGIC = 0x9FA0
CGROUP2_SUPER_MAGIC = 0x63677270

# statvfs(3) f_flag bit -> the mount flag a bind remount must keep: in a
# user namespace the kernel refuses to drop these ("locked") flags.
_ST_TO_MS = {0x1: MS_RDONLY, 0x2: MS_NOSUID, 0x4: MS_NODEV, 0x8: MS_NOEXEC,
             0x400: MS_NOATIME, 0x800: MS_NODIRATIME, 0x1000: MS_RELATIME}

def fs_magic(fd: int) -> int:
    """The filesystem type (f_type) of the file `fd` is on."""
    return lsys.fstatfs_type(fd)


def mount_id(fd: int) -> int:
    """The id of the mount `fd` is on (mountinfo's first field): statx(2)'s
    STATX_MNT_ID, one call; /proc/self/fdinfo/N on kernels without it."""
    mnt = lsys.mount_id(fd)
    return _fdinfo_mount_id(fd) if mnt is None else mnt


def _fdinfo_mount_id(fd: int) -> int:
    with open(f"/proc/self/fdinfo/{fd}", "rb") as f:
        for line in f:
            if line.startswith(b"mnt_id:"):
                return int(line.split()[1])
    raise OSError(0, "no mnt_id in fdinfo")


def mount_flags(fd: int) -> int:
    """The per-mount flags (MS_RDONLY, MS_NOSUID...) of the mount `fd` is on."""
    f_flag = os.fstatvfs(fd).f_flag
    return sum(ms for st, ms in _ST_TO_MS.items() if f_flag & st)


def mount_on_fd(source: str | None, target_fd: int, fstype: str | None, flags: int, data: str | None) -> None:
    lsys.mount(source, fd_path(target_fd), fstype, flags, data or None)


def set_propagation(target_fd: int, flags: int) -> None:
    lsys.mount(None, fd_path(target_fd), None, flags, None)


def set_recursive_attrs(target_fd: int, attr_set: int, attr_clr: int) -> None:
    lsys.mount_setattr(target_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, attr_set, attr_clr)


def bind_remount(target_fd: int, flags: int) -> None:
    """Change the flags of the bind mount at `target_fd` (MS_REMOUNT|MS_BIND
    touches only the per-mount flags, allowed in a user namespace).  If the
    kernel refuses because a flag it locked would be dropped, retry keeping
    the mount's current flags, as runc does for read-only sources."""
    try:
        lsys.mount(None, fd_path(target_fd), None, flags | MS_REMOUNT | MS_BIND, None)
    except OSError as err:
        current = mount_flags(target_fd)
        if current & ~flags == 0:
            raise err from None
        lsys.mount(None, fd_path(target_fd), None, flags | current | MS_REMOUNT | MS_BIND, None)


class MountInfo(Record, frozen=True):
    mount_id: int
    parent_id: int
    root: str
    mount_point: str
    options: str
    optional: tuple[str, ...]
    fstype: str
    source: str
    super_options: str


def _unescape(field: str) -> str:
    if "\\" not in field:
        return field
    return field.encode().decode("unicode_escape").encode("latin-1").decode(errors="surrogateescape")


def _read_lines(path: str) -> list[str]:
    """The lines of a /proc file, read in one go: open()'s text layer costs
    more than the read in a freshly forked init.  Bytes that are not UTF-8
    become surrogates, as os does for paths."""
    with open(path, "rb") as f:
        text = f.read().decode(errors="surrogateescape")
    return [line for line in text.split("\n") if line]


def _mountinfo_fields(path: str) -> list[list[str]]:
    """The fields of each line of a mountinfo file (the kernel escapes
    spaces, tabs, newlines and backslashes in its paths)."""
    return [line.split() for line in _read_lines(path)]


def _entry(fields: list[str]) -> MountInfo:
    sep = fields.index("-", 6)
    return MountInfo(int(fields[0]), int(fields[1]), _unescape(fields[3]), _unescape(fields[4]), fields[5],
                     tuple(fields[6:sep]), fields[sep + 1], _unescape(fields[sep + 2]),
                     fields[sep + 3] if len(fields) > sep + 3 else "")


def read_mountinfo(path: str = "/proc/self/mountinfo", fstype: str | None = None) -> list[MountInfo]:
    """The mounts, or only those of filesystem type `fstype`: a record
    costs more than its line, and hosts with hundreds of mounts exist."""
    return [_entry(fields) for fields in _mountinfo_fields(path)
            if fstype is None or fields[fields.index("-", 6) + 1] == fstype]


def mount_point_of(path: str, mountinfo_path: str = "/proc/self/mountinfo") -> MountInfo:
    """The mount that `path` (absolute, clean, symlink-free) is on: the
    longest mount point that is `path` or a parent of it (the last one
    mounted there if several are stacked).  Only that line becomes a record."""
    best = None
    best_len = -1
    for fields in _mountinfo_fields(mountinfo_path):
        mp = _unescape(fields[4])
        if (path == mp or mp == "/" or path.startswith(mp + "/")) and len(mp) >= best_len:
            best, best_len = fields, len(mp)
    if best is None:
        raise OSError(0, f"no mount holds {path}")
    return _entry(best)


# --- one mounts[] entry -------------------------------------------------------

def mount_step(root_fd: int, step: MountStep, plan: RootfsPlan) -> None:
    """Put one mounts[] entry in the rootfs (runc's rules per type)."""
    try:
        if step.fstype in ("proc", "sysfs"):
            target, rel = _plain_directory(root_fd, step)
            _mount_checked(root_fd, step, target, rel, step.source, step.data)
        elif step.fstype == "bind":
            _bind(root_fd, step)
        elif step.fstype == "tmpfs":
            _tmpfs(root_fd, step)
        elif step.fstype == "cgroup":
            _cgroup(root_fd, step, plan)
        else:
            target, rel = _directory(root_fd, step)
            _mount_checked(root_fd, step, target, rel, step.source, step.data)
    except OSError as err:
        detail = reason(err.errno) if err.errno else err.strerror
        if err.filename and err.filename not in (step.source, step.destination):
            detail = f"{err.filename}: {detail}"
        raise RuncPyError(f'mount "{step.source}" on "{step.destination}": {detail}', path=step.field) from None


def _plain_directory(root_fd: int, step: MountStep) -> tuple[int, str]:
    """procfs and sysfs go on a real directory, never through a symlink
    (runc's rule: a symlinked /proc has been an attack more than once)."""
    parent, name = posixpath.split(step.clean_destination)
    parent_fd, parent_rel = create_in_root(root_fd, parent, directory=True)
    try:
        try:
            os.mkdir(name, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            pass
        fd = lsys.openat2(parent_fd, name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, 0, STRICT)
    finally:
        os.close(parent_fd)
    if not stat.S_ISDIR(os.fstat(fd).st_mode):
        os.close(fd)
        raise RuncPyError(f'filesystem "{step.fstype}" must be mounted on ordinary directory', path=step.field)
    return fd, posixpath.join(parent_rel, name)


def _directory(root_fd: int, step: MountStep) -> tuple[int, str]:
    fd, rel = create_in_root(root_fd, step.destination, directory=True)
    _check_proc(step, rel, source_is_procfs=False, fd=fd)
    return fd, rel


def _check_proc(step: MountStep, rel: str, source_is_procfs: bool, fd: int) -> None:
    problem = check_proc_destination("/" + rel, source_is_procfs)
    if problem:
        os.close(fd)
        raise RuncPyError(problem, path=step.field)


def _mount_checked(root_fd: int, step: MountStep, target: int, rel: str, source: str | None, data: str,
                   fstype: str | None = None) -> int:
    """mount(2) onto `target` (an O_PATH fd, closed here), then verify the
    new mount is what `rel` now leads to inside the root, then apply the
    propagation options.  Returns an O_PATH fd on the new mount."""
    flags = step.flags & ~MS_RDONLY if step.defers_readonly else step.flags
    try:
        before = mount_id(target)
        mount_on_fd(source, target, step.fstype if fstype is None else fstype, flags, data)
    finally:
        os.close(target)
    mounted = open_resolved(root_fd, rel)
    try:
        if mount_id(mounted) == before:
            raise OSError(0, "the mount did not land on its target")
        for propagation in step.propagation:
            set_propagation(mounted, propagation)
        if (step.rec_attr_set or step.rec_attr_clr) and not step.defers_readonly:
            set_recursive_attrs(mounted, step.rec_attr_set, step.rec_attr_clr)
    except BaseException:
        os.close(mounted)
        raise
    return mounted


def _bind(root_fd: int, step: MountStep) -> None:
    source_fd = os.open(step.source, os.O_PATH | os.O_CLOEXEC)
    try:
        source_is_dir = stat.S_ISDIR(os.fstat(source_fd).st_mode)
        source_is_procfs = fs_magic(source_fd) == PROC_SUPER_MAGIC
    finally:
        os.close(source_fd)
    target, rel = create_in_root(root_fd, step.destination, directory=source_is_dir)
    _check_proc(step, rel, source_is_procfs, target)
    mounted = _mount_checked(root_fd, step, target, rel, step.source, "")
    try:
        # A bind mount takes none of the flags given with it: apply them now.
        if step.flags & ~(MS_REC | MS_REMOUNT | MS_BIND):
            bind_remount(mounted, step.flags & ~MS_REC)
    finally:
        os.close(mounted)


def _tmpfs(root_fd: int, step: MountStep) -> None:
    """A tmpfs on an existing directory starts with that directory's mode
    (an explicit mode= option still wins, coming later)."""
    data = step.data
    try:
        target, rel = resolve_and_open(root_fd, step.destination)
        existing_mode = stat.S_IMODE(os.fstat(target).st_mode)
        data = f"mode={existing_mode:04o}" + (f",{data}" if data else "")
    except FileNotFoundError:
        target, rel = create_in_root(root_fd, step.destination, directory=True)
    _check_proc(step, rel, source_is_procfs=False, fd=target)
    underneath = -1
    if step.copy_up:
        # A detached copy of the directory about to be covered, to copy from.
        underneath = lsys.open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)
    try:
        mounted = _mount_checked(root_fd, step, target, rel, step.source, data)
        try:
            if underneath >= 0:
                copy_tree(underneath, mounted)
        finally:
            os.close(mounted)
    finally:
        if underneath >= 0:
            os.close(underneath)


def _cgroup(root_fd: int, step: MountStep, plan: RootfsPlan) -> None:
    host = os.open("/sys/fs/cgroup", os.O_PATH | os.O_CLOEXEC)
    try:
        unified = fs_magic(host) == CGROUP2_SUPER_MAGIC
    finally:
        os.close(host)
    if unified:
        _cgroup2(root_fd, step, plan)
    else:
        _cgroup1(root_fd, step, plan)


def _own_cgroups() -> dict[str, str]:
    """/proc/self/cgroup as {controllers: path}, e.g. {"cpu,cpuacct": "/a", "": "/"}."""
    own = {}
    for line in _read_lines("/proc/self/cgroup"):
        _, controllers, path = line.split(":", 2)
        own[controllers] = path
    return own


def _cgroup1(root_fd: int, step: MountStep, plan: RootfsPlan) -> None:
    """cgroup v1: a tmpfs, then one mount per hierarchy, named as on the
    host: a fresh cgroup mount inside a cgroup namespace, else a bind of
    our own cgroup directory; co-mounted controllers get symlinks."""
    own = _own_cgroups()
    hierarchies = [(controllers, set(controllers.split(","))) for controllers in own if controllers]
    tmpfs = MountStep(step.field, "tmpfs", step.destination, "tmpfs", CGROUP_TMPFS_FLAGS, "mode=755",
                      step.propagation)
    _tmpfs(root_fd, tmpfs)
    seen = set()
    for entry in read_mountinfo(fstype="cgroup"):
        options = set(entry.super_options.split(","))
        match = [c for c, names in hierarchies if names <= options]
        if not match or match[0] in seen:
            continue
        controllers = match[0]
        seen.add(controllers)
        name = posixpath.basename(entry.mount_point)
        destination = posixpath.join(step.destination, name)
        if plan.cgroup_namespace:
            flags = CGROUP_TMPFS_FLAGS | (step.flags & MS_RDONLY)
            data = "none," + controllers if controllers.startswith("name=") else controllers
            sub = MountStep(step.field, "cgroup", destination, "cgroup", flags, data, ())
            target, rel = _directory(root_fd, sub)
            os.close(_mount_checked(root_fd, sub, target, rel, "cgroup", data))
        else:
            relative = posixpath.relpath(own[controllers], entry.root)
            source = posixpath.normpath(posixpath.join(entry.mount_point, relative))
            _bind(root_fd, MountStep(step.field, source, destination, "bind", MS_BIND | MS_REC | step.flags, "",
                                     step.propagation))
        if "," in name:
            for controller in name.split(","):
                create_symlink(root_fd, SymlinkStep(name, posixpath.join(step.destination, controller)))


def _cgroup2(root_fd: int, step: MountStep, plan: RootfsPlan) -> None:
    """cgroup v2: mount cgroup2; where the kernel refuses (a user namespace
    without a cgroup namespace) bind the host's tree, or our own cgroup in
    it when we have a cgroup namespace, as runc."""
    target, rel = _directory(root_fd, step)
    try:
        os.close(_mount_checked(root_fd, step, target, rel, step.source, step.data, fstype="cgroup2"))
        return
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.EBUSY):
            raise
    source = "/sys/fs/cgroup"
    if plan.cgroup_namespace:
        source = posixpath.normpath("/sys/fs/cgroup/" + _own_cgroups().get("", "/"))
    _bind(root_fd, MountStep(step.field, source, step.destination, "bind", MS_BIND | step.flags, "",
                             step.propagation))
