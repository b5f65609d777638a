"""mount_id: statx(2)'s STATX_MNT_ID is the mount id /proc/self/fdinfo
gives, and the fdinfo read still answers where the kernel reports none."""
import errno
import os

import pytest

from runc_py.linux import mounts
from runc_py.linux import sys as lsys

# Files on different mounts (the root, procfs, sysfs, devtmpfs, the tmpdir's).
PATHS = ["/", "/proc/self", "/sys", "/dev/null"]


@pytest.fixture
def fds(tmp_path):
    (tmp_path / "file").write_text("x")
    opened = [os.open(p, os.O_PATH | os.O_CLOEXEC) for p in PATHS + [str(tmp_path / "file")]]
    opened.append(os.open(str(tmp_path / "file"), os.O_RDONLY | os.O_CLOEXEC))
    yield opened
    for fd in opened:
        os.close(fd)


def test_statx_mount_id_is_the_fdinfo_one(fds):
    ids = [lsys.mount_id(fd) for fd in fds]
    assert ids == [mounts._fdinfo_mount_id(fd) for fd in fds]
    assert [mounts.mount_id(fd) for fd in fds] == ids
    assert len(set(ids[:4])) == 4  # four different mounts, told apart


def test_fdinfo_answers_when_statx_reports_no_mount_id(fds, monkeypatch):
    expected = [lsys.mount_id(fd) for fd in fds]
    monkeypatch.setattr(lsys, "mount_id", lambda fd: None)
    assert [mounts.mount_id(fd) for fd in fds] == expected


def test_bad_fd_names_the_call_and_the_reason():
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    with pytest.raises(OSError) as info:
        lsys.mount_id(r)
    assert info.value.errno == errno.EBADF
    assert info.value.strerror == f"statx {r}: bad file descriptor"
