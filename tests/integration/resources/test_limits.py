"""linux.resources from config.json, enforced by this host's v1 controllers:
the values are in the host's cgroup files, a fork bomb stops at the pids
limit, an allocation past the memory limit is OOM-killed, device rules
decide what the container can open - on runc-py and on runc alike."""
import subprocess

from containers import Container, read, set_resources, wait_for
from helpers import cgroup_dirs_named, new_bundle

MiB = 1 << 20


def test_config_limits_are_in_the_host_cgroup_files(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"], set_resources(
        memory={"limit": 64 * MiB, "reservation": 32 * MiB},
        pids={"limit": 20},
        cpu={"shares": 512, "quota": 50000, "period": 100000}))
    memory, pids, cpu = c.cgroup("memory"), c.cgroup("pids"), c.cgroup("cpu")
    assert memory.name == pids.name == cpu.name  # one leaf, named after the id, in every hierarchy
    assert read(memory / "memory.limit_in_bytes") == str(64 * MiB)
    assert read(memory / "memory.soft_limit_in_bytes") == str(32 * MiB)
    assert read(pids / "pids.max") == "20"
    assert read(cpu / "cpu.shares") == "512"
    assert read(cpu / "cpu.cfs_quota_us") == "50000"
    assert read(cpu / "cpu.cfs_period_us") == "100000"
    c.remove()


def test_fork_bomb_stops_at_the_pids_limit(runtime, tmp_path):
    # The inner shell forks until fork fails (and then dies of it); the
    # outer one reports with a redirection and an exec, neither of which forks.
    bomb = "sh -c 'while true; do sleep 60 & done'; : > /tmp/bomb-stopped; exec sleep 60"
    c = Container(runtime, tmp_path, ["sh", "-c", bomb], set_resources(pids={"limit": 16}))
    wait_for(lambda: c.rootfs_file("/tmp/bomb-stopped").exists(), 20, "the fork bomb to hit the limit")
    pids = c.cgroup("pids")
    assert int(read(pids / "pids.current")) <= 16
    assert int(read(pids / "pids.events").split()[1]) > 0  # "max N": forks refused by the limit
    assert len(c.ps_json()) <= 16
    assert "can't fork" in c.output.read_text()
    c.remove()


def test_allocation_past_the_memory_limit_is_oom_killed(runtime, tmp_path):
    # dd's 64 MiB buffer is touched by the read from /dev/zero.
    bundle = new_bundle(tmp_path, ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"],
                        set_resources(memory={"limit": 24 * MiB, "swap": 24 * MiB}))
    cid = runtime.new_id()
    done = runtime.run("run", "-b", str(bundle.path), cid, check=False, timeout=60)
    assert done.returncode == 137, done.stderr  # 128 + SIGKILL
    runtime.run("delete", "--force", cid)
    assert not cgroup_dirs_named(cid)


def test_device_rules_decide_what_the_container_can_open(runtime, tmp_path):
    """Configured: deny everything, allow writing /dev/kmsg (1:11).  runc
    always appends `c *:* m` and `b *:* m`, so mknod itself is allowed by
    the device cgroup in both runtimes; opening is what the rules decide."""
    script = ("mknod /tmp/kmsg c 1 11 && echo mknod-ok; "
              "echo runc-py-resources-test > /tmp/kmsg && echo write-ok; "
              "head -c1 /tmp/kmsg >/dev/null 2>/tmp/read-err || echo read-denied; "
              "mknod /tmp/mem c 1 1 && echo mknod-mem-ok; "
              "head -c1 /tmp/mem >/dev/null 2>/tmp/mem-err || echo mem-denied; "
              "cat /tmp/read-err /tmp/mem-err")

    def edit(config):
        config["linux"]["resources"] = {"devices": [
            {"allow": False, "access": "rwm"},
            {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"}]}
        caps = config["process"]["capabilities"]
        for kind in ("bounding", "effective", "permitted"):
            caps[kind] = sorted(set(caps.get(kind, [])) | {"CAP_MKNOD"})

    bundle = new_bundle(tmp_path, ["sh", "-c", script], edit)
    cid = runtime.new_id()
    out = tmp_path / "out"
    with open(out, "w") as f:
        done = runtime.run("run", "-b", str(bundle.path), cid, stdout=f, stderr=subprocess.STDOUT, check=False)
    assert done.returncode == 0
    lines = out.read_text().splitlines()
    assert lines[:5] == ["mknod-ok", "write-ok", "read-denied", "mknod-mem-ok", "mem-denied"], lines
    assert all("Operation not permitted" in line for line in lines[5:7]), lines
    runtime.run("delete", "--force", cid)
    assert not cgroup_dirs_named(cid)
