"""Datapath actions on frames: outputs, VLAN tags, field rewrites with checksums (scapy checks them)."""
import struct

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.layers.sctp import SCTP
from scapy.packet import Raw, raw

from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.execute import execute
from pyvswitch.netdev import offload
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, VnetHdr

PAYLOAD = Raw(bytes(range(64)))
SRC, DST = "02:00:00:00:00:01", "02:00:00:00:00:02"


def run(frame, actions, vnet=None, in_port=1):
    out = {}
    upcalls = []
    execute([(frame, vnet)], actions, in_port, out, lambda f, c, p: upcalls.append((f, c, p)))
    return out, upcalls


def checksums_ok(frame: bytes) -> bool:
    """Recompute every checksum scapy knows for `frame` and compare with what it carries."""
    packet = Ether(frame)
    fresh = Ether(frame)
    for layer in (IP, TCP, UDP, ICMP, ICMPv6EchoRequest, SCTP):
        if layer in fresh:
            field = "chksum" if layer is not ICMPv6EchoRequest else "cksum"
            if layer is UDP and layer in packet and packet[UDP].chksum == 0 and IP in packet:
                continue
            delattr(fresh[layer], field)
    rebuilt = Ether(raw(fresh))
    for layer in (IP, TCP, UDP, ICMP, ICMPv6EchoRequest, SCTP):
        if layer in packet:
            field = "chksum" if layer is not ICMPv6EchoRequest else "cksum"
            if getattr(packet[layer], field) != getattr(rebuilt[layer], field):
                return False
    return True


def test_checksum_check_detects_a_bad_checksum():
    good = raw(Ether(src=SRC, dst=DST) / IP() / TCP() / PAYLOAD)
    assert checksums_ok(good)
    bad = bytearray(good)
    bad[50] ^= 1                    # the TCP checksum
    assert not checksums_ok(bytes(bad))


def only_output(out, port=2):
    assert list(out) == [port]
    assert len(out[port]) == 1
    return out[port][0]


def test_outputs_and_drop():
    frame = raw(Ether(src=SRC, dst=DST) / IP() / TCP())
    out, _ = run(frame, [dpa.output(2), dpa.output(3), dpa.output(2)])
    assert [f for f, _ in out[2]] == [frame, frame] and [f for f, _ in out[3]] == [frame]
    assert run(frame, [])[0] == {}


def test_output_snapshot_is_not_changed_by_later_actions():
    frame = raw(Ether(dst="00:00:00:00:00:01") / IP() / UDP())
    out, _ = run(frame, [dpa.output(2), dpa.set_field("dl_dst", 0x0A), dpa.output(3)])
    assert out[2][0][0] == frame
    assert Ether(out[3][0][0]).dst == "00:00:00:00:00:0a"


def test_push_and_pop_vlan():
    frame = raw(Ether(src=SRC, dst=DST) / IP() / UDP() / PAYLOAD)
    out, _ = run(frame, [dpa.push_vlan(0x1000 | 3 << 13 | 42), dpa.output(2)])
    tagged, _ = only_output(out)
    packet = Ether(tagged)
    assert packet[Dot1Q].vlan == 42 and packet[Dot1Q].prio == 3 and packet[Dot1Q].id == 0
    assert bytes(packet[IP]) == frame[14:]
    out, _ = run(tagged, [dpa.pop_vlan(), dpa.output(2)])
    assert only_output(out)[0] == frame
    # Popping an untagged frame changes nothing.
    out, _ = run(frame, [dpa.pop_vlan(), dpa.output(2)])
    assert only_output(out)[0] == frame
    out, _ = run(frame, [dpa.push_vlan(7, tpid=0x88A8), dpa.output(2)])
    assert only_output(out)[0][12:16] == b"\x88\xa8\x00\x07"


def test_push_vlan_shifts_vnet_offsets():
    vnet = VnetHdr(VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16)
    out, _ = run(raw(Ether(src=SRC, dst=DST) / IP() / TCP()), [dpa.push_vlan(5), dpa.output(2)], vnet)
    assert only_output(out)[1].csum_start == 38
    out, _ = run(only_output(out)[0], [dpa.pop_vlan(), dpa.output(2)], only_output(out)[1])
    assert only_output(out)[1].csum_start == 34


