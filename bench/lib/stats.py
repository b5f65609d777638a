"""Summaries of samples: medians and spreads, in milliseconds."""
from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize_ns(samples_ns: list[int]) -> dict:
    """Median, p10/p90 and quartiles of wall times given in ns, as ms."""
    ms = [s / 1e6 for s in samples_ns]
    return {
        "n": len(ms),
        "median_ms": round(percentile(ms, 50), 3),
        "p10_ms": round(percentile(ms, 10), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "q1_ms": round(percentile(ms, 25), 3),
        "q3_ms": round(percentile(ms, 75), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None
