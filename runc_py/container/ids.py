"""Container ids, by runc's rules."""
from runc_py.errors import RuncPyError

# runc accepts [\w+-\.]+ in Go's regexp syntax, where "+-\." is the range
# '+'..'.', i.e. "+,-.".
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+,-.")


def validate_container_id(container_id: str) -> str:
    """Return the id, or raise with runc's messages.  "." and ".." would name
    the root itself or its parent; "/" would leave it."""
    if not container_id:
        raise RuncPyError("container id cannot be empty")
    if container_id in (".", "..") or not _ALLOWED.issuperset(container_id):
        raise RuncPyError(f"invalid container ID format: {container_id!r}")
    return container_id
