"""update: change a running container's cgroup limits.

What runc's update changes, and so ours: memory limit, reservation, swap,
cpu shares, quota, period, realtime runtime and period, cpuset cpus and
mems, blockIO weight, pids limit and the unified map.  Other fields of a
resources document (devices, swappiness, throttles, hugepages...) are
checked but not applied, as runc: containerd sends the container's whole
LinuxResources, devices included, and device rules are never rewritten on
a live container.  A zero (or empty) value means "leave as it is".
Kernel memory limits (--kernel-memory, memory.kernel) get runc's warning
that they are ignored, and are not kept.

The new values are merged into the container's current resources, the
merged whole is written to the cgroup (so a pair like cpu quota/period
stays consistent), and stored in the state record for the next update.
If writing fails, the previous values are written back, as runc does.
"""
from runc_py.record import replace

from runc_py import SPEC_VERSION, log
from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.errors import RuncPyError
from runc_py.spec.model import LinuxResources, from_json, to_json

# (section, attribute) pairs update takes from a new resources document.
UPDATABLE = {
    "memory": ("limit", "reservation", "swap"),
    "cpu": ("shares", "quota", "period", "realtime_runtime", "realtime_period", "cpus", "mems"),
    "block_io": ("weight",),
    "pids": ("limit",),
}


class UpdateFlags:
    """runc's update flags; None (or 0 for the int ones) is "not given"."""

    __slots__ = ("blkio_weight", "cpu_period", "cpu_quota", "cpu_share", "cpu_rt_period", "cpu_rt_runtime",
                 "cpuset_cpus", "cpuset_mems", "kernel_memory", "kernel_memory_tcp", "memory",
                 "memory_reservation", "memory_swap", "pids_limit")

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))


# --- the new values ------------------------------------------------------------

def resources_from_document(doc, source: str) -> LinuxResources:
    """A LinuxResources from a JSON object, checked with config.json's
    schema and rules; problems name the field (linux.resources.memory.limit).
    The object is checked inside a minimal config, the one public way to
    validate a fragment."""
    from runc_py.spec.load import spec_from_dict

    config = {"ociVersion": SPEC_VERSION, "root": {"path": "rootfs"},
              "process": {"cwd": "/", "args": ["update"], "user": {"uid": 0, "gid": 0}},
              "linux": {"resources": doc}}
    return spec_from_dict(config, source).linux.resources


def read_resources_file(path: str) -> LinuxResources:
    """`--resources FILE`, or `-` for stdin (containerd's shim writes the
    JSON plus a newline there)."""
    import sys

    from runc_py import jsonio

    source = "stdin" if path == "-" else path
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as err:
        from runc_py.errors import reason

        raise RuncPyError(f"{'read' if path == '-' else 'open'} {source}: {reason(err.errno)}") from None
    try:
        doc = jsonio.loads(data)
    except UnicodeDecodeError as err:
        raise RuncPyError(f"{source}: not UTF-8 text: byte {err.start}") from None
    except jsonio.JSONError as err:
        raise RuncPyError(f"{source}: invalid JSON at line {err.line}, column {err.column}: {err.reason}") from None
    return resources_from_document(doc, source)


def resources_from_flags(flags: UpdateFlags) -> LinuxResources:
    """The flags as a resources document, validated like a file's."""
    doc: dict = {}

    def put(section: str, key: str, value) -> None:
        doc.setdefault(section, {})[key] = value

    if flags.blkio_weight:
        put("blockIO", "weight", flags.blkio_weight)
    if flags.cpuset_cpus:
        put("cpu", "cpus", flags.cpuset_cpus)
    if flags.cpuset_mems:
        put("cpu", "mems", flags.cpuset_mems)
    for flag, key, signed in (("cpu-period", "period", False), ("cpu-rt-period", "realtimePeriod", False),
                              ("cpu-share", "shares", False), ("cpu-quota", "quota", True),
                              ("cpu-rt-runtime", "realtimeRuntime", True)):
        text = getattr(flags, flag.replace("-", "_"))
        if text:
            put("cpu", key, parse_integer(text, flag, signed))
    for flag, key in (("memory", "limit"), ("memory-swap", "swap"), ("kernel-memory", "kernel"),
                      ("kernel-memory-tcp", "kernelTCP"), ("memory-reservation", "reservation")):
        text = getattr(flags, flag.replace("-", "_"))
        if text:
            put("memory", key, -1 if text == "-1" else parse_size(text, flag))
    if flags.pids_limit:
        put("pids", "limit", flags.pids_limit)
    return resources_from_document(doc, "update flags")


