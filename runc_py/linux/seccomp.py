"""`linux.seccomp`: a libseccomp filter, built before pivot_root, loaded last.

The init loads the filter as its very last step before execve, after
pivot_root, when host paths are gone and nothing may be imported.  So the
work is split: `prepare_filter` does everything that needs Python, name
look-ups and memory (it builds the libseccomp context), and
`PreparedFilter.load` is one call into the already-loaded C helper.

For `SCMP_ACT_NOTIFY` the runtime-spec wants the listener fd sent, with the
container process state, to the agent at `listenerPath`.  That path is a host
path, unreachable after pivot_root, so `connect_listener` runs before it and
`send_notify_fd` only uses the connected socket.

Rule semantics follow runc 1.1.5 where the spec is silent: a rule whose
action equals the default action is skipped (libseccomp refuses it), names
libseccomp cannot resolve are skipped (the kernel or libseccomp predates
them), and a rule with several conditions on one argument index becomes one
rule per condition (libseccomp refuses two conditions on one argument in a
rule; runc falls back to OR-ing them).  Where the spec says MUST, we follow
it: `errnoRet` on an action that takes no errno is an error, and
`listenerMetadata` without `listenerPath` is an error.

How the init calls this module (and runc_py.linux.lsm):

    before pivot_root   filt = prepare_filter(spec.linux.seccomp)
                        if filt.uses_notify:
                            sock = connect_listener(seccomp.listener_path)
                            state = container_process_state(state_doc, seccomp.listener_metadata)
                        label = lsm.prepare_exec_label(process.apparmor_profile,
                                                       process.selinux_label)
    after pivot_root    ... mounts, hostname, rlimits ...
                        if not no_new_privileges: load here, before capabilities and
                            the user are dropped: without no_new_privs loading needs
                            CAP_SYS_ADMIN (runc's order too)
                        capabilities, user, no_new_privs
                        lsm.apply_exec_label(label)    (writes; the filter may deny write)
                        close_range, sparing `sock`
                        fd = filt.load()               (if not loaded above)
                        if fd is not None: send_notify_fd(sock, fd, state)
                        execve

Load at most one filter with SCMP_ACT_NOTIFY per process: libseccomp keeps
one listener per process, and a second such filter would get none (its
notified syscalls then fail with ENOSYS).
"""
import errno
import os
import sys

from runc_py import jsonio
from runc_py._csys import ffi, lib
from runc_py.errors import RuncPyError

# Action values are the kernel's SECCOMP_RET_* ABI (libseccomp's SCMP_ACT_*);
# csrc/seccomp.c asserts them at build time.
ACTIONS = {
    "SCMP_ACT_KILL": 0x00000000,  # libseccomp: SCMP_ACT_KILL is KILL_THREAD
    "SCMP_ACT_KILL_THREAD": 0x00000000,
    "SCMP_ACT_KILL_PROCESS": 0x80000000,
    "SCMP_ACT_TRAP": 0x00030000,
    "SCMP_ACT_ERRNO": 0x00050000,
    "SCMP_ACT_TRACE": 0x7FF00000,
    "SCMP_ACT_LOG": 0x7FFC0000,
    "SCMP_ACT_ALLOW": 0x7FFF0000,
    "SCMP_ACT_NOTIFY": 0x7FC00000,
}
_TAKES_ERRNO = frozenset({"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"})
_EPERM = 1  # the spec's default errnoRet

OPERATORS = {  # enum scmp_compare
    "SCMP_CMP_NE": 1,
    "SCMP_CMP_LT": 2,
    "SCMP_CMP_LE": 3,
    "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5,
    "SCMP_CMP_GT": 6,
    "SCMP_CMP_MASKED_EQ": 7,
}

# enum scmp_filter_attr
_ATTR_CTL_NNP = 3
_ATTR_CTL_TSYNC = 4
_ATTR_CTL_LOG = 6
_ATTR_CTL_SSB = 7
_ATTR_CTL_OPTIMIZE = 8
_ATTR_API_SYSRAWRC = 9

