"""prepare_rootfs + finish_rootfs for real, in fresh namespaces, checked
from inside the container (busybox) and from the host (nothing leaks)."""
import os
import tempfile
from pathlib import Path

import pytest

from rootfs_child import config, host_mount_points, make_bundle, remove_bundle, run


def mountinfo(output: str) -> dict[str, tuple[str, str, str, str]]:
    """Mount point -> (root, per-mount options, fstype, super options) from
    mountinfo lines in the output (the last mount on a point wins)."""
    found = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) > 9 and fields[0].isdigit() and "-" in fields:
            sep = fields.index("-")
            found[fields[4]] = (fields[3], fields[5], fields[sep + 1], fields[sep + 3])
    return found


def section(output: str, name: str) -> str:
    return output.split(f"=={name}==\n", 1)[1].split("\n==", 1)[0]


def test_runc_spec_config(bundle):
    doc = config()
    doc["root"]["readonly"] = True
    script = """
    cat /proc/self/mountinfo
    echo ==dev==; ls -ln /dev
    echo ==writes==
    touch /newfile 2>&1
    echo x > /proc/sys/kernel/domainname 2>&1
    echo x > /tmp/in-rootfs 2>&1
    touch /proc/acpi/x 2>&1
    echo ==masked==; wc -c < /proc/keys; wc -c < /proc/timer_list; ls -A /proc/acpi | wc -l
    echo ==pid==; echo $$
    echo ==cwd==; pwd
    """
    res = run(bundle, doc, script)
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    assert mounts["/"][1].startswith("ro,")
    assert mounts["/proc"][2] == "proc"
    assert mounts["/dev"][2] == "tmpfs" and "nosuid" in mounts["/dev"][1] and "size=65536k" in mounts["/dev"][3]
    assert mounts["/dev/pts"][2] == "devpts" and "ptmxmode=666" in mounts["/dev/pts"][3]
    assert set(mounts["/dev/shm"][1].split(",")) >= {"nosuid", "nodev", "noexec"}
    assert mounts["/dev/mqueue"][2] == "mqueue"
    assert mounts["/sys"][2] == "sysfs" and mounts["/sys"][1].startswith("ro,")
    assert mounts["/sys/fs/cgroup"][2] == "tmpfs"
    memory = mounts["/sys/fs/cgroup/memory"]
    assert memory[2] == "cgroup" and memory[1].startswith("ro,nosuid,nodev,noexec")
    # without a cgroup namespace: a bind of our own cgroup
    with open("/proc/self/cgroup") as f:
        own_memory = next(line.split(":", 2)[2].strip() for line in f if ":memory:" in line)
    assert memory[0] == own_memory
    for ro_path in ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq"):  # no sysrq-trigger on this kernel
        assert mounts[ro_path][1].startswith("ro,") and mounts[ro_path][2] == "proc", ro_path
    assert mounts["/proc/keys"][0] == "/null"            # /dev/null bound over a file
    assert mounts["/proc/acpi"][2:] == ("tmpfs", "ro")   # read-only tmpfs over a directory
    assert mounts["/sys/firmware"][2:] == ("tmpfs", "ro")
    assert "/proc/asound" not in mounts                  # missing on this host: skipped

    dev = {line.split()[-1]: line for line in section(res.output, "dev").splitlines()[1:]}
    for name, numbers in {"null": "1,   3", "zero": "1,   5", "full": "1,   7", "random": "1,   8",
                          "urandom": "1,   9", "tty": "5,   0"}.items():
        assert dev[name].startswith("crw-rw-rw-") and numbers in dev[name], dev[name]
    assert dev["pts/ptmx"].startswith("l") and "ptmx ->" in dev["pts/ptmx"]
    for link, target in {"/proc/self/fd": "fd", "/proc/self/fd/0": "stdin", "/proc/self/fd/1": "stdout",
                         "/proc/self/fd/2": "stderr"}.items():
        assert dev[link].split()[-3] == target
    assert "core" not in " ".join(dev)                   # no /proc/kcore on this host

    writes = section(res.output, "writes")
    assert writes.count("Read-only file system") == 4, writes
    assert section(res.output, "masked").split() == ["0", "0", "0"]
    assert section(res.output, "pid").strip() == "1"
    assert section(res.output, "cwd").strip() == "/"


def test_sysctls_are_written_in_the_containers_namespaces(bundle):
    doc = config(sysctl={"net.ipv4.ip_forward": "1", "kernel.shmmax": "1234567", "kernel.domainname": "example",
                         "net/ipv4/conf/lo/forwarding": "1"})
    res = run(bundle, doc, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/kernel/domainname"
                           " /proc/sys/net/ipv4/conf/lo/forwarding")
    assert res.status == 0, res.output
    assert res.output.split() == ["1", "1234567", "example", "1"]
    with open("/proc/sys/kernel/shmmax") as f:
        assert f.read().strip() != "1234567"


