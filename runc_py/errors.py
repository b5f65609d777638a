"""The one error type of runc-py.

An error carries a message and, where it comes from config.json, the JSON
path of the offending field.  It is raised once where the fault is found and
printed once at the CLI edge (text, or a JSON line with --log-format json).
"""


class RuncPyError(Exception):
    """A failure to report to the user: one line, no traceback."""

    def __init__(self, msg: str, *, path: str | None = None, exit_code: int = 1):
        super().__init__(msg)
        self.msg = msg
        self.path = path
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.path}: {self.msg}" if self.path else self.msg


class ConfigError(RuncPyError):
    """config.json is malformed or violates the runtime-spec.

    `problems` holds every violation found (each already a full line), so the
    user sees all of them at once rather than one per attempt.
    """

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class ContainerNotFound(RuncPyError):
    def __init__(self, container_id: str):
        # runc's wording; containerd's shim matches "does not exist".
        super().__init__("container does not exist")
        self.container_id = container_id


def reason(errno_: int) -> str:
    """The kernel's reason in the lower-case words runc prints
    ("no such file or directory")."""
    import os

    text = os.strerror(errno_)
    return text[:1].lower() + text[1:]


def describe_os_error(err: OSError) -> str:
    """An OSError as one line: "<what>: <reason>"."""
    if err.filename is not None:
        what = err.filename if err.filename2 is None else f"{err.filename} -> {err.filename2}"
        return f"{what}: {reason(err.errno) if err.errno else err.strerror}"
    return err.strerror or str(err)