@pytest.mark.parametrize("l4", [TCP(sport=1000, dport=2000), UDP(sport=1000, dport=2000),
                                ICMP(), SCTP(sport=1000, dport=2000)], ids=lambda l: l.name)
@pytest.mark.parametrize("field,value", [
    ("nw_src", 0x0B0C0D0E), ("nw_dst", 0xC0A80101), ("nw_tos", 0xB8), ("nw_ecn", 3),
    ("nw_ttl", 1), ("tp_src", 4242), ("tp_dst", 65535), ("dl_src", 0x020000000001),
])
def test_ipv4_rewrites_keep_checksums_valid(l4, field, value):
    frame = raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1", dst="10.0.0.2", tos=0x21) / l4 / PAYLOAD)
    out, _ = run(frame, [dpa.set_field(field, value), dpa.output(2)])
    result, _ = only_output(out)
    assert checksums_ok(result)
    packet = Ether(result)
    if field == "nw_src":
        assert packet[IP].src == "11.12.13.14"
    elif field == "nw_dst":
        assert packet[IP].dst == "192.168.1.1"
    elif field == "nw_tos":
        assert packet[IP].tos == 0xB9
    elif field == "nw_ecn":
        assert packet[IP].tos == 0x23
    elif field == "nw_ttl":
        assert packet[IP].ttl == 1
    elif field in ("tp_src", "tp_dst") and not isinstance(l4, ICMP):
        assert getattr(packet[2], "sport" if field == "tp_src" else "dport") == value
    elif field in ("tp_src", "tp_dst"):
        assert result == frame          # ICMP has no ports


def test_udp_without_checksum_stays_without():
    packet = Ether(src=SRC, dst=DST) / IP(src="10.0.0.1") / UDP(sport=1, dport=2, chksum=0) / PAYLOAD
    out, _ = run(raw(packet), [dpa.set_field("nw_src", 0x01020304), dpa.set_field("tp_dst", 9),
                               dpa.output(2)])
    assert Ether(only_output(out)[0])[UDP].chksum == 0


@pytest.mark.parametrize("field", ["ipv6_src", "ipv6_dst", "tp_src", "nw_ttl", "nw_tos"])
@pytest.mark.parametrize("l4", [TCP(), UDP(), ICMPv6EchoRequest()], ids=lambda l: l.name)
def test_ipv6_rewrites_keep_checksums_valid(field, l4):
    frame = raw(Ether(src=SRC, dst=DST) / IPv6(src="2001:db8::1", dst="2001:db8::2", tc=1) / l4 / PAYLOAD)
    value = {"ipv6_src": 0x20010DB8 << 96 | 7, "ipv6_dst": 1, "tp_src": 99, "nw_ttl": 3,
             "nw_tos": 0x28}[field]
    out, _ = run(frame, [dpa.set_field(field, value), dpa.output(2)])
    result = Ether(only_output(out)[0])
    assert checksums_ok(bytes(result))
    if field == "nw_ttl":
        assert result[IPv6].hlim == 3
    if field == "nw_tos":
        assert result[IPv6].tc == 0x29


def test_vlan_tagged_frame_rewrites():
    frame = raw(Ether(src=SRC, dst=DST) / Dot1Q(vlan=9) / IP(src="10.0.0.1") / TCP() / PAYLOAD)
    out, _ = run(frame, [dpa.set_field("nw_src", 0x0A0A0A0A), dpa.set_field("tp_dst", 1),
                         dpa.output(2)])
    result = only_output(out)[0]
    assert checksums_ok(result) and Ether(result)[IP].src == "10.10.10.10"


def test_arp_address_rewrite():
    frame = raw(Ether(src=SRC, dst=DST) / ARP(psrc="1.1.1.1", pdst="2.2.2.2"))
    out, _ = run(frame, [dpa.set_field("nw_src", 0x03030303), dpa.output(2)])
    assert Ether(only_output(out)[0])[ARP].psrc == "3.3.3.3"


