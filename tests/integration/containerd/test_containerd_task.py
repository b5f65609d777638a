"""Managing a detached task with `ctr task …` through containerd's runc shim."""

from __future__ import annotations

import json
import os
import re
import time

from ctrd_harness import wait_for
from ctrd_probes import cgroup_pids, freezer_state, pid_alive, unmounted_v1_hierarchies

# PID 1 of these containers: a shell with a child, which reports signals.
TRAPPING_SHELL = ('trap "echo got USR1" USR1; trap "echo got TERM" TERM; sleep 1000 & echo ready; '
                  'while true; do sleep 1 & wait $!; done')
# A shell waiting for one child: exactly two processes, none coming or going.
STEADY_PAIR = "sleep 1000 & echo ready; wait"


def _cgroup(ctr, cid: str) -> str:
    return f"/{ctr.ctrd.namespace}/{cid}"


def test_detached_task_is_listed_running(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sleep", "1000")
    pid = ctr.ctrd.task_pid(cid)
    assert pid_alive(pid)
    assert pid in cgroup_pids(_cgroup(ctr, cid))
    with open(f"/proc/{pid}/status") as f:
        nspid = [line.split()[1:] for line in f if line.startswith("NSpid:")][0]
    assert nspid == [str(pid), "1"], "the task's pid is the host pid of the container's PID 1"
    assert ctr.ctrd.task_status(cid) == "RUNNING"
    # The probe that proves "nothing left behind" after each test sees every
    # trace of a live container.
    traces = " | ".join(ctr.leftovers(cid))
    for trace in ("runtime state dir", "bundle", "processes in cgroup", "cgroups"):
        assert trace in traces, traces


def test_container_processes_get_only_their_stdio(ctr):
    """The shim's create call has its ttrpc listener open as fd 3 by accident
    (see the contract): it must not reach the container, nor any fd of the
    runtime's own."""
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sleep", "1000")
    pid = ctr.ctrd.task_pid(cid)
    fds = {fd: os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    assert sorted(fds) == ["0", "1", "2"], fds
    assert fds["1"].startswith("pipe:") and fds["2"].startswith("pipe:"), fds
    proc = ctr.exec(cid, "fds", "/bin/sh", "-c", "ls /proc/$$/fd; true")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "1", "2"]


def test_exec_without_tty(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sleep", "1000")
    proc = ctr.exec(cid, "e1", "/bin/sh", "-c", "read line; echo \"out $line\"; echo err >&2; exit 5",
                    input="hello\n")
    assert proc.returncode == 5, proc.stderr
    assert proc.stdout == "out hello\n"
    assert proc.stderr == "err\n"
    # The exec'd process shares the container's PID namespace: it sees PID 1.
    proc = ctr.exec(cid, "e2", "/bin/cat", "/proc/1/cmdline")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\0")[:2] == ["/bin/sleep", "1000"]


def test_exec_with_tty(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sleep", "1000")
    result = ctr.exec_tty(cid, "t1", "/bin/sh", "-c", "tty; test -t 0 && test -t 1 && test -t 2; exit 6")
    assert result.returncode == 6, result.output
    assert re.search(r"^/dev/pts/\d+$", result.output, re.M), result.output
    assert ctr.ctrd.task_status(cid) == "RUNNING"


def test_task_ps_lists_the_container_pids(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sh", "-c", STEADY_PAIR, ready="ready")
    lines = ctr.task("ps", cid).stdout.splitlines()
    assert lines[0].split() == ["PID", "INFO"]
    listed = {int(line.split()[0]) for line in lines[1:]}
    assert ctr.ctrd.task_pid(cid) in listed
    assert listed == cgroup_pids(_cgroup(ctr, cid)), "ps must list the host pids of every container process"
    assert len(listed) == 2, "the shell and its background sleep"


def test_pause_and_resume(ctr):
    cid = ctr.new_id()
    output = ctr.start_detached(cid, "/bin/sh", "-c", "echo ready; while true; do echo tick; sleep 0.1; done",
                                ready="ready")
    cgroup = _cgroup(ctr, cid)
    ctr.task("pause", cid)
    assert ctr.ctrd.task_status(cid) == "PAUSED"
    assert freezer_state(cgroup) == "FROZEN"
    time.sleep(0.3)  # lets the shim copy what was written before the freeze
    ticks = output.read_text().count("tick")
    time.sleep(0.5)
    assert output.read_text().count("tick") == ticks, "a paused task kept running"
    ctr.task("resume", cid)
    assert ctr.ctrd.task_status(cid) == "RUNNING"
    assert freezer_state(cgroup) == "THAWED"
    wait_for(lambda: output.read_text().count("tick") > ticks, what="the resumed task to run again")


def test_kill_with_trapped_signals_then_sigkill(ctr):
    cid = ctr.new_id()
    output = ctr.start_detached(cid, "/bin/sh", "-c", TRAPPING_SHELL, ready="ready")
    ctr.task("kill", cid)  # SIGTERM by default
    wait_for(lambda: "got TERM" in output.read_text(), what="PID 1 to see SIGTERM")
    ctr.task("kill", "--signal", "SIGUSR1", cid)
    wait_for(lambda: "got USR1" in output.read_text(), what="PID 1 to see SIGUSR1")
    assert ctr.ctrd.task_status(cid) == "RUNNING"
    ctr.task("kill", "--signal", "SIGKILL", cid)
    wait_for(lambda: ctr.ctrd.task_status(cid) == "STOPPED", what="the task to stop")
    deleted = ctr.task("delete", cid)
    assert "exit code 137" in deleted.stderr, deleted.stderr


def test_kill_all_signals_every_process(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sh", "-c", TRAPPING_SHELL, ready="ready")
    pids = cgroup_pids(_cgroup(ctr, cid))
    assert len(pids) >= 2
    ctr.task("kill", "--all", "--signal", "SIGKILL", cid)
    wait_for(lambda: ctr.ctrd.task_status(cid) == "STOPPED", what="the task to stop")
    wait_for(lambda: not any(pid_alive(p) for p in pids), what="every container process to die",
             detail=lambda: [p for p in pids if pid_alive(p)])
    assert cgroup_pids(_cgroup(ctr, cid)) == set()


def test_task_delete_removes_the_task_and_its_runtime_state(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sh", "-c", 'trap "exit 2" USR1; echo ready; while true; do sleep 1 & wait $!; done',
                       ready="ready")
    ctr.task("kill", "--signal", "SIGUSR1", cid)
    wait_for(lambda: ctr.ctrd.task_status(cid) == "STOPPED", what="the task to exit")
    deleted = ctr.task("delete", cid)
    assert "exit code 2" in deleted.stderr, deleted.stderr
    assert ctr.ctrd.task_status(cid) is None
    # The shim ran the runtime's `delete` before answering.
    assert not (ctr.runtime_root / ctr.ctrd.namespace / cid).exists()
    ctr.ctrd.ctr("containers", "rm", cid, check=True)
    wait_for(lambda: not ctr.leftovers(cid), what=f"{cid} to leave no trace", detail=lambda: ctr.leftovers(cid))


def test_task_metrics_reports_cgroup_stats(ctr):
    cid = ctr.new_id()
    ctr.start_detached(cid, "/bin/sh", "-c", STEADY_PAIR, ready="ready")
    proc = ctr.task("metrics", "--format", "json", cid, check=False)
    assert proc.returncode == 0, (f"{proc.stderr.strip()}; v1 hierarchies not mounted in containerd's mount "
                                  f"namespace: {unmounted_v1_hierarchies()}")
    metrics = json.loads(proc.stdout)
    assert metrics["pids"]["current"] == 2
    usage = metrics["memory"]["usage"]
    if isinstance(usage, dict):  # cgroup v1: {usage, limit, max, failcnt}
        usage = usage["usage"]
    assert usage > 0, metrics["memory"]
    cpu = metrics["cpu"]
    assert (cpu["usage"]["total"] if "usage" in cpu else cpu["usage_usec"]) > 0, cpu  # v1 or v2 shape
    table = ctr.task("metrics", cid).stdout
    assert re.search(r"^pids\.current\s+2\s*$", table, re.M), table
