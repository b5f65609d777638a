"""Timed process launches, reaping and /proc look-ups.

Every measurement is the wall time of one whole process, from posix_spawn to its
reaping, with stdin and stdout on /dev/null (or a file when the output is
checked) and stderr in a file so that a failure can show the runtime's words.
"""
from __future__ import annotations

import ctypes
import os
import select
import signal
import time

PR_SET_CHILD_SUBREAPER = 36
MNT_DETACH = 2

# Python ignores SIGPIPE and SIGXFSZ, and the bench ignores the stop signals
# while it cleans up; an ignored disposition survives execve, so every child
# starts with the defaults, as under a shell.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_libc = ctypes.CDLL(None, use_errno=True)


class StepFailed(Exception):
    """A runtime (or helper) process failed: which one, doing what, and its words."""

    def __init__(self, who: str, step: str, argv: list[str], detail: str, stderr: str = ""):
        self.who, self.step, self.argv, self.detail, self.stderr = who, step, argv, detail, stderr
        super().__init__(f"{who}: {step}: {detail}")

    def report(self) -> str:
        lines = [f"FAILED: {self.who}: step {self.step!r}: {self.detail}",
                 f"  command: {' '.join(self.argv)}"]
        if self.stderr.strip():
            lines.append("  stderr:")
            lines += ["    " + line for line in self.stderr.rstrip().splitlines()[-40:]]
        return "\n".join(lines)


class Completed:
    __slots__ = ("ns", "status", "stdout")

    def __init__(self, ns: int, status: int, stdout: str | None):
        self.ns, self.status, self.stdout = ns, status, stdout


def become_subreaper() -> None:
    """Orphaned container processes are re-parented to us, as to containerd's shim,
    so we can reap them (and wait for them) and see any stray one."""
    if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(err)}")


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def read_tail(path: str, limit: int = 8192) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def run_timed(argv: list[str], *, who: str, step: str, err_path: str,
              out_path: str | None = None, timeout: float = 60.0,
              env: dict[str, str] | None = None, check: bool = True) -> Completed:
    """Run argv to completion and return its wall time in ns.

    The child gets its own process group so that a Ctrl-C at the terminal reaches
    only this program, which then cleans up in order. A process that outlives
    `timeout` is killed with its group and reported as a failure.
    """
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    start = time.perf_counter_ns()
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ if env is None else env,
                             file_actions=actions, setpgroup=0, setsigmask=(),
                             setsigdef=_RESET_SIGNALS)
    except OSError as e:
        raise StepFailed(who, step, argv, f"cannot execute: {e}") from None
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise StepFailed(who, step, argv, f"still running after {timeout:g} s, killed",
                             read_tail(err_path))
        _, status = os.waitpid(pid, 0)
        ns = time.perf_counter_ns() - start
    finally:
        os.close(pidfd)
    stdout = None
    if out_path is not None:
        with open(out_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()
    if check and status != 0:
        raise StepFailed(who, step, argv, describe_status(status), read_tail(err_path))
    return Completed(ns, status, stdout)


def wait_exit(pid: int, timeout: float = 60.0) -> int:
    """Wait for a container process (our child, as we are its subreaper) and return
    its wait status."""
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            raise TimeoutError(f"process {pid} still running after {timeout:g} s")
    finally:
        os.close(pidfd)
    return os.waitpid(pid, 0)[1]


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks (field 22 of /proc/<pid>/stat), which
    tells a live process from a later one that reuses its pid."""
    stat = _proc_stat(pid)
    return int(stat[19]) if stat else None


def is_alive(pid: int, started: int | None) -> bool:
    """True when the very process (same start time) still runs and is not a zombie."""
    stat = _proc_stat(pid)
    return bool(stat) and stat[0] not in ("Z", "X") and (started is None or int(stat[19]) == started)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2:].split()


def vmrss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def our_children() -> list[int]:
    """Live processes whose parent is this process (any of its threads)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _proc_stat(int(name))
            if stat and int(stat[1]) == me and stat[0] not in ("Z", "X"):
                found.append(int(name))
    return found


def reap_zombies() -> list[int]:
    """Reap every exited child. Call only when no timed process is in flight."""
    reaped = []
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped.append(pid)


def lazy_umount(path: str) -> None:
    if _libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"umount {path}: {os.strerror(err)}")


def mounts_under(prefix: str) -> list[str]:
    """Mount points at or below prefix in our mount namespace, deepest first."""
    prefix = prefix.rstrip("/")
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)
