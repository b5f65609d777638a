"""cffi's build hook, plus the waiter: everything else lives in setup.cfg.

build_ext also links csrc/waiter/waiter.c into runc_py/_waiter, a static
executable: a created container's init execs it to wait for `start`, shedding
the Python interpreter's heap (runc_py.process.waiter).  Static because it
runs after pivot_root, where there is no loader or libc.
"""
import os
import shlex
import subprocess

from setuptools import setup
from setuptools.command.build_ext import build_ext

WAITER_SOURCE = "csrc/waiter/waiter.c"


class BuildExtWithWaiter(build_ext):
    def run(self) -> None:
        super().run()
        target = self._waiter_path()
        os.makedirs(os.path.dirname(target), exist_ok=True)
        cc = shlex.split(os.environ.get("CC", "gcc"))
        cmd = [*cc, "-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o", target, WAITER_SOURCE]
        self.announce(" ".join(cmd), level=2)
        subprocess.run(cmd, check=True)

    def get_outputs(self) -> list[str]:
        return [*super().get_outputs(), self._waiter_path()]

    def _waiter_path(self) -> str:
        if self.inplace:
            return os.path.join(self.get_finalized_command("build_py").get_package_dir("runc_py"), "_waiter")
        return os.path.join(self.build_lib, "runc_py", "_waiter")


setup(cffi_modules=["csrc/build.py:ffibuilder"], cmdclass={"build_ext": BuildExtWithWaiter})
