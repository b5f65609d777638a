"""`ctr run` through containerd's runc shim: exit codes, tty, images, and a
create that fails (its error text, its log file, and that nothing leaks)."""

from __future__ import annotations

import re
import signal

from ctrd_harness import DEFAULT_TIMEOUT, wait_for
from ctrd_probes import last_error_message, mounts_under, parse_runtime_log


def test_run_rm_reports_the_exit_status(ctr):
    failing = ctr.run(ctr.new_id(), "/bin/sh", "-c", "echo from-the-container; exit 3", rm=True)
    assert failing.returncode == 3, failing.stderr
    assert failing.stdout == "from-the-container\n"
    succeeding = ctr.run(ctr.new_id(), "/bin/true", rm=True)
    assert succeeding.returncode == 0, succeeding.stderr
    assert succeeding.stdout == ""


def test_run_rm_passes_stdin_and_stderr(ctr):
    proc = ctr.run(ctr.new_id(), "/bin/sh", "-c", "read line; echo \"got $line\"; echo oops >&2",
                   rm=True, input="hello\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "got hello\n"
    assert proc.stderr == "oops\n"


def test_run_rm_applies_env_cwd_read_only_root_and_bind_mounts(ctr, tmp_path):
    (tmp_path / "greeting").write_text("hello from the host\n")
    cid = ctr.new_id()
    probe = ctr.rootfs / f"{cid}-written"
    script = (f'echo "FOO=$FOO"; pwd; cat /data/greeting; '
              f'touch /{probe.name} 2>/dev/null && echo root-writable; '
              f'touch /data/x 2>/dev/null && echo bind-writable; exit 0')
    try:
        proc = ctr.run(cid, "/bin/sh", "-c", script, rm=True, options=(
            "--env", "FOO=bar", "--cwd", "/tmp", "--read-only",
            "--mount", f"type=bind,src={tmp_path},dst=/data,options=rbind:ro"))
    finally:
        probe.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "FOO=bar\n/tmp\nhello from the host\n"
    assert not (tmp_path / "x").exists()


def test_run_with_tty(ctr):
    result = ctr.run_tty(ctr.new_id(), "/bin/sh", "-c", "tty; test -t 0 && test -t 1 && test -t 2; exit 4",
                         rm=True)
    assert result.returncode == 4, result.output
    assert re.search(r"^/dev/pts/\d+$", result.output, re.M), result.output


def test_run_imported_image_with_its_config_and_snapshot(ctr, busybox_image):
    """An image imported from an OCI archive: its Env reaches the process (so
    a bare `sh` is found on PATH) and its overlay snapshot is mounted as the
    bundle's rootfs while the task runs, and unmounted afterwards."""
    cid = ctr.new_id()
    output = ctr.start_detached(cid, "sh", "-c", 'echo "env=$IMAGE_BUILT_BY"; echo ready; sleep 1000',
                                image=busybox_image, ready="ready")
    assert "env=runc-py-tests\n" in output.read_text()
    rootfs = ctr.ctrd.bundle(cid) / "rootfs"
    assert str(rootfs) in mounts_under(ctr.ctrd.bundle(cid))
    ctr.task("kill", "--signal", "SIGKILL", cid)
    wait_for(lambda: ctr.ctrd.task_status(cid) == "STOPPED", what="the task to stop")
    ctr.task("delete", cid)
    assert mounts_under(ctr.ctrd.bundle(cid)) == []
    ctr.ctrd.ctr("containers", "rm", cid, check=True)
    assert ctr.leftovers(cid) == []


def test_run_rm_image_default_command(ctr, busybox_image):
    proc = ctr.run(ctr.new_id(), rm=True, image=busybox_image, input="echo $PATH; exit 7\n")
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"


def test_foreground_run_killed_with_sigkill_exits_137(ctr):
    cid = ctr.new_id()
    proc, out = ctr.popen_run(cid, "/bin/sh", "-c", "echo ready; exec sleep 1000", rm=True)
    out.read_until("ready\n")
    ctr.task("kill", "--signal", "SIGKILL", cid)
    assert proc.wait(DEFAULT_TIMEOUT) == 128 + signal.SIGKILL


MISSING_COMMANDS = {
    "/no/such/binary": "no such file or directory",
    # ctr's default spec has no env at all, so a bare name is not found on PATH
    "no-such-command": "executable file not found",
}


def _assert_create_failed_with_runtime_message(proc, command: str) -> str:
    assert proc.returncode != 0
    stderr = proc.stderr.strip()
    match = re.search(r"OCI runtime create failed: (.*): unknown$", stderr)
    assert match, f"the runtime's message did not reach the client: {stderr}"
    message = match.group(1)
    assert command in message and MISSING_COMMANDS[command] in message, stderr
    return message


def test_missing_command_fails_clearly_and_leaks_nothing(ctr):
    for command in MISSING_COMMANDS:
        cid = ctr.new_id()
        proc = ctr.run(cid, command, rm=True)
        _assert_create_failed_with_runtime_message(proc, command)
        assert ctr.ctrd.task_status(cid) is None
        assert cid not in ctr.ctrd.containers()
        # The cleanup `delete --force` may still be running when ctr returns.
        wait_for(lambda: not ctr.leftovers(cid), what=f"{cid} to leave no trace",
                 detail=lambda: ctr.leftovers(cid))


def test_log_json_of_a_failed_create_is_what_the_shim_reports(ctr, tmp_path):
    """The shim removes the bundle after a failed create, so a wrapper keeps
    a copy of `<bundle>/log.json` after every runtime call (it runs in the
    bundle, and execs nothing else: the runtime sees the shim's argv, fds and
    environment)."""
    copy = tmp_path / "log.json"
    wrapper = tmp_path / "runtime-wrapper"
    wrapper.write_text(f'#!/bin/sh\n"{ctr.runtime_binary}" "$@"\nrc=$?\n'
                       f'[ -f log.json ] && cp log.json "{copy}"\nexit $rc\n')
    wrapper.chmod(0o755)
    ctr.runtime_binary = str(wrapper)
    cid = ctr.new_id()
    proc = ctr.run(cid, "/no/such/binary", rm=True)
    message = _assert_create_failed_with_runtime_message(proc, "/no/such/binary")
    entries = parse_runtime_log(copy.read_text())
    assert last_error_message(entries) == message


def test_log_json_of_a_failed_exec_is_what_the_shim_reports(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sleep", "1000")
    log = ctr.ctrd.bundle(cid) / "log.json"
    # runc creates the file even when it has nothing to say; the shim only
    # reads it after a failure, so it may be absent, but must hold no error.
    before = log.read_text() if log.exists() else ""
    assert last_error_message(parse_runtime_log(before)) is None, "a successful create/start logged an error"
    proc = ctr.exec(cid, "bad-exec", "/no/such/binary")
    assert proc.returncode != 0
    match = re.search(r"OCI runtime exec failed: (.*): unknown$", proc.stderr.strip())
    assert match, proc.stderr
    entries = parse_runtime_log(log.read_text())
    assert last_error_message(entries) == match.group(1)
    assert "no such file or directory" in match.group(1)
    assert ctr.ctrd.task_status(cid) == "RUNNING"
