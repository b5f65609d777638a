"""Fixtures for cgroup tests on this host's real hierarchies.

Every cgroup is placed at /runc-py-test-<random>[/…] in each hierarchy; the
fixtures kill the processes the test started (by pid), destroy what the
managers created, and then check that no runc-py-test-<random> directory is
left in any hierarchy — also when the test failed.
"""
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "cgroups"))

from runc_py.linux.cgroups import CgroupError, open_cgroup  # noqa: E402
from runc_py.linux.cgroups.detect import detect_host  # noqa: E402

CGROUP_ROOT = "/sys/fs/cgroup"
BUSYBOX = "/bin/busybox"

pytestmark = pytest.mark.integration


def hierarchies() -> list[str]:
    return sorted(str(p) for p in Path(CGROUP_ROOT).iterdir() if p.is_dir())


def leftovers(name: str) -> list[str]:
    return [f"{h}/{name}" for h in hierarchies() if os.path.exists(f"{h}/{name}")]


@pytest.fixture(autouse=True)
def _needs_root_and_cgroups():
    if os.geteuid() != 0:
        pytest.fail("cgroup integration tests need root")
    detect_host()


class Lab:
    """Makes managers and processes for one test and cleans them up."""

    def __init__(self):
        self.name = f"runc-py-test-{secrets.token_hex(4)}"
        self.managers = []
        self.procs: list[subprocess.Popen] = []
        self.extra_dirs: list[str] = []  # made by the test itself, removed last

    def path(self, *parts: str) -> str:
        return "/" + "/".join((self.name,) + parts)

    def manager(self, resources=None, *parts: str, **kw):
        mgr = open_cgroup("ctr-" + self.name, self.path(*(parts or ("ctr",))), resources, **kw)
        self.managers.append(mgr)
        return mgr

    def spawn(self, mgr, argv: list[str], **kw) -> subprocess.Popen:
        """Start argv inside mgr's cgroups: the child joins (cgroup.procs
        accepts "0" for the writer) before it execs."""
        proc = subprocess.Popen(argv, preexec_fn=lambda: mgr.add_process(0), **kw)
        self.procs.append(proc)
        return proc

    def cleanup(self) -> list[str]:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        problems = []
        for mgr in reversed(self.managers):
            if mgr.is_frozen():
                mgr.thaw()
            try:
                for pid in mgr.pids():  # children the test's processes left behind
                    os.kill(pid, 9)
                time.sleep(0.05)
                mgr.destroy()
            except (CgroupError, FileNotFoundError) as e:
                problems.append(str(e))
        for d in reversed(self.extra_dirs):
            if os.path.isdir(d):
                os.rmdir(d)
        return problems + [f"left behind: {d}" for d in leftovers(self.name)]


@pytest.fixture
def lab():
    lab = Lab()
    try:
        yield lab
    finally:
        problems = lab.cleanup()
    assert not problems, problems


def wait_for(predicate, timeout: float = 5.0, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def assert_freeze_stops_and_thaw_resumes(lab, mgr, counter: Path, frozen_in_files) -> None:
    """A busy loop in `mgr`'s cgroup stops counting while the cgroup is frozen
    (`frozen_in_files()` checks the cgroup's own files say so) and counts again
    once it is thawed."""
    lab.spawn(mgr, [BUSYBOX, "sh", "-c", f"i=0; while true; do i=$((i+1)); echo $i > {counter}; done"])
    assert wait_for(lambda: counter.exists() and counter.read_text().strip().isdigit())
    mgr.freeze()
    assert mgr.is_frozen() and frozen_in_files()
    frozen_at = counter.read_text()
    time.sleep(0.3)
    assert counter.read_text() == frozen_at
    mgr.thaw()
    assert not mgr.is_frozen()
    assert wait_for(lambda: counter.read_text() not in ("", frozen_at))
