"""--systemd-cgroup against a real systemd.

This host's PID 1 is not systemd, and systemd refuses --system unless it is
PID 1; so each test module boots systemd 252 as PID 1 of a new pid, mount
and cgroup namespace, the way it runs inside a container: a private /run,
the hierarchies mounted afresh below a cgroup made for the test
(runc-py-sd-<random>, under our own cgroup in every hierarchy),
`container=runc-py-test`, and a target with no dependencies so it starts
nothing of its own.  The runtimes run in its namespaces (nsenter -m -p -C)
and reach it on /run/systemd/private, where there is no bus daemon — the
root fallback runc's go-systemd uses too.  At the end systemd is told to
exit (Manager.Exit, allowed for a system manager in a container) and
nothing may remain: processes, state, cgroup directories.
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CGROUP_ROOT, wait_for
from helpers import RUNC_PY, Runtime, new_bundle, processes_mentioning
from runc_py.linux import dbus
from runc_py.linux.cgroups.detect import detect_host

SYSTEMD_BIN = "/lib/systemd/systemd"
# The questions the tests ask systemd, with runc-py's D-Bus client.
ASK = """
import json, sys
from runc_py.linux import dbus
from runc_py.linux.cgroups.systemd_units import MANAGER, MANAGER_PATH, SYSTEMD, Systemd
op, args = sys.argv[1], sys.argv[2:]
with Systemd.open(dbus.SYSTEMD_PRIVATE, peer=True) as sd:
    def get(path, interface, name):
        return sd.call(SYSTEMD, path, "org.freedesktop.DBus.Properties", "Get", "ss", [interface, name])[0][1]
    if op == "manager":
        out = get(MANAGER_PATH, MANAGER, args[0])
    elif op == "unit":
        path = sd.get_unit(args[0])
        out = None if path is None else get(path, args[1], args[2])
    else:
        out = sd.call(SYSTEMD, MANAGER_PATH, MANAGER, "Exit")
