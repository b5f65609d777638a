"""Python faces of the C helper's calls.

Each returns normally or raises OSError(errno, "<call> <argument>: <reason>"),
so an error names what failed and on what, e.g.
`mount /proc: No such file or directory`.
"""
from runc_py._csys import ffi, lib
from runc_py.errors import reason

NULL = ffi.NULL


def _check(rc: int, what: str) -> int:
    if rc < 0:
        err = -rc
        raise OSError(err, f"{what}: {reason(err)}")
    return rc


def _c(s: str | None):
    return NULL if s is None else s.encode()


def unshare(flags: int) -> None:
    _check(lib.rp_unshare(flags), f"unshare {flags:#x}")


def setns(fd: int, nstype: int, what: str = "") -> None:
    _check(lib.rp_setns(fd, nstype), f"setns {what or fd}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(lib.rp_mount(_c(source), target.encode(), _c(fstype), flags, _c(data)), f"mount {target}")


def umount2(target: str, flags: int = 0) -> None:
    _check(lib.rp_umount2(target.encode(), flags), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    _check(lib.rp_pivot_root(new_root.encode(), put_old.encode()), f"pivot_root {new_root}")


def prctl(option: int, a2: int = 0, a3: int = 0, a4: int = 0, a5: int = 0) -> int:
    return _check(lib.rp_prctl(option, a2, a3, a4, a5), f"prctl {option}")


def capget(pid: int = 0) -> tuple[int, int, int]:
    """(effective, permitted, inheritable) as 64-bit masks."""
    buf = ffi.new("uint32_t[6]")
    _check(lib.rp_capget(pid, buf), "capget")
    return (buf[0] | buf[3] << 32, buf[1] | buf[4] << 32, buf[2] | buf[5] << 32)


def capset(effective: int, permitted: int, inheritable: int, pid: int = 0) -> None:
    m = 0xFFFFFFFF
    buf = ffi.new("uint32_t[6]", [effective & m, permitted & m, inheritable & m,
                                  effective >> 32, permitted >> 32, inheritable >> 32])
    _check(lib.rp_capset(pid, buf), "capset")


def close_range(first: int, last: int = 0xFFFFFFFF, flags: int = 0) -> None:
    _check(lib.rp_close_range(first, last, flags), f"close_range {first}")


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(lib.rp_sethostname(raw, len(raw)), f"sethostname {name!r}")


def setdomainname(name: str) -> None:
    raw = name.encode()
    _check(lib.rp_setdomainname(raw, len(raw)), f"setdomainname {name!r}")


def personality(persona: int) -> None:
    _check(lib.rp_personality(persona), f"personality {persona:#x}")


def ioprio_set(which: int, who: int, ioprio: int) -> None:
    _check(lib.rp_ioprio_set(which, who, ioprio), f"ioprio_set {ioprio:#x}")


def sched_setattr(pid: int, policy: int, flags: int = 0, nice: int = 0, priority: int = 0,
                  runtime: int = 0, deadline: int = 0, period: int = 0) -> None:
    _check(lib.rp_sched_setattr(pid, policy, flags, nice, priority, runtime, deadline, period),
           f"sched_setattr policy {policy}")


def join_session_keyring(name: str | None = None) -> None:
    _check(lib.rp_join_session_keyring(_c(name)), f"keyctl join {name or '(anonymous)'}")


def open_tree(dirfd: int, path: str, flags: int) -> int:
    return _check(lib.rp_open_tree(dirfd, path.encode(), flags), f"open_tree {path}")


def mount_setattr(dirfd: int, path: str, flags: int, attr_set: int = 0, attr_clr: int = 0,
                  propagation: int = 0, userns_fd: int = 0) -> None:
    _check(lib.rp_mount_setattr(dirfd, path.encode(), flags, attr_set, attr_clr, propagation, userns_fd),
           f"mount_setattr {path}")


def openat2(dirfd: int, path: str, flags: int, mode: int = 0, resolve: int = 0) -> int:
    return _check(lib.rp_openat2(dirfd, path.encode(), flags, mode, resolve), f"openat2 {path}")


def setgroups(gids: list[int]) -> None:
    _check(lib.rp_setgroups(len(gids), ffi.new("uint32_t[]", gids)), f"setgroups {gids}")


def setresuid(uid: int) -> None:
    _check(lib.rp_setresuid(uid, uid, uid), f"setresuid {uid}")


def setresgid(gid: int) -> None:
    _check(lib.rp_setresgid(gid, gid, gid), f"setresgid {gid}")


def set_link_up(ifname: str) -> None:
    _check(lib.rp_set_link_up(ifname.encode()), f"set link {ifname} up")


def reset_signals() -> None:
    _check(lib.rp_reset_signals(), "reset signal dispositions")


def fstatfs_type(fd: int) -> int:
    """statfs(2) f_type of the filesystem fd is on."""
    return _check(lib.rp_fstatfs_type(fd), f"fstatfs {fd}")


def mount_id(fd: int) -> int | None:
    """statx(2)'s mount id of the file `fd` is on; None if the kernel
    reports none (before Linux 5.8)."""
    out = ffi.new("uint64_t *")
    return out[0] if _check(lib.rp_mount_id(fd, out), f"statx {fd}") else None
