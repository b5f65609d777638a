"""config.json mount options -> mount(2) flags, propagation, recursive attributes.

The option names and their meaning are runc 1.1.5's (its `runc features`
list), so a config that mounts under runc mounts the same way under runc-py.
An option is, in this order of precedence:

* a mount(2) flag that is set or cleared (`ro`, `nosuid`, `rw`, `bind`...);
* a propagation change applied by a second mount(2) call after the mount
  (`rslave`, `private`...), in the order given;
* a recursive attribute (`rro`, `rnosuid`...) applied to the whole mount tree
  with mount_setattr(AT_RECURSIVE) (Linux 5.12);
* `tmpcopyup`: a tmpfs starts with a copy of what it covers;
* anything else is filesystem data, passed through in order (`mode=755`,
  `size=64k`, `newinstance`...).

Two deliberate departures from runc 1.1.5: `defaults` is accepted and does
nothing (runc passed it to the filesystem as data, which every filesystem
rejects with EINVAL), and recursive attributes apply to every mount type
(runc 1.1.5 applied them to bind mounts only and dropped them silently
elsewhere).
"""
from runc_py.record import Record

# mount(2) flags (linux/mount.h).
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_SYNCHRONOUS = 0x10
MS_REMOUNT = 0x20
MS_MANDLOCK = 0x40
MS_DIRSYNC = 0x80
MS_NOSYMFOLLOW = 0x100
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_POSIXACL = 0x10000
MS_UNBINDABLE = 0x20000
MS_PRIVATE = 0x40000
MS_SLAVE = 0x80000
MS_SHARED = 0x100000
MS_RELATIME = 0x200000
MS_I_VERSION = 0x800000
MS_STRICTATIME = 0x1000000
MS_LAZYTIME = 0x2000000

# mount_setattr(2) attributes (linux/mount.h).
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
MOUNT_ATTR_NOEXEC = 0x8
MOUNT_ATTR__ATIME = 0x70
MOUNT_ATTR_RELATIME = 0x0
MOUNT_ATTR_NOATIME = 0x10
MOUNT_ATTR_STRICTATIME = 0x20
MOUNT_ATTR_NODIRATIME = 0x80
MOUNT_ATTR_NOSYMFOLLOW = 0x200000

# option -> (flags it sets, flags it clears)
FLAG_OPTIONS: dict[str, tuple[int, int]] = {
    # runc 1.1.5 maps acl/noacl to MS_POSIXACL (the kernel ignores it from
    # userspace); kept for compatibility.
    "acl": (MS_POSIXACL, 0),
    "noacl": (0, MS_POSIXACL),
    "async": (0, MS_SYNCHRONOUS),
    "sync": (MS_SYNCHRONOUS, 0),
    "atime": (0, MS_NOATIME),
    "noatime": (MS_NOATIME, 0),
    "bind": (MS_BIND, 0),
    "rbind": (MS_BIND | MS_REC, 0),
    "defaults": (0, 0),
    "dev": (0, MS_NODEV),
    "nodev": (MS_NODEV, 0),
    "diratime": (0, MS_NODIRATIME),
    "nodiratime": (MS_NODIRATIME, 0),
    "dirsync": (MS_DIRSYNC, 0),
    "exec": (0, MS_NOEXEC),
    "noexec": (MS_NOEXEC, 0),
    "iversion": (MS_I_VERSION, 0),
    "noiversion": (0, MS_I_VERSION),
    "lazytime": (MS_LAZYTIME, 0),
    "nolazytime": (0, MS_LAZYTIME),
    "loud": (0, MS_SILENT),
    "silent": (MS_SILENT, 0),
    "mand": (MS_MANDLOCK, 0),
    "nomand": (0, MS_MANDLOCK),
    "relatime": (MS_RELATIME, 0),
    "norelatime": (0, MS_RELATIME),
    "strictatime": (MS_STRICTATIME, 0),
    "nostrictatime": (0, MS_STRICTATIME),
    "suid": (0, MS_NOSUID),
    "nosuid": (MS_NOSUID, 0),
    "symfollow": (0, MS_NOSYMFOLLOW),
    "nosymfollow": (MS_NOSYMFOLLOW, 0),
    "remount": (MS_REMOUNT, 0),
    "ro": (MS_RDONLY, 0),
    "rw": (0, MS_RDONLY),
}

