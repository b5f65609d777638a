"""Read, validate and model config.json and `exec --process` files.

The success path is the fast one, run by every `create`: the compiled schema
(runc_py.spec.compiled_schema) plus the semantic rules, then the model.
Only a document the compiled schema refuses brings in jsonschema, through
runc_py.spec.report, to name every violation.  All problems of a document,
schema and rules alike, are raised together in one ConfigError, each a full
line: `config.json: linux.namespaces[2].type: "pidd" is not one of [...]`.
"""
import os

from runc_py import jsonio, log
from runc_py.errors import ConfigError
from runc_py.spec import compiled_schema, rules
from runc_py.spec.model import Process, Spec, from_json

_CHECKS = {"config": compiled_schema.is_valid_config, "process": compiled_schema.is_valid_process}


def load_config(bundle: str) -> Spec:
    """The Spec of `<bundle>/config.json`; ConfigError lists every fault."""
    doc = _read_json(os.path.join(bundle, "config.json"), "config.json")
    return spec_from_dict(doc, "config.json", bundle=bundle)


def spec_from_dict(doc: dict, source: str = "config.json", *, bundle: str | None = None) -> Spec:
    """The Spec of a parsed config.json.  Without `bundle`, the rules that
    look at the host (root.path exists, namespace paths exist) are skipped."""
    _validate(doc, "config", rules.check_config(doc, bundle), source)
    return from_json(Spec, doc)


def load_process(path: str) -> Process:
    """The Process of an `exec --process FILE` document: a bare runtime-spec
    `process` object, checked like config.json's; problems name the file."""
    doc = _read_json(path, path)
    findings = rules.Findings()
    if isinstance(doc, dict):
        rules.check_process(doc, "", findings)
    _validate(doc, "process", findings, path)
    return from_json(Process, doc)


def _read_json(path: str, source: str):
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        from runc_py.errors import reason

        raise ConfigError([f"cannot read {path}: {reason(err.errno)}"]) from None
    try:
        return jsonio.loads(data)
    except UnicodeDecodeError as err:
        raise ConfigError([f"{source}: not UTF-8 text: byte {err.start} is {data[err.start]:#04x}"]) from None
    except jsonio.JSONError as err:
        raise ConfigError([f"{source}: invalid JSON at line {err.line}, column {err.column}: {err.reason}"]) from None


def _line(source: str, path: str, message: str) -> str:
    return f"{source}: {path}: {message}" if path else f"{source}: {message}"


def _validate(doc, kind: str, findings: rules.Findings, source: str) -> None:
    for path, message in findings.warnings:
        log.warning(_line(source, path, message))
    problems = []
    if not _CHECKS[kind](doc):
        from runc_py.spec.report import schema_problems

        problems = schema_problems(doc, kind)
        if not problems:
            raise AssertionError(f"{source}: compiled schema and jsonschema disagree; "
                                 "run python -m runc_py.spec.compile_schema")
    problems += findings.problems
    if problems:
        raise ConfigError([_line(source, path, message) for path, message in problems])
