"""cgroup v1: one directory per hierarchy, one writer per controller.

Each setter follows runc 1.1's order and quirks (noted where they matter);
a value of 0/None means "leave the kernel's value alone".
"""
import time

from runc_py.linux.cgroups import files
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.resources import num, rdma_line

MEM = "linux.resources.memory"
CPU = "linux.resources.cpu"
BIO = "linux.resources.blockIO"


def _set_memory_and_swap(d: str, mem) -> None:
    limit, swap = num(mem.limit), num(mem.swap)
    if limit == -1 and swap == 0 and files.exists(d, "memory.memsw.limit_in_bytes"):
        swap = -1  # "unlimited memory" also lifts the memory+swap limit
    if limit != 0 and swap != 0:
        # The kernel requires limit <= memsw at every moment, so raising
        # both means memsw first, lowering both means memory first.
        current = files.read_int(d, "memory.limit_in_bytes")
        if swap == -1 or current < swap:
            _write_swap(d, swap)
            _write_limit(d, limit)
            return
    _write_limit(d, limit)
    _write_swap(d, swap)


def _write_limit(d: str, limit: int) -> None:
    if limit == 0:
        return
    err = files.try_write(d, "memory.limit_in_bytes", str(limit))
    if err is None:
        return
    if err.errno == 16:  # EBUSY: below current usage
        raise CgroupError(f"unable to set memory limit to {limit} (current usage: "
                          f"{files.read_int(d, 'memory.usage_in_bytes')}, peak usage: "
                          f"{files.read_int(d, 'memory.max_usage_in_bytes')})", path=f"{MEM}.limit")
    raise CgroupError(f'write "{limit}" to {d}/memory.limit_in_bytes: {files.reason(err.errno)}',
                      path=f"{MEM}.limit")


def _write_swap(d: str, swap: int) -> None:
    if swap != 0:
        files.write(d, "memory.memsw.limit_in_bytes", str(swap), f"{MEM}.swap")


def set_memory(d: str, mem) -> None:
    if mem is None:
        return
    _set_memory_and_swap(d, mem)
    if num(mem.reservation):
        files.write(d, "memory.soft_limit_in_bytes", str(mem.reservation), f"{MEM}.reservation")
    if mem.disable_oom_killer:
        files.write(d, "memory.oom_control", "1", f"{MEM}.disableOOMKiller")
    sw = mem.swappiness
    if sw is not None and sw != -1:
        if not 0 <= sw <= 100:
            raise CgroupError(f"invalid memory swappiness {sw}: the valid range is 0-100", path=f"{MEM}.swappiness")
        files.write(d, "memory.swappiness", str(sw), f"{MEM}.swappiness")


def set_cpu_rt(d: str, cpu) -> None:
    """Real-time bandwidth must be in place before a SCHED_RR/FIFO process
    joins, or the join fails; so create() runs this before add_process()."""
    if cpu is None:
        return
    if num(cpu.realtime_period):
        files.write(d, "cpu.rt_period_us", str(cpu.realtime_period), f"{CPU}.realtimePeriod")
    if num(cpu.realtime_runtime):
        files.write(d, "cpu.rt_runtime_us", str(cpu.realtime_runtime), f"{CPU}.realtimeRuntime")


def set_cpu(d: str, cpu) -> None:
    if cpu is None:
        return
    if num(cpu.shares):
        files.write(d, "cpu.shares", str(cpu.shares), f"{CPU}.shares")
        got = files.read_int(d, "cpu.shares")
        # The kernel clamps silently (2..262144); report it as runc does.
        if cpu.shares > got:
            raise CgroupError(f"the maximum allowed cpu-shares is {got}", path=f"{CPU}.shares")
        if cpu.shares < got:
            raise CgroupError(f"the minimum allowed cpu-shares is {got}", path=f"{CPU}.shares")
    period = str(cpu.period) if num(cpu.period) else ""
    if period:
        err = files.try_write(d, "cpu.cfs_period_us", period)
        if err is None:
            period = ""
        elif err.errno != 22:
            raise CgroupError(f'write "{period}" to {d}/cpu.cfs_period_us: {files.reason(err.errno)}',
                              path=f"{CPU}.period")
        # EINVAL: the old quota over the new period exceeds the parent's;
        # retry once the quota is written.
    if num(cpu.quota):
        files.write(d, "cpu.cfs_quota_us", str(cpu.quota), f"{CPU}.quota")
    if period:
        files.write(d, "cpu.cfs_period_us", period, f"{CPU}.period")
    if cpu.burst is not None:
        files.write(d, "cpu.cfs_burst_us", str(cpu.burst), f"{CPU}.burst")
    if cpu.idle is not None:
        files.write(d, "cpu.idle", str(cpu.idle), f"{CPU}.idle")
    set_cpu_rt(d, cpu)


def set_cpuset(d: str, cpu) -> None:
    if cpu is None:
        return
    if cpu.cpus:
        files.write(d, "cpuset.cpus", cpu.cpus, f"{CPU}.cpus")
    if cpu.mems:
        files.write(d, "cpuset.mems", cpu.mems, f"{CPU}.mems")


