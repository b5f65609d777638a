"""Build the container's root filesystem, inside the container's init.

The init calls `prepare_rootfs` once it is in its new mount namespace (and
its other namespaces, its cgroup, and a cgroup namespace if any), then
`finish_rootfs` after pivot_root.  The order is runc 1.1.5's:

prepare: "/" made rslave (or linux.rootfsPropagation), the parent mount of
the rootfs made private if it is shared, the rootfs bind-mounted onto itself,
every mounts[] entry in order, /dev nodes and symlinks, [before_pivot],
pivot_root (or, with no_pivot, MS_MOVE onto "/" + chroot), stdio on the
host's /dev/null moved to the container's, process.cwd made.

finish: rootfs propagation re-applied on the new "/", read-only for tmpfs and
/dev mounts asked to be (they stay writable while /dev is filled), root
read-only, sysctls, readonly paths, masked paths.

Every destination is resolved inside the rootfs by runc_py.linux.safepath,
and every mount is checked to have landed where it was aimed.  Nothing here
imports anything lazily: the init must not load modules after pivot_root.
"""
import errno
import os
import stat

from runc_py.errors import RuncPyError, reason
from runc_py.linux import sys as lsys
from runc_py.linux.devices import NULL_RDEV, create_device, create_symlink, reopen_dev_null
from runc_py.linux.mounts import (AT_EMPTY_PATH, PROC_SUPER_MAGIC, bind_remount, fs_magic, mount_flags, mount_id,
                                  mount_on_fd, mount_point_of, mount_step, read_mountinfo, set_recursive_attrs)
from runc_py.linux.safepath import fd_path, open_in_root, open_root
from runc_py.linux.sysctl import write_sysctls
from runc_py.plan.mount_options import (MOUNT_ATTR_RDONLY, MS_BIND, MS_MOVE, MS_NODEV, MS_NOEXEC, MS_NOSUID,
                                        MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE)
from runc_py.plan.rootfs import (DeviceStep, MountStep, RootfsPlan, SymlinkStep, check_no_pivot_propagation,
                                 container_path)

MNT_DETACH = 2

TYPE_CHECKING = False  # see runc_py.container.hooks: `typing`/`collections` cost ms at start-up
if TYPE_CHECKING:
    from collections.abc import Callable


def prepare_rootfs(plan: RootfsPlan, *, no_pivot: bool, before_pivot: "Callable[[], None] | None" = None) -> None:
    """Everything up to and including pivot_root.  `before_pivot` runs after
    the last mount, in the rootfs's parent tree, for the runtime's hooks."""
    if no_pivot:
        check_no_pivot_propagation(plan)
    rootfs = os.path.realpath(plan.rootfs)
    try:
        lsys.mount(None, "/", None, plan.root_propagation or MS_SLAVE | MS_REC, None)
        _make_parent_private(rootfs)
        lsys.mount(rootfs, rootfs, None, MS_BIND | MS_REC, None)
    except OSError as err:
        raise RuncPyError(f"prepare rootfs {rootfs}: {reason(err.errno)}", path="root.path") from None
    root_fd = open_root(rootfs)
    try:
        for step in plan.steps:
            if isinstance(step, MountStep):
                mount_step(root_fd, step, plan)
            elif isinstance(step, DeviceStep):
                create_device(root_fd, step, plan.user_namespace)
            elif isinstance(step, SymlinkStep):
                create_symlink(root_fd, step)
    finally:
        os.close(root_fd)
    if before_pivot is not None:
        before_pivot()
    try:
        os.chdir(rootfs)
        if no_pivot:
            _move_root(rootfs)
        else:
            _pivot_root(rootfs)
    except OSError as err:
        raise RuncPyError(f"jail the process inside {rootfs}: {reason(err.errno)}", path="root.path") from None
    if plan.sets_up_dev:
        reopen_dev_null()
    if plan.cwd:
        try:
            os.makedirs(plan.cwd, 0o755, exist_ok=True)
        except OSError as err:
            # makedirs says EEXIST for an existing non-directory; mkdir -p (and runc) say ENOTDIR
            code = errno.ENOTDIR if isinstance(err, FileExistsError) else err.errno
            raise RuncPyError(f"mkdir {plan.cwd}: {reason(code)}", path="process.cwd") from None


