"""A private containerd, driven with `ctr`, for the containerd integration tests
and `bench/containerd`.

Everything containerd and its runc shim create lives under one temporary
directory (root, state, sockets, FIFOs, runtime roots, rootfs, image), with two
exceptions that containerd 1.6 hard-codes and that `cleanup_host_dirs` removes
again when they were absent before: the shim sockets directory
`/run/containerd/s` and, for `ctr` clients that do not pass `--fifo-dir`,
`/run/containerd/fifo`.  Containers live in a containerd namespace of their own,
so their cgroups (`/<ns>/<id>` in every hierarchy) and processes can be told
apart from anything else on the machine.

Every subprocess call here has a timeout; a call that hangs is killed and
reported with its argv and whatever it printed.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ctrd_probes import HostProcess, cgroup_dirs, host_processes, mounts_under

CONTAINERD = "/usr/bin/containerd"
CTR = "/usr/bin/ctr"
DEFAULT_TIMEOUT = 30.0
# What containerd sees as its whole environment: the shim and the runtime
# inherit it (plus the shim's own additions), as on a host where containerd is
# started by an init system with only PATH set.
CONTAINERD_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
# containerd 1.6 puts every shim's ttrpc socket in <this>/s/<hash>, whatever
# its own state dir is.
HOST_CONTAINERD_RUN_DIR = Path("/run/containerd")
TASK_PLUGIN = "io.containerd.runtime.v2.task"
OWNER_FILE = "owner"  # "<pid> <namespace>" of the process that started the containerd


class CommandFailed(AssertionError):
    """A command exited non-zero, or did not finish in time."""


def run(argv: list[str], *, timeout: float = DEFAULT_TIMEOUT, input: str | None = None,
        env: dict[str, str] | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Runs argv with stdin from `input` (or /dev/null), capturing text output."""
    try:
        proc = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise CommandFailed(f"timed out after {timeout}s: {argv}\nstdout: {exc.stdout!r}\n"
                            f"stderr: {exc.stderr!r}") from None
    if check and proc.returncode != 0:
        raise CommandFailed(f"exit {proc.returncode}: {argv}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


@dataclass
class TtyResult:
    returncode: int
    output: str  # everything the command wrote to its terminal, without carriage returns


def run_in_tty(argv: list[str], *, timeout: float = DEFAULT_TIMEOUT) -> TtyResult:
    """Runs argv with a fresh pseudo-terminal as its controlling tty and stdio.

    `ctr run -t` and `ctr task exec -t` refuse to start unless their stdin is a
    terminal, as when a person types them."""
    import fcntl
    import termios

    master, slave = os.openpty()

    def become_tty_session_leader() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                preexec_fn=become_tty_session_leader, close_fds=True)
    finally:
        os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait(5)
                raise CommandFailed(f"timed out after {timeout}s in a tty: {argv}\noutput: "
                                    f"{b''.join(chunks)!r}")
            ready, _, _ = select.select([master], [], [], min(left, 0.2))
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every holder of the slave side has closed it
                    data = b""
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None and not _readable(master):
                break
        returncode = proc.wait(max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
    return TtyResult(returncode, b"".join(chunks).decode(errors="replace").replace("\r", ""))


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0.05)[0])


