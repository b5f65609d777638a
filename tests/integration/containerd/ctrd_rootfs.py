"""Container root filesystems for the containerd tests, built without a
registry: a busybox tree for `ctr run --rootfs`, and the same tree as an OCI
image archive for `ctr images import`."""

from __future__ import annotations

import hashlib
import io
import json
import platform
import shutil
import tarfile
from pathlib import Path

from ctrd_harness import run

BUSYBOX = "/bin/busybox"


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
