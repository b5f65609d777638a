"""The waiter: a tiny static program a created container's init execs to wait
for `start` (csrc/waiter/waiter.c documents its argv).

The Python init does the whole set-up, then becomes the waiter, which holds
well under 1 MiB where the interpreter holds ~13 MiB; on start it resets the
signal dispositions and execs the user's program.  The runtime hands the init
a sealed memfd copy of the binary rather than the installed file: once the
user's program runs, a process in the container could open /proc/1/exe of
the init (or of any process while it still was the waiter) and write through
it to the host's binary (the CVE-2019-5736 class).  Sealed, there is nothing
to write to, and exec'ing from an fd looks up no path inside the container.

The waiter can finish a container's start when nothing else must run in the
init between start and the user's program: see `waiter_can_finish`.
"""
import errno
import fcntl
import os

from runc_py._csys import ffi, lib
from runc_py.errors import reason
from runc_py.linux import sys as linux_sys
from runc_py.process.finalize import PR_SET_NO_NEW_PRIVS

WAITER_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_waiter")
WAITER_NAME = "runc-py-init"
AT_EMPTY_PATH = 0x1000
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def open_waiter() -> int:
    """In the runtime, before the fork: a close-on-exec fd of a sealed,
    read-only memfd holding the waiter binary."""
    memfd = os.memfd_create(WAITER_NAME, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        src = os.open(WAITER_PATH, os.O_RDONLY | os.O_CLOEXEC)
        try:
            size = os.fstat(src).st_size
            copied = 0
            while copied < size:
                n = os.sendfile(memfd, src, copied, size - copied)
                if n == 0:
                    raise OSError(errno.EIO, f"{WAITER_PATH}: shrank while copied")
                copied += n
        finally:
            os.close(src)
        fcntl.fcntl(memfd, fcntl.F_ADD_SEALS, SEALS)
    except BaseException:
        os.close(memfd)
        raise
    return memfd


def waiter_can_finish(ctx) -> bool:
    """Whether the waiter can do all that is left after start for this init:
    no startContainer hooks (run by the init after start), no LSM exec label
    (applied just before the final execve), no seccomp filter.  A filter
    loaded before the wait (the no_new_privs-less case) would also have to
    allow the waiter's own system calls (execveat, static libc start-up,
    poll, read, rt_sigaction...), which a profile written for runc need not;
    a no_new_privs filter is loaded after start, which the waiter does not do."""
    return not ctx.hooks_start_container and ctx.lsm is None and ctx.seccomp is None


def exec_waiter(waiter_fd: int, fifo_fd: int, exe: str, args: list[str], env: list[str],
                no_new_privs: bool) -> None:
    """In the init, once everything but the wait is done (uid, capabilities,
    cwd, close-on-exec on all but stdio and the preserved fds): become the
    waiter.  Returns only by raising OSError (ValueError for a NUL in a
    string), with the fifo fd as it was, so the caller can still wait in
    Python.

    The fifo fd keeps its number: it cannot collide with a preserved fd (both
    are open in this process), and the waiter closes it before the user's
    program starts, exactly as the Python wait does.  `env` reaches the user's
    program entry for entry, in order.  no_new_privs is set here, before the
    first execve, so the capability sets after both execs equal those after
    one (waiter.c explains the case that differs otherwise)."""
    arg_strings = _c_strings([WAITER_NAME, str(fifo_fd), exe, "--", *args])
    env_strings = _c_strings(env)
    argv = ffi.new("char *[]", [*arg_strings, ffi.NULL])
    envp = ffi.new("char *[]", [*env_strings, ffi.NULL])
    if no_new_privs:
        linux_sys.prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.set_inheritable(fifo_fd, True)
    rc = lib.rp_execveat(waiter_fd, b"", argv, envp, AT_EMPTY_PATH)
    os.set_inheritable(fifo_fd, False)
    raise OSError(-rc, f"execveat {WAITER_NAME}: {reason(-rc)}")


def _c_strings(values: list[str]) -> list:
    """NUL-terminated C strings, encoded as os.execve encodes (surrogates
    back to the bytes they came from); an embedded NUL would cut the string
    short silently, so it is refused as os.execve refuses it."""
    out = []
    for value in values:
        raw = os.fsencode(value)
        if b"\0" in raw:
            raise ValueError(f"embedded null byte: {value!r}")
        out.append(ffi.new("char[]", raw))
    return out
