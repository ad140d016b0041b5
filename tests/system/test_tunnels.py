"""shared/SCENARIOS.md story 4: two hosts, one L2 segment over Geneve (and VXLAN).

Each host is a Lab (its own namespace running its own pyvswitchd) with br-int holding a VM
namespace's veth and a tunnel port to the other host; the hosts are joined by a veth underlay
(10.1.1.41 and 10.1.1.42).  The VMs ping each other through NORMAL while tcpdump on the
underlay records what the tunnels carry."""
import contextlib
import os
import re
import subprocess
import time

import pytest
from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import IP, UDP
from scapy.layers.vxlan import VXLAN
from scapy.utils import rdpcap

from tests.system.lab import Lab, have

NODE1, NODE2 = "10.1.1.41", "10.1.1.42"
VM1, VM2 = "192.168.1.10", "192.168.1.20"


@pytest.fixture
def two_nodes():
    with Lab() as node1, Lab() as node2:
        under1, under2 = node1.join(node2, NODE1 + "/24", NODE2 + "/24")
        vms = []
        for lab, address, mac in ((node1, VM1, "00:00:00:00:00:01"), (node2, VM2, "00:00:00:00:00:02")):
            lab.start_daemon()
            vm = lab.add_ns("vm")
            lab.veth_into(vm, "eth0", lab.name("vmp"), address + "/24")
            lab.in_ns(vm, "ip", "link", "set", "eth0", "address", mac)
            lab.cli("pyvs-vsctl", "add-br", "br-int")
            lab.cli("pyvs-vsctl", "add-port", "br-int", lab.name("vmp"))
            vms.append(vm)
        yield node1, node2, vms, under2


def add_tunnel(lab, name, kind, remote, *options):
    lab.cli("pyvs-vsctl", "add-port", "br-int", name, "--", "set", "interface", name,
            "type=" + kind, "options:remote_ip=" + remote, *("options:" + o for o in options))


@contextlib.contextmanager
def capture(lab, device, bpf):
    """tcpdump on `device` in the lab's host namespace; yields the pcap path to read afterwards."""
    path = lab.path("underlay-%d.pcap" % time.monotonic_ns())
    proc = subprocess.Popen(["ip", "netns", "exec", lab.host, "tcpdump", "-Z", "root", "--immediate-mode", "-U", "-n",
                             "-i", device, "-w", path, bpf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(path) and time.time() < deadline:   # tcpdump is listening
            time.sleep(0.05)
        yield path
    finally:
        time.sleep(0.3)
        proc.terminate()
        proc.wait(10)


def pings(lab, vm, address, count=3):
    result = lab.in_ns(vm, "ping", "-c", str(count), "-i", "0.2", "-W", "2", address, check=False)
    return result.returncode == 0


def ping_until(lab, vm, address, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pings(lab, vm, address, 1):
            return True
    return False


@pytest.mark.skipif(not have("tcpdump"), reason="tcpdump not installed")
def test_geneve_joins_two_hosts(two_nodes):
    node1, node2, (vm1, vm2), under2 = two_nodes
    add_tunnel(node1, "ovn-node2-0", "geneve", NODE2, "csum=true", "key=1")
    add_tunnel(node2, "ovn-node1-0", "geneve", NODE1, "csum=true", "key=1")
    for lab, name in ((node1, "ovn-node2-0"), (node2, "ovn-node1-0")):
        assert lab.cli("pyvs-vsctl", "get", "interface", name, "error").stdout.strip() == "[]"
        assert int(lab.cli("pyvs-vsctl", "get", "interface", name, "ofport").stdout) > 0
    with capture(node2, under2, "udp port 6081") as pcap:
        assert ping_until(node1, vm1, VM2), node1.log() + node2.log()
        assert pings(node2, vm2, VM1), node2.log()
    packets = [p for p in rdpcap(pcap) if UDP in p]
    assert packets, "nothing crossed the underlay"
    for packet in packets:
        assert packet[UDP].dport == 6081 and packet[UDP].chksum != 0      # csum=true
        assert {packet[IP].src, packet[IP].dst} == {NODE1, NODE2}
        geneve = GENEVE(bytes(packet[UDP].payload))
        assert geneve.vni == 1 and geneve.proto == 0x6558
    sources = {p[IP].src for p in packets}
    assert sources == {NODE1, NODE2}
    flows = node1.cli("pyvs-appctl", "dpctl/dump-flows").stdout
    assert re.search(r"set\(tunnel\(tun_id=0x1,dst=10\.1\.1\.42,ttl=64,tp_dst=6081,"
                     r"flags\(df\|csum\|key\)\)\),\d+", flows), flows


@pytest.mark.skipif(not have("tcpdump"), reason="tcpdump not installed")
def test_vxlan_with_flow_keys_and_a_wrong_key_isolates(two_nodes):
    node1, node2, (vm1, vm2), under2 = two_nodes
    add_tunnel(node1, "vx-node2", "vxlan", NODE2, "key=0x138f", "df_default=true")
    add_tunnel(node2, "vx-node1", "vxlan", NODE1, "in_key=flow", "out_key=0x138f",
               "local_ip=" + NODE2)
    with capture(node2, under2, "udp port 4789") as pcap:
        assert ping_until(node1, vm1, VM2), node1.log() + node2.log()
    packets = [p for p in rdpcap(pcap) if UDP in p]
    assert packets and all(VXLAN(bytes(p[UDP].payload)).vni == 0x138F for p in packets)
    assert all(p[UDP].chksum == 0 for p in packets)                    # VXLAN: no csum by default
    assert all(p[IP].flags.DF for p in packets)
    # node1 now expects VNI 5: node2's VNI 0x138f matches no port there, so nothing gets through.
    node1.cli("pyvs-vsctl", "set", "interface", "vx-node2", "options:key=5")
    for lab, vm in ((node1, vm1), (node2, vm2)):
        lab.in_ns(vm, "ip", "neigh", "flush", "all")
    assert not pings(node1, vm1, VM2, 2)
    node1.cli("pyvs-vsctl", "set", "interface", "vx-node2", "options:key=0x138f")
    assert ping_until(node1, vm1, VM2), node1.log()
