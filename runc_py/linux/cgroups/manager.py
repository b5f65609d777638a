"""CgroupManager: one container's cgroups, from placement to removal.

Ownership (DESIGN §5): the manager records which directories *it* made.
`record()` taken before `create()` lists the directories create() is about
to make, so a runtime killed half-way can be cleaned up by a later
`delete --force` that knows nothing else; after create() it lists exactly
the ones made.  destroy() removes only those, deepest first: the leaf with
any sub-cgroups the container made inside it (retrying while the kernel
still reports it busy), and the intermediate levels only if they are empty
(another container may have been placed below them meanwhile).
"""
import os
import time

from runc_py.linux.cgroups import devices_rules, files, v1, v2
from runc_py.linux.cgroups.detect import V2, Host
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.resources import kernel_memory_warnings, required_controllers

RECORD_VERSION = 1
SIGKILL = 9  # the signal module would pull in enum at start-up


def _dirs_to_make(leaf: str, mountpoint: str) -> list[str]:
    """The levels of `leaf` below `mountpoint` that do not exist yet, top first."""
    out = []
    d = leaf.rstrip("/")
    while d != mountpoint.rstrip("/") and len(d) > len(mountpoint) and not os.path.isdir(d):
        out.append(d)
        d = os.path.dirname(d)
    return out[::-1]


def _populated(path: str) -> bool:
    try:
        with open(f"{path}/cgroup.procs") as f:
            return bool(f.read().strip())
    except OSError:
        return False


def _rmdir(path: str, retry: bool) -> int:
    """rmdir; 0 when gone, else the errno.  EBUSY on a cgroup without
    processes is retried for about a second (a cgroup whose last task just
    exited stays busy briefly); one with processes fails at once."""
    delay = 0.001
    for _ in range(11 if retry else 1):
        try:
            os.rmdir(path)
            return 0
        except FileNotFoundError:
            return 0
        except OSError as e:
            if e.errno != 16 or not retry or _populated(path):
                return e.errno
        time.sleep(delay)
        delay *= 2
    return 16


def _remove_tree(path: str) -> int:
    """Remove a leaf cgroup and the sub-cgroups inside it (runc's RemovePath)."""
    if _rmdir(path, retry=False) == 0:
        return 0
    try:
        children = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0
    for child in children:
        _remove_tree(child)
    return _rmdir(path, retry=True)


