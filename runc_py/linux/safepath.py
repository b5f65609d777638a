"""Paths inside the container's rootfs, resolved as if the rootfs were "/".

A mount destination in config.json names a path *inside* the container, and
the rootfs is the container image's: any component may be a symlink, and an
absolute symlink (`/etc -> /host/etc`) or enough `..` (`../../..`) would, if
the host resolved it, put the mount on the host (CVE-2021-30465 and kin).

So a path is first resolved here component by component, each symlink read
and followed *within* the root, into a path with no symlinks and no `..`.
A path with no `..` is first opened whole with RESOLVE_NO_SYMLINKS: if that
succeeds no component is a symlink, the path is its own resolution, and the
one call replaces the walk (the common case: three calls per component).
Every open then goes through openat2(2) with RESOLVE_IN_ROOT (`..` and
absolute symlinks stop at the root) plus RESOLVE_NO_SYMLINKS (a symlink
swapped in after resolution is refused, not followed).  Missing directories
are made one component at a time, each opened the same way before the next
is made in it (from the parent, opened in one call, when only the last one
is missing).  Callers mount onto the O_PATH fd's /proc/self/fd/N magic
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


def _components(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _open_plain(root_fd: int, parts: list[str]) -> int | None:
    """The common case in one call: a path without `..` whose components
    are not symlinks resolves to itself, and openat2(2) with STRICT and
    without O_NOFOLLOW proves that while opening it (RESOLVE_NO_SYMLINKS
    refuses a symlink anywhere, the last component too, with ELOOP).
    Returns an O_PATH fd on it; raises FileNotFoundError (as open_resolved)
    if a component is missing, none of those before it being a symlink;
    None if the path needs the walk of resolve_in_root."""
    if ".." in parts:
        return None
    try:
        return _open_strict(root_fd, "/".join(parts), os.O_PATH)
    except FileNotFoundError:
        raise
    except OSError:
        return None


def resolve_in_root(root_fd: int, path: str) -> str:
    """`path` with every symlink followed inside the root: a relative path
    with no symlink and no `..` ("" is the root itself).  Components past the
    first missing one are kept as written (with `..` applied to them), so the
    result can be created."""
    fd, rel = _lookup(root_fd, path)
    if fd is not None:
        os.close(fd)
    return rel


def _lookup(root_fd: int, path: str) -> tuple[int | None, str]:
    """(O_PATH fd or None, resolve_in_root's answer): the fd when the path
    is plain (see _open_plain) and exists."""
    parts = _components(path)
    try:
        fd = _open_plain(root_fd, parts)
    except FileNotFoundError:
        return None, "/".join(parts)
    if fd is None:
        return None, _walk(root_fd, parts)
    return fd, "/".join(parts)


def _walk(root_fd: int, parts: list[str]) -> str:
    """resolve_in_root one component at a time, each symlink read and its
    target's components put in front of those left."""
    pending = parts[::-1]  # a stack: the next component is pending[-1]
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
        pending.extend(reversed(_components(target)))
    return "/".join(resolved)


def open_root(path: str) -> int:
    return os.open(path, O_PATH_DIR)


def open_in_root(root_fd: int, path: str, flags: int = os.O_PATH) -> int:
    """Open an existing path inside the root (O_PATH unless told otherwise)."""
    if flags == os.O_PATH:
        return resolve_and_open(root_fd, path)[0]
    return open_resolved(root_fd, resolve_in_root(root_fd, path), flags)


def resolve_and_open(root_fd: int, path: str) -> tuple[int, str]:
    """(O_PATH fd, resolved relative path) of an existing path inside the
    root: open_resolved(resolve_in_root(path)), in one call for a plain path."""
    fd, rel = _lookup(root_fd, path)
    return (open_resolved(root_fd, rel) if fd is None else fd), rel


def open_resolved(root_fd: int, rel: str, flags: int = os.O_PATH) -> int:
    """Open a path resolve_in_root returned; a symlink met now is refused."""
    return _open_strict(root_fd, rel, flags | os.O_NOFOLLOW)


def _open_strict(root_fd: int, rel: str, flags: int) -> int:
    """openat2(2) of `rel` in the root with STRICT resolution; an error names
    the path as the container sees it."""
    try:
        return lsys.openat2(root_fd, rel or ".", flags | os.O_CLOEXEC, 0, STRICT)
    except OSError as err:
        raise OSError(err.errno, os.strerror(err.errno), "/" + rel) from None


def mkdir_all_in_root(root_fd: int, path: str, mode: int = 0o755) -> int:
    """An O_PATH fd on directory `path` inside the root, made if missing."""
    fd, rel = _lookup(root_fd, path)
    if fd is not None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            return fd
        os.close(fd)
    return _mkdir_all_resolved(root_fd, rel, mode)


def _mkdir_all_resolved(root_fd: int, rel: str, mode: int) -> int:
    names = [p for p in rel.split("/") if p]
    done: list[str] = []
    fd = -1
    if len(names) > 1:
        # Usually only the last directory is missing: open its parent in one
        # call (a path resolve_in_root returned).
        try:
            fd = open_resolved(root_fd, "/".join(names[:-1]), O_PATH_DIR)
            done = names[:-1]
        except OSError:
            pass  # made (or refused) one component at a time below
    if fd < 0:
        fd = os.dup(root_fd)
    try:
        for name in names[len(done):]:
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
    fd, rel = _lookup(root_fd, path)
    if fd is not None:
        # There already: what the steps below would open (a directory asked
        # for must be one; a file's place must not be the root).
        if stat.S_ISDIR(os.fstat(fd).st_mode) if directory else rel:
            return fd, rel
        os.close(fd)
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