# The spec's flags that libseccomp 2.5 can set, as filter attributes.
# SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs libseccomp 2.6, so it is not
# among them and is refused as unknown.
FLAGS = {
    "SECCOMP_FILTER_FLAG_TSYNC": _ATTR_CTL_TSYNC,
    "SECCOMP_FILTER_FLAG_LOG": _ATTR_CTL_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": _ATTR_CTL_SSB,
}

# config-linux.md's list; `seccomp_features` reports those libseccomp knows.
SPEC_ARCHS = (
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
)

# Our own send of the listener fd uses sendmsg after the filter is loaded;
# if sendmsg itself waited for the agent, the agent would never get the fd.
_NOTIFY_FORBIDDEN = frozenset({"sendmsg"})

# libseccomp builds a binary tree instead of a linear list past this many
# rules (runc's threshold; libseccomp <= 2.5.4 misbehaves with 0 rules).
_OPTIMIZE_ABOVE = 32

SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1


class _Rule:
    """One libseccomp rule: a resolved syscall, its action, its conditions
    as (index, op, value, value_two), and the config path it comes from."""

    __slots__ = ("name", "nr", "action", "conditions", "path")

    def __init__(self, name: str, nr: int, action: int, conditions: tuple, path: str):
        self.name, self.nr, self.action, self.conditions, self.path = name, nr, action, conditions, path


class PreparedFilter:
    """A libseccomp context, complete and in memory, waiting for `load`."""

    __slots__ = ("_ctx", "uses_notify")

    def __init__(self, ctx, uses_notify: bool):
        self._ctx = ctx
        self.uses_notify = uses_notify

    def load(self) -> int | None:
        """Install the filter in the calling thread; return the listener fd
        when a rule uses SCMP_ACT_NOTIFY, else None.

        Safe after pivot_root: C calls only, no import, no file opened.
        Without no_new_privs the kernel demands CAP_SYS_ADMIN (EACCES).
        """
        rc = lib.rp_seccomp_load(self._ctx)
        if rc < 0:
            raise OSError(-rc, "seccomp_load: " + os.strerror(-rc))
        if not self.uses_notify:
            return None
        fd = lib.rp_seccomp_notify_fd(self._ctx)
        if fd < 0:
            raise OSError(-fd, "seccomp_notify_fd: " + os.strerror(-fd))
        return fd

    def describe(self) -> str:
        """The filter as libseccomp's pseudo filter code (for logs and tests)."""
        fd = os.memfd_create("seccomp-pfc", os.MFD_CLOEXEC)
        try:
            _check(lib.rp_seccomp_export_pfc(self._ctx, fd), "seccomp_export_pfc")
            os.lseek(fd, 0, os.SEEK_SET)
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
            return b"".join(chunks).decode()
        finally:
            os.close(fd)


