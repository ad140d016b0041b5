"""Packet-outs through the whole daemon: stock ovs-ofctl packet-out at OpenFlow 1.0, 1.3 and
1.5, the frame seen leaving the dummy port the actions name (its tx_pcap), through the
pipeline for output:TABLE, and from any port number as stock allows."""
import os
import re
import subprocess
import time

import pytest

from pyvswitch.netdev.pcap import read_frames
from tests.harness import Daemon
from tests.stock_ovs import AVAILABLE

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="stock Open vSwitch not installed")

ARP = ("ffffffffffff000000000001080600010800060400010000000000"
       "01c0a80001000000000000c0a80002")


@pytest.fixture(scope="module")
def daemon():
    with Daemon() as d:
        command = ["add-br", "br0"]
        for i in (1, 2, 3):
            command += ["--", "add-port", "br0", "p%d" % i, "--", "set", "interface",
                        "p%d" % i, "ofport_request=%d" % i,
                        "options:tx_pcap=" + os.path.join(d.paths.rundir, "p%d.pcap" % i)]
        d.vsctl(*command)
        yield d


def sent(daemon, port):
    try:
        with open(os.path.join(daemon.paths.rundir, "p%d.pcap" % port), "rb") as f:
            return read_frames(f.read())
    except FileNotFoundError:
        return []


def ofctl(daemon, *args):
    target = "unix:" + os.path.join(daemon.paths.rundir, "br0.mgmt")
    options = [arg for arg in args if arg.startswith("-O")]
    rest = [arg for arg in args if not arg.startswith("-O")]
    return subprocess.run(["ovs-ofctl", *options, rest[0], target, *rest[1:]], env=daemon.env,
                          capture_output=True, text=True, timeout=30)


def wait_for(daemon, port, count):
    deadline = time.monotonic() + 10
    while len(sent(daemon, port)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return sent(daemon, port)


@pytest.mark.parametrize("version", ["-OOpenFlow10", "-OOpenFlow13", "-OOpenFlow15"])
def test_packet_out_leaves_through_the_port_its_actions_name(daemon, version):
    before = len(sent(daemon, 3))
    result = ofctl(daemon, version, "packet-out",
                   "in_port=1 packet=%s actions=mod_dl_src:00:00:00:00:00:09,output:3" % ARP)
    assert (result.returncode, result.stderr) == (0, "")
    frames = wait_for(daemon, 3, before + 1)
    assert len(frames) == before + 1
    assert frames[-1][6:12] == bytes.fromhex("000000000009")
    assert frames[-1][12:] == bytes.fromhex(ARP)[12:]


def test_output_to_table_runs_the_pipeline(daemon):
    assert ofctl(daemon, "add-flow", "priority=9,in_port=2,arp,actions=output:1").returncode == 0
    before = len(sent(daemon, 1))
    result = ofctl(daemon, "packet-out", "in_port=2 packet=%s actions=TABLE" % ARP)
    assert result.returncode == 0, result.stderr
    assert len(wait_for(daemon, 1, before + 1)) == before + 1


def test_a_packet_out_may_come_from_a_port_the_bridge_lacks_as_in_stock(daemon):
    before = len(sent(daemon, 3))
    result = ofctl(daemon, "-OOpenFlow13", "packet-out",
                   "in_port=77 packet=%s actions=output:3" % ARP)
    assert (result.returncode, result.stderr) == (0, "")
    assert len(wait_for(daemon, 3, before + 1)) == before + 1


def test_pyvs_ofctl_packet_out_works_as_stock(daemon):
    before = len(sent(daemon, 2))
    target = "unix:" + os.path.join(daemon.paths.rundir, "br0.mgmt")
    result = subprocess.run(["pyvs-ofctl", "-O", "OpenFlow13", "packet-out", target,
                             "in_port=p1 packet=%s actions=output:p2" % ARP], env=daemon.env,
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stderr) == (0, "")
    assert wait_for(daemon, 2, before + 1)[-1] == bytes.fromhex(ARP)


def test_dpif_dump_flows_lists_the_bridges_datapath_flows(daemon):
    daemon.appctl("netdev-dummy/receive", "p2", ARP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = daemon.appctl("dpif/dump-flows", "br0").stdout
        if "in_port(2)" in text:
            break
        time.sleep(0.05)
    assert re.search(r"^recirc_id\(0\),in_port\(2\),.*eth_type\(0x0806\).* actions:", text, re.M)
    assert "flow-dump from" not in text
    assert daemon.appctl("dpif/dump-flows", "nobridge", check=False).returncode != 0
