"""Conformance cases, one module per area of the runtime-spec.

Each case cites the spec file and the MUST/SHOULD sentence it checks.
Quotes are from opencontainers/runtime-spec v1.2 (runtime.md, config.md,
config-linux.md) unless a case says otherwise.
"""

# Modules in the order their cases run and are reported.
AREAS = ("lifecycle", "hooks", "process", "filesystem", "namespaces", "linux", "cgroups", "invalid")
