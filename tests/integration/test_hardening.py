"""Attacks from inside a container (or through its config) that must fail:
leaked host fds, a cwd through a leaked fd (CVE-2024-21626 class), reaching
the runtime through /proc while exec joins (CVE-2019-5736 class), mounts
through symlinks out of the rootfs, and file capabilities granting more
than the spec's inheritable set (CVE-2022-29162).

Each was checked to fail against a runtime with the defence taken out."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from helpers import new_bundle

# A careless caller: opens argv[1] (read-only, not close-on-exec) at each fd
# number in argv[2] ("3,4,..."), then execs the rest (the runtime).
LEAK_FDS = (
    "import os, sys\n"
    "for n in (map(int, sys.argv[2].split(',')) if sys.argv[2] else ()):\n"
    "    fd = os.open(sys.argv[1], os.O_RDONLY)\n"
    "    os.dup2(fd, n) if fd != n else os.set_inheritable(n, True)\n"
    "    if fd != n: os.close(fd)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def leaking(path, fds, argv):
    return [sys.executable, "-c", LEAK_FDS, str(path), ",".join(map(str, fds)), *argv]


def run_leaking(runtime, path, fds, *args):
    """Output in a file, not a pipe: the container inherits it (see helpers.Runtime.run)."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(leaking(path, fds, runtime.cmd(*args)), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=err, text=True, timeout=30)
        err.seek(0)
        proc.stderr = err.read()
    return proc


def wait_for_file(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.02)
    return open(path, "rb").read()


def cwd_inside_root(pid) -> bool:
    """Whether the process's cwd is below its root: walk `..` up from the cwd
    (across the mounts of its namespace) until the root, or a top that is
    not it.  A host directory reached through a leaked fd never meets it."""
    root = os.stat(f"/proc/{pid}/root")
    fd = os.open(f"/proc/{pid}/cwd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(256):
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) == (root.st_dev, root.st_ino):
                return True
            up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            above = os.fstat(up)
            os.close(fd)
            fd = up
            if (above.st_dev, above.st_ino) == (st.st_dev, st.st_ino):
                return False
        return False
    finally:
        os.close(fd)


# --- leaked fds ------------------------------------------------------------------


@pytest.mark.parametrize("preserve", [0, 1])
def test_no_host_fd_reaches_the_container_init(runtime, tmp_path, preserve):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    created = run_leaking(runtime, tmp_path, [3], "create", "--preserve-fds", str(preserve),
                          "-b", str(bundle.path), cid)
    assert created.returncode == 0, created.stderr
    runtime.run("start", cid)
    pid = runtime.state(cid)["pid"]
    fds = sorted(os.listdir(f"/proc/{pid}/fd"))
    assert fds == (["0", "1", "2", "3"] if preserve else ["0", "1", "2"])
    if preserve:
        assert os.readlink(f"/proc/{pid}/fd/3") == str(tmp_path)
    runtime.run("delete", "--force", cid)


def test_no_host_fd_reaches_an_exec(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["sleep", "30"])
    cid = runtime.new_id()
    runtime.run("run", "-d", "-b", str(bundle.path), cid)
    pid_file = tmp_path / "exec.pid"
    proc = subprocess.Popen(leaking(tmp_path, range(3, 11), runtime.cmd("exec", "--pid-file", str(pid_file),
                                                                          cid, "sleep", "30")),
                            stdin=subprocess.DEVNULL)
    try:
        pid = int(wait_for_file(pid_file))
        assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]
        os.kill(pid, 9)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    runtime.run("delete", "--force", cid)


# --- CVE-2024-21626: cwd through a leaked fd -----------------------------------------


@pytest.mark.parametrize("leak", [True, False], ids=["caller-leaks-3-10", "runtime-own-fds"])
def test_cwd_through_a_leaked_fd_stays_inside(runc_py, tmp_path, leak):
    """runc-py only: a refusal is recognised by runc-py's words (process.cwd).
    runc 1.1.5 is in the CVE's affected range (fixed in 1.1.12) but on this
    host refuses these cwds ("mkdir /proc/self/fd/N: not a directory")."""
    host_dir = tmp_path / "host-secret"
    host_dir.mkdir()
    for n in range(3, 11):
        bundle = new_bundle(tmp_path, ["sleep", "30"],
                            lambda c, n=n: c["process"].update(cwd=f"/proc/self/fd/{n}"))
        cid = runc_py.new_id()
        created = run_leaking(runc_py, host_dir, range(3, 11) if leak else [], "create", "-b", str(bundle.path), cid)
        if created.returncode == 0:
            pid = runc_py.state(cid)["pid"]
            assert cwd_inside_root(pid), f"fd {n}: the init's cwd is {os.readlink(f'/proc/{pid}/cwd')}, outside its root"
        else:
            assert "process.cwd" in created.stderr, created.stderr  # refused for its cwd, nothing else
        runc_py.run("delete", "--force", cid, check=False)


