"""Tools for the resource-control tests: start a busybox container on a
runtime, find its cgroup directories on the host, and prove at the end
that delete removed every one of them."""
import json
import time
from pathlib import Path

from helpers import cgroup_dirs_named, new_bundle


def cgroup_mounts() -> dict[str, str]:
    """v1 controller (and "name=..." hierarchy) -> its mount point."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] != "cgroup":
                continue
            for option in fields[sep + 3].split(","):
                if option not in ("rw", "ro") and not option.startswith("release_agent"):
                    mounts.setdefault(option, fields[4])
    return mounts


def cgroup_dir(pid: int, controller: str) -> Path:
    """The host directory of `pid`'s cgroup in `controller`'s hierarchy."""
    mount = cgroup_mounts()[controller]
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return Path(mount + path)
    raise AssertionError(f"pid {pid} is in no {controller} cgroup")


def read(path: Path) -> str:
    return path.read_text().strip()


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Container:
    """One container on one runtime; `remove()` deletes it and checks that
    none of its cgroup directories is left on the host."""

    def __init__(self, runtime, tmp_path: Path, args: list[str], edit=None, start: bool = True):
        self.runtime = runtime
        self.bundle = new_bundle(tmp_path, args, edit)
        self.id = runtime.new_id()
        self.output = tmp_path / f"{self.id}.out"
        with open(self.output, "w") as out:
            runtime.run("create", "-b", str(self.bundle.path), self.id, stdout=out, stderr=out)
        self.pid = runtime.state(self.id)["pid"]
        if start:
            self.start()

    def start(self) -> None:
        self.runtime.run("start", self.id)

    def status(self) -> str:
        return self.runtime.state(self.id)["status"]

    def cgroup(self, controller: str) -> Path:
        return cgroup_dir(self.pid, controller)

    def run(self, *args: str, **kw):
        """`<runtime> <args...> <id>`."""
        return self.runtime.run(*args, self.id, **kw)

    def ps_json(self) -> list[int] | None:
        return json.loads(self.run("ps", "--format", "json").stdout)

    def rootfs_file(self, name: str) -> Path:
        return self.bundle.rootfs / name.lstrip("/")

    def remove(self) -> None:
        self.runtime.run("delete", "--force", self.id)
        assert not (self.runtime.root / self.id).exists()
        assert not cgroup_dirs_named(self.id), f"{self.runtime.name} left cgroups: {cgroup_dirs_named(self.id)}"


def set_resources(**sections):
    """An `edit` for new_bundle setting linux.resources sections."""
    def edit(config):
        config["linux"].setdefault("resources", {}).update(sections)
    return edit
