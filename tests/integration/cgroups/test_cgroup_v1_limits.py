"""cgroup v1 limits on this host's real hierarchies, seen from the processes
inside: what they can fork, allocate, open; and from the host's files."""
import os
import signal
import subprocess
import sys

import pytest
from conftest import BUSYBOX, CGROUP_ROOT, assert_freeze_stops_and_thaw_resumes, leftovers, wait_for
from runc_py.spec.model import (LinuxCPU, LinuxDevice, LinuxDeviceRule, LinuxHugepageLimit, LinuxMemory,
                           LinuxPids, LinuxResources)

from runc_py.linux.cgroups import CgroupError, open_cgroup
from runc_py.linux.cgroups.devices_rules import DeviceRule
from runc_py.linux.cgroups.devices_v1 import apply_devices_v1


def read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def test_layout_joins_every_hierarchy_as_runc_does(lab):
    mgr = lab.manager()
    assert mgr.mode == "hybrid"
    assert set(mgr.paths) == {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                              "name=systemd", ""}
    mgr.create()
    proc = lab.spawn(mgr, [BUSYBOX, "sleep", "30"])
    wait_for(lambda: read(f"/proc/{proc.pid}/cgroup").count(lab.name) == 10)
    # Every hierarchy mounted here; a hierarchy mounted only in another mount
    # namespace (a container's) cannot be joined and is not listed in paths.
    lines = [ln for ln in read(f"/proc/{proc.pid}/cgroup").splitlines() if ln.split(":")[1] in mgr.paths]
    assert len(lines) == 10 and all(line.endswith(f"{lab.name}/ctr") for line in lines), lines
    assert mgr.paths[""] == f"{CGROUP_ROOT}/unified{lab.path('ctr')}"


