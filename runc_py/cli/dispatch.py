"""Call a command's handler and turn failures into runc's exit behaviour:
one error line (log and stderr), exit status 1."""
from runc_py import log
from runc_py.cli.table import Command
from runc_py.errors import RuncPyError, describe_os_error


class GlobalOptions:
    """runc's global flags, as attributes."""

    __slots__ = ("debug", "log", "log_format", "root", "criu", "systemd_cgroup", "rootless")

    def __init__(self, values: dict):
        for name in self.__slots__:
            setattr(self, name, values[name])


def call_handler(globals_: dict, command: Command, params: dict) -> int:
    g = GlobalOptions(globals_)
    log.configure(g.log, g.log_format, g.debug)
    module_name, _, func_name = command.handler.partition(":")
    handler = getattr(__import__(module_name, fromlist=[func_name]), func_name)
    try:
        return handler(g, **params) or 0
    except RuncPyError as err:
        log.error(str(err))
        return err.exit_code
    except OSError as err:
        log.error(describe_os_error(err))
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug of ours: still one line, the traceback with --debug
        if g.debug:
            import traceback

            traceback.print_exc()
        log.error(f"internal error: {type(err).__name__}: {err}")
        return 1
