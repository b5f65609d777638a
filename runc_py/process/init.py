"""The child side of create: the stage child and the container's PID 1.

The runtime forks the *stage child*; it joins and creates the namespaces
(asking the parent to write the id maps of a new user namespace), and forks
once more because a new pid (or time) namespace only applies to children.
That grandchild is the container's init: it builds the root filesystem,
sets the process up, reports "ready", and blocks on the exec FIFO until
`start`; then it runs the startContainer hooks, sets no_new_privs, loads
seccomp and execs the user's program.

Nothing is imported here after pivot_root: all modules this file uses are
imported when it is, before the fork.
"""
import os
import resource
import select

from runc_py import jsonio
from runc_py.errors import RuncPyError, describe_os_error
from runc_py.linux import sys as linux_sys
from runc_py.linux.capabilities import drop_bounding, keep_capabilities_across_setuid, set_capabilities
from runc_py.linux.namespaces import join_namespaces, unshare_namespaces, write_time_offsets
from runc_py.linux.lsm import apply_exec_label, prepare_exec_label
from runc_py.linux.rootfs import finish_rootfs, prepare_rootfs
from runc_py.process.channel import Channel
from runc_py.process.context import InitContext

PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
CLOSE_RANGE_CLOEXEC = 1 << 2
_ENOSYS, _EACCES = 38, 13


def error_text(err: BaseException) -> str:
    if isinstance(err, RuncPyError):
        return str(err)
    if isinstance(err, OSError):
        return describe_os_error(err)
    return f"{type(err).__name__}: {err}"


def _report(ch: Channel, err: BaseException) -> None:
    try:
        ch.send(type="error", msg=error_text(err))
    except OSError:
        pass


def run_stage_child(ctx: InitContext, ch: Channel) -> None:
    """Never returns: exits once PID 1 exists and its pid is reported."""
    code = 1
    try:
        # From here on this process lives in (or enters) container namespaces:
        # nothing inside may open /proc/<pid>/exe or fds of ours.
        linux_sys.prctl(PR_SET_DUMPABLE, 0)
        ch.expect("go")
        join_namespaces(ctx.join_targets)
        unshare_namespaces(ctx.ns_plan.new_flags)
        if ctx.ns_plan.creates("user"):
            ch.send(type="idmap")
            ch.expect("idmap_done")
            linux_sys.setresgid(0)
            linux_sys.setresuid(0)
        if ctx.ns_plan.creates("time"):
            write_time_offsets(ctx.time_offsets)
        release_r, release_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(release_w)
            os.read(release_r, 1)  # EOF once our pid is reported: the channel is then ours
            os.close(release_r)
            run_container_init(ctx, ch)
        os.close(release_r)
        ch.send(type="pid", pid=pid)
        code = 0
    except BaseException as err:  # noqa: B036 - anything must reach the parent
        _report(ch, err)
    os._exit(code)


def run_container_init(ctx: InitContext, ch: Channel) -> None:
    """Never returns: execs the user's program or exits 1."""
    try:
        exe = _set_up(ctx, ch)
    except BaseException as err:  # noqa: B036
        _report(ch, err)
        os._exit(1)
    ch.send(type="ready")
    ch.close()
    try:
        _wait_for_start(ctx.fifo_fd)
        _run_start_hooks(ctx)
        if ctx.lsm is not None:
            apply_exec_label(ctx.lsm)
        if ctx.no_new_privileges:
            linux_sys.prctl(PR_SET_NO_NEW_PRIVS, 1)
            if ctx.seccomp is not None:
                _load_seccomp(ctx)
        linux_sys.reset_signals()
        os.execve(exe, ctx.args, _environ(ctx.env))
    except BaseException as err:  # noqa: B036 - the parent is gone: tell the container's stderr
        try:
            os.write(2, f"runc-py: exec failed: {error_text(err)}\n".encode())
        finally:
            os._exit(1)


