"""One owner per created resource, undone in reverse order on failure."""
from runc_py import log


class Undo:
    """A stack of undo actions.  `run()` undoes everything registered, last
    first; an undo that fails is logged and the rest still run, so one stuck
    resource does not leave the others behind."""

    def __init__(self) -> None:
        self._actions: list[tuple[str, object]] = []

    def push(self, what: str, action) -> None:
        self._actions.append((what, action))

    def disarm(self) -> None:
        self._actions.clear()

    def run(self) -> None:
        while self._actions:
            what, action = self._actions.pop()
            try:
                action()
            except Exception as err:  # keep undoing the rest
                log.warning(f"cleanup: {what}: {err}")
