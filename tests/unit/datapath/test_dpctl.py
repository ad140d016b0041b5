"""Datapath flow text: expected lines were printed by stock ovs-vswitchd 3.1 (dummy datapath)."""
import ast
import pathlib
import struct

import pytest

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import raw

from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.dpctl import format_actions, format_flow, format_key, format_tcp_flags
from pyvswitch.flow import FlowView, extract_key
from pyvswitch.ofproto.syntax import parse_match

A, B = "50:54:00:00:00:01", "50:54:00:00:00:02"
ALWAYS = ("in_port", "dl_type", "recirc_id")


def mask_of(*fields, ip=True):
    """A mask over whole fields, or (field, value mask) pairs, plus what every megaflow has."""
    view = FlowView(0)
    for item in fields + ALWAYS + (("ip_frag",) if ip else ()):
        name, mask = (item, None) if isinstance(item, str) else item
        view.unwildcard(name, mask)
    return view.wc


def line(packet, in_port, mask, actions, packets=0, n_bytes=0, used=None, flags=0, **kw):
    key = extract_key(raw(packet), in_port)
    return format_flow(key, mask, actions, packets, n_bytes, used, flags, 100.0, **kw)


def test_normal_switching_flow():
    packet = Ether(src=A, dst=B) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1234, dport=80)
    assert line(packet, 1, mask_of("dl_src", "dl_dst", "vlan_tci"), [dpa.output(2)]) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01,"
        "dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(frag=no), packets:0, bytes:0, used:never, "
        "actions:2")


def test_arp_flow_with_push_vlan_and_flood():
    packet = Ether(src="50:54:00:00:00:03", dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, psrc="10.0.0.3", pdst="10.0.0.1", hwsrc="50:54:00:00:00:03")
    mask = mask_of("dl_src", "dl_dst", "arp_spa", "arp_tpa", "arp_op", ip=False)
    actions = [dpa.push_vlan(0x1000 | 10), dpa.output(1), dpa.output(100), dpa.output(2)]
    assert line(packet, 3, mask, actions) == (
        "recirc_id(0),in_port(3),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:03,"
        "dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.3,tip=10.0.0.1,op=1), "
        "packets:0, bytes:0, used:never, actions:push_vlan(vid=10,pcp=0),1,100,2")


def test_vlan_flow():
    packet = Ether(src=A, dst=B) / Dot1Q(vlan=5, prio=1) / IP() / UDP(sport=1, dport=2)
    mask = mask_of("dl_src", "dl_dst", ("vlan_tci", 0x1FFF))
    assert line(packet, 1, mask, [dpa.output(100), dpa.output(2)]) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01,"
        "dst=50:54:00:00:00:02),eth_type(0x8100),vlan(vid=5,pcp=1/0x0),encap(eth_type(0x0800),"
        "ipv4(frag=no)), packets:0, bytes:0, used:never, actions:100,2")


def test_masked_ipv4_and_merged_set_actions():
    packet = Ether(src=A, dst=B) / IP(src="10.1.0.1", dst="10.0.0.2", ttl=64) / \
        TCP(sport=1234, dport=80)
    mask = mask_of("dl_src", ("nw_src", 0xFFFF0000), "nw_dst", "nw_proto", "nw_tos", "nw_ttl",
                   "tp_dst")
    actions = [dpa.set_field("dl_src", 0xAA), dpa.set_field("nw_dst", 0x01020304),
               dpa.set_field("nw_tos", 8), dpa.set_field("nw_ttl", 63),
               dpa.set_field("tp_dst", 99), dpa.output(2)]
    assert line(packet, 1, mask, actions, packets=1, n_bytes=54, used=99.993, flags=0x1FF) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01),"
        "eth_type(0x0800),ipv4(src=10.1.0.1/255.255.0.0,dst=10.0.0.2,proto=6,tos=0/0xfc,ttl=64,"
        "frag=no),tcp(dst=80), packets:1, bytes:54, used:0.007s, flags:SFPRU.ECN, "
        "actions:set(eth(src=00:00:00:00:00:aa)),set(ipv4(dst=1.2.3.4,tos=0x8/0xfc,ttl=63)),"
        "set(tcp(dst=99)),2")


