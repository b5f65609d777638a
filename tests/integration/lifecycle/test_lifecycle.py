"""create/start/state/kill/delete/run on real containers, checked from
outside (state JSON, pid file, /proc/<pid>/ns, exit status) - on runc-py and
on runc alike."""
import json
import os
import signal
import subprocess
import time

import pytest

from helpers import new_bundle


def wait_status(runtime, cid, want, timeout=10.0):
    """Poll `state` until it says `want` (a container `run` has not made yet
    has no state: keep polling); the last status seen."""
    deadline = time.monotonic() + timeout
    while True:
        proc = runtime.run("state", cid, check=False)
        status = json.loads(proc.stdout)["status"] if proc.returncode == 0 else None
        if status == want or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def test_create_start_state_delete(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sh", "-c", "echo hello from $$; sleep 0.3"])
    cid = runtime.new_id()
    pid_file = tmp_path / "init.pid"
    out = tmp_path / "out"
    with open(out, "w") as stdout:
        runtime.run("create", "--bundle", str(bundle.path), "--pid-file", str(pid_file), cid, stdout=stdout)
    state = runtime.state(cid)
    assert state["status"] == "created"
    assert state["id"] == cid and state["bundle"] == str(bundle.path)
    assert state["rootfs"] == str(bundle.rootfs)
    assert {"ociVersion", "pid", "created", "owner"} <= state.keys()
    raw = pid_file.read_bytes()
    assert raw.isdigit(), raw  # no newline: containerd's shim parses it with Atoi
    pid = int(raw)
    assert state["pid"] == pid
    for ns in ("pid", "mnt", "uts", "ipc", "net"):
        assert os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}"), ns
    with open(f"/proc/{pid}/status") as f:
        nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
    assert nspid == [str(pid), "1"]  # PID 1 of its own pid namespace

    runtime.run("start", cid)
    assert wait_status(runtime, cid, "stopped") == "stopped"
    assert runtime.state(cid)["pid"] == 0
    assert out.read_text() == "hello from 1\n"
    runtime.run("delete", cid)
    assert not (runtime.root / cid).exists()
    assert runtime.run("state", cid, check=False).returncode == 1


