"""runc-py: an OCI low-level container runtime, a drop-in for runc."""

__version__ = "0.1.0"

# The runtime-spec version whose config.json and state JSON we produce.
SPEC_VERSION = "1.2.0"
