"""Device cgroup rules: from the spec, runc's defaults, and the emulator.

The v1 devices controller keeps an allow- or deny-list that can only be
changed by single "allow"/"deny" writes, and it silently ignores requests it
cannot express (punching a hole in a wildcard rule).  runc therefore models
the controller (an "emulator"), computes the rule set the spec asks for, and
writes the smallest sequence of rules that moves the cgroup from what
devices.list shows to that target.  The same emulated target is what the v2
eBPF program enforces, so both versions behave alike.

A rule list starts from "deny everything" (the emulator's initial state),
then applies linux.resources.devices in order, then the device nodes of
linux.devices (rwm), then runc's always-allowed defaults (which users cannot
override: runc appends them last).
"""
from runc_py.linux.cgroups.files import CgroupError

WILDCARD = -1


class DeviceRule(tuple):
    """(type, major, minor, access, allow): type "a" (all), "b" or "c";
    major/minor -1 for "*"; access a subset of "rwm".  A named tuple
    written out: `collections` costs ~3 ms at every start-up."""

    __slots__ = ()

    def __new__(cls, type_: str, major: int, minor: int, access: str, allow: bool):
        return tuple.__new__(cls, (type_, major, minor, access, allow))

    def __repr__(self) -> str:
        return "DeviceRule(type=%r, major=%r, minor=%r, access=%r, allow=%r)" % self

    type = property(lambda self: self[0])
    major = property(lambda self: self[1])
    minor = property(lambda self: self[2])
    access = property(lambda self: self[3])
    allow = property(lambda self: self[4])


def _rule(type_: str, major: int, minor: int, access: str) -> DeviceRule:
    return DeviceRule(type_, major, minor, access, True)


# runc's AllowedDevices, with the path that lets a linux.devices entry replace
# the default for the same node.
DEFAULT_ALLOWED = (
    (None, _rule("c", WILDCARD, WILDCARD, "m")),
    (None, _rule("b", WILDCARD, WILDCARD, "m")),
    ("/dev/null", _rule("c", 1, 3, "rwm")),
    ("/dev/random", _rule("c", 1, 8, "rwm")),
    ("/dev/full", _rule("c", 1, 7, "rwm")),
    ("/dev/tty", _rule("c", 5, 0, "rwm")),
    ("/dev/zero", _rule("c", 1, 5, "rwm")),
    ("/dev/urandom", _rule("c", 1, 9, "rwm")),
    (None, _rule("c", 136, WILDCARD, "rwm")),  # /dev/pts/*
    (None, _rule("c", 5, 2, "rwm")),  # /dev/ptmx
    (None, _rule("c", 10, 200, "rwm")),  # /dev/net/tun
)


def _canonical_access(access: str) -> str:
    return "".join(c for c in "rwm" if c in access)


def rules_from_resources(devices) -> list[DeviceRule]:
    """linux.resources.devices as rules, validated."""
    rules = []
    for i, d in enumerate(devices or ()):
        field = f"linux.resources.devices[{i}]"
        type_ = d.type if d.type is not None else "a"
        if type_ not in ("a", "b", "c"):
            raise CgroupError(f'invalid cgroup device type "{type_}"', path=f"{field}.type")
        access = d.access or ""
        if not access or set(access) - set("rwm"):
            raise CgroupError(f'invalid device access "{access}": must be a non-empty subset of "rwm"',
                              path=f"{field}.access")
        major = d.major if d.major is not None else WILDCARD
        minor = d.minor if d.minor is not None else WILDCARD
        rules.append(DeviceRule(type_, major, minor, _canonical_access(access), bool(d.allow)))
    return rules


def node_rules(linux_devices) -> list[DeviceRule]:
    """The rules runc appends after the user's: rwm on every linux.devices
    node, then its defaults (a default whose path a linux.devices entry
    also creates gives way to that entry)."""
    rules, node_paths = [], set()
    for d in linux_devices or ():
        node_paths.add(d.path)
        if d.type == "p":  # a fifo needs no cgroup permission
            continue
        type_ = "c" if d.type == "u" else d.type
        rules.append(_rule(type_, d.major if d.major is not None else WILDCARD,
                           d.minor if d.minor is not None else WILDCARD, "rwm"))
    rules.extend(rule for path, rule in DEFAULT_ALLOWED if path is None or path not in node_paths)
    return rules


