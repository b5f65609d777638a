import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import RUNC_PY, Runtime  # noqa: E402

RUNTIMES = {"runc-py": RUNC_PY, "runc": shutil.which("runc") or "/usr/sbin/runc"}


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
