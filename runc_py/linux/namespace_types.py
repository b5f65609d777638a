"""The namespace types of config.json: clone/unshare/setns flag and /proc file.

`linux.namespaces[].type` uses the spec's names; the kernel's names for the
same things differ (`network` is `net` under /proc/<pid>/ns, `mount` is
`mnt`).  Every type can be joined with setns(2) through its /proc file or a
bind mount of it (time namespaces since Linux 5.8).
"""

NAMESPACES: dict[str, tuple[int, str]] = {
    "pid": (0x20000000, "pid"),  # CLONE_NEWPID
    "network": (0x40000000, "net"),  # CLONE_NEWNET
    "mount": (0x00020000, "mnt"),  # CLONE_NEWNS
    "ipc": (0x08000000, "ipc"),  # CLONE_NEWIPC
    "uts": (0x04000000, "uts"),  # CLONE_NEWUTS
    "user": (0x10000000, "user"),  # CLONE_NEWUSER
    "cgroup": (0x02000000, "cgroup"),  # CLONE_NEWCGROUP
    "time": (0x00000080, "time"),  # CLONE_NEWTIME
}
