"""LSM labels: `process.apparmorProfile`, `process.selinuxLabel`, `linux.mountLabel`.

Both process labels take effect at the next execve: the process writes its
own `attr/exec` file in procfs (AppArmor: "exec <profile>", in
`attr/apparmor/exec` where the kernel has per-LSM attr directories, else
`attr/exec`; SELinux: the bare context, in `attr/exec`).

Where the file is opened matters.  After pivot_root, `/proc` is whatever the
container's mounts made of it; a config or image that puts something else
there could swallow the write and leave the process unconfined (the class
of runc's CVE-2019-16884 and CVE-2019-19921, which runc answers with an
fstatfs check after opening).  runc-py avoids the question: the init opens
`/proc/thread-self/attr/...` of the *host's* procfs before pivot_root (or,
for exec, before joining the container's mount namespace) and writes through
that fd just before execve.  This is sound because a procfs attr file is
bound to the task that opened it: the kernel only lets that same task write
it, and the init thread is the one that later calls execve.

Behaviour when the host lacks the LSM (runc 1.1.5, observed on this host,
for comparison):
- apparmorProfile: runc fails late, "apparmor failed to apply profile: write
  /proc/self/attr/exec: invalid argument".  runc-py fails up front with
  `process.apparmorProfile: AppArmor is not enabled on this host`: config.md
  says the field "specifies the name of the AppArmor profile for the
  process", and running the process unconfined instead would silently drop a
  security boundary the user asked for.
- selinuxLabel: runc fails up front ("selinux label is specified in config,
  but selinux is disabled or not supported"); runc-py likewise, naming the path.
- mountLabel: runc adds `context=` to the mount data and the kernel rejects
  it (EINVAL on the /dev tmpfs); crun drops it.  runc-py drops it, like crun:
  config-linux.md says it "will set the Selinux context for the mounts",
  and without SELinux there is no context to set and nothing that would
  enforce one; no confinement is lost, unlike the two process labels.
"""
import os

from runc_py.errors import RuncPyError

_APPARMOR_ENABLED = "/sys/module/apparmor/parameters/enabled"
_SELINUXFS = "/sys/fs/selinux"


def apparmor_enabled() -> bool:
    """AppArmor is active: its module parameter reads "Y"."""
    try:
        with open(_APPARMOR_ENABLED, "rb") as f:
            return f.read(1) == b"Y"
    except OSError:
        return False


def selinux_enabled() -> bool:
    """SELinux is active (enforcing or permissive): selinuxfs is mounted and
    its `enforce` file reads 0 or 1."""
    mount = _selinuxfs_mount()
    if mount is None:
        return False
    try:
        with open(os.path.join(mount, "enforce"), "rb") as f:
            return f.read(1) in (b"0", b"1")
    except OSError:
        return False


def _selinuxfs_mount() -> str | None:
    if os.path.exists(os.path.join(_SELINUXFS, "enforce")):
        return _SELINUXFS
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if len(fields) > 2 and fields[2] == "selinuxfs":
                    return fields[1]
    except OSError:
        pass
    return None


class _AttrWrite:
    """An open attr file, the bytes to write to it, and what they are (for errors)."""

    __slots__ = ("fd", "value", "what")

    def __init__(self, fd: int, value: bytes, what: str):
        self.fd, self.value, self.what = fd, value, what


class PreparedExecLabel:
    """Open attr files and what to write to them, waiting for `apply_exec_label`."""

    __slots__ = ("writes",)

    def __init__(self, writes: tuple[_AttrWrite, ...]):
        self.writes = writes


def prepare_exec_label(apparmor_profile: str | None, selinux_label: str | None, *,
                       apparmor: bool | None = None, selinux: bool | None = None,
                       proc_self: str = "/proc/thread-self") -> PreparedExecLabel:
    """Validate the process labels and open the attr files they go to.

    Call in the init (the very thread that will execve) before pivot_root,
    or in an exec'd process before it joins the container's mount namespace:
    `proc_self` must be the host's procfs (see the module docstring).
    `apparmor`/`selinux` say whether the LSM is active (probed when None);
    tests pass them with a temporary `proc_self`, as the real attr files
    cannot be written on a host without the LSM.
    The fds are O_CLOEXEC; keep them open (out of close_range) until
    `apply_exec_label`, which closes them.
    """
    writes = []
    try:
        if apparmor_profile:
            if not (apparmor_enabled() if apparmor is None else apparmor):
                raise RuncPyError("AppArmor is not enabled on this host", path="process.apparmorProfile")
            value = _label_bytes(f"exec {apparmor_profile}", "process.apparmorProfile")
            per_lsm = os.path.join(proc_self, "attr", "apparmor", "exec")
            attr = per_lsm if os.path.exists(per_lsm) else os.path.join(proc_self, "attr", "exec")
            writes.append(_AttrWrite(_open_attr(attr, "process.apparmorProfile"), value,
                                     f"apparmor profile {apparmor_profile!r}"))
        if selinux_label:
            if not (selinux_enabled() if selinux is None else selinux):
                raise RuncPyError("SELinux is not enabled on this host", path="process.selinuxLabel")
            value = _label_bytes(selinux_label, "process.selinuxLabel")
            attr = os.path.join(proc_self, "attr", "exec")
            writes.append(_AttrWrite(_open_attr(attr, "process.selinuxLabel"), value,
                                     f"selinux label {selinux_label!r}"))
    except BaseException:
        for w in writes:
            os.close(w.fd)
        raise
    return PreparedExecLabel(tuple(writes))


def apply_exec_label(prepared: PreparedExecLabel) -> None:
    """Write the labels for the coming execve and close the attr files.

    Safe after pivot_root: writes to fds opened by `prepare_exec_label`,
    no path look-up, no import.  Call before the seccomp filter is loaded
    (the filter may deny write).  Each label is one write(2), as the LSMs
    parse a write as a whole command.
    """
    try:
        for w in prepared.writes:
            try:
                os.write(w.fd, w.value)
            except OSError as err:
                raise OSError(err.errno, f"setting the {w.what} for exec: {err.strerror}") from None
    finally:
        for w in prepared.writes:
            os.close(w.fd)


def mount_label_option(label: str | None, *, selinux: bool | None = None) -> str | None:
    """The `context="<label>"` mount data option for `linux.mountLabel`, or
    None when there is no label or SELinux is off (see the module docstring).

    The quotes keep the commas of an MCS range (`s0:c1,c2`) inside one option;
    a label with a quote or NUL of its own could inject options, so it is refused.
    """
    if not label:
        return None
    if '"' in label or "\0" in label or "\n" in label:
        raise RuncPyError(f"{label!r} is not an SELinux context (quote, NUL or newline)",
                          path="linux.mountLabel")
    if not (selinux_enabled() if selinux is None else selinux):
        return None
    return f'context="{label}"'


def lsm_features() -> dict:
    """features-linux.md's `apparmor` and `selinux`: whether runc-py supports
    them, "irrelevant to the availability ... on the host"."""
    return {"apparmor": {"enabled": True}, "selinux": {"enabled": True}}


def _label_bytes(value: str, path: str) -> bytes:
    if "\0" in value or "\n" in value:
        raise RuncPyError(f"{value!r} contains a NUL or newline", path=path)
    return value.encode()


def _open_attr(attr: str, path: str) -> int:
    try:
        return os.open(attr, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as err:
        raise RuncPyError(f"opening {attr}: {err.strerror}", path=path) from None
