"""Creating and joining namespaces, and the id maps of a user namespace.

Order matters and follows the kernel's rules: a namespace given by `path`
is joined with setns (the user namespace first, since joining it first is
what gives us the capabilities to join the ones it owns); the new ones are
made with a single unshare, so that when a user namespace is among them it
owns all the others.  pid and time namespaces apply to children only: the
process that unshares them must fork once more (the container's PID 1).
"""
import os

from runc_py.errors import RuncPyError, describe_os_error
from runc_py.linux import sys as linux_sys
from runc_py.linux.namespace_types import NAMESPACES

# Joining order for namespaces given by path: user first (see above),
# mount last (joining a mount namespace changes how later paths resolve).
_JOIN_ORDER = ("user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount")


class NamespacePlan:
    """What a config asks for: `join` lists (type, path) in joining order,
    `new_flags` is the CLONE_NEW* mask to unshare."""

    __slots__ = ("join", "new_flags", "new_types")

    def __init__(self, namespaces) -> None:
        by_type = {ns.type: (i, ns) for i, ns in enumerate(namespaces or ())}
        self.join = [(t, by_type[t][1].path, by_type[t][0])
                     for t in _JOIN_ORDER if t in by_type and by_type[t][1].path]
        self.new_types = frozenset(t for t, (_, ns) in by_type.items() if not ns.path)
        self.new_flags = 0
        for t in self.new_types:
            self.new_flags |= NAMESPACES[t][0]

    def creates(self, ns_type: str) -> bool:
        return ns_type in self.new_types


def open_join_targets(plan: NamespacePlan) -> list[tuple[str, int, int]]:
    """Open every namespace path before joining any (after joining the mount
    namespace the other paths would resolve elsewhere).  Returns
    (type, fd, index in linux.namespaces)."""
    fds = []
    try:
        for ns_type, path, index in plan.join:
            try:
                fds.append((ns_type, os.open(path, os.O_RDONLY | os.O_CLOEXEC), index))
            except OSError as err:
                raise RuncPyError(f"open {ns_type} namespace {path}: {describe_os_error(err)}",
                                  path=f"linux.namespaces[{index}].path") from None
    except BaseException:
        for _, fd, _ in fds:
            os.close(fd)
        raise
    return fds


def join_namespaces(targets: list[tuple[str, int, int]]) -> None:
    for ns_type, fd, index in targets:
        try:
            linux_sys.setns(fd, NAMESPACES[ns_type][0], ns_type)
        except OSError as err:
            raise RuncPyError(f"join {ns_type} namespace: {err.strerror}",
                              path=f"linux.namespaces[{index}].path") from None
        finally:
            os.close(fd)


def unshare_namespaces(flags: int) -> None:
    if flags:
        try:
            linux_sys.unshare(flags)
        except OSError as err:
            raise RuncPyError(f"create namespaces: {err.strerror}", path="linux.namespaces") from None


def format_id_map(mappings) -> bytes:
    return "".join(f"{m.container_id} {m.host_id} {m.size}\n" for m in mappings).encode()


def write_id_maps(pid: int, uid_mappings, gid_mappings) -> None:
    """Written by the parent, which is outside the new user namespace: the
    kernel lets only a process with CAP_SETUID/CAP_SETGID in the parent
    namespace write maps that are not the writer's own ids."""
    for name, mappings in (("uid_map", uid_mappings), ("gid_map", gid_mappings)):
        path = f"/proc/{pid}/{name}"
        try:
            with open(path, "wb", buffering=0) as f:
                f.write(format_id_map(mappings))
        except OSError as err:
            field = "linux.uidMappings" if name == "uid_map" else "linux.gidMappings"
            raise RuncPyError(f"write {path}: {err.strerror}", path=field) from None


def write_time_offsets(offsets) -> None:
    """Set the new time namespace's clock offsets; only allowed before any
    process has entered it, i.e. before the fork that makes PID 1."""
    lines = []
    for clock, off in (offsets or {}).items():
        lines.append(f"{clock} {off.secs or 0} {off.nanosecs or 0}\n")
    if not lines:
        return
    try:
        with open("/proc/self/timens_offsets", "wb", buffering=0) as f:
            f.write("".join(lines).encode())
    except OSError as err:
        raise RuncPyError(f"write /proc/self/timens_offsets: {err.strerror}", path="linux.timeOffsets") from None
