"""The rules of config.json a JSON Schema cannot express.

They read the raw document, not the model, so they also run on a document the
schema refused: one pass reports every fault.  Each rule therefore skips
values of the wrong type (the schema has already reported those).  A finding
is (JSON path, message); runc_py.spec.load prefixes the file name.

Where the spec and runc differ, the docstring of the rule says which we
follow and why.
"""
import os

from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.namespace_types import NAMESPACES
from runc_py.linux.rlimit_names import RLIMITS

SUPPORTED_VERSIONS = "1.0.0 to 1.2.x"

# Sysctls that belong to a namespace (the kernel's per-namespace tables), as
# runc allows them: anything else would change the host.
_IPC_SYSCTLS = frozenset({
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
})
_UTS_SYSCTLS = frozenset({"kernel.hostname", "kernel.domainname"})
# time_namespaces(7): only these two clocks can be offset.
_TIME_CLOCKS = frozenset({"monotonic", "boottime"})
_ERRNO_ACTIONS = frozenset({"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"})
# set_mempolicy(2): these modes take no nodes; those need at least one.
_MPOL_NO_NODES = frozenset({"MPOL_DEFAULT", "MPOL_LOCAL"})
_MPOL_NEED_NODES = frozenset({"MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY"})
_STOP_SIGNAL = "org.opencontainers.image.stopSignal"


class Findings:
    """What the rules found: problems refuse the config, warnings are logged."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def warning(self, path: str, message: str) -> None:
        self.warnings.append((path, message))


# --- paths and values in messages ----------------------------------------------


def key_path(path: str, key: str) -> str:
    """`path.key`, or `path["key"]` when the key is not a plain word
    (annotation and sysctl keys hold dots)."""
    plain = key and key.isascii() and key.replace("_", "a").isalnum() and not key[0].isdigit()
    if plain:
        return f"{path}.{key}" if path else key
    return f"{path}[{quote(key)}]"


def quote(value) -> str:
    """A value as JSON writes it (`"pidd"`), for messages."""
    from runc_py import jsonio

    return jsonio.dumps(value)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _entries(value, path: str):
    """(path, entry) for each object in an array."""
    for index, entry in enumerate(_list(value)):
        if isinstance(entry, dict):
            yield f"{path}[{index}]", entry


# --- the whole config ----------------------------------------------------------


def check_config(doc, bundle: str | None) -> Findings:
    """Every rule over a config.json document.  With `bundle`, also the rules
    that look at the host (root.path, namespace paths); without, those are
    skipped (documents built in memory)."""
    findings = Findings()
    if not isinstance(doc, dict):
        return findings
    _oci_version(doc.get("ociVersion"), findings)
    if bundle is not None:
        _root_exists(_dict(doc.get("root")).get("path"), bundle, findings)
    _mounts(doc, findings)
    if "process" not in doc:
        findings.problem("process", "is required to create a container "
                         "(runtime.md: start MUST generate an error if process was not set)")
    elif isinstance(doc["process"], dict):
        check_process(doc["process"], "process", findings)
    _hooks(_dict(doc.get("hooks")), findings)
    _stop_signal(_dict(doc.get("annotations")), findings)
    linux = _dict(doc.get("linux"))
    namespaces = _namespaces(linux, bundle is not None, findings)
    _uts_names(doc, namespaces, findings)
    _id_mappings(linux, namespaces, findings)
    _time_offsets(linux, namespaces, findings)
    _sysctls(_dict(linux.get("sysctl")), namespaces, findings)
    for path, device in _entries(linux.get("devices"), "linux.devices"):
        _absolute(device.get("path"), f"{path}.path", findings)
    for field in ("maskedPaths", "readonlyPaths"):
        for index, item in enumerate(_list(linux.get(field))):
            _absolute(item, f"linux.{field}[{index}]", findings)
    _resources(_dict(linux.get("resources")), findings)
    _seccomp(linux.get("seccomp"), findings)
    _linux_extras(linux, findings)
    return findings


def _oci_version(version, findings: Findings) -> None:
    """config.md: ociVersion MUST be SemVer 2.0.0, and a config of 1.x is
    only compatible with runtimes supporting 1.x or later.  Pre-release and
    build suffixes are fine: containerd and runc write "1.0.2-dev"."""
    if not isinstance(version, str):
        return
    parsed = parse_semver(version)
    if parsed is None:
        findings.problem("ociVersion", f"{quote(version)} is not a SemVer 2.0.0 version")
    elif parsed[0] != 1 or parsed[1] > 2:
        findings.problem("ociVersion", f"{quote(version)} is not supported: runc-py runs "
                         f"configs of runtime-spec {SUPPORTED_VERSIONS}")


def _identifiers(text: str, numeric_without_zeros: bool) -> bool:
    for part in text.split("."):
        if not part or not part.isascii() or not part.replace("-", "a").isalnum():
            return False
        if numeric_without_zeros and part.isdigit() and len(part) > 1 and part[0] == "0":
            return False
    return True


def parse_semver(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a SemVer 2.0.0 string, else None."""
    core, plus, build = text.partition("+")
    core, minus, prerelease = core.partition("-")
    if plus and not _identifiers(build, False):
        return None
    if minus and not _identifiers(prerelease, True):
        return None
    numbers = core.split(".")
    if len(numbers) != 3 or not all(_identifiers(n, True) and n.isdigit() for n in numbers):
        return None
    return int(numbers[0]), int(numbers[1]), int(numbers[2])


