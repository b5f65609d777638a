"""Harness of the runtime-agnostic OCI conformance suite (see ../README.md)."""
