"""A test run stopped by SIGTERM still runs its fixtures' teardown (so a
session's private containerd and the cgroups made under it do not outlive a
`timeout` or a CI limit): tests/teardown_on_sigterm.py, in a real pytest."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent

SLOW_SESSION = '''
import pathlib, time, pytest

OUT = pathlib.Path({out!r})

@pytest.fixture(scope="session")
def resource():
    (OUT / "set-up").touch()
    yield
    (OUT / "torn-down").touch()

def test_slow(resource):
    time.sleep(60)
'''


def _terminate_mid_test(tmp_path: Path, plugin: bool) -> int:
    (tmp_path / "test_slow.py").write_text(SLOW_SESSION.format(out=str(tmp_path)))
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_slow.py"]
    if plugin:
        args[3:3] = ["-p", "teardown_on_sigterm"]
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "set-up").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the session never set up"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_runs_the_session_teardown(tmp_path):
    code = _terminate_mid_test(tmp_path, plugin=True)
    assert (tmp_path / "torn-down").exists()
    assert code == pytest.ExitCode.INTERRUPTED


def test_without_the_plugin_sigterm_skips_it(tmp_path):
    """What the plugin is for: plain pytest dies with its fixtures set up."""
    code = _terminate_mid_test(tmp_path, plugin=False)
    assert not (tmp_path / "torn-down").exists()
    assert code == -signal.SIGTERM
