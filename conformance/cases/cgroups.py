"""config-linux.md Control groups: cgroupsPath (absolute and relative) and the
resources this host's cgroup v1 controllers offer."""
from __future__ import annotations

import glob
import os

from lib.registry import case

from ._helpers import read


def container_cgroup(ctx, controller: str) -> str | None:
    """Host directory of the container process's cgroup for a v1 controller."""
    pid = ctx.learn_pid(ctx.id)
    mount = ctx.host.cgroup_v1.get(controller)
    if not pid or not mount:
        return None
    for line in read(f"/proc/{pid}/cgroup").splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            return os.path.join(mount, path.lstrip("/"))
    return None


def block_device() -> str | None:
    """major:minor of a real (non-loop, non-zram) block device."""
    for dev in sorted(glob.glob("/sys/block/*/dev")):
        name = dev.split("/")[3]
        if not name.startswith(("loop", "zram", "ram")):
            return read(dev).strip()
    return None


def file_checks(ctx, controller: str, expected: dict[str, str | list[str]], relative: bool) -> None:
    """Create with the case's resources; check each cgroup file: 'value' is the
    whole content, '~line' a line it must have, '!line' a line it must not."""
    if controller not in ctx.host.cgroup_v1:
        ctx.skip(f"no {controller} cgroup v1 hierarchy on this host")
    path = f"{ctx.id}/relative/container" if relative else ctx.cgroups_path("/container")
    ctx.config["linux"]["cgroupsPath"] = path
    ctx.require_ok(ctx.create(), "create succeeds")
    d = container_cgroup(ctx, controller)
    ctx.require(d is not None, f"the container process is in a {controller} cgroup")
    where = "/" + os.path.relpath(d, ctx.host.cgroup_v1[controller])
    if relative:
        ctx.check(where.endswith("/" + path), "the relative cgroupsPath is used below a runtime-chosen place",
                  where)
    else:
        ctx.check(where == path, "the absolute cgroupsPath is taken relative to the cgroups mount point", where)
    for name, wants in expected.items():
        got = read(os.path.join(d, name))
        for want in wants if isinstance(wants, list) else [wants]:
            check_value(ctx, name, want, got)


def check_value(ctx, name: str, want: str, got: str) -> None:
    if want.startswith("~"):
        ctx.check(want[1:] in got.splitlines(), f"{name} has the line '{want[1:]}'", got.strip()[:200])
    elif want.startswith("!"):
        ctx.check(want[1:] not in got.splitlines(), f"{name} lacks the line '{want[1:]}'", got.strip()[:200])
    else:
        ctx.check(got.strip() == want, f"{name} is {want}", got.strip())


def cpus(ctx, relative):
    ctx.config["linux"]["resources"] = {"cpu": {"shares": 2048, "quota": 50000, "period": 100000,
                                                "cpus": "0", "mems": "0"}}
    file_checks(ctx, "cpu", {"cpu.shares": "2048", "cpu.cfs_quota_us": "50000",
                             "cpu.cfs_period_us": "100000"}, relative)
    d = container_cgroup(ctx, "cpuset")
    if ctx.check(d is not None, "the container process is in a cpuset cgroup"):
        ctx.check(read(os.path.join(d, "cpuset.cpus")).strip() == "0", "cpuset.cpus is 0",
                  read(os.path.join(d, "cpuset.cpus")))
        ctx.check(read(os.path.join(d, "cpuset.mems")).strip() == "0", "cpuset.mems is 0",
                  read(os.path.join(d, "cpuset.mems")))


def memory(ctx, relative):
    mib = 1024 * 1024
    ctx.config["linux"]["resources"] = {"memory": {"limit": 64 * mib, "reservation": 32 * mib,
                                                   "swap": 128 * mib, "swappiness": 10,
                                                   "disableOOMKiller": True}}
    file_checks(ctx, "memory", {"memory.limit_in_bytes": str(64 * mib),
                                "memory.soft_limit_in_bytes": str(32 * mib),
                                "memory.memsw.limit_in_bytes": str(128 * mib),
                                "memory.swappiness": "10",
                                "memory.oom_control": "~oom_kill_disable 1"}, relative)


