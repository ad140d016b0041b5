"""OpenFlow 1.1's standard match (`ofp11_match`, type OFPMT_STANDARD, 88 bytes), to and from
`Match`.

It adds to OpenFlow 1.0's match arbitrary bit masks on the Ethernet and IPv4 addresses and
on metadata, MPLS label and TC, a 32-bit in_port, and two VLAN specials: dl_vlan 0xffff (no
tag) and 0xfffe (any tag).  Its masks are inverted: a 1 bit means "wildcarded".  Open vSwitch
writes 1.1 flow mods and statistics requests with it; `fits(match)` says whether a match can
travel in it.

Decoding follows Open vSwitch: wildcard bits beyond the defined ones are ignored, addresses
count only for IPv4 and ARP, transport ports only for IPv4 TCP, UDP, SCTP and ICMP, MPLS
fields only for MPLS dl_types; a VID above 4095 (other than the specials), a PCP above 7 or
nw_tos bits outside DSCP are OFPBMC_BAD_VALUE.
"""
from __future__ import annotations

import struct

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol.match10 import beyond_ipv6_dl_type, icmp_fields
from pyvswitch.ofproto.protocol.errors import (BAD_MATCH_LEN, BAD_MATCH_TYPE, BAD_VALUE,
                                               DecodeError)
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32

OFPMT_STANDARD = 0
OFP11_MATCH = struct.Struct("!HHII6s6s6s6sHBxHBBIIIIHHIB3xQQ")
OFPVID11_ANY = 0xFFFE
OFPVID11_NONE = 0xFFFF

OFPFW11_IN_PORT = 1 << 0
OFPFW11_DL_VLAN = 1 << 1
OFPFW11_DL_VLAN_PCP = 1 << 2
OFPFW11_DL_TYPE = 1 << 3
OFPFW11_NW_TOS = 1 << 4
OFPFW11_NW_PROTO = 1 << 5
OFPFW11_TP_SRC = 1 << 6
OFPFW11_TP_DST = 1 << 7
OFPFW11_MPLS_LABEL = 1 << 8
OFPFW11_MPLS_TC = 1 << 9
OFPFW11_ALL = (1 << 10) - 1

_VID_MASK = 0x0FFF
_PCP_MASK = 0xE000
_DSCP_MASK = 0xFC
_MPLS_TYPES = (0x8847, 0x8848)
_TP_PROTOS = (F.IPPROTO_ICMP, F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP)
_EXPRESSIBLE = ("in_port", "dl_src", "dl_dst", "vlan_tci", "dl_type", "nw_tos", "nw_proto",
                "nw_src", "nw_dst", "tp_src", "tp_dst", "mpls_label", "mpls_tc", "metadata")


def _inverted(mask: int, bits: int) -> int:
    return ~mask & ((1 << bits) - 1)


def encode(match: Match) -> bytes:
    """The 88-byte ofp11_match nearest to `match` (exact when `fits(match)`)."""
    def get(name: str) -> tuple[int, int]:
        return match.get(name)

    wildcards = 0
    in_port, in_port_mask = get("in_port")
    if not in_port_mask:
        wildcards |= OFPFW11_IN_PORT
    tci, tci_mask = get("vlan_tci")
    dl_vlan = dl_vlan_pcp = 0
    if not tci_mask:
        wildcards |= OFPFW11_DL_VLAN | OFPFW11_DL_VLAN_PCP
    elif tci_mask & F.VLAN_CFI and not tci & F.VLAN_CFI:
        dl_vlan = OFPVID11_NONE
        wildcards |= OFPFW11_DL_VLAN_PCP
    else:
        dl_vlan = tci & _VID_MASK if tci_mask & _VID_MASK else OFPVID11_ANY
        if tci_mask & _PCP_MASK:
            dl_vlan_pcp = tci >> 13
        else:
            wildcards |= OFPFW11_DL_VLAN_PCP
    values = {}
    for name, bit in (("dl_type", OFPFW11_DL_TYPE), ("nw_proto", OFPFW11_NW_PROTO),
                      ("tp_src", OFPFW11_TP_SRC), ("tp_dst", OFPFW11_TP_DST),
                      ("mpls_label", OFPFW11_MPLS_LABEL), ("mpls_tc", OFPFW11_MPLS_TC)):
        value, mask = get(name)
        values[name] = value
        if not mask:
            wildcards |= bit
    nw_tos, nw_tos_mask = get("nw_tos")
    if not nw_tos_mask & _DSCP_MASK:
        wildcards |= OFPFW11_NW_TOS
    dl_src, dl_src_mask = get("dl_src")
    dl_dst, dl_dst_mask = get("dl_dst")
    nw_src, nw_src_mask = get("nw_src")
    nw_dst, nw_dst_mask = get("nw_dst")
    metadata, metadata_mask = get("metadata")
    return OFP11_MATCH.pack(
        OFPMT_STANDARD, OFP11_MATCH.size, port_to_wire32(in_port) if in_port_mask else 0,
        wildcards, dl_src.to_bytes(6, "big"), _inverted(dl_src_mask, 48).to_bytes(6, "big"),
        dl_dst.to_bytes(6, "big"), _inverted(dl_dst_mask, 48).to_bytes(6, "big"),
        dl_vlan, dl_vlan_pcp, values["dl_type"], nw_tos & _DSCP_MASK, values["nw_proto"],
        nw_src, _inverted(nw_src_mask, 32), nw_dst, _inverted(nw_dst_mask, 32),
        values["tp_src"], values["tp_dst"], values["mpls_label"], values["mpls_tc"],
        metadata, _inverted(metadata_mask, 64))


