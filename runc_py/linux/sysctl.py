"""linux.sysctl: writes under the container's /proc/sys.

The names were checked with config.json (runc_py.spec.rules: only sysctls
of a namespace the container owns; dotted `net.ipv4.ip_forward` or slashed
`net/ipv4/conf/eth0.100/forwarding` for names holding dots).  Here each write goes through a /proc/sys
fd that is verified to be procfs, and the name is resolved beneath it with
no symlink and no mount crossing, so neither a symlink in the image nor a
mount over part of /proc/sys can redirect a write.
"""
import os

from runc_py.errors import RuncPyError, reason
from runc_py.linux import sys as lsys
from runc_py.linux.mounts import PROC_SUPER_MAGIC, fs_magic
from runc_py.linux.safepath import (RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
                                    open_in_root)
from runc_py.plan.rootfs import RootfsPlan

_BENEATH_STRICT = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV


def write_sysctls(root_fd: int, plan: RootfsPlan) -> None:
    if not plan.sysctl:
        return
    first = f'linux.sysctl."{plan.sysctl[0][0]}"'
    try:
        proc_sys = open_in_root(root_fd, "/proc/sys", os.O_PATH | os.O_DIRECTORY)
    except OSError as err:
        raise RuncPyError(f"open /proc/sys: {reason(err.errno)}", path=first) from None
    try:
        if fs_magic(proc_sys) != PROC_SUPER_MAGIC:
            raise RuncPyError("/proc/sys is not on procfs", path=first)
        for key, value in plan.sysctl:
            rel = key if "/" in key else key.replace(".", "/")
            try:
                fd = lsys.openat2(proc_sys, rel, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0,
                                  _BENEATH_STRICT)
                try:
                    os.write(fd, value.encode())
                finally:
                    os.close(fd)
            except OSError as err:
                raise RuncPyError(f"write /proc/sys/{rel}: {reason(err.errno)}", path=f'linux.sysctl."{key}"') from None
    finally:
        os.close(proc_sys)


def refuse_host_netns(plan: RootfsPlan) -> None:
    """net.* sysctls with a network namespace joined by path: refuse if that
    namespace is the caller's own (runc's check).  Run it in the runtime,
    before the init joins anything."""
    if plan.sysctl_netns_path is None:
        return
    key = next(k for k, _ in plan.sysctl if k.startswith("net."))
    try:
        theirs = os.stat(plan.sysctl_netns_path)
        ours = os.stat("/proc/self/ns/net")
    except OSError as err:
        raise RuncPyError(f"stat {err.filename}: {reason(err.errno)}", path=f'linux.sysctl."{key}"') from None
    if (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino):
        raise RuncPyError("sysctl is not allowed in the host's network namespace", path=f'linux.sysctl."{key}"')
