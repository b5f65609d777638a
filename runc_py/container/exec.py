"""exec: start a new process in a running container.

The process is the `--process` file, or else the container's own `process`
as it was at create time (kept in the state record) with the command line's
overrides, as runc builds it.  Where a `--process` file leaves a key out,
runc 1.1.5 (observed) gives: no env, no rlimits, no_new_privs off, uid and
gid 0, and the container's capabilities and LSM labels; so do we.  The
container's seccomp filter always applies.

The runtime, a child subreaper, forks a stage child into the container's
cgroup (before any of the user's code runs), which joins its namespaces and
forks the process (runc_py.process.exec_init).  A process that fails before
execve is reaped (a zombie left in the container's pid namespace would keep
its init from ever exiting).  With --detach the runtime exits as soon as the
process has exec'd, and the process passes to the caller (containerd's shim
is a subreaper); in the foreground the runtime forwards signals and returns
the exit status (128+signal when killed).
"""
import os

from runc_py import jsonio, log
from runc_py.container.create import write_pid_file
from runc_py.container.processes import kill_and_reap, reap
from runc_py.container.state import LockedContainer, StateStore
from runc_py.container.status import container_status, init_alive
from runc_py.errors import RuncPyError
from runc_py.linux import sys as linux_sys
from runc_py.linux.capabilities import last_cap
from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.namespace_types import NAMESPACES
from runc_py.linux.namespaces import NamespacePlan, open_join_targets
from runc_py.plan import process as process_plan
from runc_py.process.channel import Channel, ChannelClosed, channel_pair
from runc_py.process.exec_init import ExecContext, run_exec_stage
from runc_py.spec.model import LinuxNamespace, LinuxSeccomp, Process, from_json

PR_SET_CHILD_SUBREAPER = 36
# runc's --cap adds to these sets; not to inheritable (CVE-2022-29162), so an
# ambient capability only takes where the config already has it inheritable.
_CAP_FLAG_SETS = ("bounding", "effective", "permitted", "ambient")


class ExecOptions:
    __slots__ = ("process", "console_socket", "detach", "pid_file", "preserve_fds", "sub_cgroups",
                 "ignore_paused")

    def __init__(self, process: "Process | ProcessOverrides", console_socket: str | None = None, detach: bool = False,
                 pid_file: str | None = None, preserve_fds: int = 0, sub_cgroups: tuple[str, ...] = (),
                 ignore_paused: bool = False):
        self.process, self.console_socket, self.detach = process, console_socket, detach
        self.pid_file = os.path.abspath(pid_file) if pid_file else None
        self.preserve_fds, self.sub_cgroups, self.ignore_paused = preserve_fds, sub_cgroups, ignore_paused


class ProcessOverrides:
    """The command line's process flags (`exec ARGS...` without --process)."""

    __slots__ = ("args", "cwd", "env", "user", "additional_gids", "caps", "no_new_privs", "apparmor",
                 "process_label", "tty")

    def __init__(self, args, cwd=None, env=(), user=None, additional_gids=(), caps=(), no_new_privs=False,
                 apparmor=None, process_label=None, tty=False):
        self.args, self.cwd, self.env, self.user = list(args), cwd, list(env), user
        self.additional_gids, self.caps, self.no_new_privs = list(additional_gids), list(caps), no_new_privs
        self.apparmor, self.process_label, self.tty = apparmor, process_label, tty


def process_from_flags(stored: dict, o: ProcessOverrides) -> Process:
    """runc's exec without --process: the container's process, then the flags."""
    if not o.args:
        raise RuncPyError("process args cannot be empty")
    doc = jsonio.loads(jsonio.dumps(stored))  # a private copy
    doc["args"] = o.args
    if o.cwd:
        if not o.cwd.startswith("/"):
            raise RuncPyError("Cwd must be an absolute path")
        doc["cwd"] = o.cwd
    if o.apparmor:
        doc["apparmorProfile"] = o.apparmor
    if o.process_label:
        doc["selinuxLabel"] = o.process_label
    known = [c for c in o.caps if c in CAPABILITIES]
    if len(known) < len(o.caps):
        log.warning(f"ignoring unknown or unavailable capabilities: [{' '.join(c for c in o.caps if c not in known)}]")
    if known:
        caps = doc.setdefault("capabilities", {})
        for name in _CAP_FLAG_SETS:
            caps[name] = caps.get(name, []) + known
    doc["env"] = doc.get("env", []) + o.env
    doc["terminal"] = o.tty
    if o.no_new_privs:
        doc["noNewPrivileges"] = True
    user = doc.setdefault("user", {"uid": 0, "gid": 0})
    if o.user:
        uid, sep, gid = o.user.partition(":")
        user["uid"] = _id_number(uid, "--user")
        if sep:
            user["gid"] = _id_number(gid, "--user")
    for gid in o.additional_gids:
        if gid < 0:
            raise RuncPyError(f"additional-gids must be a positive number {gid}")
        user["additionalGids"] = user.get("additionalGids", []) + [gid]
    return from_json(Process, doc)


