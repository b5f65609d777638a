"""Drive a runtime only through the runc command line.

Every call runs in its own session with a timeout; stdout and stderr go to
files, never pipes, because a container started by `create` inherits the
runtime's stdio and would hold a pipe open long after the runtime exits.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import tempfile
from typing import Callable


@dataclasses.dataclass
class Result:
    argv: list[str]
    rc: int | None          # None when the call timed out
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def timed_out(self) -> bool:
        return self.rc is None

    def describe(self) -> str:
        """One line for a failure report: the command, its status and stderr."""
        status = "timed out" if self.timed_out else f"exit {self.rc}"
        err = " ".join(self.err.split())
        err = err if len(err) <= 400 else "..." + err[-400:]  # the reason is at the end
        return status + (f": {err}" if err else "") + f" (`{' '.join(self.argv)}`)"


class Runtime:
    """One runtime executable with its private --root."""

    def __init__(self, exe: str, root: str, timeout: float) -> None:
        path = shutil.which(exe)
        if path is None:
            raise FileNotFoundError(f"runtime not found or not executable: {exe}")
        self.exe = os.path.abspath(path)
        self.root = root
        self.timeout = timeout

    def call(self, *args: str, stdout: str | None = None, stderr: str | None = None,
             timeout: float | None = None, cwd: str | None = None,
             preexec: Callable[[], None] | None = None) -> Result:
        """Run `<exe> --root <root> <args>`.

        With `stdout`/`stderr` paths the streams go to those files (the
        container inherits them); otherwise to scratch files read back here.
        `preexec` runs in the child before exec (e.g. to set what the
        runtime, and so the container, inherits).
        """
        argv = [self.exe, "--root", self.root, *args]
        with tempfile.TemporaryDirectory(prefix="oct-call-") as scratch:
            out_path = stdout or os.path.join(scratch, "out")
            err_path = stderr or os.path.join(scratch, "err")
            with open(out_path, "ab") as out, open(err_path, "ab") as err:
                start_out, start_err = out.tell(), err.tell()
                try:
                    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                            start_new_session=True, cwd=cwd, preexec_fn=preexec)
                except OSError as exc:
                    return Result(argv, 127, "", str(exc))
                try:
                    rc: int | None = proc.wait(timeout=timeout or self.timeout)
                except subprocess.TimeoutExpired:
                    _kill_group(proc.pid)
                    proc.wait()
                    rc = None
            return Result(argv, rc, _read_from(out_path, start_out), _read_from(err_path, start_err))

    def state(self, cid: str) -> tuple[dict | None, Result]:
        """`state <id>` parsed, or None when it failed or printed no JSON object."""
        res = self.call("state", cid)
        if not res.ok:
            return None, res
        try:
            doc = json.loads(res.out)
        except ValueError:
            return None, res
        return (doc if isinstance(doc, dict) else None), res


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _read_from(path: str, offset: int) -> str:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")