print(json.dumps(out))
"""
TARGET = "runc-py-test.target"


def _mount_script(host) -> str:
    """Shell lines that mount this host's hierarchies afresh (inside the new
    cgroup namespace, each mount's root is the namespace's root)."""
    by_mount: dict[str, list[str]] = {}
    for key, mnt in host.mounts.items():
        by_mount.setdefault(mnt, []).append(key)
    lines = [f"mount -t tmpfs -o mode=755 cgroup {CGROUP_ROOT}"]
    for mnt, keys in by_mount.items():
        opts = ",".join(("none," + k) if k.startswith("name=") else k for k in keys)
        lines.append(f"mkdir -p {mnt} && mount -t cgroup -o {opts} cgroup {mnt}")
    if host.unified:
        lines.append(f"mkdir -p {host.unified} && mount -t cgroup2 cgroup2 {host.unified}")
    return "\n".join(lines)


class BootedSystemd:
    """systemd as PID 1 of its own namespaces, and the test's cgroup below
    which everything it makes lives."""

    def __init__(self, tmp: Path):
        self.name = f"runc-py-sd-{secrets.token_hex(4)}"
        self.host = detect_host()
        self.bases = {k: f"{self.host.own_dir(k)}/{self.name}" for k in [*self.host.mounts, ""]
                      if k != "" or self.host.unified}
        self.log = tmp / "systemd.log"
        self.proc: subprocess.Popen | None = None
        self.pid = 0

    def boot(self) -> None:
        for key, d in self.bases.items():
            os.makedirs(d, exist_ok=True)
            if key == "cpuset":
                parent = os.path.dirname(d)
                for f in ("cpuset.cpus", "cpuset.mems"):
                    Path(d, f).write_text(Path(parent, f).read_text())
        dirs = sorted(set(self.bases.values()))

        def join():
            for d in dirs:
                with open(f"{d}/cgroup.procs", "w") as f:
                    f.write("0")

        script = f"""set -e
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/systemd/system
printf '[Unit]\\nDescription=runc-py test target\\nDefaultDependencies=no\\n' > /run/systemd/system/{TARGET}
{_mount_script(self.host)}
export container=runc-py-test
exec {SYSTEMD_BIN} --system --unit={TARGET} --log-target=console --log-level=info
"""
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "--mount", "--cgroup",
                                          "--mount-proc", "sh", "-c", script], preexec_fn=join,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.pid = wait_for(self._child, timeout=10)
        assert self.pid, f"systemd did not start: {self.log.read_text()}"
        assert wait_for(self._running, timeout=20), f"systemd did not come up: {self.log.read_text()}"

    def _child(self) -> int:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pid = int(children[0]) if children else 0
            return pid if pid and "systemd" in Path(f"/proc/{pid}/comm").read_text() else 0
        except (OSError, ValueError):
            return 0

    def ask(self, *args: str):
        """One D-Bus question to systemd by our own client, asked from inside
        its pid namespace (systemd resets connections from peers whose pid
        it cannot see)."""
        proc = subprocess.run(["nsenter", "-t", str(self.pid), "-m", "-p", "-C", "--", sys.executable, "-c",
                               ASK, *args], capture_output=True, text=True, timeout=10)
        if proc.returncode != 0:
            raise dbus.DBusError("", proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        return json.loads(proc.stdout)

    def _running(self) -> bool:
        try:
            return self.ask("manager", "SystemState") == "running"
        except (dbus.DBusError, subprocess.TimeoutExpired):
            return False

    def unit_property(self, unit: str, interface: str, name: str):
        value = self.ask("unit", unit, interface, name)
        assert value is not None, f"no unit {unit}"
        return value

    def has_unit(self, unit: str) -> bool:
        return self.ask("unit", unit, "org.freedesktop.systemd1.Unit", "Id") is not None

    def dir(self, key: str, rel: str) -> str:
        """A cgroup directory of systemd's tree, as the host sees it."""
        return self.bases[key] + rel

    def leftovers(self, rel: str) -> list[str]:
        return [self.dir(k, rel) for k in self.bases if os.path.exists(self.dir(k, rel))]

    def host_pids(self, rel: str) -> list[int]:
        return [int(p) for p in Path(self.dir("pids", rel), "cgroup.procs").read_text().split()]

    def shutdown(self) -> list[str]:
        problems = []
        if self.proc is not None:
            if self.pid:
                try:
                    self.ask("exit")
                except (dbus.DBusError, subprocess.TimeoutExpired) as e:
                    problems.append(f"Exit: {e}")
            try:
                code = self.proc.wait(timeout=30)
                if code != 0:
                    problems.append(f"systemd exited {code}: {self.log.read_text()[-2000:]}")
            except subprocess.TimeoutExpired:
                problems.append("systemd did not exit within 30s")
                if self.pid:
                    os.kill(self.pid, 9)  # as PID 1 of its namespace, only SIGKILL from out here ends it
                self.proc.kill()
                self.proc.wait()
        bases = sorted(set(self.bases.values()))
        wait_for(lambda: not any(_read(f"{dirpath}/cgroup.procs") for base in bases
                                 for dirpath, _, _ in os.walk(base)), timeout=10)
        # systemd leaves its slices' (empty) directories; they are the test's.
        for base in bases:
            for dirpath, _, _ in sorted(os.walk(base, topdown=False), key=lambda e: -e[0].count("/")):
                try:
                    os.rmdir(dirpath)
                except FileNotFoundError:
                    pass
                except OSError as e:
                    problems.append(f"rmdir {dirpath}: {e}")
        problems += [f"left behind: {b}" for b in self.bases.values() if os.path.exists(b)]
        problems += [f"process left: {p}" for p in processes_mentioning(TARGET)]
        return problems



class NsRuntime(Runtime):
    """A runtime run inside systemd's mount, pid and cgroup namespaces."""

    def __init__(self, name: str, binary: str, root: Path, ns_pid: int):
        super().__init__(name, binary, root)
        self.ns_pid = ns_pid

    def cmd(self, *args: str, globals_: tuple[str, ...] = ()) -> list[str]:
        return ["nsenter", "-t", str(self.ns_pid), "-m", "-p", "-C", "--",
                *super().cmd(*args, globals_=globals_)]


