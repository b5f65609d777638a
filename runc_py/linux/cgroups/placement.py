"""Where a container's cgroups go: linux.cgroupsPath read the way runc reads it.

- absolute ("/a/b"): that path in every hierarchy, from its mount point;
- relative ("a/b"): below the runtime's own cgroup in each hierarchy
  (runc uses its own cgroup, not PID 1's, since the runtime may share a pid
  namespace with a container);
- absent: the container id, relative, as runc does.

The path is cleaned like runc's CleanPath: ".." cannot climb above the
hierarchy root nor above the runtime's own cgroup ("../../x" is "x").
"""
import posixpath

from runc_py.linux.cgroups.detect import V2, Host


def clean_path(path: str) -> str:
    if not path:
        return ""
    if path.startswith("/"):
        return posixpath.normpath("/" + path.lstrip("/"))
    rel = posixpath.normpath("/" + path).lstrip("/")
    return rel or "."


def _join(base: str, inner: str) -> str:
    inner = inner.strip("/")
    if not inner or inner == ".":
        return base
    return base.rstrip("/") + "/" + inner


def cgroup_paths(host: Host, container_id: str, cgroups_path: str | None) -> dict[str, str]:
    """{controller: directory} for every hierarchy the container joins:
    each mounted v1 controller and named hierarchy (co-mounted controllers
    share a directory), and "" for the unified hierarchy on hybrid and
    pure-v2 hosts."""
    inner = clean_path(cgroups_path or "") or container_id
    absolute = inner.startswith("/")

    def place(key: str, mountpoint: str) -> str:
        return _join(mountpoint, inner) if absolute else _join(host.own_dir(key), inner)

    paths = {}
    if host.mode != V2:
        for key, mountpoint in host.mounts.items():
            paths[key] = place(key, mountpoint)
    if host.unified is not None:
        paths[""] = place("", host.unified)
    return paths
