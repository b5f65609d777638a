"""The last steps of every container process, the init's and an exec'd one's:
rlimits and scheduling, user and capabilities, cwd, executable look-up, fd
hygiene, then labels, no_new_privs, seccomp and execve.

Both callers run these inside the container (after pivot_root, or after
joining its mount namespace), where nothing may be imported: this module
imports all it needs when it is imported, before the fork.  The functions
read their facts from a context object (`InitContext` or `ExecContext`)
with the same attribute names.
"""
import os
import resource

from runc_py.errors import RuncPyError, describe_os_error
from runc_py.linux import sys as linux_sys
from runc_py.linux.capabilities import drop_bounding, keep_capabilities_across_setuid, set_capabilities
from runc_py.linux.lsm import apply_exec_label

PR_SET_NO_NEW_PRIVS = 38
CLOSE_RANGE_CLOEXEC = 1 << 2
_ENOSYS, _EACCES = 38, 13


def error_text(err: BaseException) -> str:
    if isinstance(err, RuncPyError):
        return str(err)
    if isinstance(err, OSError):
        return describe_os_error(err)
    return f"{type(err).__name__}: {err}"


def prepare_process(ctx) -> str:
    """Inside the container, as root still: everything up to execve.
    Returns the executable's path."""
    if not any(e.startswith("HOME=") for e in ctx.env):
        ctx.env.append("HOME=" + home_directory(ctx.uid))
    _set_process_attributes(ctx)
    if ctx.seccomp is not None and not ctx.no_new_privileges:
        # Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it
        # while we still have it.
        _load_seccomp(ctx)
    _switch_user(ctx)
    _enter_cwd(ctx.cwd)
    exe = look_path(ctx.args[0], ctx.env)
    if ctx.umask is not None:
        os.umask(ctx.umask)
    # Only stdio and the preserved fds survive execve (the caller may have
    # handed us fds it never meant for the container, e.g. the shim's socket).
    linux_sys.close_range(3 + ctx.preserve_fds, 0xFFFFFFFF, CLOSE_RANGE_CLOEXEC)
    return exe


def exec_user_process(ctx, exe: str) -> None:
    """Labels, no_new_privs, seccomp (last, so the filter only has to
    allow execve), default signal dispositions, execve.  Raises on failure."""
    if ctx.lsm is not None:
        apply_exec_label(ctx.lsm)
    if ctx.no_new_privileges:
        linux_sys.prctl(PR_SET_NO_NEW_PRIVS, 1)
        if ctx.seccomp is not None:
            _load_seccomp(ctx)
    linux_sys.reset_signals()
    os.execve(exe, ctx.args, _environ(ctx.env))


def home_directory(uid: int) -> str:
    """The user's home from the container's /etc/passwd (read after
    pivot_root, so a symlink cannot point it at a host file), "/" when the
    user has no entry: runc sets HOME this way when the config has none."""
    try:
        with open("/etc/passwd", "rb") as f:
            for line in f:
                fields = line.decode(errors="replace").rstrip("\n").split(":")
                if len(fields) >= 6 and fields[2] == str(uid):
                    return fields[5] or "/"
    except OSError:
        pass
    return "/"


def set_field(path: str, call, value) -> None:
    """Call a setter; its failure is reported against config field `path`."""
    try:
        call(value)
    except OSError as err:
        raise RuncPyError(err.strerror, path=path) from None


def join_keyring(container_id: str) -> None:
    try:
        linux_sys.join_session_keyring("_ses." + container_id)
    except OSError as err:
        # Kernels or seccomp profiles without keyctl: runc carries on too.
        if err.errno not in (_ENOSYS, _EACCES):
            raise


