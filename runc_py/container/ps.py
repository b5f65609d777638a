"""ps: the processes of a container, as host pids (json) or as `ps` rows.

`ps --format json` is on containerd's hot path (the shim calls it for every
`ctr task ps` and parses stdout and stderr together as one JSON array), so
it reads cgroup.procs through the cgroup library and imports nothing else:
no psutil, no subprocess.  The table form is runc's: run the host's `ps`
(default `-ef`, or the options given after the id), print its header and
the rows whose PID column is one of the container's processes.
"""
from runc_py.container.state import StateStore
from runc_py.errors import RuncPyError


def container_pids(store: StateStore, container_id: str) -> list[int]:
    """Every process in the container's cgroup (empty once it has none).
    No lock: like `state`, a read must not wait behind a long operation."""
    record, _ = store.peek(container_id)
    if not record.get("cgroup"):
        return []
    from runc_py.linux.cgroups import CgroupManager

    return CgroupManager.from_record(record["cgroup"]).pids()


def pids_json(pids: list[int]) -> str:
    """runc encodes an empty list as `null` (a nil slice in Go)."""
    return "[" + ",".join(map(str, pids)) + "]" if pids else "null"


def ps_table(pids: list[int], ps_args: tuple[str, ...]) -> str:
    """The host's `ps` output filtered to `pids`: the header plus matching
    rows, each line ending in a newline."""
    import subprocess

    try:
        proc = subprocess.run(["ps", *(ps_args or ("-ef",))], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as err:
        from runc_py.errors import reason

        raise RuncPyError(f'exec: "ps": {reason(err.errno)}') from None
    if proc.returncode != 0:
        raise RuncPyError(f"exit status {proc.returncode}: {proc.stdout}")
    lines = proc.stdout.split("\n")
    titles = lines[0].split()
    if "PID" not in titles:
        raise RuncPyError("couldn't find PID field in ps output")
    column = titles.index("PID")
    wanted = set(pids)
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        fields = line.split()
        try:
            pid = int(fields[column])
        except (ValueError, IndexError):
            raise RuncPyError(f"unable to parse pid: {line!r}") from None
        if pid in wanted:
            out.append(line)
    return "".join(line + "\n" for line in out)
