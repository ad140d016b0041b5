"""Flow-key extraction from frames of many kinds, and FlowView's wildcard recording."""
import ipaddress
import pathlib
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.contrib.mpls import MPLS
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptMTU, ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop)
from scapy.layers.l2 import ARP, LLC, SNAP, Dot1AD, Dot1Q, Ether
from scapy.layers.sctp import SCTP
from scapy.packet import Raw, raw
from scapy.utils import RawPcapWriter

from pyvswitch import fields as F
from pyvswitch.flow import FlowView, extract_key, key_get, key_set

SRC, DST = "00:11:22:33:44:55", "66:77:88:99:aa:bb"


def mac(text):
    return int(text.replace(":", ""), 16)


def ip4(text):
    return int(ipaddress.IPv4Address(text))


def ip6(text):
    return int(ipaddress.IPv6Address(text))


def fields_of(frame, port=7):
    key = extract_key(raw(frame) if not isinstance(frame, bytes) else frame, port)
    return {name: key_get(key, name) for name in F.FIELDS}


def expect(frame, port=7, **expected):
    got = fields_of(frame, port)
    for name, value in expected.items():
        assert got[name] == value, (name, hex(got[name]), hex(value))
    return got


def test_tcp_over_ipv4():
    frame = Ether(src=SRC, dst=DST) / IP(src="10.0.0.1", dst="10.0.0.2", tos=0xB9, ttl=17) / \
        TCP(sport=1234, dport=80, flags="SA") / Raw(b"x" * 10)
    got = expect(
        frame, 3, in_port=3, dl_src=mac(SRC), dl_dst=mac(DST), dl_type=0x0800, vlan_tci=0,
        nw_src=ip4("10.0.0.1"), nw_dst=ip4("10.0.0.2"), nw_proto=6, nw_tos=0xB8, nw_ecn=1,
        nw_ttl=17, ip_frag=0, tp_src=1234, tp_dst=80, tcp_flags=0x12)
    assert got["ipv6_src"] == 0 and got["arp_sha"] == 0


def test_udp_sctp_icmp():
    expect(Ether(src=SRC, dst=DST) / IP(proto=17) / UDP(sport=53, dport=5353), nw_proto=17, tp_src=53, tp_dst=5353)
    expect(Ether(src=SRC, dst=DST) / IP() / SCTP(sport=9, dport=10), nw_proto=132, tp_src=9, tp_dst=10)
    expect(Ether(src=SRC, dst=DST) / IP() / ICMP(type=3, code=4), nw_proto=1, icmp_type=3, icmp_code=4,
           tp_src=3, tp_dst=4)


def test_ipv4_options_move_the_l4_header():
    frame = Ether(src=SRC, dst=DST) / IP(options=b"\x01\x01\x01\x00") / TCP(sport=5, dport=6)
    expect(frame, tp_src=5, tp_dst=6)


def test_ipv4_fragments():
    first = Ether(src=SRC, dst=DST) / IP(flags="MF", frag=0, proto=17) / UDP(sport=1, dport=2)
    expect(first, ip_frag=F.FRAG_ANY, tp_src=1, tp_dst=2)
    later = Ether(src=SRC, dst=DST) / IP(frag=100, proto=17) / Raw(bytes(16))
    expect(later, ip_frag=F.FRAG_ANY | F.FRAG_LATER, nw_proto=17, tp_src=0, tp_dst=0)


def test_vlan_single_double_and_8021ad():
    expect(Ether(src=SRC, dst=DST) / Dot1Q(vlan=10, prio=5) / IP() / UDP(sport=1),
           vlan_tci=0x1000 | 5 << 13 | 10, dl_vlan=10, dl_vlan_pcp=5, vlan_tpid=0x8100,
           vlan_tci1=0, dl_type=0x0800, tp_src=1)
    expect(Ether(src=SRC, dst=DST) / Dot1Q(vlan=0) / ARP(), vlan_tci=0x1000, dl_type=0x0806)
    expect(Ether(src=SRC, dst=DST) / Dot1AD(vlan=100) / Dot1Q(vlan=200) / IP() / TCP(dport=22),
           vlan_tpid=0x88A8, dl_vlan=100, vlan_tci1=0x1000 | 200, vlan_tpid1=0x8100,
           dl_type=0x0800, tp_dst=22)
    # A third tag is payload: dl_type is the third TPID.
    expect(Ether(src=SRC, dst=DST) / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(),
           dl_vlan=1, dl_type=0x8100, nw_src=0)


