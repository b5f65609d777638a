"""Small building blocks shared by the cases."""
from __future__ import annotations

import os
import time

# A process that stays up until told otherwise; TERM makes it exit 0
# (PID 1 in a pid namespace ignores signals it has no handler for).
LONG_RUNNING = ["sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done"]


def set_args(config: dict, *args: str) -> dict:
    config["process"]["args"] = list(args)
    return config


def wait_for_output(ctx, text: str, bundle: str | None = None, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in ctx.stdout(bundle):
            return True
        time.sleep(0.02)
    return False


def run_long(ctx, config: dict | None = None) -> dict:
    """Create and start a long-running container; the state once it runs."""
    config = config if config is not None else ctx.config
    set_args(config, *LONG_RUNNING)
    ctx.require_ok(ctx.create(config=config), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(wait_for_output(ctx, "ready"), "the container process runs", ctx.stdout())
    doc = ctx.wait_status("running")
    ctx.require(doc is not None, "state reports 'running'")
    return doc


def stop(ctx, cid: str | None = None) -> None:
    ctx.kill("KILL", cid)
    ctx.wait_status("stopped", cid)


def read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def ns_inode(pid: int, kind: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/{kind}").st_ino
    except OSError:
        return None
