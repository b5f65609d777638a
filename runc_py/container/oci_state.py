"""The runtime-spec State object, as `state` prints it and hooks read it."""
import time

from runc_py import SPEC_VERSION


def rfc3339_nano(ns: int) -> str:
    """UTC time as Go's RFC3339Nano writes it (trailing zeros trimmed)."""
    secs, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    digits = f"{frac:09d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else text + "Z"


def oci_state(record: dict, status: str, owner: str = "") -> dict:
    """runc prints pid 0 once the container has stopped, and the owner only
    in `list` (where it is the user name of the state directory's owner)."""
    state = {
        "ociVersion": SPEC_VERSION,
        "id": record["id"],
        "pid": 0 if status == "stopped" else record.get("pid", 0),
        "status": status,
        "bundle": record["bundle"],
        "rootfs": record["rootfs"],
        "created": record["created"],
        "owner": owner,
    }
    if record.get("annotations"):
        state["annotations"] = record["annotations"]
    return state


def hook_state(record: dict, status: str, pid: int) -> bytes:
    """The state hooks get on stdin (runtime-spec runtime.md "State")."""
    from runc_py import jsonio

    state = {"ociVersion": SPEC_VERSION, "id": record["id"], "status": status, "pid": pid,
             "bundle": record["bundle"]}
    if record.get("annotations"):
        state["annotations"] = record["annotations"]
    return jsonio.dumps(state).encode()
