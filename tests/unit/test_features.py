"""The features document: valid per features.md, derived from the code, and a
drop-in for runc's (every name runc 1.1.5 recognizes, we recognize)."""
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

import runc_py
from runc_py import SPEC_VERSION
from runc_py.container.hooks import HOOK_KINDS
from runc_py.linux import lsm, seccomp
from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.namespace_types import NAMESPACES
from runc_py.plan.mount_options import MOUNT_OPTIONS
from runc_py.spec.features import features_document

SCHEMA = json.loads((Path(runc_py.__file__).parent / "schemas" / "features.schema.json").read_text())
validator = jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def document():
    return features_document()


@pytest.fixture(scope="module")
def runc_document():
    return json.loads(subprocess.run(["/usr/sbin/runc", "features"], check=True, capture_output=True).stdout)


def semver_core(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-")[0].split("+")[0].split("."))


def test_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_document_matches_the_schema(document):
    assert list(validator.iter_errors(document)) == []
    assert json.loads(json.dumps(document)) == document


def test_versions(document):
    assert document["ociVersionMax"] == SPEC_VERSION
    assert semver_core(document["ociVersionMin"]) <= semver_core(document["ociVersionMax"])


def test_sections_come_from_the_modules_that_implement_them(document):
    assert document["hooks"] == list(HOOK_KINDS)
    assert document["mountOptions"] == list(MOUNT_OPTIONS)
    assert document["linux"]["namespaces"] == sorted(NAMESPACES)
    assert document["linux"]["capabilities"] == list(CAPABILITIES)
    assert document["linux"]["seccomp"] == seccomp.seccomp_features()
    assert {key: document["linux"][key] for key in ("apparmor", "selinux")} == lsm.lsm_features()
    assert document["annotations"]["io.github.seccomp.libseccomp.version"] == seccomp.libseccomp_version()
    assert document["annotations"]["io.github.runc-py.version"] == runc_py.__version__


def test_supported_seccomp_flags_are_known_flags(document):
    section = document["linux"]["seccomp"]
    assert set(section["supportedFlags"]) <= set(section["knownFlags"])


def test_what_has_no_implementation_is_not_supported_rather_than_unknown(document):
    linux = document["linux"]
    assert linux["cgroup"]["systemd"] is True and linux["cgroup"]["systemdUser"] is False  # no user manager
    assert linux["intelRdt"] == {"enabled": False}
    assert linux["mountExtensions"] == {"idmap": {"enabled": False}}


def test_runc_features_document_matches_the_schema(runc_document):
    """The schema is not stricter than a real runtime's document."""
    assert list(validator.iter_errors(runc_document)) == []


@pytest.mark.parametrize("path", [
    ("hooks",), ("mountOptions",), ("linux", "namespaces"), ("linux", "capabilities"),
    ("linux", "seccomp", "actions"), ("linux", "seccomp", "operators"), ("linux", "seccomp", "archs"),
], ids=lambda path: ".".join(path))
def test_we_recognize_every_name_runc_recognizes(document, runc_document, path):
    ours, theirs = document, runc_document
    for key in path:
        ours, theirs = ours[key], theirs[key]
    assert sorted(set(theirs) - set(ours)) == []


@pytest.mark.parametrize("change, complaint", [
    (lambda d: d.pop("ociVersionMax"), "'ociVersionMax' is a required property"),
    (lambda d: d.update(ociVersionMin="1.0"), "does not match"),
    (lambda d: d.update(netDevices={}), "Additional properties are not allowed"),
    (lambda d: d["linux"].update(netDevices={"enabled": True}), "Additional properties are not allowed"),
    (lambda d: d["linux"]["namespaces"].append("pidd"), "'pidd' is not one of"),
    (lambda d: d["linux"]["namespaces"].append("pid"), "has non-unique elements"),
    (lambda d: d["linux"]["seccomp"].update(enabled="yes"), "'yes' is not of type"),
    (lambda d: d["linux"]["seccomp"]["knownFlags"].append("SECCOMP_FILTER_FLAG_NEW_LISTENER"), "is not one of"),
    (lambda d: d["linux"]["intelRdt"].update(schemata=True), "Additional properties are not allowed"),
    (lambda d: d["hooks"].append("prestop"), "'prestop' is not one of"),
    (lambda d: d["mountOptions"].append("mode=755"), "does not match"),
    (lambda d: d["annotations"].update({"": "x"}), "should be non-empty"),
    (lambda d: d["annotations"].update(k=1), "1 is not of type 'string'"),
], ids=["no-max", "not-semver", "unknown-top", "unknown-linux", "bad-namespace", "duplicate",
        "bool-type", "unknown-flag", "post-1.2-property", "bad-hook", "fs-data-option",
        "empty-annotation-key", "annotation-value"])
def test_schema_refuses(document, change, complaint):
    broken = json.loads(json.dumps(document))
    change(broken)
    messages = [error.message for error in validator.iter_errors(broken)]
    assert any(complaint in message for message in messages), messages


def test_schema_accepts_absent_and_null_sections():
    assert validator.is_valid({"ociVersionMin": "1.0.0", "ociVersionMax": "1.2.0"})
    assert validator.is_valid({"ociVersionMin": "1.0.0", "ociVersionMax": "1.2.0", "hooks": None,
                               "linux": {"cgroup": {"v1": None}, "seccomp": None}, "annotations": None})
