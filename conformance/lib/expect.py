"""Derive the in-container expectations from a config.json.

The result is the text of /conformance-expect: one TAB-separated line per
check, read by checker.sh.  What each line demands comes from the
runtime-spec (config.md, config-linux.md); the checker only compares.
"""
from __future__ import annotations

import os

from .host import NS_PROC_NAME, Host

CAPS = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)
CAP_BITS = {f"CAP_{name}": bit for bit, name in enumerate(CAPS)}

# /proc/<pid>/limits row labels.
RLIMIT_LABELS = {
    "RLIMIT_CPU": "Max cpu time", "RLIMIT_FSIZE": "Max file size",
    "RLIMIT_DATA": "Max data size", "RLIMIT_STACK": "Max stack size",
    "RLIMIT_CORE": "Max core file size", "RLIMIT_RSS": "Max resident set",
    "RLIMIT_NPROC": "Max processes", "RLIMIT_NOFILE": "Max open files",
    "RLIMIT_MEMLOCK": "Max locked memory", "RLIMIT_AS": "Max address space",
    "RLIMIT_LOCKS": "Max file locks", "RLIMIT_SIGPENDING": "Max pending signals",
    "RLIMIT_MSGQUEUE": "Max msgqueue size", "RLIMIT_NICE": "Max nice priority",
    "RLIMIT_RTPRIO": "Max realtime priority", "RLIMIT_RTTIME": "Max realtime timeout",
}
RLIM_INFINITY = 2**64 - 1

# Mount options whose effect the kernel reports back in mountinfo.
FLAG_OPTIONS = {"ro", "nosuid", "nodev", "noexec"}
NUMERIC_DATA_OPTIONS = {"mode", "ptmxmode", "uid", "gid"}

DEFAULT_DEVICES = (  # config-linux.md "Default Devices": path, major, minor
    ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
    ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
)


def cap_mask(names: list[str]) -> int:
    mask = 0
    for name in names:
        if name in CAP_BITS:  # an unknown name is for the runtime to reject, not to check here
            mask |= 1 << CAP_BITS[name]
    return mask


def cap_hex(mask: int) -> str:
    return f"{mask:016x}"


def mount_option_checks(options: list[str]) -> list[str]:
    """Options of a config mount that mountinfo can confirm, as mountinfo shows them."""
    out = []
    for opt in options:
        key, eq, value = opt.partition("=")
        if opt in FLAG_OPTIONS:
            out.append(opt)
        elif eq and key in NUMERIC_DATA_OPTIONS and value.isdigit():
            if key == "mode" and value.lstrip("0") == "1777":
                continue  # tmpfs's default mode, which mountinfo does not show
            out.append(f"{key}={value.lstrip('0') or '0'}")
        elif eq and key == "size" and value.endswith("k"):
            out.append(opt)
    return out


def _line(*fields: object) -> str:
    return "\t".join(str(f) for f in fields)