@pytest.fixture(scope="module")
def systemd(tmp_path_factory):
    for tool in (SYSTEMD_BIN, shutil.which("unshare"), shutil.which("nsenter")):
        if not tool or not os.path.exists(tool):
            pytest.fail(f"the systemd driver tests need systemd, unshare and nsenter (missing: {tool})")
    sd = BootedSystemd(tmp_path_factory.mktemp("systemd"))
    try:
        sd.boot()
        yield sd
    finally:
        problems = sd.shutdown()
    assert not problems, problems


RUNTIMES = {"runc-py": RUNC_PY, "runc": shutil.which("runc") or "/usr/sbin/runc"}


@pytest.fixture(params=list(RUNTIMES))
def any_runtime(request, systemd, tmp_path):
    """runc-py, and runc as the reference: same unit, same directories."""
    rt = NsRuntime(request.param, RUNTIMES[request.param], tmp_path / "root", systemd.pid)
    yield rt
    rt.cleanup()
    assert not (rt.root.exists() and os.listdir(rt.root)), f"{rt.name} left state behind"


@pytest.fixture
def rt(systemd, tmp_path):
    rt = NsRuntime("runc-py", RUNC_PY, tmp_path / "root", systemd.pid)
    yield rt
    rt.cleanup()
    assert not (rt.root.exists() and os.listdir(rt.root)), "runc-py left state behind"


SD = ("--systemd-cgroup",)
MiB = 1 << 20


def _bundle(tmp_path: Path, cgroups_path: str | None, resources: dict | None = None, args=("sleep", "300")):
    def edit(config):
        if cgroups_path is not None:
            config["linux"]["cgroupsPath"] = cgroups_path
        if resources is not None:
            config["linux"]["resources"] = resources
    return new_bundle(tmp_path, list(args), edit)


def _status(rt, cid) -> str:
    return json.loads(rt.run("state", cid).stdout)["status"]


def _read(path: str) -> str:
    return Path(path).read_text().strip()


def test_lifecycle_in_a_scope_unit(systemd, rt, tmp_path):
    cid = rt.new_id()
    unit, rel = f"rp-{cid}.scope", f"/runcpy.slice/runcpy-t.slice/rp-{cid}.scope"
    bundle = _bundle(tmp_path, f"runcpy-t.slice:rp:{cid}", {"memory": {"limit": 64 * MiB}, "pids": {"limit": 20}})
    rt.run("create", "--bundle", str(bundle.path), cid, globals_=SD)

    assert systemd.unit_property(unit, "org.freedesktop.systemd1.Unit", "ActiveState") == "active"
    scope = "org.freedesktop.systemd1.Scope"
    assert systemd.unit_property(unit, scope, "Slice") == "runcpy-t.slice"
    assert systemd.unit_property(unit, scope, "Delegate") is True
    assert systemd.unit_property(unit, scope, "MemoryLimit") == 64 * MiB
    assert systemd.unit_property(unit, scope, "TasksMax") == 20
    [init] = systemd.host_pids(rel)  # the container's init, alone in the unit
    lines = _read(f"/proc/{init}/cgroup").splitlines()
    assert len(lines) == len(systemd.bases) and all(line.endswith(rel) for line in lines), lines
    assert _read(systemd.dir("memory", rel) + "/memory.limit_in_bytes") == str(64 * MiB)
    assert _read(systemd.dir("pids", rel) + "/pids.max") == "20"
    record = json.loads((rt.root / cid / "state.json").read_text())["cgroup"]
    assert record["driver"] == "systemd" and record["unit"] == unit

    rt.run("start", cid)
    assert _status(rt, cid) == "running"
    assert rt.run("exec", cid, "sh", "-c", "echo in").stdout == "in\n"
    rt.run("pause", cid)
    assert _status(rt, cid) == "paused" and _read(systemd.dir("freezer", rel) + "/freezer.state") == "FROZEN"
    rt.run("resume", cid)
    assert _status(rt, cid) == "running"
    assert rt.run("ps", cid).stdout.count("sleep 300") == 1

    rt.run("update", "--memory", str(128 * MiB), "--pids-limit", "30", cid)
    assert _read(systemd.dir("memory", rel) + "/memory.limit_in_bytes") == str(128 * MiB)
    assert _read(systemd.dir("pids", rel) + "/pids.max") == "30"
    assert systemd.unit_property(unit, scope, "MemoryLimit") == 128 * MiB
    assert systemd.unit_property(unit, scope, "TasksMax") == 30
    devices = _read(systemd.dir("devices", rel) + "/devices.list").splitlines()
    assert "a *:* rwm" not in devices and "c 1:3 rwm" in devices, devices  # systemd's rewrite was undone

    stats = json.loads(rt.run("events", "--stats", cid).stdout)
    assert stats["data"]["memory"]["usage"]["limit"] == 128 * MiB
    rt.run("exec", "--detach", cid, "sleep", "301")  # joins the unit's directories too
    assert wait_for(lambda: len(systemd.host_pids(rel)) == 2)
    [exec_pid] = processes_mentioning("sleep\0" + "301")
    assert exec_pid in systemd.host_pids(rel)
    rt.run("kill", "--all", cid, "KILL")
    assert wait_for(lambda: _status(rt, cid) == "stopped", timeout=10)
    assert wait_for(lambda: not os.path.exists(f"/proc/{exec_pid}"))
    rt.run("delete", cid)
    assert not systemd.has_unit(unit)
    assert systemd.leftovers(rel) == []
    assert not (rt.root / cid).exists()


