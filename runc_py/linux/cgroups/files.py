"""Reading and writing cgroup control files.

Every write is one write(2) of the whole value: cgroupfs parses each write
as one request (a devices rule, a "+memory" enable), so a buffered writer
that splits it would change its meaning.  A failure names the file and the
kernel's reason, and, where a config field asked for the write, that field.
"""
import os

from runc_py.errors import RuncPyError


# Control files exist or not by the kernel's choice: never O_CREAT (tests on
# fake trees add it).
WRITE_FLAGS = os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC


class CgroupError(RuncPyError):
    """A cgroup could not be created, configured, joined or removed."""


def reason(errno_: int) -> str:
    """The kernel's reason in lower case, as runc prints it."""
    text = os.strerror(errno_)
    return text[:1].lower() + text[1:]


def write(dirpath: str, name: str, value: str, field: str | None = None) -> None:
    path = f"{dirpath}/{name}"
    try:
        fd = os.open(path, WRITE_FLAGS)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as e:
        raise CgroupError(f'write "{value}" to {path}: {reason(e.errno)}', path=field) from e


def try_write(dirpath: str, name: str, value: str) -> OSError | None:
    """Write, returning the OSError instead of raising it (for writes whose
    failure has a documented retry or fallback)."""
    try:
        fd = os.open(f"{dirpath}/{name}", WRITE_FLAGS)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)
    except OSError as e:
        return e
    return None


def read(dirpath: str, name: str) -> str:
    with open(f"{dirpath}/{name}", encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def read_int(dirpath: str, name: str) -> int:
    """A single-number file; "max" (v2's "no limit") reads as 2**64-1, the
    value runc reports for an unlimited v2 limit."""
    text = read(dirpath, name)
    return 2**64 - 1 if text == "max" else int(text)


def read_keyed(dirpath: str, name: str) -> dict[str, int]:
    """A flat keyed file ("key value" per line: memory.stat, cpu.stat…)."""
    out = {}
    for line in read(dirpath, name).splitlines():
        key, _, value = line.partition(" ")
        if value:
            out[key] = 2**64 - 1 if value == "max" else int(value)
    return out


def exists(dirpath: str, name: str) -> bool:
    return os.path.exists(f"{dirpath}/{name}")