def pids(ctx, relative):
    ctx.config["linux"]["resources"] = {"pids": {"limit": 123}}
    file_checks(ctx, "pids", {"pids.max": "123"}, relative)


def devices(ctx, relative):
    # The last rule takes w away from the fuse rule before it: order matters.
    ctx.config["linux"]["resources"] = {"devices": [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
        {"allow": True, "type": "b", "major": 7, "minor": 0, "access": "r"},
        {"allow": False, "type": "c", "major": 10, "minor": 229, "access": "w"},
    ]}
    file_checks(ctx, "devices", {"devices.list": ["~c 10:229 rm", "!a *:* rwm"]}, relative)


def blkio(ctx, relative):
    dev = block_device()
    if dev is None:
        ctx.skip("no block device on this host")
    major, minor = (int(x) for x in dev.split(":"))
    ctx.config["linux"]["resources"] = {"blockIO": {
        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}],
        "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 100}],
    }}
    file_checks(ctx, "blkio", {"blkio.throttle.read_bps_device": f"{dev} 1048576",
                               "blkio.throttle.write_iops_device": f"{dev} 100"}, relative)


def blkio_weight(ctx, relative):
    root = ctx.host.cgroup_v1.get("blkio", "")
    if not any(os.path.exists(os.path.join(root, f)) for f in ("blkio.weight", "blkio.bfq.weight")):
        ctx.skip("the blkio hierarchy has no weight files (no CFQ/BFQ weight support on this host)")
    ctx.config["linux"]["resources"] = {"blockIO": {"weight": 300}}
    name = "blkio.weight" if os.path.exists(os.path.join(root, "blkio.weight")) else "blkio.bfq.weight"
    file_checks(ctx, "blkio", {name: "300"}, relative)


def hugetlb(ctx, relative):
    if "hugetlb" not in ctx.host.cgroup_v1 or not ctx.host.hugepage_sizes:
        ctx.skip("no hugetlb cgroup v1 hierarchy on this host (hugetlb is bound to cgroup2)")
    size = ctx.host.hugepage_sizes[0]  # the smallest; the kernel rounds limits down to whole pages
    limit = 4 * (int(size[:-2]) << {"KB": 10, "MB": 20, "GB": 30}[size[-2:]])
    ctx.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": size, "limit": limit}]}
    file_checks(ctx, "hugetlb", {f"hugetlb.{size}.limit_in_bytes": str(limit)}, relative)


def network(ctx, relative):
    if "net_cls" not in ctx.host.cgroup_v1:
        ctx.skip("no net_cls cgroup v1 hierarchy on this host")
    ctx.config["linux"]["resources"] = {"network": {"classID": 1048577}}
    file_checks(ctx, "net_cls", {"net_cls.classid": "1048577"}, relative)


RESOURCES = {
    "cpus": (cpus, "CPU: shares, quota, period, cpus, mems"),
    "memory": (memory, "Memory: limit, reservation, swap, swappiness, disableOOMKiller"),
    "pids": (pids, "PIDs: 'limit ... specifies the maximum number of tasks in the cgroup'"),
    "devices": (devices, "Allowed Device list: 'The runtime MUST apply entries in the listed order'"),
    "blkio": (blkio, "Block IO: throttleReadBpsDevice, throttleWriteIOPSDevice"),
    "blkio_weight": (blkio_weight, "Block IO: weight 'specifies per-cgroup weight'"),
    "hugetlb": (hugetlb, "Huge page limits: hugepageLimits"),
    "network": (network, "Network: classID"),
}


def register(name: str, func, clause: str, relative: bool) -> None:
    where = ("'In the case of a relative path (not starting with /), the runtime MAY interpret the path "
             "relative to a runtime-determined location'") if relative else \
        "'In the case of an absolute path (starting with /), the runtime MUST take the path to be relative " \
        "to the cgroups mount point'"

    @case(f"linux_cgroups_{'relative_' if relative else ''}{name}", f"config-linux.md {clause}; Cgroups Path: {where}")
    def run(ctx):
        func(ctx, relative)


for _name, (_func, _clause) in RESOURCES.items():
    register(_name, _func, _clause, False)
for _name, (_func, _clause) in RESOURCES.items():
    register(_name, _func, _clause, True)
