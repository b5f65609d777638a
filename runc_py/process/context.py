"""Everything the container init needs, decided by the parent before fork.

The init carries out these facts; it looks nothing up by name and imports
nothing once it has pivoted into the container's root.
"""
from dataclasses import dataclass, field
from typing import Any, Callable

from runc_py.linux.capabilities import CapabilitySets
from runc_py.linux.namespaces import NamespacePlan


@dataclass
class InitContext:
    container_id: str
    ns_plan: NamespacePlan
    join_targets: list            # [(type, fd, index)] opened by the parent
    rootfs_plan: Any              # runc_py.plan.rootfs.RootfsPlan
    no_pivot: bool
    caps: CapabilitySets
    last_cap: int
    rlimits: list                 # [(resource, soft, hard)]
    args: list[str]
    env: list[str]
    cwd: str
    uid: int
    gid: int
    additional_gids: list[int]
    umask: int | None
    no_new_privileges: bool
    oom_score_adj: int | None
    personality: int | None
    ioprio: int | None
    sched: dict | None            # keyword args of linux.sys.sched_setattr
    cpu_affinity: set | None      # execCPUAffinity.final
    hostname: str | None
    domainname: str | None
    new_keyring: bool
    preserve_fds: int
    fifo_fd: int                  # exec FIFO, opened O_RDONLY|O_NONBLOCK by the parent
    console_fd: int | None        # connected --console-socket, when process.terminal
    console_size: Any = None      # process.consoleSize
    uid_mappings: tuple = ()
    gid_mappings: tuple = ()
    time_offsets: Any = None
    seccomp: Any = None           # a runc_py.linux.seccomp prepared filter
    seccomp_listener_fd: int | None = None  # connected to linux.seccomp.listenerPath
    seccomp_metadata: str | None = None
    seccomp_payload: bytes = b""  # the container process state for the agent
    apparmor_profile: str | None = None
    selinux_label: str | None = None
    lsm: Any = None               # labels prepared by the init itself
    hooks_create_container: tuple = ()
    hooks_start_container: tuple = ()
    hook_state: Callable[[str, int], bytes] | None = None
    keep_fds: list = field(default_factory=list)
