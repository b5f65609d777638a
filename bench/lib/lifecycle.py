"""create → state → start → wait → delete of a busybox /bin/true container,
rounds interleaved across runtimes."""
from __future__ import annotations

from . import proc
from .compare import steps_table, summarize_steps
from .proc import StepFailed
from .session import Session
from .stats import percentile
from .table import Table

STEPS = ["create", "state", "start", "wait", "delete", "cycle"]


def run(session: Session, runtimes: list, rounds: int, warmup: int, bundle: str) -> tuple[dict, list[Table]]:
    samples = {rt.name: {step: [] for step in STEPS} for rt in runtimes}
    rss = {rt.name: [] for rt in runtimes}
    for n in range(warmup + rounds):
        for rt in runtimes:
            steps, rss_kib = _cycle(session, rt, bundle)
            if n >= warmup:
                for step, ns in steps.items():
                    samples[rt.name][step].append(ns)
                rss[rt.name].append(rss_kib)
    session.assert_clean("lifecycle")
    summaries = summarize_steps(samples)
    tables = [
        steps_table(f"lifecycle: busybox /bin/true, {rounds} interleaved rounds (+{warmup} warm-up)",
                    summaries, STEPS,
                    "wait = from start's return to the container process's exit; cycle = sum of the steps"),
        _rss_table(rss),
    ]
    return {"rounds": rounds, "warmup": warmup, "samples_ns": samples, "rss_kib": rss,
            "summary": summaries, "rss_summary": _rss_summary(rss)}, tables


def _cycle(session: Session, rt, bundle: str) -> tuple[dict[str, int], int]:
    cid = session.new_id(rt, "lc")
    steps = {}
    steps["create"], pid = session.create(rt, cid, bundle)
    rss_kib = proc.vmrss_kib(pid)
    if rss_kib is None:
        raise StepFailed(rt.name, "rss", [f"/proc/{pid}/status"],
                         "the created container's init process is gone before start")
    steps["state"] = session.state(rt, cid, expect="created")
    steps["start"] = session.run(rt, "start", "start", cid).ns
    steps["wait"] = session.wait_stopped(rt, pid)
    steps["delete"] = session.delete(rt, cid).ns
    steps["cycle"] = sum(steps.values())
    return steps, rss_kib


def _rss_summary(rss: dict[str, list[int]]) -> dict[str, dict]:
    return {name: {"median_mib": round(percentile(v, 50) / 1024, 2),
                   "min_mib": round(min(v) / 1024, 2), "max_mib": round(max(v) / 1024, 2)}
            for name, v in rss.items() if v}


def _rss_table(rss: dict[str, list[int]]) -> Table:
    table = Table("RSS (VmRSS) of the created, not yet started container init",
                  ["runtime", "median MiB", "min–max MiB"])
    for name, s in _rss_summary(rss).items():
        table.add(name, s["median_mib"], f"{s['min_mib']:.2f}–{s['max_mib']:.2f}")
    return table
