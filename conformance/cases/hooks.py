"""config.md POSIX-platform Hooks and runtime.md Lifecycle steps for hooks."""
from __future__ import annotations

import json
import os
import time

from lib.registry import case

from ._helpers import read, set_args, wait_for_output


def hook(ctx, tag: str, *, fail: bool = False, sleep: int = 0, timeout: int | None = None,
         env: list[str] | None = None) -> dict:
    """A host hook that appends '<tag> <mnt ns inode>' to <bundle>/output and
    saves the state it was given on stdin as <bundle>/stdin-<tag>.json."""
    b = ctx.bundle
    script = (f"cat > {b}/stdin-{tag}.json; "
              f"echo \"{tag} $(stat -L -c %i /proc/self/ns/mnt) ${{key1:-}}\" >> {b}/output")
    if sleep:
        script += f"; exec sleep {sleep}"  # exec: aborting the hook ends the sleep too
    if fail:
        script += "; exit 1"
    entry = {"path": "/bin/sh", "args": ["sh", "-c", script]}
    if timeout is not None:
        entry["timeout"] = timeout
    if env is not None:
        entry["env"] = env
    return entry


def output_tags(ctx) -> list[str]:
    return [line.split()[0] for line in read(os.path.join(ctx.bundle, "output")).splitlines() if line.strip()]


def output_fields(ctx, tag: str) -> list[str]:
    for line in read(os.path.join(ctx.bundle, "output")).splitlines():
        fields = line.split()
        if fields and fields[0] == tag:
            return fields
    return []


def hook_state(ctx, tag: str) -> dict | None:
    try:
        return json.loads(read(os.path.join(ctx.bundle, f"stdin-{tag}.json")))
    except ValueError:
        return None


def host_mnt(ctx) -> str:
    return str(ctx.host.ns_inodes["mount"])


@case("prestart", "config.md Prestart: 'The prestart hooks MUST be called as part of the create operation "
      "after the runtime environment has been created ... but before the pivot_root'; 'MUST be executed "
      "in the runtime namespace'")
