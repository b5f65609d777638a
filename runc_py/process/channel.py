"""The parent <-> init handshake: one JSON object per line over two pipes.

An error in the child travels back as {"type": "error", "msg": ...} and
becomes the runtime's error in the child's own words.  End of file means
the other side died: the child then gives up at once (so a runtime killed
halfway through create takes its half-made container with it), and the
parent reports that the child died.
"""
import os

from runc_py import jsonio
from runc_py.errors import RuncPyError


class ChannelClosed(RuncPyError):
    def __init__(self) -> None:
        super().__init__("container init exited before finishing its set-up")


class Channel:
    """One end of the handshake (a read fd and a write fd)."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        self._buf = b""

    def send(self, **message) -> None:
        data = (jsonio.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.write_fd, data):]

    def recv(self) -> dict:
        while b"\n" not in self._buf:
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                raise ChannelClosed()
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return jsonio.loads(line)

    def expect(self, kind: str) -> dict:
        """Receive the next message; an error message raises it."""
        msg = self.recv()
        if msg.get("type") == "error":
            raise RuncPyError(msg.get("msg", "container init failed"))
        if msg.get("type") != kind:
            raise RuncPyError(f"container init protocol: expected {kind!r}, got {msg.get('type')!r}")
        return msg

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                os.close(fd)
        self.read_fd = self.write_fd = -1


def channel_pair() -> tuple[Channel, Channel]:
    """(parent end, child end); all four fds are close-on-exec."""
    p2c_r, p2c_w = os.pipe()
    c2p_r, c2p_w = os.pipe()
    return Channel(c2p_r, p2c_w), Channel(p2c_r, c2p_w)
