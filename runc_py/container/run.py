"""run: create + start; in the foreground, wait and return the exit status.

In the foreground the runtime becomes a child subreaper, so the init
(a grandchild) is reparented to it and can be waited for; signals sent to
the runtime are forwarded to the init; the exit status is the init's, or
128+signal when it was killed, as runc returns it.  Without --keep the
container is deleted when it exits.
"""
import os

from runc_py.container.create import CreateOptions, create_container
from runc_py.container.delete import delete_container
from runc_py.container.start import start_container
from runc_py.container.state import StateStore
from runc_py.linux import sys as linux_sys
from runc_py.process.foreground import SignalForwarder, wait_for_exit
from runc_py.spec.load import load_config

PR_SET_CHILD_SUBREAPER = 36


def run_container(store: StateStore, container_id: str, opts: CreateOptions, *, keep: bool,
                  subreaper: bool) -> int:
    if opts.detached:
        create_container(store, container_id, opts)
        start_container(store, container_id)
        return 0
    if subreaper:
        linux_sys.prctl(PR_SET_CHILD_SUBREAPER, 1)
    forwarder = SignalForwarder()
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
    forwarder.target(pid)
    try:
        start_container(store, container_id)
        if proxy is not None:
            proxy.start()
        code = wait_for_exit(pid)
    finally:
        if proxy is not None:
            proxy.stop()
        if not keep:
            delete_container(store, container_id, force=True)
    return code
