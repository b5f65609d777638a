"""cgroup v2 (unified): one directory, controllers enabled from the top.

Conversions from the v1-shaped spec values follow runc 1.1:
- cpu.weight = 1 + ((shares - 2) * 9999) // 262142   (shares 2..262144 -> 1..10000)
- io.weight  = 1 + ((blkio weight - 10) * 9999) // 990 (10..1000 -> 1..10000)
- memory.swap.max = memory+swap - memory (the spec's swap is v1's memsw)
- -1 means "max"; 0 means "leave alone".
"""
import os
import time

from runc_py.linux.cgroups import files
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.resources import num
# cpuset.cpus/mems, pids.max and rdma.max are the same files, with the same
# syntax, on both hierarchies.
from runc_py.linux.cgroups.v1 import set_cpuset, set_pids, set_rdma  # noqa: F401 - v2's as well

MEM = "linux.resources.memory"
CPU = "linux.resources.cpu"
BIO = "linux.resources.blockIO"


def cpu_weight_from_shares(shares: int) -> int:
    return 0 if shares == 0 else 1 + ((shares - 2) * 9999) // 262142


def io_weight_from_blkio(weight: int) -> int:
    return 0 if weight == 0 else 1 + ((weight - 10) * 9999) // 990


def swap_max_from_memsw(memsw: int, memory: int) -> int:
    """runc's ConvertMemorySwapToCgroupV2Value, errors keyed to the spec."""
    if memory == -1 and memsw == 0:
        return -1
    if memsw in (-1, 0):
        return memsw
    if memory in (0, -1):
        raise CgroupError("unable to set swap limit without memory limit", path=f"{MEM}.swap")
    if memory < 0:
        raise CgroupError(f"invalid memory value: {memory}", path=f"{MEM}.limit")
    if memsw < memory:
        raise CgroupError("memory+swap limit should be >= memory limit", path=f"{MEM}.swap")
    return memsw - memory


def _to_str(value: int) -> str:
    return "" if value == 0 else "max" if value == -1 else str(value)


def controllers(d: str) -> set[str]:
    try:
        return set(files.read(d, "cgroup.controllers").split())
    except FileNotFoundError:
        return set()


def enable_controllers(d: str) -> None:
    """Enable in `d`'s subtree_control every controller `d` has, so its
    children can use them (runc's CreateCgroupPath: all at once, then one by
    one ignoring refusals — a controller the parent holds back is reported
    later by the write that needs it)."""
    have = controllers(d)
    try:
        enabled = set(files.read(d, "cgroup.subtree_control").split())
    except FileNotFoundError:
        enabled = set()
    missing = sorted(have - enabled)
    if not missing:
        return
    if files.try_write(d, "cgroup.subtree_control", " ".join("+" + c for c in missing)) is not None:
        for c in missing:
            files.try_write(d, "cgroup.subtree_control", "+" + c)


def set_memory(d: str, mem) -> None:
    """v2 has no switch to disable the OOM killer: disableOOMKiller is
    ignored, as runc 1.1 does."""
    if mem is None:
        return
    limit, memsw, low = num(mem.limit), num(mem.swap), num(mem.reservation)
    if not (limit or memsw or low):
        return
    if mem.check_before_update and limit > 0 and files.exists(d, "memory.current"):
        usage = files.read_int(d, "memory.current")
        if usage >= limit:
            raise CgroupError(f"rejecting memory limit {limit} below the current usage {usage}",
                              path=f"{MEM}.limit")
    swap = swap_max_from_memsw(memsw, limit)
    swap_str = _to_str(swap)
    if swap == 0 and memsw > 0:
        swap_str = "0"  # memory == memory+swap: no swap at all
    if swap_str:
        files.write(d, "memory.swap.max", swap_str, f"{MEM}.swap")
    if _to_str(limit):
        files.write(d, "memory.max", _to_str(limit), f"{MEM}.limit")
    if _to_str(low):
        files.write(d, "memory.low", _to_str(low), f"{MEM}.reservation")


def set_cpu(d: str, cpu) -> None:
    if cpu is None:
        return
    if num(cpu.shares):
        files.write(d, "cpu.weight", str(cpu_weight_from_shares(cpu.shares)), f"{CPU}.shares")
    quota, period = num(cpu.quota), num(cpu.period)
    if quota or period:
        value = (str(quota) if quota > 0 else "max") + " " + str(period or 100000)
        files.write(d, "cpu.max", value, f"{CPU}.quota")
    if cpu.burst is not None:
        files.write(d, "cpu.max.burst", str(cpu.burst), f"{CPU}.burst")
    if cpu.idle is not None:
        files.write(d, "cpu.idle", str(cpu.idle), f"{CPU}.idle")


