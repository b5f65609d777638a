"""The poststart and poststop hooks, kept in state.json at create.

`start` and `delete` are separate runtime processes that must run these
hooks as config.json said at create time (a later edit of config.json must
not change them), without paying for loading the whole spec model.
"""


class StoredHook:
    """The fields of a runtime-spec hook that running it needs."""

    __slots__ = ("path", "args", "env", "timeout")

    def __init__(self, path: str, args=None, env=None, timeout=None):
        self.path, self.args, self.env, self.timeout = path, args, env, timeout


def hooks_to_record(hooks, kinds: tuple[str, ...] = ("poststart", "poststop")) -> dict:
    out = {}
    for kind in kinds:
        entries = getattr(hooks, kind, None) if hooks is not None else None
        if entries:
            out[kind] = [{"path": h.path, "args": list(h.args) if h.args is not None else None,
                          "env": list(h.env) if h.env is not None else None, "timeout": h.timeout}
                         for h in entries]
    return out


def hooks_from_record(record: dict, kind: str) -> tuple[StoredHook, ...]:
    return tuple(StoredHook(**h) for h in (record.get("hooks") or {}).get(kind, ()))
