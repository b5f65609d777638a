"""create: a container whose init waits before execve on the exec FIFO.

Every resource is recorded before it exists (state.json is on disk before
the cgroup is made, the init's pid as soon as it is known), so a later
`delete --force` can clean up after a create that was SIGKILLed halfway.
A failure anywhere undoes everything in reverse order and reports the
first error: nothing of the container remains.
"""
import os
import time

from runc_py.container.cleanup import Undo
from runc_py.container.ids import validate_container_id
from runc_py.container.oci_state import hook_state, rfc3339_nano
from runc_py.container.processes import kill_and_reap, kill_and_wait, reap
from runc_py.container.state import LockedContainer, StateStore, write_file_atomically
from runc_py.container.status import process_start_time
from runc_py.container.stored_hooks import hooks_to_record
from runc_py.errors import RuncPyError
from runc_py.linux.capabilities import last_cap
from runc_py.linux.cgroups import open_cgroup
from runc_py.linux.namespaces import NamespacePlan, open_join_targets, write_id_maps
from runc_py.linux.sysctl import refuse_host_netns
from runc_py.plan import process as process_plan
from runc_py.plan.rootfs import plan_rootfs
from runc_py.process.channel import Channel, channel_pair
from runc_py.process.context import InitContext
from runc_py.process.init import run_stage_child
from runc_py.process.waiter import open_waiter
from runc_py.spec.load import load_config
from runc_py.spec.model import to_json


class CreateOptions:
    __slots__ = ("bundle", "console_socket", "pid_file", "no_pivot", "no_new_keyring", "preserve_fds",
                 "systemd_cgroup", "detached", "console_fd")

    def __init__(self, bundle: str, console_socket: str | None = None, pid_file: str | None = None,
                 no_pivot: bool = False, no_new_keyring: bool = False, preserve_fds: int = 0,
                 systemd_cgroup: bool = False, detached: bool = True):
        self.bundle, self.console_socket, self.pid_file = bundle, console_socket, pid_file
        self.no_pivot, self.no_new_keyring, self.preserve_fds = no_pivot, no_new_keyring, preserve_fds
        self.systemd_cgroup, self.detached = systemd_cgroup, detached
        # run's own terminal proxy, used instead of a console socket
        self.console_fd: int | None = None


def create_container(store: StateStore, container_id: str, opts: CreateOptions, spec=None) -> dict:
    """Create the container; return its state record.  The init is left
    blocked on the exec FIFO.  `spec` is the loaded config when the caller
    already has it."""
    validate_container_id(container_id)
    bundle = os.path.abspath(opts.bundle or ".")
    if opts.pid_file:
        opts.pid_file = os.path.abspath(opts.pid_file)
    if spec is None:
        spec = load_config(bundle)
    # As runc: the rest of create, hooks included, runs in the bundle.
    os.chdir(bundle)
    _check_terminal_options(spec, opts)
    ns_plan = NamespacePlan(spec.linux.namespaces if spec.linux else ())
    rootfs_plan = plan_rootfs(spec, bundle)
    refuse_host_netns(rootfs_plan)
    with store.create(container_id) as container:
        undo = Undo()
        undo.push("remove state directory", container.remove)
        try:
            record = _create(container, spec, bundle, ns_plan, rootfs_plan, opts, undo)
        except BaseException:
            undo.run()
            raise
        return record


def _check_terminal_options(spec, opts: CreateOptions) -> None:
    terminal = bool(spec.process.terminal)
    if terminal and opts.detached and not opts.console_socket:
        raise RuncPyError("cannot allocate tty if runc-py will detach without setting console socket")
    if opts.console_socket and not terminal:
        raise RuncPyError("cannot use console socket if runc-py will not detach or allocate tty")


