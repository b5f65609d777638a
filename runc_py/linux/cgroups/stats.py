"""The "data" object of `runc events --stats`, read from the cgroup files.

Field names, units and omissions are runc 1.1.5's (types/events.go, encoded
by Go's encoding/json): a field tagged omitempty is left out when it is zero
or empty; nested objects are always present.  cpu times are nanoseconds
(cpuacct.stat's USER_HZ ticks are scaled by 10^9/100, as runc does).
"""
import os

from runc_py.linux.cgroups import files

MAX_UINT64 = 2**64 - 1
NS_PER_TICK = 10**9 // 100  # runc assumes USER_HZ = 100

CPUSET_FIELDS = ("cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                 "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level")

# (JSON name, v1 file suffix) of blkio entry lists, in runc's order of
# preference: BFQ debug, BFQ, CFQ, throttle (recursive), throttle.
BLKIO_GROUPS = (
    ("blkio.bfq.", "_recursive", ("ioServiceBytesRecursive", "io_service_bytes"), ("ioServicedRecursive", "io_serviced"),
     ("ioQueueRecursive", "io_queued"), ("ioServiceTimeRecursive", "io_service_time"),
     ("ioWaitTimeRecursive", "io_wait_time"), ("ioMergedRecursive", "io_merged"),
     ("ioTimeRecursive", "time"), ("sectorsRecursive", "sectors")),
    ("blkio.bfq.", "_recursive", ("ioServiceBytesRecursive", "io_service_bytes"), ("ioServicedRecursive", "io_serviced")),
    ("blkio.", "_recursive", ("ioServiceBytesRecursive", "io_service_bytes"), ("ioServicedRecursive", "io_serviced"),
     ("ioQueueRecursive", "io_queued"), ("ioServiceTimeRecursive", "io_service_time"),
     ("ioWaitTimeRecursive", "io_wait_time"), ("ioMergedRecursive", "io_merged"),
     ("ioTimeRecursive", "time"), ("sectorsRecursive", "sectors")),
    ("blkio.throttle.", "_recursive", ("ioServiceBytesRecursive", "io_service_bytes"),
     ("ioServicedRecursive", "io_serviced")),
    ("blkio.throttle.", "", ("ioServiceBytesRecursive", "io_service_bytes"), ("ioServicedRecursive", "io_serviced")),
)


def _omit_zero(d: dict, *keys) -> dict:
    for k in keys:
        if not d.get(k):
            d.pop(k, None)
    return d


def _empty() -> dict:
    return {
        "cpu": {"usage": {"kernel": 0, "user": 0}, "throttling": {}},
        "cpuset": {k: 0 for k in CPUSET_FIELDS},
        "memory": {"usage": {"limit": 0, "failcnt": 0}, "swap": {"limit": 0, "failcnt": 0},
                   "kernel": {"limit": 0, "failcnt": 0}, "kernelTCP": {"limit": 0, "failcnt": 0}},
        "pids": {},
        "blkio": {},
        "hugetlb": {},
        "intel_rdt": {},
        "network_interfaces": None,
    }


def _read_or(d: str, name: str, default=None):
    try:
        return files.read(d, name)
    except FileNotFoundError:
        return default


def _cpu_list(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    return out


def _throttling(cpu_stat: dict, usec: bool) -> dict:
    t = {"periods": cpu_stat.get("nr_periods", 0), "throttledPeriods": cpu_stat.get("nr_throttled", 0),
         "throttledTime": cpu_stat.get("throttled_usec", 0) * 1000 if usec else cpu_stat.get("throttled_time", 0)}
    return _omit_zero(t, "periods", "throttledPeriods", "throttledTime")


def _v1_cpu(out: dict, paths: dict) -> None:
    acct = paths.get("cpuacct")
    if acct and os.path.isdir(acct):
        usage = out["cpu"]["usage"]
        usage["total"] = files.read_int(acct, "cpuacct.usage")
        usage["percpu"] = [int(x) for x in (_read_or(acct, "cpuacct.usage_percpu", "")).split()]
        rows = (_read_or(acct, "cpuacct.usage_all", "")).splitlines()[1:]
        usage["percpu_kernel"] = [int(r.split()[2]) for r in rows]
        usage["percpu_user"] = [int(r.split()[1]) for r in rows]
        ticks = files.read_keyed(acct, "cpuacct.stat")
        usage["kernel"] = ticks.get("system", 0) * NS_PER_TICK
        usage["user"] = ticks.get("user", 0) * NS_PER_TICK
        order = ("total", "percpu", "percpu_kernel", "percpu_user", "kernel", "user")
        out["cpu"]["usage"] = _omit_zero({k: usage[k] for k in order}, "total", "percpu", "percpu_kernel",
                                         "percpu_user")
    cpu = paths.get("cpu")
    if cpu and files.exists(cpu, "cpu.stat"):
        out["cpu"]["throttling"] = _throttling(files.read_keyed(cpu, "cpu.stat"), usec=False)


def _v1_cpuset(out: dict, d: str | None) -> None:
    if not d or not os.path.isdir(d):
        return
    cs = {"cpus": _cpu_list(files.read(d, "cpuset.cpus"))}
    cs["cpu_exclusive"] = files.read_int(d, "cpuset.cpu_exclusive")
    cs["mems"] = _cpu_list(files.read(d, "cpuset.mems"))
    for k in CPUSET_FIELDS[1:]:
        value = _read_or(d, "cpuset." + k)
        cs[k] = int(value) if value else 0
    out["cpuset"] = _omit_zero(cs, "cpus", "mems")


def _memory_entry(d: str, prefix: str) -> dict:
    if not files.exists(d, prefix + "usage_in_bytes"):
        return {"limit": 0, "failcnt": 0}
    e = {"limit": files.read_int(d, prefix + "limit_in_bytes"),
         "usage": files.read_int(d, prefix + "usage_in_bytes"),
         "max": files.read_int(d, prefix + "max_usage_in_bytes"),
         "failcnt": files.read_int(d, prefix + "failcnt")}
    return _omit_zero(e, "usage", "max")


def _v1_memory(out: dict, d: str | None) -> None:
    if not d or not files.exists(d, "memory.stat"):
        return
    raw = files.read_keyed(d, "memory.stat")
    mem = {"cache": raw.get("cache", 0), "usage": _memory_entry(d, "memory."),
           "swap": _memory_entry(d, "memory.memsw."), "kernel": _memory_entry(d, "memory.kmem."),
           "kernelTCP": _memory_entry(d, "memory.kmem.tcp."), "raw": raw}
    out["memory"] = _omit_zero(mem, "cache", "raw")


def _pids(out: dict, d: str | None) -> None:
    if not d or not files.exists(d, "pids.current"):
        return
    limit = files.read(d, "pids.max")
    out["pids"] = _omit_zero({"current": files.read_int(d, "pids.current"),
                              "limit": 0 if limit == "max" else int(limit)}, "current", "limit")


def _blkio_entries(d: str, name: str) -> list[dict] | None:
    text = _read_or(d, name)
    if text is None:
        return None
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0] == "Total":
            continue
        major, _, minor = fields[0].partition(":")
        op, value = (fields[1], fields[2]) if len(fields) >= 3 else ("", fields[1])
        entries.append(_omit_zero({"major": int(major), "minor": int(minor), "op": op, "value": int(value)},
                                  "major", "minor", "op", "value"))
    return entries or None


def _v1_blkio(out: dict, d: str | None) -> None:
    if not d or not os.path.isdir(d):
        return
    for prefix, suffix, *stats in BLKIO_GROUPS:
        found = {}
        for i, (key, stem) in enumerate(stats):
            entries = _blkio_entries(d, f"{prefix}{stem}{suffix}")
            if entries is None:
                break
            found[key] = entries
        else:
            out["blkio"] = found
            return
        if found:  # the group's first file had data but a later one did not
            out["blkio"] = found
            return


def _hugepage_sizes() -> list[str]:
    """Page sizes as cgroup file names use them ("2MB", "1GB")."""
    try:
        names = os.listdir("/sys/kernel/mm/hugepages")
    except FileNotFoundError:
        return []
    sizes = []
    for n in names:
        kb = int(n[len("hugepages-"):-2])
        for unit, div in (("GB", 1 << 20), ("MB", 1 << 10), ("KB", 1)):
            if kb % div == 0:
                sizes.append(f"{kb // div}{unit}")
                break
    return sorted(sizes)


def _hugetlb(out: dict, d: str | None, v2: bool) -> None:
    if not d:
        return
    for size in _hugepage_sizes():
        if v2:
            if not files.exists(d, f"hugetlb.{size}.current"):
                continue
            events = files.read_keyed(d, f"hugetlb.{size}.events")
            e = {"usage": files.read_int(d, f"hugetlb.{size}.current"), "failcnt": events.get("max", 0)}
        else:
            if not files.exists(d, f"hugetlb.{size}.usage_in_bytes"):
                continue
            e = {"usage": files.read_int(d, f"hugetlb.{size}.usage_in_bytes"),
                 "max": files.read_int(d, f"hugetlb.{size}.max_usage_in_bytes"),
                 "failcnt": files.read_int(d, f"hugetlb.{size}.failcnt")}
        out["hugetlb"][size] = _omit_zero(e, "usage", "max")


def stats_v1(paths: dict) -> dict:
    out = _empty()
    _v1_cpu(out, paths)
    _v1_cpuset(out, paths.get("cpuset"))
    _v1_memory(out, paths.get("memory"))
    _pids(out, paths.get("pids"))
    _v1_blkio(out, paths.get("blkio"))
    _hugetlb(out, paths.get("hugetlb"), v2=False)
    return out


def _v2_memory(out: dict, d: str) -> None:
    if not files.exists(d, "memory.stat") or not files.exists(d, "memory.current"):
        return
    raw = files.read_keyed(d, "memory.stat")
    usage = {"limit": files.read_int(d, "memory.max"), "usage": files.read_int(d, "memory.current"), "failcnt": 0}
    swap = {"limit": 0, "usage": 0, "failcnt": 0}
    if files.exists(d, "memory.swap.current"):
        # v1 reported memory+swap; runc keeps that meaning on v2.
        swap["usage"] = files.read_int(d, "memory.swap.current") + usage["usage"]
        swap_limit = files.read_int(d, "memory.swap.max")
        swap["limit"] = swap_limit if swap_limit == MAX_UINT64 else min(swap_limit + usage["limit"], MAX_UINT64)
    mem = out["memory"]
    mem.update({"cache": raw.get("file", 0), "usage": _omit_zero(usage, "usage"),
                "swap": _omit_zero(swap, "usage"), "raw": raw})
    out["memory"] = _omit_zero({k: mem[k] for k in ("cache", "usage", "swap", "kernel", "kernelTCP", "raw")},
                               "cache", "raw")


def _v2_io(out: dict, d: str) -> None:
    text = _read_or(d, "io.stat")
    if not text:
        return
    ops = {"rbytes": ("ioServiceBytesRecursive", "Read"), "wbytes": ("ioServiceBytesRecursive", "Write"),
           "rios": ("ioServicedRecursive", "Read"), "wios": ("ioServicedRecursive", "Write")}
    blkio: dict[str, list] = {}
    for line in text.splitlines():
        fields = line.split()
        major, _, minor = fields[0].partition(":")
        for item in fields[1:]:
            key, _, value = item.partition("=")
            if key in ops:
                table, op = ops[key]
                blkio.setdefault(table, []).append(_omit_zero(
                    {"major": int(major), "minor": int(minor), "op": op, "value": int(value)},
                    "major", "minor", "value"))
    out["blkio"] = blkio


def stats_v2(d: str) -> dict:
    out = _empty()
    _pids(out, d)
    _v2_memory(out, d)
    _v2_io(out, d)
    if files.exists(d, "cpu.stat"):
        st = files.read_keyed(d, "cpu.stat")
        out["cpu"]["usage"] = _omit_zero({"total": st.get("usage_usec", 0) * 1000,
                                          "kernel": st.get("system_usec", 0) * 1000,
                                          "user": st.get("user_usec", 0) * 1000}, "total")
        out["cpu"]["throttling"] = _throttling(st, usec=True)
    _hugetlb(out, d, v2=True)
    return out
