"""Many containers at once: concurrent create, list, concurrent delete, and `list`
with a crowd present; then proof that nothing is left."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from .compare import steps_table, summarize_steps
from .proc import StepFailed
from .session import Session
from .table import Table

LIST_REPEATS = 5


def run(session: Session, runtimes: list, count: int, list_count: int, jobs: int, rounds: int,
        bundle: str) -> tuple[dict, list[Table]]:
    samples = {rt.name: {} for rt in runtimes}
    for _ in range(rounds):
        for rt in runtimes:
            for step, ns in _crowd(session, rt, count, jobs, bundle, list_repeats=1).items():
                samples[rt.name].setdefault(step, []).extend(ns)
            for step, ns in _crowd(session, rt, list_count, jobs, bundle, LIST_REPEATS).items():
                if step.startswith("list"):
                    samples[rt.name].setdefault(step, []).extend(ns)
    summaries = summarize_steps(samples)
    steps = list(next(iter(samples.values())))
    note = (f"{jobs} launching threads; 'each' = wall time of each runtime process under that load; "
            f"the list with {list_count} present is timed {LIST_REPEATS}× per round; "
            "after every phase: no state dir, process, mount or cgroup left")
    table = steps_table(f"scale: {count} containers at once, {rounds} round(s)", summaries, steps, note)
    return {"count": count, "list_count": list_count, "jobs": jobs, "rounds": rounds,
            "samples_ns": samples, "summary": summaries}, [table]


def _crowd(session: Session, rt, count: int, jobs: int, bundle: str, list_repeats: int) -> dict[str, list[int]]:
    """Create `count` containers concurrently, list them, delete them concurrently."""
    ids = [session.new_id(rt, "sc") for _ in range(count)]
    out: dict[str, list[int]] = {}
    total, each = _concurrently(jobs, lambda cid: session.create(rt, cid, bundle)[0], ids)
    out.update({f"create {count} (total)": [total], "create (total/N)": [total // count],
                "create (each)": each})
    out[f"list ({count} present)"] = [_list(session, rt, ids) for _ in range(list_repeats)]
    total, each = _concurrently(jobs, lambda cid: session.delete(rt, cid).ns, ids)
    out.update({f"delete {count} (total)": [total], "delete (total/N)": [total // count],
                "delete (each)": each})
    session.assert_clean(f"scale: {rt.name} deleting {count} containers")
    return out


def _list(session: Session, rt, ids: list[str]) -> int:
    done = session.run(rt, "list", "list", capture=True)
    missing = [cid for cid in ids if cid not in done.stdout]
    if missing:
        raise StepFailed(rt.name, "list", rt.argv("list"),
                         f"{len(missing)} of {len(ids)} containers missing, e.g. {missing[0]}")
    return done.ns


def _concurrently(jobs: int, fn, items: list) -> tuple[int, list[int]]:
    """Run fn over items on a pool of `jobs` threads: (total wall ns, each result).
    On a failure or Ctrl-C the queued calls are dropped and the running ones
    finish (each is bounded by the step timeout) before the error propagates."""
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(items)))
    try:
        t0 = time.perf_counter_ns()
        futures = [pool.submit(fn, item) for item in items]
        results = [f.result() for f in futures]
        total = time.perf_counter_ns() - t0
    except BaseException:
        while True:      # let the running launches finish, even through more Ctrl-Cs,
            try:         # so that the cleanup sees every container that was made
                pool.shutdown(wait=True, cancel_futures=True)
                break
            except KeyboardInterrupt:
                continue
        raise
    pool.shutdown(wait=True)
    return total, results
