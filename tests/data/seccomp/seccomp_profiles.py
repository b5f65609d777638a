"""`linux.seccomp` objects for the seccomp tests, built with the Spec model
itself but without validation, so that prepare_filter's own errors for bad
profiles can be tested."""
import json
import pathlib

from runc_py.spec.model import LinuxSeccomp, from_json

HERE = pathlib.Path(__file__).resolve().parent


def load_seccomp(doc: "dict | str") -> LinuxSeccomp:
    """From a dict, or from a JSON file in this directory."""
    if isinstance(doc, str):
        doc = json.loads((HERE / doc).read_text())
    return from_json(LinuxSeccomp, doc)
