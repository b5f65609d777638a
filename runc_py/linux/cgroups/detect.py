"""Which cgroup layout this host has, and where the runtime itself sits.

runc tells the modes apart by the filesystem type of /sys/fs/cgroup (cgroup2:
pure v2) and of /sys/fs/cgroup/unified (cgroup2: hybrid, systemd's layout with
v1 controllers plus an empty unified hierarchy); everything else is pure v1.
We read the same facts from /proc/self/mountinfo, which also gives each v1
hierarchy's controllers and mount root (needed to place relative cgroup
paths when /sys/fs/cgroup is a bind of a sub-tree, as inside a container).
"""
from runc_py.linux.cgroups.files import CgroupError

V1 = "v1"
HYBRID = "hybrid"
V2 = "v2"

# Controllers a v1 hierarchy can carry (plus named hierarchies "name=…").
KNOWN_V1 = frozenset({
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
    "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc",
})


class Host:
    """The cgroup facts of one host (or of a fake tree in tests).

    mounts: v1 controller (or "name=systemd") -> mount point
    mount_roots: the same keys -> the hierarchy path mounted there ("/" normally)
    unified: the cgroup2 mount point, or None
    own: controller key ("" for cgroup2) -> the runtime's own cgroup path
    """

    __slots__ = ("mode", "root", "mounts", "mount_roots", "unified", "unified_root", "own")

    def __init__(self, mode: str, root: str, mounts: dict[str, str] | None = None,
                 mount_roots: dict[str, str] | None = None, unified: str | None = None,
                 unified_root: str = "/", own: dict[str, str] | None = None):
        self.mode = mode
        self.root = root
        self.mounts = mounts or {}
        self.mount_roots = mount_roots or {k: "/" for k in self.mounts}
        self.unified = unified
        self.unified_root = unified_root
        self.own = own or {}

    def own_dir(self, key: str) -> str:
        """The runtime's own cgroup directory in hierarchy `key` ("" = cgroup2):
        its path from /proc/self/cgroup, seen through the mount (runc's
        GetOwnCgroupPath)."""
        own = self.own.get(key, "/")
        if key == "":
            mountpoint, mroot = self.unified, self.unified_root
        else:
            mountpoint, mroot = self.mounts[key], self.mount_roots.get(key, "/")
        if mroot != "/" and (own == mroot or own.startswith(mroot + "/")):
            own = own[len(mroot):]
        return mountpoint.rstrip("/") + "/" + own.strip("/") if own.strip("/") else mountpoint


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str, root: str) -> tuple[dict, dict, str | None, str, bool]:
    """(mounts, mount_roots, unified mount, unified root, root_is_cgroup2)
    for the cgroup mounts at or under `root`.  The first mount of a
    controller wins, as in runc."""
    mounts: dict[str, str] = {}
    mount_roots: dict[str, str] = {}
    unified, unified_root, root_is_v2 = None, "/", False
    for line in text.splitlines():
        fields = line.split()
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        fstype, mountpoint, mroot = fields[sep + 1], _unescape(fields[4]), _unescape(fields[3])
        if mountpoint != root and not mountpoint.startswith(root.rstrip("/") + "/"):
            continue
        if fstype == "cgroup2":
            if mountpoint == root:
                root_is_v2 = True
                unified, unified_root = mountpoint, mroot
            elif unified is None:
                unified, unified_root = mountpoint, mroot
        elif fstype == "cgroup":
            for opt in fields[sep + 3].split(","):
                if (opt in KNOWN_V1 or opt.startswith("name=")) and opt not in mounts:
                    mounts[opt] = mountpoint
                    mount_roots[opt] = mroot
    return mounts, mount_roots, unified, unified_root, root_is_v2


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/<pid>/cgroup -> {controller: path}, "" for the cgroup2 line."""
    own = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            own[""] = parts[2]
        else:
            for ctrl in parts[1].split(","):
                own[ctrl] = parts[2]
    return own


def detect_host(root: str = "/sys/fs/cgroup", mountinfo: str = "/proc/self/mountinfo",
                proc_cgroup: str = "/proc/self/cgroup") -> Host:
    with open(mountinfo) as f:
        mounts, mount_roots, unified, unified_root, root_is_v2 = parse_mountinfo(f.read(), root)
    with open(proc_cgroup) as f:
        own = parse_proc_cgroup(f.read())
    if root_is_v2:
        mode = V2
        mounts, mount_roots = {}, {}
    elif mounts:
        mode = HYBRID if unified == root.rstrip("/") + "/unified" else V1
        if mode == V1:
            unified = None
    else:
        raise CgroupError(f"no cgroup filesystem is mounted under {root}")
    return Host(mode, root, mounts, mount_roots, unified, unified_root, own)
