"""runtime.md: state, create, start, kill, delete and the lifecycle."""
from __future__ import annotations

import os
import time

from lib import cleanup
from lib.context import reap_children
from lib.registry import case

from ._helpers import read, run_long, set_args, stop, wait_for_output


@case("default", "config.md/config-linux.md: the container's environment 'MUST be created "
      "according to the configuration in config.json' (runtime.md Lifecycle step 2), default config")
def default(ctx):
    ctx.run_checker()


@case("create", "runtime.md Create: 'MUST generate an error if it is not provided a path to the "
      "bundle and the container ID'; 'Upon successful completion ... status ... MUST be created'")
def create(ctx):
    ctx.write()
    ctx.expect_error(ctx.rt.call("create", "--bundle", ctx.bundle), "create without an id fails")
    ctx.require_ok(ctx.create(write=False), "create succeeds")
    doc, res = ctx.state()
    ctx.require(doc is not None, "state of the created container", res.describe())
    ctx.check(doc.get("status") == "created", "status is 'created'", f"status {doc.get('status')!r}")
    ctx.check(isinstance(doc.get("pid"), int) and doc["pid"] > 0, "pid is set when created", repr(doc.get("pid")))


@case("create_not_run", "runtime.md Create: 'all of the resources associated with the container "
      "MUST be created, however, the user-specified program MUST NOT be run at this time'")
def create_not_run(ctx):
    set_args(ctx.config, "sh", "-c", "echo user-program-ran")
    ctx.require_ok(ctx.create(), "create succeeds")
    time.sleep(0.3)
    ctx.check("user-program-ran" not in ctx.stdout(), "the user program has not run after create",
              ctx.stdout())
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.check(wait_for_output(ctx, "user-program-ran"), "the user program runs after start", ctx.stdout())


@case("create_duplicate_id", "runtime.md Create: 'If the ID provided is not unique ... MUST "
      "generate an error and a new container MUST NOT be created'")
def create_duplicate_id(ctx):
    ctx.require_ok(ctx.create(), "first create succeeds")
    first, _ = ctx.state()
    other = ctx.new_bundle("other")
    ctx.expect_error(ctx.create(bundle=other, config=ctx.config), "second create with the same id fails")
    doc, res = ctx.state()
    ctx.check(doc is not None and doc.get("pid") == first.get("pid")
              and doc.get("bundle") == first.get("bundle") and doc.get("status") == "created",
              "the first container is untouched", f"before {first}, after {doc}")


@case("start", "runtime.md Start: 'MUST generate an error if it is not provided the container ID'; "
      "'This operation MUST run the user-specified program'; 'status ... MUST be running'")
def start(ctx):
    ctx.expect_error(ctx.rt.call("start"), "start without an id fails")
    ctx.expect_error(ctx.start(cid=ctx.id + "-missing"), "start of a container that does not exist fails")
    run_long(ctx)
    stop(ctx)


@case("start_twice", "runtime.md Start: 'Attempting to start an already started container MUST have "
      "no effect on the container and MUST generate an error'")
def start_twice(ctx):
    before = run_long(ctx)
    ctx.expect_error(ctx.start(), "second start fails")
    time.sleep(0.2)
    doc, _ = ctx.state()
    ctx.check(doc is not None and doc.get("status") == "running" and doc.get("pid") == before.get("pid"),
              "the container keeps running, same pid", f"before {before}, after {doc}")
    ctx.check(ctx.stdout().count("ready") == 1, "the user program ran exactly once", ctx.stdout())
    stop(ctx)


@case("start_stopped", "runtime.md Start: 'Attempting to start an already started container MUST have "
      "no effect on the container and MUST generate an error' (container already stopped)")
def start_stopped(ctx):
    set_args(ctx.config, "sh", "-c", "echo once")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.expect_error(ctx.start(), "start of a stopped container fails")
    time.sleep(0.2)
    ctx.check(ctx.stdout().count("once") == 1, "the user program did not run again", ctx.stdout())


@case("state", "runtime.md Query State: 'MUST generate an error if it is not provided the ID'; "
      "'Attempting to query a container that does not exist MUST generate an error'; State fields")
