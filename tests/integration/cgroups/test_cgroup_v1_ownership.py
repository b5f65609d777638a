"""Who owns which cgroup directory: destroy() removes exactly what create()
made, also from a record read by another process; stats() reads sane numbers
in runc's shape."""
import json
import os
import subprocess
import sys
import time

from conftest import BUSYBOX, CGROUP_ROOT, hierarchies, leftovers, wait_for
from runc_py.spec.model import LinuxMemory, LinuxPids, LinuxResources

from runc_py.linux.cgroups import CgroupManager


def test_destroy_keeps_a_parent_it_did_not_create(lab):
    for h in hierarchies():
        os.mkdir(f"{h}/{lab.name}")
        lab.extra_dirs.append(f"{h}/{lab.name}")
    mgr = lab.manager(None, "ctr")
    assert mgr.planned_dirs() == sorted(set(mgr.paths.values()), key=list(mgr.paths.values()).index)
    mgr.create()
    proc = lab.spawn(mgr, [BUSYBOX, "sleep", "30"])
    proc.kill()
    proc.wait()
    mgr.destroy()
    for h in hierarchies():
        assert os.path.isdir(f"{h}/{lab.name}")
        assert not os.path.exists(f"{h}/{lab.name}/ctr")


def test_destroy_removes_created_intermediate_levels_and_nested_cgroups(lab):
    mgr = lab.manager(None, "a", "b")
    mgr.create()
    assert len(mgr.created) == 3 * len(hierarchies())  # <name>, a, a/b
    os.mkdir(f"{mgr.paths['memory']}/nested")  # made by the container itself
    mgr.destroy()
    assert leftovers(lab.name) == [] and mgr.created == []


def test_destroy_leaves_a_shared_intermediate_level(lab):
    first = lab.manager(None, "one")
    first.create()
    second = lab.manager(None, "two")
    second.create()
    assert second.created == sorted(set(second.paths.values()), key=list(second.paths.values()).index)
    first.destroy()  # created <name>/ too, but <name>/two is in use by the other
    assert not os.path.exists(first.paths["memory"]) and os.path.isdir(second.paths["memory"])
    second.destroy()
    assert os.path.isdir(f"{CGROUP_ROOT}/memory/{lab.name}")  # nobody owns it now: left, as runc does
    for h in hierarchies():
        os.rmdir(f"{h}/{lab.name}")


def test_destroy_does_not_kill_and_reports_busy(lab):
    mgr = lab.manager()
    mgr.create()
    proc = lab.spawn(mgr, [BUSYBOX, "sleep", "30"])
    wait_for(lambda: mgr.pids() == [proc.pid])
    start = time.monotonic()
    try:
        mgr.destroy()
        raise AssertionError("destroy() removed a cgroup with a live process")
    except Exception as e:  # CgroupError
        assert "device or resource busy" in str(e)
    assert time.monotonic() - start < 5
    assert proc.poll() is None
    proc.kill()
    proc.wait()
    mgr.destroy()
    assert leftovers(lab.name) == []


def _destroy_in_another_process(record: dict) -> None:
    code = ("import json,sys\nfrom runc_py.linux.cgroups import CgroupManager\n"
            "CgroupManager.from_record(json.loads(sys.stdin.read())).destroy()\n")
    subprocess.run([sys.executable, "-c", code], input=json.dumps(record).encode(), check=True, timeout=30)


def test_record_after_create_destroys_in_another_process(lab):
    mgr = lab.manager(LinuxResources(pids=LinuxPids(limit=10)))
    mgr.create()
    record = json.loads(json.dumps(mgr.record()))
    assert record["complete"] and record["created"] == mgr.created
    assert CgroupManager.from_record(record).paths == mgr.paths
    _destroy_in_another_process(record)
    assert leftovers(lab.name) == []