def test_delete_force_stops_the_unit_and_removes_its_cgroups(systemd, any_runtime, tmp_path):
    """No cgroupsPath: the unit is runc-<id>.scope in system.slice, for
    runc-py as for runc; a fresh `delete --force` ends it all."""
    rt = any_runtime
    cid = rt.new_id()
    unit, rel = f"runc-{cid}.scope", f"/system.slice/runc-{cid}.scope"
    rt.run("create", "--bundle", str(_bundle(tmp_path, None).path), cid, globals_=SD)
    rt.run("start", cid)
    assert systemd.has_unit(unit)
    [init] = systemd.host_pids(rel)
    assert all(line.endswith(rel) for line in _read(f"/proc/{init}/cgroup").splitlines())
    rt.run("delete", "--force", cid)
    assert not systemd.has_unit(unit)
    assert systemd.leftovers(rel) == []
    assert not os.path.exists(f"/proc/{init}")


def test_bad_cgroups_path_is_a_clear_error(systemd, rt, tmp_path):
    cid = rt.new_id()
    proc = rt.run("create", "--bundle", str(_bundle(tmp_path, "/not/systemd").path), cid, globals_=SD,
                  check=False)
    assert proc.returncode == 1
    message = proc.stderr.replace('\\"', '"')  # the log line escapes quotes
    assert ('linux.cgroupsPath: expected cgroupsPath to be of form "slice:prefix:name" for systemd cgroups, '
            'got "/not/systemd" instead') in message, proc.stderr
    assert not (rt.root / cid).exists()


def test_memory_limit_is_enforced_in_the_unit(systemd, rt, tmp_path):
    """`tail /dev/zero` grows without end; the unit's limit OOM-kills it and
    the shell that ran it lives on to let us read the counter."""
    cid = rt.new_id()
    rel = f"/system.slice/rp-{cid}.scope"
    bundle = _bundle(tmp_path, f":rp:{cid}", {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}},
                     args=("sh", "-c", "tail /dev/zero; sleep 300"))
    rt.run("create", "--bundle", str(bundle.path), cid, globals_=SD)
    assert systemd.unit_property(f"rp-{cid}.scope", "org.freedesktop.systemd1.Scope", "MemoryLimit") == 32 * MiB
    oom_control = systemd.dir("memory", rel) + "/memory.oom_control"
    assert "oom_kill 0" in _read(oom_control).splitlines()
    rt.run("start", cid)
    assert wait_for(lambda: "oom_kill 1" in _read(oom_control).splitlines(), timeout=20), _read(oom_control)
    assert _status(rt, cid) == "running"
    rt.run("delete", "--force", cid)
    assert systemd.leftovers(rel) == []
