"""Leave the machine as the case found it, whatever the runtime did.

Order matters: ask the runtime first (`delete --force`), then kill what it
left (the pids the harness learned, then every process in a cgroup the case
created), remove those cgroups, detach mounts under the case directory, and
finally remove the directory.  Each step reports what it had to do, so a
case can tell "the runtime cleaned up" from "the harness had to".
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import time

MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat: tells a live pid from a reused one."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def alive(pid: int, start_time: str | None) -> bool:
    now = process_start_time(pid)
    if now is None:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        return False
    return start_time is None or now == start_time


def cgroup_dirs(roots: list[str]) -> set[str]:
    found = set()
    for root in roots:
        for dirpath, _dirs, _files in os.walk(root):
            found.add(dirpath)
    return found


def kill_pid(pid: int, start_time: str | None) -> bool:
    if not alive(pid, start_time):
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    _wait_gone(lambda: not alive(pid, start_time))
    return True


def remove_cgroups(new_dirs: set[str]) -> list[str]:
    """Kill the processes in each new cgroup, then rmdir deepest first."""
    removed = []
    for d in sorted(new_dirs, key=lambda p: p.count("/"), reverse=True):
        for _ in range(50):
            pids = _read_pids(os.path.join(d, "cgroup.procs"))
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.rmdir(d)
                removed.append(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                _thaw(d)
                time.sleep(0.02)
    return removed


def mounts_under(prefix: str) -> list[str]:
    prefix = prefix.rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point.startswith(prefix):
                found.append(point)
    return found


def unmount_under(prefix: str) -> list[str]:
    done = []
    for _ in range(5):
        points = mounts_under(prefix)
        if not points:
            break
        for point in sorted(points, key=len, reverse=True):
            if _libc.umount2(point.encode(), MNT_DETACH) == 0:
                done.append(point)
    return done


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _read_pids(path: str) -> list[int]:
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _thaw(cgroup_dir: str) -> None:
    """A frozen cgroup never lets its killed processes exit."""
    for name, value in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
        try:
            with open(os.path.join(cgroup_dir, name), "w") as f:
                f.write(value)
        except OSError:
            pass


def _wait_gone(done, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