def inherit_cpuset(mountpoint: str, leaf: str) -> None:
    """A new cpuset cgroup starts with empty cpus and mems, and no task can
    join it; fill each empty level from its parent, top down (runc's
    cpusetEnsureParent), leaving levels that already have values alone."""
    rel = leaf[len(mountpoint):].strip("/")
    parent = mountpoint
    for part in rel.split("/") if rel else ():
        cur = f"{parent}/{part}"
        for name in ("cpuset.cpus", "cpuset.mems"):
            if not files.read(cur, name):
                files.write(cur, name, files.read(parent, name), f"{CPU}.{name[7:]}")
        parent = cur


def set_pids(d: str, pids) -> None:
    if pids is None:
        return
    limit = num(pids.limit)
    files.write(d, "pids.max", str(limit) if limit > 0 else "max", "linux.resources.pids.limit")


def set_blkio(d: str, bio) -> None:
    if bio is None:
        return
    # Kernels with the BFQ scheduler expose blkio.bfq.weight*, the rest
    # blkio.weight* (CFQ); runc writes whichever exists.
    bfq = files.exists(d, "blkio.bfq.weight")
    weight_file = "blkio.bfq.weight" if bfq else "blkio.weight"
    weight_device_file = "blkio.bfq.weight_device" if bfq else "blkio.weight_device"
    if num(bio.weight):
        files.write(d, weight_file, str(bio.weight), f"{BIO}.weight")
    if num(bio.leaf_weight):
        files.write(d, "blkio.leaf_weight", str(bio.leaf_weight), f"{BIO}.leafWeight")
    for i, wd in enumerate(bio.weight_device or ()):
        if num(wd.weight):
            files.write(d, weight_device_file, f"{wd.major}:{wd.minor} {wd.weight}", f"{BIO}.weightDevice[{i}]")
        if num(wd.leaf_weight):
            files.write(d, "blkio.leaf_weight_device", f"{wd.major}:{wd.minor} {wd.leaf_weight}",
                        f"{BIO}.weightDevice[{i}]")
    for attr, name, key in (
            ("throttle_read_bps_device", "blkio.throttle.read_bps_device", "throttleReadBpsDevice"),
            ("throttle_write_bps_device", "blkio.throttle.write_bps_device", "throttleWriteBpsDevice"),
            ("throttle_read_iops_device", "blkio.throttle.read_iops_device", "throttleReadIOPSDevice"),
            ("throttle_write_iops_device", "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice")):
        for i, td in enumerate(getattr(bio, attr, None) or ()):
            files.write(d, name, f"{td.major}:{td.minor} {td.rate}", f"{BIO}.{key}[{i}]")


def set_hugetlb(d: str, limits) -> None:
    for i, h in enumerate(limits or ()):
        files.write(d, f"hugetlb.{h.page_size}.limit_in_bytes", str(h.limit),
                    f"linux.resources.hugepageLimits[{i}]")


def set_network(paths: dict, net) -> None:
    if net is None:
        return
    if net.class_id is not None:
        files.write(paths["net_cls"], "net_cls.classid", str(net.class_id), "linux.resources.network.classID")
    for i, p in enumerate(net.priorities or ()):
        files.write(paths["net_prio"], "net_prio.ifpriomap", f"{p.name} {p.priority}",
                    f"linux.resources.network.priorities[{i}]")


def set_rdma(d: str, rdma) -> None:
    for device, limit in (rdma or {}).items():
        files.write(d, "rdma.max", rdma_line(device, limit), f"linux.resources.rdma.{device}")


def freeze(d: str, timeout: float = 10.0) -> None:
    """Write FROZEN until freezer.state reads FROZEN.  A cgroup can stay in
    FREEZING when a task is mid-fork; runc re-writes FROZEN and, now and
    then, thaws and re-freezes to get it unstuck.  We do the same."""
    deadline = time.monotonic() + timeout
    i = 0
    while time.monotonic() < deadline:
        if i % 50 == 49:
            files.write(d, "freezer.state", "THAWED")
            time.sleep(0.01)
        files.write(d, "freezer.state", "FROZEN")
        if i % 25 == 24:
            time.sleep(0.01)
        state = files.read(d, "freezer.state")
        if state == "FROZEN":
            return
        if state != "FREEZING":
            raise CgroupError(f"unexpected freezer state {state!r} in {d}")
        i += 1
    files.write(d, "freezer.state", "THAWED")
    raise CgroupError(f"unable to freeze {d}: still FREEZING after {timeout:g}s")


def thaw(d: str) -> None:
    files.write(d, "freezer.state", "THAWED")
    for _ in range(1000):
        if files.read(d, "freezer.state") == "THAWED":
            return
        time.sleep(0.001)
    raise CgroupError(f"unable to thaw {d}")


def is_frozen(d: str) -> bool:
    return files.read(d, "freezer.state") == "FROZEN"


def join(d: str, pid: int) -> None:
    try:
        files.write(d, "cgroup.procs", str(pid))
    except CgroupError as e:
        raise CgroupError(f"join pid {pid} to cgroup {d}: {e.msg}") from e
