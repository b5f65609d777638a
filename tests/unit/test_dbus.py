"""The D-Bus wire format and client: known byte strings, round trips, and a
conversation with a peer speaking the protocol on a socketpair."""
import os
import socket
import struct
import threading

import pytest

from runc_py.linux import dbus
from runc_py.linux.dbus import (DESTINATION, INTERFACE, MEMBER, METHOD_CALL, PATH, DBusError, Message, marshal,
                                parse_address, split_signature, unmarshal)

# Hello() as libdbus's dbus-send writes it after authenticating (captured
# from the socket): serial 1, fields in the order PATH, DESTINATION,
# INTERFACE, MEMBER, no body.
HELLO = bytes.fromhex(
    "6c01000100000000010000006e000000"
    "01016f00150000002f6f72672f667265656465736b746f702f444275730000"
    "0006017300140000006f72672e667265656465736b746f702e4442757300000000"
    "02017300140000006f72672e667265656465736b746f702e4442757300000000"
    "030173000500000048656c6c6f000000")


def test_hello_as_libdbus_sends_it():
    msg = Message.decode(HELLO)
    assert (msg.type, msg.flags, msg.serial, msg.body) == (METHOD_CALL, 0, 1, [])
    assert msg.fields == {PATH: "/org/freedesktop/DBus", DESTINATION: "org.freedesktop.DBus",
                          INTERFACE: "org.freedesktop.DBus", MEMBER: "Hello"}
    assert list(msg.fields) == [PATH, DESTINATION, INTERFACE, MEMBER]
    assert Message(METHOD_CALL, 1, dict(msg.fields)).encode() == HELLO
    assert dbus.message_length(HELLO[:16]) == len(HELLO) == 128


@pytest.mark.parametrize("sig, values, raw", [
    ("s", ["foo"], b"\x03\0\0\0foo\0"),
    ("g", ["a(sv)"], b"\x05a(sv)\0"),
    ("yt", [1, 2], b"\x01" + b"\0" * 7 + struct.pack("<Q", 2)),
    ("yq", [1, 0xBEEF], b"\x01\0\xef\xbe"),
    ("bn", [True, -2], b"\x01\0\0\0\xfe\xff"),
    ("ix", [-1, -2], b"\xff\xff\xff\xff" + b"\0" * 4 + struct.pack("<q", -2)),
    ("d", [1.5], struct.pack("<d", 1.5)),
    # An empty array of 8-aligned elements still pads after its length.
    ("at", [[]], b"\0" * 8),
    ("yat", [7, [5]], b"\x07\0\0\0" + b"\x08\0\0\0" + struct.pack("<Q", 5)),
    ("ay", [[1, 2, 3]], b"\x03\0\0\0\x01\x02\x03"),
    ("au", [[9, 10]], b"\x08\0\0\0\x09\0\0\0\x0a\0\0\0"),
    ("v", [("u", 7)], b"\x01u\0\0\x07\0\0\0"),
    ("(yv)", [(1, ("s", "a"))], b"\x01\x01s\0\x01\0\0\0a\0"),
    ("a{sb}", [{"x": True}], b"\x0c\0\0\0" + b"\0" * 4 + b"\x01\0\0\0x\0\0\0\x01\0\0\0"),
    ("a(ss)", [[("/dev/char/1:3", "rwm")]],
     b"\x1c\0\0\0" + b"\0" * 4 + b"\x0d\0\0\0/dev/char/1:3\0\0\0\x03\0\0\0rwm\0"),
])
def test_known_encodings(sig, values, raw):
    assert marshal(sig, values) == raw
    assert unmarshal(sig, raw) == values


def test_start_transient_unit_body_round_trips():
    props = [("Description", ("s", "runc-py container x")), ("PIDs", ("au", [1234])),
             ("Delegate", ("b", True)), ("MemoryLimit", ("t", (1 << 64) - 1)),
             ("AllowedCPUs", ("ay", [0x0F, 0x01])),
             ("DeviceAllow", ("a(ss)", [("char-pts", "rwm"), ("/dev/char/1:3", "rwm")])),
             ("Wants", ("as", ["a.slice"]))]
    body = ["x.scope", "replace", props, []]
    raw = marshal("ssa(sv)a(sa(sv))", body)
    assert unmarshal("ssa(sv)a(sa(sv))", raw) == body
    msg = Message(METHOD_CALL, 42, {PATH: "/org/freedesktop/systemd1", MEMBER: "StartTransientUnit"}, body,
                  "ssa(sv)a(sa(sv))")
    data = msg.encode()
    again = Message.decode(data)
    assert (again.serial, again.signature, again.body, again.member) == (42, "ssa(sv)a(sa(sv))", body,
                                                                         "StartTransientUnit")
    assert dbus.message_length(data[:16]) == len(data)


def test_big_endian_messages_are_read():
    # A reply to serial 3 from a big-endian peer: REPLY_SERIAL, SIGNATURE "u", body 258.
    raw = (b"B\x02\x00\x01" + struct.pack(">III", 4, 9, 15) + b"\x05\x01u\x00" + struct.pack(">I", 3)
           + b"\x08\x01g\x00\x01u\x00" + b"\x00" + struct.pack(">I", 258))
    assert dbus.message_length(raw[:16]) == len(raw) == 36
    msg = Message.decode(raw)
    assert (msg.type, msg.serial, msg.field(dbus.REPLY_SERIAL), msg.signature, msg.body) == (
        dbus.METHOD_RETURN, 9, 3, "u", [258])


