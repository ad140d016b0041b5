"""pyvswitchd with real devices (root): the daemon runs inside a network namespace made
for the test, with a TAP device for the bridge's internal port and veth ports.

A port whose device does not exist yet reports the error, then comes up by itself
once the device is created; deleting the bridge and stopping the daemon remove
the TAP device again.
"""
import json
import os
import subprocess
import time

import pytest

from tests.harness import Daemon


def ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@pytest.fixture
def netns():
    name = "pyvsd%d" % os.getpid()
    ip("netns", "add", name)
    try:
        yield name
    finally:
        ip("netns", "del", name, check=False)


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def link(ns, name):
    r = ip("-n", ns, "-j", "link", "show", name, check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def test_missing_device_comes_up_when_created(netns):
    with Daemon(dummy="", netns=netns) as d:
        d.vsctl("add-br", "br0")
        tap = link(netns, "br0")
        assert tap is not None, "internal port br0 has no TAP device"
        assert d.vsctl("get", "Interface", "br0", "ofport").stdout.strip() == "65534"
        assert d.vsctl("get", "Interface", "br0", "ifindex").stdout.strip() == str(tap["ifindex"])

        # A real veth.
        ip("-n", netns, "link", "add", "vp0", "type", "veth", "peer", "name", "vp0peer")
        ip("-n", netns, "link", "set", "vp0", "up")
        ip("-n", netns, "link", "set", "vp0peer", "up")
        d.vsctl("add-port", "br0", "vp0")
        assert d.vsctl("get", "Interface", "vp0", "ofport").stdout.strip() == "1"
        assert d.vsctl("get", "Interface", "vp0", "mac_in_use").stdout.strip() == \
            '"%s"' % link(netns, "vp0")["address"]

        # A missing device: error now, up (without restart) once it exists.
        r = d.vsctl("add-port", "br0", "vp1", check=False)
        assert "could not open network device vp1 (No such device)" in r.stderr
        assert d.vsctl("get", "Interface", "vp1", "ofport").stdout.strip() == "-1"
        ip("-n", netns, "link", "add", "vp1", "type", "veth", "peer", "name", "vp1peer")
        wait_for(lambda: d.vsctl("get", "Interface", "vp1", "ofport").stdout.strip() == "2")
        assert d.vsctl("get", "Interface", "vp1", "error").stdout.strip() == "[]"

        d.vsctl("del-br", "br0")
        assert link(netns, "br0") is None, "TAP device left behind by del-br"
        d.vsctl("add-br", "br1")
        assert link(netns, "br1") is not None
        d.stop()
        assert link(netns, "br1") is None, "TAP device left behind at shutdown"
        assert link(netns, "vp0") is not None, "a system device must never be deleted"
