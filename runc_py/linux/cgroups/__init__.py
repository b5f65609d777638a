"""Container cgroups on v1, hybrid and v2 hosts (the systemd driver only
reports that it is unavailable).

    mgr = open_cgroup(container_id, spec.linux.cgroups_path, spec.linux.resources,
                      linux_devices=spec.linux.devices)
    state["cgroup"] = mgr.record()      # saved before anything exists
    mgr.create(); mgr.add_process(pid)
    state["cgroup"] = mgr.record()      # now exactly what was made
    ...
    CgroupManager.from_record(state["cgroup"]).destroy()
"""
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.manager import CgroupManager, open_cgroup

__all__ = ["CgroupError", "CgroupManager", "open_cgroup"]
