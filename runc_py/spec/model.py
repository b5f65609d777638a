"""The Spec model: config.json as frozen records (runtime-spec 1.2, Linux).

One class per spec object; the top is `Spec`, at the end of this file
(classes come leaves first, so annotations are real types, not strings).
Attribute names are the JSON keys in snake_case with acronyms split as words
(`uidMappings` -> `uid_mappings`, `hostID` -> `host_id`, `disableOOMKiller`
-> `disable_oom_killer`); `ioPriority.class`, a Python keyword, is `class_`.
A key absent from the document is None, so "absent" and "empty" stay
distinct.  Arrays are tuples; free-form maps (annotations, sysctl, unified,
rdma, timeOffsets, netDevices) are dicts.

The classes are frozen records (runc_py.record), not dataclasses: the
dataclasses import and its per-class exec() would cost more than runc's
whole `state` at every start-up.  `record.fields` and `record.replace` work
on them.

Instances are built only from documents that passed validation
(runc_py.spec.load), so `from_json` trusts the shapes it is given.
"""
from runc_py.record import Record

# Words config.json writes in capitals inside a camelCase key.
_ACRONYMS = frozenset({"id", "oom", "tcp", "io", "iops", "cpu", "cmt", "mbm"})


def json_key(attribute: str) -> str:
    """The config.json key of a model attribute: the naming rule, inverted."""
    first, *rest = attribute.rstrip("_").split("_")
    return first + "".join(w.upper() if w in _ACRONYMS else w.capitalize() for w in rest)


class IDMapping(Record, frozen=True):
    """One entry of a uid or gid mapping (user namespace or idmapped mount)."""

    container_id: int
    host_id: int
    size: int


class Root(Record, frozen=True):
    """`root`: the container's root filesystem, relative to the bundle or absolute."""

    path: str
    readonly: bool | None = None


class Mount(Record, frozen=True):
    """One entry of `mounts`, mounted in the listed order."""

    destination: str
    source: str | None = None
    type: str | None = None
    options: tuple[str, ...] | None = None
    uid_mappings: tuple[IDMapping, ...] | None = None
    gid_mappings: tuple[IDMapping, ...] | None = None


class Hook(Record, frozen=True):
    """One hook: an executable run with its own args, env and timeout (seconds)."""

    path: str
    args: tuple[str, ...] | None = None
    env: tuple[str, ...] | None = None
    timeout: int | None = None


class Hooks(Record, frozen=True):
    """`hooks`, by lifecycle point."""

    prestart: tuple[Hook, ...] | None = None
    create_runtime: tuple[Hook, ...] | None = None
    create_container: tuple[Hook, ...] | None = None
    start_container: tuple[Hook, ...] | None = None
    poststart: tuple[Hook, ...] | None = None
    poststop: tuple[Hook, ...] | None = None


class ConsoleSize(Record, frozen=True):
    """`process.consoleSize`, in characters; ignored without a terminal."""

    height: int
    width: int


class User(Record, frozen=True):
    """`process.user`, in the container's user namespace."""

    uid: int
    gid: int
    umask: int | None = None
    additional_gids: tuple[int, ...] | None = None


class Capabilities(Record, frozen=True):
    """`process.capabilities`: capability names (`CAP_KILL`) per set."""

    bounding: tuple[str, ...] | None = None
    effective: tuple[str, ...] | None = None
    inheritable: tuple[str, ...] | None = None
    permitted: tuple[str, ...] | None = None
    ambient: tuple[str, ...] | None = None


class Rlimit(Record, frozen=True):
    """One entry of `process.rlimits` (`RLIMIT_NOFILE`...)."""

    type: str
    soft: int
    hard: int


class Scheduler(Record, frozen=True):
    """`process.scheduler`: sched_setattr(2) policy and parameters."""

    policy: str
    nice: int | None = None
    priority: int | None = None
    flags: tuple[str, ...] | None = None
    runtime: int | None = None
    deadline: int | None = None
    period: int | None = None


class IOPriority(Record, frozen=True):
    """`process.ioPriority`: ioprio_set(2) class and level (0 highest, 7 lowest)."""

    class_: str
    priority: int


class ExecCPUAffinity(Record, frozen=True):
    """`process.execCPUAffinity`: CPU lists (`0-3,7`) for `exec`, before and
    after joining the container's cgroup."""

    initial: str | None = None
    final: str | None = None


class Process(Record, frozen=True):
    """`process` (also the whole document of `exec --process FILE`)."""

    cwd: str
    args: tuple[str, ...]
    terminal: bool | None = None
    console_size: ConsoleSize | None = None
    user: User | None = None
    env: tuple[str, ...] | None = None
    capabilities: Capabilities | None = None
    rlimits: tuple[Rlimit, ...] | None = None
    no_new_privileges: bool | None = None
    apparmor_profile: str | None = None
    oom_score_adj: int | None = None
    scheduler: Scheduler | None = None
    selinux_label: str | None = None
    io_priority: IOPriority | None = None
    exec_cpu_affinity: ExecCPUAffinity | None = None


