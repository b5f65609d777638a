"""Run prepare_rootfs + finish_rootfs in a forked child in fresh namespaces,
then a busybox shell script inside the result; no runtime lifecycle needed.

The child unshares mount, pid, ipc, uts and network namespaces (plus cgroup
if the config asks), forks once more so the grandchild is PID 1 (for a
correct /proc), builds the rootfs and execs `/bin/busybox sh -c SCRIPT`.
Its stdout+stderr come back through a pipe; an exception becomes a line
"ERROR: <text>" and exit status 99.
"""
import os
import shutil
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from helpers import make_rootfs
from runc_py.linux import sys as lsys
from runc_py.linux.rootfs import finish_rootfs, prepare_rootfs
from runc_py.plan.rootfs import plan_rootfs
from runc_py.spec.defaults import default_config
from runc_py.spec.load import spec_from_dict

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000


class NoImportsAfterPivot:
    """A module found after pivot_root would come from the container's
    files: any import that is not already loaded fails the run."""

    def find_spec(self, name, path=None, target=None):
        raise ImportError(f"import of {name} after pivot_root")


@dataclass
class Result:
    status: int
    output: str


def config(**linux) -> dict:
    """`runc spec`'s config (root read-write unless told), linux.* overridden."""
    doc = default_config()
    doc["process"]["terminal"] = False
    doc["root"]["readonly"] = False
    doc["linux"].pop("resources")
    doc["linux"].update(linux)
    return doc


def make_bundle(path: Path) -> Path:
    make_rootfs(path / "rootfs")
    return path


def host_mount_points() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f}


def run(bundle: Path, doc: dict, script: str, *, no_pivot: bool = False, before_pivot=None,
        user_namespace_base: int | None = None) -> Result:
    """With `user_namespace_base`, the child first enters a new user
    namespace in which root is host uid/gid `base` (65536 ids mapped), as a
    runtime does for `linux.namespaces` "user" (or as a runtime that itself
    runs in a user namespace)."""
    plan = plan_rootfs(spec_from_dict(doc), str(bundle))
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET
    if any(ns["type"] == "cgroup" for ns in doc["linux"]["namespaces"]):
        flags |= CLONE_NEWCGROUP
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        status = 99
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            if user_namespace_base is not None:
                lsys.unshare(CLONE_NEWUSER)
                os.write(ready_w, b"x")
                if os.read(go_r, 1) != b"x":
                    raise RuntimeError("no id maps written")
                # become the namespace's root (the maps do not change our own ids)
                lsys.setresgid(0)
                lsys.setgroups([])
                lsys.setresuid(0)
            lsys.unshare(flags)
            init = os.fork()
            if init:
                _, st = os.waitpid(init, 0)
                status = os.waitstatus_to_exitcode(st)
            else:
                prepare_rootfs(plan, no_pivot=no_pivot, before_pivot=before_pivot)
                sys.meta_path.insert(0, NoImportsAfterPivot())
                finish_rootfs(plan)
                os.execv("/bin/busybox", ["sh", "-c", script])
        except BaseException as err:
            os.write(2, f"ERROR: {err}\n{traceback.format_exc()}".encode())
        finally:
            os._exit(status)
    for fd in (w, ready_w, go_r):
        os.close(fd)
    if user_namespace_base is not None and os.read(ready_r, 1) == b"x":
        for kind in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{kind}", "w") as f:
                f.write(f"0 {user_namespace_base} 65536\n")
        os.write(go_w, b"x")
    os.close(ready_r)
    os.close(go_w)
    chunks = []
    with os.fdopen(r, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            chunks.append(chunk)
    _, st = os.waitpid(pid, 0)
    return Result(os.waitstatus_to_exitcode(st), b"".join(chunks).decode(errors="replace"))


def remove_bundle(bundle: Path, mounts_before: set[str]) -> None:
    """Remove the bundle, but only once nothing of ours is mounted on the
    host (a leaked bind mount would let rmtree reach outside it).  Other
    tests may mount elsewhere meanwhile: only new mounts under /tmp that are
    not another runtime's count."""
    leaked = {p for p in host_mount_points() - mounts_before
              if p.startswith(str(bundle)) or p.startswith("/tmp/victim")}
    assert not leaked, f"mounts leaked to the host: {sorted(leaked)}"
    shutil.rmtree(bundle)
