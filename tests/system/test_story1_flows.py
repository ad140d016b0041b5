"""shared/SCENARIOS.md story 1, its flow step: `add-flow br0 "priority=1 idle_timeout=0,
in_port=port0,actions=mod_nw_src:9.181.137.1,normal"` rewrites the source of port0's pings on their way to br0.

Each test runs twice, once with pyvs-ofctl and once with Debian's stock ovs-ofctl (which finds the bridge's
mgmt socket through OVS_RUNDIR, the lab's run dir).  The daemon runs in the lab's host namespace, which plays the
story's root namespace; tcpdump on br0 there records what the bridge delivers to its LOCAL port.
"""

import pytest
from scapy.layers.inet import ICMP, IP
from scapy.utils import rdpcap

from tests.system.lab import Lab, capture, have

REWRITE = "priority=1 idle_timeout=0, in_port=port0,actions=mod_nw_src:9.181.137.1,normal"
TOOLS = [pytest.param("pyvs-ofctl"),
         pytest.param("ovs-ofctl", marks=pytest.mark.skipif(not have("ovs-ofctl"), reason="no stock ovs-ofctl"))]

pytestmark = pytest.mark.skipif(not have("tcpdump"), reason="tcpdump not installed")


@pytest.fixture
def story1():
    """br0 with internal port0 moved into ns0 (192.168.1.100) and br0 itself at 192.168.1.101.  The port keeps
    the story's name "port0": the daemon's namespace is the lab's own, so the name cannot clash."""
    with Lab() as lab:
        lab.start_daemon()
        lab.cli("pyvs-vsctl", "add-br", "br0")
        lab.cli("pyvs-vsctl", "add-port", "br0", "port0", "--", "set", "Interface", "port0", "type=internal")
        ns0 = lab.add_ns("ns0")
        lab.in_ns(lab.host, "ip", "link", "set", "port0", "netns", ns0)
        lab.in_ns(ns0, "ip", "addr", "add", "192.168.1.100/24", "dev", "port0")
        lab.in_ns(ns0, "ip", "link", "set", "port0", "promisc", "on", "up")
        lab.in_ns(lab.host, "ip", "addr", "add", "192.168.1.101/24", "dev", "br0")
        lab.in_ns(lab.host, "ip", "link", "set", "br0", "up")
        yield lab, ns0


def echo_request_sources(lab, ns0) -> list[str]:
    """Ping br0's address from ns0 and return the source address of every echo request br0 received."""
    with capture(lab, lab.host, "br0", "icmp[icmptype] == icmp-echo") as pcap:
        lab.in_ns(ns0, "ping", "-c", "3", "-i", "0.2", "-W", "1", "192.168.1.101", check=False)
    return [p[IP].src for p in rdpcap(pcap) if ICMP in p]


@pytest.mark.parametrize("ofctl", TOOLS)
def test_mod_nw_src_rewrites_pings_arriving_on_br0(story1, ofctl):
    lab, ns0 = story1
    assert lab.in_ns(ns0, "ping", "-c", "2", "-i", "0.2", "-W", "2", "192.168.1.101",
                     check=False).returncode == 0, lab.log()
    assert set(echo_request_sources(lab, ns0)) == {"192.168.1.100"}

    lab.cli(ofctl, "add-flow", "br0", REWRITE)
    flows = lab.cli(ofctl, "dump-flows", "br0").stdout
    assert "priority=1,in_port=1 actions=mod_nw_src:9.181.137.1,NORMAL" in flows, flows
    assert "priority=1,in_port=port0 actions=mod_nw_src:9.181.137.1,NORMAL" in lab.cli(
        ofctl, "--names", "dump-flows", "br0").stdout

    sources = echo_request_sources(lab, ns0)
    assert sources and set(sources) == {"9.181.137.1"}, (sources, lab.log())
    # The rewritten requests are answered to 9.181.137.1, which ns0 does not own: no replies come back.
    assert lab.in_ns(ns0, "ping", "-c", "1", "-W", "1", "192.168.1.101", check=False).returncode != 0

    lab.cli(ofctl, "del-flows", "br0", "in_port=port0")
    assert set(echo_request_sources(lab, ns0)) == {"192.168.1.100"}, lab.log()
