"""Entry point: the fast parser for well-formed calls, click for the rest."""
import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["--version"], ["-v"]):
        from runc_py.cli.version import version_text

        print(version_text())
        raise SystemExit(0)
    from runc_py.cli.fast import parse

    invocation = parse(argv)
    if invocation is None:
        from runc_py.cli.app import run

        code = run(argv)
    else:
        from runc_py.cli.dispatch import call_handler

        code = call_handler(invocation.globals, invocation.command, invocation.params)
    sys.stdout.flush()
    raise SystemExit(code)