def test_pids_limit_stops_fork(lab):
    mgr = lab.manager(LinuxResources(pids=LinuxPids(limit=5)))
    mgr.create()
    assert read(f"{mgr.paths['pids']}/pids.max") == "5"
    script = f"i=0; while [ $i -lt 10 ]; do {BUSYBOX} sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; echo done"
    proc = lab.spawn(mgr, [BUSYBOX, "sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=20)
    assert b"fork" in err.lower() or b"resource temporarily unavailable" in err.lower(), err
    assert read(f"{mgr.paths['pids']}/pids.current") == "4"  # the shell left, its 4 sleeps stay
    assert int(read(f"{mgr.paths['pids']}/pids.events").split()[1]) > 0  # "max N": refused forks


def test_memory_limit_oom_kills_and_reports_event(lab):
    mgr = lab.manager(LinuxResources(memory=LinuxMemory(limit=32 << 20, swap=32 << 20)))
    mgr.create()
    assert read(f"{mgr.paths['memory']}/memory.limit_in_bytes") == str(32 << 20)
    assert read(f"{mgr.paths['memory']}/memory.memsw.limit_in_bytes") == str(32 << 20)
    watcher = mgr.oom_events()
    try:
        proc = lab.spawn(mgr, [sys.executable, "-c", "b = b'x' * (256 << 20); print(len(b))"],
                         stdout=subprocess.PIPE)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL and out == b""
        assert watcher.wait(timeout=5) >= 1
    finally:
        watcher.close()
    assert "oom_kill 1" in read(f"{mgr.paths['memory']}/memory.oom_control")


def test_oom_watch_ends_when_cgroup_is_removed(lab):
    mgr = lab.manager(LinuxResources(memory=LinuxMemory(limit=64 << 20)))
    mgr.create()
    watcher = mgr.oom_events()
    try:
        assert watcher.wait(timeout=0.1) == 0
        mgr.destroy()
        assert watcher.wait(timeout=5) is None
    finally:
        watcher.close()


def _open_as_child(mgr, lab, path: str, flags: str) -> str:
    code = ("import os,sys\n"
            f"try:\n os.close(os.open({path!r}, {flags}))\n print('ok')\n"
            "except OSError as e:\n print(e.errno)\n")
    proc = lab.spawn(mgr, [sys.executable, "-c", code], stdout=subprocess.PIPE)
    out, _ = proc.communicate(timeout=20)
    return out.decode().strip()


def test_device_rules_deny_open_but_keep_runc_defaults(lab, tmp_path):
    node = tmp_path / "kmsg"
    os.mknod(node, 0o600 | 0o020000, os.makedev(1, 11))  # a char node the defaults do not allow
    mgr = lab.manager(LinuxResources(devices=(LinuxDeviceRule(allow=False, access="rwm"),)))
    mgr.create()
    listed = read(f"{mgr.paths['devices']}/devices.list").splitlines()
    # What runc 1.1.5 leaves in devices.list for the same config on this host.
    assert sorted(listed) == sorted(["b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
                                     "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm"])
    assert _open_as_child(mgr, lab, str(node), "os.O_RDONLY|os.O_NONBLOCK") == "1"  # EPERM
    assert _open_as_child(mgr, lab, "/dev/null", "os.O_WRONLY") == "ok"
    fd = os.open(node, os.O_RDONLY | os.O_NONBLOCK)  # the host itself is not limited
    os.close(fd)


def test_linux_devices_nodes_are_allowed(lab, tmp_path):
    node = tmp_path / "kmsg"
    os.mknod(node, 0o600 | 0o020000, os.makedev(1, 11))
    mgr = lab.manager(LinuxResources(devices=(LinuxDeviceRule(allow=False, access="rwm"),)),
                      linux_devices=(LinuxDevice(path="/dev/kmsg", type="c", major=1, minor=11),))
    mgr.create()
    assert "c 1:11 rwm" in read(f"{mgr.paths['devices']}/devices.list").splitlines()
    assert _open_as_child(mgr, lab, str(node), "os.O_RDONLY|os.O_NONBLOCK") == "ok"


def test_device_rules_deny_mknod(lab, tmp_path):
    """mknod needs the "m" access; runc's defaults allow it for every node,
    so this drives the v1 writer with a rule set without them."""
    mgr = lab.manager()
    mgr.create()
    apply_devices_v1(mgr.paths["devices"], [DeviceRule("a", -1, -1, "rwm", False),
                                            DeviceRule("c", 1, 3, "rw", True)])
    assert read(f"{mgr.paths['devices']}/devices.list") == "c 1:3 rw"
    code = f"import os\ntry:\n os.mknod({str(tmp_path / 'n')!r}, 0o20600, os.makedev(1, 3)); print('ok')\n" \
           "except OSError as e:\n print(e.errno)\n"
    proc = lab.spawn(mgr, [sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.communicate(timeout=20)[0].decode().strip() == "1"
    assert not (tmp_path / "n").exists()


def test_freeze_stops_progress_and_thaw_resumes(lab, tmp_path):
    counter = tmp_path / "counter"
    mgr = lab.manager()
    mgr.create()
    assert_freeze_stops_and_thaw_resumes(lab, mgr, counter,
                                         lambda: read(f"{mgr.paths['freezer']}/freezer.state") == "FROZEN")


def test_apply_changes_live_values(lab):
    mgr = lab.manager(LinuxResources(pids=LinuxPids(limit=5), memory=LinuxMemory(limit=64 << 20),
                                     cpu=LinuxCPU(shares=512)))
    mgr.create()
    lab.spawn(mgr, [BUSYBOX, "sleep", "30"])
    mgr.apply(LinuxResources(pids=LinuxPids(limit=-1), memory=LinuxMemory(limit=128 << 20, swap=256 << 20),
                             cpu=LinuxCPU(shares=1024, quota=50000, period=100000)))
    p = mgr.paths
    assert read(f"{p['pids']}/pids.max") == "max"
    assert read(f"{p['memory']}/memory.limit_in_bytes") == str(128 << 20)
    assert read(f"{p['memory']}/memory.memsw.limit_in_bytes") == str(256 << 20)
    assert read(f"{p['cpu']}/cpu.shares") == "1024"
    assert read(f"{p['cpu']}/cpu.cfs_quota_us") == "50000"
    # Lowering memory below memory+swap needs the other write order.
    mgr.apply(LinuxResources(memory=LinuxMemory(limit=48 << 20, swap=48 << 20)))
    assert read(f"{p['memory']}/memory.memsw.limit_in_bytes") == str(48 << 20)
    assert read(f"{p['memory']}/memory.limit_in_bytes") == str(48 << 20)


def test_cpuset_child_inherits_parent_values(lab):
    mgr = lab.manager(None, "a", "b", "c")
    mgr.create()
    for level in ("", "/a", "/a/b", "/a/b/c"):
        d = f"{CGROUP_ROOT}/cpuset/{lab.name}{level}"
        assert read(f"{d}/cpuset.cpus") == read(f"{CGROUP_ROOT}/cpuset/cpuset.cpus")
        assert read(f"{d}/cpuset.mems") == read(f"{CGROUP_ROOT}/cpuset/cpuset.mems")
    proc = lab.spawn(mgr, [BUSYBOX, "sleep", "30"])
    assert wait_for(lambda: str(proc.pid) in read(f"{mgr.paths['cpuset']}/cgroup.procs"))


def test_pids_lists_exactly_the_processes(lab):
    mgr = lab.manager()
    mgr.create()
    procs = [lab.spawn(mgr, [BUSYBOX, "sleep", "30"]) for _ in range(3)]
    assert wait_for(lambda: mgr.pids() == sorted(p.pid for p in procs))
    assert os.getpid() not in mgr.pids()


def test_signal_all_reaches_every_process(lab):
    mgr = lab.manager()
    mgr.create()
    procs = [lab.spawn(mgr, [BUSYBOX, "sleep", "30"]) for _ in range(3)]
    wait_for(lambda: len(mgr.pids()) == 3)
    mgr.signal_all(signal.SIGTERM)
    assert [p.wait(timeout=5) for p in procs] == [-signal.SIGTERM] * 3
    assert not mgr.is_frozen()
    assert wait_for(lambda: mgr.pids() == [])


def test_invalid_cpuset_fails_and_removes_what_it_made(lab):
    mgr = lab.manager(LinuxResources(cpu=LinuxCPU(cpus="63")))
    planned = mgr.planned_dirs()
    assert planned and not any(os.path.exists(d) for d in planned)
    with pytest.raises(CgroupError) as e:
        mgr.create()
    assert e.value.path == "linux.resources.cpu.cpus"
    assert e.value.msg.endswith("/ctr/cpuset.cpus: numerical result out of range")  # ERANGE: no CPU 63
    assert leftovers(lab.name) == []


def test_absent_controller_is_named_before_anything_is_made(lab):
    with pytest.raises(CgroupError) as e:
        lab.manager(LinuxResources(hugepage_limits=(LinuxHugepageLimit(page_size="2MB", limit=1 << 21),)))
    assert str(e.value) == 'linux.resources.hugepageLimits: controller "hugetlb" is not available on this host'
    assert leftovers(lab.name) == []


def test_unified_resources_are_refused_on_hybrid(lab):
    with pytest.raises(CgroupError) as e:
        lab.manager(LinuxResources(unified={"memory.high": "1M"}))
    assert e.value.path == "linux.resources.unified"


def test_systemd_driver_without_systemd_is_a_clear_error(lab):
    with pytest.raises(CgroupError) as e:
        open_cgroup("x", "system.slice:runc-py:x", None, systemd=True)
    assert str(e.value) == ("systemd cgroup driver requested (--systemd-cgroup) but systemd is not "
                            "running on this host")
