"""Import profiles from `python -X importtime`."""
from __future__ import annotations

import re

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")

# Imports the design keeps off the start-up path of hot commands; the key is the
# top-level module as imported, the value the name we flag it by (runc-py's
# compiled C helper pulls in cffi's backend without the cffi package).
HEAVY = {"jsonschema": "jsonschema", "psutil": "psutil", "click": "click",
         "cffi": "cffi", "_cffi_backend": "cffi"}
TOP = 6


def parse(stderr: str) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) for every import the interpreter reported."""
    rows = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2))))
    return rows


def summarize(rows: list[tuple[str, int, int]]) -> dict:
    """Total import time (the sum of self times), the packages that cost most, and
    the heavy ones present."""
    by_package: dict[str, int] = {}
    for name, self_us, _ in rows:
        root = name.split(".")[0]
        by_package[root] = by_package.get(root, 0) + self_us
    top = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:TOP]
    return {
        "total_ms": round(sum(r[1] for r in rows) / 1000, 2),
        "modules": len(rows),
        "top_packages_ms": {name: round(us / 1000, 2) for name, us in top},
        "heavy": sorted({HEAVY[p] for p in by_package if p in HEAVY}),
    }


def summarize_file(path: str) -> dict:
    with open(path, encoding="utf-8", errors="replace") as f:
        return summarize(parse(f.read()))


def median_profile(profiles: list[dict]) -> dict:
    """The profile of the run whose total is the median, with every run's total."""
    ranked = sorted(profiles, key=lambda p: p["total_ms"])
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    chosen["totals_ms"] = [p["total_ms"] for p in profiles]
    return chosen


def render_top(summary: dict) -> str:
    return ", ".join(f"{name} {ms:.1f}" for name, ms in summary["top_packages_ms"].items())