def _root_exists(path, bundle: str, findings: Findings) -> None:
    """config.md, Root: a directory MUST exist at root.path, which is
    absolute or relative to the bundle."""
    if not isinstance(path, str) or not path:
        return
    full = os.path.join(bundle, path)
    if not os.path.isdir(full):
        findings.problem("root.path", f"{quote(path)}: no directory at {full}")


def _absolute(path, where: str, findings: Findings) -> None:
    if isinstance(path, str) and not path.startswith("/"):
        findings.problem(where, f"{quote(path)} is not an absolute path")


def _mounts(doc: dict, findings: Findings) -> None:
    """config.md, Mounts: on Linux a destination SHOULD be absolute and MAY,
    for old configs, be relative, "interpreted as relative to /" and
    deprecated.  So a relative destination is a warning, not an error.  The
    idmap/ridmap options need mappings: the mount's own, or the container's
    user namespace; without either an error MUST be returned."""
    has_userns = any(isinstance(ns, dict) and ns.get("type") == "user"
                     for ns in _list(_dict(doc.get("linux")).get("namespaces")))
    for path, mount in _entries(doc.get("mounts"), "mounts"):
        destination = mount.get("destination")
        if destination == "":
            findings.problem(f"{path}.destination", "must not be empty")
        elif isinstance(destination, str) and not destination.startswith("/"):
            findings.warning(f"{path}.destination", f"{quote(destination)} is relative "
                             "(deprecated); it is taken as relative to /")
        options = _list(mount.get("options"))
        for option in ("idmap", "ridmap"):
            if option in options and "uidMappings" not in mount and not has_userns:
                findings.problem(f"{path}.options", f"{quote(option)} needs uidMappings and "
                                 "gidMappings on the mount, or a user namespace")


# --- process -------------------------------------------------------------------


def check_process(process: dict, path: str, findings: Findings) -> None:
    """The rules of a `process` object: config.json's, or a whole
    `exec --process` file (path "")."""

    def at(key: str) -> str:
        return key_path(path, key)

    cwd = process.get("cwd")
    if isinstance(cwd, str) and not cwd.startswith("/"):
        findings.problem(at("cwd"), f"{quote(cwd)} is not an absolute path (config.md: MUST be absolute)")
    for index, entry in enumerate(_list(process.get("env"))):
        if isinstance(entry, str) and ("=" not in entry or entry.startswith("=")):
            findings.problem(f"{at('env')}[{index}]", f"{quote(entry)} is not of the form NAME=value")
    _rlimits(process.get("rlimits"), at("rlimits"), findings)
    _capabilities(_dict(process.get("capabilities")), at("capabilities"), findings)
    affinity = _dict(process.get("execCPUAffinity"))
    for key in ("initial", "final"):
        _cpu_list(affinity.get(key), f"{at('execCPUAffinity')}.{key}", findings)