def test_arp():
    frame = Ether(src=SRC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=2, hwsrc=SRC, psrc="192.168.0.1", hwdst=DST, pdst="192.168.0.2")
    expect(frame, dl_type=0x0806, arp_op=2, arp_spa=ip4("192.168.0.1"),
           arp_tpa=ip4("192.168.0.2"), arp_sha=mac(SRC), arp_tha=mac(DST))


def test_ipv6_tcp_and_hop_by_hop():
    frame = Ether(src=SRC, dst=DST) / IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x2D, fl=0xABCDE, hlim=9) / \
        IPv6ExtHdrHopByHop() / TCP(sport=7, dport=8, flags="F")
    expect(frame, dl_type=0x86DD, ipv6_src=ip6("2001:db8::1"), ipv6_dst=ip6("2001:db8::2"),
           ipv6_label=0xABCDE, nw_tos=0x2C, nw_ecn=1, nw_ttl=9, nw_proto=6, tp_src=7, tp_dst=8,
           tcp_flags=1)


def test_ipv6_fragments():
    first = Ether(src=SRC, dst=DST) / IPv6() / IPv6ExtHdrFragment(offset=0, m=1) / UDP(sport=3, dport=4)
    expect(first, ip_frag=F.FRAG_ANY, nw_proto=17, tp_src=3)
    later = Ether(src=SRC, dst=DST) / IPv6() / IPv6ExtHdrFragment(offset=10, m=0, nh=17) / Raw(bytes(8))
    expect(later, ip_frag=F.FRAG_ANY | F.FRAG_LATER, nw_proto=44, tp_src=0)


def test_neighbor_discovery():
    ns = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS(tgt="fe80::9") / ICMPv6NDOptSrcLLAddr(lladdr=SRC)
    expect(ns, nw_proto=58, icmpv6_type=135, icmpv6_code=0, nd_target=ip6("fe80::9"),
           nd_sll=mac(SRC), nd_tll=0)
    na = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NA(tgt="fe80::8") / ICMPv6NDOptDstLLAddr(lladdr=DST)
    expect(na, icmpv6_type=136, nd_target=ip6("fe80::8"), nd_tll=mac(DST), nd_sll=0)
    expect(Ether(src=SRC, dst=DST) / IPv6() / ICMPv6EchoRequest(), icmpv6_type=128, nd_target=0)


def test_llc_snap_and_plain_8023():
    snap = Ether(dst=DST, src=SRC, type=0x20) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / \
        SNAP(OUI=0, code=0x0800) / IP(src="1.2.3.4")
    expect(snap, dl_type=0x0800, nw_src=ip4("1.2.3.4"))
    stp = Ether(dst="01:80:c2:00:00:00", src=SRC, type=0x26) / LLC(dsap=0x42, ssap=0x42, ctrl=3) / \
        Raw(bytes(35))
    expect(stp, dl_type=F.ETH_TYPE_NONE, dl_dst=mac("01:80:c2:00:00:00"))


def test_truncated_headers_keep_what_parsed():
    whole = raw(Ether(src=SRC, dst=DST) / IP(src="10.0.0.1") / TCP(sport=1, dport=2))
    expect(whole[:30], dl_type=0x0800, dl_src=mac(SRC), nw_src=0, tp_src=0)
    # IPv4 parsed, TCP header cut short: no L4 fields.
    got = expect(whole[:40], dl_type=0x0800, tp_src=0)
    assert got["nw_src"] == 0       # the IPv4 total length now exceeds the frame: invalid
    expect(whole[:10], in_port=7, dl_src=0, dl_type=0)


def test_ethernet_padding_is_not_l4_data():
    frame = raw(Ether(src=SRC, dst=DST) / IP() / UDP(sport=1, dport=2)) + bytes(20)
    expect(frame, tp_src=1, tp_dst=2)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=120), st.integers(0, 0xFFFFFFFF))
def test_garbage_never_raises(data, in_port):
    key = extract_key(data, in_port)
    assert key_get(key, "in_port") == in_port
    assert key & ~F.DATAPATH_KEY_MASK == 0


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([
    Ether(src=SRC, dst=DST) / IP() / TCP(), Ether(src=SRC, dst=DST) / Dot1Q() / IPv6() / UDP(), Ether(src=SRC, dst=DST) / ARP(),
    Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS() / ICMPv6NDOptSrcLLAddr(), Ether(src=SRC, dst=DST) / Dot1AD() / Dot1Q() / IP(),
]), st.integers(0, 100), st.binary(max_size=4))
def test_truncated_and_corrupted_known_frames_never_raise(packet, cut, junk):
    data = bytearray(raw(packet))
    data = data[:max(0, len(data) - cut)] + junk
    extract_key(bytes(data), 1)
    extract_key(memoryview(data), 1)


