"""exec into running containers, on runc-py and runc alike: output and exit
status, --process files, the process flags, --detach with a pid file, a
tty through a console socket, refusals (stopped, paused, missing binary),
and what the host sees of the process (namespaces, cgroup, fds)."""
import json
import os
import select
import socket
import subprocess
import sys
import time

import pytest

from helpers import new_bundle
from test_inside import status_field

# A stand-in for containerd's shim: a child subreaper that runs the runtime,
# so a detached exec'd process is reparented to it, and that reaps whatever
# it was left once the test closes its stdin.
CALLER = r"""
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
rc = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL).returncode
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(rc))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
sys.stdin.read()
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


class Caller:
    def __init__(self, tmp_path, argv, stdout=subprocess.DEVNULL):
        self.rc_file = tmp_path / f"caller-rc-{time.monotonic_ns()}"
        self.proc = subprocess.Popen([sys.executable, "-c", CALLER, str(self.rc_file), *argv],
                                     stdin=subprocess.PIPE, stdout=stdout, stderr=stdout)

    def returncode(self, timeout=20.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.rc_file.exists():
            assert time.monotonic() < deadline, "the runtime did not return"
            time.sleep(0.02)
        return int(self.rc_file.read_text())

    def finish(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


@pytest.fixture
def running(runtime, tmp_path):
    """A started container running `sleep 300`, with its config."""
    def make(edit=None):
        bundle = new_bundle(tmp_path, ["sleep", "300"], edit)
        cid = runtime.new_id()
        runtime.run("run", "-d", "-b", str(bundle.path), cid)
        return cid, bundle
    return make


def wait_for_file(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return open(path, "rb").read()


def test_output_and_exit_status(runtime, running):
    cid, _ = running()
    done = runtime.run("exec", cid, "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    killed = runtime.run("exec", cid, "sh", "-c", "kill -9 $$", check=False)
    assert killed.returncode == 128 + 9
    assert runtime.run("exec", cid, "true").returncode == 0


def test_process_from_config_and_flags(runtime, running):
    def edit(config):
        config["process"]["env"] = ["PATH=/bin", "FROM_CONFIG=1"]
        config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 777, "hard": 777}]
    cid, _ = running(edit)
    out = runtime.run("exec", "-u", "1000:1001", "-g", "20", "-g", "30", "-e", "EXTRA=two words",
                      "--cwd", "/tmp", "--no-new-privs", "-c", "CAP_SYS_ADMIN", cid,
                      "sh", "-c", 'cat /proc/self/status; echo "cwd=$(pwd)"; env; ulimit -n').stdout
    assert status_field(out, "Uid") == ["1000"] * 4
    assert status_field(out, "Gid") == ["1001"] * 4
    assert status_field(out, "Groups") == ["20", "30"]
    assert status_field(out, "NoNewPrivs") == ["1"]
    kill, bind, audit_write, sys_admin = 1 << 5, 1 << 10, 1 << 29, 1 << 21
    # --cap widens the bounding set; a non-root user keeps nothing effective.
    assert int(status_field(out, "CapBnd")[0], 16) == kill | bind | audit_write | sys_admin
    assert int(status_field(out, "CapEff")[0], 16) == 0
    assert "cwd=/tmp\n" in out
    assert "FROM_CONFIG=1\n" in out and "EXTRA=two words\n" in out
    assert "HOME=/\n" in out  # uid 1000 has no passwd entry
    assert out.endswith("777\n")  # the config's rlimits
    # -u with a uid only keeps the config's gid.
    assert runtime.run("exec", "-u", "1000", cid, "id", "-g").stdout == "0\n"


def test_process_file(runtime, running, tmp_path):
    def edit(config):
        config["process"]["noNewPrivileges"] = True
        config["process"]["env"] = ["PATH=/bin", "FROM_CONFIG=1"]
    cid, _ = running(edit)
    process = tmp_path / "process.json"
    # As containerd writes it: one line, keys left out mean "not set".
    process.write_text(json.dumps({"args": ["/bin/sh", "-c", "env; cat /proc/self/status; pwd"],
                                   "cwd": "/etc", "user": {"uid": 7, "gid": 8}}) + "\n")
    out = runtime.run("exec", "--process", str(process), cid).stdout
    assert "FROM_CONFIG" not in out and "PATH=/bin\n" not in out  # no env from config.json
    assert status_field(out, "Uid") == ["7"] * 4 and status_field(out, "Gid") == ["8"] * 4
    assert status_field(out, "NoNewPrivs") == ["0"]
    assert out.endswith("/etc\n")
    process.write_text(json.dumps({"args": ["sh"], "cwd": "/"}))
    no_path = runtime.run("exec", "-p", str(process), cid, check=False)
    assert no_path.returncode == 255
    assert 'exec: \\"sh\\": executable file not found in $PATH' in no_path.stderr


def test_missing_binary_fails_and_container_keeps_running(runtime, running):
    cid, _ = running()
    failed = runtime.run("exec", cid, "no-such-binary", check=False)
    assert failed.returncode == 255
    assert ('exec failed: unable to start container process: exec: \\"no-such-binary\\": '
            'executable file not found in $PATH') in failed.stderr
    assert runtime.state(cid)["status"] == "running"
    assert runtime.run("exec", cid, "echo", "still here").stdout == "still here\n"


def test_refusals_of_the_command_line(runtime, running):
    cid, _ = running()
    for args, words in ((("--cwd", "relative", cid, "true"), "Cwd must be an absolute path"),
                        ((cid,), "process args cannot be empty"),
                        (("-t", "-d", cid, "true"), "cannot allocate tty if"),
                        (("--console-socket", "/tmp/none.sock", cid, "true"), "cannot use console socket if")):
        refused = runtime.run("exec", *args, check=False)
        assert refused.returncode == 255 and words in refused.stderr, (args, refused.stderr)


def test_exec_into_stopped_container_fails(runtime, tmp_path):
    bundle = new_bundle(tmp_path, ["true"])
    cid = runtime.new_id()
    runtime.run("run", "--keep", "-b", str(bundle.path), cid)
    refused = runtime.run("exec", cid, "true", check=False)
    assert refused.returncode == 255 and "cannot exec in a stopped container" in refused.stderr
    runtime.run("delete", cid)


def _freezer_state_file(pid):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "freezer" in controllers.split(","):
                return f"/sys/fs/cgroup/freezer{path}/freezer.state"
    raise AssertionError("no freezer cgroup")


def test_exec_into_paused_container(runtime, running):
    cid, _ = running()
    state_file = _freezer_state_file(runtime.state(cid)["pid"])
    with open(state_file, "w") as f:  # what `pause` does
        f.write("FROZEN")
    try:
        assert runtime.state(cid)["status"] == "paused"
        refused = runtime.run("exec", cid, "true", check=False)
        assert refused.returncode == 255
        assert "cannot exec in a paused container (use --ignore-paused to override)" in refused.stderr
        forced = subprocess.Popen(runtime.cmd("exec", "--ignore-paused", cid, "sh", "-c", "exit 4"),
                                  stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        assert forced.poll() is None  # joined the frozen cgroup: frozen too
    finally:
        with open(state_file, "w") as f:
            f.write("THAWED")
    assert forced.wait(timeout=20) == 4


def test_process_is_inside_the_container(runtime, running, tmp_path):
    cid, _ = running(lambda c: c["linux"]["namespaces"].append({"type": "cgroup"}))
    init = runtime.state(cid)["pid"]
    pid_file = tmp_path / "exec.pid"
    proc = subprocess.Popen(runtime.cmd("exec", "--pid-file", str(pid_file), cid, "sleep", "30"),
                            stdin=subprocess.DEVNULL)
    try:
        raw = wait_for_file(pid_file)
        assert raw.isdigit()
        pid = int(raw)
        for ns in ("pid", "mnt", "uts", "ipc", "net", "cgroup"):
            assert os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/{init}/ns/{ns}"), ns
        with open(f"/proc/{pid}/status") as f:
            nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
        assert nspid[0] == str(pid) and len(nspid) == 2 and nspid[1] != "1"
        with open(f"/proc/{pid}/cgroup") as a, open(f"/proc/{init}/cgroup") as b:
            assert a.read() == b.read()
        assert os.readlink(f"/proc/{pid}/root") == os.readlink(f"/proc/{init}/root")
        assert os.readlink(f"/proc/{pid}/cwd") == os.readlink(f"/proc/{init}/cwd")
        assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]
        os.kill(pid, 9)
        assert proc.wait(timeout=10) == 137
    finally:
        proc.kill()
        proc.wait()


# Opens argv[1] (read-only, not close-on-exec) as fd 3, then execs the rest:
# a caller that leaks an fd into the runtime, as containerd's shim does.
LEAK_FD3 = (
    "import os, sys\n"
    "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
    "os.dup2(fd, 3) if fd != 3 else os.set_inheritable(3, True)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def test_only_stdio_and_preserved_fds_reach_the_process(runtime, running, tmp_path):
    cid, _ = running()
    for preserve, expected in ((0, ["0", "1", "2"]), (1, ["0", "1", "2", "3"])):
        pid_file = tmp_path / f"exec-{preserve}.pid"
        proc = subprocess.Popen([sys.executable, "-c", LEAK_FD3, str(tmp_path),
                                 *runtime.cmd("exec", "--preserve-fds", str(preserve), "--pid-file", str(pid_file),
                                              cid, "sleep", "30")], stdin=subprocess.DEVNULL)
        try:
            pid = int(wait_for_file(pid_file))
            assert sorted(os.listdir(f"/proc/{pid}/fd")) == expected
            if preserve:
                assert os.readlink(f"/proc/{pid}/fd/3") == str(tmp_path)
            os.kill(pid, 9)
            proc.wait(timeout=10)
        finally:
            proc.kill()
            proc.wait()


def test_detach_with_pid_file(runtime, running, tmp_path):
    cid, _ = running()
    pid_file = tmp_path / "exec.pid"
    out = tmp_path / "out"
    with open(out, "w") as stdout:
        caller = Caller(tmp_path, runtime.cmd("exec", "--detach", "--pid-file", str(pid_file), cid,
                                              "sh", "-c", "echo detached; exec sleep 30"), stdout)
    try:
        assert caller.returncode() == 0  # returned while the process runs
        raw = pid_file.read_bytes()
        assert raw.isdigit(), raw  # host pid, no newline (containerd parses it with Atoi)
        pid = int(raw)
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f)
        assert int(fields["PPid"]) == caller.proc.pid  # reparented to the caller, the subreaper
        assert fields["NSpid"].split()[0] == str(pid)
        wait_for_file(out)
        assert out.read_text() == "detached\n"
        os.kill(pid, 9)
    finally:
        caller.finish()


def test_tty_through_console_socket(runtime, running, tmp_path):
    cid, _ = running()
    sock_path = str(tmp_path / "console.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(1)
    caller = Caller(tmp_path, runtime.cmd("exec", "-t", "-d", "--console-socket", sock_path,
                                          "--pid-file", str(tmp_path / "tty.pid"), cid,
                                          "sh", "-c", "tty; echo on-the-tty; read line; echo got $line"))
    master = -1
    try:
        assert caller.returncode() == 0
        conn, _ = listener.accept()
        with conn:
            msg, fds, _, _ = socket.recv_fds(conn, 64, 4)
        assert msg == b"/dev/ptmx" and len(fds) == 1
        master = fds[0]
        os.write(master, b"typed\n")
        output = b""
        deadline = time.monotonic() + 10
        while b"got typed" not in output and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    output += os.read(master, 4096)
                except OSError:  # EIO: the process has gone
                    break
        lines = output.decode().replace("\r", "").splitlines()
        assert lines[0].startswith("/dev/pts/"), lines
        assert "on-the-tty" in lines and "got typed" in lines
    finally:
        if master >= 0:
            os.close(master)
        listener.close()
        caller.finish()


def test_exec_gets_the_containers_seccomp_filter(runtime, running):
    def edit(config):
        config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
    cid, _ = running(edit)
    out = runtime.run("exec", cid, "sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; echo rc=$?",
                      check=False).stdout
    assert "Seccomp:\t2" in out
    assert "Permission denied" in out and "rc=1" in out


def test_foreground_exec_forwards_signals(runtime, running, tmp_path):
    cid, _ = running()
    out = tmp_path / "exec-out"
    with open(out, "w") as stdout:
        proc = subprocess.Popen(runtime.cmd("exec", cid, "sh", "-c",
                                            "trap 'echo got TERM; exit 42' TERM; echo ready; "
                                            "while true; do sleep 0.05; done"),
                                stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while "ready" not in out.read_text():
            assert time.monotonic() < deadline, "the exec'd process never started"
            time.sleep(0.02)
        proc.send_signal(15)
        assert proc.wait(timeout=10) == 42
        assert "got TERM" in out.read_text()
    finally:
        proc.kill()
        proc.wait()
