"""Container cgroups on v1, hybrid and v2 hosts, made directly (cgroupfs)
or as systemd transient units (open_cgroup(..., systemd=True)).

    mgr = open_cgroup(container_id, spec.linux.cgroups_path, spec.linux.resources,
                      linux_devices=spec.linux.devices)
    state["cgroup"] = mgr.record()      # saved before anything exists
    mgr.create(); mgr.add_process(pid)
    state["cgroup"] = mgr.record()      # now exactly what was made
    ...
    CgroupManager.from_record(state["cgroup"]).destroy()

The names are loaded on first use: `state` and `list` only need
`record_is_frozen`, and must not pay for importing the whole manager.
"""

__all__ = ["CgroupError", "CgroupManager", "open_cgroup", "record_is_frozen"]


def __getattr__(name: str):
    if name in ("CgroupManager", "open_cgroup"):
        from runc_py.linux.cgroups import manager

        return getattr(manager, name)
    if name == "CgroupError":
        from runc_py.linux.cgroups.files import CgroupError

        return CgroupError
    raise AttributeError(name)


def record_is_frozen(record: dict) -> bool:
    """Whether the cgroup a manager record describes is frozen, read straight
    from the freezer files (v1 freezer.state, v2 cgroup.events)."""
    paths = record.get("paths") or {}
    try:
        if record.get("mode") == "v2":
            with open(paths[""] + "/cgroup.events", "rb") as f:
                return b"frozen 1\n" in f.read()
        with open(paths["freezer"] + "/freezer.state", "rb") as f:
            return f.read().strip() == b"FROZEN"
    except (KeyError, OSError):
        return False
