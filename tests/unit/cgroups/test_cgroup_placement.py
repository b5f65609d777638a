"""Host detection from mountinfo and the placement of linux.cgroupsPath."""
import pytest

from runc_py.linux.cgroups.detect import HYBRID, V1, V2, Host, parse_mountinfo, parse_proc_cgroup
from runc_py.linux.cgroups.placement import cgroup_paths, clean_path

# This development host's /proc/self/mountinfo (cgroup lines plus one other).
HYBRID_MOUNTINFO = """\
23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_CGROUP = """\
9:name=systemd:/
8:pids:/
4:memory:/process_api/238a
1:cpu:/
0::/
"""


def hybrid_host() -> Host:
    mounts, roots, unified, uroot, root_v2 = parse_mountinfo(HYBRID_MOUNTINFO, "/sys/fs/cgroup")
    assert not root_v2
    return Host(HYBRID, "/sys/fs/cgroup", mounts, roots, unified, uroot, parse_proc_cgroup(PROC_CGROUP))


def test_mountinfo_of_a_hybrid_host():
    mounts, roots, unified, _, root_v2 = parse_mountinfo(HYBRID_MOUNTINFO, "/sys/fs/cgroup")
    assert mounts["name=systemd"] == "/sys/fs/cgroup/systemd" and mounts["cpuacct"] == "/sys/fs/cgroup/cpuacct"
    assert unified == "/sys/fs/cgroup/unified" and not root_v2
    assert set(mounts) == {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                           "name=systemd"}


def test_mountinfo_of_a_pure_v2_host_and_co_mounted_v1():
    v2 = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
    assert parse_mountinfo(v2, "/sys/fs/cgroup")[4] is True
    v1 = ("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
          "32 31 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n")
    mounts, roots, unified, _, _ = parse_mountinfo(v1, "/sys/fs/cgroup")
    assert mounts == {"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct"}
    assert roots["cpu"] == "/docker/abc" and unified is None


@pytest.mark.parametrize("raw, clean", [
    ("/a/b", "/a/b"), ("/a/../../b", "/b"), ("a/b", "a/b"), ("../../a", "a"), ("a/./b/", "a/b"),
    ("//a//b", "/a/b"), ("", ""),
])
def test_clean_path_cannot_climb(raw, clean):
    assert clean_path(raw) == clean


def test_absolute_path_goes_under_every_mount_and_the_unified_one():
    paths = cgroup_paths(hybrid_host(), "c1", "/runc-py/c1")
    assert paths["memory"] == "/sys/fs/cgroup/memory/runc-py/c1"
    assert paths["name=systemd"] == "/sys/fs/cgroup/systemd/runc-py/c1"
    assert paths[""] == "/sys/fs/cgroup/unified/runc-py/c1"
    assert len(paths) == 10


def test_relative_and_absent_paths_are_below_the_runtimes_own_cgroup():
    host = hybrid_host()
    assert cgroup_paths(host, "c1", "x/y")["memory"] == "/sys/fs/cgroup/memory/process_api/238a/x/y"
    assert cgroup_paths(host, "c1", "x/y")["pids"] == "/sys/fs/cgroup/pids/x/y"
    assert cgroup_paths(host, "c1", None)["memory"] == "/sys/fs/cgroup/memory/process_api/238a/c1"
    assert cgroup_paths(host, "c1", "../../../c1")["memory"] == "/sys/fs/cgroup/memory/process_api/238a/c1"


def test_own_cgroup_seen_through_a_bind_of_a_sub_tree():
    host = Host(V1, "/sys/fs/cgroup", {"memory": "/sys/fs/cgroup/memory"}, {"memory": "/docker/abc"},
                own={"memory": "/docker/abc/inner"})
    assert cgroup_paths(host, "c1", None) == {"memory": "/sys/fs/cgroup/memory/inner/c1"}


def test_pure_v2_has_one_path():
    host = Host(V2, "/sys/fs/cgroup", unified="/sys/fs/cgroup", own={"": "/user.slice/x.scope"})
    assert cgroup_paths(host, "c1", "/a") == {"": "/sys/fs/cgroup/a"}
    assert cgroup_paths(host, "c1", "a") == {"": "/sys/fs/cgroup/user.slice/x.scope/a"}
