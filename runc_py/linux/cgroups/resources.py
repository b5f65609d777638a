"""Which controllers a LinuxResources needs, and small readers of its fields.

The Spec model leaves an absent key as None; runc's own model uses 0 for
"not set" on most numeric limits, and these helpers give that reading.
"""


def num(value) -> int:
    """An optional number as runc reads it: absent is 0 ("leave as is")."""
    return 0 if value is None else value


def _any(obj, *names) -> bool:
    return obj is not None and any(getattr(obj, n, None) is not None for n in names)


def required_controllers(r, v2: bool) -> list[tuple[str, str]]:
    """(controller, JSON path of the field asking for it) for every
    controller the resources need, in the order runc applies them.  v2 names
    blkio "io"; devices and freezer are pseudo-controllers on v2 and absent
    from this list there."""
    if r is None:
        return [] if v2 else [("devices", "linux.resources.devices")]
    out = []
    mem = r.memory
    if _any(mem, "limit", "reservation", "swap", "swappiness") or (mem is not None and mem.disable_oom_killer):
        out.append(("memory", "linux.resources.memory"))
    cpu = r.cpu
    if _any(cpu, "shares", "quota", "period", "realtime_runtime", "realtime_period", "burst", "idle"):
        out.append(("cpu", "linux.resources.cpu"))
    if cpu is not None and (cpu.cpus or cpu.mems):
        out.append(("cpuset", "linux.resources.cpu"))
    if r.pids is not None:
        out.append(("pids", "linux.resources.pids"))
    bio = r.block_io
    if _any(bio, "weight", "leaf_weight") or (bio is not None and any(
            getattr(bio, n, None) for n in ("weight_device", "throttle_read_bps_device",
                                            "throttle_write_bps_device", "throttle_read_iops_device",
                                            "throttle_write_iops_device"))):
        out.append(("io" if v2 else "blkio", "linux.resources.blockIO"))
    if r.hugepage_limits:
        out.append(("hugetlb", "linux.resources.hugepageLimits"))
    net = r.network
    if net is not None and net.class_id is not None:
        out.append(("net_cls", "linux.resources.network.classID"))
    if net is not None and net.priorities:
        out.append(("net_prio", "linux.resources.network.priorities"))
    if r.rdma:
        out.append(("rdma", "linux.resources.rdma"))
    if not v2:
        out.append(("devices", "linux.resources.devices"))
    return out


def kernel_memory_warnings(r) -> list[str]:
    """runc 1.1 ignores kernel memory limits (deprecated by the kernel) and
    says so; we do the same rather than fail on kernels without the files."""
    mem = r.memory if r is not None else None
    if mem is not None and (mem.kernel is not None or mem.kernel_tcp is not None):
        return ["kernel memory settings (linux.resources.memory.kernel, kernelTCP) are ignored"]
    return []


def rdma_line(device: str, limit) -> str:
    """An rdma.max line: "<device> hca_handle=<n|max> hca_object=<n|max>"."""
    def get(name):
        v = limit.get(name) if isinstance(limit, dict) else getattr(limit, name, None)
        return "max" if v is None else str(v)
    return f"{device} hca_handle={get('hca_handles')} hca_object={get('hca_objects')}"