def _rlimits(rlimits, path: str, findings: Findings) -> None:
    """config.md, POSIX process: the runtime MUST error on a type it cannot
    map to the kernel and on duplicated types; setrlimit(2) refuses a soft
    limit above the hard one."""
    seen: set[str] = set()
    for where, rlimit in _entries(rlimits, path):
        kind = rlimit.get("type")
        if isinstance(kind, str):
            if kind not in RLIMITS:
                findings.problem(f"{where}.type", f"{quote(kind)} is not a Linux resource limit "
                                 f"(one of RLIMIT_CPU ... RLIMIT_RTTIME)")
            elif kind in seen:
                findings.problem(f"{where}.type", f"{quote(kind)} appears more than once")
            seen.add(kind)
        soft, hard = rlimit.get("soft"), rlimit.get("hard")
        if isinstance(soft, int) and isinstance(hard, int) and soft > hard:
            findings.problem(f"{where}.soft", f"{soft} is above the hard limit {hard}")


def _capabilities(capabilities: dict, path: str, findings: Findings) -> None:
    """config.md, Linux Process (runtime-spec 1.1 and 1.2): "Any value which
    cannot be mapped to a relevant kernel interface, or cannot be granted
    otherwise MUST be logged as a warning by the runtime.  Runtimes SHOULD NOT
    fail if the container configuration requests capabilities that cannot be
    granted."  (1.0 said the runtime MUST generate an error; 1.1 changed it.)
    So an unknown name is a warning, and the capability code skips it."""
    for kind, names in capabilities.items():
        for index, name in enumerate(_list(names)):
            if isinstance(name, str) and name not in CAPABILITIES:
                findings.warning(f"{path}.{kind}[{index}]", f"{quote(name)} is not a capability "
                                 "this kernel interface knows; ignored")


def _cpu_list(text, path: str, findings: Findings) -> None:
    """A CPU or memory-node list as cpuset and the spec write it: `0-3,7`."""
    if not isinstance(text, str) or text == "":
        return
    for part in text.split(","):
        low, dash, high = part.partition("-")
        ok = low.isascii() and low.isdigit() and (not dash or (high.isascii() and high.isdigit() and int(low) <= int(high)))
        if not ok:
            findings.problem(path, f"{quote(text)} is not a list like 0-3,7")
            return


# --- hooks, annotations ---------------------------------------------------------


def _hooks(hooks: dict, findings: Findings) -> None:
    """config.md, POSIX-platform Hooks: path MUST be absolute."""
    for kind, entries in hooks.items():
        for where, hook in _entries(entries, f"hooks.{kind}"):
            _absolute(hook.get("path"), f"{where}.path", findings)


def _stop_signal(annotations: dict, findings: Findings) -> None:
    """config.md, Annotations: org.opencontainers.image.stopSignal MUST hold a
    valid signal (the image spec's StopSignal: a name or a number)."""
    value = annotations.get(_STOP_SIGNAL)
    if isinstance(value, str):
        from runc_py.errors import RuncPyError
        from runc_py.linux.signal_names import parse_signal

        try:
            parse_signal(value)
        except RuncPyError as err:
            findings.problem(key_path("annotations", _STOP_SIGNAL), str(err))


# --- namespaces ----------------------------------------------------------------


def _namespaces(linux: dict, check_host: bool, findings: Findings) -> dict[str, str | None]:
    """config-linux.md, Namespaces: a type MUST appear once; a path MUST be
    absolute.  Every type can be joined by path (setns(2) takes all eight),
    so no type refuses one.  Whether the file at `path` is a namespace of
    that type is the kernel's answer to setns() when the container is made.
    Returns type -> path (None for a new namespace)."""
    found: dict[str, str | None] = {}
    for where, namespace in _entries(linux.get("namespaces"), "linux.namespaces"):
        kind, path = namespace.get("type"), namespace.get("path")
        if isinstance(kind, str) and kind in found:
            findings.problem(f"{where}.type", f"{quote(kind)} appears more than once")
        elif isinstance(kind, str) and kind in NAMESPACES:
            found[kind] = path if isinstance(path, str) and path else None
        if isinstance(path, str) and path:
            if not path.startswith("/"):
                findings.problem(f"{where}.path", f"{quote(path)} is not an absolute path")
            elif check_host and not os.path.exists(path):
                findings.problem(f"{where}.path", f"{quote(path)} does not exist")
    return found


