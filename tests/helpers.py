"""Shared test tools: busybox bundles, runtimes driven through the runc CLI,
and checks that nothing of a container is left on the host."""
import copy
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNC_PY = str(REPO / ".venv" / "bin" / "runc-py")
BUSYBOX = "/bin/busybox"
APPLETS = ("sh", "true", "false", "sleep", "cat", "ls", "echo", "id", "hostname", "touch", "mkdir", "grep",
           "env", "pwd", "mount", "stat", "readlink", "kill", "ps", "wc", "head", "test", "ulimit", "mknod",
           "rm", "tail", "trap", "awk", "sed", "uname", "printf", "dd", "seq", "tr", "cut")


def make_rootfs(rootfs: Path) -> None:
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    for applet in APPLETS:
        os.symlink("busybox", rootfs / "bin" / applet)
    for d in ("proc", "sys", "dev", "tmp", "etc", "root"):
        (rootfs / d).mkdir(exist_ok=True)
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    (rootfs / "etc" / "group").write_text("root:x:0:\nnobody:x:65534:\n")


def base_config(args: list[str]) -> dict:
    from runc_py.spec.defaults import default_config

    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = args
    config["root"]["readonly"] = False
    return config


class Bundle:
    def __init__(self, path: Path, config: dict):
        self.path = path
        self.config = config

    @property
    def rootfs(self) -> Path:
        return self.path / "rootfs"

    def write(self) -> "Bundle":
        (self.path / "config.json").write_text(json.dumps(self.config, indent=2))
        return self


def new_bundle(parent: Path, args: list[str], edit=None) -> Bundle:
    path = parent / f"bundle-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    make_rootfs(path / "rootfs")
    config = copy.deepcopy(base_config(args))
    if edit is not None:
        edit(config)
    return Bundle(path, config).write()


class Runtime:
    """A runtime binary with a private --root, driven through the runc CLI."""

    def __init__(self, name: str, binary: str, root: Path):
        self.name, self.binary, self.root = name, binary, root
        self.ids: set[str] = set()

    def new_id(self) -> str:
        cid = f"t-{uuid.uuid4().hex[:10]}"
        self.ids.add(cid)
        return cid

    def cmd(self, *args: str, globals_: tuple[str, ...] = ()) -> list[str]:
        return [self.binary, "--root", str(self.root), *globals_, *args]

    def run(self, *args: str, check: bool = True, timeout: float = 30, globals_: tuple[str, ...] = (),
            **kw) -> subprocess.CompletedProcess:
        """Run the runtime; its output is captured in files, not pipes: a
        container inherits the runtime's stdio and may outlive the call."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            kw.setdefault("stdout", out)
            kw.setdefault("stderr", err)
            proc = subprocess.run(self.cmd(*args, globals_=globals_), timeout=timeout, text=True, **kw)
            out.seek(0)
            err.seek(0)
            proc.stdout = out.read() if kw["stdout"] is out else None
            proc.stderr = err.read() if kw["stderr"] is err else None
        if check and proc.returncode != 0:
            raise AssertionError(f"{self.name} {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    def state(self, cid: str) -> dict:
        return json.loads(self.run("state", cid).stdout)

    def cleanup(self) -> None:
        for cid in self.ids:
            subprocess.run(self.cmd("delete", "--force", cid), capture_output=True, timeout=30)


def mounts_mentioning(text: str) -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if text in line]


def cgroup_dirs_named(name: str) -> list[str]:
    found = []
    for top in Path("/sys/fs/cgroup").iterdir():
        for dirpath, dirnames, _ in os.walk(top):
            if name in os.path.basename(dirpath):
                found.append(dirpath)
            if dirpath.count("/") > 7:
                dirnames.clear()
    return found


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids
