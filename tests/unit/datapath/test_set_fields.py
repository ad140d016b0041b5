"""Every settable field on every kind of frame: written where it applies (read back by scapy and
by the flow extractor, all other header bits untouched, every checksum valid), and the frame
left byte for byte unchanged where it does not apply."""
import ipaddress

import pytest
from scapy.contrib.mpls import MPLS
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop)
from scapy.layers.l2 import ARP, LLC, SNAP, Dot1AD, Dot1Q, Dot3, Ether
from scapy.layers.sctp import SCTP, SCTPChunkData
from scapy.packet import Raw, bind_bottom_up, raw

from pyvswitch import fields as F
from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.execute import set_field
from pyvswitch.flow import extract_key

from .frames import DST, SRC, apply, checksums_ok, partial_checksum

bind_bottom_up(Ether, ARP, type=0x8035)      # scapy reads RARP frames only as raw bytes

PAYLOAD = Raw(bytes(range(48)))
ETH = Ether(src=SRC, dst=DST)
IP4 = IP(src="10.0.0.1", dst="10.0.0.2", tos=0x21, ttl=64)
IP6 = IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x21, fl=0x12345, hlim=64)
L4 = {"tcp": TCP(sport=1000, dport=2000, flags="PA"), "udp": UDP(sport=1000, dport=2000),
      "sctp": SCTP(sport=1000, dport=2000) / SCTPChunkData(data=b"sctp-data")}


def _ns():
    return ICMPv6ND_NS(tgt="2001:db8::99") / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:aa")


