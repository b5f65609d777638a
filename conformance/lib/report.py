"""TAP version 13 per case, the side-by-side table, and the JSON results."""
from __future__ import annotations

import dataclasses
import json


@dataclasses.dataclass
class CaseResult:
    case: str
    spec: str
    status: str                    # PASS | FAIL | SKIP
    reason: str                    # first failure, or the skip's host limit
    failures: list[str]
    passed_checks: int
    failed_checks: int
    cleanup_notes: list[str]
    seconds: float


def _yaml_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def tap_line(number: int, r: CaseResult) -> str:
    if r.status == "SKIP":
        return f"ok {number} - {r.case} # SKIP {r.reason}"
    head = f"{'ok' if r.status == 'PASS' else 'not ok'} {number} - {r.case}"
    diag = [f"  spec: {_yaml_str(r.spec)}",
            f"  checks: {r.passed_checks} passed, {r.failed_checks} failed",
            f"  seconds: {r.seconds:.2f}"]
    if r.failures:
        diag.append("  failed:")
        diag += [f"    - {_yaml_str(f)}" for f in r.failures[:12]]
    if r.cleanup_notes:
        diag.append("  harness_cleanup:")
        diag += [f"    - {_yaml_str(n)}" for n in r.cleanup_notes]
    return "\n".join([head, "  ---", *diag, "  ..."])


def cell(r: CaseResult | None, width: int) -> str:
    if r is None:
        return "-"
    if r.status == "PASS":
        return "PASS"
    text = f"{r.status}: {' '.join(r.reason.split())}"
    return text if len(text) <= width else text[: width - 3] + "..."


def table(cases: list[str], runtimes: list[str], results: dict[str, dict[str, CaseResult]],
          width: int = 58) -> str:
    rows = [["case", *runtimes]]
    for name in cases:
        rows.append([name, *(cell(results[rt].get(name), width) for rt in runtimes)])
    rows.append(["(passed/failed/skipped)", *(totals_text(results[rt]) for rt in runtimes)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append(" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def totals(per_case: dict[str, CaseResult]) -> tuple[int, int, int]:
    statuses = [r.status for r in per_case.values()]
    return statuses.count("PASS"), statuses.count("FAIL"), statuses.count("SKIP")


def totals_text(per_case: dict[str, CaseResult]) -> str:
    return "%d/%d/%d" % totals(per_case)


def write_json(path: str, runtimes: dict[str, str], results: dict[str, dict[str, CaseResult]],
               host_notes: list[str]) -> None:
    doc = {
        "runtimes": [{"name": name, "path": exe} for name, exe in runtimes.items()],
        "host": host_notes,
        "results": {
            name: {case: dataclasses.asdict(r) for case, r in per_case.items()}
            for name, per_case in results.items()
        },
        "totals": {name: dict(zip(("passed", "failed", "skipped"), totals(per_case)))
                   for name, per_case in results.items()},
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
