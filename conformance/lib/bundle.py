"""Bundles: a busybox-static rootfs with the in-container checker, and the
default config.json every case starts from."""
from __future__ import annotations

import copy
import json
import os
import shutil

BUSYBOX = "/bin/busybox"
CHECKER = os.path.join(os.path.dirname(__file__), "checker.sh")
APPLETS = (
    "sh", "awk", "cat", "cut", "echo", "env", "false", "grep", "head", "hostname",
    "id", "kill", "ls", "mkdir", "printf", "pwd", "readlink", "rm", "sed", "sleep",
    "stat", "test", "touch", "tr", "true", "uname", "wc", "[",
)
ROOTFS_DIRS = ("bin", "dev", "proc", "sys", "tmp", "etc", "mnt")
CHECKER_PATH = "/conformance-check"
EXPECT_PATH = "/conformance-expect"

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

_DEFAULT_CONFIG = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": [CHECKER_PATH],
        "env": ["PATH=/bin", "TERM=xterm", "CONFORMANCE=1"],
        "cwd": "/",
        "capabilities": {
            "bounding": DEFAULT_CAPS, "effective": DEFAULT_CAPS, "permitted": DEFAULT_CAPS,
        },
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "conformance",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        "maskedPaths": [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/proc/scsi",
        ],
        "readonlyPaths": [
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
        ],
    },
}


def default_config() -> dict:
    return copy.deepcopy(_DEFAULT_CONFIG)


class RootfsTemplate:
    """A rootfs built once per run; bundles hard-link its files."""

    def __init__(self, path: str) -> None:
        self.path = path
        for d in ROOTFS_DIRS:
            os.makedirs(os.path.join(path, d), exist_ok=True)
        shutil.copy2(BUSYBOX, os.path.join(path, "bin", "busybox"))
        shutil.copy2(CHECKER, os.path.join(path, CHECKER_PATH.lstrip("/")))
        os.chmod(os.path.join(path, CHECKER_PATH.lstrip("/")), 0o755)

    def populate(self, rootfs: str) -> None:
        for d in ROOTFS_DIRS:
            os.makedirs(os.path.join(rootfs, d), exist_ok=True)
        os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
        for rel in ("bin/busybox", CHECKER_PATH.lstrip("/")):
            src, dst = os.path.join(self.path, rel), os.path.join(rootfs, rel)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        for applet in APPLETS:
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))


def write_config(bundle: str, config: dict) -> None:
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