def _na():
    return (ICMPv6ND_NA(tgt="2001:db8::98", R=1, S=1, O=0)
            / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:bb"))


# name -> (frame, the kinds of header whose fields it has)
FRAMES = {
    "arp": (ETH / ARP(op=1, hwsrc=SRC, psrc="1.1.1.1", hwdst="00:00:00:00:00:00",
                      pdst="2.2.2.2"), {"arp"}),
    "rarp": (Ether(src=SRC, dst=DST, type=0x8035) / ARP(op=3, hwsrc=SRC, hwdst=SRC), {"arp"}),
    "ipv4": (ETH / IP(src="10.0.0.1", dst="10.0.0.2", proto=250) / PAYLOAD, {"ipv4"}),
    "ipv4_options": (ETH / IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x01\x01\x01\x00")
                     / UDP(sport=7, dport=8) / PAYLOAD, {"ipv4", "udp"}),
    "ipv4_padded": (ETH / IP4 / UDP(sport=7, dport=8) / Raw(b"x"), {"ipv4", "udp"}),
    "ipv4_icmp": (ETH / IP4 / ICMP(type=8, code=0, id=5) / PAYLOAD, {"ipv4", "icmp"}),
    "ipv4_first_fragment": (ETH / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF")
                            / UDP(sport=7, dport=8) / PAYLOAD, {"ipv4", "udp"}),
    "ipv4_later_fragment": (ETH / IP(src="10.0.0.1", dst="10.0.0.2", frag=100, proto=6)
                            / PAYLOAD, {"ipv4"}),
    "ipv4_truncated": (ETH / IP(src="10.0.0.1", len=200) / TCP() / PAYLOAD, set()),
    "ipv6": (ETH / IP6 / Raw(b"\0" * 8), {"ipv6"}),
    "ipv6_icmpv6": (ETH / IP6 / ICMPv6EchoRequest(id=3, data=b"ping"), {"ipv6", "icmpv6"}),
    "ipv6_ns": (ETH / IPv6(src="2001:db8::1", dst="ff02::1:ff00:99", hlim=255) / _ns(),
                {"ipv6", "icmpv6", "nd", "nd_sll"}),
    "ipv6_na": (ETH / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=255) / _na(),
                {"ipv6", "icmpv6", "nd", "nd_tll"}),
    # A source address option in the Ethernet padding, after the IPv6 payload.
    "ipv6_ns_option_past_end": (Ether(raw(ETH / IPv6(src="::", dst="ff02::1:ff00:99", hlim=255)
                                          / ICMPv6ND_NS(tgt="2001:db8::99"))
                                      + b"\x01\x01\x02\x00\x00\x00\x00\xaa"),
                                {"ipv6", "icmpv6", "nd_no_option"}),
    "ipv6_ns_no_option": (ETH / IPv6(src="::", dst="ff02::1:ff00:99", hlim=255)
                          / ICMPv6ND_NS(tgt="2001:db8::99"), {"ipv6", "icmpv6", "nd_no_option"}),
    "ipv6_hop_by_hop_tcp": (ETH / IP6 / IPv6ExtHdrHopByHop() / TCP(sport=5, dport=6) / PAYLOAD,
                            {"ipv6", "tcp"}),
    "ipv6_later_fragment": (ETH / IP6 / IPv6ExtHdrFragment(offset=10, nh=6) / PAYLOAD, {"ipv6"}),
    "vlan_ipv4_tcp": (ETH / Dot1Q(vlan=9, prio=2) / IP4 / L4["tcp"] / PAYLOAD,
                      {"vlan", "ipv4", "tcp"}),
    "qinq_ipv6_udp": (Ether(src=SRC, dst=DST) / Dot1AD(vlan=100, prio=5) / Dot1Q(vlan=9)
                      / IP6 / L4["udp"] / PAYLOAD, {"vlan", "ipv6", "udp"}),
    "mpls": (ETH / MPLS(label=100, cos=2, s=1, ttl=64) / IP4 / L4["udp"] / PAYLOAD, {"mpls"}),
    "mpls_two_labels": (ETH / MPLS(label=100, cos=2, s=0, ttl=64) / MPLS(label=200, s=1, ttl=9)
                        / IP4 / L4["tcp"] / PAYLOAD, {"mpls"}),
    "vlan_mpls": (ETH / Dot1Q(vlan=9) / MPLS(label=100, s=1, ttl=64) / IP4 / PAYLOAD,
                  {"vlan", "mpls"}),
    "snap_ipv4_udp": (Dot3(src=SRC, dst=DST) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3)
                      / SNAP(OUI=0, code=0x0800) / IP4 / L4["udp"] / PAYLOAD, {"ipv4", "udp"}),
    "llc": (Ether(src=SRC, dst=DST, type=43) / Raw(b"\x42\x42\x03" + bytes(40)), set()),
}
for _ip, _ip_kind in ((IP4, "ipv4"), (IP6, "ipv6")):
    for _name, _l4 in L4.items():
        FRAMES["%s_%s" % (_ip_kind, _name)] = (ETH / _ip / _l4 / PAYLOAD, {_ip_kind, _name})


def _ip4(text) -> int:
    return int(ipaddress.IPv4Address(text))


def _ip6(text) -> int:
    return int(ipaddress.IPv6Address(text))


def _mac(text) -> int:
    return int(text.replace(":", ""), 16)


def _tag(p):
    return p[Dot1AD] if Dot1AD in p else p[Dot1Q]


def _l4(p):
    return next(p[layer] for layer in (TCP, UDP, SCTP) if layer in p)


def _icmpv6(p):
    return p[IPv6].payload


def _ip(p):
    return p[IP] if IP in p else p[IPv6]


def _tclass(p):
    return p[IP].tos if IP in p else p[IPv6].tc


def _nd_bytes(p):
    return raw(_icmpv6(p))


