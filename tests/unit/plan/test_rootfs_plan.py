"""plan_rootfs: the steps that build a container's rootfs, without root."""
import pytest

from runc_py.errors import RuncPyError
from runc_py.linux.sysctl import refuse_host_netns
from runc_py.plan import mount_options as mo
from runc_py.plan.rootfs import (S_IFBLK, S_IFCHR, S_IFIFO, DeviceStep, MountStep, SymlinkStep,
                                 check_no_pivot_propagation, check_proc_destination, plan_rootfs)
from runc_py.spec.defaults import default_config
from runc_py.spec.load import spec_from_dict

BUNDLE = "/run/bundles/b1"


def plan_of(doc: dict, bundle: str = BUNDLE):
    return plan_rootfs(spec_from_dict(doc), bundle)


def with_linux(**linux) -> dict:
    doc = default_config()
    doc["linux"].update(linux)
    return doc


def with_mounts(*mounts) -> dict:
    doc = default_config()
    doc["mounts"] = doc["mounts"] + list(mounts)
    return doc


def error_of(doc: dict) -> RuncPyError:
    with pytest.raises(RuncPyError) as info:
        plan_of(doc)
    return info.value


def test_runc_spec_default_config():
    plan = plan_of(default_config())
    assert plan.rootfs == "/run/bundles/b1/rootfs"
    assert plan.readonly is True
    assert plan.root_propagation == 0
    assert plan.sets_up_dev and not plan.user_namespace and not plan.cgroup_namespace
    assert plan.cwd == "/"
    nosuid, noexec, nodev, ro = mo.MS_NOSUID, mo.MS_NOEXEC, mo.MS_NODEV, mo.MS_RDONLY
    assert plan.mounts == (
        MountStep("mounts[0]", "proc", "/proc", "proc", 0, "", ()),
        MountStep("mounts[1]", "tmpfs", "/dev", "tmpfs", nosuid | mo.MS_STRICTATIME, "mode=755,size=65536k", ()),
        MountStep("mounts[2]", "devpts", "/dev/pts", "devpts", nosuid | noexec,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5", ()),
        MountStep("mounts[3]", "shm", "/dev/shm", "tmpfs", nosuid | noexec | nodev, "mode=1777,size=65536k", ()),
        MountStep("mounts[4]", "mqueue", "/dev/mqueue", "mqueue", nosuid | noexec | nodev, "", ()),
        MountStep("mounts[5]", "sysfs", "/sys", "sysfs", nosuid | noexec | nodev | ro, "", ()),
        MountStep("mounts[6]", "cgroup", "/sys/fs/cgroup", "cgroup",
                  nosuid | noexec | nodev | mo.MS_RELATIME | ro, "", ()),
    )
    # after the mounts: runc's default devices, then ptmx and the fd symlinks
    rest = plan.steps[len(plan.mounts):]
    assert rest == (
        DeviceStep(None, "/dev/null", S_IFCHR, 1, 3, 0o666, 0, 0),
        DeviceStep(None, "/dev/random", S_IFCHR, 1, 8, 0o666, 0, 0),
        DeviceStep(None, "/dev/full", S_IFCHR, 1, 7, 0o666, 0, 0),
        DeviceStep(None, "/dev/tty", S_IFCHR, 5, 0, 0o666, 0, 0),
        DeviceStep(None, "/dev/zero", S_IFCHR, 1, 5, 0o666, 0, 0),
        DeviceStep(None, "/dev/urandom", S_IFCHR, 1, 9, 0o666, 0, 0),
        SymlinkStep("pts/ptmx", "/dev/ptmx", replace=True),
        SymlinkStep("/proc/self/fd", "/dev/fd"),
        SymlinkStep("/proc/self/fd/0", "/dev/stdin"),
        SymlinkStep("/proc/self/fd/1", "/dev/stdout"),
        SymlinkStep("/proc/self/fd/2", "/dev/stderr"),
        SymlinkStep("/proc/kcore", "/dev/core", only_if_host_has="/proc/kcore"),
    )
    assert plan.masked_paths[:2] == ("/proc/acpi", "/proc/asound") and len(plan.masked_paths) == 10
    assert plan.readonly_paths == ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
    assert plan.sysctl == () and plan.sysctl_netns_path is None


def test_tmpfs_and_dev_defer_read_only_but_bind_mounts_do_not():
    plan = plan_of(with_mounts({"destination": "/dev/", "type": "none", "source": "/dev", "options": ["rbind", "ro"]},
                               {"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]}))
    by_field = {m.field: m for m in plan.mounts}
    assert by_field["mounts[1]"].defers_readonly      # tmpfs on /dev
    assert by_field["mounts[8]"].defers_readonly      # tmpfs
    assert not by_field["mounts[7]"].defers_readonly  # bind on /dev: its remount makes it ro
    assert not by_field["mounts[5]"].defers_readonly  # sysfs


def test_bind_mounts_are_type_bind_with_the_source_from_the_bundle():
    plan = plan_of(with_mounts({"destination": "/data", "type": "none", "source": "data", "options": ["rbind", "ro"]},
                               {"destination": "/etc/hosts", "source": "/etc/hosts", "options": ["bind"]}))
    data, hosts = plan.mounts[-2:]
    assert (data.fstype, data.source) == ("bind", "/run/bundles/b1/data")
    assert data.flags == mo.MS_BIND | mo.MS_REC | mo.MS_RDONLY
    assert (hosts.fstype, hosts.source, hosts.flags) == ("bind", "/etc/hosts", mo.MS_BIND)


def test_destinations_are_compared_clean():
    plan = plan_of(with_mounts({"destination": "//dev/", "type": "bind", "source": "/dev", "options": ["rbind"]}))
    assert plan.mounts[-1].clean_destination == "/dev" and not plan.sets_up_dev


def test_relative_root_and_destination():
    doc = with_mounts({"destination": "data", "type": "tmpfs", "source": "tmpfs"})
    doc["root"]["path"] = "../images/r"
    plan = plan_of(doc)
    assert plan.rootfs == "/run/bundles/images/r"
    assert plan.mounts[-1].destination == "/data"


def test_propagation_and_recursive_options_reach_the_step():
    plan = plan_of(with_mounts({"destination": "/m", "type": "none", "source": "/mnt",
                                "options": ["rbind", "rslave", "rro", "rnosuid"]}))
    m = plan.mounts[-1]
    assert m.propagation == (mo.MS_SLAVE | mo.MS_REC,)
    assert (m.rec_attr_set, m.rec_attr_clr) == (mo.MOUNT_ATTR_RDONLY | mo.MOUNT_ATTR_NOSUID, 0)


def test_tmpcopyup_only_for_tmpfs():
    assert plan_of(with_mounts({"destination": "/t", "type": "tmpfs", "source": "tmpfs",
                                "options": ["tmpcopyup"]})).mounts[-1].copy_up
    err = error_of(with_mounts({"destination": "/m", "type": "none", "source": "/mnt",
                                "options": ["rbind", "tmpcopyup"]}))
    assert err.path == "mounts[7].options"


def test_idmapped_mounts_are_refused_not_ignored():
    err = error_of(with_mounts({"destination": "/m", "type": "none", "source": "/mnt", "options": ["rbind"],
                                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                                "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}))
    assert err.path == "mounts[7].uidMappings"


def test_bind_mounted_dev_means_no_device_nodes():
    plan = plan_of(with_mounts({"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}))
    assert not plan.sets_up_dev
    assert not [s for s in plan.steps if not isinstance(s, MountStep)]


def test_linux_devices_replace_defaults_of_the_same_path_and_come_after():
    devices = [
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o20600, "uid": 5, "gid": 6},
        {"path": "/dev/sda", "type": "b", "major": 8, "minor": 0},
        {"path": "/dev/fifo", "type": "p"},
        {"path": "/dev/ttyX", "type": "u", "major": 4, "minor": 1, "fileMode": 0o640},
        {"path": "/dev/ptmx", "type": "c", "major": 5, "minor": 2},
    ]
    steps = [s for s in plan_of(with_linux(devices=devices)).steps if isinstance(s, DeviceStep)]
    assert [s.path for s in steps] == ["/dev/random", "/dev/full", "/dev/tty", "/dev/zero", "/dev/urandom",
                                       "/dev/null", "/dev/sda", "/dev/fifo", "/dev/ttyX"]
    assert steps[5] == DeviceStep("linux.devices[0]", "/dev/null", S_IFCHR, 1, 3, 0o600, 5, 6)
    assert steps[6] == DeviceStep("linux.devices[1]", "/dev/sda", S_IFBLK, 8, 0, 0o666, 0, 0)
    assert steps[7].file_type == S_IFIFO
    assert (steps[8].file_type, steps[8].mode) == (S_IFCHR, 0o640)


def test_user_and_cgroup_namespaces():
    doc = with_linux(namespaces=[{"type": t} for t in ("pid", "mount", "uts", "user", "cgroup")],
                     uidMappings=[{"containerID": 0, "hostID": 100000, "size": 65536}],
                     gidMappings=[{"containerID": 0, "hostID": 100000, "size": 65536}])
    plan = plan_of(doc)
    assert plan.user_namespace and plan.cgroup_namespace


@pytest.mark.parametrize("name,flags", [("rslave", mo.MS_SLAVE | mo.MS_REC), ("shared", mo.MS_SHARED),
                                        ("rprivate", mo.MS_PRIVATE | mo.MS_REC)])
def test_rootfs_propagation(name, flags):
    assert plan_of(with_linux(rootfsPropagation=name)).root_propagation == flags


def test_private_rootfs_is_refused_without_pivot_root():
    check_no_pivot_propagation(plan_of(with_linux(rootfsPropagation="rslave")))
    with pytest.raises(RuncPyError) as info:
        check_no_pivot_propagation(plan_of(with_linux(rootfsPropagation="private")))
    assert info.value.path == "linux.rootfsPropagation"


NAMESPACED = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")]


def test_sysctls_pass_through_in_order():
    sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "100000", "net/ipv4/conf/eth0.100/forwarding": "0"}
    plan = plan_of(with_linux(sysctl=sysctl, namespaces=NAMESPACED))
    assert plan.sysctl == tuple(sysctl.items())
    assert plan.sysctl_netns_path is None  # the container's own, new network namespace


def test_joined_network_namespace_is_kept_for_the_host_check():
    ns = [{"type": "network", "path": "/proc/self/ns/net"}] + [n for n in NAMESPACED if n["type"] != "network"]
    plan = plan_rootfs(spec_from_dict(with_linux(sysctl={"net.ipv4.ip_forward": "1"}, namespaces=ns)), BUNDLE)
    assert plan.sysctl_netns_path == "/proc/self/ns/net"
    # joining our own network namespace is joining the host's: refused, as runc
    with pytest.raises(RuncPyError) as info:
        refuse_host_netns(plan)
    assert info.value.path == 'linux.sysctl."net.ipv4.ip_forward"'
    assert plan_of(with_linux(sysctl={"kernel.sem": "1"}, namespaces=ns)).sysctl_netns_path is None


@pytest.mark.parametrize("destination,procfs,allowed", [
    ("/proc", True, True), ("/proc", False, False), ("/proc/sys", False, False), ("/proc/sys/kernel", True, False),
    ("/proc/cpuinfo", False, True), ("/proc/net/dev", False, True), ("/procfoo", False, True), ("/data", False, True),
])
def test_proc_destinations(destination, procfs, allowed):
    assert (check_proc_destination(destination, procfs) is None) == allowed


def test_mount_label_goes_to_labelled_filesystems_when_selinux_is_on():
    label = "system_u:object_r:container_file_t:s0:c1,c2"
    doc = with_linux(mountLabel=label)
    on = {m.clean_destination: m.data for m in plan_rootfs(spec_from_dict(doc), BUNDLE, selinux=True).mounts}
    assert on["/dev"] == f'mode=755,size=65536k,context="{label}"'
    assert on["/dev/shm"].endswith(f',context="{label}"')
    assert f'context="{label}"' in on["/dev/pts"]
    # runc leaves these filesystems' own labels alone
    for unlabelled in ("/proc", "/sys", "/dev/mqueue", "/sys/fs/cgroup"):
        assert "context=" not in on[unlabelled], unlabelled
    off = {m.clean_destination: m.data for m in plan_rootfs(spec_from_dict(doc), BUNDLE, selinux=False).mounts}
    assert all("context=" not in data for data in off.values())