class LinuxNamespace(Record, frozen=True):
    """One entry of `linux.namespaces`: a new namespace, or the one at `path`."""

    type: str
    path: str | None = None


class LinuxTimeOffset(Record, frozen=True):
    """One clock of `linux.timeOffsets` (`monotonic`, `boottime`)."""

    secs: int | None = None
    nanosecs: int | None = None


class LinuxDevice(Record, frozen=True):
    """One entry of `linux.devices`: a node to create in the container."""

    type: str
    path: str
    major: int | None = None
    minor: int | None = None
    file_mode: int | None = None
    uid: int | None = None
    gid: int | None = None


class LinuxNetDevice(Record, frozen=True):
    """One value of `linux.netDevices` (keyed by the host's interface name)."""

    name: str | None = None


class LinuxMemoryPolicy(Record, frozen=True):
    """`linux.memoryPolicy`: set_mempolicy(2) mode, node list and flags."""

    mode: str
    nodes: str | None = None
    flags: tuple[str, ...] | None = None


class LinuxIntelRdt(Record, frozen=True):
    """`linux.intelRdt`: resctrl class of service and schemata."""

    clos_id: str | None = None
    l3_cache_schema: str | None = None
    mem_bw_schema: str | None = None
    schemata: tuple[str, ...] | None = None
    enable_monitoring: bool | None = None
    enable_cmt: bool | None = None
    enable_mbm: bool | None = None


class LinuxPersonality(Record, frozen=True):
    """`linux.personality`: execution domain (`LINUX`, `LINUX32`)."""

    domain: str
    flags: tuple[str, ...] | None = None


class LinuxDeviceRule(Record, frozen=True):
    """One entry of `linux.resources.devices`, applied in order (allow or deny)."""

    allow: bool
    type: str | None = None
    major: int | None = None
    minor: int | None = None
    access: str | None = None


class LinuxMemory(Record, frozen=True):
    """`linux.resources.memory`: bytes, -1 for unlimited."""

    limit: int | None = None
    reservation: int | None = None
    swap: int | None = None
    kernel: int | None = None
    kernel_tcp: int | None = None
    swappiness: int | None = None
    disable_oom_killer: bool | None = None
    use_hierarchy: bool | None = None
    check_before_update: bool | None = None


class LinuxCPU(Record, frozen=True):
    """`linux.resources.cpu`: CFS, realtime and cpuset settings."""

    shares: int | None = None
    quota: int | None = None
    burst: int | None = None
    period: int | None = None
    realtime_runtime: int | None = None
    realtime_period: int | None = None
    cpus: str | None = None
    mems: str | None = None
    idle: int | None = None


class LinuxPids(Record, frozen=True):
    """`linux.resources.pids`: -1 for no limit; 0 is a real limit."""

    limit: int | None = None


class LinuxWeightDevice(Record, frozen=True):
    """One entry of `blockIO.weightDevice`."""

    major: int
    minor: int
    weight: int | None = None
    leaf_weight: int | None = None


class LinuxThrottleDevice(Record, frozen=True):
    """One entry of a `blockIO.throttle*Device` list (bytes or IOs per second)."""

    major: int
    minor: int
    rate: int


class LinuxBlockIO(Record, frozen=True):
    """`linux.resources.blockIO`: weights and throttles."""

    weight: int | None = None
    leaf_weight: int | None = None
    weight_device: tuple[LinuxWeightDevice, ...] | None = None
    throttle_read_bps_device: tuple[LinuxThrottleDevice, ...] | None = None
    throttle_write_bps_device: tuple[LinuxThrottleDevice, ...] | None = None
    throttle_read_iops_device: tuple[LinuxThrottleDevice, ...] | None = None
    throttle_write_iops_device: tuple[LinuxThrottleDevice, ...] | None = None


class LinuxHugepageLimit(Record, frozen=True):
    """One entry of `linux.resources.hugepageLimits` (`pageSize` like `2MB`)."""

    page_size: str
    limit: int


class LinuxInterfacePriority(Record, frozen=True):
    """One entry of `network.priorities`."""

    name: str
    priority: int


class LinuxNetwork(Record, frozen=True):
    """`linux.resources.network`: net_cls class id and net_prio priorities."""

    class_id: int | None = None
    priorities: tuple[LinuxInterfacePriority, ...] | None = None


class LinuxRdma(Record, frozen=True):
    """One value of `linux.resources.rdma` (keyed by device name)."""

    hca_handles: int | None = None
    hca_objects: int | None = None


