"""The README's first command stays true: `bash .ci/demo` runs a real
container whose process is PID 1 in namespaces of its own."""
import os
import re
import subprocess

from helpers import REPO


def test_demo_runs_a_real_container():
    proc = subprocess.run(["bash", str(REPO / ".ci" / "demo")], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    inside = proc.stdout.split("inside the container:", 1)[1]
    assert re.search(r"my pid:\s+1\n", inside)
    assert re.search(r"hostname:\s+runc-py-demo\n", inside)
    for ns in ("pid", "mnt", "uts", "net", "ipc"):
        assert f"{ns}:[" in inside and os.readlink(f"/proc/self/ns/{ns}") not in inside, ns
    assert not [d for d in os.listdir("/tmp") if d.startswith("runc-py-demo.")]  # cleaned up