def parse_integer(text: str, flag: str, signed: bool) -> int:
    """Decimal digits (with a sign when `signed`), as Go's strconv reads
    them; runc's message names the flag and the parser."""
    func = "ParseInt" if signed else "ParseUint"
    digits = text[1:] if signed and text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise RuncPyError(f'invalid value for {flag}: strconv.{func}: parsing "{text}": invalid syntax')
    value = int(text)
    if not (-2**63 <= value < 2**63 if signed else value < 2**64):
        raise RuncPyError(f'invalid value for {flag}: strconv.{func}: parsing "{text}": value out of range')
    return value


_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_size(text: str, flag: str) -> int:
    """A size in bytes as runc (docker's RAMInBytes) reads it: a number
    with an optional binary unit, `512`, `64m`, `1.5g`, `12MB`, `10KiB`."""
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?) ?([kKmMgGtTpP]?)[iI]?[bB]?", text)
    if match is None:
        raise RuncPyError(f"invalid value for {flag}: invalid size: '{text}'")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


# --- merging and applying -----------------------------------------------------------

def merge_resources(current: LinuxResources, new: LinuxResources) -> LinuxResources:
    """`current` with the updatable fields of `new` that are set and non-zero."""
    changes = {}
    for section, names in UPDATABLE.items():
        given = getattr(new, section)
        if given is None:
            continue
        values = {n: getattr(given, n) for n in names if getattr(given, n) not in (None, 0, "")}
        if values:
            old = getattr(current, section)
            changes[section] = replace(old, **values) if old is not None else type(given)(**values)
    if new.unified:
        changes["unified"] = {**(current.unified or {}), **new.unified}
    return replace(current, **changes)


def current_resources(record: dict) -> LinuxResources:
    """The resources create recorded, or the last update stored (config.json
    may have changed since: it is not read again)."""
    stored = record.get("resources")
    return LinuxResources() if stored is None else from_json(LinuxResources, stored)


def update_container(store: StateStore, container_id: str, new: LinuxResources | None,
                     l3_cache_schema: str | None = None, mem_bw_schema: str | None = None) -> None:
    with store.open(container_id) as container:
        record = container.read()
        if container_status(record, container.path) == "stopped" or not record.get("cgroup"):
            raise RuncPyError("container not running")
        if l3_cache_schema:
            raise RuncPyError("Intel RDT/CAT: l3 cache schema is not enabled")
        if mem_bw_schema:
            raise RuncPyError("Intel RDT/MBA: memory bandwidth schema is not enabled")
        from runc_py.linux.cgroups import CgroupManager

        from runc_py.linux.cgroups.resources import kernel_memory_warnings

        new = new or LinuxResources()
        for warning in kernel_memory_warnings(new):
            log.warning(warning)
        current = current_resources(record)
        merged = merge_resources(current, new)
        cgroup = CgroupManager.from_record(record["cgroup"])
        try:
            cgroup.apply(replace(merged, devices=None))
        except RuncPyError as err:
            try:
                cgroup.apply(replace(current, devices=None))
            except RuncPyError as again:
                log.warning(f"setting back cgroup configs failed due to error: {again}, "
                            "the stored and the live limits might differ")
            raise err from None
        for warning in cgroup.warnings:
            log.warning(warning)
        record["resources"] = to_json(merged)
        container.write(record)