class CgroupManager:
    # How v2 device rules reach the kernel; a seam for tests on fake trees,
    # where there is no cgroup to attach a BPF program to.
    @staticmethod
    def device_filter(cgroup_dir: str, rules) -> None:
        from runc_py.linux.cgroups.devices_bpf import attach_device_filter
        attach_device_filter(cgroup_dir, rules)

    def __init__(self, container_id: str, mode: str, paths: dict[str, str], mounts: dict[str, str],
                 resources=None, node_rules=None, created: list[str] | None = None):
        self.container_id = container_id
        self.mode = mode
        self.paths = paths
        self.mounts = mounts  # same keys as paths: the hierarchy's mount point
        self.resources = resources
        self.node_rules = node_rules if node_rules is not None else devices_rules.node_rules(None)
        self.created = created  # None until create() (or a record) says
        self.warnings: list[str] = []

    # -- placement and records -------------------------------------------------

    def _leaves(self) -> list[tuple[str, str]]:
        """(directory, mount point) for each distinct directory."""
        seen, out = set(), []
        for key, d in self.paths.items():
            if d not in seen:
                seen.add(d)
                out.append((d, self.mounts[key]))
        return out

    def planned_dirs(self) -> list[str]:
        return [d for leaf, mnt in self._leaves() for d in _dirs_to_make(leaf, mnt)]

    def record(self) -> dict:
        created = self.created if self.created is not None else self.planned_dirs()
        return {"version": RECORD_VERSION, "driver": "cgroupfs", "mode": self.mode,
                "container_id": self.container_id, "paths": dict(self.paths), "mounts": dict(self.mounts),
                "created": list(created), "complete": self.created is not None,
                "node_rules": [list(r) for r in self.node_rules]}

    @classmethod
    def from_record(cls, d: dict) -> "CgroupManager":
        if d.get("driver") == "systemd":
            from runc_py.linux.cgroups.systemd_manager import SystemdManager
            return SystemdManager.from_record(d)
        if d.get("version") != RECORD_VERSION or d.get("driver") != "cgroupfs":
            raise CgroupError(f"unknown cgroup record (version {d.get('version')}, driver {d.get('driver')})")
        rules = [devices_rules.DeviceRule(*r) for r in d.get("node_rules", [])]
        return cls(d["container_id"], d["mode"], dict(d["paths"]), dict(d["mounts"]),
                   node_rules=rules, created=list(d["created"]))

    # -- creation ----------------------------------------------------------------

    def check_controllers(self, resources) -> None:
        if self.mode == V2:
            root = self.mounts[""]
            have = v2.controllers(root)
            for ctrl, field in required_controllers(resources, v2=True):
                if ctrl not in have:
                    raise CgroupError(f'controller "{ctrl}" is not available on this host', path=field)
            if resources is not None and resources.unified:
                v2.check_unified_keys(resources.unified)
            return
        for ctrl, field in required_controllers(resources, v2=False):
            if ctrl not in self.paths:
                raise CgroupError(f'controller "{ctrl}" is not available on this host', path=field)
        if resources is not None and resources.unified:
            raise CgroupError("cannot use unified resources on a cgroup v1 host", path="linux.resources.unified")

    def create(self) -> None:
        """Make the directories, then apply the resources.  On any failure
        everything made here is removed before the error is raised."""
        if self.created is not None:
            raise CgroupError(f"the cgroups of container {self.container_id} were already created")
        self.created = []
        try:
            self._create()
        except BaseException:
            try:
                self.destroy()
            except CgroupError:
                pass
            raise

    def _create(self) -> None:
        self._make_dirs(self._leaves())
        self._prepare_hierarchies()
        self._apply(self.resources, devices=True)

    def _make_dirs(self, leaves) -> None:
        """mkdir each missing level of the (directory, mount point) pairs,
        noting in `created` the ones made here."""
        for leaf, mnt in leaves:
            for d in _dirs_to_make(leaf, mnt):
                try:
                    os.mkdir(d, 0o755)
                except FileExistsError:
                    continue  # made by someone else meanwhile: not ours
                except OSError as e:
                    raise CgroupError(f"mkdir {d}: {files.reason(e.errno)}") from e
                self.created.append(d)

    def _prepare_hierarchies(self) -> None:
        """What a new cgroup needs before a process can join and limits be
        written: cpus and mems in cpuset (v1), controllers enabled down to
        the leaf (v2)."""
        if "cpuset" in self.paths:
            v1.inherit_cpuset(self.mounts["cpuset"], self.paths["cpuset"])
        if self.mode == V2:
            leaf, root = self.paths[""], self.mounts[""]
            parent = os.path.dirname(leaf)
            chain = []
            while len(parent) >= len(root):
                chain.append(parent)
                parent = os.path.dirname(parent)
            for d in reversed(chain):
                v2.enable_controllers(d)

    # -- resources -----------------------------------------------------------------

    def apply(self, resources) -> None:
        """(Re)write the limits in `resources` (`update`).  Device rules are
        rewritten only when resources.devices is given."""
        self._apply(resources, devices=resources is not None and resources.devices is not None)
        self.resources = resources

    def _device_rules(self, resources) -> list:
        devices = resources.devices if resources is not None else None
        return devices_rules.rules_from_resources(devices) + self.node_rules

    def _apply(self, r, devices: bool) -> None:
        self.check_controllers(r)
        self.warnings = kernel_memory_warnings(r)
        p = self.paths
        if self.mode == V2:
            d = p[""]
            if devices:
                self.device_filter(d, self._device_rules(r))
            if r is None:
                return
            v2.set_pids(d, r.pids)
            v2.set_memory(d, r.memory)
            v2.set_io(d, r.block_io)
            v2.set_cpu(d, r.cpu)
            v2.set_cpuset(d, r.cpu)
            v2.set_hugetlb(d, r.hugepage_limits)
            v2.set_rdma(d, r.rdma)
            v2.set_unified(d, r.unified)
            if r.cpu is not None and (r.cpu.realtime_runtime is not None or r.cpu.realtime_period is not None):
                self.warnings.append("cpu realtime settings are ignored on cgroup v2")
            return
        # runc's v1 order: cpuset, devices, memory, cpu, pids, blkio, hugetlb, net, rdma.
        if r is not None and r.cpu is not None and (r.cpu.cpus or r.cpu.mems):
            v1.set_cpuset(p["cpuset"], r.cpu)
        if devices:
            from runc_py.linux.cgroups.devices_v1 import apply_devices_v1
            apply_devices_v1(p["devices"], self._device_rules(r))
        if r is None:
            return
        if "memory" in p:
            v1.set_memory(p["memory"], r.memory)
        if "cpu" in p:
            v1.set_cpu(p["cpu"], r.cpu)
        if "pids" in p:
            v1.set_pids(p["pids"], r.pids)
        if "blkio" in p:
            v1.set_blkio(p["blkio"], r.block_io)
        if r.hugepage_limits:
            v1.set_hugetlb(p["hugetlb"], r.hugepage_limits)
        v1.set_network(p, r.network)
        if r.rdma:
            v1.set_rdma(p["rdma"], r.rdma)

    # -- processes -------------------------------------------------------------------

    def add_process(self, pid: int) -> None:
        """Join every hierarchy: each v1 controller, name=systemd and, on
        hybrid hosts, the unified one (as runc, so `runc exec`-style joins
        and systemd tools see the container whole)."""
        for d, _ in self._leaves():
            v1.join(d, pid)

    def _process_dir(self) -> str:
        if self.mode == V2:
            return self.paths[""]
        for key in ("devices", "freezer", "pids", "memory"):
            if key in self.paths:
                return self.paths[key]
        return next(iter(self.paths.values()))

    def pids(self) -> list[int]:
        """Every process in the container's cgroup and its sub-cgroups."""
        out = []
        for dirpath, _, _ in os.walk(self._process_dir()):
            try:
                out.extend(int(x) for x in files.read(dirpath, "cgroup.procs").split())
            except FileNotFoundError:
                continue
        return sorted(set(out))

    def _freezer_dir(self) -> str:
        if self.mode == V2:
            return self.paths[""]
        if "freezer" not in self.paths:
            raise CgroupError('controller "freezer" is not available on this host')
        return self.paths["freezer"]

    def freeze(self) -> None:
        (v2 if self.mode == V2 else v1).freeze(self._freezer_dir())

    def thaw(self) -> None:
        (v2 if self.mode == V2 else v1).thaw(self._freezer_dir())

    def is_frozen(self) -> bool:
        try:
            return (v2 if self.mode == V2 else v1).is_frozen(self._freezer_dir())
        except FileNotFoundError:
            return False

    def signal_all(self, sig: int) -> None:
        """Signal every process (kill --all).  SIGKILL on v2 uses cgroup.kill,
        which the kernel applies atomically; otherwise, as runc: freeze so
        nothing forks in between, signal each pid, thaw."""
        if sig == SIGKILL and self.mode == V2 and files.exists(self.paths[""], "cgroup.kill"):
            files.write(self.paths[""], "cgroup.kill", "1")
            return
        try:
            self.freeze()
            frozen = True
        except CgroupError:
            frozen = False
        try:
            for pid in self.pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        finally:
            if frozen:
                self.thaw()

    # -- reporting -----------------------------------------------------------------

    def stats(self) -> dict:
        from runc_py.linux.cgroups import stats
        return stats.stats_v2(self.paths[""]) if self.mode == V2 else stats.stats_v1(self.paths)

    def oom_events(self):
        """A watcher with fileno() and wait(timeout) -> new OOM kills (0 on
        timeout, None once the cgroup is gone); close() it when done."""
        from runc_py.linux.cgroups import oom
        if self.mode == V2:
            return oom.OomWatcherV2(self.paths[""])
        if "memory" not in self.paths:
            raise CgroupError('controller "memory" is not available on this host')
        return oom.OomWatcherV1(self.paths["memory"])

    # -- removal -------------------------------------------------------------------

    def destroy(self) -> None:
        """Remove what this manager (or the record it came from) created.
        Kills nothing: a cgroup that still has processes stays, and the error
        says which."""
        created = self.created or []
        leaves = {d for d, _ in self._leaves()}
        failed: list[tuple[str, int]] = []
        kept: list[str] = []  # levels above a leaf that could not go
        for d in reversed(created):
            if d in leaves:
                err = _remove_tree(d)
                if err:
                    failed.append((d, err))
            elif any(f.startswith(d + "/") for f, _ in failed):
                kept.append(d)
            else:
                err = _rmdir(d, retry=False)
                if err and err not in (16, 39):  # EBUSY/ENOTEMPTY: now shared with others
                    failed.append((d, err))
        remaining = set(kept) | {d for d, _ in failed}
        self.created = [d for d in created if d in remaining]
        if failed:
            raise CgroupError("remove cgroups: " + "; ".join(f"{d}: {files.reason(e)}" for d, e in failed))


def open_cgroup(container_id: str, cgroups_path: str | None, resources=None, *, systemd: bool = False,
                linux_devices=None, host: Host | None = None) -> CgroupManager:
    """A manager for the container's cgroups, placed and checked but not yet
    created.  `linux_devices` (spec linux.devices) adds rwm rules for the
    device nodes the container gets; `host` replaces detection (tests)."""
    if systemd:
        from runc_py.linux.cgroups.systemd import open_systemd_cgroup
        return open_systemd_cgroup(container_id, cgroups_path, resources, linux_devices=linux_devices, host=host)
    if host is None:
        from runc_py.linux.cgroups.detect import detect_host
        host = detect_host()
    from runc_py.linux.cgroups.placement import cgroup_paths
    paths = cgroup_paths(host, container_id, cgroups_path)
    mounts = {k: (host.unified if k == "" else host.mounts[k]) for k in paths}
    mgr = CgroupManager(container_id, host.mode, paths, mounts, resources,
                        node_rules=devices_rules.node_rules(linux_devices))
    mgr.check_controllers(resources)
    devices_rules.rules_from_resources(resources.devices if resources is not None else None)
    return mgr
