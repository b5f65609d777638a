"""prepare_filter without loading: config faults name their JSON path, and the
filter libseccomp builds (read back as pseudo filter code) has the rules
runc 1.1.5 would give it."""
import pathlib
import sys

import pytest

from runc_py.errors import RuncPyError
from runc_py.linux import seccomp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "data" / "seccomp"))
from seccomp_profiles import load_seccomp  # noqa: E402


def prepare(default="SCMP_ACT_ALLOW", *syscalls, **extra):
    return seccomp.prepare_filter(load_seccomp({"defaultAction": default, "syscalls": list(syscalls), **extra}))


def error_of(*args, **kwargs) -> str:
    with pytest.raises(RuncPyError) as info:
        prepare(*args, **kwargs)
    return str(info.value)


def rule(names, action="SCMP_ACT_ERRNO", **extra):
    return {"names": list(names), "action": action, **extra}


def native_part(pfc: str) -> str:
    """The x86_64 section of the pseudo filter code (the one arch we run)."""
    section = pfc.split("# filter for arch x86_64")[1]
    return section.split("# filter for arch")[0].split("# invalid architecture action")[0]


# --- config faults, each with its path -----------------------------------------

@pytest.mark.parametrize("args, kwargs, expected", [
    (("SCMP_ACT_ALLOW", rule(["a"]), rule(["b"]), rule(["c"]), rule(["mkdir"], "SCMP_ACT_DENY")), {},
     "linux.seccomp.syscalls[3].action: 'SCMP_ACT_DENY' is not a known seccomp action"),
    (("SCMP_ACT_NOPE",), {}, "linux.seccomp.defaultAction: 'SCMP_ACT_NOPE' is not a known seccomp action"),
    (("SCMP_ACT_ALLOW", rule(["mkdir"], args=[{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                                              {"index": 1, "value": 1, "op": "SCMP_CMP_BETWEEN"}])), {},
     "linux.seccomp.syscalls[0].args[1].op: 'SCMP_CMP_BETWEEN' is not a known seccomp operator"),
    (("SCMP_ACT_ALLOW", rule(["mkdir"], args=[{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}])), {},
     "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument index (0-5)"),
    (("SCMP_ACT_ALLOW",), {"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]},
     "linux.seccomp.architectures[1]: 'SCMP_ARCH_VAX' is not a seccomp architecture libseccomp"),
    (("SCMP_ACT_ALLOW",), {"architectures": ["x86_64"]},
     "linux.seccomp.architectures[0]: 'x86_64' is not a seccomp architecture libseccomp"),
    (("SCMP_ACT_ALLOW",), {"flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]},
     "linux.seccomp.flags[1]: 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' is not a seccomp flag runc-py supports"),
    (("SCMP_ACT_ALLOW", rule(["mkdir"], "SCMP_ACT_LOG", errnoRet=5)), {},
     "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_LOG takes no errno return code"),
    (("SCMP_ACT_KILL_PROCESS",), {"defaultErrnoRet": 5},
     "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL_PROCESS takes no errno return code"),
    (("SCMP_ACT_ALLOW", rule(["mkdir"], errnoRet=70000)), {},
     "linux.seccomp.syscalls[0].errnoRet: 70000 does not fit the 16-bit seccomp return data"),
    (("SCMP_ACT_ALLOW", rule(["mkdir", ""])), {},
     "linux.seccomp.syscalls[0].names[1]: an empty string is not a syscall name"),
    (("SCMP_ACT_NOTIFY",), {"listenerPath": "/run/agent.sock"},
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
    (("SCMP_ACT_ALLOW", rule(["mkdir"], "SCMP_ACT_NOTIFY")), {},
     "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is used, so the listener socket must be set"),
    (("SCMP_ACT_ALLOW", rule(["mkdir", "sendmsg"], "SCMP_ACT_NOTIFY")), {"listenerPath": "/run/agent.sock"},
     "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg"),
    (("SCMP_ACT_ALLOW",), {"listenerMetadata": "x"},
     "linux.seccomp.listenerMetadata: must not be set without listenerPath"),
])
def test_config_faults_name_their_path(args, kwargs, expected):
    assert error_of(*args, **kwargs).startswith(expected)


def test_errno_ret_is_accepted_on_errno_and_trace():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["mkdir"], errnoRet=13),
                              rule(["rmdir"], "SCMP_ACT_TRACE", errnoRet=7)).describe())
    assert "action ERRNO(13);" in pfc and "action TRACE(7);" in pfc


def test_listener_path_is_ignored_without_notify_rules():
    assert not prepare("SCMP_ACT_ALLOW", rule(["mkdir"]), listenerPath="/run/agent.sock").uses_notify


def test_notify_rules_are_flagged_for_load():
    assert prepare("SCMP_ACT_ALLOW", rule(["mkdir"], "SCMP_ACT_NOTIFY"), listenerPath="/a").uses_notify


# --- the filter libseccomp builds ------------------------------------------------

def test_default_errno_is_eperm():
    pfc = prepare("SCMP_ACT_ERRNO", rule(["getpid"], "SCMP_ACT_ALLOW")).describe()
    assert "action ERRNO(1);" in native_part(pfc)


def test_default_errno_ret_sets_the_default():
    pfc = prepare("SCMP_ACT_ERRNO", rule(["getpid"], "SCMP_ACT_ALLOW"), defaultErrnoRet=38).describe()
    assert native_part(pfc).rstrip().endswith("action ERRNO(38);")


def test_rule_equal_to_default_action_is_skipped():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["getpid"], "SCMP_ACT_ALLOW"), rule(["mkdir"])).describe())
    assert '"getpid"' not in pfc and '"mkdir"' in pfc


