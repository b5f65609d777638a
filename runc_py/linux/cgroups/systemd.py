"""The systemd cgroup driver (--systemd-cgroup).

runc asks systemd over D-Bus for a transient scope unit and lets systemd own
the cgroup.  runc-py does not talk D-Bus (yet), so this driver only decides
which error to give; it never falls back to the cgroupfs driver silently,
since a cgroup created behind systemd's back is later "cleaned up" by it.
"""
from runc_py.linux.cgroups.files import CgroupError


def systemd_running(run_dir: str = "/run/systemd/system", pid1_comm: str = "/proc/1/comm") -> bool:
    """systemd is the init (sd_booted(3) checks /run/systemd/system; we also
    check that PID 1 is named systemd, since a container may bind that dir)."""
    import os

    if not os.path.isdir(run_dir):
        return False
    try:
        with open(pid1_comm) as f:
            return f.read().strip() == "systemd"
    except OSError:
        return False


def require_systemd_driver(**probe) -> None:
    if not systemd_running(**probe):
        raise CgroupError("systemd cgroup driver requested (--systemd-cgroup) but systemd is not "
                          "running on this host")
    raise CgroupError("systemd cgroup driver requested (--systemd-cgroup) but runc-py does not "
                      "implement it yet; run without --systemd-cgroup")