def test_later_fragment_ports_are_not_touched():
    frame = raw(Ether(src=SRC, dst=DST) / IP(frag=10, proto=6) / Raw(bytes(40)))
    out, _ = run(frame, [dpa.set_field("tp_dst", 7), dpa.output(2)])
    assert only_output(out)[0] == frame


def test_garbage_frames_do_not_raise():
    for frame in (b"", b"\x00" * 13, raw(Ether(src=SRC, dst=DST) / IP())[:20], raw(Ether(type=0x86DD))):
        out, _ = run(frame, [dpa.set_field("nw_src", 1), dpa.set_field("tp_src", 1),
                             dpa.set_field("ipv6_dst", 1), dpa.pop_vlan(), dpa.output(2)])
        assert len(out[2]) == 1


def _partial(frame: bytes, proto: int) -> tuple[bytes, VnetHdr]:
    """`frame` as a sender using checksum offload hands it over: the L4 checksum field holds
    the folded pseudo-header sum, and the vnet header says where the checksum goes."""
    packet = Ether(frame)
    l4 = 14 + packet[IP].ihl * 4
    l4_len = len(frame) - l4
    words = raw(packet[IP])[12:20] + struct.pack("!HH", proto, l4_len)
    total = sum(struct.unpack("!6H", words))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    csum_offset = 16 if proto == 6 else 6
    data = bytearray(frame)
    data[l4 + csum_offset:l4 + csum_offset + 2] = struct.pack("!H", total)
    return bytes(data), VnetHdr(VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, l4, csum_offset)


@pytest.mark.parametrize("proto", [6, 17])
@pytest.mark.parametrize("actions", [
    [dpa.set_field("nw_src", 0x01020304)],
    [dpa.set_field("nw_dst", 0xFEFEFEFE), dpa.set_field("tp_src", 1), dpa.set_field("tp_dst", 2)],
    [dpa.push_vlan(0x1005), dpa.set_field("nw_ttl", 9), dpa.set_field("nw_src", 0x7F000001)],
])
def test_partial_checksum_frames_complete_correctly(proto, actions):
    l4 = TCP(sport=5, dport=6) if proto == 6 else UDP(sport=5, dport=6)
    frame, vnet = _partial(raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1", dst="10.0.0.2") / l4 / PAYLOAD), proto)
    out, _ = run(frame, actions + [dpa.output(2)], vnet)
    result, result_vnet = only_output(out)
    completed = offload.complete_checksum(result, result_vnet)
    assert checksums_ok(completed)


def test_gso_frame_rewrite_then_segmentation():
    payload = Raw(bytes(i & 0xFF for i in range(3000)))
    frame, vnet = _partial(raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1", dst="10.0.0.2") /
                               TCP(sport=5, dport=6, flags="PA") / payload), 6)
    vnet = vnet._replace(gso_type=VNET_HDR_GSO_TCPV4, gso_size=1000, hdr_len=54)
    out, _ = run(frame, [dpa.set_field("nw_dst", 0x0A000063), dpa.set_field("tp_dst", 8080),
                         dpa.output(2)], vnet)
    result, result_vnet = only_output(out)
    segments = offload.segment(result, result_vnet)
    assert len(segments) == 3
    for segment in segments:
        assert checksums_ok(segment)
        assert Ether(segment)[IP].dst == "10.0.0.99" and Ether(segment)[TCP].dport == 8080


def test_userspace_action_gets_the_frame_as_modified_so_far():
    frame = raw(Ether(src=SRC, dst=DST) / IP() / UDP())
    out, upcalls = run(frame, [dpa.set_field("dl_src", 1), dpa.userspace("cookie"), dpa.output(2)],
                       in_port=4)
    assert len(upcalls) == 1
    sent, cookie, in_port = upcalls[0]
    assert Ether(sent).src == "00:00:00:00:00:01" and cookie == "cookie" and in_port == 4
    assert isinstance(sent, bytes)