def _uts_names(doc: dict, namespaces: dict, findings: Findings) -> None:
    """config.md lets hostname and domainname change the runtime's own UTS
    namespace when the container shares it; runc refuses that ("unable to
    set hostname without a private UTS namespace") and so do we: a container
    must not rename its host."""
    for key in ("hostname", "domainname"):
        value = doc.get(key)
        if isinstance(value, str) and value and "uts" not in namespaces:
            findings.problem(key, f"{quote(value)} needs a uts namespace in linux.namespaces")


def _id_mappings(linux: dict, namespaces: dict, findings: Findings) -> None:
    """A new user namespace needs both mappings (nothing could write its
    uid_map otherwise).  Mappings without a user namespace do nothing: runc
    1.1.5 silently ignores them, later runc refuses them, and so do we, since
    a config that asks for a mapping it will not get is a mistake."""
    for key in ("uidMappings", "gidMappings"):
        mappings = linux.get(key)
        if "user" not in namespaces:
            if mappings:
                findings.problem(f"linux.{key}", "is set but linux.namespaces has no user namespace")
        elif namespaces["user"] is None and not mappings:
            findings.problem(f"linux.{key}", "is required with a new user namespace")


def _time_offsets(linux: dict, namespaces: dict, findings: Findings) -> None:
    """time_namespaces(7): offsets can only be written into a new time
    namespace, before any process enters it, and only for two clocks."""
    offsets = _dict(linux.get("timeOffsets"))
    if not offsets:
        return
    if "time" not in namespaces or namespaces["time"] is not None:
        findings.problem("linux.timeOffsets", "needs a new time namespace in linux.namespaces")
    for clock in offsets:
        if clock not in _TIME_CLOCKS:
            findings.problem(key_path("linux.timeOffsets", clock),
                             f"{quote(clock)} is not a clock a time namespace offsets (monotonic, boottime)")


def _sysctls(sysctl: dict, namespaces: dict, findings: Findings) -> None:
    """A sysctl name is a path under /proc/sys, dotted (`net.ipv4.ip_forward`)
    or slashed (`net/ipv4/conf/eth0.100/forwarding`, for names that hold
    dots); no empty, `.` or `..` component may let it leave /proc/sys.  As in
    runc, only sysctls of a namespace the container owns are allowed: the
    rest would change the host."""
    for name in sysctl:
        where = key_path("linux.sysctl", name)
        parts = name.split("/" if "/" in name else ".")
        if any(part in ("", ".", "..") for part in parts):
            findings.problem(where, "is not a sysctl name (like net.ipv4.ip_forward)")
            continue
        dotted = ".".join(parts)
        if dotted in _IPC_SYSCTLS or dotted.startswith("fs.mqueue."):
            needed = "ipc"
        elif parts[0] == "net":
            needed = "network"
        elif dotted in _UTS_SYSCTLS:
            needed = "uts"
        else:
            findings.problem(where, "is not in a namespace of the container; it would change the host")
            continue
        if needed not in namespaces:
            findings.problem(where, f"needs a {needed} namespace in linux.namespaces")


# --- resources, seccomp, the rest of linux -------------------------------------


def _resources(resources: dict, findings: Findings) -> None:
    base = "linux.resources"
    for key in _dict(resources.get("unified")):
        controller, dot, name = key.partition(".")
        if not controller or not dot or not name or "/" in key:
            findings.problem(key_path(f"{base}.unified", key),
                             "is not a cgroup v2 file name like <controller>.<file> (no /)")
    block_io = _dict(resources.get("blockIO"))
    for where, device in _entries(block_io.get("weightDevice"), f"{base}.blockIO.weightDevice"):
        if "weight" not in device and "leafWeight" not in device:
            findings.problem(where, "needs weight or leafWeight (config-linux.md: MUST specify at least one)")
    for name, limits in _dict(resources.get("rdma")).items():
        if isinstance(limits, dict) and "hcaHandles" not in limits and "hcaObjects" not in limits:
            findings.problem(key_path(f"{base}.rdma", name),
                             "needs hcaHandles or hcaObjects (config-linux.md: MUST specify at least one)")
    cpu = _dict(resources.get("cpu"))
    quota, burst = cpu.get("quota"), cpu.get("burst")
    if isinstance(quota, int) and isinstance(burst, int) and quota > 0 and burst > quota:
        findings.problem(f"{base}.cpu.burst", f"{burst} is larger than quota {quota}")
    for key in ("cpus", "mems"):
        _cpu_list(cpu.get(key), f"{base}.cpu.{key}", findings)