@pytest.mark.parametrize("leak", [True, False], ids=["caller-leaks-3-10", "runtime-own-fds"])
def test_exec_cwd_through_a_leaked_fd_stays_inside(runc_py, tmp_path, leak):
    host_dir = tmp_path / "host-secret"
    host_dir.mkdir()
    bundle = new_bundle(tmp_path, ["sleep", "60"])
    cid = runc_py.new_id()
    runc_py.run("run", "-d", "-b", str(bundle.path), cid)
    for n in range(3, 11):
        pid_file = tmp_path / f"exec-{n}.pid"
        err = tmp_path / f"exec-{n}.err"
        with open(err, "w") as stderr:
            proc = subprocess.Popen(leaking(host_dir, range(3, 11) if leak else [],
                                            runc_py.cmd("exec", "--cwd", f"/proc/self/fd/{n}", "--pid-file",
                                                        str(pid_file), cid, "sleep", "30")),
                                    stdin=subprocess.DEVNULL, stderr=stderr)
        try:
            raw = None
            while raw is None and proc.poll() is None:
                raw = wait_for_file(pid_file, timeout=0.2)
            if raw is not None:
                pid = int(raw)
                assert cwd_inside_root(pid), f"fd {n}: the exec'd cwd is {os.readlink(f'/proc/{pid}/cwd')}, outside its root"
                os.kill(pid, 9)
            else:
                assert proc.returncode == 255 and "process.cwd" in err.read_text()  # refused for its cwd
        finally:
            proc.kill()
            proc.wait()
    runc_py.run("delete", "--force", cid)


# --- CVE-2019-5736: reaching the runtime through /proc during exec -------------------

# Loops over every process it can see and reports any whose executable it
# can name and is not the container's busybox: a joining runtime that is
# dumpable would show up as the host's interpreter.
PROC_PROBE = """
echo probing
while :; do
  for d in /proc/[0-9]*; do
    l=$(readlink $d/exe 2>/dev/null) || continue
    case "$l" in /bin/busybox) ;; *) echo "BREACH ${d#/proc/} $l";; esac
  done
done
"""


def _all_capabilities():
    from runc_py.linux.capability_names import CAPABILITIES

    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    return sorted(name for name, n in CAPABILITIES.items() if n <= last)


@pytest.fixture
def world_tmp():
    """A directory a user namespace's root can reach (pytest's is 0700)."""
    path = tempfile.mkdtemp(prefix="runc-py-hardening-", dir="/tmp")
    os.chmod(path, 0o755)
    yield Path(path)
    shutil.rmtree(path)


