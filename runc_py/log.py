"""runc-py's log: `--log FILE` and `--log-format text|json`, as runc writes them.

containerd's shim reads the log file after a failed call and keeps the `msg`
of the last `"level":"error"` line, so the JSON layout (level, msg, time in
RFC 3339) is a contract.  Without `--log`, lines go to stderr in the text
layout.  With `--log`, the error is also printed plainly on stderr (runc
does the same), so a person at a terminal still sees it.
"""
import os
import sys
import time

_LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}
_state = {"path": None, "format": "text", "threshold": _LEVELS["warning"]}


def configure(path: str | None, log_format: str, debug: bool) -> None:
    _state["path"] = path or None
    _state["format"] = log_format
    _state["threshold"] = _LEVELS["debug" if debug else "warning"]
    if path and path != "/dev/stderr":
        # runc creates the log file on every call, empty when all went well.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644))
        except OSError:
            pass  # reported when there is something to write


def _line(level: str, msg: str) -> str:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if _state["format"] == "json":
        from runc_py import jsonio

        return jsonio.dumps({"level": level, "msg": msg, "time": now}) + "\n"
    quoted = msg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'time="{now}" level={level} msg="{quoted}"\n'


def _emit(level: str, msg: str) -> None:
    if _LEVELS[level] < _state["threshold"]:
        return
    data = _line(level, msg).encode()
    path = _state["path"]
    if path and path != "/dev/stderr":
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as err:
            os.write(2, f"runc-py: cannot open log file {path}: {err.strerror}\n".encode())
        else:
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            return
    os.write(2, data)


def debug(msg: str) -> None:
    _emit("debug", msg)


def warning(msg: str) -> None:
    _emit("warning", msg)


def error(msg: str) -> None:
    """Log a fatal error; with a log file, also tell the person on stderr."""
    _emit("error", msg)
    if _state["path"] and _state["path"] != "/dev/stderr":
        try:
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()
        except OSError:
            pass
