"""JSON without the `json` package's start-up cost.

`import json` pulls in `re` and compiles patterns: ~9 ms on every runtime
invocation, more than runc's whole `state`.  The C accelerator `_json` that
`json` itself uses is importable on its own for free, so the hot commands read
and write state through it.  Output is plain JSON; pretty printing follows
`json.dumps(indent=...)` layout.
"""
import _json

_encode_str = _json.encode_basestring_ascii


class _ScannerContext:
    """The attributes `_json.make_scanner` reads from a JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.lower().replace("infinity", "inf"))


_scan = _json.make_scanner(_ScannerContext)
_WS = " \t\n\r"


class JSONError(ValueError):
    """Malformed JSON; `line` and `column` are 1-based."""

    def __init__(self, msg: str, text: str, pos: int):
        self.line = text.count("\n", 0, pos) + 1
        self.column = pos - text.rfind("\n", 0, pos)
        super().__init__(f"{msg} at line {self.line}, column {self.column}")
        self.reason = msg


def loads(text: str | bytes):
    if isinstance(text, bytes):
        text = text.decode()
    pos = len(text) - len(text.lstrip(_WS))
    try:
        obj, end = _scan(text, pos)
    except StopIteration as stop:
        raise JSONError("expecting value", text, stop.value) from None
    except ValueError as err:  # json.JSONDecodeError carries pos
        raise JSONError(getattr(err, "msg", str(err)), text, getattr(err, "pos", pos)) from None
    rest = len(text) - len(text[end:].lstrip(_WS))
    if rest != len(text):
        raise JSONError("extra data", text, rest)
    return obj


def dumps(obj, indent: int | None = None) -> str:
    """Compact JSON (`{"a":1}`, as Go's encoder writes), or indented."""
    out: list[str] = []
    _write(obj, out, indent, 0)
    return "".join(out)


def _write(obj, out: list[str], indent: int | None, depth: int) -> None:
    if isinstance(obj, str):
        out.append(_encode_str(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, (int, float)):
        out.append(repr(obj) if isinstance(obj, float) else str(obj))
    elif isinstance(obj, dict):
        _write_container(list(obj.items()), "{", "}", out, indent, depth, keyed=True)
    elif isinstance(obj, (list, tuple)):
        _write_container(list(obj), "[", "]", out, indent, depth, keyed=False)
    else:
        raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _write_container(items: list, open_: str, close: str, out: list[str],
                     indent: int | None, depth: int, *, keyed: bool) -> None:
    if not items:
        out.append(open_ + close)
        return
    out.append(open_)
    inner = "" if indent is None else "\n" + " " * (indent * (depth + 1))
    sep = ": " if indent is not None else ":"
    for i, item in enumerate(items):
        out.append(("," if i else "") + inner)
        if keyed:
            out.append(_encode_str(str(item[0])) + sep)
            _write(item[1], out, indent, depth + 1)
        else:
            _write(item, out, indent, depth + 1)
    out.append(("" if indent is None else "\n" + " " * (indent * depth)) + close)
