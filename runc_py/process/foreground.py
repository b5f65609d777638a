"""A runtime that stays in the foreground (`run`, `exec` without
--detach): it forwards the signals it receives to the container process and
returns that process's exit status, as runc does."""
import os
import signal

from runc_py.container.processes import wait_gone

_NOT_FORWARDED = {signal.SIGCHLD, signal.SIGKILL, signal.SIGSTOP, signal.SIGWINCH}


class SignalForwarder:
    """Installed before the process exists, so that no signal sent to the
    runtime in the meantime kills it: such signals wait until `target()`
    names the process, then go to it."""

    def __init__(self) -> None:
        self._pid = 0
        self._pending: list[int] = []
        for sig in signal.valid_signals():
            if sig in _NOT_FORWARDED or not isinstance(sig, signal.Signals):
                continue
            try:
                signal.signal(sig, self._handle)
            except (OSError, ValueError):
                continue

    def _handle(self, signum: int, _frame) -> None:
        if self._pid:
            self._send(signum)
        else:
            self._pending.append(signum)

    def _send(self, signum: int) -> None:
        try:
            os.kill(self._pid, signum)
        except ProcessLookupError:
            pass

    def target(self, pid: int) -> None:
        self._pid = pid
        pending, self._pending = self._pending, []
        for signum in pending:
            self._send(signum)


def wait_for_exit(pid: int) -> int:
    """Reap every child that reaches us (we are a subreaper) until `pid`
    exits; its status as a shell reports it (128+signal when killed)."""
    while True:
        try:
            child, status = os.waitpid(-1, 0)
        except ChildProcessError:
            # --no-subreaper: the process is not ours to wait for, nor its status.
            wait_gone(pid, None, timeout=float("inf"))
            return 0
        if child == pid:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code
