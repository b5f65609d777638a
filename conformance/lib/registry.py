"""The list of cases.  A case is a function taking a CaseContext, registered
with the spec clause it checks:

    @case("kill", "runtime.md Kill: 'This operation MUST send the specified signal ...'")
    def kill(ctx): ...
"""
from __future__ import annotations

import dataclasses
from typing import Callable


@dataclasses.dataclass
class Case:
    name: str
    spec: str
    func: Callable


CASES: list[Case] = []


def case(name: str, spec: str):
    def register(func: Callable) -> Callable:
        if any(c.name == name for c in CASES):
            raise ValueError(f"duplicate case name {name}")
        CASES.append(Case(name, spec, func))
        return func
    return register
