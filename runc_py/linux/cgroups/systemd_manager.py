"""SystemdManager: a CgroupManager whose cgroup is a systemd transient unit.

The directories are the unit's (systemd.py computes them); everything that
reads or writes cgroup files (limits, freezer, pids, stats, OOM events,
kill --all) is the cgroupfs manager's, unchanged.  What differs is the
life of the cgroup, as in runc's systemd managers:

- create() only checks that systemd answers (a scope cannot start
  without a process) and makes the directories of the v1 hierarchies
  systemd does not manage (cpuset, freezer, ...);
- the first add_process(pid) starts the unit with PIDs=[pid] and the
  limits as unit properties, waits for the job, joins the pid to the other
  hierarchies and writes every limit to cgroupfs as well (systemd does not
  know all of them);
- apply() (update) tells systemd the new limits before writing the files,
  freezing meanwhile: systemd rewrites device rules disruptively;
- destroy() stops the unit, then removes what is left of its directories.
"""
from runc_py.linux.cgroups import devices_rules, v1
from runc_py.linux.cgroups.detect import V2
from runc_py.linux.cgroups.files import CgroupError
from runc_py.linux.cgroups.manager import RECORD_VERSION, CgroupManager
from runc_py.linux.cgroups.systemd_properties import device_properties, resource_properties, unit_properties

# v1 hierarchies systemd manages for a unit with every kind of accounting on
# (the unified one too, on hybrid hosts): it makes the unit's directory there
# and puts the pids in.  The others are runc-py's to make and join.
SYSTEMD_MANAGED_V1 = frozenset({"cpu", "cpuacct", "blkio", "memory", "devices", "pids", "name=systemd", ""})


class SystemdManager(CgroupManager):
    def __init__(self, container_id: str, mode: str, paths: dict[str, str], mounts: dict[str, str], unit: str,
                 slice_name: str, resources=None, node_rules=None, device_rules=None,
                 created: list[str] | None = None):
        super().__init__(container_id, mode, paths, mounts, resources, node_rules=node_rules, created=created)
        self.unit = unit
        self.slice = slice_name
        # Every device rule, kept in the record: `update` passes no devices,
        # and systemd must be told them again with any new limit.
        self.device_rules = (device_rules if device_rules is not None
                             else CgroupManager._device_rules(self, resources))
        self._starting = False

    def record(self) -> dict:
        d = super().record()
        d.update(driver="systemd", unit=self.unit, slice=self.slice,
                 device_rules=[list(r) for r in self.device_rules])
        return d

    @classmethod
    def from_record(cls, d: dict) -> "SystemdManager":
        if d.get("version") != RECORD_VERSION:
            raise CgroupError(f"unknown cgroup record (version {d.get('version')}, driver systemd)")
        return cls(d["container_id"], d["mode"], dict(d["paths"]), dict(d["mounts"]), d["unit"], d["slice"],
                   node_rules=[devices_rules.DeviceRule(*r) for r in d.get("node_rules", [])],
                   device_rules=[devices_rules.DeviceRule(*r) for r in d["device_rules"]],
                   created=list(d["created"]))

    def _device_rules(self, resources) -> list:
        if resources is not None and resources.devices is not None:
            return super()._device_rules(resources)
        return self.device_rules

    def _connect(self):
        from runc_py.linux.cgroups.systemd_units import connect
        return connect()

    # -- creation ------------------------------------------------------------------

    def _create(self) -> None:
        # An unreachable systemd fails here, before anything exists.  The
        # connection is not kept: the container's processes are forked
        # before the unit starts and would hold it open, unread, while
        # systemd queues every Manager signal to it.
        self._connect().close()
        self._make_dirs([(self.paths[k], self.mounts[k]) for k in self.paths if k not in SYSTEMD_MANAGED_V1])
        self._starting = True

    def add_process(self, pid: int) -> None:
        """The first process after create() starts the unit; later ones
        (exec) join its directories like the cgroupfs driver's."""
        if not self._starting:
            super().add_process(pid)
            return
        self._starting = False
        with self._connect() as sd:
            self._start(sd, pid)

    def _start(self, sd, pid: int) -> None:
        v2, version, warnings = self.mode == V2, sd.version(), []
        is_slice = self.unit.endswith(".slice")
        props = (unit_properties(self.container_id, self.unit, self.slice, None if is_slice else pid, v2)
                 + resource_properties(self.resources, v2, version)
                 + device_properties(self._device_rules(self.resources), version, warnings))
        sd.start_transient_unit(self.unit, props)
        self._make_dirs(self._leaves())  # any directory systemd did not make (a controller it skipped)
        self._prepare_hierarchies()
        for key, d in self.paths.items():
            if is_slice or key not in ("name=systemd", ""):  # systemd placed the pid there
                v1.join(d, pid)
        self._apply(self.resources, devices=True)
        self.warnings += warnings

    # -- resources -------------------------------------------------------------------

    def apply(self, resources) -> None:
        v2, warnings = self.mode == V2, []
        with self._connect() as sd:
            version = sd.version()
            props = (resource_properties(resources, v2, version)
                     + device_properties(self._device_rules(resources), version, warnings))
            froze = False
            if not self.is_frozen():
                try:
                    self.freeze()
                    froze = True
                except CgroupError:
                    pass  # no freezer: set them unfrozen, as runc does
            try:
                sd.set_unit_properties(self.unit, props)
            finally:
                if froze:
                    self.thaw()
        self._apply(resources, devices=True)  # systemd rewrote the device rules: put back the exact ones
        self.resources = resources
        self.warnings += warnings

    # -- removal ---------------------------------------------------------------------

    def destroy(self) -> None:
        """Stop the unit (a unit already gone is fine), then remove every
        directory of the unit that is left (runc's RemovePaths) and the
        levels above them this manager made, if empty.  Both happen even
        when systemd cannot be reached; its error is the one raised."""
        stop_error = None
        try:
            with self._connect() as sd:
                warning = sd.stop_unit(self.unit)
            if warning:
                self.warnings.append(warning)
        except CgroupError as e:
            stop_error = e
        self.created = list(dict.fromkeys((self.created or []) + [d for d, _ in self._leaves()]))
        try:
            super().destroy()
        except CgroupError:
            if stop_error is None:
                raise
        if stop_error is not None:
            raise stop_error
