"""Only here for cffi's build hook: everything else lives in setup.cfg."""
from setuptools import setup

setup(cffi_modules=["csrc/build.py:ffibuilder"])
