"""Fixtures: one private containerd per session, a busybox rootfs and image,
and a per-test `ctr` client bound to one runtime binary (runc or runc-py)."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import warnings
from pathlib import Path

import pytest

from ctrd_harness import (CTR, CONTAINERD, DEFAULT_TIMEOUT, LineReader, PrivateContainerd, host_dirs_before,
                          new_base_dir, run, run_in_tty, sweep_abandoned, teardown, wait_for)
from ctrd_probes import cgroup_dirs, host_processes, mounts_under
from ctrd_rootfs import build_busybox_rootfs, build_oci_image_archive

REPO = Path(__file__).resolve().parents[3]
RUNTIMES = {
    "runc": Path("/usr/sbin/runc"),
    "runc-py": REPO / ".venv" / "bin" / "runc-py",
}
IMAGE_REF = "localhost/runc-py-tests/busybox:latest"


def selected_runtimes() -> list[str]:
    """Every test runs through the shim with runc, the reference, and with
    runc-py: the same assertions hold for both."""
    return ["runc", "runc-py"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def containerd():
    """A private containerd for the whole session; on teardown, proves that
    nothing it or the runtimes created is left on the host."""
    for tool in (CONTAINERD, CTR):
        assert os.access(tool, os.X_OK), f"{tool} is missing: install Debian's containerd package"
    assert os.geteuid() == 0, "containerd tests need root"
    for problem in sweep_abandoned():
        warnings.warn(problem)
    host_dirs = host_dirs_before()
    base = new_base_dir()
    ctrd = PrivateContainerd(base, namespace=f"runc-py-tests-{os.getpid()}")
    try:
        ctrd.start()
        yield ctrd
    finally:
        problems = teardown(ctrd, host_dirs)
        assert not problems, "containerd session left things behind:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def busybox_rootfs(containerd) -> Path:
    return build_busybox_rootfs(containerd.base / "busybox-rootfs")


@pytest.fixture(scope="session")
def busybox_image(containerd, busybox_rootfs) -> str:
    """The busybox rootfs as an OCI image, imported (and unpacked by the
    default snapshotter) without any registry."""
    archive = build_oci_image_archive(busybox_rootfs, containerd.base / "busybox-oci.tar", IMAGE_REF)
    containerd.ctr("images", "import", str(archive), timeout=60, check=True)
    assert IMAGE_REF in containerd.ctr("images", "ls", "-q", check=True).stdout.split()
    return IMAGE_REF


@pytest.fixture(params=selected_runtimes())
def runtime_binary(request) -> str:
    path = RUNTIMES[request.param]
    assert os.access(path, os.X_OK), f"runtime binary {path} is missing"
    return str(path)


_ids = itertools.count(1)


class Ctr:
    """`ctr` against the private containerd, with the runtime binary and root
    passed the way a user does (`--runc-binary`, `--runc-root`); remembers
    every container it names so the test's teardown can remove them."""

    def __init__(self, ctrd: PrivateContainerd, runtime_name: str, runtime_binary: str, rootfs: Path,
                 test_name: str) -> None:
        self.ctrd = ctrd
        self.runtime_name = runtime_name
        self.runtime_binary = runtime_binary
        self.runtime_root = ctrd.runtime_root(runtime_name)
        self.rootfs = rootfs
        self.prefix = re.sub(r"[^A-Za-z0-9]+", "-", test_name.split("[")[0].removeprefix("test_"))[:30].strip("-")
        self.created: list[str] = []
        self.popens: list[subprocess.Popen] = []

    def new_id(self) -> str:
        cid = f"{self.prefix}-{self.runtime_name}-{next(_ids)}"
        self.created.append(cid)
        return cid

    def run_argv(self, cid: str, *command: str, rm: bool = False, detach: bool = False, tty: bool = False,
                 image: str | None = None, options: tuple[str, ...] = ()) -> list[str]:
        argv = ["run", "--runc-binary", self.runtime_binary, "--runc-root", str(self.runtime_root),
                "--fifo-dir", str(self.ctrd.fifo_dir)]
        argv += ["--rm"] * rm + ["--detach"] * detach + ["--tty"] * tty + list(options)
        argv += [image] if image else ["--rootfs", str(self.rootfs)]
        return self.ctrd.ctr_argv(*argv, cid, *command)

    def run(self, cid: str, *command: str, timeout: float = DEFAULT_TIMEOUT, input: str | None = None,
            **kwargs) -> subprocess.CompletedProcess:
        return run(self.run_argv(cid, *command, **kwargs), timeout=timeout, input=input)

    def run_tty(self, cid: str, *command: str, **kwargs):
        return run_in_tty(self.run_argv(cid, *command, tty=True, **kwargs))

    def start_detached(self, cid: str, *command: str, ready: str | None = None, **kwargs) -> Path:
        """`ctr run -d` with the container's output going to a file (`--log-uri`);
        waits for `ready` in that output when given. Returns the output file."""
        output = self.ctrd.base / f"{cid}.out"
        proc = self.run(cid, *command, detach=True, options=("--log-uri", f"file://{output}"), **kwargs)
        assert proc.returncode == 0, f"ctr run -d failed: {proc.stderr}"
        assert self.ctrd.task_status(cid) == "RUNNING"
        if ready is not None:
            wait_for(lambda: output.exists() and ready in output.read_text(), timeout=DEFAULT_TIMEOUT,
                     what=f"{ready!r} in the output of {cid}")
        return output

    def popen_run(self, cid: str, *command: str, **kwargs) -> tuple[subprocess.Popen, LineReader]:
        """A foreground `ctr run` left running, its stdout readable."""
        proc = subprocess.Popen(self.run_argv(cid, *command, **kwargs), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.popens.append(proc)
        return proc, LineReader(proc.stdout)

    def exec(self, cid: str, exec_id: str, *command: str, timeout: float = DEFAULT_TIMEOUT,
             input: str | None = None) -> subprocess.CompletedProcess:
        return self.ctrd.ctr("task", "exec", "--fifo-dir", str(self.ctrd.fifo_dir), "--exec-id", exec_id, cid,
                             *command, timeout=timeout, input=input)

    def exec_tty(self, cid: str, exec_id: str, *command: str):
        return run_in_tty(self.ctrd.ctr_argv("task", "exec", "--fifo-dir", str(self.ctrd.fifo_dir), "--tty",
                                             "--exec-id", exec_id, cid, *command))

    def task(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.ctrd.ctr("task", *args, check=check)

    # -- what must be gone once a container is removed

    def leftovers(self, cid: str) -> list[str]:
        """Traces of container `cid` on the host: runtime state, bundle,
        processes in its cgroup, its cgroups, mounts under its bundle."""
        found = []
        state_dir = self.runtime_root / self.ctrd.namespace / cid
        if state_dir.exists():
            found.append(f"runtime state dir {state_dir}: {sorted(os.listdir(state_dir))}")
        bundle = self.ctrd.bundle(cid)
        if bundle.exists():
            found.append(f"bundle {bundle}")
        mounts = mounts_under(bundle) + mounts_under(self.ctrd.root / "io.containerd.runtime.v2.task" /
                                                     self.ctrd.namespace / cid)
        if mounts:
            found.append(f"mounts {mounts}")
        cgroup = f"/{self.ctrd.namespace}/{cid}"
        procs = _processes_in_cgroup(cgroup)
        if procs:
            found.append(f"processes in cgroup {cgroup}: {procs}")
        dirs = cgroup_dirs(cgroup)
        if dirs:
            found.append(f"cgroups {[str(d) for d in dirs]}")
        return found

    def cleanup(self) -> list[str]:
        problems = []
        self.ctrd.ensure_running()
        for proc in self.popens:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        for cid in self.created:
            problems += self.ctrd.remove_container(cid)
        for cid in self.created:
            try:
                wait_for(lambda: not self.leftovers(cid), timeout=10, what=f"{cid} to be cleaned up")
            except AssertionError:
                problems += [f"{cid}: {x}" for x in self.leftovers(cid)]
        return problems


def _processes_in_cgroup(cgroup: str) -> list[int]:
    return [p.pid for p in host_processes() if cgroup in p.cgroups and p.state != "Z"]


@pytest.fixture
def ctr(request, containerd, runtime_binary, busybox_rootfs):
    """A `ctr` client for this test; removes the test's containers afterwards
    and fails the test's teardown if any of them left a trace."""
    name = request.node.callspec.params["runtime_binary"]
    client = Ctr(containerd, name, runtime_binary, busybox_rootfs, request.node.name)
    yield client
    problems = client.cleanup()
    assert not problems, "test left things behind:\n" + "\n".join(problems)

