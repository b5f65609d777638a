"""config-linux.md Namespaces (and user namespace mappings, time offsets)."""
from __future__ import annotations

import os
import subprocess
import time

from lib.registry import case

MAPPING = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def namespaces(*types: str, **paths: str) -> list[dict]:
    out = [{"type": t} for t in types]
    out += [{"type": t, "path": p} for t, p in paths.items()]
    return out


def holder(ctx, flags: list[str]) -> int:
    """A host process sitting in fresh namespaces; returns the pid inside them."""
    proc = subprocess.Popen(["unshare", *flags, "--fork", "sleep", "60"], start_new_session=True)
    ctx.pids[proc.pid] = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                kids = f.read().split()
        except OSError:
            kids = []
        if kids:
            pid = int(kids[0])
            ctx.pids[pid] = None
            return pid
        time.sleep(0.01)
    ctx.require(False, "helper process in new namespaces started")
    return 0


@case("linux_ns_itype", "config-linux.md Namespaces: 'If path is not specified, the runtime MUST create a "
      "new container namespace of type type' (pid, network, mount, ipc, uts, user, cgroup)")
def linux_ns_itype(ctx):
    ctx.config["linux"]["namespaces"] = namespaces("pid", "network", "mount", "ipc", "uts", "user", "cgroup")
    ctx.config["linux"]["uidMappings"] = MAPPING
    ctx.config["linux"]["gidMappings"] = MAPPING
    ctx.run_checker()


@case("linux_ns_inherit", "config-linux.md Namespaces: 'If a namespace type is not specified in the "
      "namespaces array, the container MUST inherit the runtime namespace of that type'")
def linux_ns_inherit(ctx):
    ctx.config["linux"]["namespaces"] = namespaces("mount")
    del ctx.config["hostname"]
    ctx.config["mounts"] = [m for m in ctx.config["mounts"] if m["destination"] not in ("/sys", "/dev/mqueue")]
    ctx.run_checker()


def ns_new_case(kind: str) -> None:
    @case(f"linux_ns_new_{kind}", f"config-linux.md Namespaces: '{kind}' without path: 'the runtime MUST "
          f"create a new container namespace of type type'")
    def run(ctx):
        ns = ctx.config["linux"]["namespaces"]
        if kind == "time" and "time" not in ctx.host.ns_inodes:
            ctx.skip("the kernel has no time namespaces")
        if not any(n["type"] == kind for n in ns):
            ns.append({"type": kind})
        if kind == "user":
            ctx.config["linux"]["uidMappings"] = MAPPING
            ctx.config["linux"]["gidMappings"] = MAPPING
        ctx.run_checker()


for _kind in ("cgroup", "user", "time"):
    ns_new_case(_kind)


@case("linux_ns_path", "config-linux.md Namespaces: path: 'The runtime MUST place the container process in "
      "the namespace associated with that path'")
def linux_ns_path(ctx):
    pid = holder(ctx, ["--net", "--ipc", "--uts", "--pid", "--cgroup"])
    paths = {t: f"/proc/{pid}/ns/{n}" for t, n in
             (("network", "net"), ("ipc", "ipc"), ("uts", "uts"), ("pid", "pid"), ("cgroup", "cgroup"))}
    ctx.config["linux"]["namespaces"] = namespaces("mount", **paths)
    ctx.run_checker()


@case("linux_ns_path_type", "config-linux.md Namespaces: 'The runtime MUST generate an error if path is not "
      "associated with a namespace of type type'")
def linux_ns_path_type(ctx):
    pid = holder(ctx, ["--ipc"])
    ctx.config["linux"]["namespaces"] = namespaces("pid", "mount", "ipc", "uts", network=f"/proc/{pid}/ns/ipc")
    ctx.expect_error(ctx.create(), "create with a network namespace path naming an ipc namespace fails")


@case("linux_ns_duplicate_fail", "config-linux.md Namespaces: 'If a namespaces field contains duplicated "
      "namespaces with same type, the runtime MUST generate an error'")
def linux_ns_duplicate_fail(ctx):
    ctx.config["linux"]["namespaces"].append({"type": "pid"})
    ctx.expect_error(ctx.create(), "create with two pid namespaces fails")


@case("linux_uid_mappings", "config-linux.md User namespace mappings: uidMappings/gidMappings 'describes "
      "the user namespace uid mappings from the host to the container'")
def linux_uid_mappings(ctx):
    ctx.config["linux"]["namespaces"].append({"type": "user"})
    ctx.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 1000},
                                          {"containerID": 1000, "hostID": 300000, "size": 10}]
    ctx.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 2000}]
    ctx.config["process"]["user"] = {"uid": 1005, "gid": 1005}
    ctx.run_checker()
    ctx.check(True, "ownership of the rootfs is left alone")
    st = os.stat(os.path.join(ctx.bundle, "rootfs", "bin", "busybox"))
    ctx.check(st.st_uid == 0 and st.st_gid == 0, "the runtime did not chown the rootfs "
              "('SHOULD NOT modify the ownership of referenced filesystems')", f"{st.st_uid}:{st.st_gid}")


@case("linux_time_offsets", "config-linux.md Offset for Time Namespace: timeOffsets 'sets the offset for "
      "Time Namespace'")
def linux_time_offsets(ctx):
    if "time" not in ctx.host.ns_inodes:
        ctx.skip("the kernel has no time namespaces")
    ctx.config["linux"]["namespaces"].append({"type": "time"})
    ctx.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0},
                                          "boottime": {"secs": 3600, "nanosecs": 500}}
    ctx.run_checker()
