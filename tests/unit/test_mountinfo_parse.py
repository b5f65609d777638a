"""read_mountinfo and mount_point_of on a mountinfo file written here."""
import pytest

from runc_py.linux.mounts import MountInfo, mount_point_of, read_mountinfo

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime master:3 - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
50 22 0:40 /sub\\040dir /srv/with\\040space rw - tmpfs none rw
51 22 0:41 / /srv rw shared:7 - tmpfs none rw
52 51 0:42 / /srv rw - tmpfs none rw
53 22 0:43 / /srvx rw - proc proc
"""


@pytest.fixture
def mountinfo(tmp_path):
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTINFO)
    return str(path)


def test_every_line_becomes_a_record(mountinfo):
    entries = read_mountinfo(mountinfo)
    assert [e.mount_id for e in entries] == [22, 31, 32, 40, 50, 51, 52, 53]
    assert entries[0] == MountInfo(22, 1, "/", "/", "rw,relatime", ("shared:1",), "ext4", "/dev/vda1",
                                   "rw,errors=remount-ro")
    assert entries[4].root == "/sub dir" and entries[4].mount_point == "/srv/with space"
    assert entries[7].super_options == "" and entries[7].optional == ()


def test_fstype_keeps_only_those_mounts(mountinfo):
    assert [(e.mount_id, e.super_options) for e in read_mountinfo(mountinfo, fstype="cgroup")] == [
        (32, "rw,cpu,cpuacct"), (40, "rw,name=systemd")]
    assert read_mountinfo(mountinfo, fstype="nfs") == []


@pytest.mark.parametrize("path, mount_id", [
    ("/", 22), ("/etc", 22), ("/sys/fs/cgroup", 31), ("/sys/fs/cgroup/cpu", 31),
    ("/sys/fs/cgroup/cpu,cpuacct/x", 32), ("/srv/with space/a", 50),
    ("/srv", 52), ("/srv/a", 52),  # the last of the stacked mounts
    ("/srvx/1", 53), ("/srvy", 22),
])
def test_mount_point_of(mountinfo, path, mount_id):
    entry = mount_point_of(path, mountinfo)
    assert entry.mount_id == mount_id
    assert entry == read_mountinfo(mountinfo)[[e.mount_id for e in read_mountinfo(mountinfo)].index(mount_id)]


def test_a_path_no_mount_holds(tmp_path):
    path = tmp_path / "mountinfo"
    path.write_text("31 22 0:28 / /sys rw - sysfs sysfs rw\n")
    with pytest.raises(OSError, match="no mount holds /etc"):
        mount_point_of("/etc", str(path))