def _create(container: LockedContainer, spec, bundle: str, ns_plan: NamespacePlan, rootfs_plan,
            opts: CreateOptions, undo: Undo) -> dict:
    linux = spec.linux
    cgroup = open_cgroup(container.id, linux.cgroups_path if linux else None,
                         linux.resources if linux else None, systemd=opts.systemd_cgroup,
                         linux_devices=linux.devices if linux else None)
    record = {
        "id": container.id,
        "phase": "creating",
        "pid": 0,
        "init_start": None,
        "bundle": bundle,
        "rootfs": rootfs_plan.rootfs,
        "created": rfc3339_nano(time.time_ns()),
        "annotations": dict(spec.annotations or {}),
        "shared_pid_ns": not ns_plan.creates("pid"),
        "cgroup": cgroup.record(),  # what it may create, on disk before any of it exists
        "hooks": hooks_to_record(spec.hooks),
        "exec": _exec_defaults(spec, opts),
        # what `update` merges into; config.json may change after create
        "resources": to_json(spec.linux.resources) if spec.linux and spec.linux.resources else None,
    }
    container.write(record)
    undo.push("remove cgroup", cgroup.destroy)
    cgroup.create()
    record["cgroup"] = cgroup.record()  # exactly what it created

    os.mkfifo(container.fifo_path, 0o600)
    fifo_fd = os.open(container.fifo_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    undo.push("close exec fifo", lambda: os.close(fifo_fd))

    ctx = _init_context(container.id, spec, ns_plan, rootfs_plan, opts, fifo_fd)
    for _, fd, _ in ctx.join_targets:
        undo.push("close namespace fd", lambda fd=fd: _close_quietly(fd))
    for fd in (ctx.console_fd, ctx.seccomp_listener_fd, ctx.waiter_fd):
        if fd is not None:
            undo.push("close fd", lambda fd=fd: _close_quietly(fd))
    ctx.hook_state = lambda status, pid: hook_state(record, status, pid)

    parent_end, child_end = channel_pair()
    stage_pid = os.fork()
    if stage_pid == 0:
        parent_end.close()
        container.close()  # the flock must not outlive this runtime in the init
        run_stage_child(ctx, child_end)
    child_end.close()
    undo.push("close init channel", parent_end.close)
    undo.push("stop stage child", lambda: kill_and_reap(stage_pid))

    # The init must be in the cgroup before it forks, runs anything of the
    # user's or mounts cgroupfs (it waits for "attached").  So the init is
    # attached while it sets itself up: the first cgroup.procs write waits
    # for an RCU grace period (~10-20 ms here), which then overlaps that work.
    # A new cgroup namespace is rooted where the stage child is when it
    # unshares, so then the stage is attached first, as before "go".
    attach_init = cgroup.add_process
    if ns_plan.creates("cgroup"):
        cgroup.add_process(stage_pid)
        attach_init = None
    parent_end.send(type="go")
    _handshake(parent_end, container, record, spec, stage_pid, undo, attach_init)
    reap(stage_pid)

    record["phase"] = "created"
    container.write(record)
    if opts.pid_file:
        write_pid_file(opts.pid_file, record["pid"])
    parent_end.close()
    os.close(fifo_fd)
    for _, fd, _ in ctx.join_targets:
        _close_quietly(fd)
    for fd in (ctx.console_fd, ctx.seccomp_listener_fd, ctx.waiter_fd):
        if fd is not None:
            _close_quietly(fd)
    undo.disarm()
    return record


def _handshake(ch: Channel, container: LockedContainer, record: dict, spec, stage_pid: int, undo: Undo,
               attach_init) -> None:
    """Serve the init's requests until it reports ready (or an error).
    `attach_init(pid)`, when given, puts the init in the cgroup as soon as
    its pid is known; either way the init is then told "attached", which it
    waits for before anything that depends on its cgroup (a cgroup v1 mount
    binds its own cgroup directories) and before its first fork or exec."""
    from runc_py.container.hooks import run_hooks

    while True:
        msg = ch.recv()
        kind = msg.get("type")
        if kind == "error":
            raise RuncPyError("unable to start container process: " + msg.get("msg", "unknown error"))
        if kind == "idmap":
            write_id_maps(stage_pid, spec.linux.uid_mappings or (), spec.linux.gid_mappings or ())
            ch.send(type="idmap_done")
        elif kind == "pid":
            pid = msg["pid"]
            record["pid"], record["init_start"] = pid, process_start_time(pid)
            undo.push("kill container init", lambda: kill_and_wait(pid, record["init_start"]))
            container.write(record)
            if attach_init is not None:
                attach_init(pid)
            ch.send(type="attached")
        elif kind == "hooks":
            hooks = spec.hooks
            if hooks is not None:
                state = hook_state(record, "creating", record["pid"])
                run_hooks("prestart", hooks.prestart or (), state, fatal=True)
                run_hooks("createRuntime", hooks.create_runtime or (), state, fatal=True)
            ch.send(type="hooks_done", pid=record["pid"])
        elif kind == "ready":
            return
        else:
            raise RuncPyError(f"container init protocol: unexpected message {kind!r}")


def _init_context(container_id: str, spec, ns_plan: NamespacePlan, rootfs_plan, opts: CreateOptions,
                  fifo_fd: int) -> InitContext:
    proc = spec.process
    linux = spec.linux
    hooks = spec.hooks
    console_fd = None
    if proc.terminal:
        from runc_py.process.console import connect_console_socket

        console_fd = (connect_console_socket(opts.console_socket) if opts.console_socket
                      else os.dup(opts.console_fd))
    seccomp = _prepare_seccomp(linux)
    listener_fd = None
    if seccomp is not None and seccomp.uses_notify:
        from runc_py.linux.seccomp import connect_listener

        listener_fd = connect_listener(linux.seccomp.listener_path)
    if hooks is not None and (hooks.create_container or hooks.start_container):
        import subprocess  # noqa: F401 - the init runs hooks after pivot_root, where it may not import

        import runc_py.container.hooks  # noqa: F401
    return InitContext(
        container_id=container_id,
        ns_plan=ns_plan,
        join_targets=open_join_targets(ns_plan),
        rootfs_plan=rootfs_plan,
        no_pivot=opts.no_pivot,
        **process_plan.process_fields(proc, proc.capabilities),
        last_cap=last_cap(),
        personality=(process_plan.PERSONALITY_DOMAINS[linux.personality.domain]
                     if linux and linux.personality else None),
        hostname=spec.hostname,
        domainname=spec.domainname,
        new_keyring=not opts.no_new_keyring,
        preserve_fds=opts.preserve_fds,
        fifo_fd=fifo_fd,
        waiter_fd=_open_waiter(),
        console_fd=console_fd,
        uid_mappings=linux.uid_mappings if linux else (),
        gid_mappings=linux.gid_mappings if linux else (),
        time_offsets=linux.time_offsets if linux else None,
        seccomp=seccomp,
        seccomp_listener_fd=listener_fd,
        seccomp_metadata=linux.seccomp.listener_metadata if listener_fd is not None else None,
        apparmor_profile=proc.apparmor_profile,
        selinux_label=proc.selinux_label,
        hooks_create_container=hooks.create_container or () if hooks else (),
        hooks_start_container=hooks.start_container or () if hooks else (),
    )


def _open_waiter() -> int | None:
    """The waiter the init becomes until start (runc_py.process.waiter);
    without its binary (a build without a C compiler) the init waits itself."""
    try:
        return open_waiter()
    except FileNotFoundError:
        return None


def _exec_defaults(spec, opts: CreateOptions) -> dict:
    """What `exec` builds its process from: as runc, the container's config
    as it was at create time (runc_py.container.exec)."""
    linux = spec.linux
    return {"process": to_json(spec.process),
            "seccomp": to_json(linux.seccomp) if linux and linux.seccomp else None,
            "namespaces": [ns.type for ns in linux.namespaces or ()] if linux else [],
            "no_new_keyring": opts.no_new_keyring}


def _prepare_seccomp(linux):
    if linux is None or linux.seccomp is None:
        return None
    from runc_py.linux.seccomp import prepare_filter

    return prepare_filter(linux.seccomp)


def write_pid_file(path: str, pid: int) -> None:
    """The pid as bare decimal digits (containerd's shim parses the whole
    file with Atoi), written atomically."""
    write_file_atomically(path, str(pid).encode(), 0o644)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
