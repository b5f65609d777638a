"""The compiled validator and jsonschema accept and refuse the same documents."""
import pytest

from runc_py.spec import compile_schema, compiled_schema
from runc_py.spec.report import BASE_URI, schema_problems, validator
from spec_configs import DELETE, changed, full_config, mutations, runc_spec_config

_JSONSCHEMA = {kind: validator(kind) for kind in ("config", "process")}
_COMPILED = {"config": compiled_schema.is_valid_config, "process": compiled_schema.is_valid_process}

# (id, path, value): each breaks one keyword of the schema somewhere.
SCHEMA_FAULTS = [
    ("type-string", "ociVersion", 1),
    ("type-object", "root", "rootfs"),
    ("type-array", "mounts", {}),
    ("type-boolean", "process.terminal", "yes"),
    ("type-integer-bool", "process.user.uid", True),
    ("type-integer-fraction", "process.user.uid", 1.5),
    ("type-integer-nan", "process.user.gid", float("nan")),
    ("type-in-items", "process.args.1", 7),
    ("required-top", "root", DELETE),
    ("required-nested", "process.cwd", DELETE),
    ("required-in-items", "linux.uidMappings.0.size", DELETE),
    ("enum", "linux.namespaces.2.type", "pidd"),
    ("enum-not-string", "linux.namespaces.2.type", 3),
    ("enum-in-items", "linux.seccomp.architectures.0", "SCMP_ARCH_Z80"),
    ("minimum", "process.rlimits.0.soft", -1),
    ("maximum-uint32", "linux.uidMappings.0.hostID", 4294967296),
    ("maximum-uint64", "process.rlimits.1.hard", 18446744073709551616),
    ("minimum-int64", "linux.resources.memory.limit", -9223372036854775809),
    ("maximum-oom", "process.oomScoreAdj", 1001),
    ("hook-timeout-zero", "hooks.poststop.0.timeout", 0),
    ("minLength", "root.path", ""),
    ("minItems", "process.args", []),
    ("minItems-syscall-names", "linux.seccomp.syscalls.0.names", []),
    ("pattern", "linux.resources.devices.1.access", "rwx"),
    ("dependentRequired-mount", "mounts.0.gidMappings", DELETE),
    ("dependentRequired-seccomp", "linux.seccomp.listenerPath", DELETE),
    ("else-required", "linux.devices.0.major", DELETE),
    ("additionalProperties", "linux.sysctl.net\u2024ipv4", 1),
    ("additionalProperties-object", "linux.resources.rdma.mlx5_1.hcaHandles", -1),
    ("annotation-value", "annotations.com\u2024example\u2024key", ["v"]),
    ("swappiness", "linux.resources.memory.swappiness", 101),
    ("io-priority", "process.ioPriority.priority", 8),
]

# Documents the schema accepts that a naive validator might not.
SCHEMA_EDGES = [
    ("integral-float", "process.user.uid", 1.0),
    ("fifo-without-major", "linux.devices.1", {"type": "p", "path": "/dev/fifo"}),
    ("unknown-property", "process.futureField", {"anything": [1]}),
    ("uint64-max", "process.rlimits.1.hard", 18446744073709551615),
    ("empty-access", "linux.resources.devices.0.access", ""),
]


def _apply(path: str, value) -> dict:
    # Keys holding dots are written with U+2024 in the tables above.
    doc = changed(full_config(), path.replace("\u2024", "\x00"), value)
    return _undot(doc)


def _undot(node):
    if isinstance(node, dict):
        return {k.replace("\x00", "."): _undot(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_undot(v) for v in node]
    return node


def _agree(doc, kind: str = "config") -> bool:
    compiled = _COMPILED[kind](doc)
    reference = _JSONSCHEMA[kind].is_valid(doc)
    assert compiled == reference, f"compiled says {compiled}, jsonschema says {reference}"
    return compiled


@pytest.mark.parametrize("name, path, value", SCHEMA_FAULTS, ids=[c[0] for c in SCHEMA_FAULTS])
def test_both_refuse(name, path, value):
    assert _agree(_apply(path, value)) is False


@pytest.mark.parametrize("name, path, value", SCHEMA_EDGES, ids=[c[0] for c in SCHEMA_EDGES])
def test_both_accept(name, path, value):
    assert _agree(_apply(path, value)) is True


@pytest.mark.parametrize("make", [runc_spec_config, full_config])
def test_both_accept_the_good_configs(make):
    assert _agree(make()) is True
    assert _agree(make()["process"], "process") is True


@pytest.mark.parametrize("make", [runc_spec_config, full_config])
def test_both_agree_on_every_mutation(make):
    """Every node of the good configs, replaced by a value of each type and
    deleted: thousands of documents, each judged alike by both."""
    doc = make()
    checked = refused = 0
    for path in mutations(doc):
        refused += not _agree(doc)
        if path[0] == "process" and len(path) > 1:
            _agree(doc["process"], "process")
        checked += 1
    assert doc == make()
    assert checked > (1500 if make is full_config else 400)
    assert refused > checked // 3


def test_report_explains_every_refusal():
    for name, path, value in SCHEMA_FAULTS:
        assert schema_problems(_apply(path, value)), name


def test_committed_module_is_what_the_generator_writes():
    assert compile_schema.OUTPUT.read_text() == compile_schema.generate(), \
        "run .venv/bin/python -m runc_py.spec.compile_schema"


def test_generator_refuses_keywords_it_cannot_compile():
    schemas = {BASE_URI + "config.schema.json": {"$defs": {"process": {"oneOf": [{"type": "string"}]}}}}
    with pytest.raises(ValueError, match="oneOf"):
        compile_schema.generate(schemas)


@pytest.mark.parametrize("pattern, good, bad", [
    ("^[rwm]*$", ["", "rw", "mrw"], ["x", "rwx", "r w"]),    # an alphabet: compiled to a set test
    ("^[a-z]+[0-9]$", ["ab1"], ["ab", "1", "AB1"]),            # anything else: re, on first use
])
def test_generated_patterns_match_as_jsonschema_does(pattern, good, bad):
    uri = BASE_URI + "config.schema.json"
    schemas = {uri: {"type": "object", "properties": {"s": {"type": "string", "pattern": pattern}}},
               BASE_URI + "defs.json": {"$defs": {"process": {"type": "object"}}}}
    entry_points = {"is_valid_config": uri, "is_valid_process": BASE_URI + "defs.json#/$defs/process"}
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compile_schema, "ENTRY_POINTS", entry_points)
        exec(compile_schema.generate(schemas), namespace)
    assert ("_search" in namespace) == (pattern != "^[rwm]*$")
    for text in good:
        assert namespace["is_valid_config"]({"s": text}), text
    for text in bad:
        assert not namespace["is_valid_config"]({"s": text}), text