def prepare_filter(seccomp) -> PreparedFilter:
    """Build the filter for a `linux.seccomp` object (the Spec model's
    `LinuxSeccomp`); every config fault is a RuncPyError naming its path."""
    where = "linux.seccomp"
    default = _action(seccomp.default_action, seccomp.default_errno_ret,
                      f"{where}.defaultAction", f"{where}.defaultErrnoRet")
    if seccomp.default_action == "SCMP_ACT_NOTIFY":
        raise RuncPyError("SCMP_ACT_NOTIFY cannot be the default action: every syscall, "
                          "including the one that hands the listener to the agent, would "
                          "wait for that agent", path=f"{where}.defaultAction")
    if seccomp.listener_metadata is not None and seccomp.listener_path is None:
        raise RuncPyError("must not be set without listenerPath", path=f"{where}.listenerMetadata")
    rules = _rules(seccomp.syscalls or (), default, where)
    uses_notify = any(r.action == ACTIONS["SCMP_ACT_NOTIFY"] for r in rules)
    if uses_notify and not seccomp.listener_path:
        raise RuncPyError("SCMP_ACT_NOTIFY is used, so the listener socket must be set",
                          path=f"{where}.listenerPath")

    handle = ffi.new("void **")
    _check(lib.rp_seccomp_new(default, handle), "seccomp_init")
    ctx = ffi.gc(handle[0], lib.rp_seccomp_release)
    for i, arch in enumerate(seccomp.architectures or ()):
        rc = lib.rp_seccomp_arch_add(ctx, _libseccomp_arch(arch, f"{where}.architectures[{i}]"))
        if rc == -errno.EDOM:
            raise RuncPyError(f"{arch} cannot share a filter with this machine's architecture "
                              "(libseccomp refuses a different byte order)", path=f"{where}.architectures[{i}]")
        if rc < 0 and rc != -errno.EEXIST:  # EEXIST: the native arch is always there
            raise RuncPyError(f"adding {arch}: {os.strerror(-rc)}", path=f"{where}.architectures[{i}]")
    # We set no_new_privs ourselves (process.noNewPrivileges); a filter must
    # not force it.  SYSRAWRC makes libseccomp return the kernel's errno.
    _check(lib.rp_seccomp_attr_set(ctx, _ATTR_CTL_NNP, 0), "seccomp_attr_set NNP")
    _check(lib.rp_seccomp_attr_set(ctx, _ATTR_API_SYSRAWRC, 1), "seccomp_attr_set SYSRAWRC")
    for i, flag in enumerate(seccomp.flags or ()):
        _set_flag(ctx, flag, f"{where}.flags[{i}]")
    if len(rules) > _OPTIMIZE_ABOVE:
        lib.rp_seccomp_attr_set(ctx, _ATTR_CTL_OPTIMIZE, 2)  # a speed-up only: failure is harmless
    for rule in rules:
        _add_rule(ctx, rule)
    return PreparedFilter(ctx, uses_notify)


def _action(name: str, errno_ret: int | None, path: str, errno_path: str) -> int:
    if name not in ACTIONS:
        raise RuncPyError(f"{name!r} is not a known seccomp action (one of {', '.join(sorted(ACTIONS))})",
                          path=path)
    if name not in _TAKES_ERRNO:
        if errno_ret is not None:
            raise RuncPyError(f"{name} takes no errno return code", path=errno_path)
        return ACTIONS[name]
    errno_ret = _EPERM if errno_ret is None else errno_ret
    if not 0 <= errno_ret <= 0xFFFF:
        raise RuncPyError(f"{errno_ret} does not fit the 16-bit seccomp return data", path=errno_path)
    return ACTIONS[name] | errno_ret


def _rules(syscalls, default: int, where: str) -> list[_Rule]:
    rules = []
    for i, entry in enumerate(syscalls):
        path = f"{where}.syscalls[{i}]"
        action = _action(entry.action, entry.errno_ret, f"{path}.action", f"{path}.errnoRet")
        conditions = tuple(_condition(arg, f"{path}.args[{j}]") for j, arg in enumerate(entry.args or ()))
        indexes = [c[0] for c in conditions]
        if len(set(indexes)) == len(indexes):
            groups = [conditions]
        else:
            groups = [(c,) for c in conditions]
        for j, name in enumerate(entry.names):
            if not name:
                raise RuncPyError("an empty string is not a syscall name", path=f"{path}.names[{j}]")
            if entry.action == "SCMP_ACT_NOTIFY" and name in _NOTIFY_FORBIDDEN:
                raise RuncPyError(f"SCMP_ACT_NOTIFY cannot be used for {name}: runc-py sends the "
                                  "listener to the agent with it", path=f"{path}.names[{j}]")
            if action == default:
                continue
            nr = ffi.new("int32_t *")
            if lib.rp_seccomp_syscall_resolve(name.encode(), nr) < 0:
                continue  # unknown to libseccomp or this arch: not a syscall we can filter
            rules.extend(_Rule(name, nr[0], action, group, path) for group in groups)
    return rules