def wait_for(predicate, *, timeout: float = 10.0, interval: float = 0.05, what: str = "condition",
             detail=None):
    """Polls predicate until it returns a true value, which is returned.
    On time-out, the error names `what` and the result of `detail()`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f": {detail()}" if detail else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


class LineReader:
    """Reads a child's pipe up to a wanted text, without ever blocking past a deadline."""

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        self.text = ""

    def read_until(self, needle: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {needle!r}; got {self.text!r}")
            if select.select([self.fd], [], [], min(left, 0.2))[0]:
                data = os.read(self.fd, 65536)
                if not data:
                    raise AssertionError(f"stream ended before {needle!r}; got {self.text!r}")
                self.text += data.decode(errors="replace")
        return self.text


class PrivateContainerd:
    """One containerd with its root, state and sockets under `base`, no CRI."""

    def __init__(self, base: Path, namespace: str) -> None:
        self.base = base
        self.namespace = namespace
        self.config = base / "containerd.toml"
        self.root = base / "root"
        self.state = base / "state"
        self.address = base / "containerd.sock"
        self.fifo_dir = base / "fifo"
        self.log_path = base / "containerd.log"
        self.proc: subprocess.Popen | None = None

    def runtime_root(self, runtime_name: str) -> Path:
        """The `--runc-root` for one runtime; the shim appends `/<ns>`."""
        return self.base / "runtime-root" / runtime_name

    def bundle(self, container_id: str) -> Path:
        return self.state / TASK_PLUGIN / self.namespace / container_id

    def write_config(self) -> None:
        disabled = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.tracing",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.zfs"]
        self.config.write_text(f"""\
version = 2
root = "{self.root}"
state = "{self.state}"
disabled_plugins = {json.dumps(disabled)}

[grpc]
  address = "{self.address}"

[ttrpc]
  address = "{self.address}.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{self.base / 'opt'}"
""")

    def start(self, timeout: float = 20.0) -> None:
        owner = self.base / OWNER_FILE
        if not owner.exists():  # who is responsible for tearing this one down (see sweep_abandoned)
            owner.write_text(f"{os.getpid()} {self.namespace}\n")
        self.write_config()
        self.fifo_dir.mkdir(exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([CONTAINERD, "--config", str(self.config)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, env=CONTAINERD_ENV, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise CommandFailed(f"containerd exited with {self.proc.returncode}:\n{self.log_tail()}")
            if run([CTR, "--address", str(self.address), "version"], timeout=5).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise CommandFailed(f"containerd not ready after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def stop_orphan(self, timeout: float = 15.0) -> None:
        """Stop a containerd of this base that outlived the process that
        started it (and so is not our child)."""
        def daemons():
            return [p for p in host_processes() if p.comm == "containerd" and str(self.config) in p.cmdline]
        for p in daemons():
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        wait_for(lambda: not daemons(), timeout=timeout, what=f"the abandoned containerd of {self.base} to exit")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_running(self) -> None:
        """Restarts a containerd that a test stopped or that died: its shims
        and containers may still run, and only containerd removes them properly."""
        if not self.running():
            self.stop()
            self.start()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no containerd log)"

    def ctr(self, *args: str, timeout: float = DEFAULT_TIMEOUT, input: str | None = None,
            check: bool = False) -> subprocess.CompletedProcess:
        return run(self.ctr_argv(*args), timeout=timeout, input=input, check=check)

    def ctr_argv(self, *args: str) -> list[str]:
        return [CTR, "--address", str(self.address), "--namespace", self.namespace, *args]

    # -- inspection and clean-up

    def task_status(self, container_id: str) -> str | None:
        """The STATUS column of `ctr task ls` for this container, None when no task."""
        for line in self.ctr("task", "ls", check=True).stdout.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == container_id:
                return fields[2]
        return None

    def task_pid(self, container_id: str) -> int:
        for line in self.ctr("task", "ls", check=True).stdout.splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == container_id:
                return int(fields[1])
        raise AssertionError(f"no task {container_id} in `ctr task ls`")

    def containers(self) -> list[str]:
        return self.ctr("containers", "ls", "-q", check=True).stdout.split()

    def remove_container(self, container_id: str) -> list[str]:
        """Kills, deletes and removes one container; returns what went wrong."""
        problems = []
        if self.task_status(container_id) is not None:
            self.ctr("task", "kill", "--all", "--signal", "SIGKILL", container_id)
            try:
                wait_for(lambda: self.task_status(container_id) in (None, "STOPPED"), timeout=10,
                         what=f"task {container_id} to stop")
            except AssertionError as exc:
                problems.append(str(exc))
            proc = self.ctr("task", "delete", "--force", container_id)
            if proc.returncode != 0 and self.task_status(container_id) is not None:
                problems.append(f"ctr task delete {container_id}: {proc.stderr.strip()}")
        if container_id in self.containers():
            proc = self.ctr("containers", "rm", container_id)
            if proc.returncode != 0:
                problems.append(f"ctr containers rm {container_id}: {proc.stderr.strip()}")
        return problems

    def leftover_processes(self) -> list[HostProcess]:
        """containerd, shims, runtime calls and container processes of this
        instance that are still in the process table."""
        address, base = str(self.address), str(self.base)
        ns_prefix = f"/{self.namespace}/"
        found = []
        for p in host_processes():
            if p.pid == os.getpid():
                continue
            mine = (str(self.config) in p.cmdline
                    or (p.comm.startswith("containerd-shim") and address in p.cmdline)
                    or base in p.cmdline
                    or any(cg.startswith(ns_prefix) for cg in p.cgroups))
            if mine:
                found.append(p)
        return found


def new_base_dir() -> Path:
    """A short private directory in /tmp (unix socket paths must stay < 108 bytes)."""
    return Path(tempfile.mkdtemp(prefix="rpy-ctrd-", dir="/tmp"))


def sweep_abandoned(parent: Path = Path("/tmp")) -> list[str]:
    """Tear down every private containerd (with its shims, containers and
    cgroups) whose owner, the test session or benchmark that started it,
    died without its own teardown (SIGKILL, a lost terminal); sessions still
    running are left alone.  Returns what the teardowns found."""
    problems = []
    for owner in sorted(parent.glob(f"rpy-ctrd-*/{OWNER_FILE}")):
        pid, namespace = owner.read_text().split()
        if _alive(int(pid)):
            continue
        ctrd = PrivateContainerd(owner.parent, namespace)
        ctrd.stop_orphan()
        problems += [f"abandoned {owner.parent}: {p}" for p in teardown(ctrd, {})]
    return problems


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def host_dirs_before() -> dict[Path, bool]:
    return {d: d.exists() for d in (HOST_CONTAINERD_RUN_DIR / "s", HOST_CONTAINERD_RUN_DIR / "fifo",
                                    HOST_CONTAINERD_RUN_DIR)}


def cleanup_host_dirs(existed: dict[Path, bool]) -> None:
    """Removes the /run/containerd directories containerd created for us, if
    they did not exist before and are empty (rmdir, never a recursive delete:
    another containerd may be using them)."""
    for d, was_there in existed.items():
        if not was_there:
            try:
                d.rmdir()
            except OSError:
                pass


def teardown(ctrd: PrivateContainerd, host_dirs: dict[Path, bool]) -> list[str]:
    """Removes every container, stops containerd and checks that nothing of it
    is left: processes, mounts under the base dir, runtime state, cgroups.
    Returns the problems found (empty when clean); removes the base dir when
    no mount is left under it."""
    problems: list[str] = []
    try:
        ctrd.ensure_running()
    except CommandFailed as exc:
        problems.append(f"cannot restart containerd for clean-up: {exc}")
    if ctrd.running():
        try:
            for cid in ctrd.containers():
                problems += ctrd.remove_container(cid)
            for image in ctrd.ctr("images", "ls", "-q").stdout.split():
                ctrd.ctr("images", "rm", "--sync", image)
        except CommandFailed as exc:
            problems.append(str(exc))
    ctrd.stop()
    try:
        wait_for(lambda: not ctrd.leftover_processes(), timeout=10, what="processes to go")
    except AssertionError:
        for p in ctrd.leftover_processes():
            problems.append(f"process left: {p}")
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for ns_dir in sorted((ctrd.base / "runtime-root").glob(f"*/{ctrd.namespace}")):
        if ns_dir.is_dir():
            left = sorted(os.listdir(ns_dir))
            if left:
                problems.append(f"runtime state left in {ns_dir}: {left}")
    # The runtime leaves the empty parent /<ns> cgroups (runc does, see the
    # contract); any container cgroup below them is a leak.
    for parent in cgroup_dirs(ctrd.namespace):
        children = sorted(c for c in parent.rglob("*") if c.is_dir())
        if children:
            problems.append(f"cgroups left under {parent}: {[c.name for c in children]}")
        for d in [*reversed(children), parent]:
            try:
                d.rmdir()
            except OSError as exc:
                problems.append(f"cannot remove cgroup {d}: {exc}")
    mounts = mounts_under(ctrd.base)
    if mounts:
        problems.append(f"mounts left under {ctrd.base}: {mounts}")
        for mp in sorted(mounts, reverse=True):
            subprocess.run(["umount", "--lazy", mp], timeout=10, check=False)
    if not mounts_under(ctrd.base):
        shutil.rmtree(ctrd.base, ignore_errors=True)
    cleanup_host_dirs(host_dirs)
    return problems
