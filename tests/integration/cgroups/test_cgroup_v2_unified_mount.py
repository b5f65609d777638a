"""The cgroup v2 code on this host's real cgroup2 mount (/sys/fs/cgroup/unified).

That hierarchy has no controllers enabled, so limits cannot be tested here
(see tests/unit/cgroups/test_cgroup_v2_fake_tree.py); what does work on it
is tested for real: creating and removing cgroups, cgroup.procs,
cgroup.freeze with cgroup.events, cgroup.kill, and the BPF device filter.
The manager is given a Host whose unified root is a test directory, so
nothing is enabled or written above it."""
import os
import signal
import subprocess
import sys

import pytest
from conftest import BUSYBOX, CGROUP_ROOT, assert_freeze_stops_and_thaw_resumes, wait_for
from runc_py.spec.model import LinuxDeviceRule, LinuxResources

from runc_py.linux.cgroups import open_cgroup
from runc_py.linux.cgroups.detect import V2, Host
from runc_py.linux.cgroups.devices_bpf import attached_programs

UNIFIED = f"{CGROUP_ROOT}/unified"


@pytest.fixture
def v2_lab(lab):
    top = f"{UNIFIED}/{lab.name}"
    os.mkdir(top)
    lab.extra_dirs.append(top)
    host = Host(V2, top, unified=top, own={"": "/"})

    def manager(resources=None, **kw):
        mgr = open_cgroup("ctr-" + lab.name, "/ctr", resources, host=host, **kw)
        lab.managers.append(mgr)
        return mgr
    lab.v2_manager = manager
    return lab


def test_create_join_list_and_destroy(v2_lab):
    mgr = v2_lab.v2_manager()
    assert mgr.paths == {"": f"{UNIFIED}/{v2_lab.name}/ctr"}
    mgr.create()
    procs = [v2_lab.spawn(mgr, [BUSYBOX, "sleep", "30"]) for _ in range(2)]
    assert wait_for(lambda: mgr.pids() == sorted(p.pid for p in procs))
    for p in procs:
        assert open(f"/proc/{p.pid}/cgroup").read().splitlines()[-1] == f"0::/{v2_lab.name}/ctr"
        p.kill()
        p.wait()
    mgr.destroy()
    assert not os.path.exists(mgr.paths[""]) and os.path.isdir(f"{UNIFIED}/{v2_lab.name}")


def test_cgroup_freeze_stops_progress(v2_lab, tmp_path):
    counter = tmp_path / "counter"
    mgr = v2_lab.v2_manager()
    mgr.create()
    assert_freeze_stops_and_thaw_resumes(v2_lab, mgr, counter,
                                         lambda: "frozen 1" in open(f"{mgr.paths['']}/cgroup.events").read())


def test_sigkill_all_uses_cgroup_kill(v2_lab):
    mgr = v2_lab.v2_manager()
    mgr.create()
    sh = v2_lab.spawn(mgr, [BUSYBOX, "sh", "-c", f"{BUSYBOX} sleep 30 & {BUSYBOX} sleep 30 & wait"])
    assert wait_for(lambda: len(mgr.pids()) == 3)
    mgr.signal_all(signal.SIGKILL)
    assert sh.wait(timeout=5) == -signal.SIGKILL
    assert wait_for(lambda: mgr.pids() == [])
    assert "populated 0" in open(f"{mgr.paths['']}/cgroup.events").read()


def test_bpf_device_filter_denies_open(v2_lab, tmp_path):
    node = tmp_path / "kmsg"
    os.mknod(node, 0o600 | 0o020000, os.makedev(1, 11))
    mgr = v2_lab.v2_manager(LinuxResources(devices=(LinuxDeviceRule(allow=False, access="rwm"),)))
    mgr.create()
    fd = os.open(mgr.paths[""], os.O_RDONLY)
    try:
        ids, flags = attached_programs(fd)
    finally:
        os.close(fd)
    assert len(ids) == 1
    code = ("import os\nfor p, f in ((%r, os.O_RDONLY|os.O_NONBLOCK), ('/dev/null', os.O_WRONLY)):\n"
            " try:\n  os.close(os.open(p, f)); print('ok')\n except OSError as e:\n  print(e.errno)\n" % str(node))
    proc = v2_lab.spawn(mgr, [sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.communicate(timeout=20)[0].decode().split() == ["1", "ok"]  # EPERM, then allowed
    os.close(os.open(node, os.O_RDONLY | os.O_NONBLOCK))  # outside the cgroup: allowed

    # update: replacing the rules swaps the program, never leaving two or none.
    mgr.apply(LinuxResources(devices=(LinuxDeviceRule(allow=True, access="rwm"),)))
    fd = os.open(mgr.paths[""], os.O_RDONLY)
    try:
        new_ids, _ = attached_programs(fd)
    finally:
        os.close(fd)
    assert len(new_ids) == 1 and new_ids != ids
    proc = v2_lab.spawn(mgr, [sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.communicate(timeout=20)[0].decode().split() == ["ok", "ok"]
