"""Every failing create reports the field and the reason, exits 1, and
leaves nothing: no state dir, no process, no mount, no cgroup, no fifo."""
import json
import os
import signal
import subprocess
import time

import pytest

from helpers import cgroup_dirs_named, mounts_mentioning, new_bundle, processes_mentioning


def assert_nothing_left(runtime, cid, bundle):
    assert not (runtime.root / cid).exists(), os.listdir(runtime.root / cid)
    assert not mounts_mentioning(str(bundle.path)), mounts_mentioning(str(bundle.path))
    assert not cgroup_dirs_named(cid), cgroup_dirs_named(cid)
    assert not processes_mentioning(cid)


def create_fails(runtime, tmp_path, args, edit=None, *, words=(), setup=None):
    bundle = new_bundle(tmp_path, args, edit)
    if setup is not None:
        setup(bundle)
    cid = runtime.new_id()
    proc = runtime.run("create", "-b", str(bundle.path), cid, check=False)
    assert proc.returncode == 1, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert_nothing_left(runtime, cid, bundle)
    return proc


def test_missing_executable_in_path(runtime, tmp_path):
    create_fails(runtime, tmp_path, ["nosuchbin"], words=("nosuchbin", "executable file not found in $PATH"))


def test_missing_executable_by_path(runtime, tmp_path):
    create_fails(runtime, tmp_path, ["/no/such/binary"], words=("/no/such/binary", "no such file or directory"))


def test_bad_mount_source(runtime, tmp_path):
    def edit(config):
        config["mounts"].append({"destination": "/data", "type": "bind", "source": "/no/such/source",
                                 "options": ["rbind"]})
    create_fails(runtime, tmp_path, ["true"], edit, words=("/no/such/source", "no such file or directory"))


def test_cwd_is_a_file(runtime, tmp_path):
    def edit(config):
        config["process"]["cwd"] = "/etc/passwd"
    create_fails(runtime, tmp_path, ["true"], edit, words=("not a directory",))


def test_namespace_path_missing(runtime, tmp_path):
    def edit(config):
        config["linux"]["namespaces"] = [{"type": "network", "path": "/proc/no/such/ns"}] + [
            ns for ns in config["linux"]["namespaces"] if ns["type"] != "network"]
    create_fails(runtime, tmp_path, ["true"], edit, words=("/proc/no/such/ns",))


def test_failing_prestart_hook_cleans_up(runtime, tmp_path):
    def edit(config):
        config["hooks"] = {"prestart": [{"path": "/bin/false"}]}
    create_fails(runtime, tmp_path, ["true"], edit)


def test_missing_bundle(runtime, tmp_path):
    cid = runtime.new_id()
    proc = runtime.run("create", "-b", str(tmp_path / "nope"), cid, check=False)
    assert proc.returncode == 1 and "nope" in proc.stderr and "no such file or directory" in proc.stderr
    assert not (runtime.root / cid).exists()


def test_json_log_line_on_failure(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["nosuchbin"])
    cid = runtime.new_id()
    log = tmp_path / "log.json"
    proc = runtime.run("create", "-b", str(bundle.path), cid, check=False,
                       globals_=("--log", str(log), "--log-format", "json"))
    assert proc.returncode == 1
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [entry for entry in lines if entry["level"] == "error"]
    assert errors and "executable file not found" in errors[-1]["msg"]
    assert errors[-1]["time"].endswith("Z")
    assert_nothing_left(runtime, cid, bundle)


def test_runtime_killed_halfway_is_cleaned_by_delete_force(runc_py, tmp_path):
    """A create SIGKILLed while a createRuntime hook runs leaves records
    from which delete --force removes everything."""
    marker = tmp_path / "hook-started"

    def edit(config):
        config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", f"touch {marker}; sleep 30"]}]}
    bundle = new_bundle(tmp_path, ["sleep", "30"], edit)
    cid = runc_py.new_id()
    proc = subprocess.Popen(runc_py.cmd("create", "-b", str(bundle.path), cid), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (runc_py.root / cid).exists()
    runc_py.run("delete", "--force", cid)
    subprocess.run(["pkill", "-f", str(marker)], check=False)
    assert_nothing_left(runc_py, cid, bundle)


@pytest.mark.parametrize("bad_id", ["a/b", "..", "with space"])
def test_invalid_container_id(runtime, tmp_path, bad_id):
    bundle = new_bundle(tmp_path, ["true"])
    proc = runtime.run("create", "-b", str(bundle.path), bad_id, check=False)
    assert proc.returncode == 1 and "invalid container ID format" in proc.stderr
    assert not runtime.root.exists() or not os.listdir(runtime.root)


def test_root_not_writable(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["true"])
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = subprocess.run([runtime.binary, "--root", str(blocker / "root"), "create", "-b", str(bundle.path), "x"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and proc.stderr.strip()
