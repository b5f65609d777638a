"""The state store: id rules, atomic record writes, the per-container lock
across processes, and status derived from the live system."""
import multiprocessing
import os
import time

import pytest

from runc_py.container import status as status_mod
from runc_py.container.ids import validate_container_id
from runc_py.container.state import StateStore, write_file_atomically
from runc_py.errors import ContainerNotFound, RuncPyError


@pytest.mark.parametrize("good", ["a", "abc-123", "A_b.c", "x+y", "1,2", "...", "a..b"])
def test_ids_runc_accepts(good):
    assert validate_container_id(good) == good


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "/abs", "with space", "tab\t", "ünïcode", "a:b", "a*b"])
def test_ids_runc_refuses(bad):
    with pytest.raises(RuncPyError):
        validate_container_id(bad)


def test_create_refuses_a_used_id(tmp_path):
    store = StateStore(str(tmp_path))
    with store.create("c1") as c:
        c.write({"id": "c1"})
    with pytest.raises(RuncPyError, match="container with id exists: c1"):
        store.create("c1")


def test_open_missing_container(tmp_path):
    with pytest.raises(ContainerNotFound):
        StateStore(str(tmp_path)).open("nope")


def test_record_round_trip_and_removal(tmp_path):
    store = StateStore(str(tmp_path))
    with store.create("c1") as c:
        c.write({"id": "c1", "pid": 42, "nested": {"a": [1, 2]}})
    with store.open("c1") as c:
        assert c.read() == {"id": "c1", "pid": 42, "nested": {"a": [1, 2]}}
        c.remove()
    assert store.ids() == []


def test_atomic_write_leaves_old_content_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "state.json"
    write_file_atomically(str(target), b'{"old":1}', 0o600)

    real_write = os.write

    def failing_write(fd, data):
        if data == b'{"new":2}':
            raise OSError(28, "simulated: no space left on device")
        return real_write(fd, data)
    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(OSError):
        write_file_atomically(str(target), b'{"new":2}', 0o600)
    assert target.read_bytes() == b'{"old":1}'
    assert os.listdir(tmp_path) == ["state.json"]  # no temp file left


def test_readers_never_see_a_partial_record(tmp_path):
    """A reader racing a writer sees either whole record, never a torn one."""
    store = StateStore(str(tmp_path))
    with store.create("c1") as c:
        c.write({"id": "c1", "n": 0, "pad": "x" * 50000})
    stop = multiprocessing.Event()

    def writer():
        with store.open("c1") as c:
            n = 0
            while not stop.is_set():
                n += 1
                c.write({"id": "c1", "n": n, "pad": "y" * (n % 7 * 10000)})

    proc = multiprocessing.Process(target=writer)
    proc.start()
    try:
        deadline = time.monotonic() + 1.0
        reads = 0
        while time.monotonic() < deadline:
            record, _ = store.peek("c1")  # raises on a torn record
            assert record["id"] == "c1"
            reads += 1
        assert reads > 10
    finally:
        stop.set()
        proc.join()


def _hold_lock(root, ready, release):
    with StateStore(root).open("c1"):
        ready.set()
        release.wait(10)


def test_lock_excludes_other_processes(tmp_path):
    store = StateStore(str(tmp_path))
    with store.create("c1") as c:
        c.write({"id": "c1"})
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        release_timer = multiprocessing.Process(target=lambda: (time.sleep(0.3), release.set()))
        release_timer.start()
        with store.open("c1"):
            waited = time.monotonic() - started
        release_timer.join()
        assert waited >= 0.25  # we could only lock once the holder let go
    finally:
        release.set()
        holder.join()


def _delete_under_lock(root, ready):
    with StateStore(root).open("c1") as c:
        ready.set()
        time.sleep(0.3)
        c.remove()


def test_waiter_behind_a_delete_finds_no_container(tmp_path):
    store = StateStore(str(tmp_path))
    with store.create("c1") as c:
        c.write({"id": "c1"})
    ready = multiprocessing.Event()
    deleter = multiprocessing.Process(target=_delete_under_lock, args=(str(tmp_path), ready))
    deleter.start()
    assert ready.wait(10)
    with pytest.raises(ContainerNotFound):
        store.open("c1")
    deleter.join()


def test_status_is_derived_not_trusted(tmp_path):
    container_dir = str(tmp_path)
    me = os.getpid()
    start = status_mod.process_start_time(me)
    record = {"phase": "created", "pid": me, "init_start": start, "cgroup": None}
    (tmp_path / "exec.fifo").write_text("")
    assert status_mod.container_status(record, container_dir) == "created"
    (tmp_path / "exec.fifo").unlink()
    assert status_mod.container_status(record, container_dir) == "running"
    # the same pid with another start time is a different process: stopped
    assert status_mod.container_status({**record, "init_start": start + 1}, container_dir) == "stopped"
    assert status_mod.container_status({**record, "pid": 2 ** 22 + 1}, container_dir) == "stopped"
    assert status_mod.container_status({**record, "phase": "creating", "pid": 0}, container_dir) == "creating"
