"""Import runc-py's own modules from one file of compiled code.

Every runtime call is a fresh interpreter that imports 15 to 60 of our
modules.  importlib's path machinery costs ~0.1 ms per module on top of
running it (per-directory listings, stats, opening and checking a .pyc):
for `state`, a quarter of what runc-py adds to the bare interpreter.  The
pack holds the marshalled code of every module of the package, behind an
index, in `__pycache__/runc_py.<tag>.pack`; a finder placed first on
`sys.meta_path` serves the modules from it.

The pack is a cache with a .pyc's rules, never the truth:
- a module is served only while its source file has the size and mtime the
  pack recorded, so an edited module is imported the normal way;
- a pack of another interpreter version, or unreadable, is ignored;
- a call that found it missing or stale writes a fresh one at its exit
  (atomically, by rename; silently not where the package is read-only),
  as the interpreter writes a .pyc (and, like it, not under -B).
"""
import marshal
import os
import sys

_HEADER = b"runc-py code pack\n"
_bootstrap = sys.modules["_frozen_importlib"]
_MAGIC = sys.modules["_frozen_importlib_external"].MAGIC_NUMBER
_PREFIX = _HEADER + _MAGIC
_INDEX_READ = 16384  # the index is ~10 kB: one read gets it


def pack_path(package_dir: str) -> str:
    return f"{package_dir}/__pycache__/{os.path.basename(package_dir)}.{sys.implementation.cache_tag}.pack"


class PackFinder:
    """Finds and loads the modules of the package in `package_dir` (runc_py)
    from its pack."""

    def __init__(self, package_dir: str):
        self.package_dir = package_dir
        self.package = os.path.basename(package_dir)
        self.path = pack_path(package_dir)
        self.index: dict[str, tuple] = {}
        self.stale = False
        self.fd = -1
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            self.identity = _identity(self.fd)
            self.index, self.base = _read_index(self.fd)
        except (OSError, ValueError, EOFError):  # missing, unreadable, another interpreter's
            self.stale = True
            self._close()
            return
        os.register_at_fork(after_in_child=self._close)

    def find_spec(self, name: str, path=None, target=None):
        if not (name == self.package or name.startswith(self.package + ".")):
            return None
        entry = self.index.get(name)
        if entry is None:
            self.stale = self.stale or _source_of(self.package_dir, name) is not None
            return None
        source, is_package, mtime_ns, size, offset, length = entry
        try:
            st = os.stat(source)
        except OSError:
            st = None
        if st is None or st.st_mtime_ns != mtime_ns or st.st_size != size:
            self.stale = True
            return None
        spec = _bootstrap.ModuleSpec(name, self, origin=source, is_package=is_package)
        spec.has_location = True
        spec.cached = self.path  # where its compiled code is (saves computing a .pyc path)
        spec.loader_state = (offset, length)
        if is_package:
            spec.submodule_search_locations = [os.path.dirname(source)]
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        blob = self._code_of(module.__spec__)
        if blob is None:  # the pack was replaced since this call read its index
            with open(module.__spec__.origin, "rb") as f:
                code = compile(f.read(), module.__spec__.origin, "exec", dont_inherit=True)
        else:
            code = marshal.loads(blob)
        exec(code, module.__dict__)

    def _code_of(self, spec) -> bytes | None:
        """A module's code, read from the very file the index came from: a
        call that overlaps a rewrite must not mix two packs.  The process
        holds that file open (close-on-exec); a forked child, which may be
        about to enter a container's namespaces, does not keep it, and
        reopens the path only while it still names the same file."""
        offset, length = spec.loader_state
        offset += self.base
        if self.fd >= 0:
            return os.pread(self.fd, length, offset)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            return os.pread(fd, length, offset) if _identity(fd) == self.identity else None
        finally:
            os.close(fd)

    def _close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _read_index(fd: int) -> tuple[dict[str, tuple], int]:
    """The pack's index, module name -> (source, is package, source mtime_ns,
    source size, offset of its code after the index, length), and where the
    code starts.  Only the index is read: each module's code is read when it
    is imported, so a call pays for what it uses (reading the whole ~800 kB
    pack cost ~1 ms)."""
    head = os.pread(fd, _INDEX_READ, 0)
    start = len(_PREFIX) + 4
    if not head.startswith(_PREFIX) or len(head) < start:
        raise ValueError("not a code pack of this interpreter")
    end = start + int.from_bytes(head[len(_PREFIX):start], "little")
    if end > len(head):
        head += os.pread(fd, end - len(head), len(head))
    return marshal.loads(head[start:end]), end


def install() -> PackFinder:
    """Put the pack's finder first on sys.meta_path, for the package this
    module belongs to (runc_py, where it lives)."""
    finder = PackFinder(os.path.dirname(os.path.abspath(__file__)))
    sys.meta_path.insert(0, finder)
    return finder


def save_if_stale() -> None:
    """Write a fresh pack if the installed finder found its pack stale (and
    the interpreter may write bytecode: not under -B)."""
    for finder in sys.meta_path:
        if isinstance(finder, PackFinder):
            if finder.stale and not sys.dont_write_bytecode:
                try:
                    write_pack(finder.package_dir)
                except OSError:  # a read-only install: served by .pyc files as usual
                    pass
            return


def write_pack(package_dir: str) -> None:
    """Compile every module of the package in `package_dir` into its pack."""
    from runc_py.container.state import write_file_atomically

    index, blobs, offset = {}, [], 0
    for name, source in sorted(_modules(package_dir)):
        with open(source, "rb") as f:
            text = f.read()
            st = os.fstat(f.fileno())
        blob = marshal.dumps(compile(text, source, "exec", dont_inherit=True))
        index[name] = (source, source.endswith("/__init__.py"), st.st_mtime_ns, st.st_size, offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    head = marshal.dumps(index)
    path = pack_path(package_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_file_atomically(path, b"".join((_PREFIX, len(head).to_bytes(4, "little"), head, *blobs)), 0o644)


def _modules(package_dir: str):
    """(module name, source path) of every .py file of the package."""
    parent = os.path.dirname(package_dir)
    for dirpath, dirnames, filenames in os.walk(package_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in filenames:
            if filename.endswith(".py"):
                source = os.path.join(dirpath, filename)
                dotted = os.path.relpath(source, parent)[:-3].replace("/", ".")
                yield dotted.removesuffix(".__init__"), source


def _source_of(package_dir: str, name: str) -> str | None:
    base = os.path.join(os.path.dirname(package_dir), *name.split("."))
    for source in (base + ".py", base + "/__init__.py"):
        if os.path.exists(source):
            return source
    return None


if __name__ == "__main__":  # `python -m runc_py.codepack`: (re)write the pack, as at install
    write_pack(os.path.dirname(os.path.abspath(__file__)))