def set_io(d: str, bio) -> None:
    if bio is None:
        return
    bfq = files.exists(d, "io.bfq.weight")
    if num(bio.weight):
        if bfq:  # BFQ takes the v1 range as is
            files.write(d, "io.bfq.weight", str(bio.weight), f"{BIO}.weight")
        else:
            files.write(d, "io.weight", str(io_weight_from_blkio(bio.weight)), f"{BIO}.weight")
    for i, wd in enumerate(bio.weight_device or ()):
        if num(wd.weight):
            if bfq:
                files.write(d, "io.bfq.weight", f"{wd.major}:{wd.minor} {wd.weight}", f"{BIO}.weightDevice[{i}]")
            else:
                files.write(d, "io.weight", f"{wd.major}:{wd.minor} {io_weight_from_blkio(wd.weight)}",
                            f"{BIO}.weightDevice[{i}]")
    for attr, key, field in (("throttle_read_bps_device", "rbps", "throttleReadBpsDevice"),
                             ("throttle_write_bps_device", "wbps", "throttleWriteBpsDevice"),
                             ("throttle_read_iops_device", "riops", "throttleReadIOPSDevice"),
                             ("throttle_write_iops_device", "wiops", "throttleWriteIOPSDevice")):
        for i, td in enumerate(getattr(bio, attr, None) or ()):
            files.write(d, "io.max", f"{td.major}:{td.minor} {key}={td.rate}", f"{BIO}.{field}[{i}]")


def set_hugetlb(d: str, limits) -> None:
    for i, h in enumerate(limits or ()):
        files.write(d, f"hugetlb.{h.page_size}.max", str(h.limit), f"linux.resources.hugepageLimits[{i}]")


def check_unified_keys(unified: dict) -> None:
    """linux.resources.unified keys are file names in the container's cgroup:
    no path separators or "..", and of the form <controller>.<knob>."""
    for key in unified:
        field = f"linux.resources.unified.{key}"
        if "/" in key or ".." in key or key in ("", "."):
            raise CgroupError(f'unified resource "{key}" must be a file name (no "/" or "..")', path=field)
        ctrl, dot, _ = key.partition(".")
        if not dot or not ctrl:
            raise CgroupError(f'unified resource "{key}" must be in the form CONTROLLER.PARAMETER', path=field)


def check_unified(d: str, unified: dict) -> None:
    """…and each key's controller must be enabled in the parent's
    cgroup.subtree_control (what the cgroup's cgroup.controllers then
    lists); cgroup.* files always exist."""
    check_unified_keys(unified)
    try:
        have = set(files.read(os.path.dirname(d), "cgroup.subtree_control").split())
    except FileNotFoundError:
        have = set()
    for key in unified:
        ctrl = key.partition(".")[0]
        if ctrl != "cgroup" and ctrl not in have:
            raise CgroupError(f'unified resource "{key}" can\'t be set: controller "{ctrl}" is not '
                              "enabled in the parent's cgroup.subtree_control",
                              path=f"linux.resources.unified.{key}")


def set_unified(d: str, unified: dict) -> None:
    if not unified:
        return
    check_unified(d, unified)
    for key, value in unified.items():
        files.write(d, key, str(value), f"linux.resources.unified.{key}")


def _events_value(d: str, key: str) -> str | None:
    for line in files.read(d, "cgroup.events").splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return v
    return None


def _wait_event(d: str, key: str, want: str, timeout: float) -> bool:
    """Wait until cgroup.events shows `key want`.  The kernel signals a change
    of cgroup.events to poll() as POLLPRI (kernfs_notify), so we sleep in poll
    rather than spin; the poll timeout is capped so a missed wake-up costs
    at most 50 ms."""
    deadline = time.monotonic() + timeout
    fd = os.open(f"{d}/cgroup.events", os.O_RDONLY | os.O_CLOEXEC)
    try:
        import select  # only freezing waits: delete need not load it

        poller = select.poll()
        poller.register(fd, select.POLLPRI | select.POLLERR)
        while True:
            os.lseek(fd, 0, os.SEEK_SET)
            for line in os.read(fd, 4096).decode().splitlines():
                k, _, v = line.partition(" ")
                if k == key and v == want:
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            poller.poll(min(left, 0.05) * 1000)
    finally:
        os.close(fd)


def freeze(d: str, timeout: float = 10.0) -> None:
    files.write(d, "cgroup.freeze", "1")
    if not _wait_event(d, "frozen", "1", timeout):
        files.write(d, "cgroup.freeze", "0")
        raise CgroupError(f"unable to freeze {d}: cgroup.events did not report frozen within {timeout:g}s")


def thaw(d: str, timeout: float = 10.0) -> None:
    files.write(d, "cgroup.freeze", "0")
    if not _wait_event(d, "frozen", "0", timeout):
        raise CgroupError(f"unable to thaw {d}: cgroup.events still reports frozen after {timeout:g}s")


def is_frozen(d: str) -> bool:
    return _events_value(d, "frozen") == "1"