def _seccomp(seccomp, findings: Findings) -> None:
    """config-linux.md, Seccomp: an errno with an action that takes none MUST
    fail.  As runc does, SCMP_ACT_NOTIFY needs listenerPath (the notify fd
    has nowhere else to go) and cannot be the default action (the runtime
    itself would block on its first syscall after loading the filter)."""
    if not isinstance(seccomp, dict):
        return
    base = "linux.seccomp"
    default = seccomp.get("defaultAction")
    if "defaultErrnoRet" in seccomp and isinstance(default, str) and default not in _ERRNO_ACTIONS:
        findings.problem(f"{base}.defaultErrnoRet", f"is not allowed with defaultAction {quote(default)}")
    if default == "SCMP_ACT_NOTIFY":
        findings.problem(f"{base}.defaultAction", '"SCMP_ACT_NOTIFY" cannot be the default action')
    notify = False
    for where, rule in _entries(seccomp.get("syscalls"), f"{base}.syscalls"):
        action = rule.get("action")
        notify = notify or action == "SCMP_ACT_NOTIFY"
        if "errnoRet" in rule and isinstance(action, str) and action not in _ERRNO_ACTIONS:
            findings.problem(f"{where}.errnoRet", f"is not allowed with action {quote(action)}")
    if notify and not seccomp.get("listenerPath"):
        findings.problem(f"{base}.listenerPath", "is required when a rule uses SCMP_ACT_NOTIFY")


def _interface_name(name, where: str, findings: Findings) -> None:
    """dev_valid_name() in the kernel: 1 to 15 bytes, not . or .., no /, :
    or white space."""
    if not isinstance(name, str):
        return
    size = len(name.encode())
    if not 0 < size < 16 or name in (".", "..") or any(c in "/:" or c.isspace() for c in name):
        findings.problem(where, f"{quote(name)} is not a valid network interface name")


def _linux_extras(linux: dict, findings: Findings) -> None:
    for host_name, device in _dict(linux.get("netDevices")).items():
        where = key_path("linux.netDevices", host_name)
        _interface_name(host_name, where, findings)
        if isinstance(device, dict) and "name" in device:
            _interface_name(device["name"], f"{where}.name", findings)
    policy = _dict(linux.get("memoryPolicy"))
    mode, nodes = policy.get("mode"), policy.get("nodes")
    mode = mode if isinstance(mode, str) else None
    if mode in _MPOL_NO_NODES and nodes:
        findings.problem("linux.memoryPolicy.nodes", f"must be empty with mode {quote(mode)}")
    elif mode in _MPOL_NEED_NODES and not nodes:
        findings.problem("linux.memoryPolicy.nodes", f"is required with mode {quote(mode)}")
    _cpu_list(nodes, "linux.memoryPolicy.nodes", findings)
    rdt = _dict(linux.get("intelRdt"))
    bandwidth = rdt.get("memBwSchema")
    if isinstance(bandwidth, str) and (not bandwidth.startswith("MB:") or "\n" in bandwidth):
        findings.problem("linux.intelRdt.memBwSchema", f"{quote(bandwidth)} must start with MB: and be one line")
    for index, line in enumerate(_list(rdt.get("schemata"))):
        if isinstance(line, str) and "\n" in line:
            findings.problem(f"linux.intelRdt.schemata[{index}]", "must not contain a newline")
    personality = _dict(linux.get("personality"))
    for index, flag in enumerate(_list(personality.get("flags"))):
        findings.problem(f"linux.personality.flags[{index}]",
                         f"{quote(flag)}: no personality flags are supported (config-linux.md)")
