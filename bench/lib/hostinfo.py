"""The header of a report: when, on what machine, with which runtimes."""
from __future__ import annotations

import datetime
import os
import platform


def host_header(runtimes: list, skipped: list[dict]) -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "kernel": platform.release(),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "python_of_bench": platform.python_version(),
        "runtimes": {rt.name: {"path": rt.path, "version": rt.version, "version_text": rt.version_text,
                               "runs_containers": rt.runs_containers,
                               "refusal": rt.refusal or None}
                     for rt in runtimes},
        "skipped": skipped,
    }


def render_header(header: dict) -> str:
    lines = [f"date {header['date']}  kernel {header['kernel']}  cpu {header['cpu_model']}"
             f"  cores {header['cores']}"]
    for name, info in header["runtimes"].items():
        state = "" if info["runs_containers"] else f"  [runs no containers here: {info['refusal']}]"
        lines.append(f"  {name:8} {info['version']}  ({info['path']}){state}")
    for skip in header["skipped"]:
        lines.append(f"  {skip['name']:8} skipped: {skip['reason']}")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()