def rules_from_spec(devices, linux_devices=None) -> list[DeviceRule]:
    """linux.resources.devices + linux.devices + runc's defaults, in order."""
    return rules_from_resources(devices) + node_rules(linux_devices)


def cgroup_string(rule: DeviceRule) -> str:
    """The devices.allow/devices.deny form: "c 1:3 rwm", "a *:* rwm"."""
    def num(n: int) -> str:
        return "*" if n == WILDCARD else str(n)
    return f"{rule.type} {num(rule.major)}:{num(rule.minor)} {rule.access}"


class Emulator:
    """A model of one v1 devices cgroup: a default (allow or deny) and the
    exceptions to it, keyed by (type, major, minor) with a set of access bits."""

    def __init__(self, default_allow: bool = False):
        self.default_allow = default_allow
        self.rules: dict[tuple[str, int, int], frozenset[str]] = {}

    @classmethod
    def from_list(cls, text: str) -> "Emulator":
        """From devices.list, which lists what is allowed; "a *:* rwm" means
        allow-by-default (whose deny exceptions cannot be read back)."""
        emu = cls(default_allow=False)
        for line in text.splitlines():
            parts = line.split()
            if len(parts) != 3 or ":" not in parts[1]:
                raise CgroupError(f"devices.list: cannot parse line {line!r}")
            major, _, minor = parts[1].partition(":")
            emu.apply(DeviceRule(parts[0], WILDCARD if major == "*" else int(major),
                                 WILDCARD if minor == "*" else int(minor), parts[2], True))
        return emu

    def apply(self, rule: DeviceRule) -> None:
        if rule.type == "a":
            # "a" resets the cgroup to allow-all or deny-all.
            self.default_allow = rule.allow
            self.rules = {}
            return
        key = (rule.type, rule.major, rule.minor)
        if rule.allow == self.default_allow:
            self._remove(key, frozenset(rule.access))
        else:
            self.rules[key] = self.rules.get(key, frozenset()) | frozenset(rule.access)

    def _remove(self, key, access: frozenset) -> None:
        type_, major, minor = key
        # The kernel ignores removing part of a wildcard exception; refuse
        # rather than leave the user believing the hole exists.
        for partial in ((type_, WILDCARD, minor), (type_, major, WILDCARD), (type_, WILDCARD, WILDCARD)):
            if partial != key and self.rules.get(partial, frozenset()) & access:
                raise CgroupError(
                    f"device rule {cgroup_string(DeviceRule(*key, ''.join(sorted(access)), False))} "
                    "is not supported by the devices cgroup (cannot punch a hole in the wildcard rule "
                    f"{cgroup_string(DeviceRule(*partial, _canonical_access(''.join(self.rules[partial])), False))})",
                    path="linux.resources.devices")
        left = self.rules.get(key, frozenset()) - access
        if left:
            self.rules[key] = left
        else:
            self.rules.pop(key, None)

    def _ordered(self):
        # Sorted by (major, minor, type) so the same rules are always written
        # in the same order.
        return sorted(self.rules.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0]))

    def exceptions(self) -> list[DeviceRule]:
        """The exceptions to the default, each with the opposite action."""
        return [DeviceRule(t, ma, mi, _canonical_access("".join(acc)), not self.default_allow)
                for (t, ma, mi), acc in self._ordered()]

    def transition(self, target: "Emulator") -> list[DeviceRule]:
        """The writes that turn this cgroup into `target`, disruptive
        ("a *:* rwm") only when the default changes or when this is an
        allow-list (whose deny exceptions devices.list does not show)."""
        out = []
        old = self.rules
        if self.default_allow or self.default_allow != target.default_allow:
            out.append(DeviceRule("a", WILDCARD, WILDCARD, "rwm", target.default_allow))
            old = {}
        for (t, ma, mi), acc in sorted(old.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            dropped = acc - target.rules.get((t, ma, mi), frozenset())
            if dropped:
                out.append(DeviceRule(t, ma, mi, _canonical_access("".join(dropped)), target.default_allow))
        for (t, ma, mi), acc in target._ordered():
            gained = acc - old.get((t, ma, mi), frozenset())
            if gained:
                out.append(DeviceRule(t, ma, mi, _canonical_access("".join(gained)), not target.default_allow))
        return out

    def same_as(self, other: "Emulator") -> bool:
        return self.default_allow == other.default_allow and self.rules == other.rules


def emulate(rules) -> Emulator:
    emu = Emulator(default_allow=False)
    for rule in rules:
        emu.apply(rule)
    return emu
