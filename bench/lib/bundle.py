"""The busybox-static bundle every runtime runs."""
from __future__ import annotations

import json
import os
import shutil

from .proc import run_timed

BUSYBOX = "/bin/busybox"
APPLETS = ("true", "sh", "sleep")


def make_bundle(dest: str, runc_path: str, err_path: str, args: list[str] | None = None) -> str:
    """A bundle at dest: /bin/busybox with applet links, and runc's default
    config.json (`runc spec`), with process.args replaced and no terminal when
    args is given (the default config is the realistic one to validate)."""
    bindir = os.path.join(dest, "rootfs", "bin")
    os.makedirs(bindir)
    shutil.copy2(BUSYBOX, os.path.join(bindir, "busybox"))
    for applet in APPLETS:
        os.symlink("busybox", os.path.join(bindir, applet))
    run_timed([runc_path, "spec", "--bundle", dest], who="runc", step="spec (bundle config)",
              err_path=err_path)
    if args is not None:
        path = os.path.join(dest, "config.json")
        with open(path) as f:
            config = json.load(f)
        config["process"]["args"] = args
        config["process"]["terminal"] = False
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
    return dest
