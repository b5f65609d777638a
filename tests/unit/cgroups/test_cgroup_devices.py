"""Device rules: spec -> rules, the v1 emulator's transitions, and the v2
BPF program, run here by a small interpreter of the instructions it uses so
its verdicts can be compared with the emulator's for many requests."""
import itertools
import struct

import pytest
from runc_py.spec.model import LinuxDevice, LinuxDeviceRule

from runc_py.linux.cgroups.devices_bpf import assemble
from runc_py.linux.cgroups.devices_rules import (DeviceRule, Emulator, cgroup_string, emulate,
                                                 rules_from_spec)
from runc_py.linux.cgroups.files import CgroupError

DENY_ALL = LinuxDeviceRule(allow=False, access="rwm")


def strings(rules) -> list[str]:
    return [("allow " if r.allow else "deny ") + cgroup_string(r) for r in rules]


def test_fresh_cgroup_gets_deny_all_then_runc_defaults_sorted():
    """Sorted by (major, minor, type) with "*" as -1, as runc writes them."""
    writes = Emulator.from_list("a *:* rwm").transition(emulate(rules_from_spec((DENY_ALL,))))
    assert strings(writes) == [
        "deny a *:* rwm", "allow b *:* m", "allow c *:* m", "allow c 1:3 rwm", "allow c 1:5 rwm",
        "allow c 1:7 rwm", "allow c 1:8 rwm", "allow c 1:9 rwm", "allow c 5:0 rwm", "allow c 5:2 rwm",
        "allow c 10:200 rwm", "allow c 136:* rwm"]


def test_no_rules_still_means_deny_all_plus_defaults():
    assert emulate(rules_from_spec(None)).same_as(emulate(rules_from_spec((DENY_ALL,))))


def test_same_rules_again_write_nothing():
    target = emulate(rules_from_spec((DENY_ALL,)))
    current = Emulator.from_list("\n".join(cgroup_string(r) for r in target.exceptions()))
    assert current.transition(target) == []


def test_dropped_access_is_denied_without_a_disruptive_reset():
    current = Emulator.from_list("c 1:3 rwm\nc 4:1 rw")
    target = emulate([DeviceRule("c", 1, 3, "rw", True)])
    assert strings(current.transition(target)) == ["deny c 1:3 m", "deny c 4:1 rw"]


def test_linux_devices_add_rwm_and_replace_a_default_with_the_same_path():
    rules = rules_from_spec((DENY_ALL,), (LinuxDevice(path="/dev/null", type="c", major=1, minor=99),
                                          LinuxDevice(path="/dev/fifo", type="p"),
                                          LinuxDevice(path="/dev/u", type="u", major=7, minor=0)))
    assert DeviceRule("c", 1, 99, "rwm", True) in rules and DeviceRule("c", 7, 0, "rwm", True) in rules
    assert DeviceRule("c", 1, 3, "rwm", True) not in rules


def test_user_cannot_deny_a_default_device():
    emu = emulate(rules_from_spec((DENY_ALL, LinuxDeviceRule(allow=False, type="c", major=1, minor=3,
                                                             access="rwm"))))
    assert emu.rules[("c", 1, 3)] == frozenset("rwm")


@pytest.mark.parametrize("rule, field", [
    (LinuxDeviceRule(allow=True, type="p", access="rwm"), "linux.resources.devices[0].type"),
    (LinuxDeviceRule(allow=True, type="c", access="rwx"), "linux.resources.devices[0].access"),
    (LinuxDeviceRule(allow=True, type="c", access=""), "linux.resources.devices[0].access"),
])
def test_invalid_rules_name_the_field(rule, field):
    with pytest.raises(CgroupError) as e:
        rules_from_spec((rule,))
    assert e.value.path == field


def test_punching_a_hole_in_a_wildcard_is_refused():
    with pytest.raises(CgroupError) as e:
        emulate([DeviceRule("a", -1, -1, "rwm", False), DeviceRule("c", -1, -1, "rwm", True),
                 DeviceRule("c", 1, 3, "w", False)])
    assert "cannot punch a hole" in e.value.msg


def run_bpf(program: bytes, type_: int, access: int, major: int, minor: int) -> int:
    """Execute the subset of eBPF the device filter uses."""
    ctx = struct.pack("<III", (access << 16) | type_, major, minor)
    regs = [0] * 11
    pc = 0
    insns = [struct.unpack_from("<BBhi", program, i) for i in range(0, len(program), 8)]
    while True:
        code, regs_byte, off, imm = insns[pc]
        dst, src = regs_byte & 0xF, regs_byte >> 4
        pc += 1
        if code == 0x61:
            regs[dst] = struct.unpack_from("<I", ctx, off)[0]
        elif code == 0x54:
            regs[dst] = (regs[dst] & imm) & 0xFFFFFFFF
        elif code == 0x74:
            regs[dst] = (regs[dst] & 0xFFFFFFFF) >> imm
        elif code == 0xB4:
            regs[dst] = imm & 0xFFFFFFFF
        elif code == 0xBC:
            regs[dst] = regs[src] & 0xFFFFFFFF
        elif code == 0x55:
            if regs[dst] != imm & 0xFFFFFFFFFFFFFFFF:
                pc += off
        elif code == 0x5D:
            if regs[dst] != regs[src]:
                pc += off
        elif code == 0x95:
            return regs[0]
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


def emulator_allows(emu: Emulator, type_: str, access: str, major: int, minor: int) -> bool:
    """What the v1 controller decides: an exception matches when its type,
    major and minor match (or are wildcards) and it covers every access."""
    for (t, ma, mi), acc in emu.rules.items():
        if t == type_ and ma in (-1, major) and mi in (-1, minor) and set(access) <= acc:
            return not emu.default_allow
    return emu.default_allow


RULE_SETS = [
    rules_from_spec((DENY_ALL,)),
    rules_from_spec((DENY_ALL, LinuxDeviceRule(allow=True, type="b", major=8, access="r"))),
    [DeviceRule("a", -1, -1, "rwm", True), DeviceRule("c", 1, 3, "rw", False), DeviceRule("b", 8, -1, "m", False)],
    [DeviceRule("a", -1, -1, "rwm", False)],
]


@pytest.mark.parametrize("rules", RULE_SETS)
def test_bpf_program_agrees_with_the_emulator(rules):
    program = assemble(rules)
    emu = emulate(rules)
    codes = {"b": 1, "c": 2}
    bits = {"m": 1, "r": 2, "w": 4}
    for type_, access, major, minor in itertools.product("bc", ("r", "w", "m", "rw", "rwm"),
                                                          (1, 5, 8, 10, 136), (0, 2, 3, 200)):
        want = emulator_allows(emu, type_, access, major, minor)
        got = run_bpf(program, codes[type_], sum(bits[c] for c in access), major, minor)
        assert got == int(want), (type_, access, major, minor)
