"""Which runtimes take part, and how each is called.

Policies:
  required      runc (the baseline of every ratio) and any runtime named with
                --runtime: a missing executable or a failing --version is fatal.
  if-runs       crun: included where it runs a container on this host; crun 1.8.1
                refuses on a hybrid host whose cgroup2 mount lists controllers, and
                the bench then says so and carries on without it.
  if-installed  runc-py: included as soon as its executable exists and --version
                works; from then on every failure of it is loud.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASELINE = "runc"
DEFAULTS = (
    ("runc", "/usr/sbin/runc", "required"),
    ("crun", "/usr/bin/crun", "if-runs"),
    ("runc-py", os.path.join(REPO, ".venv", "bin", "runc-py"), "if-installed"),
)


@dataclass
class Runtime:
    name: str
    path: str
    policy: str
    version: str = ""                    # first line of --version
    version_text: str = ""               # all of it
    root: str = ""                       # private --root, set by the session
    runs_containers: bool = True
    refusal: str = ""                    # why it does not run containers here
    python: str | None = field(default=None)  # interpreter of a Python entry point
    python_flags: tuple[str, ...] = ()        # the options its shebang gives it

    def argv(self, *args: str) -> list[str]:
        """A container command: the global --root comes before the subcommand."""
        return [self.path, "--root", self.root, *args]


def python_of(path: str) -> str | None:
    """The interpreter named by a script's shebang when it is a Python, else None."""
    words = _shebang(path)
    return words[0] if words else None


def python_flags_of(path: str) -> tuple[str, ...]:
    """The options a Python script's shebang gives its interpreter (e.g. -IS),
    so that a profile runs the script as it runs."""
    return tuple(_shebang(path)[1:])


def _shebang(path: str) -> list[str]:
    """A Python shebang's words (interpreter first), [] for anything else."""
    try:
        with open(path, "rb") as f:
            first = f.readline(512)
    except OSError:
        return []
    if not first.startswith(b"#!"):
        return []
    words = first[2:].decode(errors="replace").split()
    if words and words[0].endswith("/env") and len(words) > 1:
        words = words[1:]
    return words if words and "python" in os.path.basename(words[0]) else []


def candidates(overrides: list[str], only: list[str] | None) -> list[Runtime]:
    """The runtimes to try: the defaults, with NAME=PATH overrides made required."""
    table = {name: Runtime(name, path, policy) for name, path, policy in DEFAULTS}
    for item in overrides:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"bench: --runtime wants NAME=PATH, not {item!r}")
        table[name] = Runtime(name, os.path.abspath(path), "required")
    if only:
        unknown = set(only) - set(table)
        if unknown:
            raise SystemExit(f"bench: unknown runtime(s): {', '.join(sorted(unknown))}")
        if BASELINE not in only:
            raise SystemExit(f"bench: {BASELINE} is the baseline of every ratio; keep it in --runtimes")
        table = {name: rt for name, rt in table.items() if name in only}
    return list(table.values())
