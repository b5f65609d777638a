"""The waiter (runc_py.process.waiter): a created init execs it to wait for
start, and it execs the user's program.  Each test forks an "init" on the
host that runs the init's own set-up (`prepare_process`: user, capabilities,
cwd, fd hygiene), then either becomes the waiter or waits in Python and execs
the program directly (`_wait_for_start` + `exec_user_process`), and inspects
the user's program from outside through /proc while it runs."""
import fcntl
import os
import signal
import time
import types

import pytest

from runc_py.linux.capabilities import CapabilitySets, last_cap
from runc_py.process.finalize import exec_user_process, prepare_process
from runc_py.process.init import _wait_for_start
from runc_py.process.waiter import SEALS, WAITER_NAME, WAITER_PATH, exec_waiter, open_waiter, waiter_can_finish

BUSYBOX = "/bin/busybox"
CHOWN, KILL, NET_BIND_SERVICE = 0, 5, 10
CAP_FIELDS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")
ENV = ["PATH=/bin", "A=b=c", "EMPTY=", "SPACE=x y", "DUP=1", "DUP=2"]
ARGS = ["sh", "-c", "read line", "zero", "a b", "", "c=d"]


def _mask(*caps: int) -> int:
    return sum(1 << c for c in caps)


def _context(args, env, *, uid=0, caps=None, no_new_privileges=False):
    with open("/proc/self/status") as f:
        full = int(next(line for line in f if line.startswith("CapBnd:")).split()[1], 16)  # the host may lack some
    return types.SimpleNamespace(
        args=list(args), env=list(env), cwd="/", uid=uid, gid=uid, additional_gids=[], umask=None,
        rlimits=[], personality=None, ioprio=None, sched=None, cpu_affinity=None, seccomp=None, lsm=None,
        no_new_privileges=no_new_privileges, caps=caps or CapabilitySets(full, full, full, 0, 0),
        last_cap=last_cap(), preserve_fds=1, hooks_start_container=())


