"""The name tables against the kernel's own headers and the stdlib."""
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runc_py.errors import RuncPyError
from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.namespace_types import NAMESPACES
from runc_py.linux.rlimit_names import RLIMITS
from runc_py.linux.signal_names import SIGNALS, parse_signal


def _header_defines(path: str, prefix: str) -> dict[str, int]:
    text = Path(path).read_text()
    return {name: int(value, 0) for name, value in re.findall(rf"#\s*define\s+({prefix}\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", text)}


def test_capabilities_are_the_kernel_headers():
    defined = _header_defines("/usr/include/linux/capability.h", "CAP_")
    kernel = {name: bit for name, bit in defined.items() if name != "CAP_LAST_CAP" and bit <= 63 and not name.startswith("CAP_TO")}
    assert CAPABILITIES == kernel
    assert CAPABILITIES["CAP_CHOWN"] == 0 and CAPABILITIES["CAP_CHECKPOINT_RESTORE"] == 40


def test_rlimits_are_the_kernel_headers():
    assert RLIMITS == _header_defines("/usr/include/asm-generic/resource.h", "RLIMIT_")
    # The stdlib agrees where it has the name (it lacks RLIMIT_LOCKS).
    for name, number in RLIMITS.items():
        assert getattr(resource, name, number) == number, name


def test_namespaces_are_the_kernel_flags_and_proc_files():
    flags = _header_defines("/usr/include/linux/sched.h", "CLONE_NEW")
    kernel_name = {"pid": "CLONE_NEWPID", "network": "CLONE_NEWNET", "mount": "CLONE_NEWNS", "ipc": "CLONE_NEWIPC",
                   "uts": "CLONE_NEWUTS", "user": "CLONE_NEWUSER", "cgroup": "CLONE_NEWCGROUP", "time": "CLONE_NEWTIME"}
    assert set(NAMESPACES) == set(kernel_name)
    for kind, (flag, proc_file) in NAMESPACES.items():
        assert flag == flags[kernel_name[kind]], kind
        assert Path(f"/proc/self/ns/{proc_file}").exists(), kind


def test_signal_numbers_are_the_stdlib_ones():
    for name, number in SIGNALS.items():
        if "RT" not in name:
            assert getattr(signal, name) == number, name
    assert SIGNALS["SIGRTMIN"] == signal.SIGRTMIN and SIGNALS["SIGRTMAX"] == signal.SIGRTMAX
    assert SIGNALS["SIGRTMIN+15"] == 49 and SIGNALS["SIGRTMAX-14"] == 50 and SIGNALS["SIGRTMAX-1"] == 63
    assert sorted(SIGNALS.values()) == list(range(1, 32)) + list(range(34, 65))


@pytest.mark.parametrize("text, number", [
    ("KILL", 9), ("SIGKILL", 9), ("sigkill", 9), ("Kill", 9), ("9", 9), ("+9", 9), ("09", 9), ("0", 0),
    ("TERM", 15), ("winch", 28), ("SIGCHLD", 17), ("64", 64), ("SIGRTMIN", 34), ("rtmin+3", 37),
    ("SIGRTMAX-1", 63), ("SIGRTMIN+20", 54), ("RTMAX", 64),
])
def test_parse_signal_accepts_what_runc_accepts(text, number):
    assert parse_signal(text) == number


@pytest.mark.parametrize("text, message", [
    ("", 'unknown signal ""'),
    ("SIG", 'unknown signal "SIG"'),
    ("SIGKILLX", 'unknown signal "SIGKILLX"'),
    (" 9", 'unknown signal " 9"'),
    ("9_0", 'unknown signal "9_0"'),
    ("\u0669", 'unknown signal "\u0669"'),
    ("0x9", 'unknown signal "0x9"'),
    ("SIGRTMIN+31", 'unknown signal "SIGRTMIN+31"'),
    ("SIGRTMAX-31", 'unknown signal "SIGRTMAX-31"'),
    ("65", 'invalid signal "65": signal numbers go from 0 to 64'),
    ("-1", 'invalid signal "-1": signal numbers go from 0 to 64'),
])
def test_parse_signal_refuses(text, message):
    with pytest.raises(RuncPyError) as caught:
        parse_signal(text)
    assert str(caught.value) == message


def test_signal_names_do_not_import_the_signal_module():
    code = "import sys, runc_py.linux.signal_names as s; s.parse_signal('KILL'); print('signal' in sys.modules)"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