def finish_rootfs(plan: RootfsPlan) -> None:
    """After pivot_root: propagation of "/", deferred read-only mounts, root
    read-only, sysctls, readonly paths, masked paths."""
    if plan.root_propagation and not plan.root_propagation & MS_PRIVATE:
        # The rootfs's own propagation (shared, slave...) can only be set now
        # that it is "/": set before, it would have reached the host's tree.
        try:
            lsys.mount(None, "/", None, plan.root_propagation, None)
        except OSError as err:
            raise RuncPyError(f"set propagation of /: {reason(err.errno)}", path="linux.rootfsPropagation") from None
    root_fd = open_root("/")
    try:
        for step in plan.mounts:
            if step.defers_readonly:
                _finish_deferred(root_fd, step)
        if plan.readonly:
            _remount_root_readonly()
        write_sysctls(root_fd, plan)
        for i, path in enumerate(plan.readonly_paths):
            _readonly_path(root_fd, path, f"linux.readonlyPaths[{i}]")
        for i, path in enumerate(plan.masked_paths):
            _mask_path(root_fd, path, f"linux.maskedPaths[{i}]")
    finally:
        os.close(root_fd)


# --- prepare: the root -----------------------------------------------------

def _make_parent_private(rootfs: str) -> None:
    """pivot_root(2) refuses a new root whose parent mount is shared, and a
    bind mount under a shared parent would propagate out of the namespace."""
    parent = mount_point_of(rootfs)
    if any(tag.startswith("shared:") for tag in parent.optional):
        lsys.mount(None, parent.mount_point, None, MS_PRIVATE, None)


def _pivot_root(rootfs: str) -> None:
    """pivot_root(".", ".") stacks the old root on top of the new one at "/";
    it is made rslave (so our unmount reaches nobody else) and detached."""
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new_root = os.open(rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new_root)
        lsys.pivot_root(".", ".")
        os.fchdir(old_root)
        lsys.mount(None, ".", None, MS_SLAVE | MS_REC, None)
        lsys.umount2(".", MNT_DETACH)
    finally:
        os.close(old_root)
        os.close(new_root)
    os.chdir("/")


def _move_root(rootfs: str) -> None:
    """--no-pivot: the old root stays reachable in the namespace, so first
    the host's full procfs and sysfs mounts are removed (or covered) lest
    they let the container mount procfs unmasked; then the rootfs moves
    onto "/" and we chroot into it."""
    for entry in read_mountinfo():
        mp = entry.mount_point
        if entry.root != "/" or entry.fstype not in ("proc", "sysfs") or mp == rootfs or mp.startswith(rootfs + "/"):
            continue
        try:
            lsys.mount(None, mp, None, MS_SLAVE | MS_REC, None)
        except FileNotFoundError:
            continue  # under something already detached
        try:
            lsys.umount2(mp, MNT_DETACH)
        except OSError as err:
            if err.errno not in (errno.EINVAL, errno.EPERM):
                raise
            lsys.mount("tmpfs", mp, "tmpfs", 0, None)
    lsys.mount(rootfs, "/", None, MS_MOVE, None)
    os.chroot(".")
    os.chdir("/")


# --- finish ------------------------------------------------------------------

