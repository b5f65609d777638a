"""bench/run: parse the command line, run the benchmarks, always clean up."""
from __future__ import annotations

import argparse
import json
import signal
import sys

from . import lifecycle, proc, scale, startup, validate
from .bundle import make_bundle
from .discover import discover, probe_containers
from .hostinfo import host_header, render_header
from .proc import StepFailed
from .runtimes import BASELINE, candidates
from .session import Session

ORDER = ["lifecycle", "startup", "scale", "validate"]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description=(
        "runc-py measured against runc and crun, side by side, in one run"))
    p.add_argument("benchmark", choices=ORDER + ["all"])
    p.add_argument("-n", "--rounds", type=int, default=30,
                   help="interleaved rounds for lifecycle, startup and validate (30)")
    p.add_argument("--warmup", type=int, default=1, help="discarded rounds first (1)")
    p.add_argument("--count", type=int, default=50, help="scale: containers created at once (50)")
    p.add_argument("--list-count", type=int, default=200, help="scale: containers present for `list` (200)")
    p.add_argument("--jobs", type=int, default=50, help="scale: launching threads (50)")
    p.add_argument("--scale-rounds", type=int, default=3, help="scale: repetitions, runtimes in turn (3)")
    p.add_argument("--runtime", action="append", default=[], metavar="NAME=PATH",
                   help="add a runtime or move one; a runtime named here must work")
    p.add_argument("--runtimes", type=lambda s: s.split(","), metavar="A,B",
                   help="take part only these (runc must be among them)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds before a step is killed (60)")
    p.add_argument("--json", metavar="FILE", help="write raw samples, summaries and the header here")
    args = p.parse_args(argv)
    if min(args.rounds, args.count, args.list_count, args.jobs, args.scale_rounds) < 1 or args.warmup < 0:
        p.error("counts must be positive")
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for sig in STOP_SIGNALS[1:]:
        signal.signal(sig, _interrupt)
    proc.become_subreaper()
    session = Session(args.timeout)
    report: dict = {"status": "running", "token": session.token, "workdir": session.workdir,
                    "benchmarks": {}}
    status = 0
    try:
        status = _run(args, session, report)
    except StepFailed as e:
        report.update(status="failed", error=str(e), stderr=e.stderr)
        print(e.report(), file=sys.stderr, flush=True)
        status = 1
    except KeyboardInterrupt:
        report["status"] = "interrupted"
        print("bench: interrupted; cleaning up", file=sys.stderr, flush=True)
        status = 130
    except BaseException as e:                      # a bug in the bench: still clean up
        report.update(status="bench error", error=repr(e))
        raise
    finally:
        for sig in STOP_SIGNALS:        # a second Ctrl-C must not cut the cleanup short
            signal.signal(sig, signal.SIG_IGN)
        forced, remaining = session.cleanup()
        report["cleanup"] = {"removed_by_bench": forced, "remaining": remaining}
        if forced:
            print("bench: FAILED: left behind by the runtimes, removed by the bench:\n" + _brief(forced),
                  file=sys.stderr)
        if remaining:
            print("bench: FAILED: STILL ON THE MACHINE after cleanup:\n" + _brief(remaining),
                  file=sys.stderr)
        if (forced or remaining) and status == 0:
            report["status"], status = "failed", 1
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
                f.write("\n")
    return status


def _brief(lines: list[str], limit: int = 12) -> str:
    shown = ["  " + line for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"  … and {len(lines) - limit} more (all of them in --json)")
    return "\n".join(shown)


def _run(args: argparse.Namespace, session: Session, report: dict) -> int:
    wanted = candidates(args.runtime, args.runtimes)
    skipped = discover(session, wanted)
    runc = next(rt for rt in session.runtimes if rt.name == BASELINE)
    err = session.scratch("err")
    bundle = make_bundle(session.path("bundle"), runc.path, err, args=["/bin/true"])
    probe_containers(session, bundle)
    report["header"] = host_header(session.runtimes, skipped)
    report["options"] = vars(args)
    print(render_header(report["header"]), flush=True)
    for number, name in enumerate(ORDER if args.benchmark == "all" else [args.benchmark]):
        if number:
            for change in probe_containers(session, bundle):
                print(f"\n{change}", flush=True)
        running = [rt for rt in session.runtimes if rt.runs_containers]
        if name == "lifecycle":
            data, tables = lifecycle.run(session, running, args.rounds, args.warmup, bundle)
        elif name == "startup":
            data, tables = startup.run(session, session.runtimes, args.rounds, args.warmup, bundle)
        elif name == "scale":
            data, tables = scale.run(session, running, args.count, args.list_count, args.jobs,
                                     args.scale_rounds, bundle)
        else:
            config_bundle = make_bundle(session.path("spec-bundle"), runc.path, err)
            runcpy = next((rt.path for rt in wanted if rt.name == "runc-py"), None)
            data, tables = validate.run(session, runcpy, args.rounds, config_bundle)
        data["runtimes_running_containers"] = [rt.name for rt in running]
        report["benchmarks"][name] = data
        for table in tables:
            print("\n" + table.render(), flush=True)
    report["status"] = "ok"
    return 0