def test_joining_runtime_is_out_of_reach(runtime, world_tmp):
    """The container's root owns a user namespace with every capability in
    it (CAP_SYS_PTRACE too), so only the runtime's being non-dumpable keeps
    it from opening /proc/<joining pid>/exe and fds."""
    caps = _all_capabilities()

    def edit(config):
        config["linux"]["namespaces"].append({"type": "user"})
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        config["process"]["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
        config["mounts"] = [m for m in config["mounts"] if m["destination"] != "/sys/fs/cgroup"]
    bundle = new_bundle(world_tmp, ["sh", "-c", PROC_PROBE], edit)
    cid = runtime.new_id()
    out = world_tmp / "probe.out"
    with open(out, "w") as stdout:
        runtime.run("run", "-d", "-b", str(bundle.path), cid, stdout=stdout)
    try:
        assert wait_for_file(out) is not None
        for _ in range(25):
            runtime.run("exec", cid, "true")
        runtime.run("kill", cid, "KILL")
        time.sleep(0.2)
        report = out.read_text()
        assert report.startswith("probing"), report
        assert "BREACH" not in report, report
    finally:
        runtime.run("delete", "--force", cid, check=False)


# --- mounts through symlinks --------------------------------------------------------


def test_mount_destinations_through_symlinks_stay_in_the_rootfs(runtime, tmp_path):
    victim = f"/tmp/victim-{uuid.uuid4().hex[:10]}"
    marker_dir = tmp_path / "marked"
    marker_dir.mkdir()
    (marker_dir / "keep").write_text("host data")

    def edit(config):
        config["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                                 "options": ["nosuid"]})
        config["linux"]["maskedPaths"] = [*config["linux"]["maskedPaths"], "/masked"]
        config["linux"]["readonlyPaths"] = [*config["linux"]["readonlyPaths"], "/ro"]
    bundle = new_bundle(tmp_path, ["sleep", "30"], edit)
    os.symlink("/../../../.." + victim, bundle.rootfs / "data")
    os.symlink("/../../../.." + str(marker_dir / "keep"), bundle.rootfs / "masked")
    os.symlink("/../../../.." + str(marker_dir), bundle.rootfs / "ro")
    cid = runtime.new_id()
    try:
        created = runtime.run("create", "-b", str(bundle.path), cid, check=False)
        assert not os.path.exists(victim), "the mount destination was resolved on the host"
        if created.returncode == 0:
            pid = runtime.state(cid)["pid"]
            with open(f"/proc/{pid}/mountinfo") as f:
                points = [line.split()[4] for line in f]
            assert victim in points  # the tmpfs is inside, at the symlink's in-root target
            assert not any(p.startswith(str(tmp_path)) for p in points), points
        assert (marker_dir / "keep").read_text() == "host data"
        (marker_dir / "new").write_text("still writable")  # not made read-only
        with open("/proc/self/mountinfo") as f:
            assert not any(str(marker_dir) in line or victim in line for line in f)
    finally:
        runtime.run("delete", "--force", cid, check=False)
        if os.path.isdir(victim):
            os.rmdir(victim)


# --- CVE-2022-29162: file capabilities and the inheritable set -------------------------

VFS_CAP_REVISION_2 = 0x02000000
VFS_CAP_FLAGS_EFFECTIVE = 0x000001


def file_caps_xattr(permitted: int, inheritable: int) -> bytes:
    """struct vfs_cap_data, revision 2, effective bit set (what setcap writes)."""
    return struct.pack("<5I", VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
                       permitted & 0xFFFFFFFF, inheritable & 0xFFFFFFFF, permitted >> 32, inheritable >> 32)


CAP_KILL, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_CHOWN = 5, 10, 13, 0


def status_caps(text):
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {k: int(fields[k].strip(), 16) for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")}


@pytest.mark.parametrize("inheritable, ambient", [([], []), (["CAP_KILL"], []),
                                                  (["CAP_KILL"], ["CAP_KILL"])])
def test_file_capabilities_grant_no_more_than_the_spec(runtime, tmp_path, inheritable, ambient):
    def edit(config):
        config["process"]["user"] = {"uid": 1000, "gid": 1000}
        config["process"]["noNewPrivileges"] = False
        config["process"]["capabilities"] = {
            "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
            "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
            "inheritable": inheritable, "ambient": ambient}
    # The file-capability program first, then a plain one (execve of a
    # file with capabilities clears the ambient set).
    bundle = new_bundle(tmp_path, ["sh", "-c", "/capbin/busybox cat /proc/self/status; echo ---; "
                                               "cat /proc/self/status"], edit)
    (bundle.rootfs / "capbin").mkdir()
    capbox = bundle.rootfs / "capbin" / "busybox"
    capbox.write_bytes((bundle.rootfs / "bin" / "busybox").read_bytes())
    os.chmod(capbox, 0o755)
    # The file would take any of these from the process's inheritable set.
    os.setxattr(capbox, "security.capability",
                file_caps_xattr(0, 1 << CAP_KILL | 1 << CAP_NET_BIND_SERVICE | 1 << CAP_NET_RAW))
    cid = runtime.new_id()
    with_file_caps, plain = runtime.run("run", "-b", str(bundle.path), cid).stdout.split("---\n")
    kill = 1 << CAP_KILL if inheritable else 0
    # P'(permitted) = P(inheritable) & F(inheritable): only what the spec made inheritable.
    assert status_caps(with_file_caps) == {"CapInh": kill, "CapPrm": kill, "CapEff": kill, "CapAmb": 0}
    amb = 1 << CAP_KILL if ambient else 0
    assert status_caps(plain) == {"CapInh": kill, "CapPrm": amb, "CapEff": amb, "CapAmb": amb}
