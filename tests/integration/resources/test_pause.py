"""pause and resume through the freezer, the statuses and errors around
them, and the ways out of a paused container (kill --all, delete --force) -
on runc-py and on runc alike."""
import time

from containers import Container, read, wait_for

COUNTER = "i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done"


def counter(c: Container) -> int:
    return int(wait_for(lambda: c.rootfs_file("/tmp/counter").read_text().strip(), what="the counter"))


def test_pause_freezes_and_resume_thaws(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sh", "-c", COUNTER])
    wait_for(lambda: c.rootfs_file("/tmp/counter").exists() and counter(c) > 2, what="the counter to run")
    c.run("pause")
    assert c.status() == "paused"
    assert read(c.cgroup("freezer") / "freezer.state") == "FROZEN"
    frozen_at = counter(c)
    time.sleep(0.5)
    assert counter(c) == frozen_at
    c.run("resume")
    assert c.status() == "running"
    assert read(c.cgroup("freezer") / "freezer.state") == "THAWED"
    wait_for(lambda: counter(c) > frozen_at + 2, what="the counter to advance again")
    c.remove()


def test_pause_and_resume_refuse_the_wrong_status(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"])
    refused = c.run("resume", check=False)
    assert refused.returncode == 1 and "container not paused" in refused.stderr
    c.run("pause")
    again = c.run("pause", check=False)
    assert again.returncode == 1 and "container not running" in again.stderr
    c.run("resume")
    runtime.run("kill", c.id, "KILL")
    wait_for(lambda: c.status() == "stopped", what="the container to stop")
    stopped = c.run("pause", check=False)
    assert stopped.returncode == 1 and "container not running" in stopped.stderr
    assert c.run("resume", check=False).returncode == 1
    c.remove()


def test_a_created_container_can_be_paused(runtime, tmp_path):
    """As runc: pausing freezes the init waiting on the exec FIFO; resuming
    gives back "created", and start then works."""
    c = Container(runtime, tmp_path, ["sleep", "60"], start=False)
    c.run("pause")
    assert c.status() == "paused"
    c.run("resume")
    assert c.status() == "created"
    c.start()
    assert c.status() == "running"
    c.remove()


def test_delete_force_removes_a_paused_container(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sh", "-c", "sleep 60 & sleep 60 & wait"])
    pids = wait_for(lambda: len(c.ps_json()) == 3 and c.ps_json(), what="three processes")
    c.run("pause")
    refused = c.run("delete", check=False)
    assert refused.returncode == 1 and "paused" in refused.stderr
    c.remove()
    for pid in pids:
        wait_for(lambda: not _alive(pid), what=f"pid {pid} to be gone")


def test_kill_all_reaches_every_process(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sh", "-c", "sleep 60 & sleep 60 & wait"])
    pids = wait_for(lambda: len(c.ps_json()) == 3 and c.ps_json(), what="three processes")
    runtime.run("kill", "--all", c.id, "KILL")
    for pid in pids:
        wait_for(lambda: not _alive(pid), what=f"pid {pid} to be gone")
    wait_for(lambda: c.status() == "stopped", what="the container to stop")
    c.remove()


def _alive(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
