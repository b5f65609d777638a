"""config.md Root and Mounts; config-linux.md devices, masked and readonly
paths, rootfs propagation, mount label."""
from __future__ import annotations

import os
import subprocess

from lib.expect import _line
from lib.registry import case


def put(ctx, rel: str, content: str = "", bundle: str | None = None) -> str:
    path = os.path.join(bundle or ctx.bundle, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    return path


@case("mounts", "config.md Mounts: 'The runtime MUST mount entries in the listed order'; options as in "
      "mount(8); bind 'source' 'either absolute or relative to the bundle'")
def mounts(ctx):
    put(ctx, "hostdir/hello", "hello from the host\n")
    ctx.config["mounts"] += [
        {"destination": "/mnt/tmpfs", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "noexec", "mode=700", "size=1024k"]},
        {"destination": "/mnt/tmpfs/nested", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]},
        {"destination": "/mnt/bind-abs", "type": "bind", "source": os.path.join(ctx.bundle, "hostdir"),
         "options": ["rbind", "ro"]},
        {"destination": "/mnt/bind-rel", "type": "none", "source": "hostdir", "options": ["bind", "rw"]},
    ]
    ctx.extra_expect += [
        _line("run", "ok", "absolute bind source shows the host file", "grep -q hello /mnt/bind-abs/hello"),
        _line("run", "ok", "relative bind source shows the host file", "grep -q hello /mnt/bind-rel/hello"),
        _line("run", "fail", "ro bind refuses writes", "touch /mnt/bind-abs/new"),
        _line("run", "ok", "rw bind takes writes", "touch /mnt/bind-rel/written"),
        _line("run", "fail", "ro tmpfs refuses writes", "touch /mnt/tmpfs/nested/new"),
    ]
    ctx.run_checker()
    ctx.check(os.path.exists(os.path.join(ctx.bundle, "hostdir", "written")),
              "a write through the rw bind reaches the host directory")


@case("root_readonly_true", "config.md Root: 'If true then the root filesystem MUST be read-only inside "
      "the container'")
def root_readonly_true(ctx):
    ctx.config["root"]["readonly"] = True
    ctx.run_checker()


@case("root_path_absolute", "config.md Root: path 'is either an absolute path or a relative path to the "
      "bundle'")
def root_path_absolute(ctx):
    ctx.config["root"]["path"] = os.path.join(ctx.bundle, "rootfs")
    ctx.run_checker()


@case("misc_props", "runtime.md State: bundle 'is the absolute path to the container's bundle directory' "
      "(create given a relative --bundle)")
def misc_props(ctx):
    ctx.write()
    parent, name = os.path.split(ctx.bundle)
    res = ctx.rt.call("create", "--bundle", name, ctx.id, stdout=os.path.join(ctx.bundle, "stdout"),
                      stderr=os.path.join(ctx.bundle, "stderr"), cwd=parent)
    ctx.ids.append(ctx.id)
    ctx.require_ok(res, "create with a relative --bundle succeeds")
    ctx.learn_pid(ctx.id)
    doc, _ = ctx.state()
    ctx.check(doc is not None and doc.get("bundle") == ctx.bundle, "state reports the absolute bundle path",
              repr(doc and doc.get("bundle")))


@case("linux_masked_paths", "config-linux.md Masked Paths: 'will mask over the provided paths inside the "
      "container so that they cannot be read'")
def linux_masked_paths(ctx):
    put(ctx, "rootfs/masked-dir/secret", "secret\n")
    put(ctx, "rootfs/masked-file", "secret\n")
    ctx.config["linux"]["maskedPaths"] += ["/masked-dir", "/masked-file", "/does-not-exist"]
    ctx.run_checker()


@case("linux_readonly_paths", "config-linux.md Readonly Paths: 'will set the provided paths as readonly "
      "inside the container'")
def linux_readonly_paths(ctx):
    put(ctx, "rootfs/ro-dir/file", "x\n")
    put(ctx, "rootfs/ro-file", "x\n")
    ctx.config["linux"]["readonlyPaths"] += ["/ro-dir", "/ro-file"]
    ctx.extra_expect += [
        _line("run", "fail", "readonly dir refuses new files", "touch /ro-dir/new"),
        _line("run", "fail", "readonly file refuses writes", "echo y > /ro-file"),
        _line("run", "ok", "the rest of the rootfs stays writable", "touch /tmp/rw-ok"),
    ]
    ctx.run_checker()


@case("linux_devices", "config-linux.md Devices: 'devices (array of objects, OPTIONAL) lists devices that "
      "MUST be available in the container'; Default Devices 'the runtime MUST also supply'")
def linux_devices(ctx):
    ctx.config["linux"]["devices"] = [
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o666, "uid": 0, "gid": 0},
        {"path": "/dev/conformance-loop", "type": "b", "major": 7, "minor": 0, "fileMode": 0o640,
         "uid": 0, "gid": 6},
        {"path": "/mnt/null-outside-dev", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600},
        {"path": "/dev/conformance-fifo", "type": "p", "fileMode": 0o620},
    ]
    ctx.run_checker()


@case("linux_devices_conflict_fail", "config-linux.md Devices: 'If a file already exists at path that does "
      "not match the requested device, the runtime MUST generate an error'")
def linux_devices_conflict_fail(ctx):
    put(ctx, "rootfs/mnt/not-a-device", "regular file\n")
    ctx.config["linux"]["devices"] = [{"path": "/mnt/not-a-device", "type": "c", "major": 1, "minor": 3}]
    ctx.expect_error(ctx.create(), "create fails")


def propagation_case(value: str, meaning: str) -> None:
    @case(f"linux_rootfs_propagation_{value}", f"config-linux.md Rootfs Mount Propagation: "
          f"'{value}': {meaning}")
    def run(ctx):
        # Make the rootfs a shared mount on the host, so that every propagation
        # type is observable in the container's mountinfo (the host's / here
        # may be private, and a slave of a private mount has no master).
        rootfs = os.path.join(ctx.bundle, "rootfs")
        for args in (["--bind", rootfs, rootfs], ["--make-shared", rootfs]):
            res = subprocess.run(["mount", *args], capture_output=True, text=True)
            ctx.require(res.returncode == 0, f"harness: mount {' '.join(args)}", res.stderr)
        ctx.config["linux"]["rootfsPropagation"] = value
        ctx.run_checker()


propagation_case("shared", "'the rootfs mount belongs to a new peer group'")
propagation_case("slave", "'the rootfs mount receives propagation events from the host ... but not the "
                          "other way around'")
propagation_case("private", "'the rootfs mount doesn't receive mount propagation events from the host'")
propagation_case("unbindable", "'the rootfs mount is a private mount that cannot be bind-mounted'")


@case("linux_mount_label", "config-linux.md Mount Label: 'mountLabel (string, OPTIONAL) will set the "
      "Selinux context for the mounts in the container'")
def linux_mount_label(ctx):
    if not ctx.host.selinux:
        ctx.skip("SELinux is off on this host")
    ctx.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    ctx.run_checker()
