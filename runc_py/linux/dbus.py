"""A minimal D-Bus client: enough to ask systemd for transient units.

Wire protocol (D-Bus specification, "Message Protocol"): a message is a
16-byte fixed header (endianness 'l'/'B', type, flags, version 1, body
length, serial), an array of (code, variant) header fields, padding to 8,
then the body.  Every value is aligned to its type's alignment counted from
the start of the message (the body starts 8-aligned, so it can be built and
read on its own).

Values in Python: integer types are int, b is bool, d is float, s/o/g are
str, an array is a list (a{..} is a dict), a struct is a tuple, and a
variant is a (signature, value) pair.

Two kinds of connection, as systemd's own tools use them:
- the system bus: SASL, then Hello() for a unique name; signals come only
  for the match rules added with AddMatch;
- systemd's private socket (/run/systemd/private, root only): a direct peer
  connection, no bus daemon, no Hello; systemd sends its Manager signals
  to every private client.

stdlib only (socket, struct, os): this is imported only for --systemd-cgroup.
"""
import os
import socket
import struct
import time

from runc_py.errors import RuncPyError

SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
SYSTEMD_PRIVATE = "unix:path=/run/systemd/private"

METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4
NO_REPLY_EXPECTED = 0x1

# Header field codes and their types.
PATH, INTERFACE, MEMBER, ERROR_NAME, REPLY_SERIAL, DESTINATION, SENDER, SIGNATURE = range(1, 9)
_FIELD_TYPES = {PATH: "o", INTERFACE: "s", MEMBER: "s", ERROR_NAME: "s", REPLY_SERIAL: "u",
                DESTINATION: "s", SENDER: "s", SIGNATURE: "g", 9: "u"}

# Fixed-size types: struct format and size (= alignment).
_FIXED = {"y": ("B", 1), "b": ("I", 4), "n": ("h", 2), "q": ("H", 2), "i": ("i", 4), "u": ("I", 4),
          "x": ("q", 8), "t": ("Q", 8), "d": ("d", 8), "h": ("I", 4)}
_BASIC = frozenset(_FIXED) | frozenset("sog")
_ALIGN = {"s": 4, "o": 4, "g": 1, "v": 1, "a": 4, "(": 8, "{": 8}
MAX_ARRAY = 1 << 26  # 64 MiB, the specification's limit
MAX_MESSAGE = 1 << 27


