"""kill: signal a container's init, or with --all every process in it."""
import os

from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.errors import RuncPyError


def kill_container(store: StateStore, container_id: str, sig: int, all_processes: bool) -> None:
    with store.open(container_id) as container:
        record = container.read()
        if container_status(record, container.path) == "stopped":
            # containerd's shim recognises these words as "process already finished".
            raise RuncPyError("container not running")
        signal_container(record, sig, all_processes)


def signal_container(record: dict, sig: int, all_processes: bool) -> None:
    if all_processes and record.get("cgroup"):
        from runc_py.linux.cgroups import CgroupManager

        CgroupManager.from_record(record["cgroup"]).signal_all(sig)
        return
    try:
        os.kill(record["pid"], sig)
    except ProcessLookupError:
        raise RuncPyError("container not running") from None
