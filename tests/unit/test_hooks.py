"""OCI hooks run as config.md's "POSIX-platform Hooks" says, seen from the hook.

Most hooks here are busybox's sh reached through a symlink named `sh`: busybox
picks the applet from argv[0], so the hook's argv[0] decides what runs, and
with no args that sh reads its commands from stdin, i.e. from the state we
pass.  /proc/$$/cmdline and /proc/$$/environ show the argv and environment the
hook was exec'd with, before the shell adds anything.
"""
import os
import subprocess
import sys
import time
import pytest

from runc_py.container import hooks
from runc_py.container.hooks import run_hooks
from runc_py.errors import RuncPyError
from runc_py.spec.model import Hook


@pytest.fixture
def busybox_sh(tmp_path):
    link = tmp_path / "sh"
    link.symlink_to("/bin/busybox")
    return str(link)


def script(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def warnings(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(hooks.log, "warning", seen.append)
    return seen


def test_state_arrives_on_stdin_byte_for_byte(tmp_path):
    state = '{"ociVersion":"1.2.0","id":"c1","status":"creating","annotations":{"k":"välue"}}'.encode()
    hook = script(tmp_path, "hook", f"/bin/cat > {tmp_path}/stdin\n")
    run_hooks("createRuntime", (Hook(path=hook),), state, fatal=True)
    assert (tmp_path / "stdin").read_bytes() == state


def test_a_large_state_the_hook_never_reads_does_not_block(tmp_path):
    hook = script(tmp_path, "hook", "exit 0\n")
    started = time.monotonic()
    run_hooks("prestart", (Hook(path=hook, timeout=10),), b"x" * (4 << 20), fatal=True)
    assert time.monotonic() - started < 5


def test_a_background_child_holding_the_output_does_not_block(tmp_path):
    daemonizing = script(tmp_path, "hook", f"/bin/sleep 60 &\necho $! > {tmp_path}/child\necho detached\n")
    started = time.monotonic()
    try:
        run_hooks("createRuntime", (Hook(path=daemonizing),), b"{}", fatal=True)
        assert time.monotonic() - started < 5
    finally:
        child = int((tmp_path / "child").read_text())
        os.kill(child, 9)
        assert not_running(child)


def test_argv_is_args_with_args0_as_argv0(tmp_path):
    # argv[0] "sh" is what makes busybox run its shell ("; exit" keeps the
    # shell from exec'ing cat in its own place).
    command = f"/bin/cat /proc/$$/cmdline > {tmp_path}/argv; exit 0"
    run_hooks("prestart", (Hook(path="/bin/busybox", args=("sh", "-c", command, "extra")),), b"{}", fatal=True)
    assert (tmp_path / "argv").read_bytes() == b"\0".join([b"sh", b"-c", command.encode(), b"extra"]) + b"\0"


@pytest.mark.parametrize("args", [None, ()], ids=["absent", "empty"])
def test_argv_is_path_without_args(tmp_path, busybox_sh, args):
    commands = f"/bin/cat /proc/$$/cmdline > {tmp_path}/argv".encode()
    run_hooks("prestart", (Hook(path=busybox_sh, args=args),), commands, fatal=True)
    assert (tmp_path / "argv").read_bytes() == busybox_sh.encode() + b"\0"


def test_env_is_exactly_the_hooks_own(tmp_path, busybox_sh, monkeypatch):
    monkeypatch.setenv("RUNTIME_ONLY", "must not leak")
    env = ("B=2", "A=1=one", "EMPTY=", "PATH=/nowhere")
    commands = f"/bin/cat /proc/$$/environ > {tmp_path}/environ".encode()
    run_hooks("createContainer", (Hook(path=busybox_sh, env=env),), commands, fatal=True)
    assert (tmp_path / "environ").read_bytes().split(b"\0")[:-1] == [e.encode() for e in env]


def test_no_env_means_an_empty_environment(tmp_path, busybox_sh):
    commands = f"/bin/cat /proc/$$/environ > {tmp_path}/environ".encode()
    run_hooks("prestart", (Hook(path=busybox_sh),), commands, fatal=True)
    assert (tmp_path / "environ").read_bytes() == b""


def test_a_name_given_twice_keeps_its_last_value(tmp_path, busybox_sh):
    commands = f"/bin/cat /proc/$$/environ > {tmp_path}/environ".encode()
    run_hooks("prestart", (Hook(path=busybox_sh, env=("X=first", "Y=y", "X=last")),), commands, fatal=True)
    assert (tmp_path / "environ").read_bytes() == b"X=last\0Y=y\0"


def test_an_env_entry_without_equals_fails_the_hook(tmp_path, busybox_sh):
    with pytest.raises(RuncPyError) as err:
        run_hooks("prestart", (Hook(path=busybox_sh, env=("A=1", "JUSTNAME")),), b"exit 0", fatal=True)
    assert str(err.value) == 'hooks.prestart[0]: env entry "JUSTNAME" is not NAME=VALUE'


def test_the_hook_gets_none_of_the_runtimes_other_fds(tmp_path, busybox_sh):
    secret = tmp_path / "runtime-private-file"
    fd = os.open(secret, os.O_RDWR | os.O_CREAT)
    os.set_inheritable(fd, True)
    try:
        commands = f"/bin/ls -l /proc/$$/fd > {tmp_path}/fds".encode()
        run_hooks("prestart", (Hook(path=busybox_sh),), commands, fatal=True)
    finally:
        os.close(fd)
    listing = (tmp_path / "fds").read_text()
    assert "memfd:hook-state" in listing and str(secret) not in listing


def test_failure_names_kind_index_status_and_output_tail_and_stops(tmp_path):
    ok = script(tmp_path, "ok", f"echo ran >> {tmp_path}/log\n")
    bad = script(tmp_path, "bad", "echo some stdout\necho 'bad thing' >&2\nexit 3\n")
    with pytest.raises(RuncPyError) as err:
        run_hooks("prestart", (Hook(path=ok), Hook(path=bad), Hook(path=ok)), b"{}", fatal=True)
    assert str(err.value) == f'hooks.prestart[1]: "{bad}" exited with status 3: some stdout; bad thing'
    assert err.value.path == "hooks.prestart[1]"
    assert (tmp_path / "log").read_text() == "ran\n"  # the hook after the failure did not run


def test_a_silent_failure_has_no_output_part(tmp_path):
    with pytest.raises(RuncPyError) as err:
        run_hooks("startContainer", (Hook(path="/bin/false"),), b"{}", fatal=True)
    assert str(err.value) == 'hooks.startContainer[0]: "/bin/false" exited with status 1'


def test_long_output_is_cut_to_its_end(tmp_path):
    noisy = script(tmp_path, "noisy", "i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; exit 1\n")
    with pytest.raises(RuncPyError) as err:
        run_hooks("prestart", (Hook(path=noisy),), b"{}", fatal=True)
    prefix = f'hooks.prestart[0]: "{noisy}" exited with status 1: ...'
    message = str(err.value)
    assert message.startswith(prefix)
    assert message.endswith("line 498; line 499")
    kept = message[len(prefix):].split("; ")
    assert len("\n".join(kept)) <= 1000  # at most 1000 bytes of output, whole lines only
    assert kept == [f"line {i}" for i in range(500 - len(kept), 500)]


def test_hook_output_does_not_reach_the_runtimes_stdio(tmp_path, capfd):
    chatty = script(tmp_path, "chatty", "echo to stdout\necho to stderr >&2\n")
    run_hooks("poststart", (Hook(path=chatty),), b"{}", fatal=False)
    assert capfd.readouterr() == ("", "")


def test_killed_by_a_signal(tmp_path):
    victim = script(tmp_path, "victim", "echo going down >&2\nkill -TERM $$\n")
    with pytest.raises(RuncPyError) as err:
        run_hooks("prestart", (Hook(path=victim),), b"{}", fatal=True)
    assert str(err.value) == f'hooks.prestart[0]: "{victim}" was killed by SIGTERM: going down'


@pytest.mark.parametrize("make, why", [
    (lambda d: str(d / "missing"), "no such file or directory"),
    (lambda d: (d / "plain").write_text("") or str(d / "plain"), "permission denied"),
    (lambda d: str(d), "permission denied"),
], ids=["missing", "not-executable", "directory"])
def test_cannot_exec(tmp_path, make, why):
    path = make(tmp_path)
    with pytest.raises(RuncPyError) as err:
        run_hooks("createRuntime", (Hook(path=path),), b"{}", fatal=True)
    assert str(err.value) == f'hooks.createRuntime[0]: cannot run "{path}": {why}'


def test_timeout_kills_the_hook_and_its_children(tmp_path):
    slow = script(tmp_path, "slow", f"/bin/sleep 60 &\necho $! > {tmp_path}/child\necho started\n/bin/sleep 60\n")
    started = time.monotonic()
    with pytest.raises(RuncPyError) as err:
        run_hooks("prestart", (Hook(path=slow, timeout=1),), b"{}", fatal=True)
    elapsed = time.monotonic() - started
    assert str(err.value) == f'hooks.prestart[0]: "{slow}" did not exit within 1s and was killed: started'
    assert 1 <= elapsed < 5
    child = int((tmp_path / "child").read_text())
    assert not_running(child)


def not_running(pid: int) -> bool:
    """Gone, or a zombie waiting for its new parent to reap it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_hook_within_its_timeout_succeeds(tmp_path):
    quick = script(tmp_path, "quick", f"/bin/sleep 0.2\ntouch {tmp_path}/done\n")
    run_hooks("prestart", (Hook(path=quick, timeout=5),), b"{}", fatal=True)
    assert (tmp_path / "done").exists()


def test_non_fatal_failures_warn_and_the_next_hooks_run(tmp_path, warnings):
    after = script(tmp_path, "after", f"/bin/cat > {tmp_path}/after\n")
    run_hooks("poststop", (Hook(path="/bin/false"), Hook(path=str(tmp_path / "missing")), Hook(path=after)),
              b'{"status":"stopped"}', fatal=False)
    assert warnings == [
        'hooks.poststop[0]: "/bin/false" exited with status 1',
        f'hooks.poststop[1]: cannot run "{tmp_path}/missing": no such file or directory',
    ]
    assert (tmp_path / "after").read_bytes() == b'{"status":"stopped"}'


def test_success_warns_nothing(tmp_path, warnings):
    run_hooks("poststart", (Hook(path="/bin/true"), Hook(path="/bin/true", args=("true",))), b"{}", fatal=False)
    assert warnings == []


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown hook kind 'prestop'"):
        run_hooks("prestop", (), b"{}", fatal=True)


def test_no_hooks_does_not_load_subprocess():
    code = ("import sys; from runc_py.container.hooks import run_hooks; "
            "run_hooks('prestart', (), b'{}', fatal=True); print('subprocess' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out == "False\n"


def test_once_subprocess_is_loaded_running_hooks_imports_nothing(tmp_path):
    """What the container init relies on to run hooks after pivot_root."""
    code = f"""
import subprocess, sys
from runc_py.container.hooks import run_hooks
from runc_py.errors import RuncPyError
from runc_py.spec.model import Hook
loaded = set(sys.modules)
for hook in (Hook(path="/bin/true"), Hook(path="/bin/false"), Hook(path="{tmp_path}/missing"),
             Hook(path="/bin/sh", args=("sh", "-c", "echo out; kill -TERM $$"), env=("A=1",)),
             Hook(path="/bin/sleep", args=("sleep", "5"), timeout=1)):
    try:
        run_hooks("startContainer", (hook,), b"{{}}", fatal=True)
    except RuncPyError:
        pass
print(sorted(set(sys.modules) - loaded))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out == "[]\n"
