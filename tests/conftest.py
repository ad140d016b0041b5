"""Test-tier plumbing: system tests need root, network namespaces and iproute2; they skip elsewhere."""
import os
import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    can_run_system = os.geteuid() == 0 and shutil.which("ip") is not None
    skip = pytest.mark.skip(reason="system tests need root and iproute2")
    for item in items:
        if "tests/system/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.system)
            if not can_run_system:
                item.add_marker(skip)
