"""Everything a container process needs, decided by the parent before fork.

The child carries out these facts; it looks nothing up by name and imports
nothing once it is inside the container's root.  `ProcessContext` is what
the container's init and an exec'd process share (the process the user
asked for); each adds what only it needs.
"""
from runc_py.linux.capabilities import CapabilitySets
from runc_py.linux.namespaces import NamespacePlan
from runc_py.record import Record


class ProcessContext(Record):
    container_id: str
    join_targets: list            # [(type, fd, index)] opened by the parent
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
    ioprio: int | None
    sched: dict | None            # keyword args of linux.sys.sched_setattr
    cpu_affinity: set | None      # execCPUAffinity.final
    new_keyring: bool
    preserve_fds: int
    console_fd: int | None        # console socket or run's own proxy, when process.terminal
    console_size: object = None      # process.consoleSize
    personality: int | None = None  # linux.personality: the init's alone
    seccomp: object = None           # a runc_py.linux.seccomp prepared filter
    seccomp_listener_fd: int | None = None  # connected to linux.seccomp.listenerPath
    seccomp_payload: bytes = b""  # the container process state for the agent
    apparmor_profile: str | None = None
    selinux_label: str | None = None
    lsm: object = None               # labels prepared by the child itself


class InitContext(ProcessContext):
    ns_plan: NamespacePlan
    rootfs_plan: object              # runc_py.plan.rootfs.RootfsPlan
    no_pivot: bool
    hostname: str | None
    domainname: str | None
    fifo_fd: int                  # exec FIFO, opened O_RDONLY|O_NONBLOCK by the parent
    waiter_fd: int | None = None  # sealed memfd of the waiter (runc_py.process.waiter)
    uid_mappings: tuple = ()
    gid_mappings: tuple = ()
    time_offsets: object = None
    seccomp_metadata: str | None = None
    hooks_create_container: tuple = ()
    hooks_start_container: tuple = ()
    hook_state: "Callable[[str, int], bytes] | None" = None
