"""OpenFlow 1.0's fixed `ofp_match` (40 bytes: wildcard bits, then one slot per field), to and
from `Match`.

A 1.0 match can say little: in_port, exact or wild Ethernet addresses, dl_vlan (0xffff: no
tag) and dl_vlan_pcp, dl_type, the DSCP bits of nw_tos, nw_proto (the ARP opcode for ARP),
CIDR prefixes of nw_src/nw_dst (ARP's spa/tpa for ARP), and exact or wild tp_src/tp_dst
(ICMP type and code for ICMP).  `fits(match)` says whether a match can travel in it; a
match that cannot needs NXM (OpenFlow 1.0) or OXM (1.2+).

Decoding follows Open vSwitch: wildcard bits beyond the defined ones are ignored, a prefix
wildcard count of 32 or more wildcards the whole address, and the result is normalized:
fields the dl_type and nw_proto make meaningless are dropped (Open vSwitch logs
"normalization changed ofp_match" and does the same).  Encoding writes the wildcard bits
as Open vSwitch does (32 for a wild address, so a catch-all is 0x003820ff).
"""
from __future__ import annotations

import struct

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError

OFP10_MATCH = struct.Struct("!IH6s6sHBxHBB2xIIHH")
OFP10_VLAN_NONE = 0xFFFF

OFPFW10_IN_PORT = 1 << 0
OFPFW10_DL_VLAN = 1 << 1
OFPFW10_DL_SRC = 1 << 2
OFPFW10_DL_DST = 1 << 3
OFPFW10_DL_TYPE = 1 << 4
OFPFW10_NW_PROTO = 1 << 5
OFPFW10_TP_SRC = 1 << 6
OFPFW10_TP_DST = 1 << 7
OFPFW10_NW_SRC_SHIFT = 8
OFPFW10_NW_DST_SHIFT = 14
OFPFW10_DL_VLAN_PCP = 1 << 20
OFPFW10_NW_TOS = 1 << 21
OFPFW10_ALL = (1 << 22) - 1

_VID_MASK = 0x0FFF
_PCP_MASK = 0xE000
_DSCP_MASK = 0xFC
_MAC_BITS = (1 << 48) - 1
_IP_BITS = 0xFFFFFFFF
_TP_PROTOS = {F.ETH_TYPE_IP: (F.IPPROTO_ICMP, F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP),
              F.ETH_TYPE_IPV6: (F.IPPROTO_ICMPV6, F.IPPROTO_TCP, F.IPPROTO_UDP,
                                F.IPPROTO_SCTP)}


def _prefix_wildcards(mask: int) -> int:
    """How many low bits a CIDR mask wildcards; None for a non-CIDR mask."""
    wild = (~mask) & _IP_BITS
    return None if wild & (wild + 1) else wild.bit_length()


def _flag(condition: bool, bit: int) -> int:
    return bit if condition else 0


