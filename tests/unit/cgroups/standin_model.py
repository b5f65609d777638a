"""The Spec model's resource classes for the cgroup tests.

runc_py.spec.model is being written in parallel; when it is importable the
tests use it, otherwise these stand-ins with the same class and attribute
names (frozen, keyword-built, absent = None).  Delete the stand-ins once the
model is committed."""
from dataclasses import dataclass


@dataclass(frozen=True)
class LinuxDeviceRule:
    allow: bool
    type: str | None = None
    major: int | None = None
    minor: int | None = None
    access: str | None = None


@dataclass(frozen=True)
class LinuxDevice:
    path: str
    type: str
    major: int | None = None
    minor: int | None = None


@dataclass(frozen=True)
class LinuxMemory:
    limit: int | None = None
    reservation: int | None = None
    swap: int | None = None
    kernel: int | None = None
    kernel_tcp: int | None = None
    swappiness: int | None = None
    disable_oom_killer: bool | None = None
    use_hierarchy: bool | None = None
    check_before_update: bool | None = None


@dataclass(frozen=True)
class LinuxCPU:
    shares: int | None = None
    quota: int | None = None
    burst: int | None = None
    period: int | None = None
    realtime_runtime: int | None = None
    realtime_period: int | None = None
    cpus: str | None = None
    mems: str | None = None
    idle: int | None = None


@dataclass(frozen=True)
class LinuxPids:
    limit: int | None = None


@dataclass(frozen=True)
class LinuxWeightDevice:
    major: int
    minor: int
    weight: int | None = None
    leaf_weight: int | None = None


@dataclass(frozen=True)
class LinuxThrottleDevice:
    major: int
    minor: int
    rate: int


@dataclass(frozen=True)
class LinuxBlockIO:
    weight: int | None = None
    leaf_weight: int | None = None
    weight_device: tuple | None = None
    throttle_read_bps_device: tuple | None = None
    throttle_write_bps_device: tuple | None = None
    throttle_read_iops_device: tuple | None = None
    throttle_write_iops_device: tuple | None = None


@dataclass(frozen=True)
class LinuxHugepageLimit:
    page_size: str
    limit: int


@dataclass(frozen=True)
class LinuxInterfacePriority:
    name: str
    priority: int


@dataclass(frozen=True)
class LinuxNetwork:
    class_id: int | None = None
    priorities: tuple | None = None


@dataclass(frozen=True)
class LinuxResources:
    devices: tuple | None = None
    memory: LinuxMemory | None = None
    cpu: LinuxCPU | None = None
    pids: LinuxPids | None = None
    block_io: LinuxBlockIO | None = None
    hugepage_limits: tuple | None = None
    network: LinuxNetwork | None = None
    rdma: dict | None = None
    unified: dict | None = None


try:
    from runc_py.spec.model import (  # noqa: F811 - the real model wins
        LinuxBlockIO, LinuxCPU, LinuxDevice, LinuxDeviceRule, LinuxHugepageLimit,
        LinuxInterfacePriority, LinuxMemory, LinuxNetwork, LinuxPids, LinuxResources,
        LinuxThrottleDevice, LinuxWeightDevice)
except ImportError:
    pass
