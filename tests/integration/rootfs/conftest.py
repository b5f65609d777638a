import os

import pytest

from rootfs_child import host_mount_points, make_bundle, remove_bundle


@pytest.fixture
def bundle(tmp_path):
    """A busybox bundle; afterwards, no mount of the test is left on the host."""
    if os.geteuid() != 0:
        pytest.fail("rootfs integration tests need root")
    before = host_mount_points()
    path = make_bundle(tmp_path / "bundle")
    yield path
    remove_bundle(path, before)
