"""Decide which runtimes take part (see the policies in runtimes.py)."""
from __future__ import annotations

import os

from .proc import StepFailed, run_timed
from .runtimes import Runtime, python_flags_of, python_of
from .session import Session


def discover(session: Session, candidates: list[Runtime]) -> list[dict]:
    """Adopt every runtime whose --version works into the session; return the
    skipped ones with the reason. Raises StepFailed for a required runtime."""
    skipped = []
    for rt in candidates:
        try:
            rt.version_text = _version(session, rt)
        except StepFailed as e:
            if rt.policy == "required":
                raise
            skipped.append({"name": rt.name, "path": rt.path, "reason": _reason(e)})
            continue
        rt.version = rt.version_text.splitlines()[0] if rt.version_text else "(--version printed nothing)"
        rt.python = python_of(rt.path)
        rt.python_flags = python_flags_of(rt.path)
        session.adopt(rt)
    return skipped


def probe_containers(session: Session, bundle: str) -> list[str]:
    """Mark the "if-runs" runtimes that refuse to run a container here now;
    return a line for each whose answer changed since the last probe (crun's
    depends on the controllers the cgroup2 mount lists, which other work on
    the host can change)."""
    changes = []
    for rt in session.runtimes:
        if rt.policy == "if-runs":
            before = rt.runs_containers
            _probe(session, rt, bundle)
            if rt.runs_containers != before:
                changes.append(f"{rt.name} now " + ("runs containers" if rt.runs_containers
                                                    else f"refuses: {rt.refusal}"))
    return changes


def _version(session: Session, rt: Runtime) -> str:
    if not os.access(rt.path, os.X_OK):
        raise StepFailed(rt.name, "--version", [rt.path], "no executable at this path")
    done = run_timed([rt.path, "--version"], who=rt.name, step="--version",
                     err_path=session.scratch("err"), out_path=session.scratch("out"),
                     timeout=session.timeout)
    return done.stdout.strip()


def _probe(session: Session, rt: Runtime, bundle: str) -> None:
    """One create + delete; a refusal leaves the runtime out of container benchmarks."""
    cid = session.new_id(rt, "probe")
    rt.runs_containers, rt.refusal = True, ""
    try:
        session.create(rt, cid, bundle, step="probe create")
    except StepFailed as e:
        rt.runs_containers, rt.refusal = False, _reason(e)
        session.delete(rt, cid, step="probe delete", check=False)
        return
    session.delete(rt, cid, step="probe delete")
    session.release_reaped()


def _reason(e: StepFailed) -> str:
    words = e.stderr.strip().splitlines()
    return f"{e.step}: {e.detail}" + (f": {words[-1].strip()}" if words else "")