def prestart(ctx):
    ctx.config["hooks"] = {"prestart": [hook(ctx, "prestart")]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.check(output_tags(ctx) == ["prestart"], "the prestart hook ran during create", str(output_tags(ctx)))
    fields = output_fields(ctx, "prestart")
    ctx.check(fields[1:2] == [host_mnt(ctx)], "the prestart hook ran in the runtime mount namespace", str(fields))


@case("create_runtime_hook", "config.md CreateRuntime Hooks: 'MUST be called as part of the create "
      "operation'; 'MUST be executed in the runtime namespace'; prestart 'MUST be called before the "
      "createRuntime hooks'")
def create_runtime_hook(ctx):
    ctx.config["hooks"] = {"prestart": [hook(ctx, "prestart")], "createRuntime": [hook(ctx, "createRuntime")]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.check(output_tags(ctx) == ["prestart", "createRuntime"],
              "prestart then createRuntime ran during create", str(output_tags(ctx)))
    ctx.check(output_fields(ctx, "createRuntime")[1:2] == [host_mnt(ctx)],
              "createRuntime ran in the runtime mount namespace", str(output_fields(ctx, "createRuntime")))


@case("create_container_hook", "config.md CreateContainer Hooks: 'MUST be called after the createRuntime "
      "hooks'; 'MUST be executed in the container namespace'")
def create_container_hook(ctx):
    ctx.config["hooks"] = {"createRuntime": [hook(ctx, "createRuntime")],
                           "createContainer": [hook(ctx, "createContainer")]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.check(output_tags(ctx) == ["createRuntime", "createContainer"],
              "createRuntime then createContainer ran during create", str(output_tags(ctx)))
    pid = ctx.learn_pid(ctx.id)
    want = str(os.stat(f"/proc/{pid}/ns/mnt").st_ino) if pid else "?"
    ctx.check(output_fields(ctx, "createContainer")[1:2] == [want],
              "createContainer ran in the container's mount namespace",
              f"{output_fields(ctx, 'createContainer')} vs container {want}")


@case("start_container_hook", "config.md StartContainer Hooks: 'MUST be called before the user-specified "
      "process is executed as part of the start operation'; path 'MUST resolve in the container namespace'")
def start_container_hook(ctx):
    # /bin/sh here is the container's busybox; the file lands in the container's /tmp.
    ctx.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer > /tmp/start-container-ran"]}]}
    set_args(ctx.config, "sh", "-c", "cat /tmp/start-container-ran || echo missing")
    ctx.require_ok(ctx.create(), "create succeeds")
    marker = os.path.join(ctx.bundle, "rootfs", "tmp", "start-container-ran")
    ctx.check(not os.path.exists(marker), "startContainer did not run during create")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.check(wait_for_output(ctx, "startContainer"), "startContainer ran before the user process",
              ctx.stdout())


@case("poststart", "config.md Poststart: 'The poststart hooks MUST be called after the user-specified "
      "process is executed but before the start operation returns'")
def poststart(ctx):
    ctx.config["hooks"] = {"poststart": [hook(ctx, "poststart")]}
    set_args(ctx.config, "sh", "-c", "echo user-process; sleep 1")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.check(output_tags(ctx) == [], "poststart did not run during create", str(output_tags(ctx)))
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.check(output_tags(ctx) == ["poststart"], "poststart ran before start returned", str(output_tags(ctx)))
    ctx.check(output_fields(ctx, "poststart")[1:2] == [host_mnt(ctx)],
              "poststart ran in the runtime mount namespace", str(output_fields(ctx, "poststart")))


@case("poststop", "config.md Poststop: 'The poststop hooks MUST be called after the container is deleted "
      "but before the delete operation returns'")
def poststop(ctx):
    ctx.config["hooks"] = {"poststop": [hook(ctx, "poststop")]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.check(output_tags(ctx) == [], "poststop did not run before delete", str(output_tags(ctx)))
    ctx.require_ok(ctx.delete(), "delete succeeds")
    ctx.check(output_tags(ctx) == ["poststop"], "poststop ran before delete returned", str(output_tags(ctx)))


@case("hooks", "config.md Hooks: 'Hooks MUST be called in the listed order'; runtime.md Lifecycle "
      "(prestart, createRuntime, createContainer during create; poststart during start; poststop at delete)")
def hooks(ctx):
    ctx.config["hooks"] = {
        "prestart": [hook(ctx, "prestart1"), hook(ctx, "prestart2")],
        "createRuntime": [hook(ctx, "createRuntime1"), hook(ctx, "createRuntime2")],
        "createContainer": [hook(ctx, "createContainer")],
        "poststart": [hook(ctx, "poststart1"), hook(ctx, "poststart2")],
        "poststop": [hook(ctx, "poststop1"), hook(ctx, "poststop2")],
    }
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.require_ok(ctx.delete(), "delete succeeds")
    want = ["prestart1", "prestart2", "createRuntime1", "createRuntime2", "createContainer",
            "poststart1", "poststart2", "poststop1", "poststop2"]
    ctx.check(output_tags(ctx) == want, "every hook ran once, in the listed order", str(output_tags(ctx)))


@case("hooks_stdin", "config.md Hooks: 'The state of the container MUST be passed to hooks over stdin'")
def hooks_stdin(ctx):
    kinds = ("prestart", "createRuntime", "createContainer", "poststart", "poststop")
    ctx.config["hooks"] = {k: [hook(ctx, k)] for k in kinds}
    ctx.config["annotations"] = {"org.example.hooks": "stdin"}
    set_args(ctx.config, "sh", "-c", "sleep 0.5")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.require_ok(ctx.delete(), "delete succeeds")
    for k in kinds:
        st = hook_state(ctx, k)
        if not ctx.check(isinstance(st, dict), f"{k} hook got a JSON state on stdin",
                         read(os.path.join(ctx.bundle, f"stdin-{k}.json"))[:200]):
            continue
        ctx.check(st.get("id") == ctx.id, f"{k} state has the container id", repr(st.get("id")))
        ctx.check(st.get("bundle") == ctx.bundle, f"{k} state has the bundle path", repr(st.get("bundle")))
        ctx.check(bool(st.get("ociVersion")), f"{k} state has ociVersion", repr(st))
        ctx.check(st.get("annotations") == ctx.config["annotations"], f"{k} state has the annotations",
                  repr(st.get("annotations")))
        if k == "poststart":
            ctx.check(isinstance(st.get("pid"), int) and st["pid"] > 0, "poststart state has the pid", repr(st))


@case("hooks_env", "config.md Hooks: env 'with the same semantics as IEEE Std 1003.1-2008's environ'")
def hooks_env(ctx):
    ctx.config["hooks"] = {"createRuntime": [hook(ctx, "createRuntime", env=["key1=value1"])]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.check(output_fields(ctx, "createRuntime")[2:3] == ["value1"], "the hook sees its env",
              str(output_fields(ctx, "createRuntime")))


@case("prestart_fail", "runtime.md Lifecycle: 'If any prestart hook fails, the runtime MUST generate an "
      "error, stop the container, and continue the lifecycle'")
def prestart_fail(ctx):
    ctx.config["hooks"] = {"prestart": [hook(ctx, "prestart", fail=True)]}
    set_args(ctx.config, "sh", "-c", "echo user-process-ran")
    created = ctx.create()
    started = ctx.start() if created.ok else None
    ctx.check(not created.ok or (started is not None and not started.ok),
              "create or start reports the failed prestart hook",
              (started or created).describe())
    time.sleep(0.3)
    ctx.check("user-process-ran" not in ctx.stdout(), "the user process never runs", ctx.stdout())
    doc, _ = ctx.state()
    ctx.check(doc is None or doc.get("status") == "stopped", "the container is stopped or gone", repr(doc))


@case("create_runtime_fail", "runtime.md Lifecycle: 'If any createRuntime hook fails, the runtime MUST "
      "generate an error, stop the container, and continue the lifecycle'")
def create_runtime_fail(ctx):
    ctx.config["hooks"] = {"createRuntime": [hook(ctx, "createRuntime", fail=True)]}
    set_args(ctx.config, "sh", "-c", "echo user-process-ran")
    ctx.expect_error(ctx.create(), "create fails")
    ctx.check("user-process-ran" not in ctx.stdout(), "the user process never runs", ctx.stdout())
    doc, _ = ctx.state()
    ctx.check(doc is None or doc.get("status") == "stopped", "the container is stopped or gone", repr(doc))


@case("poststart_fail", "runtime.md Lifecycle: 'If any poststart hook fails, the runtime MUST log a "
      "warning, but the remaining hooks and lifecycle continue as if the hook had succeeded'")
def poststart_fail(ctx):
    ctx.config["hooks"] = {"poststart": [hook(ctx, "poststart1", fail=True), hook(ctx, "poststart2")]}
    set_args(ctx.config, "sh", "-c", "echo user-process-ran; sleep 0.5")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.expect_ok(ctx.start(), "start succeeds despite the failing poststart hook")
    ctx.check(output_tags(ctx) == ["poststart1", "poststart2"], "the remaining poststart hook ran",
              str(output_tags(ctx)))
    ctx.check(wait_for_output(ctx, "user-process-ran"), "the user process ran", ctx.stdout())


@case("poststop_fail", "runtime.md Lifecycle: 'If any poststop hook fails, the runtime MUST log a "
      "warning, but the remaining hooks and lifecycle continue as if the hook had succeeded'")
def poststop_fail(ctx):
    ctx.config["hooks"] = {"poststop": [hook(ctx, "poststop1", fail=True), hook(ctx, "poststop2")]}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.expect_ok(ctx.delete(), "delete succeeds despite the failing poststop hook")
    ctx.check(output_tags(ctx) == ["poststop1", "poststop2"], "the remaining poststop hook ran",
              str(output_tags(ctx)))
    ctx.expect_error(ctx.state()[1], "the container is gone after delete")


@case("hooks_timeout", "config.md Hooks: 'timeout (int, OPTIONAL) is the number of seconds before "
      "aborting the hook'")
def hooks_timeout(ctx):
    ctx.config["hooks"] = {"createRuntime": [hook(ctx, "createRuntime", sleep=30, timeout=1)]}
    set_args(ctx.config, "true")
    began = time.monotonic()
    res = ctx.create()
    took = time.monotonic() - began
    ctx.check(not res.timed_out and took < 8, "the hook is aborted after its timeout", f"create took {took:.1f} s")
    ctx.expect_error(res, "create reports the aborted hook")
