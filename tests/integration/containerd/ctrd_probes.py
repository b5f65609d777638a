"""What the host shows of containers: mounts, cgroups, processes, and the
runtime's JSON log read the way containerd's runc shim reads it."""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path


def _unescape_mountinfo(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_points() -> list[tuple[str, str]]:
    """(mount point, fs type) of every mount in our mount namespace, which is
    the one containerd, its shims and the runtime use."""
    result = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            result.append((_unescape_mountinfo(left.split()[4]), right.split()[0]))
    return result


def mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    return [mp for mp, _ in mount_points() if mp == str(path) or mp.startswith(prefix)]


def cgroup_hierarchies() -> list[Path]:
    return [Path(mp) for mp, fstype in mount_points() if fstype in ("cgroup", "cgroup2")]


def unmounted_v1_hierarchies() -> list[str]:
    """v1 hierarchies listed in /proc/self/cgroup that have no mount in our
    mount namespace. One exists while any other namespace mounts a controller
    we do not (say hugetlb); containerd's shim then fails to load the task's
    cgroups and `ctr task metrics` says "no metrics received"."""
    mounted: set[str] = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fstype, _source, options = line.split(" - ", 1)[1].split()[:3]
            if fstype == "cgroup":
                mounted |= {o.removeprefix("name=") for o in options.split(",")}
    missing = []
    with open("/proc/self/cgroup") as f:
        for line in f:
            number, controllers, _path = line.rstrip("\n").split(":", 2)
            names = [c.removeprefix("name=") for c in controllers.split(",") if c]
            if number != "0" and names and not set(names) & mounted:
                missing.append(controllers)
    return missing


def cgroup_dirs(relative: str) -> list[Path]:
    """Existing `<hierarchy>/<relative>` directories, in every mounted hierarchy."""
    return [h / relative.lstrip("/") for h in cgroup_hierarchies() if (h / relative.lstrip("/")).is_dir()]


def cgroup_pids(relative: str) -> set[int]:
    """Host pids in cgroup `relative` (read from the first hierarchy that has it)."""
    for d in cgroup_dirs(relative):
        procs = d / "cgroup.procs"
        if procs.exists():
            return {int(p) for p in procs.read_text().split()}
    return set()


def freezer_state(relative: str) -> str:
    """FROZEN/THAWED from the v1 freezer, or from cgroup2's cgroup.freeze."""
    for d in cgroup_dirs(relative):
        if (d / "freezer.state").exists():
            return (d / "freezer.state").read_text().strip()
    for d in cgroup_dirs(relative):
        if (d / "cgroup.freeze").exists():
            return "FROZEN" if (d / "cgroup.freeze").read_text().strip() == "1" else "THAWED"
    raise AssertionError(f"no freezer for cgroup {relative}")


@dataclass
class HostProcess:
    pid: int
    comm: str
    state: str
    cmdline: str
    cgroups: list[str]

    def __str__(self) -> str:
        return f"pid {self.pid} [{self.state}] {self.comm}: {self.cmdline} (cgroups {sorted(set(self.cgroups))})"


def host_processes() -> list[HostProcess]:
    procs = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            base = f"/proc/{entry}"
            with open(base + "/stat") as f:
                stat = f.read()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            state = stat[stat.rindex(")") + 2]
            with open(base + "/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(base + "/cgroup") as f:
                cgroups = [line.rstrip("\n").split(":", 2)[2] for line in f if line.count(":") >= 2]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        procs.append(HostProcess(int(entry), comm, state, cmdline, cgroups))
    return procs


def pid_alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_runtime_log(text: str) -> list[dict]:
    """Parses a runtime `--log-format json` file the way the shim does: every
    line one object with string level/msg and an RFC 3339 time (one bad time
    makes the shim give up on the whole file)."""
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        assert isinstance(entry, dict), f"log line {n} is not an object: {line!r}"
        for key in ("level", "msg", "time"):
            assert isinstance(entry.get(key), str), f"log line {n} lacks a string {key!r}: {line!r}"
        assert RFC3339.match(entry["time"]), f"log line {n}: time is not RFC 3339: {line!r}"
        datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        entries.append(entry)
    return entries


def last_error_message(entries: list[dict]) -> str | None:
    """The message the shim reports: the last entry whose level is exactly "error"."""
    errors = [e["msg"].strip() for e in entries if e["level"] == "error"]
    return errors[-1] if errors else None