def _id_number(text: str, flag: str) -> int:
    if not text.isdigit():
        raise RuncPyError(f"{flag}: {text!r} is not a numeric id")
    return int(text)


def exec_in_container(store: StateStore, container_id: str, opts: ExecOptions) -> int:
    """Run the process; its exit status in the foreground, 0 once detached.
    `opts.process` is a `--process` file's Process, or ProcessOverrides."""
    proxy = None
    forwarder = None
    if not opts.detach:  # `signal` costs an enum import: not on containerd's detached path
        from runc_py.process.foreground import SignalForwarder

        forwarder = SignalForwarder()
    try:
        with store.open(container_id) as container:
            record = container.read()
            status = container_status(record, container.path)
            if status == "stopped":
                raise RuncPyError("cannot exec in a stopped container")
            if status == "paused" and not opts.ignore_paused:
                raise RuncPyError("cannot exec in a paused container (use --ignore-paused to override)")
            if isinstance(opts.process, ProcessOverrides):
                opts.process = process_from_flags(record["exec"]["process"], opts.process)
            terminal = bool(opts.process.terminal)
            _check_terminal_options(terminal, opts)
            if terminal and not opts.detach:
                from runc_py.process.tty_proxy import TerminalProxy

                proxy = TerminalProxy()
            # The process is our grandchild: it comes back to us when the
            # stage child exits, so that we can wait for it, or reap it when
            # it failed.  Detached, it passes on to the caller's subreaper
            # when we exit, as a process forked by the caller itself would.
            linux_sys.prctl(PR_SET_CHILD_SUBREAPER, 1)
            pid = _launch(container, record, opts, proxy.container_end if proxy is not None else None)
    finally:
        if proxy is not None:
            proxy.close_container_end()
    if opts.pid_file:
        write_pid_file(opts.pid_file, pid)
    if opts.detach:
        return 0
    from runc_py.process.foreground import wait_for_exit

    forwarder.target(pid)
    if proxy is not None:
        proxy.start()
    try:
        return wait_for_exit(pid)
    finally:
        if proxy is not None:
            proxy.stop()


def _check_terminal_options(terminal: bool, opts: ExecOptions) -> None:
    if terminal and opts.detach and not opts.console_socket:
        raise RuncPyError("cannot allocate tty if runc-py will detach without setting console socket")
    if opts.console_socket and not (terminal and opts.detach):
        raise RuncPyError("cannot use console socket if runc-py will not detach or allocate tty")


def _launch(container: LockedContainer, record: dict, opts: ExecOptions, proxy_fd: int | None) -> int:
    """Fork the stage child, put it in the cgroup, wait until the process
    has exec'd; its host pid."""
    ctx = _exec_context(record, opts, proxy_fd)
    owned = [fd for _, fd, _ in ctx.join_targets + ctx.mount_target]
    owned += [fd for fd in (ctx.seccomp_listener_fd,) if fd is not None]
    if ctx.console_fd is not None and ctx.console_fd != proxy_fd:
        owned.append(ctx.console_fd)
    try:
        # The namespace fds must be the init's, not those of a process that
        # took its pid after it died.
        if not init_alive(record):
            raise RuncPyError("cannot exec in a stopped container")
        parent_end, child_end = channel_pair()
        stage_pid = os.fork()
        if stage_pid == 0:
            parent_end.close()
            container.close()  # the flock must not outlive this runtime
            run_exec_stage(ctx, child_end)
        child_end.close()
    finally:
        for fd in owned:
            os.close(fd)
    pid = 0
    try:
        _join_cgroup(record, opts.sub_cgroups, stage_pid)
        parent_end.send(type="go")
        pid = _expect(parent_end, "pid")["pid"]
        reap(stage_pid)
        _expect(parent_end, "ready")
        try:
            _expect(parent_end, "none")  # end of file: the channel closed on execve
        except ChannelClosed:
            return pid
    except _ChildError:  # the child exits by itself
        reap(stage_pid)
        if pid:
            reap(pid)
        raise
    except BaseException:
        kill_and_reap(stage_pid)
        if pid:
            kill_and_reap(pid)
        raise
    finally:
        parent_end.close()


