"""`run` in the foreground with `process.terminal` and no console socket:
the init sends its pty master to us (over a socketpair, as it would to a
console socket) and we copy between it and our own stdio, with our terminal
in raw mode so that keys reach the container untouched."""
import os
import socket
import termios
import threading
import tty


class TerminalProxy:
    def __init__(self) -> None:
        self._ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.container_end = theirs.detach()
        os.set_inheritable(self.container_end, False)
        self._master = -1
        self._saved_tty = None

    def close_container_end(self) -> None:
        if self.container_end >= 0:
            os.close(self.container_end)
            self.container_end = -1

    def start(self) -> None:
        _, fds, _, _ = socket.recv_fds(self._ours, 64, 1)
        self._ours.close()
        self._master = fds[0]
        if os.isatty(0):
            self._saved_tty = termios.tcgetattr(0)
            tty.setraw(0)
            _copy_window_size(0, self._master)
        threading.Thread(target=_pump, args=(0, self._master), daemon=True).start()
        threading.Thread(target=_pump, args=(self._master, 1), daemon=True).start()

    def stop(self) -> None:
        if self._saved_tty is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, self._saved_tty)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1


def _copy_window_size(src: int, dst: int) -> None:
    import fcntl

    fcntl.ioctl(dst, termios.TIOCSWINSZ, fcntl.ioctl(src, termios.TIOCGWINSZ, b"\0" * 8))


def _pump(src: int, dst: int) -> None:
    try:
        while True:
            data = os.read(src, 65536)
            if not data:
                return
            while data:
                data = data[os.write(dst, data):]
    except OSError:
        return  # EIO once the container's side of the pty is closed
