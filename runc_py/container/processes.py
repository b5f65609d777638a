"""Waiting for and killing a container's init, which is usually not our
child (it was reparented to the caller when create exited)."""
import os
import time

from runc_py.container.status import process_start_time

SIGKILL = 9


def wait_gone(pid: int, start_time: int | None, timeout: float = 10.0) -> bool:
    """Wait until the process is gone or a zombie; reap it if it is ours."""
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        current = process_start_time(pid)
        if current is None or (start_time is not None and current != start_time):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def reap(pid: int) -> None:
    """Wait for a child of ours (one that may already be reaped)."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, SIGKILL)
    except ProcessLookupError:
        pass
    reap(pid)


def kill_and_wait(pid: int, start_time: int | None) -> None:
    if pid <= 0:
        return
    if start_time is not None and process_start_time(pid) != start_time:
        return  # already gone, or the pid now belongs to someone else
    try:
        os.kill(pid, SIGKILL)
    except ProcessLookupError:
        return
    wait_gone(pid, start_time)