def encode(match: Match) -> bytes:
    """The 40-byte ofp_match nearest to `match` (exact when `fits(match)`)."""
    in_port, in_port_mask = match.get("in_port")
    dl_src, dl_src_mask = match.get("dl_src")
    dl_dst, dl_dst_mask = match.get("dl_dst")
    dl_type, dl_type_mask = match.get("dl_type")
    tci, tci_mask = match.get("vlan_tci")
    nw_tos, nw_tos_mask = match.get("nw_tos")
    nw_proto, nw_proto_mask = match.get("nw_proto")
    nw_src, nw_src_mask = match.get("nw_src")
    nw_dst, nw_dst_mask = match.get("nw_dst")
    tp_src, tp_src_mask = match.get("tp_src")
    tp_dst, tp_dst_mask = match.get("tp_dst")
    wildcards = (_flag(not in_port_mask, OFPFW10_IN_PORT)
                 | _flag(not dl_src_mask, OFPFW10_DL_SRC)
                 | _flag(not dl_dst_mask, OFPFW10_DL_DST)
                 | _flag(not dl_type_mask, OFPFW10_DL_TYPE)
                 | _flag(not nw_proto_mask, OFPFW10_NW_PROTO)
                 | _flag(not tp_src_mask, OFPFW10_TP_SRC)
                 | _flag(not tp_dst_mask, OFPFW10_TP_DST)
                 | _flag(not nw_tos_mask, OFPFW10_NW_TOS))
    wildcards |= min(_prefix_wildcards(nw_src_mask) or 0, 32) << OFPFW10_NW_SRC_SHIFT
    wildcards |= min(_prefix_wildcards(nw_dst_mask) or 0, 32) << OFPFW10_NW_DST_SHIFT
    dl_vlan = dl_vlan_pcp = 0
    if not tci_mask:
        wildcards |= OFPFW10_DL_VLAN | OFPFW10_DL_VLAN_PCP
    elif tci_mask & F.VLAN_CFI and not tci & F.VLAN_CFI:
        dl_vlan = OFP10_VLAN_NONE
    else:
        if tci_mask & _VID_MASK:
            dl_vlan = tci & _VID_MASK
        else:
            wildcards |= OFPFW10_DL_VLAN
        if tci_mask & _PCP_MASK:
            dl_vlan_pcp = tci >> 13
        else:
            wildcards |= OFPFW10_DL_VLAN_PCP
    return OFP10_MATCH.pack(wildcards, in_port & 0xFFFF, dl_src.to_bytes(6, "big"),
                            dl_dst.to_bytes(6, "big"), dl_vlan, dl_vlan_pcp, dl_type,
                            nw_tos & _DSCP_MASK, nw_proto, nw_src, nw_dst, tp_src, tp_dst)


def decode(data: bytes, offset: int = 0) -> Match:
    """The match of the ofp_match at data[offset:], normalized."""
    if len(data) - offset < OFP10_MATCH.size:
        raise DecodeError(BAD_LEN, "ofp_match truncated")
    (wildcards, in_port, dl_src, dl_dst, dl_vlan, dl_vlan_pcp, dl_type, nw_tos, nw_proto,
     nw_src, nw_dst, tp_src, tp_dst) = OFP10_MATCH.unpack_from(data, offset)
    wildcards &= OFPFW10_ALL
    match = Match()

    def exact(bit: int) -> bool:
        return not wildcards & bit

    if exact(OFPFW10_IN_PORT):
        match = match.with_field("in_port", in_port)
    if exact(OFPFW10_DL_SRC):
        match = match.with_field("dl_src", int.from_bytes(dl_src, "big"))
    if exact(OFPFW10_DL_DST):
        match = match.with_field("dl_dst", int.from_bytes(dl_dst, "big"))
    if exact(OFPFW10_DL_TYPE):
        match = match.with_field("dl_type", dl_type)
    if exact(OFPFW10_DL_VLAN) and dl_vlan == OFP10_VLAN_NONE:
        match = match.with_field("vlan_tci", 0)
    else:
        tci_mask = ((_VID_MASK | F.VLAN_CFI if exact(OFPFW10_DL_VLAN) else 0)
                    | (_PCP_MASK | F.VLAN_CFI if exact(OFPFW10_DL_VLAN_PCP) else 0))
        if tci_mask:
            tci = (dl_vlan & _VID_MASK) | (dl_vlan_pcp << 13 & _PCP_MASK) | F.VLAN_CFI
            match = match.with_field("vlan_tci", tci, tci_mask)
    if exact(OFPFW10_NW_TOS):
        match = match.with_field("nw_tos", nw_tos & _DSCP_MASK)
    if exact(OFPFW10_NW_PROTO):
        match = match.with_field("nw_proto", nw_proto)
    for name, value, shift in (("nw_src", nw_src, OFPFW10_NW_SRC_SHIFT),
                               ("nw_dst", nw_dst, OFPFW10_NW_DST_SHIFT)):
        wild_bits = (wildcards >> shift) & 0x3F
        if wild_bits < 32:
            match = match.with_field(name, value, (_IP_BITS << wild_bits) & _IP_BITS)
    if exact(OFPFW10_TP_SRC):
        match = match.with_field("tp_src", tp_src)
    if exact(OFPFW10_TP_DST):
        match = match.with_field("tp_dst", tp_dst)
    return _normalize(match)


