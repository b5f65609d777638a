"""`conformance/run`: run the cases against each runtime, one after another."""
from __future__ import annotations

import argparse
import ctypes
import fnmatch
import importlib
import os
import sys
import tempfile
import time
import traceback

from . import cleanup, host as hostmod
from .bundle import RootfsTemplate
from .context import CaseContext, CaseFailed, CaseSkipped, reap_children
from .registry import CASES, Case
from .report import CaseResult, table, tap_line, totals, write_json
from .runtime import Runtime

PR_SET_CHILD_SUBREAPER = 36


def load_cases() -> list[Case]:
    import cases  # conformance/cases, on sys.path via conformance/run
    for area in cases.AREAS:
        importlib.import_module(f"cases.{area}")
    return list(CASES)


def select(all_cases: list[Case], patterns: list[str]) -> list[Case]:
    if not patterns:
        return all_cases
    return [c for c in all_cases
            if any(fnmatch.fnmatchcase(c.name, p) or p in c.name for p in patterns)]


def run_case(c: Case, rt: Runtime, host: hostmod.Host, template: RootfsTemplate,
             workdir: str, token: str) -> CaseResult:
    roots = host.cgroup_roots()
    before = cleanup.cgroup_dirs(roots)
    started = time.monotonic()
    ctx = CaseContext(c.name, rt, host, template, workdir, token)
    status, reason, extra = "PASS", "", []
    try:
        c.func(ctx)
    except CaseSkipped as exc:
        status, reason = "SKIP", str(exc)
    except CaseFailed:
        pass
    except Exception as exc:  # a crashing runtime must not break the harness
        extra = [f"case raised {type(exc).__name__}: {exc}",
                 *traceback.format_exc().strip().splitlines()[-3:]]
    finally:
        notes = tidy(ctx, before, roots, token)
    failures = [f"{what}: {detail}" if detail else what for ok, what, detail in ctx.checks if not ok]
    failures += extra
    if status != "SKIP" and failures:
        status, reason = "FAIL", failures[0]
    return CaseResult(
        case=c.name, spec=c.spec, status=status, reason=reason, failures=failures,
        passed_checks=sum(1 for ok, _, _ in ctx.checks if ok),
        failed_checks=sum(1 for ok, _, _ in ctx.checks if not ok),
        cleanup_notes=notes, seconds=time.monotonic() - started,
    )


def tidy(ctx: CaseContext, before: set[str], roots: list[str], token: str) -> list[str]:
    """Undo whatever the case left; say what the harness (not the runtime) had to do."""
    notes = []
    for cid in dict.fromkeys(reversed(ctx.ids)):
        ctx.rt.call("delete", "--force", cid)
    reap_children()
    for pid, start_time in ctx.pids.items():
        if cleanup.kill_pid(pid, start_time):
            notes.append(f"killed container process {pid}")
    reap_children()
    new = {d for d in cleanup.cgroup_dirs(roots) - before if token in d}
    for d in cleanup.remove_cgroups(new):
        notes.append(f"removed cgroup {d}")
    reap_children()
    for point in cleanup.unmount_under(ctx.dir):
        notes.append(f"unmounted {point}")
    cleanup.remove_tree(ctx.dir)
    return notes


def runtime_names(exes: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for exe in exes:
        name = os.path.basename(exe)
        names[name if name not in names else exe] = exe
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="conformance/run", description=__doc__)
    ap.add_argument("runtimes", nargs="+", metavar="RUNTIME",
                    help="runtime executables (paths or names on PATH); the first one decides the exit status")
    ap.add_argument("--case", action="append", default=[], metavar="PATTERN",
                    help="run only cases whose name matches this glob or contains it (repeatable)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--timeout", type=float, default=10.0, metavar="S",
                    help="seconds allowed for each runtime call (default 10)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)

    cases = select(load_cases(), args.case)
    if args.list:
        for c in cases:
            print(f"{c.name}\t{c.spec}")
        return 0
    if os.geteuid() != 0:
        print("conformance/run must run as root", file=sys.stderr)
        return 2
    if not cases:
        print("no case matches", file=sys.stderr)
        return 2
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    host = hostmod.detect()
    names = runtime_names(args.runtimes)
    base = tempfile.mkdtemp(prefix="oct-")
    os.chmod(base, 0o755)  # a container root mapped to another host uid must reach its rootfs
    token = f"oct{os.getpid()}"
    results: dict[str, dict[str, CaseResult]] = {}
    leftovers: list[str] = []
    try:
        template = RootfsTemplate(os.path.join(base, "template"))
        for index, (name, exe) in enumerate(names.items()):
            root = os.path.join(base, f"root{index}")
            os.makedirs(root)
            try:
                rt = Runtime(exe, root, args.timeout)
            except FileNotFoundError as exc:
                print(f"conformance/run: {exc}", file=sys.stderr)
                return 2
            workdir = os.path.join(base, f"cases{index}")
            os.makedirs(workdir)
            print("TAP version 13")
            print(f"# runtime: {name} ({rt.exe}), --root {root}")
            print(f"1..{len(cases)}")
            per_case = results[name] = {}
            for number, c in enumerate(cases, 1):
                r = per_case[c.name] = run_case(c, rt, host, template, workdir, token)
                print(tap_line(number, r), flush=True)
            left = [d for d in os.listdir(root)]
            for cid in left:
                rt.call("delete", "--force", cid)
            if left:
                leftovers.append(f"{name}: containers left in --root: {', '.join(left)}")
    finally:
        cleanup.unmount_under(base)
        cleanup.remove_tree(base)

    print()
    print(table([c.name for c in cases], list(names), results))
    for note in leftovers:
        print(f"# {note}")
    first = next(iter(names))
    passed, failed, skipped = totals(results[first])
    if args.json:
        write_json(args.json, names, results, host_notes(host))
    print(f"{first}: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


def host_notes(host: hostmod.Host) -> list[str]:
    return [
        f"cgroup v1 controllers: {', '.join(sorted(host.cgroup_v1)) or 'none'}",
        f"cgroup2 controllers: {', '.join(host.v2_controllers) or 'none'}",
        f"AppArmor {'on' if host.apparmor else 'off'}, SELinux {'on' if host.selinux else 'off'}",
        f"bounding set {host.cap_bounding:016x}",
    ]
