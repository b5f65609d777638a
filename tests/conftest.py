import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import RUNC_PY, Runtime  # noqa: E402
from teardown_on_sigterm import pytest_configure  # noqa: E402,F401 - the hook, registered here

RUNTIMES = {"runc-py": RUNC_PY, "runc": shutil.which("runc") or "/usr/sbin/runc"}


def _cgroup_dirs() -> set[str]:
    return {root for root, _, _ in os.walk("/sys/fs/cgroup")}


@pytest.fixture(scope="session", autouse=True)
def no_cgroup_left_behind():
    """Torn down last: no cgroup directory that a test, a harness (a private
    containerd, a systemd) or a runtime made outlives the session."""
    before = _cgroup_dirs()
    yield
    left = sorted(_cgroup_dirs() - before)
    assert not left, f"the test session left cgroups behind: {left}"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(params=list(RUNTIMES))
def runtime(request, tmp_path) -> Runtime:
    """Each lifecycle test runs on runc-py and on runc, the reference: the
    same assertions hold for both, so our behaviour is runc's."""
    if os.geteuid() != 0:
        pytest.fail("integration tests create real containers and must run as root")
    rt = Runtime(request.param, RUNTIMES[request.param], tmp_path / "root")
    yield rt
    rt.cleanup()
    leftovers = os.listdir(rt.root) if rt.root.exists() else []
    assert not leftovers, f"{rt.name} left container state behind: {leftovers}"


@pytest.fixture
def runc_py(tmp_path) -> Runtime:
    rt = Runtime("runc-py", RUNC_PY, tmp_path / "root")
    yield rt
    rt.cleanup()
