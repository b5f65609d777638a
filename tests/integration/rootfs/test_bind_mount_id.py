"""mount_id across a real bind mount, in a forked child's own mount
namespace: the id changes, and stays the one fdinfo and mountinfo give."""
import json
import os

import pytest

from rootfs_child import CLONE_NEWNS
from runc_py.linux import mounts
from runc_py.linux import sys as lsys
from runc_py.plan.mount_options import MS_BIND, MS_PRIVATE, MS_REC


def _in_new_mount_namespace(work) -> dict:
    """Run `work()` in a child with its own mount namespace; its result
    comes back as JSON, an exception as {"error": text}."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            lsys.unshare(CLONE_NEWNS)
            lsys.mount(None, "/", None, MS_PRIVATE | MS_REC, None)
            out = work()
        except BaseException as err:  # noqa: B036 - reported to the parent
            out = {"error": repr(err)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(data)


def test_mount_id_changes_across_a_bind_mount(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("mounting needs root")
    target = str(tmp_path)

    def work():
        fd = os.open(target, os.O_PATH | os.O_CLOEXEC)
        before = (mounts.mount_id(fd), mounts._fdinfo_mount_id(fd))
        mounts.mount_on_fd(target, fd, None, MS_BIND, None)
        after_fd = os.open(target, os.O_PATH | os.O_CLOEXEC)
        after = (mounts.mount_id(after_fd), mounts._fdinfo_mount_id(after_fd))
        old = mounts.mount_id(fd)  # the fd taken before still sees the mount underneath
        entry = mounts.mount_point_of(target)
        return {"before": before, "after": after, "old": old, "mountinfo": entry.mount_id}

    out = _in_new_mount_namespace(work)
    assert "error" not in out, out["error"]
    assert out["before"][0] == out["before"][1]
    assert out["after"][0] == out["after"][1]
    assert out["after"][0] != out["before"][0]
    assert out["old"] == out["before"][0]
    assert out["mountinfo"] == out["after"][0]
    assert target not in {m.mount_point for m in mounts.read_mountinfo()}  # the bind died with the child