def decode(data: bytes, offset: int = 0) -> tuple[Match, int]:
    """The match of the ofp11_match at data[offset:] and the offset after it."""
    if len(data) - offset < 4:
        raise DecodeError(BAD_MATCH_LEN, "match header truncated")
    match_type, length = struct.unpack_from("!HH", data, offset)
    if match_type != OFPMT_STANDARD:
        raise DecodeError(BAD_MATCH_TYPE, "match type %d" % match_type)
    if length != OFP11_MATCH.size or len(data) - offset < OFP11_MATCH.size:
        raise DecodeError(BAD_MATCH_LEN, "standard match of %d bytes" % length)
    (_, _, in_port, wildcards, dl_src, dl_src_mask, dl_dst, dl_dst_mask, dl_vlan, dl_vlan_pcp,
     dl_type, nw_tos, nw_proto, nw_src, nw_src_mask, nw_dst, nw_dst_mask, tp_src, tp_dst,
     mpls_label, mpls_tc, metadata, metadata_mask) = OFP11_MATCH.unpack_from(data, offset)
    wildcards &= OFPFW11_ALL

    def exact(bit: int) -> bool:
        return not wildcards & bit

    match = Match()
    if exact(OFPFW11_IN_PORT):
        try:
            match = match.with_field("in_port", port_from_wire32(in_port))
        except DecodeError:
            raise DecodeError(BAD_VALUE, "in_port %#x" % in_port) from None
    for name, value, inverted in (("dl_src", dl_src, dl_src_mask), ("dl_dst", dl_dst,
                                                                     dl_dst_mask)):
        mask = _inverted(int.from_bytes(inverted, "big"), 48)
        match = match.with_field(name, int.from_bytes(value, "big") & mask, mask)
    if exact(OFPFW11_DL_VLAN):
        match = _vlan(match, dl_vlan, dl_vlan_pcp, exact(OFPFW11_DL_VLAN_PCP))
    if exact(OFPFW11_DL_TYPE):
        match = match.with_field("dl_type", dl_type)
    dl_type = dl_type if exact(OFPFW11_DL_TYPE) else None
    if dl_type in (F.ETH_TYPE_IP, F.ETH_TYPE_ARP):
        for name, value, inverted in (("nw_src", nw_src, nw_src_mask),
                                      ("nw_dst", nw_dst, nw_dst_mask)):
            mask = _inverted(inverted, 32)
            match = match.with_field(name, value & mask, mask)
    if exact(OFPFW11_NW_TOS):
        if nw_tos & ~_DSCP_MASK:
            raise DecodeError(BAD_VALUE, "nw_tos %#x has ECN bits" % nw_tos)
        match = match.with_field("nw_tos", nw_tos)
    if exact(OFPFW11_NW_PROTO):
        match = match.with_field("nw_proto", nw_proto)
    if dl_type == F.ETH_TYPE_IP and exact(OFPFW11_NW_PROTO) and nw_proto in _TP_PROTOS:
        if exact(OFPFW11_TP_SRC):
            match = match.with_field("tp_src", tp_src)
        if exact(OFPFW11_TP_DST):
            match = match.with_field("tp_dst", tp_dst)
    if dl_type in _MPLS_TYPES:
        if exact(OFPFW11_MPLS_LABEL):
            match = match.with_field("mpls_label", mpls_label)
        if exact(OFPFW11_MPLS_TC):
            match = match.with_field("mpls_tc", mpls_tc)
    metadata_bits = _inverted(metadata_mask, 64)
    match = match.with_field("metadata", metadata & metadata_bits, metadata_bits)
    return icmp_fields(match), offset + OFP11_MATCH.size


def _vlan(match: Match, dl_vlan: int, dl_vlan_pcp: int, pcp_exact: bool) -> Match:
    if dl_vlan == OFPVID11_NONE:
        return match.with_field("vlan_tci", 0)
    if dl_vlan == OFPVID11_ANY:
        tci, mask = F.VLAN_CFI, F.VLAN_CFI
    elif dl_vlan < 4096:
        tci, mask = F.VLAN_CFI | dl_vlan, F.VLAN_CFI | _VID_MASK
    else:
        raise DecodeError(BAD_VALUE, "dl_vlan %#x" % dl_vlan)
    if pcp_exact:
        if dl_vlan_pcp > 7:
            raise DecodeError(BAD_VALUE, "dl_vlan_pcp %d" % dl_vlan_pcp)
        tci, mask = tci | dl_vlan_pcp << 13, mask | _PCP_MASK
    return match.with_field("vlan_tci", tci, mask)


_EXPRESSIBLE_BITS = 0
for _name in _EXPRESSIBLE:
    _EXPRESSIBLE_BITS |= F.field(_name).mask


def fits(match: Match) -> bool:
    """True if an OpenFlow 1.1 standard match expresses `match` exactly (IPv6 beyond
    dl_type does not, as Open vSwitch judges it)."""
    if match.mask & ~_EXPRESSIBLE_BITS or beyond_ipv6_dl_type(match):
        return False
    try:
        return decode(encode(match))[0] == match
    except DecodeError:
        return False
