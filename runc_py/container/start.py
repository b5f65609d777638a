"""start: release a created container's init from the exec FIFO."""
import errno
import os

from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.container.stored_hooks import hooks_from_record
from runc_py.errors import RuncPyError


def start_container(store: StateStore, container_id: str) -> dict:
    with store.open(container_id) as container:
        record = container.read()
        status = container_status(record, container.path)
        if status != "created":
            raise RuncPyError(_not_created_message(status))
        release_init(container.fifo_path)
        os.unlink(container.fifo_path)
    _run_poststart(record)
    return record


def _not_created_message(status: str) -> str:
    if status == "stopped":
        return "cannot start a container that has stopped"
    if status == "running":
        return "cannot start an already running container"
    return f"cannot start a container in the {status} state"


def release_init(fifo_path: str) -> None:
    """Write one byte to the FIFO the init polls.  Opening without blocking
    fails with ENXIO when no reader is left, i.e. the init died."""
    try:
        fd = os.open(fifo_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        if err.errno == errno.ENXIO:
            raise RuncPyError("cannot start a container that has stopped") from None
        raise
    try:
        os.write(fd, b"0")
    finally:
        os.close(fd)


def _run_poststart(record: dict) -> None:
    """poststart hooks run after the user's process has started, before
    start returns; their failure is only a warning (runtime-spec)."""
    hooks = hooks_from_record(record, "poststart")
    if hooks:
        from runc_py.container.hooks import run_hooks
        from runc_py.container.oci_state import hook_state

        run_hooks("poststart", hooks, hook_state(record, "running", record["pid"]), fatal=False)
