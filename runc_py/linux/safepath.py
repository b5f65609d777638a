"""Paths inside the container's rootfs, resolved as if the rootfs were "/".

A mount destination in config.json names a path *inside* the container, and
the rootfs is the container image's: any component may be a symlink, and an
absolute symlink (`/etc -> /host/etc`) or enough `..` (`../../..`) would, if
the host resolved it, put the mount on the host (CVE-2021-30465 and kin).

So a path is first resolved here component by component, each symlink read
and followed *within* the root, into a path with no symlinks and no `..`.
Every open then goes through openat2(2) with RESOLVE_IN_ROOT (`..` and
absolute symlinks stop at the root) plus RESOLVE_NO_SYMLINKS (a symlink
swapped in after resolution is refused, not followed).  Missing directories
are made one component at a time, each opened the same way before the next
is made in it.  Callers mount onto the O_PATH fd's /proc/self/fd/N magic
link, which names exactly the inode opened here.
"""
import errno
import os
import stat

from runc_py.linux import sys as lsys

RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10

# Opening a path produced by resolve_in_root: it has no symlinks, so any
# symlink met now was planted after resolution.
STRICT = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS

MAX_SYMLINKS = 255  # as MAXSYMLINKS in the kernel
O_PATH_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC


def fd_path(fd: int) -> str:
    """The magic link through which mount(2) and friends reach exactly `fd`."""
    return f"/proc/self/fd/{fd}"


def resolve_in_root(root_fd: int, path: str) -> str:
    """`path` with every symlink followed inside the root: a relative path
    with no symlink and no `..` ("" is the root itself).  Components past the
    first missing one are kept as written (with `..` applied to them), so the
    result can be created."""
    pending = [p for p in path.split("/") if p not in ("", ".")]
    pending.reverse()  # a stack: the next component is pending[-1]
    resolved: list[str] = []
    links = 0
    missing = False
    while pending:
        name = pending.pop()
        if name == "..":
            if resolved:
                resolved.pop()
            continue
        if missing:
            resolved.append(name)
            continue
        try:
            fd = lsys.openat2(root_fd, "/".join(resolved + [name]),
                              os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, 0, STRICT)
        except OSError as err:
            if err.errno != errno.ENOENT:
                raise OSError(err.errno, os.strerror(err.errno), "/" + "/".join(resolved + [name])) from None
            missing = True
            resolved.append(name)
            continue
        try:
            if not stat.S_ISLNK(os.fstat(fd).st_mode):
                resolved.append(name)
                continue
            links += 1
            if links > MAX_SYMLINKS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), "/" + "/".join(resolved + [name]))
            target = os.readlink("", dir_fd=fd)
        finally:
            os.close(fd)
        if target.startswith("/"):
            resolved = []
        pending.extend(reversed([p for p in target.split("/") if p not in ("", ".")]))
    return "/".join(resolved)


def open_root(path: str) -> int:
    return os.open(path, O_PATH_DIR)


def open_in_root(root_fd: int, path: str, flags: int = os.O_PATH) -> int:
    """Open an existing path inside the root (O_PATH unless told otherwise)."""
    return open_resolved(root_fd, resolve_in_root(root_fd, path), flags)


def open_resolved(root_fd: int, rel: str, flags: int = os.O_PATH) -> int:
    """Open a path resolve_in_root returned; a symlink met now is refused."""
    try:
        return lsys.openat2(root_fd, rel or ".", flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0, STRICT)
    except OSError as err:
        raise OSError(err.errno, os.strerror(err.errno), "/" + rel) from None


def mkdir_all_in_root(root_fd: int, path: str, mode: int = 0o755) -> int:
    """An O_PATH fd on directory `path` inside the root, made if missing."""
    return _mkdir_all_resolved(root_fd, resolve_in_root(root_fd, path), mode)


def _mkdir_all_resolved(root_fd: int, rel: str, mode: int) -> int:
    fd = os.dup(root_fd)
    done: list[str] = []
    try:
        for name in (p for p in rel.split("/") if p):
            done.append(name)
            try:
                os.mkdir(name, mode, dir_fd=fd)
            except FileExistsError:
                pass
            except OSError as err:
                raise OSError(err.errno, os.strerror(err.errno), "/" + "/".join(done)) from None
            try:
                child = lsys.openat2(fd, name, O_PATH_DIR | os.O_NOFOLLOW, 0,
                                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
            except OSError as err:
                raise OSError(err.errno, os.strerror(err.errno), "/" + "/".join(done)) from None
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def create_in_root(root_fd: int, path: str, directory: bool, mode: int = 0o755) -> tuple[int, str]:
    """(O_PATH fd, resolved relative path) of `path` inside the root, made as
    a directory or an empty file if it does not exist (a mount target)."""
    rel = resolve_in_root(root_fd, path)
    if directory:
        return _mkdir_all_resolved(root_fd, rel, mode), rel
    parent_rel, _, name = rel.rpartition("/")
    if not name:
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), "/")
    parent = _mkdir_all_resolved(root_fd, parent_rel, 0o755)
    try:
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                             mode, dir_fd=parent))
        except FileExistsError:
            pass
        except OSError as err:
            raise OSError(err.errno, os.strerror(err.errno), "/" + rel) from None
        try:
            fd = lsys.openat2(parent, name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, 0,
                              RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
        except OSError as err:
            raise OSError(err.errno, os.strerror(err.errno), "/" + rel) from None
        return fd, rel
    finally:
        os.close(parent)


def copy_tree(src_fd: int, dst_fd: int) -> None:
    """Copy the directory tree at `src_fd` into the directory at `dst_fd`
    (tmpcopyup), keeping modes, owners and times; every step is relative to
    an fd and never follows a symlink."""
    src = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=src_fd)
    dst = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dst_fd)
    try:
        with os.scandir(src) as entries:
            for entry in entries:
                _copy_entry(src, dst, entry.name, entry.stat(follow_symlinks=False))
    finally:
        os.close(src)
        os.close(dst)


def _copy_entry(src: int, dst: int, name: str, st: os.stat_result) -> None:
    nofollow = os.O_NOFOLLOW | os.O_CLOEXEC
    if stat.S_ISDIR(st.st_mode):
        os.mkdir(name, 0o700, dir_fd=dst)
        sub_src = os.open(name, os.O_PATH | os.O_DIRECTORY | nofollow, dir_fd=src)
        sub_dst = os.open(name, os.O_PATH | os.O_DIRECTORY | nofollow, dir_fd=dst)
        try:
            copy_tree(sub_src, sub_dst)
        finally:
            os.close(sub_src)
            os.close(sub_dst)
    elif stat.S_ISREG(st.st_mode):
        fin = os.open(name, os.O_RDONLY | nofollow, dir_fd=src)
        try:
            fout = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600, dir_fd=dst)
            try:
                while os.sendfile(fout, fin, None, 1 << 20):
                    pass
            finally:
                os.close(fout)
        finally:
            os.close(fin)
    elif stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(name, dir_fd=src), name, dir_fd=dst)
    else:
        os.mknod(name, st.st_mode, st.st_rdev, dir_fd=dst)
    os.chown(name, st.st_uid, st.st_gid, dir_fd=dst, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(name, stat.S_IMODE(st.st_mode), dir_fd=dst)  # after chown, which drops setuid bits
    os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dst, follow_symlinks=False)
