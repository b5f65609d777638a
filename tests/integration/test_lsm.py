"""LSM labels.  This host runs neither AppArmor nor SELinux (CONVENTIONS.md),
so the kernel refuses every label write (EINVAL): the tests check the clear
errors runc-py gives instead, the writes themselves against attr files in a
temporary directory, and, on the real procfs, the two kernel facts the
design rests on (an attr file opened before pivot_root keeps working after
/proc is replaced; only the task that opened it may write it)."""
import errno
import os

import pytest

from runc_py.errors import RuncPyError
from runc_py.linux import lsm
from runc_py.linux import sys as rsys

pytestmark = pytest.mark.integration

CLONE_NEWNS = 0x00020000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18


def fake_proc(tmp_path, *, per_lsm_dir: bool):
    """A stand-in for /proc/thread-self with empty attr files."""
    attr = tmp_path / "proc" / "attr"
    (attr / "apparmor").mkdir(parents=True) if per_lsm_dir else attr.mkdir(parents=True)
    (attr / "exec").write_bytes(b"")
    if per_lsm_dir:
        (attr / "apparmor" / "exec").write_bytes(b"")
    return tmp_path / "proc"


# --- this host ---------------------------------------------------------------------

def test_this_host_runs_neither_lsm():
    assert lsm.apparmor_enabled() is False
    assert lsm.selinux_enabled() is False
    # ...which is why the label writes are tested on temporary files: the real one refuses
    with open("/proc/thread-self/attr/exec", "wb", buffering=0) as attr, pytest.raises(OSError) as info:
        attr.write(b"exec unconfined")
    assert info.value.errno == errno.EINVAL


def test_apparmor_profile_without_apparmor_is_a_clear_error():
    with pytest.raises(RuncPyError) as info:
        lsm.prepare_exec_label("runc-py-default", None)
    assert str(info.value) == "process.apparmorProfile: AppArmor is not enabled on this host"


def test_selinux_label_without_selinux_is_a_clear_error():
    with pytest.raises(RuncPyError) as info:
        lsm.prepare_exec_label(None, "system_u:system_r:container_t:s0:c1,c2")
    assert str(info.value) == "process.selinuxLabel: SELinux is not enabled on this host"


def test_mount_label_without_selinux_is_dropped():
    assert lsm.mount_label_option("system_u:object_r:container_file_t:s0") is None


@pytest.mark.parametrize("profile, label", [(None, None), ("", "")])
def test_no_label_means_nothing_to_do(profile, label):
    prepared = lsm.prepare_exec_label(profile, label)
    assert prepared.writes == ()
    lsm.apply_exec_label(prepared)


# --- the writes, on temporary attr files ----------------------------------------------

def test_apparmor_writes_exec_command_to_the_per_lsm_file(tmp_path):
    proc = fake_proc(tmp_path, per_lsm_dir=True)
    lsm.apply_exec_label(lsm.prepare_exec_label("runc-py-default", None, apparmor=True, proc_self=str(proc)))
    assert (proc / "attr" / "apparmor" / "exec").read_bytes() == b"exec runc-py-default"
    assert (proc / "attr" / "exec").read_bytes() == b""


def test_apparmor_falls_back_to_the_shared_file_on_older_kernels(tmp_path):
    proc = fake_proc(tmp_path, per_lsm_dir=False)
    lsm.apply_exec_label(lsm.prepare_exec_label("unconfined", None, apparmor=True, proc_self=str(proc)))
    assert (proc / "attr" / "exec").read_bytes() == b"exec unconfined"


def test_selinux_writes_the_bare_context(tmp_path):
    proc = fake_proc(tmp_path, per_lsm_dir=True)
    label = "system_u:system_r:container_t:s0:c1,c2"
    lsm.apply_exec_label(lsm.prepare_exec_label(None, label, selinux=True, proc_self=str(proc)))
    assert (proc / "attr" / "exec").read_bytes() == label.encode()