def test_flowview_records_what_it_reads():
    key = extract_key(raw(Ether(src=SRC, dst=DST) / IP() / TCP(dport=80)), 1)
    view = FlowView(key)
    assert view.peek("dl_dst") == mac(DST) and view.wc == 0
    assert view.get("tcp_dst") == 80
    assert view.wc == F.FIELDS["tp_dst"].mask
    view.unwildcard("dl_dst", 0x010000000000)
    assert view.wc == F.FIELDS["tp_dst"].mask | 1 << (F.SHIFT_DL_DST + 40)
    view.set("nw_ttl", 5)
    assert view.peek("nw_ttl") == 5 and key_get(key, "nw_ttl") == 64
    assert key_get(key_set(key, "dl_src", 1), "dl_src") == 1


def test_alias_names_work_in_views():
    key = extract_key(raw(Ether(src=SRC, dst=DST) / IP(src="9.9.9.9")), 1)
    assert FlowView(key).get("ip_src") == ip4("9.9.9.9")


@pytest.mark.parametrize("frame", [b"", b"\x00" * 13, b"\xff" * 14])
def test_short_frames(frame):
    assert key_get(extract_key(frame, 5), "in_port") == 5


# ---- what stock Open vSwitch extracts from the same frames ----

GOLDEN = pathlib.Path(__file__).parent / "data" / "flow_extraction_ovs.txt"
_PROTOCOLS = {
    "ip": (0x0800, None), "tcp": (0x0800, 6), "udp": (0x0800, 17), "sctp": (0x0800, 132),
    "icmp": (0x0800, 1), "ipv6": (0x86DD, None), "tcp6": (0x86DD, 6), "udp6": (0x86DD, 17),
    "sctp6": (0x86DD, 132), "icmp6": (0x86DD, 58), "arp": (0x0806, None),
    "rarp": (0x8035, None), "mpls": (0x8847, None), "mplsm": (0x8848, None),
}
_TCP_FLAG_BITS = {"fin": 0x1, "syn": 0x2, "rst": 0x4, "psh": 0x8, "ack": 0x10, "urg": 0x20,
                  "ece": 0x40, "cwr": 0x80, "ns": 0x100}
# Key bits ovs-ofctl's flow text does not show: the datapath port, the TPIDs, and the ND fields
# ovs-ofctl prints only in matches.
_NOT_PRINTED = (F.FIELDS["in_port"].mask | F.FIELDS["vlan_tpid"].mask | F.FIELDS["vlan_tpid1"].mask
                | F.FIELDS["nd_reserved"].mask | F.FIELDS["nd_options_type"].mask)


def golden_cases():
    for line in GOLDEN.read_text().splitlines():
        if not line.startswith("#"):
            name, frame, flow = line.split("\t")
            yield name, bytes.fromhex(frame), flow


def key_from_ovs_text(flow):
    """The flow key stock OVS's `ovs-ofctl parse-pcap` text describes (in_port and TPIDs 0)."""
    key = 0
    for item in flow.split(","):
        name, _, text = item.partition("=")
        if not text:
            dl_type, nw_proto = _PROTOCOLS[name]
            key = key_set(key, "dl_type", dl_type)
            if nw_proto is not None:
                key = key_set(key, "nw_proto", nw_proto)
            continue
        if name in ("in_port", "mpls_lse1", "mpls_lse2"):
            continue
        if name == "nw_frag":
            value = {"no": 0, "first": F.FRAG_ANY, "later": F.FRAG_ANY | F.FRAG_LATER}[text]
        elif name == "tcp_flags" and not text.isdigit():
            value = sum(_TCP_FLAG_BITS[flag] for flag in text.split("|"))
        elif text.count(":") == 5 and len(text) == 17:
            value = mac(text)
        elif ":" in text:
            value = ip6(text)
        elif text.count(".") == 3:
            value = ip4(text)
        else:
            value = int(text, 0)
        if name in ("dl_vlan", "dl_vlan1"):
            tci = "vlan_tci" if name == "dl_vlan" else "vlan_tci1"
            key = key_set(key, tci, key_get(key, tci) | F.VLAN_CFI | value)
        elif name in ("dl_vlan_pcp", "dl_vlan_pcp1"):
            tci = "vlan_tci" if name == "dl_vlan_pcp" else "vlan_tci1"
            key = key_set(key, tci, key_get(key, tci) | F.VLAN_CFI | value << 13)
        else:
            key = key_set(key, name, value)
    return key


