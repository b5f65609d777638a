"""Signal names and numbers for `kill`, and the spec's stop-signal annotation.

Kept apart from the stdlib `signal` module on purpose: that module builds
enums at import time, which costs milliseconds on every `runc-py kill`.

Numbers are Linux's generic ones (x86, arm, riscv...).  Real-time signals are
named as glibc and kill(1) name them: SIGRTMIN is 34, because glibc keeps 32
and 33 for itself, and SIGRTMAX is 64.
"""
from runc_py.errors import RuncPyError

_RTMIN = 34
_RTMAX = 64


def _table() -> dict[str, int]:
    names = (
        "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT "
        "CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS"
    ).split()
    table = {"SIG" + name: number for number, name in enumerate(names, start=1)}
    table["SIGRTMIN"] = _RTMIN
    # kill -l's split: the lower half counts up from SIGRTMIN, the upper half
    # down from SIGRTMAX.
    middle = (_RTMIN + _RTMAX) // 2
    for number in range(_RTMIN + 1, _RTMAX):
        if number <= middle:
            table[f"SIGRTMIN+{number - _RTMIN}"] = number
        else:
            table[f"SIGRTMAX-{_RTMAX - number}"] = number
    table["SIGRTMAX"] = _RTMAX
    return table


SIGNALS: dict[str, int] = _table()


def _decimal(text: str) -> int | None:
    """The value of an optionally signed ASCII decimal, else None.

    int() would also take " 9", "9_0" and non-ASCII digits, which runc refuses.
    """
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(text)


def _realtime(name: str) -> int | None:
    """SIGRTMIN+n and SIGRTMAX-n for any n that stays in the real-time range."""
    for base, sign in (("SIGRTMIN+", 1), ("SIGRTMAX-", -1)):
        if name.startswith(base):
            offset = name[len(base):]
            if offset.isascii() and offset.isdigit():
                number = (_RTMIN if sign > 0 else _RTMAX) + sign * int(offset)
                if _RTMIN <= number <= _RTMAX:
                    return number
    return None


def parse_signal(text: str) -> int:
    """The signal number `text` names: `KILL`, `SIGKILL`, `sigkill` or `9`.

    Like runc, a number is taken as is (0, which only probes the process,
    included) and a name is matched without regard to case, with or without
    its SIG prefix.  Unlike runc 1.1, the real-time names (`SIGRTMIN+3`,
    `RTMAX-1`) are understood too, as kill(1) and crun understand them.
    """
    number = _decimal(text)
    if number is not None:
        if 0 <= number <= _RTMAX:
            return number
        raise RuncPyError(f'invalid signal "{text}": signal numbers go from 0 to {_RTMAX}')
    name = text.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    number = SIGNALS.get(name)
    if number is None:
        number = _realtime(name)
    if number is None:
        raise RuncPyError(f'unknown signal "{text}"')
    return number