class Init:
    """A forked stand-in for the container's init; `start()` writes the FIFO."""

    def __init__(self, tmp_path, ctx, *, via_waiter: bool, exe: str = BUSYBOX):
        self.fifo_path = str(tmp_path / "exec.fifo")
        os.mkfifo(self.fifo_path, 0o600)
        self.out_path = tmp_path / "out"
        fifo_fd = os.open(self.fifo_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        waiter_fd = open_waiter()
        stdin_r, self.stdin_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            self._child(ctx, via_waiter, exe, fifo_fd, waiter_fd, stdin_r)
        for fd in (fifo_fd, waiter_fd, stdin_r):
            os.close(fd)

    def _child(self, ctx, via_waiter, exe, fifo_fd, waiter_fd, stdin_r) -> None:
        try:
            out = os.open(self.out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(stdin_r, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            # Park our fds high, and make fd 3 the one preserved fd.
            fifo_fd = fcntl.fcntl(fifo_fd, fcntl.F_DUPFD_CLOEXEC, 100)
            waiter_fd = fcntl.fcntl(waiter_fd, fcntl.F_DUPFD_CLOEXEC, 100)
            os.dup2(os.open("/dev/null", os.O_RDONLY), 3)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
            for sig in (signal.SIGHUP, signal.SIGQUIT):  # Python itself ignores SIGPIPE and SIGXFSZ
                signal.signal(sig, signal.SIG_IGN)
            prepare_process(ctx)
            if via_waiter:
                exec_waiter(waiter_fd, fifo_fd, exe, ctx.args, ctx.env, ctx.no_new_privileges)
            else:
                _wait_for_start(fifo_fd)
                exec_user_process(ctx, exe)
        except BaseException as err:  # noqa: B036
            os.write(2, f"child: {err!r}\n".encode())
        os._exit(99)

    def wait_for(self, predicate, what: str) -> None:
        deadline = time.monotonic() + 10
        while not predicate():
            assert self.status()["State"][0] != "Z", f"exited before {what}: {self.output()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.output()}"
            time.sleep(0.01)

    def cmdline(self) -> list[bytes]:
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as f:
                return f.read().split(b"\0")[:-1]
        except OSError:
            return []

    def status(self) -> dict[str, str]:
        with open(f"/proc/{self.pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)

    def waiting(self) -> bool:
        """The waiter is blocked in poll on the FIFO."""
        argv = self.cmdline()
        return bool(argv) and argv[0] == WAITER_NAME.encode() and self.status()["State"].startswith("S")

    def start(self) -> None:
        fd = os.open(self.fifo_path, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def finish(self) -> int:
        """Release the program (it reads one line) and reap it: its exit code."""
        try:
            os.write(self.stdin_w, b"done\n")
        except BrokenPipeError:
            pass
        os.close(self.stdin_w)
        _, status = os.waitpid(self.pid, 0)
        os.unlink(self.fifo_path)
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.finish()

    def output(self) -> str:
        return self.out_path.read_text() if self.out_path.exists() else ""


def _run(tmp_path, ctx, *, via_waiter: bool, inspect):
    """Start an init, let it start the program, return inspect(init) while it runs."""
    init = Init(tmp_path, ctx, via_waiter=via_waiter)
    try:
        if via_waiter:
            init.wait_for(init.waiting, "the waiter")
        init.start()
        init.wait_for(lambda: init.cmdline() == [a.encode() for a in ctx.args], "the user's program")
        init.wait_for(lambda: init.status()["State"].startswith("S"), "the program to block reading stdin")
        result = inspect(init)
    except BaseException:
        init.kill()
        raise
    assert init.finish() == 0, init.output()
    return result


def _caps(init: Init) -> dict[str, str]:
    status = init.status()
    return {k: status[k] for k in CAP_FIELDS}


@pytest.mark.parametrize("uid,caps,nnp,expect_prm", [
    pytest.param(0, None, False, None, id="root-default"),
    pytest.param(0, CapabilitySets(_mask(CHOWN, KILL, NET_BIND_SERVICE), _mask(CHOWN), _mask(CHOWN), 0, 0),
                 False, _mask(CHOWN, KILL, NET_BIND_SERVICE), id="root-reduced"),
    pytest.param(0, CapabilitySets(_mask(CHOWN, KILL, NET_BIND_SERVICE), _mask(CHOWN), _mask(CHOWN), 0, 0),
                 True, _mask(CHOWN), id="root-reduced-nnp"),
    pytest.param(0, CapabilitySets(_mask(CHOWN, KILL), _mask(CHOWN), _mask(CHOWN), _mask(KILL), 0),
                 True, _mask(CHOWN), id="root-inheritable-nnp"),
    pytest.param(1000, CapabilitySets(_mask(CHOWN, KILL, NET_BIND_SERVICE), _mask(CHOWN, NET_BIND_SERVICE),
                                      _mask(CHOWN, KILL, NET_BIND_SERVICE), _mask(CHOWN, NET_BIND_SERVICE),
                                      _mask(CHOWN, NET_BIND_SERVICE)),
                 False, _mask(CHOWN, NET_BIND_SERVICE), id="user-ambient"),
    pytest.param(1000, CapabilitySets(_mask(CHOWN, KILL, NET_BIND_SERVICE), _mask(NET_BIND_SERVICE),
                                      _mask(CHOWN, NET_BIND_SERVICE), _mask(NET_BIND_SERVICE),
                                      _mask(NET_BIND_SERVICE)),
                 True, _mask(NET_BIND_SERVICE), id="user-ambient-nnp"),
    pytest.param(1000, None, False, 0, id="user-no-ambient"),
])
def test_capabilities_after_two_execs_equal_one(tmp_path, uid, caps, nnp, expect_prm):
    ctx = _context(ARGS, ENV, uid=uid, caps=caps, no_new_privileges=nnp)
    direct = _run(tmp_path, ctx, via_waiter=False, inspect=_caps)
    through_waiter = _run(tmp_path, _context(ARGS, ENV, uid=uid, caps=caps, no_new_privileges=nnp),
                          via_waiter=True, inspect=_caps)
    print(f"\n{uid=} {nnp=}: {through_waiter}")
    assert through_waiter == direct
    assert through_waiter["NoNewPrivs"] == ("1" if nnp else "0")
    if expect_prm is not None:
        assert int(through_waiter["CapPrm"], 16) == expect_prm


def test_argv_and_env_reach_the_program_exactly(tmp_path):
    def inspect(init):
        with open(f"/proc/{init.pid}/environ", "rb") as f:
            return init.cmdline(), f.read().split(b"\0")[:-1]

    ctx = _context(ARGS, ENV)
    argv, env = _run(tmp_path, ctx, via_waiter=True, inspect=inspect)
    assert argv == [a.encode() for a in ARGS]
    # prepare_process adds HOME when the config has none, as runc does.
    assert env == [e.encode() for e in ENV + ["HOME=/root"]]


def test_program_starts_with_default_signals_and_only_stdio_and_preserved_fds(tmp_path):
    def inspect(init):
        status = init.status()
        return status["SigIgn"], status["SigBlk"], sorted(int(fd) for fd in os.listdir(f"/proc/{init.pid}/fd"))

    # cat, not sh: busybox sh ignores SIGQUIT itself.
    ignored, blocked, fds = _run(tmp_path, _context(["cat"], ENV), via_waiter=True, inspect=inspect)
    assert int(ignored, 16) == 0
    assert int(blocked, 16) == 0
    assert fds == [0, 1, 2, 3]  # stdio and the one preserved fd: no FIFO, no memfd


def test_waiting_waiter_is_small_and_cannot_be_written_through_proc_exe(tmp_path):
    init = Init(tmp_path, _context(ARGS, ENV), via_waiter=True)
    try:
        init.wait_for(init.waiting, "the waiter")
        rss_kib = int(init.status()["VmRSS"].split()[0])
        print(f"\nwaiting waiter: VmRSS {rss_kib} kB, exe -> {os.readlink(f'/proc/{init.pid}/exe')}")
        assert rss_kib < 2048
        with open(f"/proc/{init.pid}/comm") as f:
            assert f.read() == WAITER_NAME + "\n"  # what ps -e shows, not the memfd's name
        with pytest.raises(OSError):
            os.open(f"/proc/{init.pid}/exe", os.O_WRONLY)
        # What an exec'd process could keep: the waiter's binary, opened while it waited.
        exe_fd = os.open(f"/proc/{init.pid}/exe", os.O_RDONLY | os.O_CLOEXEC)
        try:
            init.start()
            init.wait_for(lambda: init.cmdline() == [a.encode() for a in ARGS], "the user's program")
            with pytest.raises(OSError):
                reopened = os.open(f"/proc/self/fd/{exe_fd}", os.O_RDWR)
                try:
                    os.write(reopened, b"\x7fELF")
                finally:
                    os.close(reopened)
        finally:
            os.close(exe_fd)
    except BaseException:
        init.kill()
        raise
    assert init.finish() == 0, init.output()


def test_memfd_is_a_sealed_copy_of_the_waiter():
    fd = open_waiter()
    try:
        assert fcntl.fcntl(fd, fcntl.F_GET_SEALS) == SEALS
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        with open(WAITER_PATH, "rb") as f:
            assert os.pread(fd, os.fstat(fd).st_size + 1, 0) == f.read()
        with pytest.raises(PermissionError):
            os.pwrite(fd, b"x", 0)
        with pytest.raises(PermissionError):
            os.ftruncate(fd, 0)
        with pytest.raises(PermissionError):
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, 0)
    finally:
        os.close(fd)


def test_missing_program_is_reported_on_stderr_with_exit_1(tmp_path):
    init = Init(tmp_path, _context(ARGS, ENV), via_waiter=True, exe="/no/such/program")
    try:
        init.wait_for(init.waiting, "the waiter")
        init.start()
    except BaseException:
        init.kill()
        raise
    assert init.finish() == 1
    assert init.output() == "runc-py: exec failed: /no/such/program: no such file or directory\n"


def test_exec_failure_leaves_the_fifo_close_on_exec(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    fifo_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        with pytest.raises(OSError, match="execveat runc-py-init: bad file descriptor"):
            exec_waiter(-1, fifo_fd, BUSYBOX, ["true"], [], no_new_privs=False)
        assert not os.get_inheritable(fifo_fd)
    finally:
        os.close(fifo_fd)


def test_waiter_finishes_only_plain_starts():
    plain = _context(ARGS, ENV)
    assert waiter_can_finish(plain)
    assert not waiter_can_finish(types.SimpleNamespace(**{**vars(plain), "hooks_start_container": ("hook",)}))
    assert not waiter_can_finish(types.SimpleNamespace(**{**vars(plain), "lsm": object()}))
    assert not waiter_can_finish(types.SimpleNamespace(**{**vars(plain), "seccomp": object()}))


def _proc_status(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


@pytest.mark.parametrize("seccomp", [False, True])
def test_created_container_waits_in_the_waiter_unless_seccomp_needs_python(runc_py, tmp_path, seccomp):
    """Through the CLI: a plain created container's init is the waiter
    (comm runc-py-init, under 2 MiB), a seccomp one keeps waiting in Python;
    both start and run the user's program."""
    import json

    from helpers import new_bundle

    out = tmp_path / "out"

    def edit(config):
        config["mounts"].append({"destination": "/out", "type": "bind", "source": str(tmp_path),
                                 "options": ["rbind"]})
        if seccomp:
            config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                                          "syscalls": [{"names": ["mknod"], "action": "SCMP_ACT_ERRNO"}]}
    bundle = new_bundle(tmp_path, ["sh", "-c", "echo started > /out/out"], edit)
    cid = runc_py.new_id()
    runc_py.run("create", "-b", str(bundle.path), cid)
    try:
        pid = json.loads(runc_py.run("state", cid).stdout)["pid"]
        status = _proc_status(pid)
        kib = int(status["VmRSS"].split()[0])
        print(f"created init: {status['Name']}, VmRSS {kib} kB")
        if seccomp:
            assert status["Name"] != WAITER_NAME
        else:
            assert status["Name"] == WAITER_NAME and kib < 2048
        runc_py.run("start", cid)
        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert out.read_text() == "started\n"
    finally:
        runc_py.run("delete", "--force", cid)