def test_same_action_with_another_errno_is_not_the_default():
    pfc = native_part(prepare("SCMP_ACT_ERRNO", rule(["mkdir"], errnoRet=13)).describe())
    assert '"mkdir"' in pfc and "action ERRNO(13);" in pfc


def test_unknown_syscall_names_are_skipped():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["not_a_syscall_anywhere", "mkdir"])).describe())
    assert '"mkdir"' in pfc and "not_a_syscall_anywhere" not in pfc


def test_conditions_on_different_arguments_are_one_rule():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["ftruncate"], args=[
        {"index": 0, "value": 3, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 100, "op": "SCMP_CMP_EQ"}])).describe())
    # nested tests: a1 is only compared where a0 matched (AND)
    assert pfc.count("action ERRNO(1);") == 1
    assert pfc.index("$a0") < pfc.index("$a1")


def test_conditions_on_one_argument_become_separate_rules():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["ftruncate"], args=[
        {"index": 1, "value": 5, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 7, "op": "SCMP_CMP_EQ"}])).describe())
    assert pfc.count("action ERRNO(1);") == 2
    assert "== 5)" in pfc and "== 7)" in pfc


def test_value_two_defaults_to_zero_for_masked_eq():
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["clone"], args=[
        {"index": 0, "value": 0x7E020000, "op": "SCMP_CMP_MASKED_EQ"}])).describe())
    assert "$a0.lo32 & 0x7e020000 == 0" in pfc


def test_architectures_add_filters_per_arch():
    pfc = prepare("SCMP_ACT_ALLOW", rule(["mkdir"]),
                  architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]).describe()
    assert [ln.split()[-2] for ln in pfc.splitlines() if ln.startswith("# filter for arch")] == \
        ["x86_64", "x86", "x32"]


def test_same_syscall_twice_keeps_the_first_action():
    """libseccomp's behaviour, which runc inherits: no error, first rule wins."""
    pfc = native_part(prepare("SCMP_ACT_ALLOW", rule(["mkdir"], errnoRet=13), rule(["mkdir"], "SCMP_ACT_KILL")).describe())
    assert "action ERRNO(13);" in pfc and "KILL" not in pfc


def test_long_profiles_are_built_as_a_binary_tree():
    """Past 32 rules libseccomp's tree layout is used, as runc asks for."""
    pfc = prepare("SCMP_ACT_ALLOW", rule(["mkdir"])).describe()
    assert "# filter for syscall" in pfc
    long_pfc = seccomp.prepare_filter(load_seccomp("default.json")).describe()
    assert "if ($syscall > " in long_pfc  # binary search on syscall numbers
    assert "if ($syscall > " not in pfc


def test_every_known_flag_is_accepted_on_this_host():
    for flag in seccomp.FLAGS:
        assert prepare("SCMP_ACT_ALLOW", rule(["mkdir"]), flags=[flag]).describe()