def test_apply_needs_no_path_and_closes_the_files(tmp_path):
    """Prepared, then the tree moves away (as the host /proc does at
    pivot_root): the write still lands, through the fds opened before."""
    proc = fake_proc(tmp_path, per_lsm_dir=True)
    prepared = lsm.prepare_exec_label("p", "system_u:system_r:container_t:s0", apparmor=True, selinux=True,
                                      proc_self=str(proc))
    proc.rename(tmp_path / "moved")
    lsm.apply_exec_label(prepared)
    assert (tmp_path / "moved" / "attr" / "apparmor" / "exec").read_bytes() == b"exec p"
    assert (tmp_path / "moved" / "attr" / "exec").read_bytes() == b"system_u:system_r:container_t:s0"
    for write in prepared.writes:
        with pytest.raises(OSError) as info:
            os.fstat(write.fd)
        assert info.value.errno == errno.EBADF


def test_missing_attr_file_is_reported_with_the_field(tmp_path):
    with pytest.raises(RuncPyError) as info:
        lsm.prepare_exec_label(None, "system_u:system_r:container_t:s0", selinux=True, proc_self=str(tmp_path))
    assert str(info.value).startswith(f"process.selinuxLabel: opening {tmp_path}/attr/exec: No such file")


def test_a_failed_second_label_closes_the_first(tmp_path):
    proc = fake_proc(tmp_path, per_lsm_dir=True)
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(RuncPyError) as info:
        lsm.prepare_exec_label("p", "bad\nlabel", apparmor=True, selinux=True, proc_self=str(proc))
    assert str(info.value).startswith("process.selinuxLabel:")
    assert set(os.listdir("/proc/self/fd")) == before


# --- mountLabel --------------------------------------------------------------------------

def test_mount_label_option_quotes_the_context():
    assert lsm.mount_label_option("system_u:object_r:container_file_t:s0:c1,c2", selinux=True) == \
        'context="system_u:object_r:container_file_t:s0:c1,c2"'
    assert lsm.mount_label_option(None, selinux=True) is None


def test_mount_label_cannot_inject_options():
    with pytest.raises(RuncPyError) as info:
        lsm.mount_label_option('s0",uid=0,"', selinux=True)
    assert str(info.value).startswith("linux.mountLabel:")


def test_features_say_runc_py_supports_both():
    assert lsm.lsm_features() == {"apparmor": {"enabled": True}, "selinux": {"enabled": True}}


# --- the kernel facts the design rests on, on the real procfs -----------------------------

def run_in_child(body) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            code = body()
        except BaseException as exc:  # noqa: BLE001 - reported through the exit code
            os.write(2, f"child: {exc!r}\n".encode())
            code = 127
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_prepared_label_reaches_the_kernel_after_proc_is_replaced():
    """Open before, then a new mount namespace with a tmpfs over /proc (what
    pivot_root does to the host /proc): the write still goes to this task's
    real attr file, which the LSM-less kernel answers with EINVAL -- not a
    write into the tmpfs, not ENOENT."""
    def body():
        prepared = lsm.prepare_exec_label("p", None, apparmor=True)
        rsys.unshare(CLONE_NEWNS)
        rsys.mount(None, "/", None, MS_REC | MS_PRIVATE)
        rsys.mount("tmpfs", "/proc", "tmpfs", 0)
        try:
            lsm.apply_exec_label(prepared)
        except OSError as err:
            return 10 if err.errno == errno.EINVAL and "apparmor profile 'p'" in str(err) else 11
        return 12
    assert run_in_child(body) == 10


def test_only_the_opening_task_may_write_an_attr_file():
    """Why the init must prepare in the thread that execs: another task
    writing through the same fd is refused before any LSM is asked (EPERM
    on this 6.18 kernel, where an LSM-less write by the owner gets EINVAL;
    older kernels said EACCES)."""
    with open("/proc/thread-self/attr/exec", "wb", buffering=0) as attr:
        def body():
            try:
                os.write(attr.fileno(), b"exec p")
            except OSError as err:
                return 10 if err.errno in (errno.EPERM, errno.EACCES) else 11
            return 12
        assert run_in_child(body) == 10
