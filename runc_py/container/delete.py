"""delete: remove a stopped container, or with --force any container.

The init is killed and gone, the cgroup the runtime created is removed,
the poststop hooks run (failures are warnings), the state directory goes.
This is also the cleanup path for a create that was killed halfway: it
works from what the record says exists.
"""
from runc_py.container.processes import kill_and_wait
from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.container.stored_hooks import hooks_from_record
from runc_py.errors import ContainerNotFound, RuncPyError

SIGKILL = 9


def delete_container(store: StateStore, container_id: str, force: bool) -> None:
    try:
        container = store.open(container_id)
    except ContainerNotFound:
        if force:
            return  # containerd's cleanup always sends delete --force
        raise
    with container:
        try:
            record = container.read()
        except ContainerNotFound:
            if not force:
                raise
            container.remove()  # created by a runtime that died before its first write
            return
        status = container_status(record, container.path)
        if status in ("running", "paused") and not force:
            raise RuncPyError(f"cannot delete container {container_id} that is not stopped: {status}")
        if status != "stopped":
            stop_all(record)
        destroy(record)
        container.remove()


def stop_all(record: dict) -> None:
    """SIGKILL the init (and, without a pid namespace of its own, every
    process in its cgroup; a frozen cgroup is thawed so they can die)."""
    cgroup = _cgroup(record)
    if cgroup is not None and (record.get("shared_pid_ns") or cgroup.is_frozen()):
        cgroup.signal_all(SIGKILL)  # freezes, signals each process, thaws: they can die
    kill_and_wait(record.get("pid", 0), record.get("init_start"))


def destroy(record: dict) -> None:
    cgroup = _cgroup(record)
    if cgroup is not None:
        cgroup.destroy()
    hooks = hooks_from_record(record, "poststop")
    if hooks:
        from runc_py.container.hooks import run_hooks
        from runc_py.container.oci_state import hook_state

        run_hooks("poststop", hooks, hook_state(record, "stopped", 0), fatal=False)


def _cgroup(record: dict):
    if not record.get("cgroup"):
        return None
    from runc_py.linux.cgroups import CgroupManager

    return CgroupManager.from_record(record["cgroup"])
