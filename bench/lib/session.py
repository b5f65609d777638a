"""One benchmark run: its temp dir, the containers it made, and their cleanup.

Every id is written in the ledger before its `create` is launched and leaves it
only after a successful `delete`, so cleanup (which always runs) knows what may
remain even after a failure or a Ctrl-C halfway through a create.
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import proc
from .proc import StepFailed
from .runtimes import Runtime

CLEANUP_TIMEOUT = 30.0


class Session:
    def __init__(self, timeout: float):
        self.token = "rpb" + secrets.token_hex(3)
        self.workdir = tempfile.mkdtemp(prefix=f"runc-py-bench-{self.token}-")
        self.timeout = timeout
        self.runtimes: list[Runtime] = []
        self._lock = threading.Lock()
        self._live: dict[str, set[str]] = {}
        self._inits: dict[int, int | None] = {}
        self._serial = itertools.count()
        for sub in ("io", "pids", "roots"):
            os.mkdir(os.path.join(self.workdir, sub))

    # -- names and scratch files -------------------------------------------
    def path(self, *parts: str) -> str:
        return os.path.join(self.workdir, *parts)

    def new_id(self, rt: Runtime, label: str) -> str:
        """A fresh container id naming its runtime, so that a leftover (a cgroup,
        say) tells whose it is."""
        return f"{self.token}-{rt.name}-{label}-{next(self._serial)}"

    def scratch(self, kind: str) -> str:
        """A per-thread file for a child's stderr or stdout."""
        return self.path("io", f"{threading.get_ident()}.{kind}")

    def adopt(self, rt: Runtime) -> None:
        """Give a runtime its private --root inside this run's temp dir."""
        rt.root = self.path("roots", rt.name)
        self.runtimes.append(rt)
        self._live[rt.name] = set()

    # -- runtime steps -------------------------------------------------------
    def run(self, rt: Runtime, step: str, *args: str, capture: bool = False,
            timeout: float | None = None, check: bool = True, via: tuple[str, ...] = ()) -> proc.Completed:
        """One runtime command; `via` goes in front (e.g. python -X importtime)."""
        return proc.run_timed([*via, *rt.argv(*args)], who=rt.name, step=step,
                              err_path=self.scratch("err"),
                              out_path=self.scratch("out") if capture else None,
                              timeout=timeout or self.timeout, check=check)

    def create(self, rt: Runtime, cid: str, bundle: str, step: str = "create",
               via: tuple[str, ...] = ()) -> tuple[int, int]:
        """Create a container; return (wall ns, pid of its init)."""
        with self._lock:
            self._live[rt.name].add(cid)
        pid_file = self.path("pids", f"{cid}.pid")
        done = self.run(rt, step, "create", "--bundle", bundle, "--pid-file", pid_file, cid, via=via)
        try:
            with open(pid_file) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError) as e:
            raise StepFailed(rt.name, step, rt.argv("create", cid), f"no usable --pid-file: {e}") from None
        with self._lock:
            self._inits[pid] = proc.start_time(pid)
        return done.ns, pid

    def state(self, rt: Runtime, cid: str, expect: str, step: str = "state") -> int:
        """`state ID`; checks the printed OCI state and returns the wall ns."""
        done = self.run(rt, step, "state", cid, capture=True)
        try:
            status = json.loads(done.stdout)["status"]
        except (ValueError, KeyError, TypeError):
            raise StepFailed(rt.name, step, rt.argv("state", cid),
                             f"printed no OCI state JSON: {done.stdout[:300]!r}") from None
        if status != expect:
            raise StepFailed(rt.name, step, rt.argv("state", cid),
                             f"status is {status!r}, expected {expect!r}")
        return done.ns

    def wait_stopped(self, rt: Runtime, pid: int, step: str = "wait") -> int:
        """Wait for the container process to exit (it is our child: we are its
        subreaper) and return the wall ns from the call to its reaping."""
        t0 = time.perf_counter_ns()
        try:
            status = proc.wait_exit(pid, self.timeout)
        except (ChildProcessError, TimeoutError) as e:
            raise StepFailed(rt.name, step, [f"wait for pid {pid}"], str(e)) from None
        ns = time.perf_counter_ns() - t0
        with self._lock:
            self._inits.pop(pid, None)
        if status != 0:
            raise StepFailed(rt.name, step, [f"wait for pid {pid}"],
                             f"container process {proc.describe_status(status)}")
        return ns

    def delete(self, rt: Runtime, cid: str, step: str = "delete", timeout: float | None = None,
               check: bool = True, via: tuple[str, ...] = ()) -> proc.Completed:
        done = self.run(rt, step, "delete", "--force", cid, timeout=timeout, check=check, via=via)
        if done.status == 0:
            with self._lock:
                self._live[rt.name].discard(cid)
        return done

    def release_reaped(self) -> None:
        """Reap exited container processes (after a delete of created ones)."""
        proc.reap_zombies()
        with self._lock:
            for pid, started in list(self._inits.items()):
                if not proc.is_alive(pid, started):
                    del self._inits[pid]

    # -- what is left behind -------------------------------------------------
    def leftovers(self) -> list[str]:
        """Everything of ours still on the machine: state dirs, container
        processes, mounts, cgroups. Call when no runtime process is in flight."""
        self.release_reaped()
        found = [f"{rt.name}: state dir {os.path.join(rt.root, cid)}"
                 for rt in self.runtimes for cid in self._state_dirs(rt)]
        with self._lock:
            inits = dict(self._inits)
        found += [f"process {pid} (a container init) still alive" for pid, st in inits.items()
                  if proc.is_alive(pid, st)]
        found += [f"process {pid} (re-parented to the bench) still alive" for pid in proc.our_children()
                  if pid not in inits]
        found += [f"mount {m}" for m in proc.mounts_under(self.workdir)]
        by_name: dict[str, list[str]] = {}
        for d in self._cgroup_dirs():
            by_name.setdefault(os.path.basename(d), []).append(d)
        found += [f"cgroup {name} in {len(dirs)} hierarchies, e.g. {dirs[0]}" for name, dirs in by_name.items()]
        return found

    def assert_clean(self, after: str) -> None:
        problems = self.leftovers()
        if problems:
            raise StepFailed("bench", f"leftover check after {after}", [],
                             f"{len(problems)} thing(s) left behind", "\n".join(problems))

    def _state_dirs(self, rt: Runtime) -> set[str]:
        """Entries of a runtime's root named after our ids (a runtime may keep
        other files there, such as a lock)."""
        if not os.path.isdir(rt.root):
            return set()
        return {e for e in os.listdir(rt.root) if e.startswith(self.token)}

    def _cgroup_dirs(self) -> list[str]:
        """Cgroup directories whose name carries our token, deepest first."""
        found = []
        for root in _cgroup_mounts():
            base = root.count(os.sep)
            for dirpath, dirnames, _ in os.walk(root):
                if dirpath.count(os.sep) - base >= 6:
                    dirnames.clear()
                found += [os.path.join(dirpath, d) for d in dirnames if self.token in d]
        return sorted(found, key=len, reverse=True)

    # -- cleanup ------------------------------------------------------------
    def cleanup(self) -> tuple[list[str], list[str]]:
        """Delete every container we may have made, kill strays, unmount, remove
        our cgroups and temp dir. Returns (what the runtimes' own `delete --force`
        left for the bench to remove, what is still on the machine)."""
        failures = self._delete_remaining()
        forced = self.leftovers() + failures
        self._kill_strays()
        for point in proc.mounts_under(self.workdir):
            try:
                proc.lazy_umount(point)
            except OSError as e:
                forced.append(str(e))
        forced += self._remove_cgroups()
        if not proc.mounts_under(self.workdir):   # never rmtree across a mount
            shutil.rmtree(self.workdir, ignore_errors=True)
        remaining = self.leftovers()
        if os.path.exists(self.workdir):
            remaining.append(f"temp dir {self.workdir}")
        return forced, remaining

    def _remove_cgroups(self) -> list[str]:
        """rmdir our cgroups; a just-killed task keeps its cgroup busy for a moment
        after it is reaped, so EBUSY is retried for a few seconds."""
        deadline = time.monotonic() + 5
        while True:
            failures = []
            for d in self._cgroup_dirs():
                try:
                    os.rmdir(d)
                except OSError as e:
                    failures.append((d, e))
            if not any(e.errno == errno.EBUSY for _, e in failures) or time.monotonic() > deadline:
                return [f"rmdir {d}: {e.strerror}" for d, e in failures]
            time.sleep(0.05)

    def _delete_remaining(self) -> list[str]:
        """`delete --force` every id that may exist; the words of those whose
        state dir survives (an id whose create failed early may never have had one)."""
        jobs = []
        for rt in self.runtimes:
            with self._lock:
                jobs += [(rt, cid) for cid in sorted(self._live[rt.name] | self._state_dirs(rt))]

        def delete(job):
            rt, cid = job
            try:
                done = self.delete(rt, cid, step="cleanup delete", timeout=CLEANUP_TIMEOUT, check=False)
            except StepFailed as e:
                return e.report()
            if done.status != 0 and os.path.exists(os.path.join(rt.root, cid)):
                return (f"{rt.name} delete --force {cid}: {proc.describe_status(done.status)}: "
                        + proc.read_tail(self.scratch("err"), 400).strip())
            return None

        with ThreadPoolExecutor(max_workers=16) as pool:
            return [f for f in pool.map(delete, jobs) if f]

    def _kill_strays(self) -> None:
        with self._lock:
            inits = dict(self._inits)
        strays = [pid for pid, started in inits.items() if proc.is_alive(pid, started)]
        for pid in strays + proc.our_children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.release_reaped()
            if not proc.our_children() and not self._inits:
                return
            time.sleep(0.02)


def _cgroup_mounts() -> list[str]:
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] in ("cgroup", "cgroup2"):
                points.append(left.split()[4])
    return points
