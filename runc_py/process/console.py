"""The container's terminal: a pty made inside the container's own devpts,
its master sent to the caller over --console-socket with SCM_RIGHTS (one
message whose data is the name "/dev/ptmx", as runc sends), its slave made
the process's stdio and controlling terminal.

Imported by the parent before fork, so the init needs no import later.
"""
import fcntl
import os
import socket
import struct
import termios

from runc_py.errors import RuncPyError


def connect_console_socket(path: str) -> int:
    """Connect to the caller's socket (before pivot_root: it is a host path)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as err:
        sock.close()
        raise RuncPyError(f"connect to console socket {path}: {err.strerror}") from None
    return sock.detach()


def attach_terminal(console_fd: int, size) -> None:
    """In the init, after pivot_root: make the pty, hand over the master,
    become the slave's session leader with it on fds 0-2."""
    master, slave = os.openpty()
    try:
        if size is not None:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size.height, size.width, 0, 0))
        with socket.socket(fileno=console_fd) as sock:
            socket.send_fds(sock, [b"/dev/ptmx"], [master])
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
    finally:
        os.close(master)
        if slave > 2:
            os.close(slave)
