"""linux.resources as systemd unit properties (a(sv) entries for D-Bus).

systemd keeps its own copy of a unit's limits and rewrites the cgroup
files from it whenever it re-realizes the unit, so the limits runc-py
writes must also be told to systemd, or they would be undone.  The mapping
follows runc 1.1: v1 MemoryLimit/CPUShares/BlockIOWeight, v2
MemoryMax/MemoryLow/MemorySwapMax/CPUWeight; both CPUQuotaPerSecUSec (+
CPUQuotaPeriodUSec from systemd 242), TasksMax, and AllowedCPUs/
AllowedMemoryNodes from systemd 244.  Device rules become DevicePolicy and
DeviceAllow.  What systemd cannot express is still written to cgroupfs
by the manager afterwards.
"""
from runc_py.linux.cgroups.devices_rules import WILDCARD, emulate
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.resources import num

USEC_INFINITY = (1 << 64) - 1  # also "infinity" for MemoryMax, TasksMax, ...
DEFAULT_CFS_PERIOD = 100000


def prop(name: str, sig: str, value) -> tuple:
    return (name, (sig, value))


def _u64(value: int) -> int:
    """A limit as systemd's uint64: -1 (unlimited) is infinity."""
    return USEC_INFINITY if value < 0 else value


def unit_properties(container_id: str, unit: str, slice_name: str, pid: int | None, v2: bool) -> list:
    """What runc sends for every unit: placement, delegation, accounting.
    A slice unit (no processes of its own) is pulled in by its parent with
    Wants=; a scope goes into the slice, delegated."""
    props = [prop("Description", "s", f"runc-py container {container_id}")]
    if unit.endswith(".slice"):
        props.append(prop("Wants", "as", [slice_name]))
    else:
        props += [prop("Slice", "s", slice_name), prop("Delegate", "b", True)]
    if pid is not None:
        props.append(prop("PIDs", "au", [pid]))
    props += [prop("MemoryAccounting", "b", True), prop("CPUAccounting", "b", True),
              prop("IOAccounting" if v2 else "BlockIOAccounting", "b", True),
              prop("TasksAccounting", "b", True), prop("DefaultDependencies", "b", False)]
    return props


def range_to_bits(spec: str, field: str) -> list[int]:
    """A cpuset list ("0-3,8") as systemd's bitmask bytes: bit n of the
    little-endian byte string is CPU (or node) n."""
    mask = 0
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            start, end = int(lo), int(hi if dash else lo)
        except ValueError:
            raise CgroupError(f'invalid cpuset list "{spec}"', path=field) from None
        if start < 0 or start > end:
            raise CgroupError(f'invalid range "{part}" in "{spec}"', path=field)
        mask |= ((1 << (end - start + 1)) - 1) << start
    if not mask:
        raise CgroupError(f'empty cpuset list "{spec}"', path=field)
    return list(mask.to_bytes((mask.bit_length() + 7) // 8, "little"))


def cpu_quota_properties(quota: int, period: int, version: int) -> list:
    """systemd keeps a quota as µs per second and rounds to whole percents
    of a CPU; round up to the next 10 ms so the cgroup gets at least the
    requested quota."""
    props = []
    if period and version >= 242:
        props.append(prop("CPUQuotaPeriodUSec", "t", period))
    if quota or period:
        per_sec = USEC_INFINITY
        if quota > 0:
            per_sec = quota * 1000000 // (period or DEFAULT_CFS_PERIOD)
            if per_sec % 10000:
                per_sec = (per_sec // 10000 + 1) * 10000
        props.append(prop("CPUQuotaPerSecUSec", "t", per_sec))
    return props


def resource_properties(r, v2: bool, version: int) -> list:
    if r is None:
        return []
    from runc_py.linux.cgroups import v2 as cg2

    props = []
    mem, cpu = r.memory, r.cpu
    if mem is not None:
        limit = num(mem.limit)
        if v2:
            if limit:
                props.append(prop("MemoryMax", "t", _u64(limit)))
            if num(mem.reservation):
                props.append(prop("MemoryLow", "t", _u64(mem.reservation)))
            swap = cg2.swap_max_from_memsw(num(mem.swap), limit)
            if swap:
                props.append(prop("MemorySwapMax", "t", _u64(swap)))
        elif limit:
            props.append(prop("MemoryLimit", "t", _u64(limit)))
    if cpu is not None:
        shares = num(cpu.shares)
        if shares:
            props.append(prop("CPUWeight", "t", cg2.cpu_weight_from_shares(shares)) if v2
                         else prop("CPUShares", "t", shares))
        props += cpu_quota_properties(num(cpu.quota), num(cpu.period), version)
    if not v2 and r.block_io is not None and num(r.block_io.weight):
        props.append(prop("BlockIOWeight", "t", r.block_io.weight))
    tasks = num(r.pids.limit) if r.pids is not None else 0
    if tasks > 0 or tasks == -1:
        props.append(prop("TasksMax", "t", _u64(tasks)))
    if cpu is not None and version >= 244:
        if cpu.cpus:
            props.append(prop("AllowedCPUs", "ay", range_to_bits(cpu.cpus, "linux.resources.cpu.cpus")))
        if cpu.mems:
            props.append(prop("AllowedMemoryNodes", "ay", range_to_bits(cpu.mems, "linux.resources.cpu.mems")))
    return props


def device_properties(rules, version: int, warnings: list[str]) -> list:
    """DevicePolicy=strict with a DeviceAllow entry per allowed device (the
    empty DeviceAllow first clears what the unit had).  systemd has no deny
    list: allow-all is DevicePolicy=auto; allow-all with exceptions, and
    "*:n" rules, are left to the cgroupfs write that follows."""
    emu = emulate(rules)
    clear = prop("DeviceAllow", "a(ss)", [])
    if emu.default_allow:
        if not emu.rules:
            return [prop("DevicePolicy", "s", "auto"), clear]
        warnings.append("systemd cannot express device deny rules; it gets deny-all and runc-py "
                        "writes the rules to the devices cgroup")
        return [prop("DevicePolicy", "s", "strict"), clear]
    entries = []
    for rule in emu.exceptions():
        kind = "block" if rule.type == "b" else "char"
        if rule.major == WILDCARD:
            if rule.minor != WILDCARD:
                warnings.append(f"systemd cannot express the device rule {rule.type} *:{rule.minor}; "
                                "runc-py writes it to the devices cgroup only")
                continue
            path = f"{kind}-*"
        elif rule.minor == WILDCARD:
            if version < 240:  # "char-<major>" is understood from systemd 240 on
                continue
            path = f"{kind}-{rule.major}"
        else:
            path = f"/dev/{kind}/{rule.major}:{rule.minor}"
        entries.append((path, rule.access))
    return [prop("DevicePolicy", "s", "strict"), clear, prop("DeviceAllow", "a(ss)", entries)]