PROPAGATION_OPTIONS: dict[str, int] = {
    "private": MS_PRIVATE,
    "rprivate": MS_PRIVATE | MS_REC,
    "shared": MS_SHARED,
    "rshared": MS_SHARED | MS_REC,
    "slave": MS_SLAVE,
    "rslave": MS_SLAVE | MS_REC,
    "unbindable": MS_UNBINDABLE,
    "runbindable": MS_UNBINDABLE | MS_REC,
}

# option -> (attribute, whether the option clears it rather than sets it).
# The access-time attributes form an enum in which relatime is 0, so
# "rnorelatime" clears nothing, as in runc.
RECURSIVE_OPTIONS: dict[str, tuple[int, bool]] = {
    "rro": (MOUNT_ATTR_RDONLY, False),
    "rrw": (MOUNT_ATTR_RDONLY, True),
    "rnosuid": (MOUNT_ATTR_NOSUID, False),
    "rsuid": (MOUNT_ATTR_NOSUID, True),
    "rnodev": (MOUNT_ATTR_NODEV, False),
    "rdev": (MOUNT_ATTR_NODEV, True),
    "rnoexec": (MOUNT_ATTR_NOEXEC, False),
    "rexec": (MOUNT_ATTR_NOEXEC, True),
    "rnodiratime": (MOUNT_ATTR_NODIRATIME, False),
    "rdiratime": (MOUNT_ATTR_NODIRATIME, True),
    "rrelatime": (MOUNT_ATTR_RELATIME, False),
    "rnorelatime": (MOUNT_ATTR_RELATIME, True),
    "rnoatime": (MOUNT_ATTR_NOATIME, False),
    "ratime": (MOUNT_ATTR_NOATIME, True),
    "rstrictatime": (MOUNT_ATTR_STRICTATIME, False),
    "rnostrictatime": (MOUNT_ATTR_STRICTATIME, True),
    "rnosymfollow": (MOUNT_ATTR_NOSYMFOLLOW, False),
    "rsymfollow": (MOUNT_ATTR_NOSYMFOLLOW, True),
}

COPY_UP_OPTION = "tmpcopyup"

# Every option name runc-py gives a meaning to, for `runc-py features`.
MOUNT_OPTIONS: tuple[str, ...] = tuple(sorted(
    [*FLAG_OPTIONS, *PROPAGATION_OPTIONS, *RECURSIVE_OPTIONS, COPY_UP_OPTION]))


class MountOptions(Record, frozen=True):
    flags: int = 0
    propagation: tuple[int, ...] = ()
    rec_attr_set: int = 0
    rec_attr_clr: int = 0
    copy_up: bool = False
    data: str = ""


def parse_mount_options(options: tuple[str, ...] | list[str] | None) -> MountOptions:
    """Later options win over earlier ones for the same flag (`ro,rw` is rw)."""
    flags = 0
    propagation: list[int] = []
    attr_set = attr_clr = 0
    copy_up = False
    data: list[str] = []
    for option in options or ():
        if option in FLAG_OPTIONS:
            set_, clear = FLAG_OPTIONS[option]
            flags = (flags | set_) & ~clear
        elif option in PROPAGATION_OPTIONS:
            propagation.append(PROPAGATION_OPTIONS[option])
        elif option in RECURSIVE_OPTIONS:
            attr, clears = RECURSIVE_OPTIONS[option]
            if clears:
                attr_set, attr_clr = attr_set & ~attr, attr_clr | attr
            elif attr & MOUNT_ATTR__ATIME == attr:
                # An access-time mode: mount_setattr(2) wants the whole
                # MOUNT_ATTR__ATIME field cleared alongside the mode it sets.
                attr_set = (attr_set & ~MOUNT_ATTR__ATIME) | attr
                attr_clr |= MOUNT_ATTR__ATIME
            else:
                attr_set, attr_clr = attr_set | attr, attr_clr & ~attr
        elif option == COPY_UP_OPTION:
            copy_up = True
        else:
            data.append(option)
    return MountOptions(flags, tuple(propagation), attr_set, attr_clr, copy_up, ",".join(data))