class DBusError(RuncPyError):
    """An error reply (name as org.freedesktop.systemd1.NoSuchUnit), or a
    failure of the connection itself (name "")."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}" if name else message)
        self.name = name
        self.message = message


def _alignment(t: str) -> int:
    return _FIXED[t[0]][1] if t[0] in _FIXED else _ALIGN[t[0]]


def _type_end(sig: str, i: int) -> int:
    """The index just past the complete type starting at sig[i]."""
    if i >= len(sig):
        raise DBusError("", f"signature {sig!r} ends inside a type")
    c = sig[i]
    if c == "a":
        return _type_end(sig, i + 1)
    if c in "({":
        close = ")" if c == "(" else "}"
        j, n = i + 1, 0
        while j < len(sig) and sig[j] != close:
            j, n = _type_end(sig, j), n + 1
        if j >= len(sig) or n == 0 or (c == "{" and (n != 2 or sig[i + 1] not in _BASIC)):
            raise DBusError("", f"signature {sig!r}: bad or unclosed {c}{close}")
        return j + 1
    if c in _FIXED or c in "sogv":
        return i + 1
    raise DBusError("", f"signature {sig!r}: unknown type {c!r}")


def split_signature(sig: str) -> list[str]:
    """"sa{sv}(ii)" -> ["s", "a{sv}", "(ii)"]."""
    out, i = [], 0
    while i < len(sig):
        j = _type_end(sig, i)
        out.append(sig[i:j])
        i = j
    return out


class _Writer:
    def __init__(self, offset: int = 0):
        self.buf = bytearray()
        self.offset = offset  # where buf starts in the message, for alignment

    def pad(self, n: int) -> None:
        self.buf += b"\0" * (-(self.offset + len(self.buf)) % n)

    def write(self, t: str, value) -> None:
        c = t[0]
        if c in _FIXED:
            fmt, size = _FIXED[c]
            self.pad(size)
            if c == "b":
                value = 1 if value else 0
            self.buf += struct.pack("<" + fmt, value)
        elif c in "so":
            data = value.encode()
            self.pad(4)
            self.buf += struct.pack("<I", len(data)) + data + b"\0"
        elif c == "g":
            data = value.encode()
            self.buf += bytes((len(data),)) + data + b"\0"
        elif c == "v":
            sig, inner = value
            if len(split_signature(sig)) != 1:
                raise DBusError("", f"a variant holds exactly one complete type, not {sig!r}")
            self.write("g", sig)
            self.write(sig, inner)
        elif c == "(":
            self.pad(8)
            types = split_signature(t[1:-1])
            if len(types) != len(value):
                raise DBusError("", f"struct {t} needs {len(types)} fields, got {len(value)}")
            for ft, fv in zip(types, value):
                self.write(ft, fv)
        elif c == "a":
            self._write_array(t[1:], value)
        else:
            raise DBusError("", f"cannot marshal type {t!r}")

    def _write_array(self, elem: str, value) -> None:
        self.pad(4)
        at = len(self.buf)
        self.buf += b"\0\0\0\0"
        self.pad(_alignment(elem))  # padding before the first element is not counted
        start = len(self.buf)
        if elem[0] == "{":
            kt, vt = split_signature(elem[1:-1])
            for k, v in value.items():
                self.pad(8)
                self.write(kt, k)
                self.write(vt, v)
        else:
            for v in value:
                self.write(elem, v)
        length = len(self.buf) - start
        if length > MAX_ARRAY:
            raise DBusError("", f"array of {length} bytes is over the {MAX_ARRAY}-byte limit")
        struct.pack_into("<I", self.buf, at, length)


class _Reader:
    def __init__(self, data: bytes, endian: str = "<", pos: int = 0):
        self.data = data
        self.endian = endian
        self.pos = pos

    def align(self, n: int) -> None:
        self.pos += -self.pos % n

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise DBusError("", "message is truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def read(self, t: str):
        c = t[0]
        if c in _FIXED:
            fmt, size = _FIXED[c]
            self.align(size)
            (value,) = struct.unpack(self.endian + fmt, self._take(size))
            if c == "b":
                if value not in (0, 1):
                    raise DBusError("", f"boolean with value {value}")
                return bool(value)
            return value
        if c in "so":
            n = self.read("u")
            s = self._take(n + 1)
            return s[:-1].decode()
        if c == "g":
            n = self._take(1)[0]
            return self._take(n + 1)[:-1].decode()
        if c == "v":
            sig = self.read("g")
            return (sig, self.read(sig))
        if c == "(":
            self.align(8)
            return tuple(self.read(ft) for ft in split_signature(t[1:-1]))
        if c == "a":
            n = self.read("u")
            if n > MAX_ARRAY:
                raise DBusError("", f"array of {n} bytes is over the {MAX_ARRAY}-byte limit")
            elem = t[1:]
            self.align(_alignment(elem))
            end = self.pos + n
            if elem[0] == "{":
                kt, vt = split_signature(elem[1:-1])
                d = {}
                while self.pos < end:
                    self.align(8)
                    k = self.read(kt)
                    d[k] = self.read(vt)
                return d
            out = []
            while self.pos < end:
                out.append(self.read(elem))
            return out
        raise DBusError("", f"cannot unmarshal type {t!r}")


def marshal(signature: str, values, offset: int = 0) -> bytes:
    """The values, laid out as a message body (or part of one at `offset`)."""
    w = _Writer(offset)
    types = split_signature(signature)
    if len(types) != len(values):
        raise DBusError("", f"signature {signature!r} needs {len(types)} values, got {len(values)}")
    for t, v in zip(types, values):
        w.write(t, v)
    return bytes(w.buf)


def unmarshal(signature: str, data: bytes, endian: str = "<") -> list:
    r = _Reader(data, endian)
    out = [r.read(t) for t in split_signature(signature)]
    if r.pos != len(data):
        raise DBusError("", f"{len(data) - r.pos} bytes left after the body")
    return out


class Message:
    __slots__ = ("type", "flags", "serial", "fields", "signature", "body")

    def __init__(self, type_: int, serial: int, fields: dict, body: list | tuple = (), signature: str = "",
                 flags: int = 0):
        self.type, self.serial, self.flags = type_, serial, flags
        self.fields = fields  # code -> plain value, sent in this order
        self.signature = signature
        self.body = list(body)

    def field(self, code: int):
        return self.fields.get(code)

    @property
    def member(self) -> str | None:
        return self.fields.get(MEMBER)

    @property
    def interface(self) -> str | None:
        return self.fields.get(INTERFACE)

    @property
    def path(self) -> str | None:
        return self.fields.get(PATH)

    def encode(self) -> bytes:
        body = marshal(self.signature, self.body)
        fields = dict(self.fields)
        if self.signature:
            fields[SIGNATURE] = self.signature
        head = _Writer()
        for t, v in (("y", ord("l")), ("y", self.type), ("y", self.flags), ("y", 1), ("u", len(body)),
                     ("u", self.serial)):
            head.write(t, v)
        head.write("a(yv)", [(code, (_FIELD_TYPES[code], value)) for code, value in fields.items()])
        head.pad(8)
        return bytes(head.buf) + body

    @classmethod
    def decode(cls, data: bytes) -> "Message":
        if data[0:1] not in (b"l", b"B"):
            raise DBusError("", f"bad endianness mark {data[0:1]!r}")
        endian = "<" if data[0:1] == b"l" else ">"
        r = _Reader(data, endian, 4)
        body_len, serial = r.read("u"), r.read("u")
        fields = {code: value for code, (_, value) in r.read("a(yv)")}
        r.align(8)
        body_data = data[r.pos:r.pos + body_len]
        if len(body_data) != body_len:
            raise DBusError("", "message is truncated")
        sig = fields.get(SIGNATURE, "")
        return cls(data[1], serial, fields, unmarshal(sig, body_data, endian), sig, data[2])


def message_length(head: bytes) -> int:
    """The full length of a message from its first 16 bytes."""
    endian = "<" if head[0:1] == b"l" else ">"
    body_len, _, fields_len = struct.unpack(endian + "III", head[4:16])
    return 16 + fields_len + (-(16 + fields_len) % 8) + body_len


def parse_address(address: str) -> list[str]:
    """Socket paths ("\\0name" for abstract) from a D-Bus address list."""
    out = []
    for entry in address.split(";"):
        transport, _, params = entry.partition(":")
        if transport != "unix":
            continue
        kv = {}
        for pair in params.split(","):
            k, _, v = pair.partition("=")
            kv[k] = _unescape(v)
        if "path" in kv:
            out.append(kv["path"])
        elif "abstract" in kv:
            out.append("\0" + kv["abstract"])
    return out


def _unescape(value: str) -> str:
    if "%" not in value:
        return value
    raw = value.encode()
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 1] == b"%" and i + 3 <= len(raw):
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode()


def _reason(e: OSError) -> str:
    return os.strerror(e.errno) if e.errno else (str(e) or type(e).__name__)


class Connection:
    """One authenticated connection; not thread-safe (runc-py has one thread)."""

    def __init__(self, sock: socket.socket, peer: bool):
        self.sock = sock
        self.peer = peer  # a direct connection: no bus daemon, no Hello
        self.unique_name: str | None = None
        self._serial = 0
        self._buf = bytearray()
        self._signals: list[Message] = []

    @classmethod
    def open(cls, address: str, peer: bool = False, timeout: float = 10.0) -> "Connection":
        paths = parse_address(address)
        if not paths:
            raise DBusError("", f"no unix socket in D-Bus address {address!r}")
        errors = []
        for path in paths:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            sock.settimeout(timeout)
            try:
                sock.connect(path)
            except OSError as e:
                sock.close()
                errors.append(f"connect {path.lstrip(chr(0))}: {_reason(e)}")
                continue
            conn = cls(sock, peer)
            try:
                conn._authenticate()
                if not peer:
                    conn.unique_name = conn.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                 "org.freedesktop.DBus", "Hello")[0]
            except OSError as e:  # reset, or silent past the timeout
                conn.close()
                raise DBusError("", f"D-Bus handshake on {path.lstrip(chr(0))}: {_reason(e)}") from None
            except BaseException:
                conn.close()
                raise
            return conn
        raise DBusError("", "; ".join(errors))

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- authentication ------------------------------------------------------

    def _line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise DBusError("", "connection closed during authentication")
            self._buf += chunk
        line, _, rest = bytes(self._buf).partition(b"\r\n")
        self._buf = bytearray(rest)
        return line

    def _authenticate(self) -> None:
        """SASL EXTERNAL: the server checks our uid (SO_PEERCRED) against
        the one we claim, sent as the hex of its decimal digits.

        BEGIN goes out with AUTH, as sd-bus's own clients send it, so the
        server has read it before it answers OK and before our first
        message exists.  Sent after OK, BEGIN and the first message may
        reach systemd (252) in one read, and it then leaves that message
        unanswered until more data comes (seen about one time in three)."""
        uid = str(os.geteuid()).encode().hex().encode()
        self.sock.sendall(b"\0AUTH EXTERNAL " + uid + b"\r\nBEGIN\r\n")
        reply = self._line()
        if not reply.startswith(b"OK "):
            raise DBusError("", f"D-Bus authentication refused: {reply.decode(errors='replace')}")

    # -- messages --------------------------------------------------------------

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def send(self, msg: Message) -> None:
        try:
            self.sock.sendall(msg.encode())
        except OSError as e:
            raise DBusError("", f"D-Bus connection: {_reason(e)}") from None

    def _receive(self, deadline: float) -> Message:
        while True:
            if len(self._buf) >= 16:
                n = message_length(self._buf)
                if n > MAX_MESSAGE:
                    raise DBusError("", f"message of {n} bytes is over the limit")
                if len(self._buf) >= n:
                    data = bytes(self._buf[:n])
                    del self._buf[:n]
                    return Message.decode(data)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError from None
            except OSError as e:
                raise DBusError("", f"D-Bus connection: {_reason(e)}") from None
            if not chunk:
                raise DBusError("", "the D-Bus peer closed the connection")
            self._buf += chunk

    def call(self, destination: str | None, path: str, interface: str, member: str, signature: str = "",
             args=(), timeout: float = 30.0) -> list:
        """Call a method and return the reply's body; an error reply raises
        DBusError.  Signals that arrive meanwhile are kept for wait_signal."""
        fields = {PATH: path}
        if destination:
            fields[DESTINATION] = destination
        fields[INTERFACE], fields[MEMBER] = interface, member
        serial = self._next_serial()
        self.send(Message(METHOD_CALL, serial, fields, args, signature))
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._receive(deadline)
            except TimeoutError:
                raise DBusError("", f"no reply to {interface}.{member} within {timeout:g}s") from None
            if msg.type == SIGNAL:
                self._signals.append(msg)
            elif msg.type in (METHOD_RETURN, ERROR) and msg.field(REPLY_SERIAL) == serial:
                if msg.type == ERROR:
                    text = msg.body[0] if msg.body and isinstance(msg.body[0], str) else ""
                    raise DBusError(msg.field(ERROR_NAME) or "", text)
                return msg.body

    def add_match(self, rule: str) -> None:
        """Ask the bus daemon for the signals `rule` matches (a no-op on a
        direct connection, where the peer decides what it sends)."""
        if not self.peer:
            self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch",
                      "s", [rule])

    def wait_signal(self, accept, timeout: float) -> Message | None:
        """The first signal (kept or new) for which accept(msg) is true, or
        None on timeout.  Signals not accepted are dropped."""
        for i, msg in enumerate(self._signals):
            if accept(msg):
                del self._signals[:i + 1]
                return msg
        self._signals.clear()
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._receive(deadline)
            except TimeoutError:
                return None
            if msg.type == SIGNAL and accept(msg):
                return msg
