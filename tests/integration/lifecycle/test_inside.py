"""What the container's process sees, checked from inside, on runc-py and
runc alike."""
import glob
import os

import pytest

from helpers import new_bundle


def run_and_capture(runtime, tmp_path, script, edit=None, extra_fds=None):
    bundle = new_bundle(tmp_path, ["sh", "-c", script], edit)
    cid = runtime.new_id()
    proc = runtime.run("run", "-b", str(bundle.path), cid, check=False, pass_fds=extra_fds or ())
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def status_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].split()
    raise AssertionError(f"{name} not in {text}")


def test_identity_and_capabilities(runtime, tmp_path):
    def edit(config):
        config["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [20, 30]}
        config["process"]["capabilities"] = {
            "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
            "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "ambient": ["CAP_NET_BIND_SERVICE"],
        }
    out = run_and_capture(runtime, tmp_path, "cat /proc/self/status", edit)
    assert status_field(out, "Uid") == ["1000"] * 4
    assert status_field(out, "Gid") == ["1001"] * 4
    assert status_field(out, "Groups") == ["20", "30"]
    kill, bind, chown = 1 << 5, 1 << 10, 1 << 0
    assert int(status_field(out, "CapBnd")[0], 16) == kill | bind | chown
    assert int(status_field(out, "CapInh")[0], 16) == kill | bind
    # A non-root process keeps across execve only its ambient capabilities.
    assert int(status_field(out, "CapAmb")[0], 16) == bind
    assert int(status_field(out, "CapEff")[0], 16) == bind
    assert int(status_field(out, "CapPrm")[0], 16) == bind
    assert status_field(out, "NoNewPrivs") == ["1"]


def test_pid_one_hostname_cwd_env(runtime, tmp_path):
    def edit(config):
        config["hostname"] = "box"
        config["process"]["cwd"] = "/work/dir"
        config["process"]["env"].append("GREETING=hi there")
    out = run_and_capture(runtime, tmp_path, 'echo "pid=$$"; echo "host=$(hostname)"; echo "cwd=$(pwd)"; '
                                             'echo "greeting=$GREETING"; echo "home=$HOME"', edit)
    assert "pid=1\n" in out
    assert "host=box\n" in out
    assert "cwd=/work/dir\n" in out  # created when missing, as runc does
    assert "greeting=hi there\n" in out
    assert "home=/root\n" in out  # from the container's /etc/passwd


def test_rlimits_and_oom_score(runtime, tmp_path):
    def edit(config):
        config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768},
                                        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]
        config["process"]["oomScoreAdj"] = 500
    out = run_and_capture(runtime, tmp_path, "cat /proc/self/limits; echo oom=$(cat /proc/self/oom_score_adj)", edit)
    lines = {line[:26].strip(): line[26:].split() for line in out.splitlines()}
    assert lines["Max open files"][:2] == ["512", "768"]
    assert lines["Max processes"][:2] == ["300", "400"]
    assert "oom=500" in out


def test_dev_and_mounts(runtime, tmp_path):
    out = run_and_capture(runtime, tmp_path, "ls -a /dev; echo ---; cat /proc/self/mountinfo")
    devs, mountinfo = out.split("---\n")
    for name in ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "mqueue",
                 "fd", "stdin", "stdout", "stderr"):
        assert name in devs.split(), name
    targets = {line.split()[4]: line for line in mountinfo.splitlines()}
    assert {"/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"} <= targets.keys()
    assert " ro," in targets["/sys"] or targets["/sys"].split()[5].startswith("ro")


