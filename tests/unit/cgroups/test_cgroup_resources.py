"""Which controllers a spec asks for, kernel-memory warnings, and the
systemd driver's refusal on a host without systemd."""
import pytest
from runc_py.spec.model import LinuxBlockIO, LinuxCPU, LinuxMemory, LinuxPids, LinuxResources

from runc_py.linux.cgroups import CgroupError
from runc_py.linux.cgroups.resources import kernel_memory_warnings, rdma_line, required_controllers
from runc_py.linux.cgroups.systemd import require_systemd_driver, systemd_running


def test_required_controllers_v1_and_v2():
    r = LinuxResources(memory=LinuxMemory(swappiness=10), cpu=LinuxCPU(cpus="0"), pids=LinuxPids(limit=3),
                       block_io=LinuxBlockIO(weight=100))
    assert [c for c, _ in required_controllers(r, v2=False)] == ["memory", "cpuset", "pids", "blkio", "devices"]
    assert [c for c, _ in required_controllers(r, v2=True)] == ["memory", "cpuset", "pids", "io"]
    assert required_controllers(None, v2=False) == [("devices", "linux.resources.devices")]
    assert required_controllers(LinuxResources(memory=LinuxMemory()), v2=True) == []


def test_kernel_memory_is_ignored_with_a_warning():
    assert kernel_memory_warnings(LinuxResources(memory=LinuxMemory(kernel=1 << 20))) != []
    assert kernel_memory_warnings(LinuxResources(memory=LinuxMemory(limit=1 << 20))) == []


def test_rdma_line():
    assert rdma_line("mlx5_1", {"hca_handles": 3}) == "mlx5_1 hca_handle=3 hca_object=max"


def test_systemd_probe(tmp_path):
    comm = tmp_path / "comm"
    comm.write_text("systemd\n")
    assert systemd_running(str(tmp_path), str(comm))
    assert not systemd_running(str(tmp_path / "absent"), str(comm))
    comm.write_text("init\n")
    assert not systemd_running(str(tmp_path), str(comm))
    with pytest.raises(CgroupError) as e:
        require_systemd_driver(run_dir=str(tmp_path), pid1_comm=str(comm))
    assert "systemd is not running on this host" in e.value.msg
    comm.write_text("systemd\n")
    require_systemd_driver(run_dir=str(tmp_path), pid1_comm=str(comm))  # running: the driver goes on
