"""linux.seccomp on the real kernel: a forked child prepares and loads a
filter, then execs busybox applets; the parent watches what they get."""
import errno
import json
import os
import pathlib
import select
import signal
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass

import pytest

from runc_py.linux import seccomp
from runc_py.linux import sys as rsys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "data" / "seccomp"))
from seccomp_profiles import load_seccomp  # noqa: E402

pytestmark = pytest.mark.integration

BUSYBOX = "/bin/busybox"
PR_SET_NO_NEW_PRIVS = 38
CAP_SYS_ADMIN = 21
TIMEOUT = 10


@dataclass
class Result:
    status: int
    out: str
    err: str

    @property
    def exit_code(self) -> int | None:
        return os.waitstatus_to_exitcode(self.status) if os.WIFEXITED(self.status) else None

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None


def run_confined(profile, argv=(), *, no_new_privs=True, drop_sys_admin=False, in_child=None) -> Result:
    """Fork; in the child, load the filter prepared here, then exec
    `busybox argv`.  `in_child(prepared)`, if given, loads it instead."""
    prepared = seccomp.prepare_filter(profile)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                if drop_sys_admin:
                    eff, perm, inh = rsys.capget()
                    mask = ~(1 << CAP_SYS_ADMIN)
                    rsys.capset(eff & mask, perm & mask, inh)
                if no_new_privs:
                    rsys.prctl(PR_SET_NO_NEW_PRIVS, 1)
                if in_child:
                    in_child(prepared)
                else:
                    prepared.load()
                os.execv(BUSYBOX, ["busybox", *argv])
            except BaseException as exc:  # noqa: BLE001 - report anything, never return into pytest
                os.write(2, f"child: {exc!r}\n".encode())
            os._exit(127)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return Result(status, out.read().decode(), err.read().decode())


def profile(default="SCMP_ACT_ALLOW", *syscalls, **extra):
    return load_seccomp({"defaultAction": default, "syscalls": list(syscalls), **extra})


def deny(names, action="SCMP_ACT_ERRNO", **rule):
    return {"names": list(names), "action": action, **rule}


MKDIR = ("mkdir", "mkdirat")


# --- (1) a realistic allow-list profile ------------------------------------

def test_default_profile_runs_busybox_shell_ls_and_cat():
    res = run_confined(load_seccomp("default.json"),
                       ["sh", "-c", "ls / >/dev/null && grep ^Seccomp: /proc/self/status | cat && echo hi | cat"])
    assert (res.exit_code, res.err) == (0, "")
    assert res.out.split("\n")[:2] == ["Seccomp:\t2", "hi"]


@pytest.mark.parametrize("argv, message", [
    (["unshare", "-m", "true"], "Operation not permitted"),  # not in the list: defaultErrnoRet 1
    (["linux32", "uname", "-m"], None),                      # personality(8) is allowed by argument
])
def test_default_profile_denies_what_it_does_not_list(argv, message):
    res = run_confined(load_seccomp("default.json"), argv)
    if message:
        assert res.exit_code != 0 and message in res.err, res
    else:
        assert (res.exit_code, res.out.strip()) == (0, "i686"), res


def test_default_profile_is_the_whole_difference():
    """The same unshare works without the filter: the EPERM is the filter's."""
    res = run_confined(profile(), ["unshare", "-m", "true"])
    assert res.exit_code == 0, res


# --- (2) targeted denials and argument conditions --------------------------

def test_errno_ret_is_what_the_syscall_returns(tmp_path):
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(MKDIR, errnoRet=errno.EACCES)),
                       ["mkdir", str(tmp_path / "d")])
    assert res.exit_code == 1 and "Permission denied" in res.err, res
    assert not (tmp_path / "d").exists()


def test_errno_without_errno_ret_is_eperm(tmp_path):
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(MKDIR)), ["mkdir", str(tmp_path / "d")])
    assert "Operation not permitted" in res.err, res


def truncate_outcomes(tmp_path, rule, sizes):
    """Which `truncate -s N` calls (ftruncate(fd, N)) the filter denied."""
    target = tmp_path / "f"
    script = "; ".join(f"truncate -s {n} {target} && echo ok {n} || echo denied {n}" for n in sizes)
    res = run_confined(profile("SCMP_ACT_ALLOW", rule), ["sh", "-c", script])
    assert res.exit_code == 0, res
    return {int(n) for word, n in (line.split() for line in res.out.splitlines()) if word == "denied"}