# field -> (the header kinds it applies to, its value read by scapy as a flow key holds it,
#           a value to write, a partial mask for a masked write)
FIELDS = {
    "dl_dst": (None, lambda p: _mac(p.dst), 0x0A0B0C0D0E0F, 0xFFFFFF000000),
    "dl_src": (None, lambda p: _mac(p.src), 0x0A0B0C0D0E0F, 0x0000000000FF),
    "vlan_tci": ({"vlan"}, lambda p: _tag(p).prio << 13 | 0x1000 | _tag(p).vlan, 0xB123, 0xF00F),
    "vlan_vid": ({"vlan"}, lambda p: 0x1000 | _tag(p).vlan, 0x1ABC, 0x00F0),
    "dl_vlan": ({"vlan"}, lambda p: _tag(p).vlan, 0xABC, 0x0F0),
    "vlan_pcp": ({"vlan"}, lambda p: _tag(p).prio, 6, 0x2),
    "dl_vlan_pcp": ({"vlan"}, lambda p: _tag(p).prio, 7, 0x1),
    "mpls_label": ({"mpls"}, lambda p: p[MPLS].label, 0xABCDE, 0xF000F),
    "mpls_tc": ({"mpls"}, lambda p: p[MPLS].cos, 5, 0x4),
    "mpls_ttl": ({"mpls"}, lambda p: p[MPLS].ttl, 63, 0x0F),
    "arp_op": ({"arp"}, lambda p: p[ARP].op, 2, 0x3),
    "arp_spa": ({"arp"}, lambda p: _ip4(p[ARP].psrc), 0x0A0B0C0D, 0xFFFF0000),
    "arp_tpa": ({"arp"}, lambda p: _ip4(p[ARP].pdst), 0x0A0B0C0D, 0x000000FF),
    "arp_sha": ({"arp"}, lambda p: _mac(p[ARP].hwsrc), 0x0A0B0C0D0E0F, 0xFF00000000FF),
    "arp_tha": ({"arp"}, lambda p: _mac(p[ARP].hwdst), 0x0A0B0C0D0E0F, 0x00FFFFFFFF00),
    "nw_src": ({"ipv4", "arp"}, lambda p: _ip4(p[IP].src if IP in p else p[ARP].psrc),
               0xC0A80A0B, 0xFFFFFF00),
    "nw_dst": ({"ipv4", "arp"}, lambda p: _ip4(p[IP].dst if IP in p else p[ARP].pdst),
               0xC0A80A0B, 0x0000FFFF),
    "nw_tos": ({"ipv4", "ipv6"}, lambda p: _tclass(p) & 0xFC, 0xB8, 0xE0),
    "ip_dscp": ({"ipv4", "ipv6"}, lambda p: _tclass(p) >> 2, 0x2E, 0x07),
    "nw_ecn": ({"ipv4", "ipv6"}, lambda p: _tclass(p) & 3, 2, 0x2),
    "nw_ttl": ({"ipv4", "ipv6"}, lambda p: p[IP].ttl if IP in p else p[IPv6].hlim, 1, 0xF0),
    "ipv6_src": ({"ipv6"}, lambda p: _ip6(p[IPv6].src), _ip6("fd00::1:2:3"), (1 << 64) - 1),
    "ipv6_dst": ({"ipv6"}, lambda p: _ip6(p[IPv6].dst), _ip6("fd00::1:2:3"), 0xFFFF << 112),
    "ipv6_label": ({"ipv6"}, lambda p: p[IPv6].fl, 0xABCDE, 0x0FF00),
    "tp_src": ({"tcp", "udp", "sctp"}, lambda p: _l4(p).sport, 4242, 0xFF00),
    "tp_dst": ({"tcp", "udp", "sctp"}, lambda p: _l4(p).dport, 65535, 0x00FF),
    "tcp_src": ({"tcp"}, lambda p: p[TCP].sport, 4243, 0x0F0F),
    "tcp_dst": ({"tcp"}, lambda p: p[TCP].dport, 1, 0xFFF0),
    "udp_src": ({"udp"}, lambda p: p[UDP].sport, 4244, 0x0F0F),
    "udp_dst": ({"udp"}, lambda p: p[UDP].dport, 53, 0x000F),
    "sctp_src": ({"sctp"}, lambda p: p[SCTP].sport, 4245, 0x0F0F),
    "sctp_dst": ({"sctp"}, lambda p: p[SCTP].dport, 38412, 0xF000),
    "icmp_type": ({"icmp"}, lambda p: p[ICMP].type, 0, 0x0C),
    "icmp_code": ({"icmp"}, lambda p: p[ICMP].code, 3, 0x01),
    "icmpv6_type": ({"icmpv6"}, lambda p: _icmpv6(p).type, 129, 0x0F),
    "icmpv6_code": ({"icmpv6"}, lambda p: _icmpv6(p).code, 7, 0x04),
    "nd_target": ({"nd", "nd_no_option"}, lambda p: _ip6(_icmpv6(p).tgt), _ip6("fe80::1"),
                  0xFFFF << 112 | 0xFF),
    "nd_reserved": ({"nd", "nd_no_option"}, lambda p: int.from_bytes(_nd_bytes(p)[4:8], "big"),
                    0xE0000000, 0x40000000),
    "nd_options_type": ({"nd"}, lambda p: _nd_bytes(p)[24], 2, 0x03),
    "nd_sll": ({"nd_sll"}, lambda p: _mac(p[ICMPv6NDOptSrcLLAddr].lladdr), 0x0A0B0C0D0E0F,
               0xFFFF),
    "nd_tll": ({"nd_tll"}, lambda p: _mac(p[ICMPv6NDOptDstLLAddr].lladdr), 0x0A0B0C0D0E0F,
               0xFFFF << 32),
}
# The widths of the values above, for the masked writes' expected results.
WIDTHS = {"vlan_tci": 16, "vlan_vid": 13, "dl_vlan": 12, "vlan_pcp": 3, "dl_vlan_pcp": 3,
          "mpls_label": 20, "mpls_tc": 3, "mpls_ttl": 8, "arp_op": 16, "nw_tos": 8,
          "ip_dscp": 6, "nw_ecn": 2, "nw_ttl": 8, "ipv6_label": 20, "icmp_type": 8,
          "icmp_code": 8, "icmpv6_type": 8, "icmpv6_code": 8, "nd_reserved": 32,
          "nd_options_type": 8}
