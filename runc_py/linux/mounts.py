"""Mount primitives on file descriptors, and reading /proc/self/mountinfo.

Everything that mounts onto a place inside the container takes an O_PATH fd
from runc_py.linux.safepath and goes through its /proc/self/fd/N link, so
the kernel mounts on exactly the inode that was opened, never on a path it
resolves again.  `fs_magic` is fstatfs(2)'s f_type, which os.statvfs lacks.
"""
import ctypes
import os
from dataclasses import dataclass

from runc_py.linux import sys as lsys
from runc_py.linux.safepath import fd_path
from runc_py.plan.mount_options import (MS_BIND, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC,
                                        MS_NOSUID, MS_RDONLY, MS_RELATIME, MS_REMOUNT)

AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000

PROC_SUPER_MAGIC = 0x9FA0
SYSFS_MAGIC = 0x62656572
TMPFS_MAGIC = 0x01021994
CGROUP2_SUPER_MAGIC = 0x63677270

# statvfs(3) f_flag bit -> the mount flag a bind remount must keep: in a
# user namespace the kernel refuses to drop these ("locked") flags.
_ST_TO_MS = {0x1: MS_RDONLY, 0x2: MS_NOSUID, 0x4: MS_NODEV, 0x8: MS_NOEXEC,
             0x400: MS_NOATIME, 0x800: MS_NODIRATIME, 0x1000: MS_RELATIME}

_libc = ctypes.CDLL(None, use_errno=True)
_statfs_buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit


def fs_magic(fd: int) -> int:
    """The filesystem type (f_type) of the file `fd` is on."""
    if _libc.fstatfs(fd, _statfs_buf) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ctypes.c_long.from_buffer(_statfs_buf).value


def mount_id(fd: int) -> int:
    """The id of the mount `fd` is on (mountinfo's first field)."""
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


@dataclass(frozen=True)
class MountInfo:
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


def read_mountinfo(path: str = "/proc/self/mountinfo") -> list[MountInfo]:
    entries = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-", 6)
            entries.append(MountInfo(int(fields[0]), int(fields[1]), _unescape(fields[3]),
                                     _unescape(fields[4]), fields[5], tuple(fields[6:sep]),
                                     fields[sep + 1], _unescape(fields[sep + 2]),
                                     fields[sep + 3] if len(fields) > sep + 3 else ""))
    return entries


def mount_point_of(path: str, mountinfo: list[MountInfo]) -> MountInfo:
    """The mount that `path` (absolute, clean, symlink-free) is on: the
    longest mount point that is `path` or a parent of it (the last one
    mounted there if several are stacked)."""
    best = None
    for entry in mountinfo:
        mp = entry.mount_point
        if path == mp or mp == "/" or path.startswith(mp + "/"):
            if best is None or len(mp) >= len(best.mount_point):
                best = entry
    if best is None:
        raise OSError(0, f"no mount holds {path}")
    return best
