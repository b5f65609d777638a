"""run: create + start; in the foreground, wait and return the exit status.

In the foreground the runtime becomes a child subreaper, so the init
(a grandchild) is reparented to it and can be waited for; signals sent to
the runtime are forwarded to the init; the exit status is the init's, or
128+signal when it was killed, as runc returns it.  Without --keep the
container is deleted when it exits.
"""
import os
import signal

from runc_py.container.create import CreateOptions, create_container
from runc_py.container.delete import delete_container
from runc_py.container.start import start_container
from runc_py.container.state import StateStore
from runc_py.container.processes import wait_gone
from runc_py.linux import sys as linux_sys
from runc_py.spec.load import load_config

PR_SET_CHILD_SUBREAPER = 36
_NOT_FORWARDED = {signal.SIGCHLD, signal.SIGKILL, signal.SIGSTOP, signal.SIGWINCH}


def run_container(store: StateStore, container_id: str, opts: CreateOptions, *, keep: bool,
                  subreaper: bool) -> int:
    if opts.detached:
        create_container(store, container_id, opts)
        start_container(store, container_id)
        return 0
    if subreaper:
        linux_sys.prctl(PR_SET_CHILD_SUBREAPER, 1)
    spec = load_config(os.path.abspath(opts.bundle or "."))
    proxy = None
    if spec.process is not None and spec.process.terminal and not opts.console_socket:
        from runc_py.process.tty_proxy import TerminalProxy

        proxy = TerminalProxy()
        opts.console_fd = proxy.container_end
    try:
        record = create_container(store, container_id, opts, spec)
    finally:
        if proxy is not None:
            proxy.close_container_end()
    pid = record["pid"]
    _forward_signals(pid)
    try:
        start_container(store, container_id)
        if proxy is not None:
            proxy.start()
        code = _wait_for(pid)
    finally:
        if proxy is not None:
            proxy.stop()
        if not keep:
            delete_container(store, container_id, force=True)
    return code


def _forward_signals(pid: int) -> None:
    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in signal.valid_signals():
        if sig in _NOT_FORWARDED or not isinstance(sig, signal.Signals):
            continue
        try:
            signal.signal(sig, forward)
        except (OSError, ValueError):
            continue


def _wait_for(pid: int) -> int:
    """Reap every child that reaches us (we are a subreaper) until the init
    exits; its status as a shell reports it."""
    while True:
        try:
            child, status = os.waitpid(-1, 0)
        except ChildProcessError:
            # --no-subreaper: the init is not ours to wait for, nor its status.
            wait_gone(pid, None, timeout=float("inf"))
            return 0
        except InterruptedError:
            continue
        if child == pid:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code