#: Bits of a value that a write cannot change: the VLAN "present" bit, the non-DSCP TOS bits.
FIXED_BITS = {"vlan_tci": 0x1000, "vlan_vid": 0x1000, "nw_tos": 0x03}


def _width(name):
    if name in WIDTHS:
        return WIDTHS[name]
    if "dl_" in name or name in ("arp_sha", "arp_tha", "nd_sll", "nd_tll"):
        return 48
    if name.startswith(("ipv6_", "nd_target")):
        return 128
    if name.startswith(("nw_", "arp_")):
        return 32
    return 16


def expected(name, before, value, mask):
    field_bits = (1 << _width(name)) - 1
    mask &= field_bits & ~FIXED_BITS.get(name, 0)
    return (before & ~mask) | (value & mask)


def test_every_settable_field_is_tested_here():
    assert set(FIELDS) == set(dpa._SETTABLE_NAMES)


def test_every_writable_packet_field_of_the_registry_is_settable():
    writable = {f.name for f in F.FIELDS.values()
                if f.writable and f.shift < F.PACKET_KEY_BITS and f.name != "in_port"}
    assert writable - dpa.SETTABLE_FIELDS == set()


def test_the_checksum_check_detects_each_kind_of_bad_checksum():
    for frame_name, at in (("ipv4_tcp", 24), ("ipv4_tcp", 50), ("ipv4_udp", 40),
                           ("ipv4_icmp", 36), ("ipv6_icmpv6", 56), ("ipv6_ns", 56),
                           ("ipv6_sctp", 62), ("ipv6_udp", 60)):
        good = raw(FRAMES[frame_name][0])
        assert checksums_ok(good)
        bad = bytearray(good)
        bad[at] ^= 0x10
        assert not checksums_ok(bytes(bad)), (frame_name, at)


CASES = [(name, frame_name) for name in FIELDS for frame_name in FRAMES]


def _applies(name, frame_name):
    kinds = FIELDS[name][0]
    return kinds is None or bool(kinds & FRAMES[frame_name][1])


