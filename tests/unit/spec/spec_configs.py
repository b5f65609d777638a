"""Test documents for the spec tests: a `runc spec`-shaped config, a config
that sets every field the model has, and bad variants of both."""
import copy

from runc_py.spec.defaults import default_config


def runc_spec_config() -> dict:
    """What `runc spec` (1.1.5) writes (runc-py's defaults equal it field by
    field, as tests/unit/test_spec_defaults.py proves against runc itself),
    with runc's ociVersion and terminal off."""
    config = default_config()
    config["ociVersion"] = "1.0.2-dev"
    config["process"]["terminal"] = False
    return config


def _mapping(container: int, host: int, size: int) -> dict:
    return {"containerID": container, "hostID": host, "size": size}


def full_config() -> dict:
    """Every field the model has, each with a distinct value."""
    hook = {"path": "/usr/bin/hook", "args": ["hook", "a"], "env": ["K=v"], "timeout": 5}
    return {
        "ociVersion": "1.2.0",
        "root": {"path": "rootfs", "readonly": False},
        "mounts": [
            {"destination": "/data", "source": "/srv/data", "type": "none", "options": ["rbind", "idmap"],
             "uidMappings": [_mapping(0, 100000, 65536)], "gidMappings": [_mapping(0, 200000, 65536)]},
        ],
        "process": {
            "terminal": True,
            "consoleSize": {"height": 25, "width": 80},
            "user": {"uid": 1, "gid": 2, "umask": 18, "additionalGids": [5, 6]},
            "args": ["/bin/sh", "-c", "true"],
            "env": ["PATH=/bin", "TERM=xterm"],
            "cwd": "/root",
            "capabilities": {
                "bounding": ["CAP_CHOWN"], "effective": ["CAP_KILL"], "inheritable": ["CAP_FOWNER"],
                "permitted": ["CAP_SETUID"], "ambient": ["CAP_NET_RAW"],
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
                        {"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551615}],
            "noNewPrivileges": True,
            "apparmorProfile": "acme",
            "oomScoreAdj": 100,
            "scheduler": {"policy": "SCHED_FIFO", "nice": -5, "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"],
                          "runtime": 1, "deadline": 2, "period": 3},
            "selinuxLabel": "system_u:system_r:container_t:s0",
            "ioPriority": {"class": "IOPRIO_CLASS_IDLE", "priority": 4},
            "execCPUAffinity": {"initial": "7", "final": "0-3,7"},
        },
        "hostname": "box",
        "domainname": "example.test",
        "hooks": {kind: [dict(hook, path=f"/usr/bin/{kind}")]
                  for kind in ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")},
        "annotations": {"com.example.key": "value", "org.opencontainers.image.stopSignal": "SIGQUIT"},
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/self/ns/net"}, {"type": "mount"},
                           {"type": "ipc"}, {"type": "uts"}, {"type": "user"}, {"type": "cgroup"}, {"type": "time"}],
            "uidMappings": [_mapping(0, 1000, 32000)],
            "gidMappings": [_mapping(0, 2000, 32000)],
            "timeOffsets": {"monotonic": {"secs": -3600, "nanosecs": 5}, "boottime": {"secs": 60, "nanosecs": 0}},
            "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0,
                         "gid": 0},
                        {"type": "p", "path": "/dev/myfifo"}],
            "netDevices": {"eth1": {"name": "ctr1"}},
            "cgroupsPath": "/runc-py/test",
            "resources": {
                "devices": [{"allow": False, "access": "rwm"},
                            {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
                "memory": {"limit": 536870912, "reservation": 268435456, "swap": 1073741824, "kernel": -1,
                           "kernelTCP": -1, "swappiness": 60, "disableOOMKiller": False, "useHierarchy": True,
                           "checkBeforeUpdate": True},
                "cpu": {"shares": 1024, "quota": 100000, "burst": 50000, "period": 100000,
                        "realtimeRuntime": 950000, "realtimePeriod": 1000000, "cpus": "0-1", "mems": "0", "idle": 0},
                "pids": {"limit": 32771},
                "blockIO": {
                    "weight": 10, "leafWeight": 20,
                    "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300}],
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                    "throttleWriteBpsDevice": [{"major": 8, "minor": 1, "rate": 700}],
                    "throttleReadIOPSDevice": [{"major": 8, "minor": 2, "rate": 800}],
                    "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}],
                },
                "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
                "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
                "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
                "unified": {"io.max": "259:0 rbps=2097152", "hugetlb.1GB.max": "1073741824"},
            },
            "intelRdt": {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70",
                         "schemata": ["L2:0=f"], "enableMonitoring": True, "enableCMT": False, "enableMBM": True},
            "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]},
            "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4096", "fs.mqueue.msg_max": "20"},
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO",
                "defaultErrnoRet": 38,
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
                "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                "listenerPath": "/run/seccomp-agent.sock",
                "listenerMetadata": "meta",
                "syscalls": [
                    {"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ALLOW"},
                    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                     "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
                    {"names": ["mount"], "action": "SCMP_ACT_NOTIFY"},
                ],
            },
            "rootfsPropagation": "rslave",
            "maskedPaths": ["/proc/kcore"],
            "readonlyPaths": ["/proc/sys"],
            "mountLabel": "system_u:object_r:container_file_t:s0",
            "personality": {"domain": "LINUX32", "flags": []},
        },
    }


def changed(doc: dict, path: str, value) -> dict:
    """A deep copy of `doc` with the value at a dotted path (numbers index
    lists) replaced; the value `DELETE` removes the key."""
    doc = copy.deepcopy(doc)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = doc
    for part in parents:
        node = node[part]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return doc


DELETE = object()

# One value of each other JSON type; the explicit test cases cover ranges.
REPLACEMENTS = [None, "x", -1, {}, DELETE]


def _nodes(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _nodes(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, path + (index,))


def mutations(doc: dict):
    """`doc` itself, changed in place: every node in turn replaced by each
    of REPLACEMENTS (dict entries also deleted), and restored after each
    yield.  Yields the path of the changed node."""
    for path in list(_nodes(doc))[1:]:
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        original = parent[path[-1]]
        for value in REPLACEMENTS:
            if value is DELETE:
                if isinstance(parent, list):  # would shift the paths still to visit
                    continue
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield path
            parent[path[-1]] = original
