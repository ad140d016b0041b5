"""Match codecs on their own: which matches OpenFlow 1.0's and 1.1's fixed matches can carry
(against ovs-ofctl's "usable protocols", tests/data/flow_codec/usable_protocols.json), and
NXM/OXM round trips of generated matches in every version."""
import json
import pathlib

import pytest
from hypothesis import given, settings, strategies as st

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import match10, match11, nx_match
from pyvswitch.ofproto.syntax.match_text import parse_match

DATA = pathlib.Path(__file__).parents[2] / "data" / "flow_codec" / "usable_protocols.json"
USABLE = json.loads(DATA.read_text())
# Where ovs-ofctl's answer comes from its syntax or a loss it accepts, not from the match:
SEMANTIC = {
    # ovs-ofctl keeps the vlan_tci field itself to NXM/OXM, however simple the mask.
    "vlan_tci=0x1005/0x1fff": (True, True),
    "vlan_tci=0x1000/0x1000": (False, True),     # 1.1's dl_vlan 0xfffe says "any tag"
    # ovs-ofctl offers 1.1 for nw_ecn and then sends the match without it.
    "ip,nw_ecn=1": (False, False),
}


@pytest.mark.parametrize("row", USABLE, ids=[row["match"] or "catch-all" for row in USABLE])
def test_fixed_matches_carry_what_ovs_ofctl_says(row):
    match = parse_match(row["match"])[0]
    usable = row["usable"]
    expected = SEMANTIC.get(row["match"], (usable == "any",
                                           usable == "any" or "OpenFlow11" in usable))
    assert (match10.fits(match), match11.fits(match)) == expected


@pytest.mark.parametrize("text", [row["match"] for row in USABLE])
def test_what_fits_comes_back_unchanged(text):
    match = parse_match(text)[0]
    if match10.fits(match):
        assert match10.decode(match10.encode(match)) == match
    if match11.fits(match):
        assert match11.decode(match11.encode(match)) == (match, 88)


def test_openflow10_wildcards_as_open_vswitch_writes_them():
    assert match10.encode(Match())[:4] == bytes.fromhex("003820ff")
    # nw_src's 6-bit wildcard count says 8 of its 32 bits are matched.
    assert match10.encode(parse_match("ip,nw_src=10.0.0.0/8")[0])[:4] == bytes.fromhex(
        "003818ef")


# ---- generated matches ----------------------------------------------------------------------

def _value(draw, field: F.Field) -> tuple[int, int]:
    value = draw(st.integers(0, field.value_mask))
    if field.maskable and draw(st.booleans()):
        mask = draw(st.integers(1, field.value_mask))
        return value & mask, mask
    return value, field.value_mask


L2 = ["in_port", "dl_src", "dl_dst", "metadata", "reg0", "reg5", "reg6", "tun_id",
      "pkt_mark", "ct_mark", "ct_zone", "tun_src"]
L4 = {F.IPPROTO_TCP: ["tcp_src", "tcp_dst", "tcp_flags"],
      F.IPPROTO_UDP: ["udp_src", "udp_dst"], F.IPPROTO_SCTP: ["sctp_src", "sctp_dst"]}


@st.composite
def matches(draw) -> Match:
    match = Match()
    for name in draw(st.lists(st.sampled_from(L2), unique=True, max_size=4)):
        field = F.FIELDS[name]
        value, mask = _value(draw, field)
        if name == "in_port":
            value, mask = draw(st.integers(1, 0xFEFF) | st.sampled_from([0xFFF8, 0xFFFE])), \
                field.value_mask
        match = match.with_field(name, value, mask)
    dl_type = draw(st.sampled_from([None, F.ETH_TYPE_IP, F.ETH_TYPE_IPV6, F.ETH_TYPE_ARP]))
    if dl_type is None:
        return match
    match = match.with_field("dl_type", dl_type)
    if dl_type == F.ETH_TYPE_ARP:
        for name in ("arp_op", "arp_spa", "arp_sha"):
            if draw(st.booleans()):
                match = match.with_field(name, *_value(draw, F.FIELDS[name]))
        return match
    for name in ("nw_src", "nw_dst") if dl_type == F.ETH_TYPE_IP else ("ipv6_src",
                                                                       "ipv6_label"):
        if draw(st.booleans()):
            match = match.with_field(name, *_value(draw, F.FIELDS[name]))
    nw_proto = draw(st.sampled_from([None, F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP]))
    if nw_proto is not None:
        match = match.with_field("nw_proto", nw_proto)
        for name in L4[nw_proto]:
            if draw(st.booleans()):
                match = match.with_field(name, *_value(draw, F.FIELDS[name]))
    return match


@settings(max_examples=300, deadline=None)
@given(matches(), st.sampled_from([nx_match.NXM, 3, 4, 5, 6]))
def test_generated_matches_round_trip_through_nxm_and_oxm(match, version):
    entries = nx_match.encode_entries(match, version)
    assert nx_match.decode_entries(entries) == (match, 0, 0)
    if version is not None:
        wire = nx_match.encode_oxm_match(match, version)
        assert len(wire) % 8 == 0
        assert nx_match.decode_oxm_match(wire) == (match, len(wire))


@settings(max_examples=200, deadline=None)
@given(matches())
def test_fixed_matches_round_trip_whenever_they_fit(match):
    if match10.fits(match):
        assert match10.decode(match10.encode(match)) == match
    if match11.fits(match):
        assert match11.decode(match11.encode(match))[0] == match


@pytest.mark.parametrize("version,header", [(3, "00014402"), (4, "ffff54064f4e4600"),
                                            (6, "80005402"), (nx_match.NXM, "00014402")])
def test_tcp_flags_header_follows_the_version(version, header):
    match = parse_match("tcp,tcp_flags=0x12")[0]
    assert header in nx_match.encode_entries(match, version).hex()


def test_openflow15_writes_register_pairs_as_xregs():
    match = parse_match("reg0=5,reg1=6")[0]
    assert nx_match.encode_entries(match, 6).hex() == "8001000800000005" "00000006"
    assert nx_match.encode_entries(match, 5).hex() == "0001000400000005" "0001020400000006"