@pytest.mark.parametrize("masked", [False, True], ids=["set", "set_masked"])
@pytest.mark.parametrize("name,frame_name", CASES)
def test_set_field(name, frame_name, masked):
    kinds, read, value, mask = FIELDS[name]
    frame = raw(FRAMES[frame_name][0])
    assert checksums_ok(frame)
    action = dpa.set_masked(name, value, mask) if masked else dpa.set_field(name, value)
    result = apply(frame, [action])
    if not _applies(name, frame_name):
        assert result == frame
        return
    before, after = read(Ether(frame)), read(Ether(result))
    want = expected(name, before, value, mask if masked else -1)
    assert after == want, "%s: %#x -> %#x, wanted %#x" % (name, before, after, want)
    assert checksums_ok(result)
    assert len(result) == len(frame)
    _check_against_extractor(name, frame, result, want, read)


_ND_FIELDS = ("nd_target", "nd_sll", "nd_tll", "nd_reserved", "nd_options_type")
#: Fields whose value decides how the extractor reads others (an ICMPv6 type that is no
#: longer ND, an option that is now a target address option instead of a source one).
_PARSED_THROUGH = {"icmpv6_type": _ND_FIELDS, "icmpv6_code": _ND_FIELDS,
                   "nd_options_type": ("nd_sll", "nd_tll")}


def _check_against_extractor(name, frame, result, want, read):
    """The flow key of the result differs from the original's in this field alone (for the
    fields the extractor reads from this kind of frame)."""
    field = F.FIELDS.get(name)
    key = extract_key(frame, 1)
    if field is None or field.get(key) != read(Ether(frame)) & field.value_mask:
        return
    ignored = 0
    for other in _PARSED_THROUGH.get(name, ()):
        if other in F.FIELDS:
            ignored |= F.FIELDS[other].mask
    assert extract_key(result, 1) & ~ignored == field.set(key, want) & ~ignored


def test_values_wider_than_the_field_write_only_the_field():
    frame = raw(FRAMES["ipv4_tcp"][0])
    assert apply(frame, [dpa.set_field("nw_ttl", 0x1FF)]) == apply(frame, [dpa.set_field("nw_ttl", 0xFF)])
    assert Ether(apply(frame, [dpa.set_field("ip_dscp", 0xFF)]))[IP].tos == 0xFD
    result = Ether(apply(raw(FRAMES["vlan_ipv4_tcp"][0]), [dpa.set_field("vlan_tci", 0xFFFF)]))
    assert (result[Dot1Q].prio, result[Dot1Q].dei, result[Dot1Q].vlan) == (7, 0, 0xFFF)


def test_names_of_the_registry_are_accepted_for_the_same_field():
    frame = raw(FRAMES["ipv4_tcp"][0])
    for alias, name in F.ALIASES.items():
        if name in dpa.SETTABLE_FIELDS:
            assert apply(frame, [dpa.set_field(alias, 7)]) == apply(frame, [dpa.set_field(name, 7)])


def test_unknown_field_is_refused():
    with pytest.raises(ValueError):
        dpa.set_field("dl_type", 1)
    with pytest.raises(ValueError):
        set_field(raw(FRAMES["ipv4_tcp"][0]), None, "in_port", 1)


def test_a_wrong_checksum_stays_exactly_as_wrong():
    """An incremental update never repairs (or hides) a checksum that was already wrong."""
    for frame_name, at, name in (("ipv4_tcp", 50, "tp_dst"), ("ipv4_udp", 40, "nw_src"),
                                 ("ipv6_icmpv6", 56, "ipv6_dst"), ("ipv4_tcp", 24, "nw_ttl"),
                                 ("ipv6_sctp", 62, "tp_src")):
        good = raw(FRAMES[frame_name][0])
        bad = bytearray(good)
        bad[at] ^= 0x10
        assert bytes(bad) != good
        rewritten_good = apply(good, [dpa.set_field(name, 12345)])
        rewritten_bad = apply(bytes(bad), [dpa.set_field(name, 12345)])
        diff = [i for i in range(len(good)) if rewritten_good[i] != rewritten_bad[i]]
        assert len(diff) >= 1 and not checksums_ok(rewritten_bad), (frame_name, name)