def test_later_fragment_and_drop():
    later = Ether(src=A, dst=B) / IP(src="10.1.0.1", dst="10.0.0.2", proto=17, frag=100)
    mask = mask_of("dl_src", ("nw_src", 0xFFFF0000), "nw_dst", "nw_proto", "nw_tos", "nw_ttl")
    assert line(later, 1, mask, [dpa.set_field("dl_src", 0xAA), dpa.output(2)]) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01),"
        "eth_type(0x0800),ipv4(src=10.1.0.1/255.255.0.0,dst=10.0.0.2,proto=17,tos=0/0xfc,ttl=64,"
        "frag=later), packets:0, bytes:0, used:never, actions:set(eth(src=00:00:00:00:00:aa)),2")
    packet = Ether(src=A, dst=B) / IP(src="10.2.0.1") / TCP()
    assert line(packet, 1, mask_of(("nw_src", 0xFFFF0000)), [], packets=1, n_bytes=118,
                used=99.996) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),"
        "ipv4(src=10.2.0.1/255.255.0.0,frag=no), packets:1, bytes:118, used:0.004s, actions:drop")


def test_ipv6_flow():
    packet = Ether(src=A, dst=B) / IPv6(src="2001::1", dst="2001::2", hlim=255) / UDP()
    mask = mask_of(("ipv6_src", 0xFFFFFFFFFFFFFFFF << 64), "nw_proto", "nw_ttl")
    assert line(packet, 1, mask, [dpa.set_field("nw_ttl", 9), dpa.output(2)]) == (
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x86dd),"
        "ipv6(src=2001::1/ffff:ffff:ffff:ffff::,proto=17,hlimit=255,frag=no), packets:0, "
        "bytes:0, used:never, actions:set(ipv6(hlimit=9)),2")


def test_verbose_flow_with_names():
    packet = Ether(src=A, dst=B) / IP(src="10.3.0.1", dst="10.0.0.2") / TCP(sport=1234, dport=80)
    text = line(packet, 1, mask_of(("nw_src", 0xFFFF0000)), [dpa.push_vlan(7), dpa.output(3)],
                verbose=True, names={1: "p1", 3: "p3"})
    assert text.startswith("ufid:")
    assert text.split(", ", 1)[1] == (
        "skb_priority(0/0),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),"
        "recirc_id(0),dp_hash(0/0),in_port(p1),packet_type(ns=0,id=0),"
        "eth(src=50:54:00:00:00:01/00:00:00:00:00:00,dst=50:54:00:00:00:02/00:00:00:00:00:00),"
        "eth_type(0x0800),ipv4(src=10.3.0.1/255.255.0.0,dst=10.0.0.2/0.0.0.0,proto=6/0,tos=0/0,"
        "ttl=64/0,frag=no),tcp(src=1234/0,dst=80/0),tcp_flags(0/0), packets:0, bytes:0, "
        "used:never, dp:ovs, actions:push_vlan(vid=7,pcp=0),p3")


def test_actions_odds_and_ends():
    key = extract_key(raw(Ether() / IP() / UDP()), 1)
    assert format_actions([dpa.pop_vlan(), dpa.output(2)], key) == "pop_vlan,2"
    assert format_actions([dpa.push_vlan(0x2005, tpid=0x88A8)], key) == \
        "push_vlan(tpid=0x88a8,vid=5,pcp=1)"
    assert format_actions([dpa.set_field("tp_src", 5), dpa.set_field("nw_ecn", 1)], key) == \
        "set(udp(src=5)),set(ipv4(tos=0x1/0x3))"
    assert format_actions([dpa.userspace(b"\x01\x02")], key) == "userspace(pid=0,userdata(0102))"
    assert format_tcp_flags(0x012) == "S." and format_tcp_flags(0x200) == "[200]"


def test_untagged_frame_matched_on_vlan_prints_no_vlan():
    packet = Ether(src=A, dst=B) / IP()
    text = format_key(extract_key(raw(packet), 4), mask_of("vlan_tci"))
    assert text == "recirc_id(0),in_port(4),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(frag=no)"