def test_masked_and_readonly_paths(runtime, tmp_path):
    script = ("echo timer_list=$(wc -c < /proc/timer_list); echo uptime=$(wc -c < /proc/uptime); "
              "echo acpi=$(ls -a /proc/acpi | wc -l); echo acpi_ro=$(touch /proc/acpi/x 2>&1 | wc -l); "
              "if echo 1 > /proc/sys/kernel/domainname 2>/dev/null; then echo sys=writable; else echo sys=refused; fi")

    def edit(config):
        # (/proc/kcore, in the default list, does not exist on these kernels)
        config["linux"]["maskedPaths"] = ["/proc/timer_list", "/proc/acpi", "/no/such/path"]
        config["linux"]["readonlyPaths"] = ["/proc/sys"]
    out = run_and_capture(runtime, tmp_path, script, edit)
    assert "timer_list=0" in out  # a masked file reads empty
    assert "uptime=0" not in out  # an unmasked one does not
    assert "acpi=2" in out  # a masked directory is an empty tmpfs: only . and ..
    assert "acpi_ro=1" in out  # ... and a read-only one
    assert "sys=refused" in out


def test_readonly_root(runtime, tmp_path):
    def edit(config):
        config["root"]["readonly"] = True
    out = run_and_capture(runtime, tmp_path, "if touch /newfile 2>/dev/null; then echo rw; else echo ro; fi", edit)
    assert out.strip() == "ro"


def test_only_stdio_fds_reach_the_container(runtime, tmp_path):
    import os

    r, w = os.pipe()
    os.set_inheritable(r, True)
    try:
        out = run_and_capture(runtime, tmp_path, "ls /proc/self/fd", extra_fds=[r])
    finally:
        os.close(r)
        os.close(w)
    # ls itself holds one fd for the directory it lists
    assert sorted(int(x) for x in out.split()) in ([0, 1, 2, 3],)


@pytest.mark.parametrize("ns", ["pid", "mnt", "uts", "ipc", "net", "cgroup"])
def test_namespaces_differ_from_host(runtime, tmp_path, ns):
    import os

    def edit(config):
        if ns == "cgroup":
            config["linux"]["namespaces"].append({"type": "cgroup"})
    out = run_and_capture(runtime, tmp_path, f"readlink /proc/self/ns/{ns}", edit)
    assert out.strip() != os.readlink(f"/proc/self/ns/{ns}")


@pytest.mark.parametrize("cgroupns", [False, True])
def test_init_is_in_the_cgroup_before_its_first_hook(runtime, tmp_path, cgroupns):
    """runc-py attaches the init to its cgroup while the init sets up the
    rootfs (unless a new cgroup namespace must be rooted there first); the
    createContainer hooks, the init's first children, must find it there."""
    seen = tmp_path / "hook-cgroup"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat /proc/self/cgroup > {seen}\n")
    hook.chmod(0o755)
    cid = runtime.new_id()

    def edit(config):
        config["linux"]["cgroupsPath"] = f"/{cid}"  # one level: runc leaves the parents it made
        config["hooks"] = {"createContainer": [{"path": str(hook)}]}
        if cgroupns:
            config["linux"]["namespaces"].append({"type": "cgroup"})
    bundle = new_bundle(tmp_path, ["true"], edit)
    runtime.run("create", "-b", str(bundle.path), cid)
    try:
        lines = seen.read_text().splitlines()
        pids = next(line for line in lines if ":pids:" in line)
        # inside a new cgroup namespace the container's cgroup is its root
        assert pids.endswith(":/") if cgroupns else pids.endswith(f":/{cid}"), lines
    finally:
        runtime.run("delete", "--force", cid)
    assert not glob.glob(f"/sys/fs/cgroup/*/{cid}")


def test_cgroup_mount_shows_the_containers_own_cgroup(runtime, tmp_path):
    """Without a cgroup namespace, /sys/fs/cgroup/<controller> inside is a
    bind of the container's own cgroup directory (runc-py attaches the init
    while it sets up, so the mount must wait for that)."""
    def edit(config):
        config["linux"]["resources"] = {"pids": {"limit": 77}}
    out = run_and_capture(runtime, tmp_path, "cat /sys/fs/cgroup/pids/pids.max", edit)
    assert out == "77\n"
