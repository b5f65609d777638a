"""cgroup v2 limits, stats, OOM and freeze on a FAKE cgroupfs tree.

These tests run the pure-v2 manager against a temporary directory laid out
like /sys/fs/cgroup on a v2 host, because this development host is hybrid:
its cgroup2 mount has no controllers enabled, so memory.max, cpu.max,
pids.max, io.max… do not exist on it.  The files here are plain files: the
tests check what runc-py writes and how it reads, not what the kernel
enforces (tests/integration/cgroups covers that on the real v1 controllers
and the real cgroup2 mount)."""
import os

import pytest
from runc_py.spec.model import (LinuxBlockIO, LinuxCPU, LinuxHugepageLimit, LinuxMemory,
                           LinuxNetwork, LinuxPids, LinuxResources, LinuxThrottleDevice)

from runc_py.linux.cgroups import CgroupError, CgroupManager, open_cgroup
from runc_py.linux.cgroups import files, v2
from runc_py.linux.cgroups.detect import V2, Host

CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma"


@pytest.fixture(autouse=True)
def _files_are_created(monkeypatch):
    """A plain directory has no control files until one is written."""
    monkeypatch.setattr(files, "WRITE_FLAGS", files.WRITE_FLAGS | os.O_CREAT)


@pytest.fixture
def fake_root(tmp_path):
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text(CONTROLLERS + "\n")
    (root / "cgroup.subtree_control").write_text("")
    return root


@pytest.fixture
def filters(monkeypatch):
    """The BPF program cannot be attached to a plain directory: record it."""
    calls = []
    monkeypatch.setattr(CgroupManager, "device_filter", staticmethod(lambda d, rules: calls.append((d, rules))))
    return calls


def manager(root, resources, path="/c1", **kw):
    host = Host(V2, str(root), unified=str(root), own={"": "/"})
    return open_cgroup("c1", path, resources, host=host, **kw)


def read(path) -> str:
    return open(path).read().strip()


def test_limits_are_written_with_runc_conversions(fake_root, filters):
    r = LinuxResources(
        memory=LinuxMemory(limit=256 << 20, swap=384 << 20, reservation=128 << 20),
        cpu=LinuxCPU(shares=1024, quota=50000, period=100000, cpus="0-1", mems="0", idle=0, burst=1000),
        pids=LinuxPids(limit=0),
        block_io=LinuxBlockIO(weight=500, throttle_read_bps_device=(LinuxThrottleDevice(major=8, minor=0,
                                                                                        rate=1 << 20),)),
        hugepage_limits=(LinuxHugepageLimit(page_size="2MB", limit=1 << 22),),
        unified={"memory.high": "200M", "cgroup.max.depth": "3"},
    )
    (fake_root / "cgroup.subtree_control").write_text(CONTROLLERS + "\n")  # as after enabling
    mgr = manager(fake_root, r)
    mgr.create()
    leaf = fake_root / "c1"
    assert mgr.created == [str(leaf)]
    assert read(leaf / "memory.max") == str(256 << 20)
    assert read(leaf / "memory.swap.max") == str(128 << 20)  # memsw - memory
    assert read(leaf / "memory.low") == str(128 << 20)
    assert read(leaf / "cpu.weight") == "39"  # 1 + (1024-2)*9999/262142
    assert read(leaf / "cpu.max") == "50000 100000"
    assert read(leaf / "cpu.max.burst") == "1000" and read(leaf / "cpu.idle") == "0"
    assert read(leaf / "cpuset.cpus") == "0-1" and read(leaf / "cpuset.mems") == "0"
    assert read(leaf / "pids.max") == "max"
    assert read(leaf / "io.weight") == "4950"  # 1 + (500-10)*9999/990
    assert read(leaf / "io.max") == "8:0 rbps=1048576"
    assert read(leaf / "hugetlb.2MB.max") == str(1 << 22)
    assert read(leaf / "memory.high") == "200M" and read(leaf / "cgroup.max.depth") == "3"
    assert len(filters) == 1 and filters[0][0] == str(leaf)
    for name in os.listdir(leaf):  # cgroupfs removes control files with the directory
        os.unlink(leaf / name)
    mgr.destroy()
    assert not leaf.exists()


def test_ancestors_enable_every_available_controller(fake_root, filters):
    mgr = manager(fake_root, None, path="/c1")
    mgr.create()
    assert read(fake_root / "cgroup.subtree_control") == "+cpu +cpuset +hugetlb +io +memory +pids +rdma"
    assert os.listdir(fake_root / "c1") == []  # no resources: nothing written
    mgr.destroy()


@pytest.mark.parametrize("memsw, memory, swap_max", [(0, 0, 0), (-1, 100, -1), (0, -1, -1), (200, 100, 100),
                                                     (100, 100, 0)])
def test_swap_conversion(memsw, memory, swap_max):
    assert v2.swap_max_from_memsw(memsw, memory) == swap_max


