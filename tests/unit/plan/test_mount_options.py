"""The mount option table against runc 1.1.5's."""
import pytest

from runc_py.plan import mount_options as mo
from runc_py.plan.mount_options import MOUNT_OPTIONS, parse_mount_options

# `runc features` of runc 1.1.5, "mountOptions".
RUNC_1_1_5_OPTIONS = (
    "acl async atime bind defaults dev diratime dirsync exec iversion lazytime loud mand noacl noatime "
    "nodev nodiratime noexec noiversion nolazytime nomand norelatime nostrictatime nosuid nosymfollow "
    "private ratime rbind rdev rdiratime relatime remount rexec rnoatime rnodev rnodiratime rnoexec "
    "rnorelatime rnostrictatime rnosuid rnosymfollow ro rprivate rrelatime rro rrw rshared rslave "
    "rstrictatime rsuid rsymfollow runbindable rw shared silent slave strictatime suid symfollow sync "
    "tmpcopyup unbindable"
).split()

# option -> (flags after "<all bits set>,option" cleared, flags after option alone), from the kernel's
# linux/mount.h values, written out independently of the module.
SETS = {
    "ro": 0x1, "nosuid": 0x2, "nodev": 0x4, "noexec": 0x8, "sync": 0x10, "remount": 0x20,
    "mand": 0x40, "dirsync": 0x80, "nosymfollow": 0x100, "noatime": 0x400, "nodiratime": 0x800,
    "bind": 0x1000, "rbind": 0x1000 | 0x4000, "silent": 0x8000, "acl": 0x10000,
    "relatime": 0x200000, "iversion": 0x800000, "strictatime": 0x1000000, "lazytime": 0x2000000,
}
CLEARS = {
    "rw": 0x1, "suid": 0x2, "dev": 0x4, "exec": 0x8, "async": 0x10, "nomand": 0x40, "symfollow": 0x100,
    "atime": 0x400, "diratime": 0x800, "loud": 0x8000, "noacl": 0x10000, "norelatime": 0x200000,
    "noiversion": 0x800000, "nostrictatime": 0x1000000, "nolazytime": 0x2000000,
}
PROPAGATION = {
    "private": 0x40000, "rprivate": 0x40000 | 0x4000, "shared": 0x100000, "rshared": 0x100000 | 0x4000,
    "slave": 0x80000, "rslave": 0x80000 | 0x4000, "unbindable": 0x20000, "runbindable": 0x20000 | 0x4000,
}
# option -> (attr_set, attr_clr) for mount_setattr(2)
RECURSIVE = {
    "rro": (0x1, 0), "rrw": (0, 0x1), "rnosuid": (0x2, 0), "rsuid": (0, 0x2), "rnodev": (0x4, 0),
    "rdev": (0, 0x4), "rnoexec": (0x8, 0), "rexec": (0, 0x8), "rnodiratime": (0x80, 0),
    "rdiratime": (0, 0x80), "rnosymfollow": (0x200000, 0), "rsymfollow": (0, 0x200000),
    # access time is an enum (relatime = 0) set together with clearing the whole 0x70 field
    "rrelatime": (0, 0x70), "rnoatime": (0x10, 0x70), "rstrictatime": (0x20, 0x70),
    "rnorelatime": (0, 0), "ratime": (0, 0x10), "rnostrictatime": (0, 0x20),
}


def test_option_names_are_runc_1_1_5s():
    assert list(MOUNT_OPTIONS) == sorted(RUNC_1_1_5_OPTIONS)


def test_every_option_is_covered_by_this_test():
    covered = {*SETS, *CLEARS, *PROPAGATION, *RECURSIVE, "defaults", "tmpcopyup"}
    assert covered == set(RUNC_1_1_5_OPTIONS)


@pytest.mark.parametrize("option,flag", sorted(SETS.items()))
def test_flag_options_set_their_flag(option, flag):
    parsed = parse_mount_options([option])
    assert (parsed.flags, parsed.data, parsed.propagation) == (flag, "", ())


@pytest.mark.parametrize("option,flag", sorted(CLEARS.items()))
def test_negative_options_clear_their_flag(option, flag):
    everything = [name for name in SETS if name != "remount"]
    before = parse_mount_options(everything).flags
    assert before & flag == flag
    assert parse_mount_options(everything + [option]).flags == before & ~flag
    assert parse_mount_options([option]).flags == 0


@pytest.mark.parametrize("option,flags", sorted(PROPAGATION.items()))
def test_propagation_options_are_separate_calls(option, flags):
    parsed = parse_mount_options([option])
    assert (parsed.flags, parsed.propagation, parsed.data) == (0, (flags,), "")


@pytest.mark.parametrize("option,attrs", sorted(RECURSIVE.items()))
def test_recursive_options_become_mount_setattr_attributes(option, attrs):
    parsed = parse_mount_options([option])
    assert (parsed.rec_attr_set, parsed.rec_attr_clr) == attrs
    assert parsed.flags == 0 and parsed.data == ""


def test_later_options_win():
    assert parse_mount_options(["ro", "rw"]).flags == 0
    assert parse_mount_options(["rw", "ro"]).flags == mo.MS_RDONLY
    assert (lambda p: (p.rec_attr_set, p.rec_attr_clr))(parse_mount_options(["rro", "rrw"])) == (0, 1)
    # the later atime mode replaces the earlier one
    assert (lambda p: (p.rec_attr_set, p.rec_attr_clr))(parse_mount_options(["rnoatime", "rrelatime"])) == (0, 0x70)


def test_propagation_keeps_its_order():
    assert parse_mount_options(["rshared", "private"]).propagation == (0x100000 | 0x4000, 0x40000)


def test_unknown_options_are_filesystem_data_in_order():
    parsed = parse_mount_options(["nosuid", "mode=755", "size=64k", "noexec", "newinstance"])
    assert parsed.data == "mode=755,size=64k,newinstance"
    assert parsed.flags == mo.MS_NOSUID | mo.MS_NOEXEC


def test_defaults_does_nothing():
    # runc 1.1.5 sent "defaults" to the filesystem as data, which fails with EINVAL.
    assert parse_mount_options(["defaults"]) == parse_mount_options([])


def test_tmpcopyup_is_an_extension_not_data():
    parsed = parse_mount_options(["tmpcopyup", "mode=700"])
    assert parsed.copy_up and parsed.data == "mode=700"


def test_no_options():
    assert parse_mount_options(None) == mo.MountOptions()