def test_bind_mount_options_propagation_and_recursive_attributes(bundle, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "file").write_text("hello")
    doc = config()
    doc["mounts"] += [
        {"destination": "/data", "type": "bind", "source": str(src), "options": ["rbind", "ro", "nosuid"]},
        {"destination": "/file", "type": "bind", "source": str(src / "file"), "options": ["bind"]},
        # the container's own /dev tree (tmpfs + submounts), bound recursively read-only
        {"destination": "/mnt/devtree", "type": "bind", "source": str(bundle / "rootfs" / "dev"),
         "options": ["rbind", "rro", "rnoexec"]},
        {"destination": "/shared", "type": "tmpfs", "source": "tmpfs", "options": ["shared", "nodev"]},
    ]
    script = """
    cat /proc/self/mountinfo
    echo ==reads==; cat /data/file; echo; cat /file; echo
    echo ==writes==; touch /data/x 2>&1; touch /mnt/devtree/shm/x 2>&1; echo ok > /file && echo wrote
    """
    res = run(bundle, doc, script)
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    assert set(mounts["/data"][1].split(",")) >= {"ro", "nosuid"}
    assert mounts["/file"][1].startswith("rw,")
    assert mounts["/mnt/devtree"][1].startswith("ro,") and "noexec" in mounts["/mnt/devtree"][1]
    assert mounts["/mnt/devtree/shm"][1].startswith("ro,") and "noexec" in mounts["/mnt/devtree/shm"][1]
    shared = next(line for line in res.output.splitlines() if " /shared " in line)
    assert "shared:" in shared and "nodev" in shared.split()[5]
    assert section(res.output, "reads").split() == ["hello", "hello"]
    writes = section(res.output, "writes")
    assert writes.count("Read-only file system") == 2 and "wrote" in writes
    assert (src / "file").read_text() == "ok\n"


def test_tmpfs_keeps_the_directory_mode_copies_up_and_becomes_read_only_at_the_end(bundle):
    opt = bundle / "rootfs" / "opt"
    (opt / "sub").mkdir(parents=True)
    (opt / "sub" / "f").write_text("copied")
    os.symlink("sub/f", opt / "link")
    os.chmod(opt, 0o710)
    os.chown(opt / "sub" / "f", 123, 456)
    doc = config()
    doc["mounts"] += [
        {"destination": "/opt", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "ro"]},
        {"destination": "/fresh", "type": "tmpfs", "source": "tmpfs", "options": ["mode=700"]},
    ]
    res = run(bundle, doc, "cat /proc/self/mountinfo; echo ==opt==; stat -c '%a %u %g %N' /opt /opt/sub/f /opt/link;"
                           " cat /opt/link; echo; stat -c %a /fresh; touch /opt/x 2>&1; true")
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    assert mounts["/opt"][2] == "tmpfs" and mounts["/opt"][1].startswith("ro,")
    lines = section(res.output, "opt").splitlines()
    assert lines[0] == "710 0 0 /opt"
    assert lines[1] == "644 123 456 /opt/sub/f"
    assert lines[2].startswith("777 0 0 '/opt/link' -> 'sub/f'")
    assert lines[3:5] == ["copied", "700"]
    assert "Read-only file system" in lines[5]


def test_linux_devices(bundle):
    doc = config(devices=[
        {"path": "/dev/mydev", "type": "c", "major": 1, "minor": 7, "fileMode": 0o600, "uid": 1, "gid": 2},
        {"path": "/dev/sub/fifo", "type": "p", "fileMode": 0o640},
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o620},
    ])
    res = run(bundle, doc, "ls -ln /dev/mydev /dev/sub/fifo /dev/null")
    assert res.status == 0, res.output
    lines = {line.split()[-1]: line.split() for line in res.output.splitlines()}
    assert lines["/dev/mydev"][0] == "crw-------" and lines["/dev/mydev"][2:6] == ["1", "2", "1,", "7"]
    assert lines["/dev/sub/fifo"][0] == "prw-r-----"
    assert lines["/dev/null"][0] == "crw--w----"


