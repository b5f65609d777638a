"""Start the kernel's wait for cgroup migration early, in the background.

Moving a process into a cgroup (a cgroup.procs write) takes a global
per-cpu rw-semaphore for writing, and the first writer after a quiet spell
waits for an RCU grace period before it gets it: 10-25 ms on these
machines, the largest single cost of `create` (runc pays it too).  Writers
that arrive while that wait is under way, or shortly after it, share it.

So `create`, `run` and `exec` start, before anything else, a thread that
"moves" the runtime into the cgroup it is already in (which changes
nothing); the real attach of the container's process comes a few
milliseconds later and finds the wait already under way or over.  Failure
is silent: this only changes how long the real attach takes, never what it
does.
"""
import _thread
import os

from runc_py.linux.cgroups.detect import parse_proc_cgroup


def _own_procs_file() -> str | None:
    """cgroup.procs of the runtime's own cgroup in one mounted hierarchy."""
    try:
        with open("/proc/self/cgroup") as f:
            own = parse_proc_cgroup(f.read())
    except OSError:
        return None
    for key, path in own.items():
        if key.startswith("name="):
            continue
        mounts = ("/sys/fs/cgroup/unified", "/sys/fs/cgroup") if key == "" else ("/sys/fs/cgroup/" + key,)
        for mount in mounts:
            procs = mount + path.rstrip("/") + "/cgroup.procs"
            if os.path.exists(procs):
                return procs
    return None


def _rewrite_own_pid(procs: str) -> None:
    try:
        fd = os.open(procs, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
    except OSError:
        pass


def start_attach_warmup() -> None:
    procs = _own_procs_file()
    if procs is not None:
        _thread.start_new_thread(_rewrite_own_pid, (procs,))