def _finish_deferred(root_fd: int, step: MountStep) -> None:
    """mount_setattr on the fd changes only the attributes asked for, so
    flags the kernel locked (user namespace) are kept, and needs no /proc."""
    attr_set = step.rec_attr_set | (MOUNT_ATTR_RDONLY if step.flags & MS_RDONLY else 0)
    if not (attr_set or step.rec_attr_clr):
        return
    try:
        fd = open_in_root(root_fd, step.destination)
        try:
            if step.flags & MS_RDONLY:
                lsys.mount_setattr(fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0)
            if step.rec_attr_set or step.rec_attr_clr:
                set_recursive_attrs(fd, step.rec_attr_set, step.rec_attr_clr)
        finally:
            os.close(fd)
    except OSError as err:
        raise RuncPyError(f'remount "{step.destination}" read-only: {reason(err.errno)}', path=step.field) from None


def _remount_root_readonly() -> None:
    try:
        lsys.mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)
    except OSError:
        # Keep the flags the kernel has locked (user namespace), as runc.
        try:
            fd = os.open("/", os.O_PATH | os.O_CLOEXEC)
            try:
                flags = mount_flags(fd)
            finally:
                os.close(fd)
            lsys.mount(None, "/", None, flags | MS_BIND | MS_REMOUNT | MS_RDONLY, None)
        except OSError as err:
            raise RuncPyError(f"remount / read-only: {reason(err.errno)}", path="root.readonly") from None


def _open_protected(root_fd: int, path: str, field: str) -> int | None:
    """An O_PATH fd on a masked or readonly path, None if it does not exist.
    Under /proc it must be procfs: anything else means /proc or part of it
    was replaced, and the protection would land on the impostor."""
    try:
        fd = open_in_root(root_fd, path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise RuncPyError(f"open {path}: {reason(err.errno)}", path=field) from None
    clean = container_path(path)
    problem = None
    if (clean == "/proc" or clean.startswith("/proc/")) and fs_magic(fd) != PROC_SUPER_MAGIC:
        problem = f"{path} is not on procfs"
    elif not os.path.exists(fd_path(fd)):
        problem = f"protecting {path} needs procfs mounted on /proc"
    if problem:
        os.close(fd)
        raise RuncPyError(problem, path=field)
    return fd


def _remounted(root_fd: int, fd: int, before: int, path: str) -> int:
    """Re-open `path` after a mount onto it and check the mount is there."""
    mounted = open_in_root(root_fd, path)
    if mount_id(mounted) == before:
        os.close(mounted)
        raise OSError(0, "the mount did not land on its target")
    return mounted


def _readonly_path(root_fd: int, path: str, field: str) -> None:
    fd = _open_protected(root_fd, path, field)
    if fd is None:
        return
    try:
        before = mount_id(fd)
        lsys.mount(fd_path(fd), fd_path(fd), None, MS_BIND | MS_REC, None)
        mounted = _remounted(root_fd, fd, before, path)
        try:
            keep = mount_flags(mounted) & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
            bind_remount(mounted, keep | MS_RDONLY)
        finally:
            os.close(mounted)
    except OSError as err:
        raise RuncPyError(f"make {path} read-only: {err.strerror if not err.errno else reason(err.errno)}",
                          path=field) from None
    finally:
        os.close(fd)


def _mask_path(root_fd: int, path: str, field: str) -> None:
    """A directory is covered by an empty read-only tmpfs, anything else by
    the container's /dev/null, which must really be the null device: a
    /dev/null swapped for a symlink or file would otherwise be what we bind
    over the masked path (CVE-2025-31133)."""
    fd = _open_protected(root_fd, path, field)
    if fd is None:
        return
    try:
        before = mount_id(fd)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY, None)
        else:
            null = open_in_root(root_fd, "/dev/null")
            try:
                st = os.fstat(null)
                if not stat.S_ISCHR(st.st_mode) or st.st_rdev != NULL_RDEV:
                    raise RuncPyError("/dev/null in the container is not the null device", path=field)
                mount_on_fd(fd_path(null), fd, None, MS_BIND, None)
            finally:
                os.close(null)
        os.close(_remounted(root_fd, fd, before, path))
    except OSError as err:
        raise RuncPyError(f"mask {path}: {err.strerror if not err.errno else reason(err.errno)}",
                          path=field) from None
    finally:
        os.close(fd)
