"""systemd's Manager API over D-Bus: transient units and their jobs.

The connection is the one runc's go-systemd makes: the system bus, or for
root, when no bus answers, systemd's private socket.  Every unit change is
a job; the call returns the job's path and systemd later announces its end
with the JobRemoved(id, job, unit, result) signal, "done" on success.
"""
import os

from runc_py.linux import dbus
from runc_py.linux.cgroups.files import CgroupError

SYSTEMD = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
JOB_REMOVED_RULE = (f"type='signal',sender='{SYSTEMD}',path='{MANAGER_PATH}',interface='{MANAGER}',"
                    "member='JobRemoved'")
NO_SUCH_UNIT = "org.freedesktop.systemd1.NoSuchUnit"
UNIT_EXISTS = "org.freedesktop.systemd1.UnitExists"
JOB_TIMEOUT = 30.0  # runc's


class Systemd(dbus.Connection):
    """A connection to systemd, with its Manager's methods."""

    def __init__(self, sock, peer: bool):
        super().__init__(sock, peer)
        self._version: int | None = None

    def _call(self, member: str, signature: str = "", args=()) -> list:
        return self.call(SYSTEMD, MANAGER_PATH, MANAGER, member, signature, args)

    def version(self) -> int:
        """The leading number of the Manager's Version ("252.38-1~deb12u1"
        -> 252); 0 if it cannot be read."""
        if self._version is None:
            try:
                _, text = self.call(SYSTEMD, MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get", "ss",
                                    [MANAGER, "Version"])[0]
            except dbus.DBusError:
                text = ""
            digits = ""
            for c in text.lstrip('"v'):
                if not c.isdigit():
                    break
                digits += c
            self._version = int(digits) if digits else 0
        return self._version

    def _wait_job(self, job: str, timeout: float = JOB_TIMEOUT) -> str | None:
        """The job's result, or None if systemd did not say within timeout."""
        msg = self.wait_signal(
            lambda m: m.member == "JobRemoved" and m.interface == MANAGER and len(m.body) == 4
            and m.body[1] == job, timeout)
        return None if msg is None else msg.body[3]

    def start_transient_unit(self, unit: str, properties: list) -> None:
        for attempt in (1, 2):
            try:
                job = self._call("StartTransientUnit", "ssa(sv)a(sa(sv))", [unit, "replace", properties, []])[0]
                break
            except dbus.DBusError as e:
                if e.name != UNIT_EXISTS:
                    raise CgroupError(f"unable to start systemd unit {unit}: {e}") from None
                if attempt == 2:
                    raise CgroupError(f"unable to start systemd unit {unit}: a unit of that name already "
                                      "exists (another container?)") from None
                self.reset_failed_unit(unit)  # a failed leftover goes once reset
        result = self._wait_job(job)
        if result != "done":
            self.reset_failed_unit(unit)
            if result is None:
                raise CgroupError(f"timed out waiting for systemd to create {unit}")
            raise CgroupError(f"error creating systemd unit {unit}: got {result}")

    def stop_unit(self, unit: str) -> str | None:
        """Stop the unit and wait; a unit that is already gone is fine.
        Returns a warning when the job did not end "done"."""
        warning = None
        try:
            job = self._call("StopUnit", "ss", [unit, "replace"])[0]
        except dbus.DBusError as e:
            if e.name != NO_SUCH_UNIT:
                raise CgroupError(f"unable to stop systemd unit {unit}: {e}") from None
        else:
            result = self._wait_job(job)
            if result is None:
                raise CgroupError(f"timed out waiting for systemd to remove {unit}")
            if result != "done":
                warning = f"removing systemd unit {unit}: got {result}"
        self.reset_failed_unit(unit)
        return warning

    def reset_failed_unit(self, unit: str) -> None:
        try:
            self._call("ResetFailedUnit", "s", [unit])
        except dbus.DBusError:
            pass  # not failed, or gone: nothing to reset

    def set_unit_properties(self, unit: str, properties: list) -> None:
        try:
            self._call("SetUnitProperties", "sba(sv)", [unit, True, properties])
        except dbus.DBusError as e:
            raise CgroupError(f"unable to set properties of systemd unit {unit}: {e}") from None

    def get_unit(self, unit: str) -> str | None:
        """The unit's object path, or None when systemd has no such unit loaded."""
        try:
            return self._call("GetUnit", "s", [unit])[0]
        except dbus.DBusError as e:
            if e.name == NO_SUCH_UNIT:
                return None
            raise CgroupError(f"unable to look up systemd unit {unit}: {e}") from None


def _open(address: str, peer: bool) -> Systemd:
    sd = Systemd.open(address, peer=peer)
    try:
        sd.add_match(JOB_REMOVED_RULE)
        sd.call(SYSTEMD, MANAGER_PATH, MANAGER, "Subscribe")
    except BaseException:
        sd.close()
        raise
    return sd


def connect() -> Systemd:
    """systemd on the system bus ($DBUS_SYSTEM_BUS_ADDRESS or the standard
    socket); for root, its private socket when the bus cannot be used."""
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or dbus.SYSTEM_BUS
    try:
        return _open(address, peer=False)
    except dbus.DBusError as e:
        if os.geteuid() != 0:
            raise CgroupError(f"cannot reach systemd over D-Bus ({address}): {e}") from None
        bus_error = e
    try:
        return _open(dbus.SYSTEMD_PRIVATE, peer=True)
    except dbus.DBusError as e:
        raise CgroupError(f"cannot reach systemd: system bus: {bus_error}; private socket: {e}") from None
