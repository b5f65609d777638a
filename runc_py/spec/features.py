"""The runtime-spec features document (features.md, features-linux.md).

It says what runc-py implements, whatever this host offers, so each section
reads the module that does the work instead of keeping its own list: a name
appears here because the code that handles it exists.  Sections whose
implementing module does not exist yet say "not supported" (false), never
"unknown" (null): a caller must not send what we cannot honour.

One section is about this host: seccomp's `supportedFlags`, which features-
linux.md defines as the known flags the kernel and libseccomp can really set.
"""
from runc_py import SPEC_VERSION, __version__
from runc_py.container.hooks import HOOK_KINDS
from runc_py.linux import lsm, seccomp
from runc_py.linux.capability_names import CAPABILITIES
from runc_py.linux.namespace_types import NAMESPACES
from runc_py.plan.mount_options import MOUNT_OPTIONS

# The oldest runtime-spec release whose config.json runc-py reads.  The
# config layout has only grown since 1.0.0, and the schema accepts any
# ociVersion, so every 1.x config up to SPEC_VERSION is read the same way.
OCI_VERSION_MIN = "1.0.0"

# Our own annotation key for the runtime's version (config.md reserves the
# `org.opencontainers` prefix runc uses for the specification's own keys).
VERSION_ANNOTATION = "io.github.runc-py.version"
# The key runc and other libseccomp users report libseccomp's version under.
LIBSECCOMP_VERSION_ANNOTATION = "io.github.seccomp.libseccomp.version"


def features_document() -> dict:
    """The document `runc-py features` prints, in features.md's key order."""
    return {
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": SPEC_VERSION,
        "hooks": hooks(),
        "mountOptions": mount_options(),
        "linux": {
            "namespaces": namespaces(),
            "capabilities": capabilities(),
            "cgroup": cgroup(),
            "seccomp": seccomp_section(),
            "apparmor": apparmor(),
            "selinux": selinux(),
            "intelRdt": intel_rdt(),
            "mountExtensions": mount_extensions(),
        },
        "annotations": annotations(),
    }


def hooks() -> list[str]:
    """The kinds runc_py.container.hooks runs, in lifecycle order."""
    return list(HOOK_KINDS)


def mount_options() -> list[str]:
    """The option names runc_py.plan.mount_options gives a meaning to."""
    return list(MOUNT_OPTIONS)


def namespaces() -> list[str]:
    return sorted(NAMESPACES)


def capabilities() -> list[str]:
    """In the kernel's bit order, as runc lists them."""
    return list(CAPABILITIES)


def cgroup() -> dict:
    """runc_py.linux.cgroups' cgroupfs manager drives v1 hierarchies (on v1
    and hybrid hosts) and cgroup2 (v1.py, v2.py), and both write
    `linux.resources.rdma` to rdma.max (v1.set_rdma, v2.set_rdma).  Its
    systemd driver (systemd.py, systemd_manager.py) asks the system
    manager for transient units; the per-user manager (--rootless) is not
    supported, so systemdUser is false."""
    return {"v1": True, "v2": True, "systemd": True, "systemdUser": False, "rdma": True}


def seccomp_section() -> dict:
    return seccomp.seccomp_features()


def apparmor() -> dict:
    return lsm.lsm_features()["apparmor"]


def selinux() -> dict:
    return lsm.lsm_features()["selinux"]


def intel_rdt() -> dict:
    """Not supported: no module applies `linux.intelRdt` through resctrl
    (runc_py/linux/intelrdt.py would)."""
    return {"enabled": False}


def mount_extensions() -> dict:
    """Not supported: the Spec model reads `mounts[].uidMappings` and
    `gidMappings`, but no mount code applies them yet (open_tree +
    mount_setattr(MOUNT_ATTR_IDMAP) per mount, in runc_py/linux/mounts.py)."""
    return {"idmap": {"enabled": False}}


def annotations() -> dict[str, str]:
    return {
        LIBSECCOMP_VERSION_ANNOTATION: seccomp.libseccomp_version(),
        VERSION_ANNOTATION: __version__,
    }
