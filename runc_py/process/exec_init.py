"""The child side of exec: a new process inside a running container.

The stage child (runc_py.process.stage) is already in the container's cgroup;
it joins the container's namespaces, the user namespace first, all but the
mount namespace, and forks: the grandchild is inside the pid namespace.  The
grandchild opens its LSM attr files on the host's /proc, then joins the mount
namespace, which makes the container's root its root and cwd (no host
directory is left as its cwd), and finishes like the init
(runc_py.process.finalize): attributes, user and capabilities, cwd, fds,
labels, no_new_privs, seccomp, execve.

It reports "ready" just before execve; the channel is close-on-exec, so the
parent then reads end-of-file when execve succeeded, or the error.
"""
import os

from runc_py.linux.lsm import prepare_exec_label
from runc_py.linux.namespaces import join_namespaces
from runc_py.process.channel import Channel
from runc_py.process.console import attach_terminal
from runc_py.process.context import ProcessContext
from runc_py.process.finalize import exec_user_process, join_keyring, prepare_process, write_proc_self
from runc_py.process.stage import report_error, run_stage


class ExecContext(ProcessContext):
    """join_targets exclude the mount namespace (user first): the exec'd
    process joins that one itself, so that its cwd is never a host directory."""

    mount_target: list            # [(type, fd, index)] of the mount namespace, or []


def run_exec_stage(ctx: ExecContext, ch: Channel) -> None:
    """Never returns (see the module docstring)."""
    run_stage(ch, lambda: join_namespaces(ctx.join_targets), lambda: _run_exec_process(ctx, ch))


def _run_exec_process(ctx: ExecContext, ch: Channel) -> None:
    try:
        exe = _set_up(ctx)
        ch.send(type="ready")
        exec_user_process(ctx, exe)
    except BaseException as err:  # noqa: B036 - anything must reach the parent
        report_error(ch, err)
    os._exit(1)


def _set_up(ctx: ExecContext) -> str:
    os.setsid()
    if ctx.apparmor_profile or ctx.selinux_label:
        # Opened on the host's /proc by this very task, which alone may write them.
        ctx.lsm = prepare_exec_label(ctx.apparmor_profile, ctx.selinux_label)
    join_namespaces(ctx.mount_target)
    if ctx.console_fd is not None:
        attach_terminal(ctx.console_fd, ctx.console_size)  # /dev/ptmx of the container's devpts
    if ctx.new_keyring:
        join_keyring(ctx.container_id)
    if ctx.oom_score_adj is not None:
        write_proc_self("oom_score_adj", str(ctx.oom_score_adj), "process.oomScoreAdj")
    return prepare_process(ctx)