def test_cgroup_namespace_mounts_fresh_hierarchies(bundle):
    doc = config()
    doc["linux"]["namespaces"].append({"type": "cgroup"})
    res = run(bundle, doc, "cat /proc/self/mountinfo; ls /sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    assert mounts["/sys/fs/cgroup/memory"][0] == "/"     # the namespace's root, not a bind of a subdirectory
    assert mounts["/sys/fs/cgroup/memory"][1].startswith("ro,")
    assert mounts["/sys/fs/cgroup/systemd"][3].endswith("name=systemd")


def test_no_pivot_moves_the_rootfs_onto_slash(bundle):
    res = run(bundle, config(), "cat /proc/self/mountinfo; ls /", no_pivot=True)
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    assert mounts["/"][0].endswith("/bundle/rootfs")
    assert mounts["/proc"][2] == "proc"
    assert "bin" in res.output.split()


def test_mount_errors_name_the_field_and_the_kernels_reason(bundle):
    doc = config()
    doc["mounts"].append({"destination": "/data", "type": "bind", "source": "/no/such", "options": ["rbind"]})
    res = run(bundle, doc, "true")
    assert res.status == 99
    assert 'ERROR: mounts[7]: mount "/no/such" on "/data": no such file or directory' in res.output


def test_shared_rootfs_propagation_is_set_on_the_new_root(bundle):
    res = run(bundle, config(rootfsPropagation="rshared"), "cat /proc/self/mountinfo")
    assert res.status == 0, res.output
    root = next(line for line in res.output.splitlines() if line.split()[4] == "/")
    assert "shared:" in root


def test_private_rootfs_propagation_needs_pivot_root(bundle):
    res = run(bundle, config(rootfsPropagation="rprivate"), "true", no_pivot=True)
    assert res.status == 99
    assert ("ERROR: linux.rootfsPropagation: rootfsPropagation of [r]private is not safe without pivot_root"
            in res.output)


def test_sysctl_errors_name_the_key(bundle):
    res = run(bundle, config(sysctl={"net.ipv4.no_such_knob": "1"}), "true")
    assert res.status == 99
    assert ('ERROR: linux.sysctl."net.ipv4.no_such_knob": write /proc/sys/net/ipv4/no_such_knob: '
            "no such file or directory") in res.output


def test_masked_paths_under_proc_must_be_on_procfs(bundle):
    """Without procfs on /proc, /proc/keys is just the image's file: masking
    it would protect nothing, so it is an error rather than a silent bind."""
    (bundle / "rootfs" / "proc" / "keys").write_text("image file")
    doc = config()
    doc["mounts"] = [m for m in doc["mounts"] if m["destination"] != "/proc"]
    res = run(bundle, doc, "true")
    assert res.status == 99
    assert "ERROR: linux.maskedPaths[3]: /proc/keys is not on procfs" in res.output


def test_readonly_paths_keep_the_mounts_flags(bundle):
    doc = config(readonlyPaths=["/dev/shm", "/no/such/path"])
    res = run(bundle, doc, "cat /proc/self/mountinfo")
    assert res.status == 0, res.output
    shm = mountinfo(res.output)["/dev/shm"][1].split(",")
    assert shm[0] == "ro" and {"nosuid", "nodev", "noexec"} <= set(shm)


USERNS_BASE = 100000


@pytest.fixture
def userns_bundle():
    """A bundle the user namespace's root (host uid 100000) owns, under a
    directory it can traverse (pytest's tmp dirs are 0700 root)."""
    if os.geteuid() != 0:
        pytest.fail("rootfs integration tests need root")
    before = host_mount_points()
    path = Path(tempfile.mkdtemp(prefix="rootfs-userns-", dir="/tmp"))
    make_bundle(path)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, USERNS_BASE, USERNS_BASE)
    yield path
    remove_bundle(path, before)


USERNS_SCRIPT = """
cat /proc/self/mountinfo
echo ==dev==; ls -ln /dev/null /dev/zero /dev/tty
echo ==id==; cat /proc/self/uid_map
echo ==writes==; touch /newfile 2>&1; echo x > /proc/sys/kernel/domainname 2>&1; cat /proc/keys | wc -c
"""


@pytest.mark.parametrize("declared", [True, False], ids=["user-namespace-in-config", "runtime-in-user-namespace"])
def test_user_namespace_binds_device_nodes_from_the_host(userns_bundle, declared):
    """With a user namespace mknod is refused: the host's nodes are
    bind-mounted instead, directly when the config has a user namespace,
    after mknod's EPERM when the runtime merely runs in one."""
    doc = config()
    doc["root"]["readonly"] = True
    if declared:
        doc["linux"]["namespaces"].append({"type": "user"})
        doc["linux"]["uidMappings"] = [{"containerID": 0, "hostID": USERNS_BASE, "size": 65536}]
        doc["linux"]["gidMappings"] = [{"containerID": 0, "hostID": USERNS_BASE, "size": 65536}]
    res = run(userns_bundle, doc, USERNS_SCRIPT, user_namespace_base=USERNS_BASE)
    assert res.status == 0, res.output
    mounts = mountinfo(res.output)
    for node in ("null", "zero", "tty", "random", "urandom", "full"):
        # a bind of the host's node: its mount root is the host path, on the host's devtmpfs
        assert mounts[f"/dev/{node}"][0] == f"/{node}" and mounts[f"/dev/{node}"][2] == "devtmpfs", node
    dev = section(res.output, "dev").split()
    assert dev[0].startswith("crw-rw-rw-") and "65534" in dev  # the host's root is unmapped: nobody
    assert section(res.output, "id").split() == ["0", str(USERNS_BASE), "65536"]
    assert mounts["/"][1].startswith("ro,")
    assert mounts["/sys/fs/cgroup/memory"][1].startswith("ro,")
    writes = section(res.output, "writes")
    assert writes.count("Read-only file system") == 2 and writes.split()[-1] == "0", writes
