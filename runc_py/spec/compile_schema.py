"""Compile spec_schemas/*.json ahead of time into runc_py/spec/compiled_schema.py.

Every `create` validates config.json, and importing jsonschema costs ~70 ms,
about three times runc's whole create.  The compiled module answers the only
question the success path asks (is this document valid?) with plain Python:
no jsonschema, no `re` unless a `pattern` is actually reached.  When it says
no, runc_py.spec.report asks jsonschema for the full list of violations.

The compiler knows the small JSON Schema vocabulary our schemas use and
refuses any other keyword, so the schemas cannot grow a rule the compiled
module would silently skip.  A unit test runs both validators over every test
document and checks they agree, and another that the committed module is what
this generator writes today.

Regenerate after editing a schema:

    .venv/bin/python -m runc_py.spec.compile_schema
"""
from __future__ import annotations

import sys
from pathlib import Path

from runc_py.spec.report import BASE_URI, SCHEMAS, load_schemas

OUTPUT = Path(__file__).resolve().parent / "compiled_schema.py"

# Public function name -> schema it checks.
ENTRY_POINTS = {"is_valid_config": SCHEMAS["config"], "is_valid_process": SCHEMAS["process"]}

_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description"}
_KEYWORDS = _ANNOTATIONS | {
    "type", "enum", "const", "minimum", "maximum", "minLength", "pattern",
    "minItems", "items", "properties", "required", "additionalProperties",
    "propertyNames", "dependentRequired", "$ref", "if", "then", "else",
}

# How each JSON type is recognised, exactly as jsonschema's type checker does
# (a bool is not a number; 3.0 is an integer).
_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
    "integer": "_is_integer({v})",
    "number": "_is_number({v})",
}
_NUMBER = "_is_number({v})"



def _alphabet_of(pattern: str) -> set[str] | None:
    """The characters of a pattern of the form ^[abc]*$ (literal characters
    only), which says "only these characters"; None for any other pattern."""
    if pattern.startswith("^[") and pattern.endswith("]*$"):
        chars = pattern[2:-3]
        if chars and not any(c in "\\-]^[" for c in chars):
            return set(chars)
    return None

