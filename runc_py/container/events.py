"""events: a container's resource statistics and OOM kills, as runc prints
them: one JSON object per line, `{"type":"stats","id":ID,"data":{...}}`
and `{"type":"oom","id":ID}`.

With --stats, one stats event and done.  Otherwise a stats event every
interval (the first after one interval, as runc's ticker) and an oom event
whenever the memory cgroup records an OOM kill, until the container's
cgroup is removed (`delete`): the kernel wakes the OOM watcher then, which
ends the stream, as runc's does.  No lock is held meanwhile, or delete
would wait behind us.
"""
import os
import time

from runc_py import jsonio, log
from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.errors import RuncPyError

# Go's time.ParseDuration units, in nanoseconds.
_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}


def parse_duration(text: str) -> float:
    """Seconds from Go duration syntax (`5s`, `100ms`, `1m30s`, `-1.5h`,
    `0`); ValueError for anything else (a bare `5` included, as Go)."""
    rest = text[1:] if text[:1] in "+-" else text
    sign = -1 if text[:1] == "-" else 1
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(text)
    total = 0.0
    while rest:
        i = 0
        while i < len(rest) and (rest[i].isdigit() or rest[i] == "."):
            i += 1
        number, rest = rest[:i], rest[i:]
        if number in ("", ".") or number.count(".") > 1:
            raise ValueError(text)
        j = 0
        while j < len(rest) and not (rest[j].isdigit() or rest[j] == "."):
            j += 1
        unit, rest = rest[:j], rest[j:]
        if unit not in _UNITS:
            raise ValueError(text)
        total += float(number) * _UNITS[unit]
    return sign * total / 1e9


def go_ordered(stats: dict) -> dict:
    """Go's encoder writes map keys sorted; the stats' maps (memory.raw,
    hugetlb) come from the library in file order."""
    memory = stats.get("memory")
    if isinstance(memory, dict) and isinstance(memory.get("raw"), dict):
        memory["raw"] = dict(sorted(memory["raw"].items()))
    if isinstance(stats.get("hugetlb"), dict):
        stats["hugetlb"] = dict(sorted(stats["hugetlb"].items()))
    return stats


def stats_event(container_id: str, cgroup) -> dict:
    return {"type": "stats", "id": container_id, "data": go_ordered(cgroup.stats())}


def _emit(write, event: dict) -> None:
    write(jsonio.dumps(event) + "\n")


def stream_events(store: StateStore, container_id: str, interval: float, stats_only: bool, write) -> None:
    """Write the container's events with `write(line)` (see module doc)."""
    record, path = store.peek(container_id)
    if interval <= 0:
        raise RuncPyError("duration interval must be greater than 0")
    if container_status(record, path) == "stopped" or not record.get("cgroup"):
        raise RuncPyError(f"container with id {container_id} is not running")
    from runc_py.linux.cgroups import CgroupManager

    cgroup = CgroupManager.from_record(record["cgroup"])
    if stats_only:
        _emit(write, stats_event(container_id, cgroup))
        return
    watcher = cgroup.oom_events()
    try:
        next_tick = time.monotonic() + interval
        while True:
            ooms = watcher.wait(max(0.0, next_tick - time.monotonic()))
            if ooms is None:
                return  # the cgroup is gone: so is the container
            if ooms:
                _emit(write, {"type": "oom", "id": container_id})
            if time.monotonic() >= next_tick:
                next_tick += interval
                try:
                    event = stats_event(container_id, cgroup)
                except (OSError, RuncPyError) as err:
                    if not os.path.isdir(watcher.dir):
                        return  # removed between the wait and the read
                    log.error(f"stats: {err}")
                    continue
                _emit(write, event)
    finally:
        watcher.close()
