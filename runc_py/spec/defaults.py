"""The starter config.json that `runc-py spec` writes, the same as `runc spec`.

Field for field, value for value and byte for byte (tab-indented, no final
newline) it is what runc 1.1.5 writes, with one deliberate difference:
`ociVersion` is `runc_py.SPEC_VERSION` ("1.2.0"), not runc's "1.0.2-dev".
A config.json declares the runtime-spec version it follows; ours is checked
against our runtime-spec 1.2.0 schemas and our state JSON reports 1.2.0, so a
starter file that claimed runc's vendored pre-release version would describe
a spec runc-py does not read it as.
"""
import os

from runc_py import SPEC_VERSION
from runc_py.errors import RuncPyError, reason

# The three capabilities runc grants a starter container, in runc's order.
_DEFAULT_CAPABILITIES = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def default_config(rootless: bool = False) -> dict:
    """A fresh dict (callers may change it) in config.json's key order.

    With `rootless`, the container gets a user namespace mapping root to the
    caller's effective uid/gid and no network namespace (an unprivileged user
    cannot configure one), /sys is a read-only recursive bind of the host's
    (sysfs cannot be mounted without owning the network namespace), uid=/gid=
    mount options go (the ids may not be mapped), and cgroup resources go (an
    unprivileged user usually cannot write them).
    """
    config = {
        "ociVersion": SPEC_VERSION,
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            "cwd": "/",
            "capabilities": {
                cap_set: list(_DEFAULT_CAPABILITIES)
                for cap_set in ("bounding", "effective", "permitted", "ambient")
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "runc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": ns} for ns in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }
    if rootless:
        _make_rootless(config)
    return config


def _make_rootless(config: dict) -> None:
    mounts = []
    for mount in config["mounts"]:
        if mount["destination"] == "/sys":
            mount = {"destination": "/sys", "type": "none", "source": "/sys",
                     "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
        elif "options" in mount:
            mount["options"] = [opt for opt in mount["options"] if not opt.startswith(("uid=", "gid="))]
        mounts.append(mount)
    config["mounts"] = mounts

    old = config["linux"]
    namespaces = [ns for ns in old["namespaces"] if ns["type"] not in ("network", "user")]
    # Rebuilt rather than edited so the keys keep config.json's order:
    # the id mappings come first in the `linux` object.
    config["linux"] = {
        "uidMappings": [{"containerID": 0, "hostID": os.geteuid(), "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": os.getegid(), "size": 1}],
        "namespaces": namespaces + [{"type": "user"}],
        "maskedPaths": old["maskedPaths"],
        "readonlyPaths": old["readonlyPaths"],
    }


def format_config(config: dict) -> bytes:
    """config.json's bytes as runc lays them out: tab indents, ": " after keys,
    non-ASCII kept as UTF-8, no newline at the end."""
    import json  # `spec` is not a hot command; keep `json` off the others.

    return json.dumps(config, indent="\t", ensure_ascii=False).encode()


def write_default_config(bundle: str, rootless: bool) -> str:
    """Write `<bundle>/config.json` and return its path.

    The file appears complete or not at all: the bytes go to a temp file in
    the bundle, are fsync'd, and are hard-linked to config.json.  Linking
    (unlike rename) fails if config.json exists, so a file that appears
    between any check and the write is never replaced: an existing
    config.json, even a dangling symlink, is refused.  The mode is runc's:
    0666 less the umask.
    """
    path = os.path.join(bundle, "config.json")
    try:
        dir_fd = os.open(bundle, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as err:
        raise RuncPyError(f'bundle directory "{bundle}": {reason(err.errno)}') from None
    tmp_name = f".config.json.{os.urandom(6).hex()}.tmp"
    try:
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666, dir_fd=dir_fd)
        try:
            with open(fd, "wb") as tmp:
                tmp.write(format_config(default_config(rootless)))
                tmp.flush()
                os.fsync(fd)
            os.link(tmp_name, "config.json", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        finally:
            os.unlink(tmp_name, dir_fd=dir_fd)
        os.fsync(dir_fd)
    except FileExistsError:
        raise RuncPyError(f"File {path} exists. Remove it first") from None
    except OSError as err:
        raise RuncPyError(f"write {path}: {reason(err.errno)}") from None
    finally:
        os.close(dir_fd)
    return path
