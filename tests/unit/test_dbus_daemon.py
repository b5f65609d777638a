"""The bus side of the D-Bus client, against a real dbus-daemon of our own
(a session bus on a socket in tmp_path): Hello, method calls and errors,
AddMatch and the signals the daemon routes; and the systemd connection's
fall back from a bus without systemd to the private socket."""
import shutil
import subprocess

import pytest

from runc_py.linux import dbus
from runc_py.linux.cgroups import CgroupError
from runc_py.linux.cgroups import systemd_units

BUS = "org.freedesktop.DBus"
BUS_PATH = "/org/freedesktop/DBus"


@pytest.fixture
def bus(tmp_path):
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.fail("dbus-daemon is needed (Debian package dbus-daemon)")
    config = tmp_path / "bus.conf"  # a session bus policy, no service directories: nothing is activated
    config.write_text(f"""<busconfig>
  <type>session</type>
  <listen>unix:path={tmp_path}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
""")
    proc = subprocess.Popen([daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = proc.stdout.readline().strip()
        assert address.startswith(f"unix:path={tmp_path}/bus"), address
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_hello_calls_errors_and_routed_signals(bus):
    with dbus.Connection.open(bus) as conn:
        assert conn.unique_name.startswith(":1.")
        bus_id = conn.call(BUS, BUS_PATH, BUS, "GetId")[0]
        assert len(bus_id) == 32 and int(bus_id, 16) >= 0
        assert conn.unique_name in conn.call(BUS, BUS_PATH, BUS, "ListNames")[0]
        with pytest.raises(dbus.DBusError) as e:
            conn.call("org.example.Nobody", "/", "org.example.Nobody", "Hi")
        assert e.value.name == "org.freedesktop.DBus.Error.ServiceUnknown"

        conn.add_match(f"type='signal',sender='{BUS}',member='NameOwnerChanged'")
        with dbus.Connection.open(bus) as other:
            seen = conn.wait_signal(lambda m: m.member == "NameOwnerChanged" and m.body[0] == other.unique_name,
                                    timeout=5)
            assert seen is not None and seen.body == [other.unique_name, "", other.unique_name]
            assert seen.field(dbus.SENDER) == BUS


def test_systemd_connection_falls_back_to_the_private_socket(bus, tmp_path, monkeypatch):
    """A bus without systemd on it: as root, the private socket is tried
    next, and both failures are named."""
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
    monkeypatch.setattr(dbus, "SYSTEMD_PRIVATE", f"unix:path={tmp_path}/no-systemd")
    with pytest.raises(CgroupError) as e:
        systemd_units.connect()
    assert "system bus: org.freedesktop.DBus.Error.ServiceUnknown" in e.value.msg
    assert f"private socket: connect {tmp_path}/no-systemd: No such file or directory" in e.value.msg