def differing_fields(a, b):
    return sorted(name for name, f in F.FIELDS.items() if f.get(a) != f.get(b))


@pytest.mark.parametrize("name,frame,flow", [pytest.param(*case, id=case[0]) for case in golden_cases()])
def test_extraction_matches_stock_ovs(name, frame, flow):
    ours = extract_key(frame, 0) & ~_NOT_PRINTED
    theirs = key_from_ovs_text(flow)
    assert ours == theirs, differing_fields(ours, theirs)


@pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="needs stock ovs-ofctl")
def test_golden_extraction_file_is_what_stock_ovs_says(tmp_path):
    cases = list(golden_cases())
    writer = RawPcapWriter(str(tmp_path / "frames.pcap"), linktype=1)    # 1: Ethernet
    for _, frame, _ in cases:
        writer.write(frame)
    writer.close()
    out = subprocess.run(["ovs-ofctl", "parse-pcap", str(tmp_path / "frames.pcap")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == [flow for _, _, flow in cases]


# ---- MPLS and the ND fields ovs-ofctl does not print for a packet ----

def test_mpls_top_label_only():
    frame = Ether(src=SRC, dst=DST) / MPLS(label=0xABCDE, cos=6, s=0, ttl=200) / \
        MPLS(label=5, s=1) / IP()
    expect(frame, dl_type=0x8847, mpls_label=0xABCDE, mpls_tc=6, mpls_bos=0, mpls_ttl=200, nw_src=0,
           nw_proto=0)
    expect(Ether(src=SRC, dst=DST, type=0x8848) / MPLS(label=16, s=1, ttl=1), dl_type=0x8848,
           mpls_label=16, mpls_bos=1, mpls_ttl=1)
    expect(Ether(src=SRC, dst=DST) / Dot1Q(vlan=3) / MPLS(label=99, s=1, ttl=7), dl_vlan=3,
           dl_type=0x8847, mpls_label=99, mpls_ttl=7)
    expect(raw(Ether(src=SRC, dst=DST) / MPLS(label=99, s=1, ttl=7))[:17], dl_type=0x8847,
           mpls_label=0, mpls_ttl=0)


def test_mpls_fields_stay_zero_for_other_frames():
    expect(Ether(src=SRC, dst=DST) / IP() / TCP(), mpls_label=0, mpls_tc=0, mpls_bos=0, mpls_ttl=0)


def test_nd_reserved_and_options_type():
    na = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NA(R=1, S=1, O=0, tgt="fe80::8") / \
        ICMPv6NDOptDstLLAddr(lladdr=DST)
    expect(na, nd_reserved=0xC0000000, nd_options_type=2, nd_tll=mac(DST))
    ns = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS(tgt="fe80::1", res=7) / ICMPv6NDOptMTU() / \
        ICMPv6NDOptSrcLLAddr(lladdr=SRC) / ICMPv6NDOptDstLLAddr(lladdr=DST)
    expect(ns, nd_reserved=7, nd_options_type=1, nd_sll=mac(SRC), nd_tll=mac(DST))
    # The first link-layer option decides, whatever its type.
    both = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS(tgt="fe80::1") / \
        ICMPv6NDOptDstLLAddr(lladdr=DST) / ICMPv6NDOptSrcLLAddr(lladdr=SRC)
    expect(both, nd_options_type=2)
    expect(Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS(tgt="fe80::1"), nd_options_type=0,
           nd_target=ip6("fe80::1"))


def test_invalid_nd_message_leaves_every_nd_field_zero():
    dup = Ether(src=SRC, dst=DST) / IPv6() / ICMPv6ND_NS(tgt="fe80::1", res=9) / \
        ICMPv6NDOptSrcLLAddr(lladdr=SRC) / ICMPv6NDOptSrcLLAddr(lladdr=DST)
    expect(dup, icmpv6_type=135, nd_reserved=0, nd_options_type=0, nd_target=0, nd_sll=0)


def test_nd_without_target_keeps_the_reserved_word():
    frame = Ether(src=SRC, dst=DST) / IPv6(nh=58, plen=8) / Raw(b"\x87\x00\x00\x00\x12\x34\x56\x78")
    expect(frame, icmpv6_type=135, nd_reserved=0x12345678, nd_target=0)


def test_nd_fields_are_not_set_for_other_icmpv6():
    expect(Ether(src=SRC, dst=DST) / IPv6() / ICMPv6EchoRequest(id=0xFFFF, seq=0xFFFF), nd_reserved=0,
           icmpv6_type=128)
