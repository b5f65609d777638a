"""Device rules on the v1 devices controller (devices.allow / devices.deny)."""
from runc_py.linux.cgroups import files
from runc_py.linux.cgroups.devices_rules import Emulator, cgroup_string, emulate

FIELD = "linux.resources.devices"


def apply_devices_v1(dirpath: str, rules) -> None:
    """Move the cgroup at `dirpath` to exactly `rules`, then read devices.list
    back: the kernel drops rules it cannot express without an error, so an
    allow-list that differs from the target is reported, not trusted."""
    current = Emulator.from_list(files.read(dirpath, "devices.list"))
    target = emulate(rules)
    for rule in current.transition(target):
        files.write(dirpath, "devices.allow" if rule.allow else "devices.deny", cgroup_string(rule), FIELD)
    if not target.default_allow:
        result = Emulator.from_list(files.read(dirpath, "devices.list"))
        if not result.same_as(target):
            raise files.CgroupError(f"{dirpath}/devices.list does not match the requested device rules "
                                    "after writing them", path=FIELD)
