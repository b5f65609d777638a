"""Every schema violation of a document, each named by its JSON path.

Only reached once the compiled validator has said "invalid", so jsonschema
(~70 ms to import) is paid for by broken configs alone.  Messages are ours,
with values written as JSON (`"pidd" is not one of ["cgroup", ...]`), not
jsonschema's Python reprs.
"""
import json
from pathlib import Path

from runc_py.spec.rules import key_path

# runc_py/schemas is spec_schemas/ (a link in the source tree, a copy in a
# built wheel), so an installed runc-py explains faults as the source tree does.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
BASE_URI = "https://runc-py.invalid/spec_schemas/"
# What each kind of document is checked against.
SCHEMAS = {
    "config": BASE_URI + "config.schema.json",
    "process": BASE_URI + "config.schema.json#/$defs/process",
}
_SHOWN_CHARS = 60


def load_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict]:
    """Every schema file, by its `$id` (which must match its file name)."""
    schemas = {}
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("$id") != BASE_URI + path.name:
            raise ValueError(f"{path}: $id must be {BASE_URI + path.name!r}")
        schemas[doc["$id"]] = doc
    return schemas


def validator(kind: str):
    """A jsonschema validator of `kind` ("config" or "process") documents."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (uri, Resource.from_contents(doc)) for uri, doc in load_schemas().items())
    return Draft202012Validator({"$ref": SCHEMAS[kind]}, registry=registry)


def schema_problems(doc, kind: str = "config") -> list[tuple[str, str]]:
    """(path, message) for every violation of the schema, in schema order."""
    problems: list[tuple[str, str]] = []
    for error in validator(kind).iter_errors(doc):
        path = format_path(error.absolute_path)
        for finding in _findings(error, path):
            if finding not in problems:
                problems.append(finding)
    return problems


def format_path(parts) -> str:
    path = ""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else key_path(path, part)
    return path


def show(value) -> str:
    """A value as JSON, shortened to keep one problem on one line."""
    text = json.dumps(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 3] + "..."


def _findings(error, path: str) -> list[tuple[str, str]]:
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "required":
        return [(key_path(path, key), "is required") for key in expected if key not in value]
    if keyword == "dependentRequired":
        return [(key_path(path, need), f"is required when {key} is set")
                for key, needs in expected.items() if key in value for need in needs if need not in value]
    message = _why(keyword, expected, value)
    if "propertyNames" in error.schema_path:
        # jsonschema checks a key as an instance of its own, at the object's path.
        message = f"key {message}"
    return [(path, message)]


def _why(keyword: str, expected, value) -> str:
    shown = show(value)
    if keyword == "type":
        return f"{shown} is not of type {show(expected)}"
    if keyword == "enum":
        return f"{shown} is not one of {show_all(sorted(expected))}"
    if keyword == "const":
        return f"{shown} is not {show(expected)}"
    if keyword == "minimum":
        return f"{shown} is less than the minimum {expected}"
    if keyword == "maximum":
        return f"{shown} is more than the maximum {expected}"
    if keyword == "minLength":
        return f"{shown} must not be empty" if expected == 1 else f"{shown} is shorter than {expected} characters"
    if keyword == "minItems":
        return f"{shown} must have at least {expected} item{'s' if expected > 1 else ''}"
    if keyword == "pattern":
        return f"{shown} does not match {expected}"
    raise ValueError(f"no message for schema keyword {keyword!r}")


def show_all(values: list) -> str:
    """A whole list as JSON, however long: the allowed values are the point."""
    return json.dumps(values)
