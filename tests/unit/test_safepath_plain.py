"""safepath's one-call path for plain paths gives what the component walk
gives, and leaves every other path to the walk."""
import errno
import os
import stat

import pytest

from runc_py.linux import safepath
from runc_py.linux.safepath import (_components, _walk, create_in_root, mkdir_all_in_root, open_in_root,
                                    resolve_and_open, resolve_in_root)


@pytest.fixture
def root(tmp_path):
    """a/b/c (dirs), a/file, abs -> /a/b (absolute symlink), rel -> a/b,
    up -> ../../a (escapes, stopped at the root), dangling -> /nowhere/x."""
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "file").write_text("x")
    os.symlink("/a/b", tmp_path / "abs")
    os.symlink("a/b", tmp_path / "rel")
    os.symlink("../../a", tmp_path / "a" / "up")
    os.symlink("/nowhere/x", tmp_path / "dangling")
    fd = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    yield fd, tmp_path
    os.close(fd)


PATHS = ["/", "", ".", "/a", "a/b/c", "/a//b/./c/", "/a/b/c/d/e", "/missing", "/missing/x/../y",
         "/abs", "/abs/c", "/rel/c", "/a/up/b", "/a/up/../../..", "/a/b/../file", "/dangling", "/dangling/y",
         "/../../a/b", "/a/b/c/.."]


@pytest.mark.parametrize("path", PATHS)
def test_resolution_is_the_walks(root, path):
    fd, _ = root
    assert resolve_in_root(fd, path) == _walk(fd, _components(path))


@pytest.mark.parametrize("path", PATHS)
def test_open_is_open_of_the_walk(root, path):
    fd, _ = root
    rel = _walk(fd, _components(path))
    try:
        want_fd = safepath.open_resolved(fd, rel)
    except FileNotFoundError as err:
        with pytest.raises(FileNotFoundError) as info:
            resolve_and_open(fd, path)
        assert info.value.filename == err.filename == "/" + rel
        return
    want = os.fstat(want_fd)
    os.close(want_fd)
    got_fd, got_rel = resolve_and_open(fd, path)
    try:
        got = os.fstat(got_fd)
        assert (got_rel, got.st_ino, got.st_dev) == (rel, want.st_ino, want.st_dev)
        assert not stat.S_ISLNK(got.st_mode)
    finally:
        os.close(got_fd)


def test_a_symlink_never_takes_the_one_call(root, monkeypatch):
    fd, _ = root
    walked = []
    real = safepath._walk
    monkeypatch.setattr(safepath, "_walk", lambda *a: walked.append(a[1]) or real(*a))
    for path in ("/abs/c", "/rel", "/a/up/b", "/a/b/../c", "/a/b/c"):
        resolve_in_root(fd, path)
    assert walked == [["abs", "c"], ["rel"], ["a", "up", "b"], ["a", "b", "..", "c"]]


def test_create_in_root(root):
    fd, tmp = root
    made, rel = create_in_root(fd, "/abs/new/dir", directory=True)
    os.close(made)
    assert rel == "a/b/new/dir" and (tmp / "a/b/new/dir").is_dir()
    existing, rel = create_in_root(fd, "/a/b/c", directory=True)
    assert rel == "a/b/c" and os.fstat(existing).st_ino == os.stat(tmp / "a/b/c").st_ino
    os.close(existing)
    as_file, rel = create_in_root(fd, "/a/file", directory=False)
    assert os.fstat(as_file).st_ino == os.stat(tmp / "a/file").st_ino
    os.close(as_file)
    new_file, rel = create_in_root(fd, "/rel/c/f", directory=False)
    os.close(new_file)
    assert rel == "a/b/c/f" and (tmp / "a/b/c/f").is_file()
    with pytest.raises(NotADirectoryError) as info:
        create_in_root(fd, "/a/file", directory=True)
    assert info.value.filename == "/a/file"
    with pytest.raises(IsADirectoryError):
        create_in_root(fd, "/", directory=False)
    with pytest.raises(NotADirectoryError):
        create_in_root(fd, "/a/file/x", directory=True)


def test_mkdir_all_in_root(root):
    fd, tmp = root
    for path, made in (("/a/b", "a/b"), ("/abs/x/y", "a/b/x/y"), ("/dangling", "nowhere/x")):
        d = mkdir_all_in_root(fd, path)
        try:
            assert os.fstat(d).st_ino == os.stat(tmp / made).st_ino
        finally:
            os.close(d)
    with pytest.raises(NotADirectoryError):
        mkdir_all_in_root(fd, "/a/file")


def test_open_in_root_with_flags(root):
    fd, _ = root
    d = open_in_root(fd, "/abs", os.O_PATH | os.O_DIRECTORY)
    os.close(d)
    with pytest.raises(NotADirectoryError):
        open_in_root(fd, "/a/file", os.O_PATH | os.O_DIRECTORY)
    with pytest.raises(OSError) as info:
        open_in_root(fd, "/a/file/x")
    assert info.value.errno == errno.ENOTDIR
