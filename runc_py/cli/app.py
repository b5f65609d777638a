"""The click application, built from the command table.

Used for help, for usage errors and for anything the fast parser declines;
it calls the same handlers through the same dispatch.
"""
import click

from runc_py.cli.table import COMMANDS, GLOBAL_OPTIONS, Command, Opt
from runc_py.cli.version import version_text

_TYPES = {"str": str, "int": int, "multi": str, "multi_int": int}


def _click_option(opt: Opt) -> click.Option:
    decls = list(opt.names) + [opt.dest]
    if opt.kind == "bool":
        return click.Option(decls, is_flag=True, default=False, help=opt.help)
    type_ = click.Choice(opt.choices) if opt.choices else _TYPES[opt.kind]
    return click.Option(decls, type=type_, default=opt.default, help=opt.help,
                        multiple=opt.kind.startswith("multi"), show_default=opt.default not in (None, "", ()),
                        metavar=opt.metavar)


def _click_command(cmd: Command) -> click.Command:
    params: list[click.Parameter] = [_click_option(o) for o in cmd.options]
    for arg in cmd.args:
        params.append(click.Argument([arg.dest], required=arg.required and not arg.rest,
                                     nargs=-1 if arg.rest else 1, metavar=arg.metavar))

    def callback(**params):
        ctx = click.get_current_context()
        from runc_py.cli.dispatch import call_handler

        ctx.exit(call_handler(ctx.obj, cmd, params))

    return click.Command(cmd.name, params=params, callback=callback, help=cmd.summary,
                         short_help=cmd.summary,
                         context_settings={"allow_interspersed_args": False,
                                           "ignore_unknown_options": any(a.rest for a in cmd.args)})


def build() -> click.Group:
    def group_callback(**globals_):
        click.get_current_context().obj = globals_

    group = click.Group(
        "runc-py", callback=group_callback,
        params=[_click_option(o) for o in GLOBAL_OPTIONS]
        + [click.Option(["--version", "-v"], is_flag=True, expose_value=False, is_eager=True,
                        help="print the version",
                        callback=lambda ctx, _p, v: v and (click.echo(version_text()), ctx.exit(0)))],
        help="runc-py: an Open Container Initiative runtime, a drop-in for runc.",
        context_settings={"help_option_names": ["--help", "-h"]},
    )
    for cmd in COMMANDS:
        group.add_command(_click_command(cmd))
    return group


def run(argv: list[str]) -> int:
    """Run click on argv; usage errors exit 1 as runc's do."""
    from runc_py import log

    try:
        return build().main(argv, prog_name="runc-py", standalone_mode=False) or 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as err:
        err.show()
        log_file, log_format = _log_flags(argv)
        if log_file:  # without --log, show() already told stderr
            log.configure(log_file, log_format, False)
            log.error(err.format_message())
        return 1
    except click.Abort:
        return 1


def _log_flags(argv: list[str]) -> tuple[str | None, str]:
    """--log and --log-format among the global flags of an argv that failed
    to parse, so the usage error still reaches the log file (containerd
    reads errors from there)."""
    found = {"--log": None, "--log-format": "text"}
    takes_value = {n for o in GLOBAL_OPTIONS if o.kind != "bool" for n in o.names}
    words = iter(argv)
    for word in words:
        if not word.startswith("-"):
            break
        name, eq, value = word.partition("=")
        if name in takes_value and not eq:
            value = next(words, "")
        if name in found:
            found[name] = value
    fmt = found["--log-format"] if found["--log-format"] in ("text", "json") else "text"
    return found["--log"], fmt
