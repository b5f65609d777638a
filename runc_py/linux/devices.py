"""Device nodes and /dev symlinks in the container's rootfs.

Nodes are made with mknod(2) where the kernel lets us.  In a user namespace
it never does (EPERM), so, as runc, the host's node of the same path is
bind-mounted onto an empty file instead: the container gets the very same
device, with the host's permissions.
"""
import errno
import os
import posixpath
import stat

from runc_py.errors import RuncPyError, reason
from runc_py.linux import sys as lsys
from runc_py.linux.safepath import (RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, fd_path,
                                    mkdir_all_in_root)
from runc_py.plan.mount_options import MS_BIND
from runc_py.plan.rootfs import DeviceStep, SymlinkStep, container_path

NULL_RDEV = os.makedev(1, 3)


def _parent_and_name(root_fd: int, path: str) -> tuple[int, str]:
    clean = container_path(path)
    parent, name = posixpath.split(clean)
    return mkdir_all_in_root(root_fd, parent), name


def create_device(root_fd: int, dev: DeviceStep, bind_from_host: bool) -> None:
    field = dev.field or "linux.devices"
    parent, name = _parent_and_name(root_fd, dev.path)
    try:
        if not bind_from_host:
            try:
                _mknod(parent, name, dev)
                return
            except FileExistsError:
                if dev.field is not None:
                    _check_existing_node(parent, name, dev)
                return  # a default device already there is kept, as runc does
            except PermissionError:
                pass  # not allowed here (user namespace, or a device cgroup): bind instead
        _bind_host_node(parent, name, dev.path)
    except OSError as err:
        what = "bind" if bind_from_host else "mknod"
        raise RuncPyError(f"{what} {dev.path}: {reason(err.errno)}", path=field) from None
    finally:
        os.close(parent)


def _check_existing_node(parent: int, name: str, dev: DeviceStep) -> None:
    """config-linux.md, Devices: "If a file already exists at path that does
    not match the requested device, the runtime MUST generate an error"."""
    st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    if stat.S_IFMT(st.st_mode) != dev.file_type or st.st_rdev != os.makedev(dev.major, dev.minor):
        raise RuncPyError(f"{dev.path} already exists and is not the requested device "
                          f"({dev.major}:{dev.minor})", path=dev.field)


def _mknod(parent: int, name: str, dev: DeviceStep) -> None:
    old_umask = os.umask(0)
    try:
        os.mknod(name, dev.mode | dev.file_type, os.makedev(dev.major, dev.minor), dir_fd=parent)
    finally:
        os.umask(old_umask)
    os.chown(name, dev.uid, dev.gid, dir_fd=parent, follow_symlinks=False)


def _bind_host_node(parent: int, name: str, host_path: str) -> None:
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                         dir_fd=parent))
    except FileExistsError:
        pass
    # An O_PATH fd on what is there now; a symlink planted there is refused.
    target = lsys.openat2(parent, name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, 0,
                          RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
    try:
        if stat.S_ISLNK(os.fstat(target).st_mode):
            raise OSError(errno.ELOOP, "is a symlink")
        lsys.mount(host_path, fd_path(target), None, MS_BIND, None)
    finally:
        os.close(target)


def create_symlink(root_fd: int, link: SymlinkStep) -> None:
    if link.only_if_host_has is not None and not os.path.exists(link.only_if_host_has):
        return
    parent, name = _parent_and_name(root_fd, link.path)
    try:
        if link.replace:
            try:
                os.unlink(name, dir_fd=parent)
            except FileNotFoundError:
                pass
        try:
            os.symlink(link.target, name, dir_fd=parent)
        except FileExistsError:
            pass
    except OSError as err:
        raise RuncPyError(f"symlink {link.target} {link.path}: {reason(err.errno)}") from None
    finally:
        os.close(parent)


def reopen_dev_null() -> None:
    """stdio that is the host's /dev/null becomes the container's, so the
    container holds no file of the host's mount tree (as runc).  The
    container's must be the null device itself, not a symlink, file or fifo
    the image put there."""
    fd = _open_null(os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        for std in (0, 1, 2):
            try:
                st = os.fstat(std)
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == NULL_RDEV:
                os.dup2(fd, std)
    finally:
        os.close(fd)


def _open_null(flags: int) -> int:
    try:
        fd = os.open("/dev/null", flags)
    except OSError as err:
        raise RuncPyError(f"/dev/null in the container is not the null device: {reason(err.errno)}") from None
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != NULL_RDEV:
        os.close(fd)
        raise RuncPyError("/dev/null in the container is not the null device")
    return fd
