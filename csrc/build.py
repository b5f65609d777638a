"""cffi (API mode) builder for runc_py._csys, the C helper.

Every csrc/<name>.c has a csrc/<name>.h beside it that declares what Python
may call; the declarations of all headers form the cdef, so a new facility is
one new .c/.h pair and nothing else to edit.  Each call returns 0 (or a
non-negative value) on success and -errno on failure; runc_py.linux.sys turns
that into an OSError naming the call and its argument.
"""
import pathlib

from cffi import FFI

HERE = pathlib.Path(__file__).resolve().parent


def _headers() -> list[pathlib.Path]:
    return sorted(HERE.glob("*.h"))


def _cdef_text(header: pathlib.Path) -> str:
    """The declarations of a header, without preprocessor lines (cffi's cdef
    understands no #include or #pragma)."""
    lines = [ln for ln in header.read_text().splitlines() if not ln.lstrip().startswith("#")]
    return "\n".join(lines)


ffibuilder = FFI()
ffibuilder.cdef("\n".join(_cdef_text(h) for h in _headers()))
ffibuilder.set_source(
    "runc_py._csys",
    "\n".join(f'#include "{h.name}"' for h in _headers()),
    sources=[str(p.relative_to(HERE.parent)) for p in sorted(HERE.glob("*.c"))],
    include_dirs=[str(HERE)],
    libraries=["seccomp"],
    extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