def expectations(config: dict, host: Host) -> list[str]:
    lines: list[str] = []
    proc = config.get("process") or {}
    linux = config.get("linux") or {}
    namespaces = {ns["type"]: ns for ns in linux.get("namespaces") or []}
    user = proc.get("user") or {}
    uid, gid = user.get("uid", 0), user.get("gid", 0)

    lines.append(_line("status", "Uid", " ".join([str(uid)] * 4)))
    lines.append(_line("status", "Gid", " ".join([str(gid)] * 4)))
    if "additionalGids" in user:
        lines.append(_line("status", "Groups", " ".join(str(g) for g in sorted(set(user["additionalGids"])))))

    caps = proc.get("capabilities")
    if caps is not None:
        sets = {k: cap_mask(caps.get(k) or []) for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
        # What survives the execve of a binary without file capabilities
        # (capabilities(7)): ambient is limited to permitted & inheritable; a
        # root process gets bounding | inheritable, a non-root one the ambient set.
        sets["ambient"] &= sets["permitted"] & sets["inheritable"]
        if uid == 0:
            sets["permitted"] = sets["effective"] = sets["bounding"] | sets["inheritable"] | sets["ambient"]
        else:
            sets["permitted"] = sets["effective"] = sets["ambient"]
        for key, field in (("bounding", "CapBnd"), ("effective", "CapEff"), ("permitted", "CapPrm"),
                           ("inheritable", "CapInh"), ("ambient", "CapAmb")):
            lines.append(_line("status", field, cap_hex(sets[key])))

    for rl in proc.get("rlimits") or []:
        if rl.get("type") not in RLIMIT_LABELS:
            continue
        fmt = lambda v: "unlimited" if v == RLIM_INFINITY else str(v)  # noqa: E731
        lines.append(_line("limit", RLIMIT_LABELS[rl["type"]], fmt(rl["soft"]), fmt(rl["hard"])))

    lines.append(_line("status", "NoNewPrivs", "1" if proc.get("noNewPrivileges") else "0"))
    lines.append(_line("status", "Seccomp", "2" if linux.get("seccomp") else "0"))
    lines.append(_line("file", "/proc/self/oom_score_adj", proc.get("oomScoreAdj", host.oom_score_adj)))
    if "cwd" in proc:
        lines.append(_line("cwd", proc["cwd"]))
    for env in proc.get("env") or []:
        lines.append(_line("env", env))
    lines.append(_line("fds"))

    for kind, inode in host.ns_inodes.items():
        ns = namespaces.get(kind)
        if ns is None:
            lines.append(_line("ns", NS_PROC_NAME[kind], "same", inode))
        elif ns.get("path"):
            lines.append(_line("ns", NS_PROC_NAME[kind], "same", _inode(ns["path"])))
        else:
            lines.append(_line("ns", NS_PROC_NAME[kind], "differ", inode))
    if "pid" in namespaces and not namespaces["pid"].get("path"):
        lines.append(_line("pid1"))
    if "user" in namespaces:
        for key, fname in (("uidMappings", "uid_map"), ("gidMappings", "gid_map")):
            maps = linux.get(key) or []
            flat = " ".join(f"{m['containerID']} {m['hostID']} {m['size']}" for m in maps)
            lines.append(_line("file", f"/proc/self/{fname}", flat))
    if "time" in namespaces and linux.get("timeOffsets"):
        offs = linux["timeOffsets"]
        flat = " ".join(f"{clock} {offs.get(clock, {}).get('secs', 0)} {offs.get(clock, {}).get('nanosecs', 0)}"
                        for clock in ("monotonic", "boottime"))
        lines.append(_line("file", "/proc/self/timens_offsets", flat))

    if "hostname" in config:
        lines.append(_line("file", "/proc/sys/kernel/hostname", config["hostname"]))
    if "domainname" in config:
        lines.append(_line("file", "/proc/sys/kernel/domainname", config["domainname"]))
    for key, value in (linux.get("sysctl") or {}).items():
        lines.append(_line("file", "/proc/sys/" + key.replace(".", "/"), value))

    mounts = config.get("mounts") or []
    for m in mounts:
        opts = m.get("options") or []
        bind = "bind" in opts or "rbind" in opts
        fstype = "-" if bind or not m.get("type") else m["type"]
        lines.append(_line("mount", m["destination"], fstype, " ".join(mount_option_checks(opts))))
    dests = list(dict.fromkeys(m["destination"] for m in mounts))
    if len(dests) > 1:
        lines.append(_line("order", " ".join(dests)))
    if (config.get("root") or {}).get("readonly"):
        lines.append(_line("rootro"))
    if linux.get("rootfsPropagation"):
        lines.append(_line("propagation", linux["rootfsPropagation"]))

    for path, major, minor in DEFAULT_DEVICES:
        lines.append(_line("device", path, "c", f"{major:x}", f"{minor:x}", "-", "-", "-"))
    lines.append(_line("run", "ok", "/dev/ptmx exists", "test -e /dev/ptmx"))
    for dev in linux.get("devices") or []:
        mode = f"{dev['fileMode'] & 0o777:o}" if "fileMode" in dev else "-"
        lines.append(_line("device", dev["path"], dev["type"], f"{dev.get('major', 0):x}",
                           f"{dev.get('minor', 0):x}", mode, dev.get("uid", "-"), dev.get("gid", "-")))
    for path in linux.get("maskedPaths") or []:
        lines.append(_line("masked", path))
    for path in linux.get("readonlyPaths") or []:
        lines.append(_line("readonly", path))
    return lines


def _inode(path: str) -> int:
    return os.stat(path).st_ino