class LinuxResources(Record, frozen=True):
    """`linux.resources`: cgroup limits."""

    devices: tuple[LinuxDeviceRule, ...] | None = None
    memory: LinuxMemory | None = None
    cpu: LinuxCPU | None = None
    pids: LinuxPids | None = None
    block_io: LinuxBlockIO | None = None
    hugepage_limits: tuple[LinuxHugepageLimit, ...] | None = None
    network: LinuxNetwork | None = None
    rdma: dict[str, LinuxRdma] | None = None
    unified: dict[str, str] | None = None


class LinuxSeccompArg(Record, frozen=True):
    """One argument condition of a seccomp rule."""

    index: int
    value: int
    op: str
    value_two: int | None = None


class LinuxSyscall(Record, frozen=True):
    """One rule of `seccomp.syscalls`."""

    names: tuple[str, ...]
    action: str
    errno_ret: int | None = None
    args: tuple[LinuxSeccompArg, ...] | None = None


class LinuxSeccomp(Record, frozen=True):
    """`linux.seccomp`: libseccomp action, architecture and flag names."""

    default_action: str
    default_errno_ret: int | None = None
    architectures: tuple[str, ...] | None = None
    flags: tuple[str, ...] | None = None
    listener_path: str | None = None
    listener_metadata: str | None = None
    syscalls: tuple[LinuxSyscall, ...] | None = None


class Linux(Record, frozen=True):
    """`linux`: everything config-linux.md defines."""

    namespaces: tuple[LinuxNamespace, ...] | None = None
    uid_mappings: tuple[IDMapping, ...] | None = None
    gid_mappings: tuple[IDMapping, ...] | None = None
    time_offsets: dict[str, LinuxTimeOffset] | None = None
    devices: tuple[LinuxDevice, ...] | None = None
    net_devices: dict[str, LinuxNetDevice] | None = None
    cgroups_path: str | None = None
    resources: LinuxResources | None = None
    intel_rdt: LinuxIntelRdt | None = None
    memory_policy: LinuxMemoryPolicy | None = None
    sysctl: dict[str, str] | None = None
    seccomp: LinuxSeccomp | None = None
    rootfs_propagation: str | None = None
    masked_paths: tuple[str, ...] | None = None
    readonly_paths: tuple[str, ...] | None = None
    mount_label: str | None = None
    personality: LinuxPersonality | None = None


class Spec(Record, frozen=True):
    """The whole config.json."""

    oci_version: str
    root: Root
    mounts: tuple[Mount, ...] | None = None
    process: Process | None = None
    hostname: str | None = None
    domainname: str | None = None
    hooks: Hooks | None = None
    annotations: dict[str, str] | None = None
    linux: Linux | None = None


# --- between JSON and the model ------------------------------------------------

_SCALARS = (str, int, bool)
# class -> ((attribute, json key, shape, element), ...); shape is "one",
# "tuple" or "dict"; element is a model class or a scalar type.
_plans: dict[type, tuple] = {}


def _plan(cls: type) -> tuple:
    """How to read each attribute of `cls`, worked out once from its
    annotations (`X | None`, `tuple[X, ...]`, `dict[str, X]`, X)."""
    plan = _plans.get(cls)
    if plan is None:
        steps = []
        for attribute, annotation in cls.__annotations__.items():
            if type(annotation).__name__ == "UnionType":  # X | None
                annotation = annotation.__args__[0]
            origin = getattr(annotation, "__origin__", None)
            if origin is tuple:
                shape, element = "tuple", annotation.__args__[0]
            elif origin is dict:
                shape, element = "dict", annotation.__args__[1]
            else:
                shape, element = "one", annotation
            steps.append((attribute, json_key(attribute), shape, element))
        plan = _plans[cls] = tuple(steps)
    return plan


def _value(element: type, item):
    if element is int:
        # JSON Schema counts 3.0 as an integer; the model holds an int.
        return int(item) if isinstance(item, float) else item
    if element in _SCALARS:
        return item
    return from_json(element, item)


def from_json(cls: type, doc: dict):
    """An instance of model class `cls` from its (validated) JSON object."""
    fields = {}
    for attribute, key, shape, element in _plan(cls):
        item = doc.get(key)
        if item is None:
            continue
        if shape == "tuple":
            fields[attribute] = tuple([_value(element, x) for x in item])
        elif shape == "dict":
            fields[attribute] = {k: _value(element, x) for k, x in item.items()}
        else:
            fields[attribute] = _value(element, item)
    return cls(**fields)


def to_json(instance) -> dict:
    """The JSON object of a model instance; None attributes are left out."""
    doc = {}
    for attribute, key, shape, element in _plan(type(instance)):
        item = getattr(instance, attribute)
        if item is None:
            continue
        scalar = element in _SCALARS
        if shape == "tuple":
            doc[key] = [x if scalar else to_json(x) for x in item]
        elif shape == "dict":
            doc[key] = {k: x if scalar else to_json(x) for k, x in item.items()}
        else:
            doc[key] = item if scalar else to_json(item)
    return doc
