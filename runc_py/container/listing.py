"""list: every container under --root, as runc lists them."""
import os
import pwd

from runc_py.container.oci_state import oci_state
from runc_py.container.state import StateStore
from runc_py.container.status import container_status
from runc_py.errors import RuncPyError


def list_containers(store: StateStore) -> list[dict]:
    out = []
    for container_id in store.ids():
        try:
            record, path = store.peek(container_id)
            out.append(oci_state(record, container_status(record, path), _owner(path)))
        except (RuncPyError, OSError):
            continue  # deleted meanwhile, or not one of ours
    return out


def _owner(path: str) -> str:
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"
