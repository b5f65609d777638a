"""The child side of create: the stage child and the container's PID 1.

The runtime forks the *stage child*; it joins and creates the namespaces
(asking the parent to write the id maps of a new user namespace), and forks
once more because a new pid (or time) namespace only applies to children.
That grandchild is the container's init: it builds the root filesystem,
sets the process up, reports "ready", and blocks on the exec FIFO until
`start`; then it runs the startContainer hooks, sets no_new_privs, loads
seccomp and execs the user's program.  When none of those after-start steps
but the execve is needed, it execs the waiter instead, which blocks on the
FIFO holding under 1 MiB rather than the interpreter's ~13 MiB.

Nothing is imported here after pivot_root: all modules this file uses are
imported when it is, before the fork.
"""
import os
import select

from runc_py import jsonio
from runc_py.linux import sys as linux_sys
from runc_py.linux.namespaces import join_namespaces, unshare_namespaces, write_time_offsets
from runc_py.linux.lsm import prepare_exec_label
from runc_py.linux.rootfs import finish_rootfs, prepare_rootfs
from runc_py.process.channel import Channel
from runc_py.process.context import InitContext
from runc_py.process.finalize import (error_text, exec_user_process, join_keyring, prepare_process, set_field,
                                      write_proc_self)
from runc_py.process.stage import report_error, run_stage
from runc_py.process.waiter import exec_waiter, waiter_can_finish


def run_stage_child(ctx: InitContext, ch: Channel) -> None:
    """Never returns: exits once PID 1 exists and its pid is reported."""
    run_stage(ch, lambda: _enter_namespaces(ctx, ch), lambda: run_container_init(ctx, ch))


def _enter_namespaces(ctx: InitContext, ch: Channel) -> None:
    join_namespaces(ctx.join_targets)
    unshare_namespaces(ctx.ns_plan.new_flags)
    if ctx.ns_plan.creates("user"):
        ch.send(type="idmap")
        ch.expect("idmap_done")
        linux_sys.setresgid(0)
        linux_sys.setresuid(0)
    if ctx.ns_plan.creates("time"):
        write_time_offsets(ctx.time_offsets)


def run_container_init(ctx: InitContext, ch: Channel) -> None:
    """Never returns: execs the user's program or exits 1."""
    try:
        exe = _set_up(ctx, ch)
    except BaseException as err:  # noqa: B036
        report_error(ch, err)
        os._exit(1)
    ch.send(type="ready")
    ch.close()
    try:
        if ctx.waiter_fd is not None and waiter_can_finish(ctx):
            try:
                exec_waiter(ctx.waiter_fd, ctx.fifo_fd, exe, ctx.args, ctx.env, ctx.no_new_privileges)
            except (OSError, ValueError):
                pass  # still here: wait in Python
        _wait_for_start(ctx.fifo_fd)
        _run_start_hooks(ctx)
        exec_user_process(ctx, exe)
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
        set_field("hostname", linux_sys.sethostname, ctx.hostname)
    if ctx.domainname is not None:
        set_field("domainname", linux_sys.setdomainname, ctx.domainname)
    if ctx.new_keyring:
        join_keyring(ctx.container_id)
    if ctx.oom_score_adj is not None:
        write_proc_self("oom_score_adj", str(ctx.oom_score_adj), "process.oomScoreAdj")
    # The parent puts us in the container's cgroup while we get here; a
    # cgroup v1 mount binds our own cgroup directories, so it must wait.
    attached = _mounts_cgroupfs(ctx.rootfs_plan)
    if attached:
        ch.expect("attached")
    prepare_rootfs(ctx.rootfs_plan, no_pivot=ctx.no_pivot,
                   before_pivot=lambda: _before_pivot(ctx, ch, attached))
    if ctx.console_fd is not None:
        from runc_py.process.console import attach_terminal  # imported by the parent before fork

        attach_terminal(ctx.console_fd, ctx.console_size)
    finish_rootfs(ctx.rootfs_plan)
    return prepare_process(ctx)


def _mounts_cgroupfs(plan) -> bool:
    return any(step.fstype == "cgroup" for step in plan.mounts)


def _before_pivot(ctx: InitContext, ch: Channel, attached: bool) -> None:
    """The mounts are in place, the root not yet pivoted: the runtime runs
    prestart and createRuntime hooks in its namespaces, then we run the
    createContainer hooks in ours (runtime-spec config.md, "Lifecycle").
    Neither may start before we are in the container's cgroup."""
    if not attached:
        ch.expect("attached")
    ch.send(type="hooks")
    host_pid = ch.expect("hooks_done")["pid"]
    if ctx.seccomp_listener_fd is not None:
        from runc_py.linux.seccomp import container_process_state  # loaded by the parent (prepare_filter)

        state = jsonio.loads(ctx.hook_state("creating", host_pid))
        ctx.seccomp_payload = container_process_state(state, ctx.seccomp_metadata)
    if ctx.hooks_create_container:
        from runc_py.container.hooks import run_hooks  # imported by the parent before fork

        run_hooks("createContainer", ctx.hooks_create_container, ctx.hook_state("creating", host_pid), fatal=True)


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
