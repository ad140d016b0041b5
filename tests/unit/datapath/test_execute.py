"""Datapath actions on frames: outputs, VLAN tags (QinQ too), MPLS labels, truncation, field rewrites
with checksums (scapy checks them; every field on every kind of frame is in test_set_fields)."""

import pytest
from scapy.contrib.mpls import MPLS
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.layers.sctp import SCTP
from scapy.packet import Raw, raw

from pyvswitch.datapath import actions as dpa
from pyvswitch.netdev import offload
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, VnetHdr

from .frames import DST, SRC, checksums_ok, only_output, partial_checksum, run

PAYLOAD = Raw(bytes(range(64)))


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
    packet = Ether(frame)
    return partial_checksum(frame, 14, 14 + packet[IP].ihl * 4, proto, 16 if proto == 6 else 6)


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


# ------------------------------------------------------------------ QinQ
def test_double_tagging_with_802_1ad_outside():
    frame = raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1") / TCP() / PAYLOAD)
    vnet = _partial(frame, 6)[1]
    out, _ = run(_partial(frame, 6)[0], [dpa.push_vlan(0x1000 | 9), dpa.push_vlan(0x1000 | 5 << 13 | 100, tpid=0x88A8),
                                         dpa.output(2)], vnet)
    tagged, tagged_vnet = only_output(out)
    assert tagged[12:22] == bytes.fromhex("88a8a064" "81000009" "0800")
    packet = Ether(tagged)
    assert (packet[Dot1AD].vlan, packet[Dot1AD].prio, packet[Dot1Q].vlan) == (100, 5, 9)
    assert tagged_vnet.csum_start == vnet.csum_start + 8
    assert checksums_ok(offload.complete_checksum(tagged, tagged_vnet))
    # Rewrites reach through both tags; VLAN fields change the outer one.
    out, _ = run(tagged, [dpa.set_field("nw_src", 0x0A0A0A0A), dpa.set_field("vlan_vid", 0x1007),
                          dpa.pop_vlan(), dpa.output(2), dpa.pop_vlan(), dpa.output(3)], tagged_vnet)
    inner_only = Ether(out[2][0][0])
    assert inner_only.type == 0x8100 and inner_only[Dot1Q].vlan == 9 and Dot1AD not in inner_only
    untagged, untagged_vnet = out[3][0]
    assert untagged_vnet == vnet and Ether(untagged)[IP].src == "10.10.10.10"
    assert checksums_ok(offload.complete_checksum(untagged, untagged_vnet))


# ------------------------------------------------------------------ MPLS
def test_push_and_pop_mpls_labels():
    frame = raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1") / UDP(sport=1, dport=2) / PAYLOAD)
    out, _ = run(frame, [dpa.push_mpls(dpa.mpls_lse(100, tc=3, bos=1, ttl=64)), dpa.output(2),
                         dpa.push_mpls(dpa.mpls_lse(200, bos=0, ttl=9)), dpa.output(3)])
    one, two = Ether(out[2][0][0]), Ether(out[3][0][0])
    assert one.type == 0x8847
    assert (one[MPLS].label, one[MPLS].cos, one[MPLS].s, one[MPLS].ttl) == (100, 3, 1, 64)
    assert raw(one[MPLS].payload) == frame[14:]
    assert [(m.label, m.s, m.ttl) for m in (two[MPLS], two[MPLS].payload)] == [(200, 0, 9), (100, 1, 64)]
    out, _ = run(out[3][0][0], [dpa.set_field("mpls_ttl", 8), dpa.pop_mpls(0x8847), dpa.output(2),
                                dpa.pop_mpls(0x0800), dpa.output(3)])
    assert out[2][0][0] == out_one_label(frame)
    assert out[3][0][0] == frame


def out_one_label(frame):
    return frame[:12] + b"\x88\x47" + dpa.mpls_lse(100, tc=3, bos=1, ttl=64).to_bytes(4, "big") + frame[14:]


