"""Start-up cost of single commands, and the import profile of Python runtimes."""
from __future__ import annotations

from . import importtime, proc
from .compare import steps_table, summarize_steps
from .session import Session
from .table import Table

# (label, arguments, needs a created container). Container commands get the
# private --root in front; signal 0 checks the container without touching it.
COMMANDS = [
    ("--version", ("--version",), False),
    ("state", ("state", "{id}"), True),
    ("list", ("list",), True),
    ("kill 0", ("kill", "{id}", "0"), True),
]
# Commands a container engine calls on every container, so their imports matter.
HOT = {"state", "list", "kill 0", "start", "delete"}
PROFILE_ROUNDS = 3


def run(session: Session, runtimes: list, rounds: int, warmup: int, bundle: str) -> tuple[dict, list[Table]]:
    ids = {}
    for rt in runtimes:
        if rt.runs_containers:
            ids[rt.name] = session.new_id(rt, "su")
            session.create(rt, ids[rt.name], bundle)
    samples = {rt.name: {label: [] for label, _, needs in COMMANDS if rt.runs_containers or not needs}
               for rt in runtimes}
    for n in range(warmup + rounds):
        for label, args, needs in COMMANDS:
            for rt in runtimes:
                if needs and not rt.runs_containers:
                    continue
                ns = _command(session, rt, label, args, needs, ids.get(rt.name)).ns
                if n >= warmup:
                    samples[rt.name][label].append(ns)
    for rt in runtimes:
        if rt.name in ids:
            session.state(rt, ids[rt.name], expect="created", step="state after kill 0")
            session.delete(rt, ids[rt.name])
    session.assert_clean("startup")
    summaries = summarize_steps(samples)
    tables = [steps_table(f"startup: single commands on a created container, {rounds} interleaved rounds",
                          summaries, [label for label, _, _ in COMMANDS], first="command")]
    profiles = {}
    for rt in runtimes:
        if rt.python and rt.runs_containers:
            profiles[rt.name] = _profile(session, rt, bundle)
            tables.append(_profile_table(rt, profiles[rt.name]))
    return {"rounds": rounds, "warmup": warmup, "samples_ns": samples, "summary": summaries,
            "import_profiles": profiles}, tables


def _command(session: Session, rt, label: str, args: tuple[str, ...], needs: bool,
             cid: str | None, via: tuple[str, ...] = ()):
    if not needs:
        return proc.run_timed([*via, rt.path, *args], who=rt.name, step=label,
                              err_path=session.scratch("err"), timeout=session.timeout)
    return session.run(rt, label, *(a.format(id=cid) for a in args), via=via)


def _profile(session: Session, rt, bundle: str) -> dict:
    """`python -X importtime` on the runtime's entry point, for each command of a
    container's life, PROFILE_ROUNDS times; the median round per command."""
    via = (rt.python, *rt.python_flags, "-X", "importtime")
    runs: dict[str, list[dict]] = {}

    def record(label: str) -> None:
        runs.setdefault(label, []).append(importtime.summarize_file(session.scratch("err")))

    for _ in range(PROFILE_ROUNDS):
        cid = session.new_id(rt, "prof")
        for label, args, needs in COMMANDS:
            if not needs:
                _command(session, rt, label, args, needs, None, via=via)
                record(label)
        _, pid = session.create(rt, cid, bundle, step="create (importtime)", via=via)
        record("create")
        for label, args, needs in COMMANDS:
            if needs:
                _command(session, rt, label, args, needs, cid, via=via)
                record(label)
        session.run(rt, "start (importtime)", "start", cid, via=via)
        record("start")
        session.wait_stopped(rt, pid)
        session.delete(rt, cid, step="delete (importtime)", via=via)
        record("delete")
    session.assert_clean(f"import profile of {rt.name}")
    return {label: dict(importtime.median_profile(p), hot=label in HOT) for label, p in runs.items()}


def _profile_table(rt, profiles: dict[str, dict]) -> Table:
    table = Table(f"import profile of {rt.name} (python -X importtime, median of {PROFILE_ROUNDS})",
                  ["command", "import ms", "modules", "top packages (self ms)", "heavy imports"],
                  "heavy imports on hot commands (state, list, kill, start, delete) are marked !!")
    for label, p in profiles.items():
        heavy = ", ".join(p["heavy"]) or "-"
        if p["hot"] and p["heavy"]:
            heavy = "!! " + heavy
        table.add(label, p["total_ms"], p["modules"], importtime.render_top(p), heavy)
    return table
