"""What a case sees: one runtime, one bundle, helpers for the lifecycle calls,
and a list of checks.  The harness cleans up after it whatever happens."""
from __future__ import annotations

import os
import re
import time
from typing import Callable

from . import bundle as bundles
from . import cleanup, expect
from .host import Host
from .runtime import Result, Runtime


class CaseFailed(Exception):
    """A check the rest of the case depends on failed."""


class CaseSkipped(Exception):
    """The host lacks what the case needs (the message names the limit)."""


def reap_children() -> None:
    """The harness is a child subreaper (like a containerd shim): reap exited
    container processes so a runtime sees them as gone, not as zombies."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class CaseContext:
    def __init__(self, name: str, rt: Runtime, host: Host, template: bundles.RootfsTemplate,
                 workdir: str, token: str) -> None:
        self.name = name
        self.rt = rt
        self.host = host
        self.template = template
        self.token = token
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.id = f"{token}-{name.replace('_', '-')}"
        self.bundle = self.new_bundle("bundle")
        self.config = bundles.default_config()
        self.checks: list[tuple[bool, str, str]] = []
        self.ids: list[str] = []              # every id handed to create
        self.pids: dict[int, str | None] = {}  # learned pid -> start time
        self.extra_expect: list[str] = []      # case-specific checker lines

    # -- checks ---------------------------------------------------------------
    def check(self, cond: bool, what: str, detail: str = "") -> bool:
        self.checks.append((bool(cond), what, "" if cond else detail))
        return bool(cond)

    def require(self, cond: bool, what: str, detail: str = "") -> None:
        if not self.check(cond, what, detail):
            raise CaseFailed(what)

    def expect_ok(self, res: Result, what: str) -> bool:
        return self.check(res.ok, what, res.describe())

    def require_ok(self, res: Result, what: str) -> None:
        self.require(res.ok, what, res.describe())

    def expect_error(self, res: Result, what: str) -> bool:
        """The spec's "MUST generate an error": a non-zero exit, in time."""
        return self.check(res.rc not in (0, None), what, res.describe())

    def skip(self, reason: str) -> None:
        raise CaseSkipped(reason)

    # -- bundles ----------------------------------------------------------------
    def new_bundle(self, name: str) -> str:
        path = os.path.join(self.dir, name)
        os.makedirs(path)
        self.template.populate(os.path.join(path, "rootfs"))
        return path

    def cgroups_path(self, suffix: str = "") -> str:
        """An absolute cgroupsPath unique to this run and case."""
        return f"/{self.id}{suffix}"

    def write(self, config: dict | None = None, bundle: str | None = None) -> None:
        bundle = bundle or self.bundle
        config = config if config is not None else self.config
        bundles.write_config(bundle, config)
        lines = expect.expectations(config, self.host) + self.extra_expect
        with open(os.path.join(bundle, "rootfs", bundles.EXPECT_PATH.lstrip("/")), "w") as f:
            f.write("\n".join(lines) + "\n")

    # -- lifecycle --------------------------------------------------------------
    def create(self, cid: str | None = None, bundle: str | None = None,
               pid_file: str | None = None, config: dict | None = None,
               write: bool = True, cwd: str | None = None,
               preexec: Callable[[], None] | None = None) -> Result:
        cid = cid or self.id
        bundle = bundle or self.bundle
        if write:
            self.write(config, bundle)
        self.ids.append(cid)
        args = ["create", "--bundle", bundle]
        if pid_file:
            args += ["--pid-file", pid_file]
        res = self.rt.call(*args, cid, stdout=os.path.join(bundle, "stdout"),
                           stderr=os.path.join(bundle, "stderr"), cwd=cwd, preexec=preexec)
        self.learn_pid(cid)
        return res

    def learn_pid(self, cid: str) -> int | None:
        doc, _ = self.rt.state(cid)
        pid = doc.get("pid") if doc else None
        if isinstance(pid, int) and pid > 0 and pid not in self.pids:
            self.pids[pid] = cleanup.process_start_time(pid)
        return pid if isinstance(pid, int) else None

    def start(self, cid: str | None = None) -> Result:
        res = self.rt.call("start", cid or self.id)
        reap_children()
        return res

    def kill(self, signal: str, cid: str | None = None) -> Result:
        res = self.rt.call("kill", cid or self.id, signal)
        reap_children()
        return res

    def delete(self, cid: str | None = None, force: bool = False) -> Result:
        return self.rt.call("delete", *(["--force"] if force else []), cid or self.id)

    def state(self, cid: str | None = None) -> tuple[dict | None, Result]:
        reap_children()
        return self.rt.state(cid or self.id)

    def wait_status(self, status: str, cid: str | None = None, timeout: float = 10.0) -> dict | None:
        """Poll `state` until it reports `status`; the last state seen, or None."""
        deadline = time.monotonic() + timeout
        doc = None
        while time.monotonic() < deadline:
            doc, res = self.state(cid)
            if doc is not None and doc.get("status") == status:
                return doc
            if res.timed_out:
                break
            time.sleep(0.02)
        return doc if doc is not None and doc.get("status") == status else None

    def stdout(self, bundle: str | None = None) -> str:
        with open(os.path.join(bundle or self.bundle, "stdout"), errors="replace") as f:
            return f.read()

    # -- the in-container checker ------------------------------------------------
    def run_checker(self, config: dict | None = None,
                    preexec: Callable[[], None] | None = None) -> str:
        """Create, start, wait for stopped, delete; turn the checker's TAP into checks.

        Returns the container's stdout.
        """
        self.require_ok(self.create(config=config, preexec=preexec), "create succeeds")
        self.require_ok(self.start(), "start succeeds")
        self.require(self.wait_status("stopped") is not None, "container reaches 'stopped'",
                     "state never reported stopped within 10 s")
        out = self.stdout()
        self.add_tap(out)
        self.expect_ok(self.delete(), "delete of the stopped container succeeds")
        return out

    def add_tap(self, out: str) -> None:
        tests = re.findall(r"^(ok|not ok) \d+ - (.*)$", out, re.M)
        got = dict(re.findall(r"^not ok \d+ - (.*)\n  ---\n  got: (.*)$", out, re.M))
        complete = re.search(r"^1\.\.(\d+)$", out, re.M)
        self.require(bool(tests) and complete is not None and int(complete.group(1)) == len(tests),
                     "in-container checker ran to completion",
                     f"checker output: {out[-300:]!r}" + self._stderr_tail())
        for verdict, what in tests:
            self.check(verdict == "ok", what, got.get(what, ""))

    def _stderr_tail(self) -> str:
        try:
            with open(os.path.join(self.bundle, "stderr"), errors="replace") as f:
                err = f.read().strip()
        except OSError:
            return ""
        return f"; stderr: {err[-300:]!r}" if err else ""
