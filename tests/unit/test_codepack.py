"""The code pack: modules served from one file of compiled code, and only
while their sources are unchanged.  Each case runs a fresh interpreter (the
finder belongs to a process's start-up) on a small package in a temp dir."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import runc_py.codepack as codepack

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "bin" / "runc-py"


@pytest.fixture()
def pkg(tmp_path: Path) -> Path:
    root = tmp_path / "pkgx"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("NAME = 'top'\n")
    (root / "a.py").write_text("from .sub import b\nVALUE = b.VALUE + 1\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "b.py").write_text("VALUE = 41\n")
    return root


def _probe(pkg: Path, body: str) -> dict:
    """Run `body` in a fresh `python -I` with the pack's finder installed for
    `pkg`; the body fills `out`, which comes back as JSON."""
    script = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(REPO)!r}, {str(pkg.parent)!r}]\n"
        "from runc_py.codepack import PackFinder, save_if_stale\n"
        f"finder = PackFinder({str(pkg)!r})\n"
        "sys.meta_path.insert(0, finder)\n"
        "out = {}\n"
        f"{body}\n"
        "out['stale'] = finder.stale\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def _loaders(names: str) -> str:
    return (f"for n in {names!r}.split():\n"
            "    __import__(n)\n"
            "    out[n] = type(sys.modules[n].__loader__).__name__\n")


def test_modules_come_from_the_pack_with_their_attributes(pkg: Path):
    codepack.write_pack(str(pkg))
    out = _probe(pkg, _loaders("pkgx.a pkgx.sub.b") + (
        "import pkgx, pkgx.a, pkgx.sub\n"
        "out['value'] = pkgx.a.VALUE\n"
        "out['file'] = pkgx.a.__file__\n"
        "out['path'] = pkgx.sub.__path__\n"
        "out['name'] = pkgx.NAME\n"))
    assert out["pkgx.a"] == out["pkgx.sub.b"] == "PackFinder"
    assert out["value"] == 42 and out["name"] == "top"
    assert out["file"] == str(pkg / "a.py")
    assert out["path"] == [str(pkg / "sub")]
    assert out["stale"] is False


def test_an_edited_module_is_imported_from_its_source_and_the_pack_rewritten(pkg: Path):
    codepack.write_pack(str(pkg))
    (pkg / "sub" / "b.py").write_text("VALUE = 99  # edited\n")
    out = _probe(pkg, _loaders("pkgx.a pkgx.sub.b") + "out['value'] = sys.modules['pkgx.a'].VALUE\nsave_if_stale()")
    assert out["value"] == 100
    assert out["pkgx.sub.b"] == "SourceFileLoader" and out["pkgx.a"] == "PackFinder"
    assert out["stale"] is True
    # save_if_stale only writes for a finder on sys.meta_path: the probe's is
    again = _probe(pkg, _loaders("pkgx.sub.b") + "out['value'] = sys.modules['pkgx.sub.b'].VALUE")
    assert again == {"pkgx.sub.b": "PackFinder", "value": 99, "stale": False}


@pytest.mark.parametrize("content", [None, b"", b"not a pack at all", b"runc-py code pack\n\x00\x00\x00\x00"])
def test_a_missing_or_foreign_pack_is_ignored_and_marked_stale(pkg: Path, content: bytes | None):
    path = Path(codepack.pack_path(str(pkg)))
    if content is not None:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
    out = _probe(pkg, _loaders("pkgx.a") + "out['value'] = sys.modules['pkgx.a'].VALUE")
    assert out == {"pkgx.a": "SourceFileLoader", "value": 42, "stale": True}


def test_a_new_module_marks_the_pack_stale_but_a_missing_one_does_not(pkg: Path):
    codepack.write_pack(str(pkg))
    missing = _probe(pkg, "try:\n    import pkgx.nosuch\nexcept ImportError:\n    out['missing'] = True")
    assert missing == {"missing": True, "stale": False}
    (pkg / "c.py").write_text("C = 3\n")
    added = _probe(pkg, _loaders("pkgx.c"))
    assert added == {"pkgx.c": "SourceFileLoader", "stale": True}


def test_a_write_replaces_the_pack_atomically(pkg: Path):
    codepack.write_pack(str(pkg))
    path = codepack.pack_path(str(pkg))
    before = os.stat(path).st_ino
    codepack.write_pack(str(pkg))
    assert os.stat(path).st_ino != before  # renamed over, never rewritten in place
    assert sorted(os.listdir(os.path.dirname(path))) == [os.path.basename(path)]  # no temp file left


def test_the_launcher_serves_runc_py_from_the_pack():
    """The installed entry point reads the pack, not the package's .pyc files."""
    codepack.write_pack(str(REPO / "runc_py"))
    proc = subprocess.run(["strace", "-f", "-e", "trace=openat", "-o", "/dev/stdout", str(REPO / ".venv/bin/runc-py"),
                           "--root", "/nonexistent-root", "state", "nosuch"], capture_output=True, text=True)
    opened = [line for line in proc.stdout.splitlines() if "/runc_py/" in line and "ENOENT" not in line]
    assert any(".pack" in line for line in opened), opened
    pycs = [line for line in opened if ".pyc" in line]
    # runc_py itself and the module that installs the finder are found the usual way
    assert all("runc_py/__pycache__/__init__." in p or "codepack." in p for p in pycs), pycs


def _replace_pack(pkg: Path) -> str:
    """Python for a probe: rewrite the pack with every offset moved (a longer
    first module), as a concurrent call that found it stale would."""
    return (f"open({str(pkg / '__init__.py')!r}, 'a').write('PAD = ' + repr('x' * 5000) + '\\n')\n"
            "import runc_py.codepack\n"
            f"runc_py.codepack.write_pack({str(pkg)!r})\n")


def test_a_call_keeps_reading_the_pack_it_started_with(pkg: Path):
    """The bug this guards against: a module read by offset from a newer pack
    than the index (`bad marshal data` under 50 concurrent creates)."""
    codepack.write_pack(str(pkg))
    out = _probe(pkg, "import pkgx\n" + _replace_pack(pkg) + _loaders("pkgx.a pkgx.sub.b")
                 + "out['value'] = sys.modules['pkgx.a'].VALUE")
    assert out == {"pkgx.a": "PackFinder", "pkgx.sub.b": "PackFinder", "value": 42, "stale": False}


def test_a_forked_child_holds_no_pack_fd_and_imports_correctly_after_a_rewrite(pkg: Path):
    codepack.write_pack(str(pkg))
    body = ("import os\n"
            "r, w = os.pipe()\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    fds = [os.readlink(f'/proc/self/fd/{n}') for n in os.listdir('/proc/self/fd')\n"
            "           if os.path.exists(f'/proc/self/fd/{n}')]\n"
            "    import pkgx.sub.b\n"
            + "\n".join("    " + line for line in _replace_pack(pkg).splitlines()) + "\n"
            "    import pkgx.a\n"
            "    os.write(w, json.dumps([fds, pkgx.a.VALUE]).encode())\n"
            "    os._exit(0)\n"
            "os.waitpid(pid, 0)\n"
            "out['child_fds'], out['value'] = json.loads(os.read(r, 65536))\n")
    out = _probe(pkg, body)
    assert not [fd for fd in out["child_fds"] if fd.endswith(".pack")]
    assert out["value"] == 42
