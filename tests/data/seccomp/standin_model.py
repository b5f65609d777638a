"""Stand-ins for the Spec model's seccomp classes, for the seccomp tests.

runc_py.spec.model is being written alongside; until it lands, these frozen
dataclasses carry the same attribute names (JSON keys in snake_case, absent
keys as None), so the tests exercise exactly the interface the model will
offer.  Replace `load_seccomp` with the model's loader once it exists.
"""
import json
import pathlib
from dataclasses import dataclass

HERE = pathlib.Path(__file__).resolve().parent


@dataclass(frozen=True)
class LinuxSeccompArg:
    index: int
    value: int
    op: str
    value_two: int | None = None


@dataclass(frozen=True)
class LinuxSyscall:
    names: tuple[str, ...]
    action: str
    errno_ret: int | None = None
    args: tuple[LinuxSeccompArg, ...] | None = None


@dataclass(frozen=True)
class LinuxSeccomp:
    default_action: str
    default_errno_ret: int | None = None
    architectures: tuple[str, ...] | None = None
    flags: tuple[str, ...] | None = None
    listener_path: str | None = None
    listener_metadata: str | None = None
    syscalls: tuple[LinuxSyscall, ...] | None = None


def _tuple(seq):
    return None if seq is None else tuple(seq)


def load_seccomp(doc: "dict | str") -> LinuxSeccomp:
    """A `linux.seccomp` object from a dict, or from a JSON file in this directory."""
    if isinstance(doc, str):
        doc = json.loads((HERE / doc).read_text())
    syscalls = None
    if doc.get("syscalls") is not None:
        syscalls = tuple(
            LinuxSyscall(
                names=tuple(s["names"]), action=s["action"], errno_ret=s.get("errnoRet"),
                args=None if s.get("args") is None else tuple(
                    LinuxSeccompArg(index=a["index"], value=a["value"], op=a["op"],
                                    value_two=a.get("valueTwo")) for a in s["args"]))
            for s in doc["syscalls"])
    return LinuxSeccomp(
        default_action=doc["defaultAction"], default_errno_ret=doc.get("defaultErrnoRet"),
        architectures=_tuple(doc.get("architectures")), flags=_tuple(doc.get("flags")),
        listener_path=doc.get("listenerPath"), listener_metadata=doc.get("listenerMetadata"),
        syscalls=syscalls)
