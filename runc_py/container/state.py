"""The state store: one directory per container under --root.

    <root>/<id>/state.json   the record (written to a temp file, renamed over)
    <root>/<id>/exec.fifo    exists from create until start

Every operation that changes a container (create, start, kill, delete,
pause...) holds an exclusive flock on its directory for its whole duration,
so they never interleave.  Readers (state, list) take no lock: the record
is replaced by rename, so a read sees a whole record, and a reader must not
wait behind a create in progress (runc reports "creating" then).  The record holds facts (pid, start time, bundle, cgroup
paths...); the status is derived from the live system by `status.py`.
"""
import fcntl
import os

from runc_py import jsonio
from runc_py.container.ids import validate_container_id
from runc_py.errors import ContainerNotFound, RuncPyError, reason

STATE_FILE = "state.json"
EXEC_FIFO = "exec.fifo"


class LockedContainer:
    """A container directory whose lock this process holds.  Use as a
    context manager; the lock is released on exit."""

    def __init__(self, container_id: str, path: str, fd: int):
        self.id = container_id
        self.path = path
        self._fd = fd

    @property
    def fifo_path(self) -> str:
        return self.path + "/" + EXEC_FIFO

    def read(self) -> dict:
        return read_record(self.path, self.id)

    def write(self, record: dict) -> None:
        write_file_atomically(self.path + "/" + STATE_FILE, jsonio.dumps(record).encode(), 0o600)

    def remove(self) -> None:
        """Remove the directory and what the runtime put in it."""
        for name in os.listdir(self.path):
            os.unlink(self.path + "/" + name)
        os.rmdir(self.path)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the only fd releases the flock
            self._fd = -1

    def __enter__(self) -> "LockedContainer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_record(container_dir: str, container_id: str) -> dict:
    try:
        with open(container_dir + "/" + STATE_FILE, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ContainerNotFound(container_id) from None
    try:
        return jsonio.loads(data)
    except ValueError as err:
        raise RuncPyError(f"container {container_id}: corrupt {STATE_FILE}: {err}") from None


def write_file_atomically(path: str, data: bytes, mode: int) -> None:
    """Readers see the old content or the new one, never a part: write a
    temp file beside the target and rename it over the target.  No fsync
    (as runc): the records describe live processes and normally sit on
    /run, a tmpfs; after a crash there is nothing left for them to describe,
    while an fsync costs a disk flush on every state change of a --root on
    disk."""
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        os.write(fd, data)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    os.rename(tmp, path)


class StateStore:
    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def _dir(self, container_id: str) -> str:
        return self.root + "/" + validate_container_id(container_id)

    def create(self, container_id: str) -> LockedContainer:
        """Make and lock a new container directory; the id must be free."""
        path = self._dir(container_id)
        try:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
            os.mkdir(path, 0o711)
        except FileExistsError:
            raise RuncPyError(f"container with id exists: {container_id}") from None
        except OSError as err:
            raise RuncPyError(f"cannot create container state in --root {self.root}: {reason(err.errno)}") from None
        try:
            return self._lock(container_id, path)
        except BaseException:
            os.rmdir(path)
            raise

    def open(self, container_id: str) -> LockedContainer:
        """Lock an existing container's directory."""
        path = self._dir(container_id)
        try:
            return self._lock(container_id, path)
        except FileNotFoundError:
            raise ContainerNotFound(container_id) from None

    def peek(self, container_id: str) -> tuple[dict, str]:
        """(record, container dir) without taking the lock; see above."""
        path = self._dir(container_id)
        return read_record(path, container_id), path

    @staticmethod
    def _lock(container_id: str, path: str) -> LockedContainer:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A concurrent delete may have removed the directory while we waited.
        if os.fstat(fd).st_nlink == 0:
            os.close(fd)
            raise ContainerNotFound(container_id)
        return LockedContainer(container_id, path, fd)

    def ids(self) -> list[str]:
        try:
            return sorted(e.name for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False))
        except FileNotFoundError:
            return []
