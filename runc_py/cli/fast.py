"""Parse a well-formed command line from the table without importing click.

Returns None for anything that is not plainly well formed (help, unknown
flags, missing or extra arguments, bad values): the click application then
parses the same argv and reports the usage error in its usual words.  So
this parser never has to explain a mistake, only recognise correct input.
Like runc, option parsing stops at the first positional argument.
"""
from runc_py.cli.table import COMMANDS, GLOBAL_OPTIONS, Command, Opt


class Invocation:
    __slots__ = ("globals", "command", "params")

    def __init__(self, globals_: dict, command: Command, params: dict):
        self.globals, self.command, self.params = globals_, command, params


def _defaults(options: tuple[Opt, ...]) -> dict:
    return {o.dest: o.default for o in options}


def _take_options(argv: list[str], i: int, options: tuple[Opt, ...], into: dict) -> int | None:
    """Consume options from argv[i:]; return the index after them, or None."""
    by_name = {n: o for o in options for n in o.names}
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return i + 1
        if not word.startswith("-") or word == "-":
            return i
        name, eq, inline = word.partition("=")
        opt = by_name.get(name)
        if opt is None:
            return None
        if opt.kind == "bool":
            if eq:
                return None
            into[opt.dest] = True
            i += 1
            continue
        if eq:
            value = inline
            i += 1
        elif i + 1 < len(argv):
            value = argv[i + 1]
            i += 2
        else:
            return None
        if opt.choices and value not in opt.choices:
            return None
        if opt.kind in ("int", "multi_int"):
            try:
                value = int(value)
            except ValueError:
                return None
        if opt.kind.startswith("multi"):
            into[opt.dest] = into[opt.dest] + (value,)
        else:
            into[opt.dest] = value
    return i


def parse(argv: list[str]) -> Invocation | None:
    globals_ = _defaults(GLOBAL_OPTIONS)
    i = _take_options(argv, 0, GLOBAL_OPTIONS, globals_)
    if i is None or i >= len(argv):
        return None
    command = next((c for c in COMMANDS if c.name == argv[i]), None)
    if command is None:
        return None
    params = _defaults(command.options)
    i = _take_options(argv, i + 1, command.options, params)
    if i is None:
        return None
    rest = argv[i:]
    for arg in command.args:
        if arg.rest:
            params[arg.dest] = tuple(rest)
            rest = []
        elif rest:
            params[arg.dest] = rest.pop(0)
        elif arg.required:
            return None
        else:
            params[arg.dest] = None
    if rest:
        return None
    return Invocation(globals_, command, params)
