"""The stage child shared by create and exec.

The runtime forks it; it makes itself non-dumpable, waits for the parent's
"go" (sent once it is in the container's cgroup, where that must come first:
an exec'd process, or an init with a new cgroup namespace; otherwise the
parent attaches the init as soon as its pid is reported), enters the namespaces and
forks once more, because a pid (or time) namespace only applies to children.
It reports that grandchild's host pid and exits; the grandchild (the
container's init, or an exec'd process) then owns the channel.
"""
import os

from runc_py.linux import sys as linux_sys
from runc_py.process.channel import Channel
from runc_py.process.finalize import error_text

PR_SET_DUMPABLE = 4


def report_error(ch: Channel, err: BaseException) -> None:
    """Send an error to the parent, in the child's own words."""
    try:
        ch.send(type="error", msg=error_text(err))
    except OSError:
        pass


def run_stage(ch: Channel, enter_namespaces, run_process) -> None:
    """Never returns: exits once the process exists and its pid is reported.
    `enter_namespaces()` runs after "go"; `run_process()` runs in the
    grandchild and must not return."""
    code = 1
    try:
        # From here on this process lives in (or enters) container namespaces:
        # nothing inside may open /proc/<pid>/exe or fds of ours (CVE-2019-5736
        # class); the flag is inherited by the fork below and cleared by execve.
        linux_sys.prctl(PR_SET_DUMPABLE, 0)
        ch.expect("go")
        enter_namespaces()
        release_r, release_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(release_w)
            os.read(release_r, 1)  # EOF once our pid is reported: the channel is then ours
            os.close(release_r)
            run_process()
        os.close(release_r)
        ch.send(type="pid", pid=pid)
        os.close(release_w)  # now, not at our exit: tearing down this process takes ~1 ms
        code = 0
    except BaseException as err:  # noqa: B036 - anything must reach the parent
        report_error(ch, err)
    os._exit(code)
