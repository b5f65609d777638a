"""The cost of runc-py's config validation, in runc-py's own interpreter."""
from __future__ import annotations

import json
import os

from . import importtime
from .compare import steps_table, summarize_steps
from .proc import StepFailed, describe_status, read_tail, run_timed
from .runtimes import python_of
from .session import Session
from .table import Table

MODULE = "runc_py.spec.load"
MISSING = 3
# Exit MISSING only when the module (or a package above it) is absent; a module
# that exists but fails to import is a failure, not a skip.
FIND = """
import importlib.util, sys
module = {module!r}
try:
    found = importlib.util.find_spec(module) is not None
except ModuleNotFoundError as e:
    if not e.name or not (module == e.name or module.startswith(e.name + ".")):
        raise
    found = False
sys.exit(0 if found else {missing})
""".format(module=MODULE, missing=MISSING)
# Only sys and time are imported before the timed import, so that what the
# module pulls in (json, re, a schema library…) is counted.
LOAD = """
import sys, time
t0 = time.perf_counter_ns()
from {module} import load_config
t1 = time.perf_counter_ns()
load_config(sys.argv[1])
t2 = time.perf_counter_ns()
warm = []
for _ in range({warm}):
    a = time.perf_counter_ns()
    load_config(sys.argv[1])
    warm.append(time.perf_counter_ns() - a)
import json
print(json.dumps({{"import_ns": t1 - t0, "first_ns": t2 - t1, "warm_ns": warm}}))
"""
WARM_CALLS = 20


def run(session: Session, runcpy_path: str | None, rounds: int, bundle: str) -> tuple[dict, list[Table]]:
    if runcpy_path is None:
        return _skipped("runc-py is not among --runtimes")
    python = python_of(runcpy_path)
    if python is None:
        return _skipped(f"runc-py is not installed at {runcpy_path} (no Python entry point there)")
    done = _python(session, python, "find " + MODULE, ["-c", FIND], check=False)
    if os.waitstatus_to_exitcode(done.status) == MISSING:
        return _skipped(f"{MODULE} does not exist yet (looked with {python})")
    if done.status != 0:
        raise StepFailed("runc-py (venv python)", "find " + MODULE, [python, "-c", "…"],
                         describe_status(done.status), read_tail(session.scratch("err")))

    profiles = []
    for _ in range(rounds):
        _python(session, python, "importtime", ["-X", "importtime", "-c", f"import {MODULE}"])
        profiles.append(importtime.summarize_file(session.scratch("err")))
    profile = importtime.median_profile(profiles)

    walls = {"python -c pass": [], f"python -c 'import {MODULE}'": []}
    loads = []
    for _ in range(rounds):
        walls["python -c pass"].append(_python(session, python, "pass", ["-c", "pass"]).ns)
        walls[f"python -c 'import {MODULE}'"].append(
            _python(session, python, "import", ["-c", f"import {MODULE}"]).ns)
        loads.append(_load(session, python, bundle))
    in_process = {"import (in process)": [l["import_ns"] for l in loads],
                  "load_config, first call": [l["first_ns"] for l in loads],
                  "load_config, warm call": [ns for l in loads for ns in l["warm_ns"]]}
    summary = summarize_steps({"runc-py": {**walls, **in_process}})["runc-py"]
    tables = [
        steps_table(f"validate: {MODULE} with runc spec's default config.json, {rounds} processes",
                    {"runc-py": summary}, list(walls) + list(in_process),
                    f"warm call = {WARM_CALLS} further calls in each process", first="measure"),
        _profile_table(profile),
    ]
    return {"python": python, "rounds": rounds, "import_profile": profile,
            "samples_ns": {**walls, **in_process}, "summary": summary}, tables


def _python(session: Session, python: str, step: str, args: list[str], check: bool = True,
            capture: bool = False):
    return run_timed([python, *args], who="runc-py (venv python)", step=step,
                     err_path=session.scratch("err"),
                     out_path=session.scratch("out") if capture else None,
                     timeout=session.timeout, check=check)


def _load(session: Session, python: str, bundle: str) -> dict:
    code = LOAD.format(module=MODULE, warm=WARM_CALLS)
    done = _python(session, python, "load_config", ["-c", code, bundle], capture=True)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StepFailed("runc-py (venv python)", "load_config", [python, "-c", "…", bundle],
                         f"unexpected output {done.stdout[:300]!r}") from None


def _profile_table(profile: dict) -> Table:
    table = Table(f"import profile of {MODULE} (python -X importtime, median run)",
                  ["import ms", "modules", "top packages (self ms)", "heavy imports"])
    table.add(profile["total_ms"], profile["modules"], importtime.render_top(profile),
              ", ".join(profile["heavy"]) or "-")
    return table


def _skipped(reason: str) -> tuple[dict, list[Table]]:
    table = Table("validate: skipped", ["reason"])
    table.add(reason)
    return {"skipped": reason}, [table]
