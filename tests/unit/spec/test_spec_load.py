"""load_config and load_process: files, JSON syntax, host checks, and every
fault of a document reported at once."""
import json
import os
import subprocess
import sys

import pytest

from runc_py.errors import ConfigError
from runc_py.spec.load import load_config, load_process
from runc_py.spec.model import Process, Spec
from spec_configs import changed, runc_spec_config


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return tmp_path


def _write(bundle, doc) -> str:
    (bundle / "config.json").write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=4))
    return str(bundle)


def _problems(call, *args) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return caught.value.problems


def test_loads_a_runc_spec_bundle(bundle):
    spec = load_config(_write(bundle, runc_spec_config()))
    assert isinstance(spec, Spec) and spec.process.args == ("sh",) and spec.root.path == "rootfs"


def test_root_path_may_be_absolute(bundle, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("rootfs")
    spec = load_config(_write(bundle, changed(runc_spec_config(), "root.path", str(elsewhere))))
    assert spec.root.path == str(elsewhere)


def test_root_path_must_be_a_directory(bundle):
    (bundle / "file").write_text("")
    assert _problems(load_config, _write(bundle, changed(runc_spec_config(), "root.path", "file"))) == [
        f'config.json: root.path: "file": no directory at {bundle}/file']
    assert _problems(load_config, _write(bundle, changed(runc_spec_config(), "root.path", "nope"))) == [
        f'config.json: root.path: "nope": no directory at {bundle}/nope']


def test_namespace_path_must_exist(bundle):
    doc = changed(runc_spec_config(), "linux.namespaces.1", {"type": "network", "path": "/run/netns/none-such"})
    assert _problems(load_config, _write(bundle, doc)) == [
        'config.json: linux.namespaces[1].path: "/run/netns/none-such" does not exist']
    doc = changed(doc, "linux.namespaces.1.path", "/proc/self/ns/net")
    assert load_config(_write(bundle, doc)).linux.namespaces[1].path == "/proc/self/ns/net"


def test_missing_config(tmp_path):
    assert _problems(load_config, str(tmp_path)) == [f"cannot read {tmp_path}/config.json: no such file or directory"]


def test_config_that_is_a_directory(bundle):
    (bundle / "config.json").mkdir()
    assert _problems(load_config, str(bundle)) == [f"cannot read {bundle}/config.json: is a directory"]


def test_json_syntax_error_names_line_and_column(bundle):
    text = '{\n    "ociVersion": "1.0.2",\n    "root" {"path": "rootfs"}\n}\n'
    assert _problems(load_config, _write(bundle, text)) == [
        "config.json: invalid JSON at line 3, column 12: Expecting ':' delimiter"]


@pytest.mark.parametrize("text, problem", [
    ("", "config.json: invalid JSON at line 1, column 1: expecting value"),
    ('{"ociVersion": "1.0.0"} x', "config.json: invalid JSON at line 1, column 25: extra data"),
    ('{"a": [1,}', "config.json: invalid JSON at line 1, column 10: expecting value"),
    ("[]", 'config.json: [] is not of type "object"'),
])
def test_other_malformed_documents(bundle, text, problem):
    assert _problems(load_config, _write(bundle, text))[0] == problem


def test_not_utf8(bundle):
    (bundle / "config.json").write_bytes(b'{"ociVersion": "\xff"}')
    assert _problems(load_config, str(bundle)) == ["config.json: not UTF-8 text: byte 16 is 0xff"]


def test_every_fault_is_reported_at_once(bundle):
    doc = runc_spec_config()
    doc["ociVersion"] = "3.0.0"
    doc["root"]["path"] = "missing-rootfs"
    doc["process"]["cwd"] = "home"
    doc["process"]["user"]["uid"] = -1
    doc["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5})
    doc["mounts"][2]["options"] = "nosuid"
    doc["linux"]["namespaces"][2]["type"] = "pidd"
    doc["linux"]["namespaces"].append({"type": "uts"})
    doc["linux"]["sysctl"] = {"vm.overcommit_memory": "1"}
    doc["linux"]["resources"]["devices"][0]["access"] = "rwx"
    doc["hooks"] = {"prestart": [{"path": "relative/hook", "timeout": 0}]}
    assert _problems(load_config, _write(bundle, doc)) == [
        'config.json: mounts[2].options: "nosuid" is not of type "array"',
        'config.json: process.user.uid: -1 is less than the minimum 0',
        'config.json: hooks.prestart[0].timeout: 0 is less than the minimum 1',
        'config.json: linux.namespaces[2].type: "pidd" is not one of ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]',
        'config.json: linux.resources.devices[0].access: "rwx" does not match ^[rwm]*$',
        'config.json: ociVersion: "3.0.0" is not supported: runc-py runs configs of runtime-spec 1.0.0 to 1.2.x',
        f'config.json: root.path: "missing-rootfs": no directory at {bundle}/missing-rootfs',
        'config.json: process.cwd: "home" is not an absolute path (config.md: MUST be absolute)',
        'config.json: process.rlimits[1].type: "RLIMIT_NOFILE" appears more than once',
        "config.json: process.rlimits[1].soft: 10 is above the hard limit 5",
        'config.json: hooks.prestart[0].path: "relative/hook" is not an absolute path',
        'config.json: linux.namespaces[5].type: "uts" appears more than once',
        'config.json: linux.sysctl["vm.overcommit_memory"]: is not in a namespace of the container; it would change the host',
    ]


def _process_file(tmp_path, doc) -> str:
    path = tmp_path / "runc-process123"
    path.write_text((doc if isinstance(doc, str) else json.dumps(doc)) + "\n")
    return str(path)


def test_load_process_as_containerd_writes_it(tmp_path):
    doc = {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh", "-c", "echo hi"], "cwd": "/", "terminal": True,
           "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
           "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}], "noNewPrivileges": True}
    process = load_process(_process_file(tmp_path, doc))
    assert isinstance(process, Process)
    assert process.args == ("/bin/sh", "-c", "echo hi") and process.env is None and process.terminal is True
    assert process.capabilities.bounding == ("CAP_KILL",) and process.capabilities.ambient is None


def test_load_process_problems_name_the_file(tmp_path):
    path = _process_file(tmp_path, {"args": [], "cwd": "tmp", "user": {"uid": "0", "gid": 0},
                                    "rlimits": [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]})
    assert _problems(load_process, path) == [
        f'{path}: user.uid: "0" is not of type "integer"',
        f"{path}: args: [] must have at least 1 item",
        f'{path}: cwd: "tmp" is not an absolute path (config.md: MUST be absolute)',
        f'{path}: rlimits[0].type: "RLIMIT_NOPE" is not a Linux resource limit (one of RLIMIT_CPU ... RLIMIT_RTTIME)',
    ]


def test_load_process_bad_json_and_missing_file(tmp_path):
    path = _process_file(tmp_path, '{"args": ["sh"],\n "cwd": }')
    assert _problems(load_process, path) == [f"{path}: invalid JSON at line 2, column 9: expecting value"]
    assert _problems(load_process, str(tmp_path / "gone")) == [f"cannot read {tmp_path}/gone: no such file or directory"]


def _imports_after(code: str, bundle) -> set[str]:
    script = f"import sys\nfrom runc_py.spec.load import load_config, ConfigError\n{code}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(__file__), env=dict(os.environ, BUNDLE=str(bundle))).stdout
    return set(out.split())


def test_success_path_imports_no_jsonschema(bundle):
    _write(bundle, runc_spec_config())
    modules = _imports_after("import os; load_config(os.environ['BUNDLE'])", bundle)
    assert "jsonschema" not in modules and "json" not in modules and "runc_py.spec.report" not in modules


def test_failure_path_uses_jsonschema(bundle):
    _write(bundle, changed(runc_spec_config(), "process.cwd", 1))
    modules = _imports_after("import os\ntry: load_config(os.environ['BUNDLE'])\nexcept ConfigError: pass", bundle)
    assert "jsonschema" in modules