class _Compiler:
    def __init__(self, schemas: dict[str, dict]):
        self.schemas = schemas
        self.functions: dict[str, str] = {}  # node key -> function name
        self.bodies: list[str] = []
        self.constants: list[str] = []
        self.patterns: list[str] = []

    def node(self, uri: str) -> tuple[str, dict]:
        """The schema a `uri#/json/pointer` names, and its document's base."""
        base, _, pointer = uri.partition("#")
        doc = self.schemas[base]
        for part in filter(None, pointer.split("/")):
            doc = doc[part.replace("~1", "/").replace("~0", "~")]
        return base, doc

    def function_for(self, uri: str) -> str:
        """The name of the function checking the schema at `uri`, compiling
        it on first use (a $ref cycle finds the name already reserved)."""
        if "#" not in uri:
            uri += "#"
        name = self.functions.get(uri)
        if name is None:
            name = self.functions[uri] = f"_check_{len(self.functions)}"
            base, schema = self.node(uri)
            self.bodies.append(self.compile_function(name, schema, base, uri))
        return name

    def expression(self, schema: dict, base: str, uri: str, v: str) -> str:
        """A Python expression true when `v` is valid against `schema`."""
        keys = set(schema) - _ANNOTATIONS
        if keys == {"type"} and isinstance(schema["type"], str):
            return _TYPE_TESTS[schema["type"]].format(v=v)
        if keys == {"$ref"}:
            return f"{self.function_for(self.resolve(schema['$ref'], base))}({v})"
        return f"{self.function_for(uri)}({v})"

    def resolve(self, ref: str, base: str) -> str:
        if ref.startswith("#"):
            return base + ref
        if "://" in ref:
            return ref
        return BASE_URI + ref

    def string_set(self, values) -> str:
        """A module-level frozenset, written in sorted order so the generated
        text does not depend on string hashing."""
        self.constants.append(f"_C{len(self.constants)} = frozenset({sorted(values)!r})")
        return f"_C{len(self.constants) - 1}"

    def compile_function(self, name: str, schema: dict, base: str, uri: str) -> str:
        unknown = set(schema) - _KEYWORDS
        if unknown:
            raise ValueError(f"{uri}: keywords the compiler does not know: {sorted(unknown)}")
        body: list[str] = []

        def fail_if(condition: str, indent: str = "    ") -> None:
            body.append(f"{indent}if {condition}:\n{indent}    return False")

        known_type = None
        types = schema.get("type")
        if types is not None:
            types = [types] if isinstance(types, str) else types
            tests = " or ".join(_TYPE_TESTS[t].format(v="v") for t in types)
            fail_if(f"not ({tests})")
            known_type = types[0] if len(types) == 1 else None

        def guarded(json_type: str, condition: str) -> str:
            """`condition`, applied only to instances of `json_type` (a
            keyword ignores values of other types)."""
            if known_type == json_type or (json_type == "number" and known_type == "integer"):
                return condition
            test = _NUMBER if json_type == "number" else _TYPE_TESTS[json_type]
            return f"{test.format(v='v')} and ({condition})"

        if "enum" in schema:
            values = schema["enum"]
            if not all(isinstance(x, str) for x in values):
                raise ValueError(f"{uri}: only string enums are compiled")
            fail_if(f"not isinstance(v, str) or v not in {self.string_set(values)}")
        if "const" in schema:
            if not isinstance(schema["const"], str):
                raise ValueError(f"{uri}: only string consts are compiled")
            fail_if(f"not isinstance(v, str) or v != {schema['const']!r}")
        if "minimum" in schema:
            fail_if(guarded("number", f"v < {schema['minimum']!r}"))
        if "maximum" in schema:
            fail_if(guarded("number", f"v > {schema['maximum']!r}"))
        if "minLength" in schema:
            fail_if(guarded("string", f"len(v) < {schema['minLength']!r}"))
        if "pattern" in schema:
            alphabet = _alphabet_of(schema["pattern"])
            if alphabet is not None:  # ^[rwm]*$: a set test, no `re` at start-up
                fail_if(guarded("string", f"not {self.string_set(sorted(alphabet))}.issuperset(v)"))
            else:
                self.patterns.append(schema["pattern"])
                fail_if(guarded("string", f"not _search({len(self.patterns) - 1}, v)"))
        if "minItems" in schema:
            fail_if(guarded("array", f"len(v) < {schema['minItems']!r}"))
        if "$ref" in schema:
            fail_if(f"not {self.function_for(self.resolve(schema['$ref'], base))}(v)")

        object_checks: list[str] = []
        for key in schema.get("required", ()):
            object_checks.append(f"if {key!r} not in v:\n    return False")
        for key, needs in schema.get("dependentRequired", {}).items():
            missing = " or ".join(f"{n!r} not in v" for n in needs)
            object_checks.append(f"if {key!r} in v and ({missing}):\n    return False")
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            check = self.expression(sub, base, f"{uri}/properties/{key}", "x")
            object_checks.append(f"x = v.get({key!r}, _MISSING)\nif x is not _MISSING and not {check}:\n    return False")
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            if not isinstance(extra, dict):
                raise ValueError(f"{uri}: additionalProperties must be a schema (config.md: unknown properties are ignored)")
            check = self.expression(extra, base, f"{uri}/additionalProperties", "x")
            if properties:
                known = self.string_set(properties)
                loop = f"for k, x in v.items():\n    if k not in {known} and not {check}:\n        return False"
            else:
                loop = f"for x in v.values():\n    if not {check}:\n        return False"
            object_checks.append(loop)
        if "propertyNames" in schema:
            check = self.expression(schema["propertyNames"], base, f"{uri}/propertyNames", "k")
            object_checks.append(f"for k in v:\n    if not {check}:\n        return False")
        if object_checks:
            block = "\n".join(object_checks)
            if known_type == "object":
                body.append(_indent(block, "    "))
            else:
                body.append(f"    if isinstance(v, dict):\n{_indent(block, '        ')}")

        if "items" in schema:
            check = self.expression(schema["items"], base, f"{uri}/items", "x")
            loop = f"for x in v:\n    if not {check}:\n        return False"
            if known_type == "array":
                body.append(_indent(loop, "    "))
            else:
                body.append(f"    if isinstance(v, list):\n{_indent(loop, '        ')}")

        if "if" in schema:
            test = self.expression(schema["if"], base, f"{uri}/if", "v")
            branches = []
            if "then" in schema:
                then = self.expression(schema["then"], base, f"{uri}/then", "v")
                branches.append(f"    if {test}:\n        if not {then}:\n            return False")
            if "else" in schema:
                other = self.expression(schema["else"], base, f"{uri}/else", "v")
                if branches:
                    branches.append(f"    elif not {other}:\n        return False")
                else:
                    branches.append(f"    if not {test} and not {other}:\n        return False")
            body.extend(branches)

        body.append("    return True")
        return f"def {name}(v):\n" + "\n".join(body) + "\n"


def _indent(block: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in block.splitlines())


_SEARCH = '''_PATTERNS = {patterns!r}
_compiled_patterns = {{}}


def _search(index, text):
    """re.search with the pattern compiled on first use, so documents that
    never reach a pattern never import or compile anything."""
    pattern = _compiled_patterns.get(index)
    if pattern is None:
        import re

        pattern = _compiled_patterns[index] = re.compile(_PATTERNS[index])
    return pattern.search(text) is not None


'''

_HEADER = '''"""Validators compiled from spec_schemas/*.json: do not edit.

Written by runc_py/spec/compile_schema.py; regenerate with
`.venv/bin/python -m runc_py.spec.compile_schema` after changing a schema.
Each public function answers only "valid or not"; runc_py.spec.report
explains a "not".
"""

_MISSING = object()


{search}def _is_integer(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and v.is_integer()


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


'''


def generate(schemas: dict[str, dict] | None = None) -> str:
    """The source text of compiled_schema.py."""
    compiler = _Compiler(load_schemas() if schemas is None else schemas)
    publics = []
    for public, uri in ENTRY_POINTS.items():
        target = compiler.function_for(uri)
        publics.append(f"def {public}(doc) -> bool:\n    return {target}(doc)\n")
    search = _SEARCH.format(patterns=tuple(compiler.patterns)) if compiler.patterns else ""
    parts = [_HEADER.format(search=search)]
    parts.append("\n".join(compiler.constants) + "\n\n\n")
    parts.append("\n\n".join(compiler.bodies + publics))
    return "".join(parts)


def main() -> int:
    OUTPUT.write_text(generate())
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