@pytest.mark.parametrize("sig", ["a", "(", "()", "(s", "z", "a{s}", "a{vs}", "a{sss}"])
def test_bad_signatures(sig):
    with pytest.raises(DBusError):
        split_signature(sig)


def test_bad_values_and_data():
    assert split_signature("sa{sv}(ii)aas") == ["s", "a{sv}", "(ii)", "aas"]
    with pytest.raises(DBusError, match="exactly one complete type"):
        marshal("v", [("ss", ("a", "b"))])
    with pytest.raises(DBusError, match="needs 2 fields"):
        marshal("(ss)", [("a",)])
    with pytest.raises(DBusError, match="truncated"):
        unmarshal("s", b"\x05\0\0\0ab")
    with pytest.raises(DBusError, match="left after"):
        unmarshal("y", b"\x01\x02")
    with pytest.raises(DBusError, match="boolean"):
        unmarshal("b", b"\x02\0\0\0")


def test_parse_address():
    assert parse_address("unix:path=/run/dbus/system_bus_socket") == ["/run/dbus/system_bus_socket"]
    assert parse_address("tcp:host=h,port=1;unix:abstract=x%2fy,guid=00;unix:path=/a%20b") == ["\0x/y", "/a b"]
    with pytest.raises(DBusError, match="no unix socket"):
        dbus.Connection.open("tcp:host=localhost,port=1")


class FakePeer:
    """The server end of a socketpair speaking D-Bus: answers AUTH, then
    runs `script(peer)` on the messages it reads."""

    def __init__(self, script):
        self.client_sock, self.sock = socket.socketpair()
        self.auth = b""
        self.received: list[Message] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self.thread.start()

    def _run(self, script):
        try:
            while b"BEGIN\r\n" not in self.auth:
                self.auth += self.sock.recv(4096)
            self.sock.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")
            self.buf = self.auth.split(b"BEGIN\r\n", 1)[1]
            script(self)
        except BaseException as e:  # reported by the test
            self.error = e
        finally:
            self.sock.close()

    def read(self) -> Message:
        while len(self.buf) < 16 or len(self.buf) < dbus.message_length(self.buf[:16]):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        n = dbus.message_length(self.buf[:16])
        msg, self.buf = Message.decode(self.buf[:n]), self.buf[n:]
        self.received.append(msg)
        return msg

    def send(self, type_, serial, fields, body=(), sig=""):
        self.sock.sendall(Message(type_, serial, fields, body, sig).encode())

    def join(self):
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()
        if self.error is not None:
            raise self.error


def test_call_reply_error_and_signals_over_a_peer():
    def script(peer):
        call = peer.read()
        # A signal first: the client keeps it for later.
        peer.send(dbus.SIGNAL, 100, {PATH: "/o", INTERFACE: "i.Face", MEMBER: "Done"}, [5, "ok"], "us")
        peer.send(dbus.METHOD_RETURN, 101, {dbus.REPLY_SERIAL: call.serial}, ["/job/1"], "o")
        call = peer.read()
        peer.send(dbus.ERROR, 102, {dbus.REPLY_SERIAL: call.serial, dbus.ERROR_NAME: "org.x.NoSuchThing"},
                  ["it is not there"], "s")
        peer.send(dbus.SIGNAL, 103, {PATH: "/o", INTERFACE: "i.Face", MEMBER: "Done"}, [6, "late"], "us")
        peer.sock.recv(1)  # until the client hangs up

    peer = FakePeer(script)
    conn = dbus.Connection(peer.client_sock, peer=True)
    conn._authenticate()
    assert conn.call("org.x", "/o", "i.Face", "Start", "sau", ["u", [1, 2]]) == ["/job/1"]
    with pytest.raises(DBusError) as e:
        conn.call("org.x", "/o", "i.Face", "Get", "s", ["y"])
    assert e.value.name == "org.x.NoSuchThing" and str(e.value) == "org.x.NoSuchThing: it is not there"
    assert conn.wait_signal(lambda m: m.body[0] == 6, timeout=5).body == [6, "late"]
    assert conn.wait_signal(lambda m: True, timeout=0.05) is None
    conn.close()
    peer.join()
    assert peer.auth == b"\0AUTH EXTERNAL " + str(os.geteuid()).encode().hex().encode() + b"\r\nBEGIN\r\n"
    start = peer.received[0]
    assert (start.member, start.interface, start.path, start.field(DESTINATION), start.body) == (
        "Start", "i.Face", "/o", "org.x", ["u", [1, 2]])


def test_no_reply_is_a_timeout_error():
    peer = FakePeer(lambda p: p.read() and p.sock.recv(1))
    conn = dbus.Connection(peer.client_sock, peer=True)
    conn._authenticate()
    with pytest.raises(DBusError, match="no reply to i.F.M within 0.1s"):
        conn.call(None, "/", "i.F", "M", timeout=0.1)
    conn.close()
    peer.join()


def test_refused_authentication():
    a, b = socket.socketpair()
    b.sendall(b"REJECTED EXTERNAL\r\n")
    conn = dbus.Connection(a, peer=True)
    with pytest.raises(DBusError, match="authentication refused: REJECTED"):
        conn._authenticate()
    a.close()
    b.close()


def test_a_peer_that_hangs_up_is_a_dbus_error(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    server.listen(1)
    threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
    with pytest.raises(DBusError, match="D-Bus handshake on .*/sock: |closed"):
        dbus.Connection.open(f"unix:path={tmp_path}/sock", peer=True)
    server.close()
    with pytest.raises(DBusError, match="connect .*/none: No such file or directory"):
        dbus.Connection.open(f"unix:path={tmp_path}/none")