@pytest.mark.parametrize("op, denied", [
    ("SCMP_CMP_NE", {99, 101}),
    ("SCMP_CMP_LT", {99}),
    ("SCMP_CMP_LE", {99, 100}),
    ("SCMP_CMP_EQ", {100}),
    ("SCMP_CMP_GE", {100, 101}),
    ("SCMP_CMP_GT", {101}),
])
def test_each_comparison_operator(tmp_path, op, denied):
    rule = deny(["ftruncate"], args=[{"index": 1, "value": 100, "op": op}])
    assert truncate_outcomes(tmp_path, rule, (99, 100, 101)) == denied


def test_masked_eq_compares_value_masked_by_value_two_semantics(tmp_path):
    """`value` is the mask and `valueTwo` the datum: (arg & 0xf0) == 0x10."""
    rule = deny(["ftruncate"], args=[{"index": 1, "value": 0xF0, "valueTwo": 0x10, "op": "SCMP_CMP_MASKED_EQ"}])
    assert truncate_outcomes(tmp_path, rule, (16, 17, 32, 0x110)) == {16, 17, 0x110}


def test_two_conditions_on_one_argument_match_either(tmp_path):
    """runc's split: one rule per condition, so they OR instead of AND."""
    rule = deny(["ftruncate"], args=[{"index": 1, "value": 5, "op": "SCMP_CMP_EQ"},
                                     {"index": 1, "value": 7, "op": "SCMP_CMP_EQ"}])
    assert truncate_outcomes(tmp_path, rule, (5, 6, 7)) == {5, 7}


def test_personality_denied_for_one_argument_only():
    rule = deny(["personality"], args=[{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}])
    linux32 = run_confined(profile("SCMP_ACT_ALLOW", rule), ["linux32", "true"])
    linux64 = run_confined(profile("SCMP_ACT_ALLOW", rule), ["linux64", "true"])
    assert linux32.exit_code != 0 and "Operation not permitted" in linux32.err, linux32
    assert linux64.exit_code == 0, linux64


# --- (3) kill, trap, (4) log, (5) unknown names ----------------------------

@pytest.mark.parametrize("action", ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
                                    "SCMP_ACT_TRAP"])
def test_killing_actions_end_the_process_with_sigsys(action):
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(["uname"], action)), ["uname"])
    assert res.signal == signal.SIGSYS and res.out == "", res


def test_log_action_does_not_deny(tmp_path):
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(MKDIR, "SCMP_ACT_LOG")), ["mkdir", str(tmp_path / "d")])
    assert res.exit_code == 0, res
    assert (tmp_path / "d").is_dir()


def test_unknown_syscall_names_are_skipped(tmp_path):
    rule = deny(["no_such_syscall_on_any_arch", *MKDIR], errnoRet=errno.EACCES)
    res = run_confined(profile("SCMP_ACT_ALLOW", rule), ["mkdir", str(tmp_path / "d")])
    assert "Permission denied" in res.err, res


# --- no_new_privs ------------------------------------------------------------

def test_root_loads_without_no_new_privs():
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(["uname"], "SCMP_ACT_KILL_PROCESS")), ["uname"],
                       no_new_privs=False)
    assert res.signal == signal.SIGSYS, res


def test_without_no_new_privs_loading_needs_cap_sys_admin():
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(["uname"])), ["true"],
                       no_new_privs=False, drop_sys_admin=True)
    assert res.exit_code == 127 and "Permission denied" in res.err and "seccomp_load" in res.err, res


# --- (7) flags -----------------------------------------------------------------

