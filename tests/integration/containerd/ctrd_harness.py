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

import datetime
import hashlib
import io
import json
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CONTAINERD = "/usr/bin/containerd"
CTR = "/usr/bin/ctr"
BUSYBOX = "/bin/busybox"
DEFAULT_TIMEOUT = 30.0
# What containerd sees as its whole environment: the shim and the runtime
# inherit it (plus the shim's own additions), as on a host where containerd is
# started by an init system with only PATH set.
CONTAINERD_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
# containerd 1.6 puts every shim's ttrpc socket in <this>/s/<hash>, whatever
# its own state dir is.
HOST_CONTAINERD_RUN_DIR = Path("/run/containerd")
TASK_PLUGIN = "io.containerd.runtime.v2.task"


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


# ---------------------------------------------------------------- rootfs and image

def build_busybox_rootfs(dest: Path) -> Path:
    """A minimal rootfs: busybox-static plus one symlink per applet in /bin."""
    (dest / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, dest / "bin" / "busybox")
    applets = run([BUSYBOX, "--list"], check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (dest / "bin" / applet).symlink_to("busybox")
    for d in ("proc", "sys", "dev", "tmp", "etc", "run", "root"):
        (dest / d).mkdir()
    (dest / "tmp").chmod(0o1777)
    (dest / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (dest / "etc" / "group").write_text("root:x:0:\n")
    return dest


IMAGE_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def build_oci_image_archive(rootfs: Path, dest: Path, ref: str) -> Path:
    """Writes an OCI image layout tarball (index, manifest, config, one layer)
    holding `rootfs`, named `ref`, for `ctr images import`."""
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    blobs: dict[str, bytes] = {}

    def add_blob(data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(rootfs.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(rootfs)), recursive=False)
    layer = add_blob(layer_buf.getvalue())
    config = add_blob(json.dumps({
        "architecture": arch, "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": [IMAGE_PATH_ENV, "IMAGE_BUILT_BY=runc-py-tests"], "Cmd": ["sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
    }).encode())
    manifest = add_blob(json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}],
    }).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
            "platform": {"architecture": arch, "os": "linux"},
            "annotations": {"io.containerd.image.name": ref,
                            "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1]},
        }],
    }
    with tarfile.open(dest, "w") as tar:
        def add_file(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        add_file("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_file("index.json", json.dumps(index).encode())
        for digest, data in blobs.items():
            add_file("blobs/sha256/" + digest.split(":", 1)[1], data)
    return dest


# ---------------------------------------------------------------- host probes

def _unescape_mountinfo(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_points() -> list[tuple[str, str]]:
    """(mount point, fs type) of every mount in our mount namespace, which is
    the one containerd, its shims and the runtime use."""
    result = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            result.append((_unescape_mountinfo(left.split()[4]), right.split()[0]))
    return result


def mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    return [mp for mp, _ in mount_points() if mp == str(path) or mp.startswith(prefix)]


def cgroup_hierarchies() -> list[Path]:
    return [Path(mp) for mp, fstype in mount_points() if fstype in ("cgroup", "cgroup2")]


def cgroup_dirs(relative: str) -> list[Path]:
    """Existing `<hierarchy>/<relative>` directories, in every mounted hierarchy."""
    return [h / relative.lstrip("/") for h in cgroup_hierarchies() if (h / relative.lstrip("/")).is_dir()]


def cgroup_pids(relative: str) -> set[int]:
    """Host pids in cgroup `relative` (read from the first hierarchy that has it)."""
    for d in cgroup_dirs(relative):
        procs = d / "cgroup.procs"
        if procs.exists():
            return {int(p) for p in procs.read_text().split()}
    return set()


def freezer_state(relative: str) -> str:
    """FROZEN/THAWED from the v1 freezer, or from cgroup2's cgroup.freeze."""
    for d in cgroup_dirs(relative):
        if (d / "freezer.state").exists():
            return (d / "freezer.state").read_text().strip()
    for d in cgroup_dirs(relative):
        if (d / "cgroup.freeze").exists():
            return "FROZEN" if (d / "cgroup.freeze").read_text().strip() == "1" else "THAWED"
    raise AssertionError(f"no freezer for cgroup {relative}")


@dataclass
class HostProcess:
    pid: int
    comm: str
    state: str
    cmdline: str
    cgroups: list[str]

    def __str__(self) -> str:
        return f"pid {self.pid} [{self.state}] {self.comm}: {self.cmdline} (cgroups {sorted(set(self.cgroups))})"


def host_processes() -> list[HostProcess]:
    procs = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            base = f"/proc/{entry}"
            with open(base + "/stat") as f:
                stat = f.read()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            state = stat[stat.rindex(")") + 2]
            with open(base + "/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(base + "/cgroup") as f:
                cgroups = [line.rstrip("\n").split(":", 2)[2] for line in f if line.count(":") >= 2]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        procs.append(HostProcess(int(entry), comm, state, cmdline, cgroups))
    return procs


def pid_alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_runtime_log(text: str) -> list[dict]:
    """Parses a runtime `--log-format json` file the way the shim does: every
    line one object with string level/msg and an RFC 3339 time (one bad time
    makes the shim give up on the whole file)."""
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        assert isinstance(entry, dict), f"log line {n} is not an object: {line!r}"
        for key in ("level", "msg", "time"):
            assert isinstance(entry.get(key), str), f"log line {n} lacks a string {key!r}: {line!r}"
        assert RFC3339.match(entry["time"]), f"log line {n}: time is not RFC 3339: {line!r}"
        datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        entries.append(entry)
    return entries


def last_error_message(entries: list[dict]) -> str | None:
    """The message the shim reports: the last entry whose level is exactly "error"."""
    errors = [e["msg"].strip() for e in entries if e["level"] == "error"]
    return errors[-1] if errors else None


# ---------------------------------------------------------------- containerd

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
