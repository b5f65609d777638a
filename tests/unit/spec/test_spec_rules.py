"""The semantic rules, each refusing (or warning about) what it must and
letting the good configs through."""
import pytest

from runc_py.errors import ConfigError
from runc_py.spec.load import spec_from_dict
from runc_py.spec.rules import check_config, parse_semver
from spec_configs import DELETE, changed, full_config, mutations, runc_spec_config

_NS = "linux.namespaces"

# (id, changes to full_config(), the exact problem lines)
REFUSED = [
    ("cwd-relative", [("process.cwd", "root")],
     ['config.json: process.cwd: "root" is not an absolute path (config.md: MUST be absolute)']),
    ("process-missing", [("process", DELETE)],
     ["config.json: process: is required to create a container "
      "(runtime.md: start MUST generate an error if process was not set)"]),
    ("env-without-equals", [("process.env.1", "TERM")],
     ['config.json: process.env[1]: "TERM" is not of the form NAME=value']),
    ("env-empty-name", [("process.env.0", "=x")],
     ['config.json: process.env[0]: "=x" is not of the form NAME=value']),
    ("rlimit-unknown", [("process.rlimits.0.type", "RLIMIT_FOO")],
     ['config.json: process.rlimits[0].type: "RLIMIT_FOO" is not a Linux resource limit (one of RLIMIT_CPU ... RLIMIT_RTTIME)']),
    ("rlimit-twice", [("process.rlimits.1.type", "RLIMIT_NOFILE")],
     ['config.json: process.rlimits[1].type: "RLIMIT_NOFILE" appears more than once']),
    ("rlimit-soft-above-hard", [("process.rlimits.0.soft", 4097)],
     ["config.json: process.rlimits[0].soft: 4097 is above the hard limit 4096"]),
    ("affinity-shape", [("process.execCPUAffinity.final", "0-3,x")],
     ['config.json: process.execCPUAffinity.final: "0-3,x" is not a list like 0-3,7']),
    ("affinity-backwards", [("process.execCPUAffinity.initial", "3-1")],
     ['config.json: process.execCPUAffinity.initial: "3-1" is not a list like 0-3,7']),
    ("version-not-semver", [("ociVersion", "1.0")],
     ['config.json: ociVersion: "1.0" is not a SemVer 2.0.0 version']),
    ("version-too-new", [("ociVersion", "1.3.0")],
     ['config.json: ociVersion: "1.3.0" is not supported: runc-py runs configs of runtime-spec 1.0.0 to 1.2.x']),
    ("version-major", [("ociVersion", "2.0.0")],
     ['config.json: ociVersion: "2.0.0" is not supported: runc-py runs configs of runtime-spec 1.0.0 to 1.2.x']),
    ("version-0", [("ociVersion", "0.5.0-dev")],
     ['config.json: ociVersion: "0.5.0-dev" is not supported: runc-py runs configs of runtime-spec 1.0.0 to 1.2.x']),
    ("mount-destination-empty", [("mounts.0.destination", "")],
     ["config.json: mounts[0].destination: must not be empty"]),
    ("idmap-without-mappings", [("mounts.0.uidMappings", DELETE), ("mounts.0.gidMappings", DELETE),
                                (_NS, [{"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "network"}]),
                                ("linux.uidMappings", DELETE), ("linux.gidMappings", DELETE),
                                ("linux.timeOffsets", DELETE)],
     ['config.json: mounts[0].options: "idmap" needs uidMappings and gidMappings on the mount, or a user namespace']),
    ("hostname-without-uts", [(_NS, [{"type": t} for t in ("pid", "network", "mount", "ipc", "user", "cgroup", "time")])],
     ['config.json: hostname: "box" needs a uts namespace in linux.namespaces',
      'config.json: domainname: "example.test" needs a uts namespace in linux.namespaces']),
    ("namespace-twice", [(f"{_NS}.7.type", "pid")],
     [f'config.json: {_NS}[7].type: "pid" appears more than once',
      "config.json: linux.timeOffsets: needs a new time namespace in linux.namespaces"]),
    ("namespace-path-relative", [(f"{_NS}.1.path", "proc/self/ns/net")],
     [f'config.json: {_NS}[1].path: "proc/self/ns/net" is not an absolute path']),
    ("user-ns-without-mappings", [("linux.uidMappings", DELETE)],
     ["config.json: linux.uidMappings: is required with a new user namespace"]),
    ("user-ns-empty-mappings", [("linux.gidMappings", [])],
     ["config.json: linux.gidMappings: is required with a new user namespace"]),
    ("time-offsets-joined-ns", [(f"{_NS}.7.path", "/proc/1/ns/time")],
     ["config.json: linux.timeOffsets: needs a new time namespace in linux.namespaces"]),
    ("time-offsets-clock", [("linux.timeOffsets.realtime", {"secs": 1})],
     ['config.json: linux.timeOffsets.realtime: "realtime" is not a clock a time namespace offsets (monotonic, boottime)']),
    ("sysctl-host", [("linux.sysctl", {"vm.swappiness": "10"})],
     ['config.json: linux.sysctl["vm.swappiness"]: is not in a namespace of the container; it would change the host']),
    ("sysctl-escape", [("linux.sysctl", {"net/../../kernel/x": "1"})],
     ['config.json: linux.sysctl["net/../../kernel/x"]: is not a sysctl name (like net.ipv4.ip_forward)']),
    ("sysctl-empty-part", [("linux.sysctl", {"net..ipv4": "1"})],
     ['config.json: linux.sysctl["net..ipv4"]: is not a sysctl name (like net.ipv4.ip_forward)']),
    ("sysctl-needs-ns", [(_NS, [{"type": "user"}, {"type": "mount"}]), ("hostname", DELETE), ("domainname", DELETE),
                         ("linux.timeOffsets", DELETE), ("linux.sysctl", {"net.ipv4.ip_forward": "1", "kernel.sem": "1",
                                                                           "kernel.hostname": "h"})],
     ['config.json: linux.sysctl["net.ipv4.ip_forward"]: needs a network namespace in linux.namespaces',
      'config.json: linux.sysctl["kernel.sem"]: needs a ipc namespace in linux.namespaces',
      'config.json: linux.sysctl["kernel.hostname"]: needs a uts namespace in linux.namespaces']),
    ("device-path", [("linux.devices.0.path", "dev/fuse")],
     ['config.json: linux.devices[0].path: "dev/fuse" is not an absolute path']),
    ("masked-path", [("linux.maskedPaths.0", "proc/kcore")],
     ['config.json: linux.maskedPaths[0]: "proc/kcore" is not an absolute path']),
    ("readonly-path", [("linux.readonlyPaths.0", "proc/sys")],
     ['config.json: linux.readonlyPaths[0]: "proc/sys" is not an absolute path']),
    ("hook-path", [("hooks.poststart.0.path", "notify")],
     ['config.json: hooks.poststart[0].path: "notify" is not an absolute path']),
    ("unified-slash", [("linux.resources.unified", {"io/../max": "1", "memory": "1", "cpu.weight": "10"})],
     ['config.json: linux.resources.unified["io/../max"]: is not a cgroup v2 file name like <controller>.<file> (no /)',
      "config.json: linux.resources.unified.memory: is not a cgroup v2 file name like <controller>.<file> (no /)"]),
    ("weight-device-empty", [("linux.resources.blockIO.weightDevice.0", {"major": 8, "minor": 0})],
     ["config.json: linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight (config-linux.md: MUST specify at least one)"]),
    ("rdma-empty", [("linux.resources.rdma.mlx5_1", {})],
     ["config.json: linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects (config-linux.md: MUST specify at least one)"]),
    ("cpu-burst", [("linux.resources.cpu.burst", 100001)],
     ["config.json: linux.resources.cpu.burst: 100001 is larger than quota 100000"]),
    ("cpus-shape", [("linux.resources.cpu.cpus", "0-")],
     ['config.json: linux.resources.cpu.cpus: "0-" is not a list like 0-3,7']),
    ("seccomp-errno-with-allow", [("linux.seccomp.syscalls.0.errnoRet", 1)],
     ['config.json: linux.seccomp.syscalls[0].errnoRet: is not allowed with action "SCMP_ACT_ALLOW"']),
    ("seccomp-default-errno", [("linux.seccomp.defaultAction", "SCMP_ACT_KILL")],
     ['config.json: linux.seccomp.defaultErrnoRet: is not allowed with defaultAction "SCMP_ACT_KILL"']),
    ("seccomp-notify-default", [("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY"), ("linux.seccomp.defaultErrnoRet", DELETE)],
     ['config.json: linux.seccomp.defaultAction: "SCMP_ACT_NOTIFY" cannot be the default action']),
    ("seccomp-notify-listener", [("linux.seccomp.listenerPath", DELETE), ("linux.seccomp.listenerMetadata", DELETE)],
     ["config.json: linux.seccomp.listenerPath: is required when a rule uses SCMP_ACT_NOTIFY"]),
    ("stop-signal", [("annotations.org\x00opencontainers\x00image\x00stopSignal", "SIGNOPE")],
     ['config.json: annotations["org.opencontainers.image.stopSignal"]: unknown signal "SIGNOPE"']),
    ("net-device-name", [("linux.netDevices.eth1.name", "a-very-long-name0")],
     ['config.json: linux.netDevices.eth1.name: "a-very-long-name0" is not a valid network interface name']),
    ("net-device-key", [("linux.netDevices", {"eth/0": {}})],
     ['config.json: linux.netDevices["eth/0"]: "eth/0" is not a valid network interface name']),
    ("mempolicy-needs-nodes", [("linux.memoryPolicy.nodes", DELETE)],
     ['config.json: linux.memoryPolicy.nodes: is required with mode "MPOL_INTERLEAVE"']),
    ("mempolicy-no-nodes", [("linux.memoryPolicy.mode", "MPOL_LOCAL")],
     ['config.json: linux.memoryPolicy.nodes: must be empty with mode "MPOL_LOCAL"']),
    ("rdt-membw", [("linux.intelRdt.memBwSchema", "L3:0=1")],
     ['config.json: linux.intelRdt.memBwSchema: "L3:0=1" must start with MB: and be one line']),
    ("rdt-schemata-newline", [("linux.intelRdt.schemata.0", "L2:0=f\nMB:0=1")],
     ["config.json: linux.intelRdt.schemata[0]: must not contain a newline"]),
    ("personality-flags", [("linux.personality.flags", ["ADDR_NO_RANDOMIZE"])],
     ['config.json: linux.personality.flags[0]: "ADDR_NO_RANDOMIZE": no personality flags are supported (config-linux.md)']),
]


def _doc(changes) -> dict:
    doc = full_config()
    for path, value in changes:
        doc = changed(doc, path, value)
    return _undot(doc)


def _undot(node):
    if isinstance(node, dict):
        return {k.replace("\x00", "."): _undot(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_undot(v) for v in node]
    return node


@pytest.mark.parametrize("name, changes, expected", REFUSED, ids=[c[0] for c in REFUSED])
def test_rule_refuses(name, changes, expected):
    with pytest.raises(ConfigError) as caught:
        spec_from_dict(_doc(changes))
    assert caught.value.problems == expected


def test_mappings_without_a_user_namespace():
    doc = changed(full_config(), _NS, [{"type": "pid"}, {"type": "uts"}, {"type": "ipc"}, {"type": "network"}])
    doc = changed(changed(doc, "linux.timeOffsets", DELETE), "mounts", [])
    with pytest.raises(ConfigError) as caught:
        spec_from_dict(doc)
    assert caught.value.problems == [
        "config.json: linux.uidMappings: is set but linux.namespaces has no user namespace",
        "config.json: linux.gidMappings: is set but linux.namespaces has no user namespace",
    ]


def test_a_joined_user_namespace_needs_no_mappings():
    doc = changed(full_config(), f"{_NS}.5.path", "/proc/1/ns/user")
    doc = changed(changed(doc, "linux.uidMappings", DELETE), "linux.gidMappings", DELETE)
    assert spec_from_dict(doc).linux.uid_mappings is None


def test_a_joined_uts_namespace_is_the_containers_own():
    doc = changed(full_config(), f"{_NS}.4", {"type": "uts", "path": "/proc/1/ns/uts"})
    assert spec_from_dict(doc).hostname == "box"


@pytest.mark.parametrize("version", ["1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.1", "1.2.99+build.5", "1.0.0-rc5"])
def test_versions_we_run(version):
    assert spec_from_dict(changed(runc_spec_config(), "ociVersion", version)).oci_version == version


@pytest.mark.parametrize("text", ["1", "1.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "v1.0.0", "1.0.0-a..b", "１.0.0"])
def test_semver_refuses(text):
    assert parse_semver(text) is None


@pytest.mark.parametrize("name, changes", [
    ("relative-mount-destination", [("mounts.0.destination", "data")]),
    ("unknown-capability", [("process.capabilities.bounding", ["CAP_CHOWN", "CAP_FUTURE"])]),
])
def test_warnings_do_not_refuse(name, changes, capfd):
    spec_from_dict(_doc(changes))
    err = capfd.readouterr().err
    expected = {
        "relative-mount-destination": 'config.json: mounts[0].destination: \\"data\\" is relative (deprecated); it is taken as relative to /',
        "unknown-capability": 'config.json: process.capabilities.bounding[1]: \\"CAP_FUTURE\\" is not a capability this kernel interface knows; ignored',
    }[name]
    assert "level=warning" in err and expected in err


@pytest.mark.parametrize("changes", [
    [("linux.rootfsPropagation", "private")],
    [("linux.devices.1", {"type": "p", "path": "/dev/fifo"})],
    [("linux.sysctl", {"net/ipv4/conf/eth0.100/forwarding": "1"})],
    [("linux.memoryPolicy", {"mode": "MPOL_PREFERRED"})],
    [("linux.resources.cpu.quota", -1)],
    [("process.env", ["A=", "B==c"])],
    [("annotations.org\x00opencontainers\x00image\x00stopSignal", "15")],
])
def test_rules_let_good_values_through(changes):
    spec_from_dict(_doc(changes))


@pytest.mark.parametrize("make", [runc_spec_config, full_config])
def test_rules_survive_any_broken_document(make, tmp_path):
    """The rules run before the model exists, on documents the schema may
    refuse: they must skip what has the wrong type, never crash."""
    doc = make()
    for path in mutations(doc):
        check_config(doc, str(tmp_path))
        check_config(doc.get("process"), None)
