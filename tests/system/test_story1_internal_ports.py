"""shared/SCENARIOS.md story 1: a bridge, internal ports, a namespace behind one (without the flow and mirror steps).

The daemon runs in the lab's host namespace, which plays the story's root namespace.
"""
import re

import pytest

from tests.system.lab import Lab, have


@pytest.fixture
def lab():
    with Lab() as lab:
        lab.start_daemon()
        yield lab


def test_bridge_internal_port_and_namespace(lab):
    br, port0 = lab.name("br"), lab.name("port")
    lab.cli("pyvs-vsctl", "add-br", br)
    assert lab.in_ns(lab.host, "ip", "link", "show", br).returncode == 0

    show = lab.cli("pyvs-vsctl", "show").stdout
    assert re.search(rf'Bridge {br}\n\s+Port {br}\n\s+Interface {br}\n\s+type: internal', show), show
    assert 'ovs_version: "' in show

    missing = lab.cli("pyvs-vsctl", "add-port", br, "p0", check=False)
    assert ("Error detected while setting up 'p0': could not open network device p0 (No such device)"
            in missing.stderr), missing.stderr

    lab.cli("pyvs-vsctl", "add-port", br, port0, "--", "set", "Interface", port0, "type=internal")
    assert lab.in_ns(lab.host, "ip", "link", "show", port0).returncode == 0

    ns0 = lab.add_ns("ns0")
    lab.in_ns(lab.host, "ip", "link", "set", port0, "netns", ns0)
    lab.in_ns(ns0, "ip", "addr", "add", "192.168.1.100/24", "dev", port0)
    lab.in_ns(ns0, "ip", "link", "set", port0, "promisc", "on", "up")
    lab.in_ns(lab.host, "ip", "addr", "add", "192.168.1.101/24", "dev", br)
    lab.in_ns(lab.host, "ip", "link", "set", br, "up")

    ping = lab.in_ns(ns0, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.1.101", check=False)
    assert " 0% packet loss" in ping.stdout, ping.stdout + lab.log()

    show = lab.cli("pyvs-ofctl", "show", br).stdout
    assert re.search(r"OFPT_FEATURES_REPLY \(xid=0x\w+\): dpid:[0-9a-f]{16}", show), show
    assert "n_tables:254" in show and "capabilities:" in show and "actions:" in show
    assert re.search(rf" 1\({port0}\): addr:[0-9a-f:]{{17}}\n\s+config:\s+\w+\n\s+state:\s+\w+", show), show
    assert re.search(rf" LOCAL\({br}\): addr:", show), show

    dpctl = lab.cli("pyvs-appctl", "dpctl/show").stdout
    assert re.search(r"lookups: hit:\d+ missed:\d+ lost:\d+", dpctl), dpctl
    assert re.search(r"flows: \d+", dpctl) and re.search(r"masks: hit:\d+ total:\d+ hit/pkt:[\d.]+", dpctl), dpctl
    assert re.search(rf"port \d+: {br} \(tap\)", dpctl) and re.search(rf"port \d+: {port0} \(tap\)", dpctl), dpctl


@pytest.mark.skipif(not have("ovs-vsctl"), reason="stock ovs-vsctl not installed")
def test_stock_ovs_vsctl_reports_missing_device_and_port_comes_up(lab):
    br, late = lab.name("br"), lab.name("late")
    lab.cli("ovs-vsctl", "add-br", br)
    result = lab.cli("ovs-vsctl", "add-port", br, late, check=False)
    assert (f"ovs-vsctl: Error detected while setting up '{late}': could not open network device {late} "
            "(No such device).  See ovs-vswitchd log for details." in result.stderr), result.stderr
    assert lab.cli("ovs-vsctl", "get", "Interface", late, "ofport").stdout.strip() == "-1"

    lab.in_ns(lab.host, "ip", "link", "add", late, "type", "veth", "peer", "name", lab.name("peer"))
    ofport = None
    for _ in range(50):
        ofport = lab.cli("ovs-vsctl", "get", "Interface", late, "ofport").stdout.strip()
        if ofport not in ("-1", "[]"):
            break
        lab.in_ns(lab.host, "sleep", "0.1")
    assert ofport not in ("-1", "[]"), lab.log()
    assert lab.cli("ovs-vsctl", "get", "Interface", late, "error").stdout.strip() == "[]"
