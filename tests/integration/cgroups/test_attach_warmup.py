"""The attach warm-up rewrites the runtime's own pid into its own cgroup:
it must find that cgroup.procs on this host and change nothing."""
import os
import time

from runc_py.linux.cgroups import warmup


def test_warmup_finds_its_own_cgroup_and_moves_nothing():
    procs = warmup._own_procs_file()
    assert procs is not None and procs.endswith("/cgroup.procs")
    with open(procs) as f:
        assert str(os.getpid()) in f.read().split()
    before = open("/proc/self/cgroup").read()
    warmup.start_attach_warmup()
    time.sleep(0.1)  # the write runs in a background thread
    assert open("/proc/self/cgroup").read() == before