def test_udp_without_checksum_stays_without():
    for ip in (IP4, IP6):
        frame = raw(ETH / ip / UDP(sport=1, dport=2, chksum=0) / PAYLOAD)
        name = "nw_src" if ip is IP4 else "ipv6_src"
        result = apply(frame, [dpa.set_field(name, 0x01020304), dpa.set_field("tp_dst", 9)])
        assert Ether(result)[UDP].chksum == 0 and Ether(result)[UDP].dport == 9


def test_ethernet_padding_is_not_summed_or_rewritten():
    frame = raw(FRAMES["ipv4_padded"][0]) + b"\xee" * 6
    for action in (dpa.set_field("nw_src", 0x01020304), dpa.set_field("tp_src", 9)):
        result = apply(frame, [action])
        assert result[-6:] == b"\xee" * 6
        assert checksums_ok(result[:-6])
    sctp = raw(ETH / IP4 / L4["sctp"]) + b"\xee" * 6
    result = apply(sctp, [dpa.set_field("tp_src", 9)])
    assert checksums_ok(result[:-6]) and result[-6:] == b"\xee" * 6


def test_set_of_the_same_value_returns_the_frame_itself():
    frame = raw(FRAMES["ipv4_tcp"][0])
    assert set_field(frame, None, "tp_src", 1000) is frame
    assert set_field(frame, None, "nw_src", 0x0A000001, 0xFF) is frame


# ------------------------------------------------------------------ partial checksums
PARTIAL_FRAMES = {
    "ipv4_tcp": (14, 34, 6, 16), "ipv4_udp": (14, 34, 17, 6), "ipv6_tcp": (14, 54, 6, 16),
    "ipv6_udp": (14, 54, 17, 6), "ipv6_icmpv6": (14, 54, 58, 2), "ipv6_ns": (14, 54, 58, 2),
    "vlan_ipv4_tcp": (18, 38, 6, 16),
}
PARTIAL_FIELDS = ["nw_src", "nw_dst", "ipv6_src", "ipv6_dst", "nw_ttl", "nw_tos", "tp_src",
                  "tp_dst", "icmpv6_type", "nd_target", "nd_sll", "dl_src", "vlan_vid"]


@pytest.mark.parametrize("name", PARTIAL_FIELDS)
@pytest.mark.parametrize("frame_name", sorted(PARTIAL_FRAMES))
def test_partial_checksum_frames_complete_correctly(frame_name, name):
    from pyvswitch.netdev import offload
    l3, l4, proto, csum_offset = PARTIAL_FRAMES[frame_name]
    frame, vnet = partial_checksum(raw(FRAMES[frame_name][0]), l3, l4, proto, csum_offset)
    _, read, value, mask = FIELDS[name]
    out = apply(frame, [dpa.set_masked(name, value, mask)], vnet)
    completed = offload.complete_checksum(out, vnet)
    assert checksums_ok(completed)
    if _applies(name, frame_name):
        before = read(Ether(raw(FRAMES[frame_name][0])))
        assert read(Ether(completed)) == expected(name, before, value, mask)
    else:
        assert out == frame


@pytest.mark.parametrize("length", [0, 1, 3, 255, 1400, 9000])
def test_sctp_crc_follows_port_rewrites_at_any_packet_length(length):
    for ip in (IP4, IP6):
        frame = raw(ETH / ip / SCTP(sport=1, dport=2)
                    / SCTPChunkData(data=(bytes(range(256)) * 36)[:length]))
        for action in (dpa.set_field("tp_src", 0xFFFF), dpa.set_masked("sctp_dst", 0x1234, 0xF0F0)):
            assert checksums_ok(apply(frame, [action]))
