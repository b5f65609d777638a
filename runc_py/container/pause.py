"""pause and resume: freeze and thaw every process of a container at once,
through its cgroup's freezer.

As runc, a `created` container can be paused too (its init is frozen while
it waits on the exec FIFO, and `state` says paused); resuming it gives back
`created`, since the status is derived from the live system.  Pausing
anything else that is not running fails with "container not running", and
resuming anything not paused with "container not paused".
"""
from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.errors import RuncPyError


def pause_container(store: StateStore, container_id: str) -> None:
    with store.open(container_id) as container:
        record = container.read()
        if container_status(record, container.path) not in ("running", "created"):
            raise RuncPyError("container not running")
        _cgroup(record).freeze()


def resume_container(store: StateStore, container_id: str) -> None:
    with store.open(container_id) as container:
        record = container.read()
        if container_status(record, container.path) != "paused":
            raise RuncPyError("container not paused")
        _cgroup(record).thaw()


def _cgroup(record: dict):
    from runc_py.linux.cgroups import CgroupManager

    return CgroupManager.from_record(record["cgroup"])