def seccomp_modes_of_threads(prepared) -> None:
    """In the child: load with a second thread alive, print each thread's mode."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    prepared.load()
    modes = []
    for tid in sorted(os.listdir("/proc/self/task")):
        with open(f"/proc/self/task/{tid}/status") as f:
            modes.append(next(ln.split()[1] for ln in f if ln.startswith("Seccomp:")))
    release.set()
    other.join()
    os.write(1, " ".join(modes).encode())
    os._exit(0)


@pytest.mark.parametrize("flags, modes", [((), ["0", "2"]), (("SECCOMP_FILTER_FLAG_TSYNC",), ["2", "2"])])
def test_tsync_flag_filters_every_thread(flags, modes):
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(["uname"]), flags=list(flags)),
                       in_child=seccomp_modes_of_threads)
    assert res.exit_code == 0, res
    assert sorted(res.out.split()) == modes


@pytest.mark.parametrize("flag", ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"])
def test_log_and_spec_allow_flags_load_and_filter(tmp_path, flag):
    assert flag in seccomp.seccomp_features()["supportedFlags"]
    res = run_confined(profile("SCMP_ACT_ALLOW", deny(MKDIR, errnoRet=errno.EACCES), flags=[flag]),
                       ["mkdir", str(tmp_path / "d")])
    assert "Permission denied" in res.err, res


# --- (6) SCMP_ACT_NOTIFY with a real agent -------------------------------------

class Agent:
    """A seccomp agent listening at listenerPath, as the spec describes one."""

    def __init__(self, path: pathlib.Path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(1)
        self.sock.settimeout(TIMEOUT)

    def accept(self) -> tuple[dict, int]:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            data, fds, _, _ = socket.recv_fds(conn, 65536, 4)
            while chunk := conn.recv(65536):
                data += chunk
        assert len(fds) == 1
        return json.loads(data), fds[0]

    def close(self):
        self.sock.close()


def notifying_child(listener_path):
    """The init's side: connect before 'pivot_root', load, hand the fd over."""
    def in_child(prepared):
        sock = seccomp.connect_listener(listener_path)
        state = {"ociVersion": "1.0.2", "id": "rp-test", "status": "creating", "pid": os.getpid(),
                 "bundle": "/nonexistent", "annotations": {}}
        payload = seccomp.container_process_state(state, "agent-metadata")
        notify_fd = prepared.load()
        seccomp.send_notify_fd(sock, notify_fd, payload)
    return in_child


@pytest.mark.parametrize("answer", ["errno", "continue"])
def test_notify_hands_the_listener_to_the_agent(tmp_path, answer):
    agent = Agent(tmp_path / "agent.sock")
    target = tmp_path / "d"
    seccomp_profile = profile("SCMP_ACT_ALLOW", deny(MKDIR, "SCMP_ACT_NOTIFY"),
                              listenerPath=str(tmp_path / "agent.sock"), listenerMetadata="agent-metadata")
    outcome = {}

    def agent_side():
        try:
            state, notify_fd = agent.accept()
            outcome["state"] = state
            with os.fdopen(notify_fd, "rb", buffering=0) as listener:
                ready, _, _ = select.select([listener], [], [], TIMEOUT)
                assert ready, "no notification arrived"
                note = seccomp.receive_notification(notify_fd)
                outcome["note"] = note
                outcome["fds"] = [os.readlink(f"/proc/{note.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{note.pid}/fd")]
                if answer == "errno":
                    seccomp.respond_notification(notify_fd, note.id, error=errno.EACCES)
                else:
                    seccomp.respond_notification(notify_fd, note.id, continue_syscall=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=agent_side)
    thread.start()
    try:
        res = run_confined(seccomp_profile, ["mkdir", str(target)],
                           in_child=notifying_child(str(tmp_path / "agent.sock")))
    finally:
        thread.join(TIMEOUT)
        agent.close()
    assert "error" not in outcome, outcome
    state, note = outcome["state"], outcome["note"]
    assert state["fds"] == ["seccompFd"] and state["metadata"] == "agent-metadata"
    assert state["ociVersion"] == "1.0.2" and state["state"]["status"] == "creating"
    assert note.nr in {seccomp.syscall_number(n) for n in MKDIR}
    assert note.pid == state["pid"]
    assert not [fd for fd in outcome["fds"] if "seccomp" in fd], "the container process kept the listener"
    if answer == "errno":
        assert "Permission denied" in res.err and not target.exists(), res
    else:
        assert res.exit_code == 0 and target.is_dir(), res


def test_notify_agent_must_be_reachable(tmp_path):
    from runc_py.errors import RuncPyError
    with pytest.raises(RuncPyError) as info:
        seccomp.connect_listener(str(tmp_path / "nobody.sock"))
    assert str(info.value).startswith("linux.seccomp.listenerPath: connecting to the seccomp agent")
    assert "No such file or directory" in str(info.value)
