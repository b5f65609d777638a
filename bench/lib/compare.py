"""Side-by-side summaries: per runtime and step, the median, spread and ratio to runc."""
from __future__ import annotations

from .runtimes import BASELINE
from .stats import ratio, summarize_ns
from .table import Table, spread


def summarize_steps(samples: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, dict]]:
    """samples[runtime][step] = [ns…] -> summaries with `ratio_to_runc` of medians."""
    out = {name: {step: summarize_ns(ns) for step, ns in steps.items() if ns}
           for name, steps in samples.items()}
    base = out.get(BASELINE, {})
    for steps in out.values():
        for step, s in steps.items():
            s["ratio_to_runc"] = ratio(s["median_ms"], base[step]["median_ms"]) if step in base else None
    return out


def steps_table(title: str, summaries: dict[str, dict[str, dict]], steps: list[str],
                note: str = "", first: str = "step") -> Table:
    table = Table(title, [first, "runtime", "median ms", "p10–p90 ms", "×runc"], note)
    for step in steps:
        for name, by_step in summaries.items():
            if step in by_step:
                s = by_step[step]
                r = s["ratio_to_runc"]
                table.add(step, name, s["median_ms"], spread(s), None if r is None else f"{r:.2f}×")
    return table