def state(ctx):
    ctx.expect_error(ctx.rt.call("state"), "state without an id fails")
    ctx.expect_error(ctx.state(cid=ctx.id + "-missing")[1], "state of a container that does not exist fails")
    ctx.require_ok(ctx.create(), "create succeeds")
    doc, res = ctx.state()
    ctx.require(doc is not None, "state prints a JSON object", res.describe())
    ctx.check(isinstance(doc.get("ociVersion"), str) and doc["ociVersion"], "ociVersion is a non-empty string",
              repr(doc.get("ociVersion")))
    ctx.check(doc.get("id") == ctx.id, "id is the container id", repr(doc.get("id")))
    ctx.check(doc.get("status") == "created", "status is 'created'", repr(doc.get("status")))
    ctx.check(isinstance(doc.get("pid"), int) and doc["pid"] > 0, "pid is a positive int", repr(doc.get("pid")))
    ctx.check(doc.get("bundle") == ctx.bundle, "bundle is the absolute bundle path", repr(doc.get("bundle")))
    ctx.check(os.path.exists(f"/proc/{doc.get('pid')}"), "pid is a live process on the host")


@case("state_annotations", "runtime.md State: 'annotations (map, OPTIONAL) contains the list of "
      "annotations associated with the container'")
def state_annotations(ctx):
    ctx.config["annotations"] = {"org.example.conformance": "yes", "org.example.empty": ""}
    ctx.require_ok(ctx.create(), "create succeeds")
    doc, res = ctx.state()
    ctx.require(doc is not None, "state prints a JSON object", res.describe())
    ctx.check(doc.get("annotations") == ctx.config["annotations"], "state carries the config's annotations",
              repr(doc.get("annotations")))


@case("state_stopped", "runtime.md Kill: 'When the process in the container is stopped, irrespective of "
      "it being as a result of a kill operation or any other reason, the status ... MUST be stopped'")
def state_stopped(ctx):
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    doc = ctx.wait_status("stopped")
    ctx.require(doc is not None, "state reports 'stopped' after the process exits (before delete)")
    ctx.check(doc.get("id") == ctx.id and doc.get("bundle") == ctx.bundle, "stopped state keeps id and bundle",
              repr(doc))
    ctx.require_ok(ctx.delete(), "delete of the stopped container succeeds")
    ctx.expect_error(ctx.state()[1], "state fails once the container is deleted")


@case("kill", "runtime.md Kill: 'MUST generate an error if it is not provided the container ID'; "
      "'This operation MUST send the specified signal to the process in the container'")
def kill(ctx):
    ctx.expect_error(ctx.rt.call("kill"), "kill without an id fails")
    ctx.expect_error(ctx.kill("KILL", cid=ctx.id + "-missing"), "kill of a container that does not exist fails")
    run_long(ctx)
    ctx.require_ok(ctx.kill("TERM"), "kill TERM succeeds")
    ctx.check(ctx.wait_status("stopped") is not None, "the process exits on TERM (status 'stopped')")


@case("killsig", "runtime.md Kill: 'This operation MUST send the specified signal to the process in "
      "the container' (signals by name, SIG-prefixed name and number)")
def killsig(ctx):
    script = ("trap 'echo got-USR1' USR1; trap 'echo got-USR2' USR2; trap 'echo got-HUP' HUP; "
              "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done")
    set_args(ctx.config, "sh", "-c", script)
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(wait_for_output(ctx, "ready"), "the container process runs", ctx.stdout())
    for signal, seen in (("USR1", "got-USR1"), ("SIGUSR2", "got-USR2"), ("1", "got-HUP")):
        if ctx.expect_ok(ctx.kill(signal), f"kill {signal} succeeds"):
            ctx.check(wait_for_output(ctx, seen), f"the process received {signal}", ctx.stdout())
    ctx.require_ok(ctx.kill("KILL"), "kill KILL succeeds")
    ctx.check(ctx.wait_status("stopped") is not None, "KILL stops the container")


@case("kill_no_effect", "runtime.md Kill: 'Attempting to send a signal to a container that is not "
      "running MUST have no effect on the container and MUST generate an error'")
def kill_no_effect(ctx):
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    before = ctx.wait_status("stopped")
    ctx.require(before is not None, "state reaches 'stopped'")
    ctx.expect_error(ctx.kill("TERM"), "kill of a stopped container fails")
    after, _ = ctx.state()
    ctx.check(after is not None and after.get("status") == "stopped", "the container stays 'stopped'", repr(after))


@case("delete", "runtime.md Delete: 'MUST generate an error if it is not provided the container ID'; "
      "'Attempting to delete a container that does not exist MUST generate an error'")
def delete(ctx):
    ctx.expect_error(ctx.rt.call("delete"), "delete without an id fails")
    ctx.expect_error(ctx.delete(cid=ctx.id + "-missing"), "delete of a container that does not exist fails")
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.expect_ok(ctx.delete(), "delete of a stopped container succeeds")
    ctx.expect_error(ctx.state()[1], "state fails after delete")
    ctx.expect_ok(ctx.create(config=ctx.config), "the id can be used again after delete")


