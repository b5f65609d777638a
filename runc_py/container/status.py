"""Container status, derived from the live system, never trusted from disk.

`creating` while create has not finished; `stopped` once the init is gone,
a zombie, or its pid was reused by another process (the start time in
/proc/<pid>/stat differs); `paused` while its cgroup is frozen; `created`
while the exec FIFO exists (start removes it); `running` otherwise.
"""
import os

from runc_py.container.state import EXEC_FIFO
from runc_py.linux.cgroups import record_is_frozen


def process_start_time(pid: int) -> int | None:
    """The start time (clock ticks since boot) of a live, non-zombie process."""
    if pid <= 0:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after its last ')'.
    fields = stat[stat.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def init_alive(record: dict) -> bool:
    pid = record.get("pid", 0)
    return pid > 0 and process_start_time(pid) == record.get("init_start")


def container_status(record: dict, container_dir: str) -> str:
    if record.get("phase") == "creating":
        return "creating" if record.get("pid", 0) == 0 or init_alive(record) else "stopped"
    if not init_alive(record):
        return "stopped"
    if record.get("cgroup") and record_is_frozen(record["cgroup"]):
        return "paused"
    if os.path.exists(container_dir + "/" + EXEC_FIFO):
        return "created"
    return "running"
