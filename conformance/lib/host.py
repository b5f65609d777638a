"""Facts about the host the suite runs on, read once per run.

Every SKIP in the suite names one of these facts (a controller that is not
mounted, an LSM that is off), so a skip is always a stated host limit.
"""
from __future__ import annotations

import dataclasses
import os

# Spec namespace type -> name under /proc/<pid>/ns.
NS_PROC_NAME = {
    "pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc",
    "uts": "uts", "user": "user", "cgroup": "cgroup", "time": "time",
}


@dataclasses.dataclass
class Host:
    ns_inodes: dict[str, int]            # spec type -> inode of the harness's namespace
    cgroup_v1: dict[str, str]            # controller -> mount point of its v1 hierarchy
    cgroup_v2: str | None                # cgroup2 mount point
    cgroup_mounts: list[str]             # every cgroup/cgroup2 mount point (named ones too)
    v2_controllers: list[str]            # controllers listed by cgroup2's cgroup.controllers
    cap_bounding: int
    cap_last: int
    oom_score_adj: str
    apparmor: bool
    selinux: bool
    hugepage_sizes: list[str]            # e.g. ["2MB", "1GB"]

    def cgroup_dir(self, controller: str, path: str) -> str | None:
        """Host directory of absolute cgroupsPath `path` for a v1 controller."""
        mount = self.cgroup_v1.get(controller)
        return None if mount is None else os.path.join(mount, path.lstrip("/"))

    def cgroup_roots(self) -> list[str]:
        return self.cgroup_mounts


def detect() -> Host:
    ns = {}
    for kind, name in NS_PROC_NAME.items():
        try:
            ns[kind] = os.stat(f"/proc/self/ns/{name}").st_ino
        except OSError:
            pass
    v1, v2, mounts = {}, None, []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _src, superopts = (right.split() + ["", ""])[:3]
            mountpoint = left.split()[4]
            if fstype in ("cgroup", "cgroup2") and mountpoint not in mounts:
                mounts.append(mountpoint)
            if fstype == "cgroup2":
                v2 = mountpoint
            elif fstype == "cgroup":
                for opt in superopts.split(","):
                    if opt in KNOWN_V1_CONTROLLERS:
                        v1.setdefault(opt, mountpoint)
    v2_ctrls = _read(os.path.join(v2, "cgroup.controllers")).split() if v2 else []
    status = dict(line.split(":", 1) for line in _read("/proc/self/status").splitlines() if ":" in line)
    hp = []
    if os.path.isdir("/sys/kernel/mm/hugepages"):
        for d in sorted(os.listdir("/sys/kernel/mm/hugepages"), key=lambda n: int(n.split("-")[1].rstrip("kB"))):
            kb = int(d.split("-")[1].rstrip("kB"))
            hp.append(f"{kb // 1048576}GB" if kb >= 1048576 else f"{kb // 1024}MB" if kb >= 1024 else f"{kb}KB")
    return Host(
        ns_inodes=ns, cgroup_v1=v1, cgroup_v2=v2, cgroup_mounts=mounts, v2_controllers=v2_ctrls,
        cap_bounding=int(status["CapBnd"].strip(), 16),
        cap_last=int(_read("/proc/sys/kernel/cap_last_cap") or "40"),
        oom_score_adj=_read("/proc/self/oom_score_adj").strip(),
        apparmor=_read("/sys/module/apparmor/parameters/enabled").strip() == "Y",
        selinux=os.path.exists("/sys/fs/selinux/enforce"),
        hugepage_sizes=hp,
    )


KNOWN_V1_CONTROLLERS = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
    "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc",
}


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
