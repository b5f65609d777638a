"""Waiting for OOM kills in a container's memory cgroup (for `events`).

v1: an eventfd registered on memory.oom_control through
    cgroup.event_control; each read returns how many OOM events fired.  The
    kernel also signals it when the cgroup is removed, which ends the watch.
v2: the oom_kill counter in memory.events; the kernel announces every
    change of that file to poll() (POLLPRI), so we sleep in poll and report
    the counter's growth.
"""
import os
import select

from runc_py.linux.cgroups import files
from runc_py.linux.cgroups.files import CgroupError


class OomWatcherV1:
    def __init__(self, memory_dir: str):
        self.dir = memory_dir
        self._efd = os.eventfd(0, os.EFD_CLOEXEC)
        try:
            self._ctl = os.open(f"{memory_dir}/memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            os.close(self._efd)
            raise CgroupError(f"open {memory_dir}/memory.oom_control: {files.reason(e.errno)}") from e
        try:
            files.write(memory_dir, "cgroup.event_control", f"{self._efd} {self._ctl}")
        except CgroupError:
            self.close()
            raise
        self.closed = False

    def fileno(self) -> int:
        return self._efd

    def wait(self, timeout: float | None = None) -> int | None:
        """Number of OOM events since the last call (0 on timeout), or None
        once the cgroup is gone."""
        ready, _, _ = select.select([self._efd], [], [], timeout)
        if not ready:
            return 0
        count = int.from_bytes(os.read(self._efd, 8), "little")
        if not os.path.exists(f"{self.dir}/cgroup.event_control"):
            return None
        return count

    def close(self) -> None:
        for fd in (getattr(self, "_ctl", -1), self._efd):
            if fd >= 0:
                os.close(fd)
        self._ctl = self._efd = -1
        self.closed = True


class OomWatcherV2:
    def __init__(self, cgroup_dir: str):
        self.dir = cgroup_dir
        try:
            self._fd = os.open(f"{cgroup_dir}/memory.events", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise CgroupError(f"open {cgroup_dir}/memory.events: {files.reason(e.errno)}") from e
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLPRI | select.POLLERR)
        self._seen = self._count()
        self.closed = False

    def fileno(self) -> int:
        return self._fd

    def _count(self) -> int | None:
        os.lseek(self._fd, 0, os.SEEK_SET)
        try:
            text = os.read(self._fd, 4096).decode()
        except OSError:
            return None  # ENODEV: the cgroup was removed
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def wait(self, timeout: float | None = None) -> int | None:
        """As OomWatcherV1.wait."""
        self._poll.poll(None if timeout is None else timeout * 1000)
        count = self._count()
        if count is None or not os.path.isdir(self.dir):
            return None
        new, self._seen = count - self._seen, count
        return max(new, 0)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        self.closed = True