@case("delete_running", "runtime.md Delete: 'Attempting to delete a container whose process is still "
      "running MUST generate an error'")
def delete_running(ctx):
    before = run_long(ctx)
    ctx.expect_error(ctx.delete(), "delete without --force of a running container fails")
    doc, _ = ctx.state()
    ctx.check(doc is not None and doc.get("status") == "running" and doc.get("pid") == before.get("pid"),
              "the container keeps running", repr(doc))
    stop(ctx)


@case("delete_created", "runtime.md Delete: 'Attempting to delete a container whose process is still "
      "running MUST generate an error' (the process of a created container exists and has not exited)")
def delete_created(ctx):
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.expect_error(ctx.delete(), "delete without --force of a created container fails")


@case("delete_resources", "runtime.md Delete: 'Deleting a container MUST delete the resources that were "
      "created during the create step'")
def delete_resources(ctx):
    path = ctx.cgroups_path()
    ctx.config["linux"]["cgroupsPath"] = path
    ctx.config["linux"]["resources"] = {"pids": {"limit": 100}}
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    pid = ctx.learn_pid(ctx.id)
    cg = ctx.host.cgroup_dir("pids", path)
    if cg is None:
        ctx.skip("no pids cgroup v1 hierarchy on this host")
    ctx.check(os.path.isdir(cg), "create made the container's cgroup", cg)
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.require_ok(ctx.delete(), "delete succeeds")
    ctx.check(not os.path.exists(cg), "delete removed the cgroup", cg)
    reap_children()
    ctx.check(pid is None or not cleanup.alive(pid, ctx.pids.get(pid)), "the container process is gone", str(pid))
    ctx.check(not os.path.exists(os.path.join(ctx.rt.root, ctx.id)), "no state is left under --root",
              str(os.listdir(ctx.rt.root)))


@case("delete_only_create_resources", "runtime.md Delete: 'resources associated with the container, "
      "but not created by this container, MUST NOT be deleted'")
def delete_only_create_resources(ctx):
    parent = ctx.cgroups_path("-pre")
    made = []
    for controller in ("pids", "memory", "cpu"):
        d = ctx.host.cgroup_dir(controller, parent)
        if d:
            os.makedirs(d, exist_ok=True)
            made.append(d)
    ctx.config["linux"]["cgroupsPath"] = parent + "/container"
    set_args(ctx.config, "true")
    ctx.require_ok(ctx.create(), "create succeeds")
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    ctx.require_ok(ctx.delete(), "delete succeeds")
    for d in made:
        ctx.check(os.path.isdir(d), "a pre-existing parent cgroup survives delete", d)
    keep = os.path.join(ctx.bundle, "rootfs", "mnt", "kept")
    ctx.check(read(os.path.join(ctx.bundle, "config.json")) != "", "the bundle's config.json survives delete")
    ctx.check(os.path.isdir(os.path.dirname(keep)), "the bundle's rootfs survives delete")
    for d in made:
        os.rmdir(d)


@case("config_updates_without_affect", "runtime.md Lifecycle step 2: 'Any updates to config.json after "
      "this step MUST NOT affect the container'")
def config_updates_without_affect(ctx):
    ctx.require_ok(ctx.create(), "create succeeds")
    changed = ctx.config
    set_args(changed, "sh", "-c", "echo config-change-took-effect")
    changed["process"]["env"].append("CHANGED=1")
    changed["hostname"] = "changed"
    from lib.bundle import write_config
    write_config(ctx.bundle, changed)
    ctx.require_ok(ctx.start(), "start succeeds")
    ctx.require(ctx.wait_status("stopped") is not None, "state reaches 'stopped'")
    out = ctx.stdout()
    ctx.check("config-change-took-effect" not in out, "the process is the one config.json named at create", out)
    ctx.add_tap(out)


@case("pidfile", "runtime.md State: pid 'is the ID of the container process, as seen by the host' "
      "(runc CLI: create --pid-file writes that pid)")
def pidfile(ctx):
    pid_file = os.path.join(ctx.dir, "container.pid")
    ctx.require_ok(ctx.create(pid_file=pid_file), "create --pid-file succeeds")
    doc, res = ctx.state()
    ctx.require(doc is not None, "state of the created container", res.describe())
    content = read(pid_file).strip()
    ctx.check(content == str(doc.get("pid")), "the pid file holds the state's pid",
              f"file {content!r}, state pid {doc.get('pid')!r}")
