"""`runc-py spec` writes what `runc spec` writes, except ociVersion.

The reference is the real runc (installed by .ci/setup), run in a temp dir,
so these tests follow runc rather than a copy of its output.
"""
import json
import os
import subprocess

import pytest

from runc_py import SPEC_VERSION
from runc_py.errors import RuncPyError
from runc_py.spec import defaults
from runc_py.spec.defaults import default_config, format_config, write_default_config

RUNC = "/usr/sbin/runc"


def runc_spec(tmp_path, rootless: bool) -> bytes:
    bundle = tmp_path / ("runc-rootless" if rootless else "runc")
    bundle.mkdir()
    subprocess.run([RUNC, "spec", "--bundle", str(bundle)] + (["--rootless"] if rootless else []),
                   check=True, capture_output=True)
    return (bundle / "config.json").read_bytes()


def leaves(obj, path="") -> list[tuple[str, object]]:
    """Every scalar of a JSON document with its path, so a mismatch names the field."""
    if isinstance(obj, dict):
        return [leaf for key, val in obj.items() for leaf in leaves(val, f"{path}.{key}")]
    if isinstance(obj, list):
        return [leaf for i, val in enumerate(obj) for leaf in leaves(val, f"{path}[{i}]")]
    return [(path, obj)]


@pytest.mark.parametrize("rootless", [False, True], ids=["root", "rootless"])
def test_fields_match_runc_except_oci_version(tmp_path, rootless):
    theirs = json.loads(runc_spec(tmp_path, rootless))
    ours = default_config(rootless)
    assert ours["ociVersion"] == SPEC_VERSION
    assert theirs["ociVersion"] != SPEC_VERSION  # runc's vendored "1.0.2-dev"
    del ours["ociVersion"], theirs["ociVersion"]
    assert leaves(ours) == leaves(theirs)


@pytest.mark.parametrize("rootless", [False, True], ids=["root", "rootless"])
def test_bytes_match_runc_with_our_oci_version(tmp_path, rootless):
    theirs = runc_spec(tmp_path, rootless)
    runc_version = json.loads(theirs)["ociVersion"]
    expected = theirs.replace(f'"ociVersion": "{runc_version}"'.encode(),
                              f'"ociVersion": "{SPEC_VERSION}"'.encode(), 1)
    assert format_config(default_config(rootless)) == expected
    assert expected.startswith(b'{\n\t"ociVersion"') and not expected.endswith(b"\n")


def test_rootless_maps_root_to_the_callers_effective_ids(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 1001)
    linux = default_config(rootless=True)["linux"]
    assert linux["uidMappings"] == [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert linux["gidMappings"] == [{"containerID": 0, "hostID": 1001, "size": 1}]


def test_each_call_returns_a_fresh_document():
    first = default_config()
    first["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    first["mounts"][2]["options"].clear()
    assert default_config() == json.loads(format_config(default_config()))
    assert "CAP_SYS_ADMIN" not in default_config()["process"]["capabilities"]["bounding"]
    assert "gid=5" in default_config()["mounts"][2]["options"]


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o000])
def test_write_matches_runc_file_and_mode(tmp_path, umask, mask):
    umask(mask)
    theirs_bundle = tmp_path / "theirs"
    theirs_bundle.mkdir()
    subprocess.run([RUNC, "spec", "--bundle", str(theirs_bundle)], check=True, capture_output=True)
    ours_bundle = tmp_path / "ours"
    ours_bundle.mkdir()

    path = write_default_config(str(ours_bundle), rootless=False)

    assert path == str(ours_bundle / "config.json")
    assert (os.stat(path).st_mode & 0o777) == (os.stat(theirs_bundle / "config.json").st_mode & 0o777)
    assert (os.stat(path).st_mode & 0o777) == 0o666 & ~mask
    assert json.loads(open(path, "rb").read()) == default_config()
    assert os.listdir(ours_bundle) == ["config.json"]


def test_write_rootless(tmp_path):
    write_default_config(str(tmp_path), rootless=True)
    assert json.loads((tmp_path / "config.json").read_bytes()) == default_config(rootless=True)


def test_refuses_to_overwrite_and_leaves_the_file_alone(tmp_path):
    (tmp_path / "config.json").write_text("mine")
    with pytest.raises(RuncPyError) as err:
        write_default_config(str(tmp_path), rootless=False)
    assert str(err.value) == f"File {tmp_path}/config.json exists. Remove it first"
    assert (tmp_path / "config.json").read_text() == "mine"
    assert os.listdir(tmp_path) == ["config.json"]


def test_refuses_a_dangling_symlink_rather_than_writing_through_it(tmp_path):
    os.symlink(tmp_path / "elsewhere.json", tmp_path / "config.json")
    with pytest.raises(RuncPyError, match="exists. Remove it first"):
        write_default_config(str(tmp_path), rootless=False)
    assert sorted(os.listdir(tmp_path)) == ["config.json"]
    assert not (tmp_path / "elsewhere.json").exists()


def test_missing_bundle_directory(tmp_path):
    missing = tmp_path / "no-such-bundle"
    with pytest.raises(RuncPyError) as err:
        write_default_config(str(missing), rootless=False)
    assert str(err.value) == f'bundle directory "{missing}": no such file or directory'
    assert not missing.exists()


def test_bundle_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(RuncPyError, match='bundle directory ".*/file": not a directory'):
        write_default_config(str(tmp_path / "file"), rootless=False)


def test_failed_write_leaves_neither_config_nor_temp_file(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(defaults.os, "fsync", full_disk)
    with pytest.raises(RuncPyError) as err:
        write_default_config(str(tmp_path), rootless=False)
    assert str(err.value) == f"write {tmp_path}/config.json: no space left on device"
    assert os.listdir(tmp_path) == []

