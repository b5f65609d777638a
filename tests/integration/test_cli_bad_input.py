"""Bad command lines: one clear error, exit status 1, a JSON log line when
asked, and nothing created under --root."""
import json
import subprocess

import pytest

from helpers import RUNC_PY

CASES = [
    (["--bogus", "list"], "--bogus"),
    (["statee", "x"], "statee"),
    (["state"], "container-id"),
    (["create", "--preserve-fds", "abc", "x"], "--preserve-fds"),
    (["state", "nosuch"], "container does not exist"),
    (["start", "nosuch"], "container does not exist"),
    (["kill", "nosuch"], "container does not exist"),
    (["kill", "nosuch", "NOTASIGNAL"], "NOTASIGNAL"),
    (["create", "-b", "/no/such/bundle", "x"], "/no/such/bundle"),
    (["create", "-b", "/tmp", "a/b"], "invalid container ID format"),
]


@pytest.mark.parametrize("argv, word", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input(tmp_path, argv, word):
    root = tmp_path / "root"
    log = tmp_path / "log.json"
    proc = subprocess.run([RUNC_PY, "--root", str(root), "--log", str(log), "--log-format", "json", *argv],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert word in proc.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines[-1]["level"] == "error" and word in lines[-1]["msg"]
    assert not root.exists() or not any(root.iterdir())


def test_bad_log_format(tmp_path):
    proc = subprocess.run([RUNC_PY, "--root", str(tmp_path), "--log-format", "yaml", "list"],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and "--log-format" in proc.stderr
