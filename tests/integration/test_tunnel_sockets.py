"""Tunnel netdevs over real UDP sockets on the loopback: two "hosts" at 127.0.0.1 and 127.0.0.2
(each with its own registry, as two daemons would have) on a free UDP port, no root needed."""
import select
import socket

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

import pyvswitch  # noqa: F401
from pyvswitch import fields as F
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, NetdevError, VnetHdr
from pyvswitch.netdev.tunnel import TunnelNetdev, TunnelRegistry

FRAME = bytes.fromhex("ffffffffffff000000000001" "88b5") + bytes(range(46))


@pytest.fixture
def udp_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def hosts(udp_port):
    opened = []

    def open_port(host, name, kind="geneve", **options):
        local, remote = ("127.0.0.1", "127.0.0.2") if host is one else ("127.0.0.2", "127.0.0.1")
        settings = {"local_ip": local, "remote_ip": remote, "dst_port": str(udp_port)}
        settings.update({k: str(v) for k, v in options.items()})
        netdev = TunnelNetdev(name, kind, settings, registry=host)
        opened.append(netdev)
        return netdev

    one, two = TunnelRegistry(), TunnelRegistry()
    yield one, two, open_port
    for netdev in opened:
        netdev.close()


def receive(netdev, timeout=2.0):
    poller = select.epoll()
    poller.register(netdev.fileno(), select.EPOLLIN)
    try:
        if not poller.poll(timeout):
            return []
    finally:
        poller.close()
    return netdev.recv_batch(64)


def test_frames_cross_with_their_vni_and_addresses(hosts):
    one, two, open_port = hosts
    sender = open_port(one, "a", key=5)
    receiver = open_port(two, "b", key="flow")
    sender.send_batch([(FRAME, None), (FRAME, None, sender.config.header._replace(tun_id=9))])
    received = receive(receiver)
    if len(received) < 2:
        received += receive(receiver)
    assert [frame for frame, _, _ in received] == [FRAME, FRAME]
    bits = [meta for _, _, meta in received]
    assert [F.FIELDS["tun_id"].get(b) for b in bits] == [5, 9]
    assert {F.FIELDS["tun_src"].get(b) for b in bits} == {0x7F000001}
    assert {F.FIELDS["tun_dst"].get(b) for b in bits} == {0x7F000002}
    assert sender.get_stats().tx_packets == 2 and receiver.get_stats().rx_packets == 2


def test_ports_sharing_a_socket_each_get_their_own_frames(hosts):
    one, two, open_port = hosts
    sender = open_port(one, "a", key="flow")
    five, six = open_port(two, "five", key=5), open_port(two, "six", key=6)
    header = sender.config.header
    sender.send_batch([(FRAME, None, header._replace(tun_id=vni)) for vni in (5, 6, 6, 7)])
    # Whichever port reads the shared socket, the other's frames wait on it, and it polls readable.
    got_six = receive(six)
    got_five = receive(five)
    if len(got_six) < 2:
        got_six += receive(six)
    assert [F.FIELDS["tun_id"].get(m) for _, _, m in got_five] == [5]
    assert [F.FIELDS["tun_id"].get(m) for _, _, m in got_six] == [6, 6]
    assert receive(five, 0.2) == [] and receive(six, 0.2) == []     # VNI 7 matched no port


def test_vxlan_and_geneve_do_not_understand_each_other(hosts):
    one, two, open_port = hosts
    sender = open_port(one, "a", kind="vxlan")
    receiver = open_port(two, "b", kind="vxlan")
    sender.send_batch([(FRAME, None)])
    assert [frame for frame, _, _ in receive(receiver)] == [FRAME]
    with pytest.raises(NetdevError) as e:
        open_port(two, "c", kind="geneve", key=3)
    assert str(e.value) == "could not add network device c to ofproto (Address already in use)"


def test_same_match_twice_is_refused_like_ovs(hosts):
    one, two, open_port = hosts
    open_port(one, "a", key=1)
    with pytest.raises(NetdevError) as e:
        open_port(one, "b", key=1)
    assert str(e.value) == "could not add network device b to ofproto (File exists)"
    open_port(one, "c", key=2)           # a different key is a different port


def test_offloaded_inner_frames_are_finished_before_encapsulation(hosts):
    one, two, open_port = hosts
    sender, receiver = open_port(one, "a"), open_port(two, "b")
    payload = bytes(range(256)) * 12                     # 3072 bytes: three 1024-byte segments
    packet = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
              / IP(src="192.168.1.10", dst="192.168.1.20") / TCP(sport=1, dport=2, flags="PA")
              / payload)
    frame = bytearray(bytes(packet))
    frame[50:52] = b"\0\0"           # only a (here: zero) partial sum; finishing must fix it
    vnet = VnetHdr(VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 54, 1024, 34, 16)
    sender.send_batch([(bytes(frame), vnet)])
    segments = []
    while len(segments) < 3:
        batch = receive(receiver)
        assert batch, "segments missing"
        segments += [frame for frame, _, _ in batch]
    data = b""
    for segment in segments:
        parsed = Ether(segment)
        tcp_checksum = parsed[TCP].chksum
        del parsed[TCP].chksum, parsed[IP].chksum
        assert Ether(bytes(parsed))[TCP].chksum == tcp_checksum
        data += bytes(parsed[TCP].payload)
    assert data == payload
