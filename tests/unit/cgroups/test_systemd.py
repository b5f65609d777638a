"""The systemd driver's pure parts: cgroupsPath and slices, the unit's
directories, the properties sent to systemd, and the state record."""
import subprocess
import sys

import pytest
from test_cgroup_placement import hybrid_host

from runc_py.linux.cgroups import CgroupError, CgroupManager
from runc_py.linux.cgroups.detect import V2, Host
from runc_py.linux.cgroups.devices_rules import WILDCARD, DeviceRule, node_rules
from runc_py.linux.cgroups.systemd import expand_slice, parse_cgroups_path, unit_paths
from runc_py.linux.cgroups.systemd_manager import SystemdManager
from runc_py.linux.cgroups.systemd_properties import (USEC_INFINITY, cpu_quota_properties, device_properties,
                                                      range_to_bits, resource_properties, unit_properties)
from runc_py.spec.model import LinuxBlockIO, LinuxCPU, LinuxMemory, LinuxPids, LinuxResources


@pytest.mark.parametrize("name, path", [
    ("system.slice", "/system.slice"),
    ("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"),
    ("kubepods-burstable-pod1.slice", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice"),
    ("-.slice", "/"),
])
def test_expand_slice(name, path):
    assert expand_slice(name) == path


@pytest.mark.parametrize("name", ["a--b.slice", "-a.slice", "a-.slice", ".slice", "foo", "a/b.slice", ""])
def test_bad_slice_names(name):
    with pytest.raises(CgroupError) as e:
        expand_slice(name)
    assert e.value.path == "linux.cgroupsPath" and "invalid slice name" in e.value.msg


@pytest.mark.parametrize("cgroups_path, slice_name, unit, path", [
    (None, "system.slice", "runc-ctr.scope", "/system.slice/runc-ctr.scope"),
    ("", "system.slice", "runc-ctr.scope", "/system.slice/runc-ctr.scope"),
    ("::abc", "system.slice", "abc.scope", "/system.slice/abc.scope"),
    ("machine.slice:docker:abc", "machine.slice", "docker-abc.scope", "/machine.slice/docker-abc.scope"),
    ("a-b.slice:crio:x", "a-b.slice", "crio-x.scope", "/a.slice/a-b.slice/crio-x.scope"),
    ("-.slice:p:x", "-.slice", "p-x.scope", "/p-x.scope"),
    ("system.slice:p:pod-1.slice", "system.slice", "pod-1.slice", "/pod.slice/pod-1.slice"),
])
def test_parse_cgroups_path(cgroups_path, slice_name, unit, path):
    p = parse_cgroups_path(cgroups_path, "ctr")
    assert (p.slice, p.unit, p.path) == (slice_name, unit, path)


@pytest.mark.parametrize("cgroups_path, message", [
    ("/a/b", 'expected cgroupsPath to be of form "slice:prefix:name" for systemd cgroups, got "/a/b" instead'),
    ("a:b", 'expected cgroupsPath to be of form "slice:prefix:name"'),
    ("a:b:c:d", 'expected cgroupsPath to be of form "slice:prefix:name"'),
    ("system.slice:p:", "the name in"),
    ("bad:p:x", 'invalid slice name "bad"'),
    ("system.slice:p:a b", "invalid systemd unit name \"p-a b.scope\""),
    ("system.slice:p:" + "x" * 260, "longer than 255"),
])
def test_bad_cgroups_paths(cgroups_path, message):
    with pytest.raises(CgroupError) as e:
        parse_cgroups_path(cgroups_path, "ctr")
    assert e.value.path == "linux.cgroupsPath" and message in e.value.msg


def test_unit_paths_are_below_pid1s_cgroup_less_init_scope():
    host = hybrid_host()
    placement = parse_cgroups_path("a-b.slice:rp:c1", "c1")
    init = {"memory": "/init.scope", "pids": "/init.scope", "name=systemd": "/init.scope", "": "/init.scope",
            "cpu": "/"}
    paths = unit_paths(host, placement, init)
    assert set(paths) == {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                          "name=systemd", ""}
    rel = "/a.slice/a-b.slice/rp-c1.scope"
    assert paths["memory"] == "/sys/fs/cgroup/memory" + rel  # not below our own /process_api/… cgroup
    assert paths["freezer"] == "/sys/fs/cgroup/freezer" + rel
    assert paths[""] == "/sys/fs/cgroup/unified" + rel
    # systemd in a container whose cgroup is /ctr in the host's view
    v2 = Host(V2, "/sys/fs/cgroup", unified="/sys/fs/cgroup", own={})
    assert unit_paths(v2, placement, {"": "/ctr/init.scope"}) == {"": "/sys/fs/cgroup/ctr" + rel}


def _props(props) -> dict:
    return {name: value for name, value in props}


def test_unit_properties_for_a_scope_and_a_slice():
    props = unit_properties("c1", "rp-c1.scope", "a.slice", 1234, v2=False)
    assert props[0] == ("Description", ("s", "runc-py container c1"))
    assert _props(props) == {
        "Description": ("s", "runc-py container c1"), "Slice": ("s", "a.slice"), "Delegate": ("b", True),
        "PIDs": ("au", [1234]), "MemoryAccounting": ("b", True), "CPUAccounting": ("b", True),
        "BlockIOAccounting": ("b", True), "TasksAccounting": ("b", True), "DefaultDependencies": ("b", False)}
    v2 = _props(unit_properties("c1", "pod.slice", "system.slice", None, v2=True))
    assert v2["Wants"] == ("as", ["system.slice"]) and v2["IOAccounting"] == ("b", True)
    assert not {"Slice", "Delegate", "PIDs", "BlockIOAccounting"} & set(v2)


def test_resource_properties_v1_and_v2():
    r = LinuxResources(memory=LinuxMemory(limit=64 << 20, reservation=32 << 20, swap=128 << 20),
                       cpu=LinuxCPU(shares=1024, quota=50000, period=100000, cpus="0-1", mems="0"),
                       pids=LinuxPids(limit=20), block_io=LinuxBlockIO(weight=500))
    assert _props(resource_properties(r, v2=False, version=252)) == {
        "MemoryLimit": ("t", 64 << 20), "CPUShares": ("t", 1024), "CPUQuotaPeriodUSec": ("t", 100000),
        "CPUQuotaPerSecUSec": ("t", 500000), "BlockIOWeight": ("t", 500), "TasksMax": ("t", 20),
        "AllowedCPUs": ("ay", [0b11]), "AllowedMemoryNodes": ("ay", [1])}
    assert _props(resource_properties(r, v2=True, version=252)) == {
        "MemoryMax": ("t", 64 << 20), "MemoryLow": ("t", 32 << 20), "MemorySwapMax": ("t", 64 << 20),
        "CPUWeight": ("t", 39), "CPUQuotaPeriodUSec": ("t", 100000), "CPUQuotaPerSecUSec": ("t", 500000),
        "TasksMax": ("t", 20), "AllowedCPUs": ("ay", [0b11]), "AllowedMemoryNodes": ("ay", [1])}
    unlimited = LinuxResources(memory=LinuxMemory(limit=-1), pids=LinuxPids(limit=-1))
    assert _props(resource_properties(unlimited, v2=False, version=252)) == {
        "MemoryLimit": ("t", USEC_INFINITY), "TasksMax": ("t", USEC_INFINITY)}
    assert resource_properties(LinuxResources(pids=LinuxPids(limit=0)), v2=False, version=252) == []
    assert resource_properties(None, v2=True, version=252) == []
    # Too old for AllowedCPUs (244) and CPUQuotaPeriodUSec (242): left to cgroupfs.
    old = _props(resource_properties(r, v2=False, version=241))
    assert "AllowedCPUs" not in old and "CPUQuotaPeriodUSec" not in old and "CPUQuotaPerSecUSec" in old


def test_cpu_quota_is_rounded_up_to_whole_percents():
    assert cpu_quota_properties(12345, 100000, 252) == [("CPUQuotaPeriodUSec", ("t", 100000)),
                                                        ("CPUQuotaPerSecUSec", ("t", 130000))]
    assert cpu_quota_properties(20000, 0, 252) == [("CPUQuotaPerSecUSec", ("t", 200000))]  # default period
    assert cpu_quota_properties(-1, 50000, 252) == [("CPUQuotaPeriodUSec", ("t", 50000)),
                                                    ("CPUQuotaPerSecUSec", ("t", USEC_INFINITY))]
    assert cpu_quota_properties(0, 0, 252) == []


def test_range_to_bits():
    assert range_to_bits("0-3,8", "f") == [0x0F, 0x01]
    assert range_to_bits(" 9 ,, 1", "f") == [0x02, 0x02]
    for bad in ("", "3-1", "x", "1-"):
        with pytest.raises(CgroupError) as e:
            range_to_bits(bad, "linux.resources.cpu.cpus")
        assert e.value.path == "linux.resources.cpu.cpus"


def test_device_properties():
    warnings = []
    default = _props(device_properties(node_rules(None), 252, warnings)[2:])["DeviceAllow"]
    assert default == ("a(ss)", [("block-*", "m"), ("char-*", "m"), ("/dev/char/1:3", "rwm"),
                                 ("/dev/char/1:5", "rwm"), ("/dev/char/1:7", "rwm"), ("/dev/char/1:8", "rwm"),
                                 ("/dev/char/1:9", "rwm"), ("/dev/char/5:0", "rwm"), ("/dev/char/5:2", "rwm"),
                                 ("/dev/char/10:200", "rwm"), ("char-136", "rwm")])
    props = device_properties(node_rules(None), 252, warnings)
    assert props[:2] == [("DevicePolicy", ("s", "strict")), ("DeviceAllow", ("a(ss)", []))]
    assert warnings == []
    allow_all = [DeviceRule("a", WILDCARD, WILDCARD, "rwm", True)]
    assert device_properties(allow_all, 252, warnings) == [("DevicePolicy", ("s", "auto")),
                                                           ("DeviceAllow", ("a(ss)", []))]
    assert device_properties(allow_all + [DeviceRule("c", 1, 3, "w", False)], 252, warnings) == [
        ("DevicePolicy", ("s", "strict")), ("DeviceAllow", ("a(ss)", []))]
    assert "deny rules" in warnings.pop()
    minor_only = [DeviceRule("b", WILDCARD, 5, "r", True)]
    assert device_properties(minor_only, 252, warnings)[2] == ("DeviceAllow", ("a(ss)", []))
    assert "b *:5" in warnings.pop()
    assert device_properties([DeviceRule("c", 136, WILDCARD, "rw", True)], 239, warnings)[2] == (
        "DeviceAllow", ("a(ss)", []))


def _manager(**kw) -> SystemdManager:
    return SystemdManager("c1", "hybrid", {"memory": "/m/system.slice/rp-c1.scope",
                                           "freezer": "/f/system.slice/rp-c1.scope"},
                          {"memory": "/m", "freezer": "/f"}, "rp-c1.scope", "system.slice",
                          node_rules=node_rules(None), **kw)


def test_record_round_trip_and_dispatch():
    mgr = _manager(created=["/f/system.slice", "/f/system.slice/rp-c1.scope"])
    record = mgr.record()
    assert (record["driver"], record["unit"], record["slice"]) == ("systemd", "rp-c1.scope", "system.slice")
    again = CgroupManager.from_record(record)
    assert type(again) is SystemdManager
    assert again.record() == record
    assert again.device_rules == node_rules(None)
    with pytest.raises(CgroupError, match="unknown cgroup record"):
        CgroupManager.from_record(dict(record, version=99))


def test_device_rules_without_resources_come_from_the_record():
    rule = DeviceRule("c", 4, 1, "rw", True)
    mgr = _manager(device_rules=[rule])
    assert mgr._device_rules(None) == [rule]
    assert mgr._device_rules(LinuxResources(memory=LinuxMemory(limit=1))) == [rule]


def test_destroy_removes_leaves_even_when_systemd_is_unreachable(tmp_path):
    leaf = tmp_path / "f" / "system.slice" / "rp-c1.scope"
    leaf.mkdir(parents=True)
    mgr = SystemdManager("c1", "hybrid", {"freezer": str(leaf)}, {"freezer": str(tmp_path / "f")}, "rp-c1.scope",
                         "system.slice", created=[str(leaf.parent), str(leaf)])

    def unreachable():
        raise CgroupError("cannot reach systemd: test")
    mgr._connect = unreachable
    with pytest.raises(CgroupError, match="cannot reach systemd: test"):
        mgr.destroy()
    assert not leaf.parent.exists() and (tmp_path / "f").exists()


def test_dbus_is_not_imported_by_the_cgroupfs_path():
    code = ("import sys\n"
            "import runc_py.container.create, runc_py.container.delete, runc_py.linux.cgroups.manager\n"
            "from runc_py.linux.cgroups import CgroupManager\n"
            "CgroupManager.from_record({'version': 1, 'driver': 'cgroupfs', 'container_id': 'x', 'mode': 'v2',\n"
            "                           'paths': {}, 'mounts': {}, 'created': []})\n"
            "print(sorted(m for m in sys.modules if 'dbus' in m or 'systemd' in m))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
