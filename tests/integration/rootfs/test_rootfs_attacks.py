"""The rootfs is the image's, the config is the user's: neither may make a
mount, a mkdir or a protection land anywhere but where it belongs."""
import os
import shutil
import uuid
from pathlib import Path

import pytest

from rootfs_child import config, run


@pytest.fixture
def victims():
    """Host paths an escaping mount would hit: one missing, one a directory
    with a marker file."""
    tag = uuid.uuid4().hex[:8]
    missing, directory = Path(f"/tmp/victim-{tag}"), Path(f"/tmp/victimdir-{tag}")
    directory.mkdir()
    (directory / "marker").write_text("host")
    yield missing, directory
    # only plain files and directories can be here: nothing was mounted on the host (checked by `bundle`)
    shutil.rmtree(directory)
    for leftover in (missing, Path(f"{missing}-rel")):
        if leftover.exists():
            shutil.rmtree(leftover)


def mount_points_in_child() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f]


def test_symlinks_in_the_rootfs_cannot_send_mounts_to_the_host(bundle, victims):
    missing, directory = victims
    rootfs = bundle / "rootfs"
    os.symlink(f"/../../../..{missing}", rootfs / "data")      # relative climb, written absolute
    os.symlink(f"../../../../../../..{missing}-rel", rootfs / "data-rel")
    shutil.rmtree(rootfs / "etc")
    os.symlink(str(directory), rootfs / "etc")                 # absolute symlink to a host path
    doc = config()
    doc["mounts"] += [
        {"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
        {"destination": "/data-rel", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/etc/sub", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/etc/marker", "type": "bind", "source": "/proc/version", "options": ["bind"]},
    ]
    seen_before_pivot = []

    def record_host_view():  # runs in the child, before pivot_root, with the host tree still visible
        seen_before_pivot.extend(mount_points_in_child())
        hits = [p for p in seen_before_pivot if p.startswith(("/tmp/victim",))]
        os.write(1, f"==host-mounts==\n{hits}\n".encode())

    script = """
    cat /proc/self/mountinfo
    echo ==inside==
    stat -c '%F' /data /data-rel /etc/sub /etc/marker
    readlink /data; readlink /etc
    cat /etc/marker
    """
    res = run(bundle, doc, script, before_pivot=record_host_view)
    # from the host: nothing created, nothing covered
    assert not missing.exists() and not Path(f"{missing}-rel").exists()
    assert sorted(os.listdir(directory)) == ["marker"]
    assert (directory / "marker").read_text() == "host"
    # in the child before pivot: no mount on the host paths
    assert "==host-mounts==\n[]\n" in res.output
    assert res.status == 0, res.output
    # from inside: the mounts landed in the rootfs, where the symlinks lead there
    points = [line.split()[4] for line in res.output.splitlines() if line[:1].isdigit()]
    assert str(missing) in points and f"{missing}-rel" in points
    assert f"{directory}/sub" in points and f"{directory}/marker" in points
    assert "Linux version" in res.output                      # /proc/version bound over the container's marker
    assert (rootfs / "tmp" / missing.name).is_dir()           # created inside the rootfs


def test_proc_must_be_a_real_directory(bundle):
    rootfs = bundle / "rootfs"
    os.rmdir(rootfs / "proc")
    os.symlink("/tmp", rootfs / "proc")
    res = run(bundle, config(), "true")
    assert res.status == 99
    assert 'ERROR: mounts[0]: filesystem "proc" must be mounted on ordinary directory' in res.output


@pytest.mark.parametrize("destination", ["/proc/sys", "/proc/self/attr", "/via-link/kernel"])
def test_mounts_over_proc_are_refused_even_through_symlinks(bundle, destination):
    os.symlink("/proc/sys", bundle / "rootfs" / "via-link")
    doc = config()
    doc["mounts"].append({"destination": destination, "type": "tmpfs", "source": "tmpfs"})
    res = run(bundle, doc, "true")
    assert res.status == 99
    assert "ERROR: mounts[7]: " in res.output and "cannot be mounted because it is inside /proc" in res.output


def test_a_fake_dev_null_is_not_bound_over_masked_paths(bundle):
    """CVE-2025-31133: with /dev from the image, /dev/null may be a symlink
    to a file the container owns; binding it over /proc/keys would unmask."""
    rootfs = bundle / "rootfs"
    (rootfs / "etc" / "fake").write_text("not null")
    os.symlink("/etc/fake", rootfs / "dev" / "null")
    doc = config()
    doc["mounts"] = [m for m in doc["mounts"] if not m["destination"].startswith("/dev")]
    res = run(bundle, doc, "true")
    assert res.status == 99
    assert "/dev/null in the container is not the null device" in res.output


def test_sysctl_writes_stay_in_proc_sys(bundle):
    """A name cannot climb out of /proc/sys even past validation: the write
    is resolved beneath /proc/sys with no symlink and no mount crossing."""
    doc = config(sysctl={"net.ipv4.ip_forward": "1"})
    res = run(bundle, doc, "cat /proc/sys/net/ipv4/ip_forward")
    assert res.status == 0 and res.output.strip() == "1", res.output