def _condition(arg, path: str) -> tuple[int, int, int, int]:
    if arg.op not in OPERATORS:
        raise RuncPyError(f"{arg.op!r} is not a known seccomp operator (one of "
                          f"{', '.join(sorted(OPERATORS))})", path=f"{path}.op")
    if not 0 <= arg.index <= 5:
        raise RuncPyError(f"{arg.index} is not a syscall argument index (0-5)", path=f"{path}.index")
    return (arg.index, OPERATORS[arg.op], arg.value, arg.value_two or 0)


def _libseccomp_arch(arch: str, path: str) -> bytes:
    """`SCMP_ARCH_X86_64` -> b"x86_64", libseccomp's own spelling."""
    token = arch.removeprefix("SCMP_ARCH_").lower().encode()
    if not arch.startswith("SCMP_ARCH_") or not lib.rp_seccomp_arch_known(token):
        raise RuncPyError(f"{arch!r} is not a seccomp architecture libseccomp "
                          f"{libseccomp_version()} knows", path=path)
    return token


def _set_flag(ctx, flag: str, path: str) -> None:
    if flag not in FLAGS:
        raise RuncPyError(f"{flag!r} is not a seccomp flag runc-py supports (one of "
                          f"{', '.join(FLAGS)})", path=path)
    rc = lib.rp_seccomp_attr_set(ctx, FLAGS[flag], 1)
    if rc < 0:
        raise RuncPyError(f"{flag} is not supported by this kernel and libseccomp "
                          f"{libseccomp_version()}: {os.strerror(-rc)}", path=path)


def _add_rule(ctx, rule: _Rule) -> None:
    n = len(rule.conditions)
    index, op, value, value_two = (list(col) for col in zip(*rule.conditions)) if n else ([], [], [], [])
    rc = lib.rp_seccomp_rule_add(ctx, rule.action, rule.nr, n,
                                 ffi.new("uint32_t[]", index), ffi.new("uint32_t[]", op),
                                 ffi.new("uint64_t[]", value), ffi.new("uint64_t[]", value_two))
    if rc < 0:
        raise RuncPyError(f"adding the rule for {rule.name}: {os.strerror(-rc)}", path=rule.path)


def _check(rc: int, what: str) -> int:
    if rc < 0:
        raise OSError(-rc, f"{what}: {os.strerror(-rc)}")
    return rc


# --- SCMP_ACT_NOTIFY: handing the listener to the agent ----------------------

def connect_listener(path: str) -> int:
    """Connect to the seccomp agent at `listenerPath`; return the socket fd.

    Call before pivot_root (the path is the host's) and keep the fd open
    until `send_notify_fd`.  The spec demands AF_UNIX + SOCK_STREAM.
    `socket` is imported here, where it is needed first, rather than by
    every create that has a seccomp filter (~2 ms).
    """
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(path)
    except OSError as err:
        sock.close()
        raise RuncPyError(f"connecting to the seccomp agent at {path}: {err.strerror}",
                          path="linux.seccomp.listenerPath") from None
    return sock.detach()


def container_process_state(state: dict, listener_metadata: str | None) -> bytes:
    """The spec's "container process state" for the agent, as JSON bytes.

    `state` is the container's state (runtime.md), status "creating".
    """
    doc = {"ociVersion": state["ociVersion"], "fds": ["seccompFd"], "pid": state["pid"],
           "state": state}
    if listener_metadata is not None:
        doc["metadata"] = listener_metadata
    return jsonio.dumps(doc).encode()


