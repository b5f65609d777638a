"""A session or benchmark that dies without its teardown (SIGKILL) leaves its
private containerd, shim, container and the /<namespace> cgroups behind; the
next session's `sweep_abandoned` must remove all of it, and nothing of a
session still alive."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import RUNTIMES
from ctrd_harness import OWNER_FILE, sweep_abandoned, wait_for
from ctrd_probes import cgroup_dirs, host_processes, mounts_under

HERE = Path(__file__).resolve().parent

ABANDONER = '''
import os, sys, time
from pathlib import Path
from ctrd_harness import PrivateContainerd, new_base_dir
from ctrd_rootfs import build_busybox_rootfs

base = new_base_dir()
ctrd = PrivateContainerd(base, namespace=f"runc-py-abandoned-{os.getpid()}")
ctrd.start()
rootfs = build_busybox_rootfs(base / "rootfs")
ctrd.ctr("run", "--detach", "--runc-binary", sys.argv[1], "--runc-root", str(ctrd.runtime_root("runc-py")),
         "--fifo-dir", str(ctrd.fifo_dir), "--rootfs", str(rootfs), "c1", "/bin/sleep", "1000", check=True)
print(base, ctrd.namespace, flush=True)
time.sleep(600)
'''


def _processes_of(base: Path) -> list:
    return [p for p in host_processes() if str(base) in p.cmdline]


def test_sweep_tears_down_what_a_killed_session_left(containerd):
    proc = subprocess.Popen([sys.executable, "-c", ABANDONER, str(RUNTIMES["runc-py"])], cwd=HERE,
                            env=dict(os.environ, PYTHONPATH=str(HERE)), stdout=subprocess.PIPE, text=True)
    try:
        base, namespace = proc.stdout.readline().split()
    finally:
        proc.kill()
        proc.wait()
    base = Path(base)
    # The mess is real: containerd, the shim and the container outlive their owner.
    assert _processes_of(base) and cgroup_dirs(f"{namespace}/c1")

    sweep_abandoned()

    assert not base.exists()
    wait_for(lambda: not _processes_of(base), timeout=10, what="the abandoned processes to go")
    assert not cgroup_dirs(namespace) and not mounts_under(base)
    # The session running this test is alive: its containerd is untouched.
    assert containerd.running() and (containerd.base / OWNER_FILE).exists()