def _normalize(match: Match) -> Match:
    dl_type, dl_type_mask = match.get("dl_type")
    dl_type = dl_type if dl_type_mask else None
    drop = []
    if dl_type not in (F.ETH_TYPE_IP, F.ETH_TYPE_ARP, F.ETH_TYPE_RARP):
        drop += ["nw_src", "nw_dst"]
    if dl_type not in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6, F.ETH_TYPE_ARP, F.ETH_TYPE_RARP):
        drop += ["nw_proto"]
    if dl_type not in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6):
        drop += ["nw_tos"]
    nw_proto, nw_proto_mask = match.get("nw_proto")
    if not nw_proto_mask or nw_proto not in _TP_PROTOS.get(dl_type, ()):
        drop += ["tp_src", "tp_dst"]
    for name in drop:
        match = match.without_field(name)
    return icmp_fields(match)


_ICMP_FIELDS = {(F.ETH_TYPE_IP, F.IPPROTO_ICMP): ("icmp_type", "icmp_code"),
                (F.ETH_TYPE_IPV6, F.IPPROTO_ICMPV6): ("icmpv6_type", "icmpv6_code")}


def icmp_fields(match: Match) -> Match:
    """`match` with an ICMP flow's exact tp_src/tp_dst expressed as the 8-bit ICMP type and
    code fields they hold, as NXM, OXM and the flow syntax express them."""
    names = _ICMP_FIELDS.get((match.get("dl_type")[0], match.get("nw_proto")[0]))
    if names is None or not match.is_exact("dl_type") or not match.is_exact("nw_proto"):
        return match
    for port_name, icmp_name in zip(("tp_src", "tp_dst"), names):
        value, mask = match.get(port_name)
        if mask == 0xFFFF and value <= 0xFF:
            match = match.without_field(port_name).with_field(icmp_name, value)
    return match


_EXPRESSIBLE = Match(0, 0)
for _name in ("in_port", "dl_src", "dl_dst", "dl_type", "vlan_tci", "nw_tos", "nw_proto",
              "nw_src", "nw_dst", "tp_src", "tp_dst"):
    _EXPRESSIBLE = _EXPRESSIBLE.with_field(_name, 0)
_EXPRESSIBLE_BITS = _EXPRESSIBLE.mask


_L2_BITS = 0
for _name in ("in_port", "dl_src", "dl_dst", "dl_type", "vlan_tci"):
    _L2_BITS |= F.field(_name).mask


def beyond_ipv6_dl_type(match: Match) -> bool:
    """True for an IPv6 match on anything beyond Ethernet: Open vSwitch leaves those to NXM
    and OXM in OpenFlow 1.0 and 1.1."""
    dl_type, dl_type_mask = match.get("dl_type")
    return bool(dl_type_mask and dl_type == F.ETH_TYPE_IPV6 and match.mask & ~_L2_BITS)


def fits(match: Match) -> bool:
    """True if an OpenFlow 1.0 ofp_match expresses `match` exactly, as Open vSwitch judges
    it: IPv6 beyond dl_type and SCTP ports need NXM too."""
    if match.mask & ~_EXPRESSIBLE_BITS or beyond_ipv6_dl_type(match):
        return False
    if match.get("nw_proto") == (F.IPPROTO_SCTP, 0xFF) and match.mask & (
            F.field("tp_src").mask | F.field("tp_dst").mask):
        return False
    return decode(encode(match)) == match
