"""A task outlives a containerd restart: its shim keeps it, and the new
containerd reconnects to the shim and drives the runtime as before."""

from __future__ import annotations

from ctrd_harness import wait_for
from ctrd_probes import host_processes, pid_alive


def _shim_pids(ctr, cid: str) -> list[int]:
    return [p.pid for p in host_processes()
            if p.comm.startswith("containerd-shim") and f"-id {cid} " in p.cmdline + " "
            and str(ctr.ctrd.address) in p.cmdline and p.state != "Z"]


def test_task_survives_a_containerd_restart(ctr):
    cid = ctr.new_id()
    output = ctr.start_detached(cid, "/bin/sh", "-c", 'trap "echo got USR1" USR1; echo ready; '
                                'while true; do sleep 1 & wait $!; done', ready="ready")
    pid = ctr.ctrd.task_pid(cid)
    shims = _shim_pids(ctr, cid)
    assert len(shims) == 1

    ctr.ctrd.restart()

    assert pid_alive(pid)
    assert _shim_pids(ctr, cid) == shims, "the shim is the same process"
    assert ctr.ctrd.task_pid(cid) == pid
    assert ctr.ctrd.task_status(cid) == "RUNNING"
    proc = ctr.exec(cid, "after-restart", "/bin/sh", "-c", "echo still here; exit 9")
    assert (proc.returncode, proc.stdout) == (9, "still here\n"), proc.stderr
    ctr.task("kill", "--signal", "SIGUSR1", cid)
    wait_for(lambda: "got USR1" in output.read_text(), what="PID 1 to see SIGUSR1")
    ctr.task("kill", "--signal", "SIGKILL", cid)
    wait_for(lambda: ctr.ctrd.task_status(cid) == "STOPPED", what="the task to stop")
    assert not pid_alive(pid)
    deleted = ctr.task("delete", cid)
    assert "exit code 137" in deleted.stderr, deleted.stderr
    ctr.ctrd.ctr("containers", "rm", cid, check=True)
    wait_for(lambda: not _shim_pids(ctr, cid), what="the shim to exit")
