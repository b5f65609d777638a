"""The fast parser and the click application read the same command table:
for every well-formed invocation they must produce the same values, and the
fast parser must decline (return None) whatever click would reject."""
import click
import pytest

from runc_py.cli import app, fast
from runc_py.cli.table import COMMANDS

WELL_FORMED = [
    ["state", "c1"],
    ["--root", "/r", "--log", "/l.json", "--log-format", "json", "state", "c1"],
    ["--root=/r", "--systemd-cgroup", "--debug", "list", "--format", "json"],
    ["list", "-q"],
    ["list", "-f", "json"],
    ["create", "--bundle", "/b", "--pid-file", "/p", "--console-socket", "/s", "--no-pivot", "--no-new-keyring",
     "--preserve-fds", "2", "c1"],
    ["create", "-b", "/b", "c1"],
    ["start", "c1"],
    ["kill", "c1"],
    ["kill", "c1", "KILL"],
    ["kill", "--all", "c1", "9"],
    ["kill", "-a", "c1", "SIGUSR1"],
    ["delete", "c1"],
    ["delete", "--force", "c1"],
    ["delete", "-f", "c1"],
    ["run", "-d", "--keep", "-b", "/b", "c1"],
    ["spec", "--rootless", "--bundle", "/b"],
    ["features"],
]

MALFORMED = [
    [], ["--help"], ["state"], ["state", "a", "b"], ["bogus", "x"], ["--bogus", "state", "x"],
    ["state", "--help", "x"], ["create", "--preserve-fds", "x", "c1"], ["--log-format", "yaml", "list"],
    ["list", "--format", "xml"], ["kill"], ["create", "--bundle"],
]


def click_parse(argv):
    """What click makes of argv: (globals, command name, params)."""
    group = app.build()
    ctx = group.make_context("runc-py", list(argv), resilient_parsing=False)
    name, cmd, rest = group.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
    sub = cmd.make_context(name, rest, parent=ctx)
    return ctx.params, name, sub.params


@pytest.mark.parametrize("argv", WELL_FORMED, ids=" ".join)
def test_same_values(argv):
    inv = fast.parse(argv)
    assert inv is not None, "the fast parser declined a well-formed call"
    globals_, name, params = click_parse(argv)
    assert inv.command.name == name
    assert inv.globals == globals_
    assert {k: (tuple(v) if isinstance(v, list) else v) for k, v in params.items()} == inv.params


@pytest.mark.parametrize("argv", MALFORMED, ids=" ".join)
def test_fast_parser_declines_what_click_rejects(argv):
    assert fast.parse(argv) is None
    with pytest.raises((click.UsageError, click.exceptions.Exit, click.exceptions.NoArgsIsHelpError)):
        click_parse(argv)


def test_every_command_is_in_click():
    assert set(app.build().commands) == {c.name for c in COMMANDS}
