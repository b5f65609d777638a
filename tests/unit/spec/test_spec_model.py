"""The Spec model: values land on the right attributes, and back."""
import pytest

from runc_py import record
from runc_py.spec import model
from runc_py.spec.load import spec_from_dict
from runc_py.spec.report import load_schemas
from spec_configs import changed, full_config, runc_spec_config

MODEL_CLASSES = [c for c in vars(model).values()
                 if isinstance(c, type) and record.is_record(c) and c.__module__ == model.__name__]


def _schema_words(key: str) -> set[str]:
    words: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            words.update(node.get(key, ()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(list(load_schemas().values()))
    return words


@pytest.mark.parametrize("make", [runc_spec_config, full_config])
def test_round_trip(make):
    assert model.to_json(spec_from_dict(make())) == make()


def test_values_land_on_their_attributes():
    spec = spec_from_dict(full_config())
    assert spec.oci_version == "1.2.0"
    assert spec.root == model.Root(path="rootfs", readonly=False)
    mount = spec.mounts[0]
    assert (mount.destination, mount.source, mount.type, mount.options) == ("/data", "/srv/data", "none", ("rbind", "idmap"))
    assert mount.uid_mappings == (model.IDMapping(container_id=0, host_id=100000, size=65536),)
    assert mount.gid_mappings[0].host_id == 200000
    process = spec.process
    assert (process.cwd, process.args, process.terminal) == ("/root", ("/bin/sh", "-c", "true"), True)
    assert process.user == model.User(uid=1, gid=2, umask=18, additional_gids=(5, 6))
    assert process.console_size == model.ConsoleSize(height=25, width=80)
    assert process.capabilities.inheritable == ("CAP_FOWNER",) and process.capabilities.ambient == ("CAP_NET_RAW",)
    assert process.rlimits[0] == model.Rlimit(type="RLIMIT_NOFILE", soft=1024, hard=4096)
    assert (process.no_new_privileges, process.oom_score_adj, process.apparmor_profile) == (True, 100, "acme")
    assert process.scheduler.policy == "SCHED_FIFO" and process.scheduler.nice == -5 and process.scheduler.period == 3
    assert process.io_priority == model.IOPriority(class_="IOPRIO_CLASS_IDLE", priority=4)
    assert process.exec_cpu_affinity == model.ExecCPUAffinity(initial="7", final="0-3,7")
    assert spec.hooks.create_runtime[0].path == "/usr/bin/createRuntime"
    assert spec.hooks.start_container[0].env == ("K=v",) and spec.hooks.poststop[0].timeout == 5
    assert spec.annotations["com.example.key"] == "value"
    linux = spec.linux
    assert linux.namespaces[1] == model.LinuxNamespace(type="network", path="/proc/self/ns/net")
    assert linux.uid_mappings[0].host_id == 1000 and linux.gid_mappings[0].host_id == 2000
    assert linux.time_offsets["monotonic"] == model.LinuxTimeOffset(secs=-3600, nanosecs=5)
    assert linux.devices[0].file_mode == 438 and linux.devices[1].major is None
    assert linux.net_devices == {"eth1": model.LinuxNetDevice(name="ctr1")}
    resources = linux.resources
    assert resources.memory.disable_oom_killer is False and resources.memory.kernel_tcp == -1
    assert resources.memory.check_before_update is True and resources.cpu.realtime_period == 1000000
    assert resources.block_io.throttle_read_iops_device[0].rate == 800
    assert resources.block_io.throttle_write_bps_device[0].rate == 700
    assert resources.block_io.weight_device[0].leaf_weight == 300
    assert resources.hugepage_limits[0].page_size == "2MB"
    assert resources.network.class_id == 1048577 and resources.network.priorities[0].name == "eth0"
    assert resources.rdma["mlx5_1"].hca_objects == 10000 and resources.unified["io.max"] == "259:0 rbps=2097152"
    assert linux.intel_rdt.clos_id == "guaranteed_group" and linux.intel_rdt.enable_mbm is True
    assert linux.memory_policy.mode == "MPOL_INTERLEAVE" and linux.sysctl["kernel.shmmax"] == "4096"
    seccomp = linux.seccomp
    assert (seccomp.default_action, seccomp.default_errno_ret, seccomp.listener_metadata) == ("SCMP_ACT_ERRNO", 38, "meta")
    assert seccomp.syscalls[1].args == (model.LinuxSeccompArg(index=0, value=8, value_two=0, op="SCMP_CMP_EQ"),)
    assert linux.rootfs_propagation == "rslave" and linux.mount_label.startswith("system_u")
    assert linux.personality == model.LinuxPersonality(domain="LINUX32", flags=())


def test_absent_and_empty_stay_distinct():
    spec = spec_from_dict(changed(runc_spec_config(), "linux.maskedPaths", []))
    assert spec.linux.masked_paths == () and spec.linux.sysctl is None and spec.hooks is None


def test_every_attribute_is_exercised_by_the_full_config():
    """So the round trip above covers every key the model maps: each
    attribute is set in at least one instance."""
    seen, set_somewhere = set(), set()

    def walk(instance, where):
        for name in record.fields(instance):
            value = getattr(instance, name)
            seen.add(f"{where}.{name}")
            if value is not None:
                set_somewhere.add(f"{where}.{name}")
            for item in value if isinstance(value, tuple) else value.values() if isinstance(value, dict) else [value]:
                if record.is_record(item):
                    walk(item, f"{where}.{name}")

    walk(spec_from_dict(full_config()), "spec")
    assert len(seen) > 200
    assert seen == set_somewhere


def test_keys_and_required_fields_match_the_schema():
    properties = set()
    for node in _all_properties():
        properties.update(node)
    required = _schema_words("required")
    for cls in MODEL_CLASSES:
        for name, default in record.fields(cls).items():
            key = model.json_key(name)
            assert key in properties, f"{cls.__name__}.{name}: no {key!r} in the schema"
            if default is record.REQUIRED:
                assert key in required, f"{cls.__name__}.{name} is required but {key!r} is not"


def _all_properties():
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                yield node["properties"]
            for value in node.values():
                yield from walk(value)

    for doc in load_schemas().values():
        yield from walk(doc)


@pytest.mark.parametrize("attribute, key", [
    ("oci_version", "ociVersion"), ("uid_mappings", "uidMappings"), ("container_id", "containerID"),
    ("host_id", "hostID"), ("cgroups_path", "cgroupsPath"), ("oom_score_adj", "oomScoreAdj"),
    ("no_new_privileges", "noNewPrivileges"), ("block_io", "blockIO"), ("hugepage_limits", "hugepageLimits"),
    ("disable_oom_killer", "disableOOMKiller"), ("kernel_tcp", "kernelTCP"), ("class_id", "classID"),
    ("exec_cpu_affinity", "execCPUAffinity"), ("weight_device", "weightDevice"),
    ("throttle_read_bps_device", "throttleReadBpsDevice"), ("throttle_write_iops_device", "throttleWriteIOPSDevice"),
    ("create_runtime", "createRuntime"), ("masked_paths", "maskedPaths"), ("io_priority", "ioPriority"),
    ("class_", "class"), ("clos_id", "closID"), ("l3_cache_schema", "l3CacheSchema"), ("enable_cmt", "enableCMT"),
])
def test_naming_rule(attribute, key):
    assert model.json_key(attribute) == key


def test_instances_are_frozen_values():
    root = model.Root(path="rootfs")
    with pytest.raises(record.FrozenError):
        root.path = "other"
    with pytest.raises(record.FrozenError):
        del root.path
    assert root == model.Root(path="rootfs", readonly=None) and root != model.Root(path="rootfs", readonly=True)
    assert hash(root) == hash(model.Root(path="rootfs"))
    assert record.replace(root, readonly=True).readonly is True
    assert repr(root) == "Root(path='rootfs', readonly=None)"
    with pytest.raises(TypeError, match="missing required argument 'path'"):
        model.Root()
    with pytest.raises(TypeError, match="unexpected arguments"):
        model.Root(path="x", color="red")


def test_integral_floats_become_ints():
    spec = spec_from_dict(changed(runc_spec_config(), "process.user.uid", 1000.0))
    assert spec.process.user.uid == 1000 and type(spec.process.user.uid) is int