def send_notify_fd(sock_fd: int, notify_fd: int, state_json: bytes) -> None:
    """Send the listener fd with SCM_RIGHTS, and the state, to the agent.

    Safe after pivot_root and after `load`: socket calls only.  The fd goes
    with the first sendmsg only, as the spec demands; then the connection is
    closed ("MUST NOT be reused") and so is our copy of the listener, which
    the container process must never hold (it could answer its own
    notifications).
    """
    import socket  # loaded by connect_listener before the fork: a sys.modules look-up

    sock = socket.socket(fileno=sock_fd)
    try:
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, notify_fd.to_bytes(4, sys.byteorder))]
        sent = sock.sendmsg([state_json], rights)
        while sent < len(state_json):
            sent += sock.send(state_json[sent:])
    except OSError as err:
        raise RuncPyError(f"sending the seccomp listener to the agent: {err.strerror}",
                          path="linux.seccomp.listenerPath") from None
    finally:
        sock.close()
        os.close(notify_fd)


class Notification:
    """One syscall a filter handed to its agent: its id (for the answer), the
    calling thread, the syscall number and its six arguments."""

    __slots__ = ("id", "pid", "nr", "args")

    def __init__(self, id_: int, pid: int, nr: int, args: tuple[int, ...]):
        self.id, self.pid, self.nr, self.args = id_, pid, nr, args

    def __repr__(self) -> str:
        return f"Notification(id={self.id}, pid={self.pid}, nr={self.nr}, args={self.args})"


def receive_notification(notify_fd: int) -> Notification:
    """Block until a notified syscall arrives (the agent side)."""
    id_, pid, nr = ffi.new("uint64_t *"), ffi.new("uint32_t *"), ffi.new("int32_t *")
    args = ffi.new("uint64_t[6]")
    _check(lib.rp_seccomp_notify_receive(notify_fd, id_, pid, nr, args), "seccomp_notify_receive")
    return Notification(id_[0], pid[0], nr[0], tuple(args))


def respond_notification(notify_fd: int, notification_id: int, *, error: int = 0, value: int = 0,
                         continue_syscall: bool = False) -> None:
    """Answer a notification: fail it with `error` (an errno), return `value`,
    or let the kernel run the syscall (SECCOMP_USER_NOTIF_FLAG_CONTINUE)."""
    flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE if continue_syscall else 0
    _check(lib.rp_seccomp_notify_respond(notify_fd, notification_id, value, -error if error else 0, flags),
           "seccomp_notify_respond")


def syscall_number(name: str) -> int | None:
    """The native number libseccomp gives `name`, or None if it knows none."""
    nr = ffi.new("int32_t *")
    return nr[0] if lib.rp_seccomp_syscall_resolve(name.encode(), nr) == 0 else None


# --- `features` ---------------------------------------------------------------

def libseccomp_version() -> str:
    v = ffi.new("unsigned int[3]")
    lib.rp_seccomp_version(v)
    return f"{v[0]}.{v[1]}.{v[2]}"


def seccomp_features() -> dict:
    """features.md's `linux.seccomp`: what runc-py recognizes, and which
    flags this kernel and the linked libseccomp can really set."""
    archs = [a for a in SPEC_ARCHS if lib.rp_seccomp_arch_known(a.removeprefix("SCMP_ARCH_").lower().encode())]
    return {
        "enabled": True,
        "actions": sorted(ACTIONS),
        "operators": sorted(OPERATORS),
        "archs": sorted(archs),
        "knownFlags": list(FLAGS),
        "supportedFlags": [f for f in FLAGS if _flag_settable(f)],
    }


def _flag_settable(flag: str) -> bool:
    """libseccomp refuses a flag attribute the kernel lacks (EOPNOTSUPP)."""
    handle = ffi.new("void **")
    _check(lib.rp_seccomp_new(ACTIONS["SCMP_ACT_ALLOW"], handle), "seccomp_init")
    try:
        return lib.rp_seccomp_attr_set(handle[0], FLAGS[flag], 1) == 0
    finally:
        lib.rp_seccomp_release(handle[0])
