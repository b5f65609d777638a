"""Entry point: the fast parser for well-formed calls, click for the rest."""
import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["--version"], ["-v"]):
        from runc_py.cli.version import version_text

        print(version_text())
        _exit(0)
    from runc_py.cli.fast import parse

    invocation = parse(argv)
    if invocation is None:
        from runc_py.cli.app import run

        code = run(argv)
    else:
        from runc_py.cli.dispatch import call_handler

        code = call_handler(invocation.globals, invocation.command, invocation.params)
    _exit(code)


def _exit(code: int) -> None:
    """Flush stdout and stderr, then leave without the interpreter's
    finalization: tearing down create's modules costs ~6 ms, a third of a
    whole `state`.  Nothing is lost: logs and state files are written
    through raw fds, and the kernel closes what is still open.  A code pack
    found stale on the way is rewritten first."""
    from runc_py.codepack import save_if_stale

    save_if_stale()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say there
            pass
    os._exit(code)