def test_double_tagged_key():
    frame = bytes.fromhex("505400000002505400000001") + struct.pack("!HHHH", 0x88A8, 100, 0x8100, 200) \
        + b"\x08\x06" + bytes(28)
    text = format_key(extract_key(frame, 1), mask_of(("vlan_tci", 0x1FFF), ("vlan_tci1", 0x1FFF),
                                                     ip=False))
    assert text.endswith("eth_type(0x88a8),vlan(vid=100),encap(eth_type(0x8100),vlan(vid=200),"
                         "encap(eth_type(0x0806)))")


# ------------------------------------------------------------------ stock golden table
GOLDEN = pathlib.Path(__file__).parents[2] / "data" / "dpctl_actions" / "trace.txt"


def golden_rows():
    aliases, rows = {}, []
    for line in GOLDEN.read_text().splitlines():
        if line.startswith("= "):
            name, flow = line[2:].split(" ", 1)
            aliases[name] = flow
        elif line.strip() and not line.startswith("#"):
            match, flow, ofp_actions, datapath, stock = (c.strip() for c in line.split(" | "))
            rows.append(pytest.param(aliases.get(flow, flow), ast.literal_eval(datapath), stock,
                                     id=ofp_actions))
    return rows


@pytest.mark.parametrize("flow, actions, stock", golden_rows())
def test_datapath_actions_print_as_stock_ofproto_trace(flow, actions, stock):
    key = parse_match(flow)[0].value
    assert format_actions(actions, key) == stock


def test_golden_table_covers_every_action_kind_and_settable_field_header():
    rows = [row.values for row in golden_rows()]
    kinds = {action[0] for _, actions, _ in rows for action in actions}
    assert kinds >= {dpa.OUTPUT, dpa.SET, dpa.SET_MASKED, dpa.PUSH_VLAN, dpa.POP_VLAN,
                     dpa.PUSH_MPLS, dpa.POP_MPLS, dpa.TRUNC}
    printed = " ".join(stock for _, _, stock in rows)
    for header in ("eth", "ipv4", "ipv6", "arp", "tcp", "udp", "sctp", "icmp", "icmpv6", "nd",
                   "nd_ext", "mpls"):
        assert "set(%s(" % header in printed


def test_set_after_push_mpls_prints_the_pushed_label():
    key = parse_match("in_port=1,tcp")[0].value
    actions = [dpa.push_mpls(dpa.mpls_lse(10, tc=1, ttl=9)), dpa.set_field("mpls_ttl", 8),
               dpa.pop_mpls(0x0800), dpa.set_field("nw_ttl", 7), dpa.output(2)]
    assert format_actions(actions, key) == (
        "push_mpls(label=10,tc=1,ttl=9,bos=1,eth_type=0x8847),"
        "set(mpls(label=10,tc=1,ttl=8,bos=1)),pop_mpls(eth_type=0x800),set(ipv4(ttl=7)),2")


def test_vlan_set_after_push_vlan_rewrites_the_pushed_tag():
    key = parse_match("in_port=1,vlan_tci=0x1005,ip")[0].value
    actions = [dpa.push_vlan(0x2009, tpid=0x88A8), dpa.set_field("vlan_pcp", 3),
               dpa.pop_vlan(), dpa.set_field("vlan_vid", 6)]
    assert format_actions(actions, key) == (
        "push_vlan(tpid=0x88a8,vid=9,pcp=1),pop_vlan,push_vlan(tpid=0x88a8,vid=9,pcp=3),"
        "pop_vlan,pop_vlan,push_vlan(vid=6,pcp=0)")


def test_masked_sets_merge_bits_of_one_field_and_sets_of_other_headers_split_runs():
    key = parse_match("in_port=1,udp6")[0].value
    actions = [dpa.set_masked("ipv6_label", 0x5, 0xF), dpa.set_masked("ipv6_label", 0x30, 0xF0),
               dpa.set_masked("ip_dscp", 0x3F, 0x0F), dpa.set_field("udp_dst", 9),
               dpa.set_field("nw_ecn", 3)]
    assert format_actions(actions, key) == (
        "set(ipv6(label=0x35/0xff,tclass=0x3c/0x3c)),set(udp(dst=9)),set(ipv6(tclass=0x3/0x3))")


def test_unknown_action_and_field_are_errors():
    key = parse_match("in_port=1,ip")[0].value
    with pytest.raises(ValueError):
        format_actions([("recirc", 1)], key)
    with pytest.raises(ValueError):
        format_actions([("set", "metadata", 1)], key)