def write_proc_self(name: str, value: str, path: str) -> None:
    try:
        fd = os.open("/proc/self/" + name, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as err:
        raise RuncPyError(f"write /proc/self/{name}: {describe_os_error(err)}", path=path) from None


def _load_seccomp(ctx) -> None:
    """Load the filter; with SCMP_ACT_NOTIFY rules, hand the listener fd and
    our state to the agent over the socket connected beforehand."""
    notify_fd = ctx.seccomp.load()
    if notify_fd is not None:
        from runc_py.linux.seccomp import send_notify_fd  # loaded by the parent: a sys.modules look-up

        send_notify_fd(ctx.seccomp_listener_fd, notify_fd, ctx.seccomp_payload)


def _set_process_attributes(ctx) -> None:
    for res, soft, hard in ctx.rlimits:
        try:
            resource.setrlimit(res, (soft, hard))
        except (OSError, ValueError) as err:
            raise RuncPyError(f"setrlimit {res}: {err}", path="process.rlimits") from None
    if ctx.personality is not None:
        set_field("linux.personality", linux_sys.personality, ctx.personality)
    if ctx.ioprio is not None:
        try:
            linux_sys.ioprio_set(1, 0, ctx.ioprio)  # IOPRIO_WHO_PROCESS, this process
        except OSError as err:
            raise RuncPyError(err.strerror, path="process.ioPriority") from None
    if ctx.sched is not None:
        try:
            linux_sys.sched_setattr(0, **ctx.sched)
        except OSError as err:
            raise RuncPyError(err.strerror, path="process.scheduler") from None
    if ctx.cpu_affinity is not None:
        try:
            os.sched_setaffinity(0, ctx.cpu_affinity)
        except OSError as err:
            raise RuncPyError(f"sched_setaffinity: {err.strerror}", path="process.execCPUAffinity.final") from None


def _switch_user(ctx) -> None:
    keep_capabilities_across_setuid(True)
    drop_bounding(ctx.caps, ctx.last_cap)
    try:
        linux_sys.setgroups(ctx.additional_gids)
    except OSError as err:
        # A user namespace with setgroups "deny" cannot change groups at all.
        if ctx.additional_gids or err.errno != 1:
            raise RuncPyError(f"setgroups: {err.strerror}", path="process.user.additionalGids") from None
    try:
        linux_sys.setresgid(ctx.gid)
    except OSError as err:
        raise RuncPyError(f"setgid {ctx.gid}: {err.strerror}", path="process.user.gid") from None
    try:
        linux_sys.setresuid(ctx.uid)
    except OSError as err:
        raise RuncPyError(f"setuid {ctx.uid}: {err.strerror}", path="process.user.uid") from None
    set_capabilities(ctx.caps, ctx.last_cap)
    keep_capabilities_across_setuid(False)


def _enter_cwd(cwd: str) -> None:
    try:
        os.chdir(cwd)
        # A cwd reached through a leaked fd (/proc/self/fd/N) would be outside
        # our root, where getcwd fails: never exec there (CVE-2024-21626 class).
        os.getcwd()
    except OSError as err:
        raise RuncPyError(f"chdir to cwd ({cwd!r}) set in config.json failed: {describe_os_error(err)}",
                          path="process.cwd") from None


def look_path(name: str, env: list[str]) -> str:
    """Find args[0] as runc does (Go's exec.LookPath with the process's PATH)."""
    if "/" in name:
        _check_executable(name, name)
        return name
    path = next((e[5:] for e in env if e.startswith("PATH=")), "")
    for directory in path.split(":") if path else ():
        candidate = (directory or ".") + "/" + name
        try:
            _check_executable(candidate, name)
            return candidate
        except RuncPyError:
            continue
    raise RuncPyError(f'exec: "{name}": executable file not found in $PATH')


def _check_executable(path: str, name: str) -> None:
    try:
        st = os.stat(path)
    except OSError as err:
        raise RuncPyError(f'exec: "{name}": stat {path}: {describe_os_error(err).split(": ", 1)[-1]}') from None
    if (st.st_mode & 0o170000) == 0o040000 or not st.st_mode & 0o111:
        raise RuncPyError(f'exec: "{name}": permission denied')


def _environ(env: list[str]) -> dict[bytes, bytes]:
    out = {}
    for entry in env:
        key, _, value = entry.partition("=")
        out[key.encode()] = value.encode()
    return out