class _ChildError(RuncPyError):
    """An error the stage child or the process reported (it exits by itself)."""


def _expect(ch: Channel, kind: str) -> dict:
    msg = ch.recv()
    if msg.get("type") == "error":
        raise _ChildError("unable to start container process: " + msg.get("msg", "unknown error"))
    if msg.get("type") != kind:
        raise RuncPyError(f"exec protocol: expected {kind!r}, got {msg.get('type')!r}")
    return msg


def _exec_context(record: dict, opts: ExecOptions, proxy_fd: int | None) -> ExecContext:
    proc = opts.process
    stored = record["exec"]
    base = from_json(Process, stored["process"])
    caps = proc.capabilities if proc.capabilities is not None else base.capabilities
    seccomp, listener_fd, payload = _prepare_seccomp(record, stored.get("seccomp"))
    console_fd = None
    if proc.terminal:
        if opts.console_socket:
            from runc_py.process.console import connect_console_socket

            console_fd = connect_console_socket(opts.console_socket)
        else:
            console_fd = proxy_fd
    targets = _open_namespaces(record)
    mount = [t for t in targets if t[0] == "mount"]
    return ExecContext(
        container_id=record["id"],
        join_targets=[t for t in targets if t[0] != "mount"],
        mount_target=mount,
        **process_plan.process_fields(proc, caps),
        last_cap=last_cap(),
        new_keyring=not stored.get("no_new_keyring"),
        preserve_fds=opts.preserve_fds,
        console_fd=console_fd,
        seccomp=seccomp,
        seccomp_listener_fd=listener_fd,
        seccomp_payload=payload,
        apparmor_profile=proc.apparmor_profile or base.apparmor_profile,
        selinux_label=proc.selinux_label or base.selinux_label,
    )


def _prepare_seccomp(record: dict, raw: dict | None):
    """(filter, listener fd, agent payload) for the container's linux.seccomp."""
    if raw is None:
        return None, None, b""
    from runc_py.linux.seccomp import connect_listener, container_process_state, prepare_filter

    model = from_json(LinuxSeccomp, raw)
    seccomp = prepare_filter(model)
    if not seccomp.uses_notify:
        return seccomp, None, b""
    from runc_py.container.oci_state import hook_state

    state = jsonio.loads(hook_state(record, "running", record["pid"]))
    return (seccomp, connect_listener(model.listener_path),
            container_process_state(state, model.listener_metadata))


def _open_namespaces(record: dict) -> list[tuple[str, int, int]]:
    """fds of the init's namespaces, in joining order (user first, mount last)."""
    pid = record["pid"]
    plan = NamespacePlan([LinuxNamespace(type=t, path=f"/proc/{pid}/ns/{NAMESPACES[t][1]}")
                          for t in record["exec"]["namespaces"]])
    return open_join_targets(plan)


def _join_cgroup(record: dict, sub_cgroups: tuple[str, ...], pid: int) -> None:
    """The container's cgroup, or `--cgroup [controller[,controller]:]path`
    sub-cgroups of it (which must exist, as with runc)."""
    if not record.get("cgroup"):
        return
    from runc_py.linux.cgroups import CgroupManager, CgroupError
    from runc_py.linux.cgroups.v1 import join

    mgr = CgroupManager.from_record(record["cgroup"])
    if not sub_cgroups:
        mgr.add_process(pid)
        return
    paths = dict(mgr.paths)
    chosen: dict[str, str] = {}
    for value in sub_cgroups:
        controllers, sep, sub = value.rpartition(":")
        for key in (controllers.split(",") if sep else list(paths)):
            if key not in paths:
                raise RuncPyError(f"--cgroup {value}: controller {key!r} is not used by the container")
            chosen[key] = _below(paths[key], sub, value)
    try:
        for d in dict.fromkeys(chosen.get(key, path) for key, path in paths.items()):
            join(d, pid)
    except CgroupError as err:
        raise RuncPyError(f"unable to start container process: error adding pid {pid} to cgroups: {err.msg}") from None


def _below(base: str, sub: str, value: str) -> str:
    path = os.path.normpath(base + "/" + sub)
    if path != base and not path.startswith(base + "/"):
        raise RuncPyError(f"--cgroup {value}: {sub!r} is not below the container's cgroup")
    return path