def _set_up(ctx: InitContext, ch: Channel) -> str:
    os.setsid()
    if ctx.apparmor_profile or ctx.selinux_label:
        # Opened on the host's /proc by this very task, which alone may write them.
        ctx.lsm = prepare_exec_label(ctx.apparmor_profile, ctx.selinux_label)
    if ctx.ns_plan.creates("network"):
        linux_sys.set_link_up("lo")
    if ctx.hostname is not None:
        _field("hostname", linux_sys.sethostname, ctx.hostname)
    if ctx.domainname is not None:
        _field("domainname", linux_sys.setdomainname, ctx.domainname)
    if ctx.new_keyring:
        _join_keyring(ctx.container_id)
    if ctx.oom_score_adj is not None:
        _write_proc_self("oom_score_adj", str(ctx.oom_score_adj), "process.oomScoreAdj")
    prepare_rootfs(ctx.rootfs_plan, no_pivot=ctx.no_pivot, before_pivot=lambda: _before_pivot(ctx, ch))
    if ctx.console_fd is not None:
        from runc_py.process.console import attach_terminal  # imported by the parent before fork

        attach_terminal(ctx.console_fd, ctx.console_size)
    finish_rootfs(ctx.rootfs_plan)
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


def _field(path: str, call, value) -> None:
    try:
        call(value)
    except OSError as err:
        raise RuncPyError(err.strerror, path=path) from None


def _join_keyring(container_id: str) -> None:
    try:
        linux_sys.join_session_keyring("_ses." + container_id)
    except OSError as err:
        # Kernels or seccomp profiles without keyctl: runc carries on too.
        if err.errno not in (_ENOSYS, _EACCES):
            raise


def _write_proc_self(name: str, value: str, path: str) -> None:
    try:
        fd = os.open("/proc/self/" + name, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as err:
        raise RuncPyError(f"write /proc/self/{name}: {describe_os_error(err)}", path=path) from None


def _before_pivot(ctx: InitContext, ch: Channel) -> None:
    """The mounts are in place, the root not yet pivoted: the runtime runs
    prestart and createRuntime hooks in its namespaces, then we run the
    createContainer hooks in ours (runtime-spec config.md, "Lifecycle")."""
    ch.send(type="hooks")
    host_pid = ch.expect("hooks_done")["pid"]
    if ctx.seccomp_listener_fd is not None:
        from runc_py.linux.seccomp import container_process_state  # loaded by the parent (prepare_filter)

        state = jsonio.loads(ctx.hook_state("creating", host_pid))
        ctx.seccomp_payload = container_process_state(state, ctx.seccomp_metadata)
    if ctx.hooks_create_container:
        from runc_py.container.hooks import run_hooks  # imported by the parent before fork

        run_hooks("createContainer", ctx.hooks_create_container, ctx.hook_state("creating", host_pid), fatal=True)


def _load_seccomp(ctx: InitContext) -> None:
    """Load the filter; with SCMP_ACT_NOTIFY rules, hand the listener fd and
    our state to the agent over the socket connected before pivot_root."""
    notify_fd = ctx.seccomp.load()
    if notify_fd is not None:
        from runc_py.linux.seccomp import send_notify_fd  # loaded by the parent: a sys.modules look-up

        send_notify_fd(ctx.seccomp_listener_fd, notify_fd, ctx.seccomp_payload)


def _set_process_attributes(ctx: InitContext) -> None:
    for res, soft, hard in ctx.rlimits:
        try:
            resource.setrlimit(res, (soft, hard))
        except (OSError, ValueError) as err:
            raise RuncPyError(f"setrlimit {res}: {err}", path="process.rlimits") from None
    if ctx.personality is not None:
        _field("linux.personality", linux_sys.personality, ctx.personality)
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


def _switch_user(ctx: InitContext) -> None:
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


def _wait_for_start(fifo_fd: int) -> None:
    """Block until `start` writes to the exec FIFO.  A FIFO reader that has
    never had a writer sees no POLLHUP, so poll sleeps until start comes."""
    poller = select.poll()
    poller.register(fifo_fd, select.POLLIN)
    poller.poll()
    os.read(fifo_fd, 1)
    os.close(fifo_fd)


def _run_start_hooks(ctx: InitContext) -> None:
    if ctx.hooks_start_container:
        from runc_py.container.hooks import run_hooks  # imported by the parent before fork

        run_hooks("startContainer", ctx.hooks_start_container, ctx.hook_state("created", os.getpid()), fatal=True)


def _environ(env: list[str]) -> dict[bytes, bytes]:
    out = {}
    for entry in env:
        key, _, value = entry.partition("=")
        out[key.encode()] = value.encode()
    return out
