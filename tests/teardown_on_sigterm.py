"""A pytest plugin: SIGTERM (and SIGHUP) stop the run the way Ctrl-C does.

pytest runs the finalizers of every fixture set up so far when a run is
interrupted by KeyboardInterrupt, but a plain SIGTERM (`timeout`, a CI time
limit, a closed terminal) kills it on the spot: a session fixture's private
containerd, its shims and the cgroups the runtimes made would stay behind.
So these signals raise KeyboardInterrupt in the main thread instead.
"""
import signal


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
