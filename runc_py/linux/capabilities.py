"""Setting the five capability sets of the container process.

The order is forced by the kernel: the bounding set can only shrink while we
still hold CAP_SETPCAP; switching to a non-root uid clears permitted and
effective unless PR_SET_KEEPCAPS is on; ambient capabilities can only be
raised once they are both permitted and inheritable.  Inheritable gets
exactly what the config lists, nothing from the bounding set (the
CVE-2022-29162 class: a too-wide inheritable set lets file capabilities
grant more than asked).
"""
from runc_py.errors import RuncPyError
from runc_py.linux import sys as linux_sys

PR_CAPBSET_DROP = 24
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4


class CapabilitySets:
    """Bit masks of the five sets (bit n = capability number n)."""

    __slots__ = ("bounding", "effective", "permitted", "inheritable", "ambient")

    def __init__(self, bounding: int, effective: int, permitted: int, inheritable: int, ambient: int):
        self.bounding, self.effective, self.permitted = bounding, effective, permitted
        self.inheritable, self.ambient = inheritable, ambient


def last_cap() -> int:
    """The highest capability number this kernel knows."""
    with open("/proc/sys/kernel/cap_last_cap", "rb") as f:
        return int(f.read())


def drop_bounding(sets: CapabilitySets, last_cap: int) -> None:
    for cap in range(last_cap + 1):
        if not sets.bounding >> cap & 1:
            linux_sys.prctl(PR_CAPBSET_DROP, cap)


def keep_capabilities_across_setuid(keep: bool) -> None:
    linux_sys.prctl(PR_SET_KEEPCAPS, 1 if keep else 0)


def set_capabilities(sets: CapabilitySets, last_cap: int) -> None:
    """After the uid switch: effective/permitted/inheritable, then ambient."""
    try:
        linux_sys.capset(sets.effective, sets.permitted, sets.inheritable)
    except OSError as err:
        raise RuncPyError(f"set capabilities: {err.strerror}", path="process.capabilities") from None
    linux_sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in range(last_cap + 1):
        if sets.ambient >> cap & 1:
            try:
                linux_sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)
            except OSError as err:
                raise RuncPyError(f"raise ambient capability {cap}: {err.strerror}",
                                  path="process.capabilities.ambient") from None