def test_record_before_create_is_enough_after_a_crash(lab):
    """The runtime saves record() before create() and is SIGKILLed right
    after: the planned list is what a later delete --force has."""
    mgr = lab.manager(LinuxResources(pids=LinuxPids(limit=10)))
    planned = json.loads(json.dumps(mgr.record()))
    assert not planned["complete"] and planned["created"]
    code = ("import json,os,sys\nsys.path.insert(0, sys.argv[1])\nfrom runc_py.spec.model import *\n"
            "from runc_py.linux.cgroups import open_cgroup\n"
            "mgr = open_cgroup(sys.argv[2], sys.argv[3], LinuxResources(pids=LinuxPids(limit=10)))\n"
            "mgr.create()\nos.kill(os.getpid(), 9)\n")
    unit_dir = os.path.join(os.path.dirname(__file__), "..", "..", "unit", "cgroups")
    proc = subprocess.run([sys.executable, "-c", code, unit_dir, mgr.container_id, lab.path("ctr")], timeout=30)
    assert proc.returncode == -9
    assert leftovers(lab.name)  # the crashed runtime left them
    _destroy_in_another_process(planned)
    assert leftovers(lab.name) == []


# The shape of `runc events --stats` "data" from runc 1.1.5 on this host, for
# a container with memory and pids limits running `sleep` (values dropped).
RUNC_STATS_SHAPE = {
    "cpu": {"usage": {"total", "percpu", "percpu_kernel", "percpu_user", "kernel", "user"}, "throttling": set()},
    "cpuset": {"cpus", "cpu_exclusive", "mems", "mem_hardwall", "mem_exclusive", "memory_migrate",
               "memory_spread_page", "memory_spread_slab", "memory_pressure", "sched_load_balance",
               "sched_relax_domain_level"},
    "memory": {"cache", "usage", "swap", "kernel", "kernelTCP", "raw"},
    "pids": {"current", "limit"},
    # blkio lists only the counters that moved (runc's omitempty); any I/O of
    # the test process (e.g. paging busybox in) may move these.
    "blkio": {"ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive", "ioServiceTimeRecursive",
              "ioWaitTimeRecursive", "ioMergedRecursive", "ioTimeRecursive", "sectorsRecursive"},
    "hugetlb": set(), "intel_rdt": set(), "network_interfaces": None,
}


def test_stats_have_runc_shape_and_sane_numbers(lab):
    mgr = lab.manager(LinuxResources(memory=LinuxMemory(limit=100_000_000), pids=LinuxPids(limit=50)))
    mgr.create()
    # Burns CPU until its own clock says 50 ms have gone by (a fixed loop count
    # took anywhere from 0.5 to 4 ms of CPU here, too little to assert on).
    burner = lab.spawn(mgr, [BUSYBOX, "sh", "-c",
                             "while [ $(cut -d' ' -f14 /proc/$$/stat) -lt 5 ]; do :; done; "
                             f"exec {BUSYBOX} sleep 30"])
    # Until it has exec'd sleep (its script's own text also says "sleep").
    assert wait_for(lambda: open(f"/proc/{burner.pid}/cmdline").read().split("\0")[1:2] == ["sleep"], timeout=30)
    data = json.loads(json.dumps(mgr.stats()))
    assert list(data) == list(RUNC_STATS_SHAPE)
    for key, shape in RUNC_STATS_SHAPE.items():
        if isinstance(shape, dict):
            assert set(data[key]) == set(shape), key
            for sub, keys in shape.items():
                assert set(data[key][sub]) == keys, (key, sub)
        elif shape is not None:
            assert set(data[key]) <= shape, key
        else:
            assert data[key] is None
    assert data["pids"] == {"current": 1, "limit": 50}
    mem = data["memory"]
    assert mem["usage"]["limit"] == 99999744  # rounded down to pages, as runc shows
    assert 0 < mem["usage"]["usage"] <= mem["usage"]["max"] < 100_000_000
    assert set(mem["kernelTCP"]) >= {"limit", "failcnt"}
    cpu = data["cpu"]["usage"]
    assert cpu["total"] > 1_000_000 and len(cpu["percpu"]) == os.cpu_count()
    assert sum(cpu["percpu"]) == cpu["total"]
    assert data["cpuset"]["cpus"] == list(range(os.cpu_count()))