def test_start_twice_fails(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    runtime.run("start", cid)
    assert runtime.state(cid)["status"] == "running"
    again = runtime.run("start", cid, check=False)
    assert again.returncode == 1
    runtime.run("delete", "--force", cid)


def test_delete_running_needs_force(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    runtime.run("start", cid)
    pid = runtime.state(cid)["pid"]
    refused = runtime.run("delete", cid, check=False)
    assert refused.returncode == 1 and "not stopped" in refused.stderr
    runtime.run("delete", "--force", cid)
    assert not os.path.exists(f"/proc/{pid}/ns") or _is_zombie(pid)
    assert runtime.run("state", cid, check=False).returncode == 1


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_delete_created_container_kills_init(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    pid = runtime.state(cid)["pid"]
    runtime.run("delete", cid)  # runc deletes a created container without --force
    assert _is_zombie(pid) or not os.path.exists(f"/proc/{pid}")


def test_delete_missing(runtime):
    missing = runtime.run("delete", "no-such-container", check=False)
    assert missing.returncode == 1 and "container does not exist" in missing.stderr
    assert runtime.run("delete", "--force", "no-such-container", check=False).returncode == 0


@pytest.mark.parametrize("sig_arg, expected", [(None, signal.SIGTERM), ("KILL", signal.SIGKILL),
                                               ("SIGUSR1", signal.SIGUSR1), ("9", signal.SIGKILL)])
def test_kill_signals(runtime, tmp_path, sig_arg, expected):
    # The shell traps every signal it can and reports which one arrived.
    script = "trap 'echo got TERM; exit 0' TERM; trap 'echo got USR1; exit 0' USR1; echo ready; " \
             "while true; do sleep 0.05; done"
    bundle = new_bundle(tmp_path, ["sh", "-c", script])
    cid = runtime.new_id()
    out = tmp_path / "out"
    with open(out, "w") as stdout:
        runtime.run("create", "-b", str(bundle.path), cid, stdout=stdout)
    runtime.run("start", cid)
    deadline = time.monotonic() + 5
    while "ready" not in out.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    runtime.run("kill", cid, *([sig_arg] if sig_arg else []))
    assert wait_status(runtime, cid, "stopped") == "stopped"
    if expected == signal.SIGTERM:
        assert "got TERM" in out.read_text()
    elif expected == signal.SIGUSR1:
        assert "got USR1" in out.read_text()
    runtime.run("delete", cid)


def test_kill_stopped_container_fails(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["true"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    runtime.run("start", cid)
    wait_status(runtime, cid, "stopped")
    failed = runtime.run("kill", cid, "KILL", check=False)
    assert failed.returncode == 1 and "not running" in failed.stderr
    runtime.run("delete", cid)


def test_kill_all(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sh", "-c", "sleep 30 & sleep 30 & wait"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    runtime.run("start", cid)
    runtime.run("kill", "--all", cid, "KILL")
    assert wait_status(runtime, cid, "stopped") == "stopped"
    runtime.run("delete", cid)


@pytest.mark.parametrize("script, code", [("exit 3", 3), ("exit 0", 0)])
def test_run_returns_exit_status(runtime, tmp_path, script, code):
    bundle = new_bundle(tmp_path, ["sh", "-c", script])
    cid = runtime.new_id()
    proc = runtime.run("run", "-b", str(bundle.path), cid, check=False)
    assert proc.returncode == code, proc.stderr
    assert runtime.run("state", cid, check=False).returncode == 1  # deleted without --keep


def test_run_reports_128_plus_signal(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    proc = subprocess.Popen(runtime.cmd("run", "-b", str(bundle.path), cid), stdin=subprocess.DEVNULL)
    try:
        # Killed only once started: a kill between run's create and start
        # would make start fail instead.
        assert wait_status(runtime, cid, "running") == "running"
        runtime.run("kill", cid, "KILL")
        assert proc.wait(timeout=10) == 128 + signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()


def test_run_keep_leaves_stopped_container(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["true"])
    cid = runtime.new_id()
    runtime.run("run", "--keep", "-b", str(bundle.path), cid)
    assert runtime.state(cid)["status"] == "stopped"
    runtime.run("delete", cid)


def test_run_forwards_signals(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.05; done"])
    cid = runtime.new_id()
    proc = subprocess.Popen(runtime.cmd("run", "-b", str(bundle.path), cid), stdin=subprocess.DEVNULL)
    try:
        assert wait_status(runtime, cid, "running") == "running"
        time.sleep(0.2)  # for the shell to set its trap
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 42
    finally:
        proc.kill()
        proc.wait()


def test_run_detached(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    pid_file = tmp_path / "pid"
    runtime.run("run", "-d", "--pid-file", str(pid_file), "-b", str(bundle.path), cid)
    assert runtime.state(cid)["status"] == "running"
    assert int(pid_file.read_text()) == runtime.state(cid)["pid"]
    runtime.run("delete", "--force", cid)


def test_list(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    ids = [runtime.new_id() for _ in range(2)]
    for cid in ids:
        runtime.run("create", "-b", str(bundle.path), cid)
    listed = json.loads(runtime.run("list", "--format", "json").stdout)
    assert sorted(c["id"] for c in listed) == sorted(ids)
    assert all(c["status"] == "created" and c["owner"] == "root" for c in listed)
    assert runtime.run("list", "-q").stdout.split() == sorted(ids)
    table = runtime.run("list").stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    for cid in ids:
        runtime.run("delete", "--force", cid)
    assert runtime.run("list", "--format", "json").stdout.strip() == "null"


def test_id_already_in_use(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    runtime.run("create", "-b", str(bundle.path), cid)
    again = runtime.run("create", "-b", str(bundle.path), cid, check=False)
    assert again.returncode == 1 and "exists" in again.stderr
    assert runtime.state(cid)["status"] == "created"
    runtime.run("delete", "--force", cid)
