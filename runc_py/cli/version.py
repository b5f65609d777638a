"""`runc-py --version`, in runc's layout (name and version, then `spec:`,
then build facts)."""
import sys

from runc_py import SPEC_VERSION, __version__


def version_text() -> str:
    from runc_py.linux.seccomp import libseccomp_version

    python = ".".join(str(n) for n in sys.version_info[:3])
    return (f"runc-py version {__version__}\nspec: {SPEC_VERSION}\npython: {python}\n"
            f"libseccomp: {libseccomp_version()}")
