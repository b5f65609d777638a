"""The container process's attributes, computed from the Spec (pure).

Everything here is decided before the init forks, so that the init only
carries out numbers: no name look-ups, no imports, after pivot_root.
"""
from runc_py.linux.capabilities import CapabilitySets
from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.rlimit_names import RLIMITS

PER_LINUX = 0x0000
PER_LINUX32 = 0x0008
PERSONALITY_DOMAINS = {"LINUX": PER_LINUX, "LINUX32": PER_LINUX32}

IOPRIO_CLASSES = {"IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3}
IOPRIO_CLASS_SHIFT = 13

SCHED_POLICIES = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
                  "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6}
SCHED_FLAGS = {"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02,
               "SCHED_FLAG_DL_OVERRUN": 0x04, "SCHED_FLAG_KEEP_POLICY": 0x08,
               "SCHED_FLAG_KEEP_PARAMS": 0x10, "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20,
               "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40}



def capability_mask(names) -> int:
    """Names this kernel interface does not know are left out: runtime-spec
    1.2 has them logged as warnings (validation does) rather than fail."""
    mask = 0
    for name in names or ():
        if name in CAPABILITIES:
            mask |= 1 << CAPABILITIES[name]
    return mask


def capability_sets(caps) -> CapabilitySets:
    """A config without `capabilities` gets none at all, as runc does.

    The kernel raises an ambient capability only when it is both permitted
    and inheritable; runc leaves out the others without a word (its own
    `runc spec` lists ambient capabilities but no inheritable ones), and so
    do we - the set is the intersection, never wider than asked."""
    if caps is None:
        return CapabilitySets(0, 0, 0, 0, 0)
    permitted, inheritable = capability_mask(caps.permitted), capability_mask(caps.inheritable)
    return CapabilitySets(capability_mask(caps.bounding), capability_mask(caps.effective), permitted,
                          inheritable, capability_mask(caps.ambient) & permitted & inheritable)


RLIM_INFINITY = -1  # Python's resource.RLIM_INFINITY; config.json writes it as 2**64 - 1


def rlimit_values(rlimits) -> list[tuple[int, int, int]]:
    def value(v: int) -> int:
        return RLIM_INFINITY if v >= 2**63 else v

    return [(RLIMITS[r.type], value(r.soft), value(r.hard)) for r in rlimits or ()]


def parse_cpu_list(text: str) -> set[int]:
    """"0-3,7" -> {0, 1, 2, 3, 7} (the kernel's cpu list syntax)."""
    cpus: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def ioprio_value(io_priority) -> int:
    return IOPRIO_CLASSES[io_priority.class_] << IOPRIO_CLASS_SHIFT | (io_priority.priority or 0)


def sched_flags(names) -> int:
    value = 0
    for name in names or ():
        value |= SCHED_FLAGS[name]
    return value


def sched_args(scheduler) -> dict | None:
    """process.scheduler as keyword arguments of linux.sys.sched_setattr."""
    if scheduler is None:
        return None
    return {"policy": SCHED_POLICIES[scheduler.policy], "flags": sched_flags(scheduler.flags),
            "nice": scheduler.nice or 0, "priority": scheduler.priority or 0,
            "runtime": scheduler.runtime or 0, "deadline": scheduler.deadline or 0,
            "period": scheduler.period or 0}


def process_fields(proc, capabilities) -> dict:
    """The fields of a ProcessContext that come straight from a runtime-spec
    `process` (the container's, or an exec's with its own `capabilities`)."""
    user = proc.user
    affinity = proc.exec_cpu_affinity
    return {
        "caps": capability_sets(capabilities),
        "rlimits": rlimit_values(proc.rlimits),
        "args": list(proc.args),
        "env": list(proc.env or ()),
        "cwd": proc.cwd,
        "uid": user.uid if user else 0,
        "gid": user.gid if user else 0,
        "additional_gids": list(user.additional_gids or ()) if user else [],
        "umask": user.umask if user else None,
        "no_new_privileges": bool(proc.no_new_privileges),
        "oom_score_adj": proc.oom_score_adj,
        "ioprio": ioprio_value(proc.io_priority) if proc.io_priority else None,
        "sched": sched_args(proc.scheduler),
        "cpu_affinity": parse_cpu_list(affinity.final) if affinity and affinity.final else None,
        "console_size": proc.console_size,
    }
