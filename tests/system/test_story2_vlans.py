"""shared/SCENARIOS.md story 2 (without its flow steps): two namespaces on veths, ping, TCP, VLAN isolation."""
import json
import re
import subprocess
import time

import pytest

from tests.system.lab import Lab, have


@pytest.fixture
def two_hosts():
    with Lab() as lab:
        lab.start_daemon()
        ns1, ns2 = lab.add_ns("ns1"), lab.add_ns("ns2")
        veth11, veth22 = lab.name("veth11"), lab.name("veth22")
        lab.veth_into(ns1, "veth1", veth11, "1.1.1.1/24")
        lab.veth_into(ns2, "veth2", veth22, "1.1.1.2/24")
        br = lab.name("brm")
        lab.cli("pyvs-vsctl", "add-br", br)
        lab.cli("pyvs-vsctl", "add-port", br, veth11)
        lab.cli("pyvs-vsctl", "add-port", br, veth22)
        yield lab, ns1, ns2, veth11, veth22, br


def pings(lab, ns, address) -> bool:
    result = lab.in_ns(ns, "ping", "-c", "2", "-i", "0.2", "-W", "1", address, check=False)
    return result.returncode == 0


def test_ping_and_vlan_isolation(two_hosts):
    lab, ns1, ns2, veth11, veth22, br = two_hosts
    assert pings(lab, ns1, "1.1.1.2"), lab.log()

    lab.cli("pyvs-vsctl", "set", "port", veth11, "tag=10")
    lab.cli("pyvs-vsctl", "set", "port", veth22, "tag=20")
    lab.in_ns(ns1, "ip", "neigh", "flush", "all")
    assert not pings(lab, ns1, "1.1.1.2")
    show = lab.cli("pyvs-vsctl", "show").stdout
    assert re.search(rf"Port {veth11}\n\s+tag: 10", show) and re.search(rf"Port {veth22}\n\s+tag: 20", show), show

    lab.cli("pyvs-vsctl", "set", "port", veth22, "tag=10")
    assert pings(lab, ns1, "1.1.1.2"), lab.log()


@pytest.mark.skipif(not have("iperf3"), reason="iperf3 not installed")
def test_tcp_with_default_offloads(two_hosts):
    lab, ns1, ns2, *_ = two_hosts
    server = subprocess.Popen(["ip", "netns", "exec", ns2, "iperf3", "-s", "-1", "-B", "1.1.1.2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        client = subprocess.Popen(["ip", "netns", "exec", ns1, "iperf3", "-c", "1.1.1.2", "-t", "3", "-J"],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        # The control plane answers while the datapath is saturated (each call has run()'s 60 s limit).
        assert lab.cli("pyvs-appctl", "version").stdout.startswith("pyvswitchd")
        lab.cli("pyvs-vsctl", "set", "Open_vSwitch", ".", "external_ids:flood=yes")
        assert "flood=yes" in lab.cli("pyvs-vsctl", "get", "Open_vSwitch", ".", "external_ids").stdout
        out, _ = client.communicate(timeout=60)
    finally:
        server.kill()
        server.wait()
    received = json.loads(out)["end"]["sum_received"]
    # Offloads are the kernel defaults (TSO, partial checksums); a switch that mishandles them moves ~nothing.
    assert received["bytes"] > 10_000_000, received
