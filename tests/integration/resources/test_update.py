"""update: live cgroup values change through runc's flags and through a
LinuxResources JSON on stdin (containerd's `update --resources -`), with
runc's size syntax and errors - on runc-py and on runc alike."""
import json

from containers import Container, read, set_resources, wait_for

MiB = 1 << 20
LIMITS = set_resources(memory={"limit": 64 * MiB}, pids={"limit": 50},
                       cpu={"shares": 512, "quota": 50000, "period": 100000})


def test_update_flags_change_live_values(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], LIMITS)
    c.run("update", "--memory", "100m", "--memory-reservation", "50M", "--pids-limit", "70",
          "--cpu-quota", "20000", "--cpu-period", "200000", "--cpu-share", "256")
    memory, cpu = c.cgroup("memory"), c.cgroup("cpu")
    assert read(memory / "memory.limit_in_bytes") == str(100 * MiB)
    assert read(memory / "memory.soft_limit_in_bytes") == str(50 * MiB)
    assert read(c.cgroup("pids") / "pids.max") == "70"
    assert read(cpu / "cpu.cfs_quota_us") == "20000"
    assert read(cpu / "cpu.cfs_period_us") == "200000"
    assert read(cpu / "cpu.shares") == "256"
    # Values not given stay as they are; sizes take binary units.
    c.run("update", "--memory", "1.5g")
    assert read(memory / "memory.limit_in_bytes") == str(1536 * MiB)
    assert read(cpu / "cpu.shares") == "256"
    c.run("update", "--memory", "12MB", "--memory-swap", "-1")
    assert read(memory / "memory.limit_in_bytes") == str(12 * MiB)
    c.run("update", "--pids-limit", "-1")
    assert read(c.cgroup("pids") / "pids.max") == "max"
    c.remove()


def test_update_resources_json_on_stdin(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], LIMITS)
    # What containerd's shim sends: the whole LinuxResources, devices
    # included (never rewritten live), plus a newline.
    doc = {"devices": [{"allow": False, "access": "rwm"}],
           "memory": {"limit": 80 * MiB, "swappiness": 0},
           "cpu": {"shares": 1024, "quota": 30000, "cpus": "0"},
           "pids": {"limit": 33}, "blockIO": {"weight": 300}}
    c.run("update", "--resources", "-", input=json.dumps(doc) + "\n", stdin=None)
    assert read(c.cgroup("memory") / "memory.limit_in_bytes") == str(80 * MiB)
    cpu = c.cgroup("cpu")
    assert read(cpu / "cpu.shares") == "1024"
    assert read(cpu / "cpu.cfs_quota_us") == "30000"
    assert read(cpu / "cpu.cfs_period_us") == "100000"  # kept from config.json
    assert read(c.cgroup("cpuset") / "cpuset.cpus") == "0"
    assert read(c.cgroup("pids") / "pids.max") == "33"
    devices = read(c.cgroup("devices") / "devices.list").splitlines()
    assert "c 1:3 rwm" in devices  # /dev/null still allowed: device rules untouched
    # A file works as stdin does; other flags are then ignored.
    (tmp_path / "r.json").write_text(json.dumps({"pids": {"limit": 44}}))
    c.run("update", "-r", str(tmp_path / "r.json"), "--pids-limit", "99")
    assert read(c.cgroup("pids") / "pids.max") == "44"
    c.remove()


def test_update_rejects_bad_values_and_keeps_the_old_ones(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], LIMITS)
    memory = c.cgroup("memory") / "memory.limit_in_bytes"
    wrong_type = c.run("update", "-r", "-", input='{"memory": {"limit": "lots"}}', stdin=None, check=False)
    assert wrong_type.returncode == 1 and "memory.limit" in wrong_type.stderr
    not_json = c.run("update", "-r", "-", input="nope", stdin=None, check=False)
    assert not_json.returncode == 1
    bad_size = c.run("update", "--memory", "lots", check=False)
    assert bad_size.returncode == 1 and "invalid value for memory" in bad_size.stderr
    bad_number = c.run("update", "--cpu-share", "-5", check=False)
    assert bad_number.returncode == 1 and "invalid value for cpu-share" in bad_number.stderr
    below_usage = c.run("update", "--memory", "4k", check=False)
    assert below_usage.returncode == 1 and "unable to set memory limit" in below_usage.stderr
    no_rdt = c.run("update", "--l3-cache-schema", "L3:0=f", check=False)
    assert no_rdt.returncode == 1 and "l3 cache schema is not enabled" in no_rdt.stderr
    assert read(memory) == str(64 * MiB)
    runtime.run("kill", c.id, "KILL")
    wait_for(lambda: c.status() == "stopped", what="the container to stop")
    stopped = c.run("update", "--memory", "100m", check=False)
    assert stopped.returncode == 1 and "container not running" in stopped.stderr
    c.remove()
    missing = runtime.run("update", "--memory", "100m", c.id, check=False)
    assert missing.returncode == 1 and "container does not exist" in missing.stderr


def test_update_a_paused_container(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], LIMITS)
    c.run("pause")
    c.run("update", "--pids-limit", "40")
    assert read(c.cgroup("pids") / "pids.max") == "40"
    assert c.status() == "paused"
    c.remove()


def test_kernel_memory_flag_is_ignored_with_a_warning(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], LIMITS)
    done = c.run("update", "--kernel-memory", "10m")
    assert "level=warning" in done.stderr and "ernel memory" in done.stderr
    c.remove()