def test_mpls_multicast_ethertype_and_vlan_tagged_frames():
    frame = raw(Ether(src=SRC, dst=DST) / Dot1Q(vlan=9) / IP() / UDP() / PAYLOAD)
    out, _ = run(frame, [dpa.push_mpls(dpa.mpls_lse(5), ethertype=0x8848), dpa.output(2)])
    labelled = only_output(out)[0]
    assert labelled[12:22] == bytes.fromhex("81000009" "8848") + dpa.mpls_lse(5).to_bytes(4, "big")
    out, _ = run(labelled, [dpa.pop_mpls(0x0800), dpa.output(2)])
    assert only_output(out)[0] == frame


def test_mpls_actions_that_do_not_apply_leave_the_frame():
    ip = raw(Ether(src=SRC, dst=DST) / IP() / UDP())
    llc = raw(Ether(src=SRC, dst=DST, type=43) / Raw(b"\x42\x42\x03" + bytes(40)))
    for frame in (ip, llc, b"", bytes(13)):
        out, _ = run(frame, [dpa.pop_mpls(0x0800), dpa.output(2)])
        assert only_output(out)[0] == frame
    for frame in (llc, b"", bytes(13)):
        out, _ = run(frame, [dpa.push_mpls(dpa.mpls_lse(1)), dpa.output(2)])
        assert only_output(out)[0] == frame
    truncated_label = ip[:12] + b"\x88\x47\x00\x00"
    out, _ = run(truncated_label, [dpa.pop_mpls(0x0800), dpa.output(2)])
    assert only_output(out)[0] == truncated_label


def test_push_mpls_carries_out_offloads_first():
    payload = Raw(bytes(i & 0xFF for i in range(3000)))
    frame, vnet = _partial(raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1", dst="10.0.0.2") /
                               TCP(sport=5, dport=6, flags="PA") / payload), 6)
    gso = vnet._replace(gso_type=VNET_HDR_GSO_TCPV4, gso_size=1000, hdr_len=54)
    out, _ = run(frame, [dpa.output(3), dpa.trunc(100), dpa.push_mpls(dpa.mpls_lse(16)),
                         dpa.output(2), dpa.output(2)], gso)
    assert out[3] == [(frame, gso)]                 # sent before the push, offloads and all
    sent = out[2]
    assert [len(f) for f, _ in sent] == [100, 1058, 100, 1058, 100, 1058]
    assert all(v is None for _, v in sent)
    for segment, _ in sent[1::2]:
        packet = Ether(segment)
        assert packet.type == 0x8847 and packet[MPLS].label == 16
        assert checksums_ok(segment)
    small, small_vnet = _partial(raw(Ether(src=SRC, dst=DST) / IP() / TCP() / PAYLOAD), 6)
    out, _ = run(small, [dpa.push_mpls(dpa.mpls_lse(16)), dpa.output(2)], small_vnet)
    labelled, labelled_vnet = only_output(out)
    assert labelled_vnet is None and checksums_ok(labelled)


# ------------------------------------------------------------------ truncation
def test_trunc_cuts_only_the_next_output():
    frame = raw(Ether(src=SRC, dst=DST) / IP() / UDP() / PAYLOAD)
    header = object()
    out, _ = run(frame, [dpa.trunc(20), dpa.output(2), dpa.output(3), dpa.trunc(5000), dpa.output(4),
                         dpa.trunc(30), dpa.tunnel_output(5, header), dpa.tunnel_output(6, header)])
    assert out[2] == [(frame[:20], None)] and out[3] == [(frame, None)] and out[4] == [(frame, None)]
    assert out[5] == [(frame[:30], None, header)] and out[6] == [(frame, None, header)]


def test_trunc_drops_the_offload_requests_of_a_frame_it_shortens():
    frame, vnet = _partial(raw(Ether(src=SRC, dst=DST) / IP() / TCP() / PAYLOAD), 6)
    out, _ = run(frame, [dpa.trunc(60), dpa.output(2), dpa.trunc(len(frame)), dpa.output(3)], vnet)
    assert out[2] == [(frame[:60], None)] and out[3] == [(frame, vnet)]