@pytest.mark.parametrize("memsw, memory, field", [(200, 0, "swap"), (100, 200, "swap"), (200, -2, "limit")])
def test_swap_conversion_errors(memsw, memory, field):
    with pytest.raises(CgroupError) as e:
        v2.swap_max_from_memsw(memsw, memory)
    assert e.value.path == f"linux.resources.memory.{field}"


def test_weight_conversions_cover_the_ranges():
    assert [v2.cpu_weight_from_shares(s) for s in (0, 2, 1024, 262144)] == [0, 1, 39, 10000]
    assert [v2.io_weight_from_blkio(w) for w in (0, 10, 500, 1000)] == [0, 1, 4950, 10000]


def test_equal_memory_and_memsw_disable_swap(fake_root, filters):
    (fake_root / "cgroup.subtree_control").write_text(CONTROLLERS)
    mgr = manager(fake_root, LinuxResources(memory=LinuxMemory(limit=1 << 20, swap=1 << 20)))
    mgr.create()
    assert read(fake_root / "c1" / "memory.swap.max") == "0"


@pytest.mark.parametrize("resources, field, message", [
    (LinuxResources(network=LinuxNetwork(class_id=7)), "linux.resources.network.classID",
     'controller "net_cls" is not available on this host'),
    (LinuxResources(unified={"../escape": "1"}), "linux.resources.unified.../escape",
     'unified resource "../escape" must be a file name (no "/" or "..")'),
    (LinuxResources(unified={"nodot": "1"}), "linux.resources.unified.nodot",
     'unified resource "nodot" must be in the form CONTROLLER.PARAMETER'),
])
def test_refused_before_anything_is_made(fake_root, resources, field, message):
    with pytest.raises(CgroupError) as e:
        manager(fake_root, resources)
    assert (e.value.path, e.value.msg) == (field, message)
    assert not (fake_root / "c1").exists()


def test_unified_key_of_a_controller_the_parent_did_not_enable(fake_root, filters):
    (fake_root / "cgroup.controllers").write_text("memory pids\n")
    (fake_root / "cgroup.subtree_control").write_text("memory\n")  # pids held back
    (fake_root / "mid").mkdir()
    (fake_root / "mid" / "cgroup.controllers").write_text("memory\n")
    (fake_root / "mid" / "cgroup.subtree_control").write_text("memory\n")
    mgr = manager(fake_root, LinuxResources(unified={"pids.max": "10"}), path="/mid/c1")
    with pytest.raises(CgroupError) as e:
        mgr.create()
    assert e.value.path == "linux.resources.unified.pids.max" and "subtree_control" in e.value.msg
    assert not (fake_root / "mid" / "c1").exists() and (fake_root / "mid").exists()


def test_stats_from_v2_files(tmp_path):
    d = tmp_path
    (d / "pids.current").write_text("3\n")
    (d / "pids.max").write_text("max\n")
    (d / "memory.stat").write_text("anon 1000\nfile 4096\n")
    (d / "memory.current").write_text("8192\n")
    (d / "memory.max").write_text("max\n")
    (d / "memory.swap.current").write_text("0\n")
    (d / "memory.swap.max").write_text("max\n")
    (d / "cpu.stat").write_text("usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 0\n")
    (d / "io.stat").write_text("8:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n")
    from runc_py.linux.cgroups.stats import stats_v2
    s = stats_v2(str(d))
    assert s["pids"] == {"current": 3}
    assert s["memory"]["cache"] == 4096
    assert s["memory"]["usage"] == {"limit": 2**64 - 1, "usage": 8192, "failcnt": 0}
    assert s["memory"]["swap"] == {"limit": 2**64 - 1, "usage": 8192, "failcnt": 0}
    assert s["cpu"]["usage"] == {"total": 10000, "kernel": 4000, "user": 6000}
    assert s["blkio"] == {"ioServiceBytesRecursive": [{"major": 8, "op": "Read", "value": 512},
                                                      {"major": 8, "op": "Write"}],
                          "ioServicedRecursive": [{"major": 8, "op": "Read", "value": 1},
                                                  {"major": 8, "op": "Write"}]}
    assert list(s) == ["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"]


def test_oom_kill_counter_growth_is_reported(tmp_path):
    events = tmp_path / "memory.events"
    events.write_text("low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\n")
    from runc_py.linux.cgroups.oom import OomWatcherV2
    watcher = OomWatcherV2(str(tmp_path))
    try:
        assert watcher.wait(timeout=0) == 0
        events.write_text("low 0\nhigh 0\nmax 3\noom 2\noom_kill 3\n")
        assert watcher.wait(timeout=0) == 2
    finally:
        watcher.close()


def test_freeze_waits_for_cgroup_events(tmp_path):
    (tmp_path / "cgroup.events").write_text("populated 1\nfrozen 1\n")
    v2.freeze(str(tmp_path), timeout=0.2)
    assert read(tmp_path / "cgroup.freeze") == "1" and v2.is_frozen(str(tmp_path))
    with pytest.raises(CgroupError):
        v2.thaw(str(tmp_path), timeout=0.1)  # the fake never reports "frozen 0"
