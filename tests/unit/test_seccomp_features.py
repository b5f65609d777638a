"""seccomp_features(): the features.md `linux.seccomp` object must list only
what prepare_filter really accepts ("the runtime MUST recognize the elements
in this array")."""
import pathlib
import re
import sys

import pytest

from runc_py.errors import RuncPyError
from runc_py.linux import seccomp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "data" / "seccomp"))
from seccomp_profiles import load_seccomp  # noqa: E402

FEATURES = seccomp.seccomp_features()


def test_shape():
    assert FEATURES["enabled"] is True
    assert set(FEATURES) == {"enabled", "actions", "operators", "archs", "knownFlags", "supportedFlags"}
    assert set(FEATURES["supportedFlags"]) <= set(FEATURES["knownFlags"])


def test_lists_the_spec_actions_and_operators():
    assert FEATURES["actions"] == sorted([
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"])
    assert FEATURES["operators"] == sorted([
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
        "SCMP_CMP_MASKED_EQ"])


def test_archs_are_those_libseccomp_2_5_knows():
    # libseccomp 2.5 knows every arch config-linux.md lists (PARISC and RISCV64 included)
    assert FEATURES["archs"] == sorted(seccomp.SPEC_ARCHS)


@pytest.mark.parametrize("action", FEATURES["actions"])
def test_every_listed_action_is_accepted(action):
    default = "SCMP_ACT_ERRNO" if action == "SCMP_ACT_ALLOW" else "SCMP_ACT_ALLOW"
    extra = {"listenerPath": "/run/agent.sock"} if action == "SCMP_ACT_NOTIFY" else {}
    doc = {"defaultAction": default, "syscalls": [{"names": ["mkdir"], "action": action}], **extra}
    assert '"mkdir"' in seccomp.prepare_filter(load_seccomp(doc)).describe()


@pytest.mark.parametrize("op", FEATURES["operators"])
def test_every_listed_operator_is_accepted(op):
    doc = {"defaultAction": "SCMP_ACT_ALLOW",
           "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 1, "value": 0o700, "valueTwo": 0o700, "op": op}]}]}
    assert "$a1" in seccomp.prepare_filter(load_seccomp(doc)).describe()


LITTLE_ENDIAN = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
                 "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC64LE",
                 "SCMP_ARCH_RISCV64"}


@pytest.mark.parametrize("arch", FEATURES["archs"])
def test_every_listed_arch_is_recognized(arch):
    """Recognized, and added when libseccomp can mix it with x86_64 (same byte
    order); the others get a clear error rather than "unknown"."""
    doc = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [arch],
           "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    if arch in LITTLE_ENDIAN:
        pfc = seccomp.prepare_filter(load_seccomp(doc)).describe()
        token = arch.removeprefix("SCMP_ARCH_").lower()
        assert f"# filter for arch {token} " in pfc
    else:
        with pytest.raises(RuncPyError) as info:
            seccomp.prepare_filter(load_seccomp(doc))
        assert str(info.value) == (f"linux.seccomp.architectures[0]: {arch} cannot share a filter with this "
                                   "machine's architecture (libseccomp refuses a different byte order)")


def test_every_supported_flag_is_accepted():
    doc = {"defaultAction": "SCMP_ACT_ALLOW", "flags": FEATURES["supportedFlags"],
           "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    assert seccomp.prepare_filter(load_seccomp(doc)).describe()


def test_libseccomp_version_is_the_linked_one():
    header = pathlib.Path("/usr/include/seccomp.h").read_text()
    parts = [re.search(rf"#define SCMP_VER_{p}\s+(\d+)", header).group(1) for p in ("MAJOR", "MINOR", "MICRO")]
    assert seccomp.libseccomp_version() == ".".join(parts)
