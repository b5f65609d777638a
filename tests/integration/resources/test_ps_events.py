"""ps (json for containerd's shim, runc's filtered `ps` table) and events
(stats, OOM notifications, the end of the stream) - on runc-py and on
runc alike."""
import json
import os
import subprocess

from containers import Container, set_resources, wait_for

MiB = 1 << 20
THREE = ["sh", "-c", "sleep 60 & sleep 60 & wait"]


def in_pid_namespace_of(init: int) -> set[int]:
    """Host pids of every process in init's pid namespace (the truth ps must tell)."""
    ns = os.readlink(f"/proc/{init}/ns/pid")
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == ns:
                    found.add(int(entry))
            except OSError:
                continue
    return found


def test_ps_json_is_exactly_the_processes_and_nothing_else(runtime, tmp_path):
    c = Container(runtime, tmp_path, THREE)
    wait_for(lambda: len(in_pid_namespace_of(c.pid)) == 3, what="three processes")
    # As the shim calls it: global flags first, stdout and stderr in one pipe.
    combined = tmp_path / "combined"
    with open(combined, "w") as out:
        runtime.run("--log", str(tmp_path / "log.json"), "--log-format", "json", "ps", "--format", "json", c.id,
                    stdout=out, stderr=subprocess.STDOUT)
    pids = json.loads(combined.read_text())
    assert isinstance(pids, list) and all(isinstance(p, int) for p in pids)
    assert set(pids) == in_pid_namespace_of(c.pid) and c.pid in pids
    log = tmp_path / "log.json"
    assert not log.exists() or log.read_text() == ""
    c.remove()


def test_ps_table_keeps_the_header_and_the_container_rows(runtime, tmp_path):
    c = Container(runtime, tmp_path, THREE)
    pids = set(wait_for(lambda: len(c.ps_json()) == 3 and c.ps_json(), what="three processes"))
    lines = c.run("ps").stdout.splitlines()
    assert lines[0].split()[:3] == ["UID", "PID", "PPID"]  # ps -ef
    assert {int(line.split()[1]) for line in lines[1:]} == pids
    custom = runtime.run("ps", c.id, "-o", "pid,comm").stdout.splitlines()
    assert custom[0].split() == ["PID", "COMMAND"]
    assert sorted(line.split()[1] for line in custom[1:]) == ["sh", "sleep", "sleep"]
    no_pid = runtime.run("ps", c.id, "-o", "comm", check=False)
    assert no_pid.returncode == 1 and "PID" in no_pid.stderr
    c.remove()


def test_ps_of_a_stopped_container_is_empty(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["true"])
    wait_for(lambda: c.status() == "stopped", what="the container to stop")
    assert c.run("ps", "--format", "json").stdout == "null\n"  # runc: an empty Go slice is null
    assert len(c.run("ps").stdout.splitlines()) == 1  # just the header
    c.remove()
    assert runtime.run("ps", c.id, check=False).returncode == 1


def test_events_stats_has_cpu_memory_and_pids(runtime, tmp_path):
    c = Container(runtime, tmp_path, THREE, set_resources(memory={"limit": 64 * MiB}, pids={"limit": 30}))
    wait_for(lambda: len(c.ps_json()) == 3, what="three processes")
    lines = c.run("events", "--stats").stdout.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert list(event) == ["type", "id", "data"] and event["type"] == "stats" and event["id"] == c.id
    data = event["data"]
    assert data["cpu"]["usage"]["total"] > 0 and len(data["cpu"]["usage"]["percpu"]) == os.cpu_count()
    assert data["memory"]["usage"]["limit"] == 64 * MiB and data["memory"]["usage"]["usage"] > 0
    assert list(data["memory"]["raw"]) == sorted(data["memory"]["raw"])  # Go writes map keys sorted
    assert data["pids"] == {"current": 3, "limit": 30}
    c.remove()


def test_events_stream_stats_then_end_when_the_container_is_deleted(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["sleep", "60"])
    out = tmp_path / "events"
    with open(out, "w") as f:
        events = subprocess.Popen(runtime.cmd("events", "--interval", "200ms", c.id), stdout=f,
                                  stderr=subprocess.STDOUT)
    try:
        lines = wait_for(lambda: len(out.read_text().splitlines()) >= 2 and out.read_text().splitlines(),
                         what="two stats events")
        assert all(json.loads(line)["type"] == "stats" for line in lines)
        c.remove()
        assert events.wait(timeout=10) == 0
    finally:
        events.kill()
        events.wait()


def test_events_reports_an_oom_kill(runtime, tmp_path):
    script = "sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? > /tmp/status; exec sleep 60"
    c = Container(runtime, tmp_path, ["sh", "-c", script],
                  set_resources(memory={"limit": 24 * MiB, "swap": 24 * MiB}), start=False)
    out = tmp_path / "events"
    with open(out, "w") as f:
        events = subprocess.Popen(runtime.cmd("events", "--interval", "1h", c.id), stdout=f,
                                  stderr=subprocess.STDOUT)
    try:
        c.start()
        status = wait_for(lambda: c.rootfs_file("/tmp/status").exists() and c.rootfs_file("/tmp/status").read_text(),
                          20, "dd to end")
        assert status.strip() == "137"  # SIGKILLed by the OOM killer
        line = wait_for(lambda: out.read_text().splitlines(), what="an event")[0]
        assert json.loads(line) == {"type": "oom", "id": c.id}
        c.remove()
        assert events.wait(timeout=10) == 0
    finally:
        events.kill()
        events.wait()


def test_events_refuses_bad_intervals_and_stopped_containers(runtime, tmp_path):
    c = Container(runtime, tmp_path, ["true"])
    for bad in ("5", "fast", "1x"):
        refused = c.run("events", "--interval", bad, check=False)
        assert refused.returncode == 1 and "-interval" in refused.stderr
    wait_for(lambda: c.status() == "stopped", what="the container to stop")
    stopped = c.run("events", "--stats", check=False)
    assert stopped.returncode == 1 and f"container with id {c.id} is not running" in stopped.stderr
    zero = c.run("events", "--interval", "0s", check=False)
    assert zero.returncode == 1 and "duration interval must be greater than 0" in zero.stderr
    c.remove()
