"""Matches in ovs-ofctl syntax: `priority=5,tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80`.

Parsing: each item is a protocol shorthand (`ip`, `tcp6`, `arp`...), `priority=N`, or a field
from the registry under any of its names, its value written in the field's syntax (values.py).
The VLAN fields follow Open vSwitch: `dl_vlan`/`dl_vlan_pcp`/`vlan_pcp` also require a tag
(the CFI bit) and `dl_vlan=0xffff` means "no tag"; `vlan_vid` is OpenFlow 1.2's VID plus
"present" bit, taken as written.  Like ovs-ofctl, the parser keeps a field whose prerequisites the match does not pin
down out of the result (OpenFlow cannot carry it, so stock prints and installs the match
without it): `tcp_dst=80` alone is the catch-all match.

Printing follows Open vSwitch's `match_format`: priority unless default, metadata fields,
the protocol shorthand when dl_type (and nw_proto) allow, registers, tunnel, metadata,
in_port, VLAN as `dl_vlan`/`dl_vlan_pcp` when it can, else `vlan_tci=V[/M]`, Ethernet,
L3, ARP, IP header bits, fragments, L4 under the old names (`tp_src`, `icmp_type`).
"""
from __future__ import annotations

from typing import Optional

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol.messages import OFP_DEFAULT_PRIORITY
from pyvswitch.ofproto.syntax import values
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames, split_items

#: shorthand -> (dl_type, nw_proto or None)
SHORTHANDS = {
    "ip": (F.ETH_TYPE_IP, None), "ipv4": (F.ETH_TYPE_IP, None),
    "icmp": (F.ETH_TYPE_IP, F.IPPROTO_ICMP), "tcp": (F.ETH_TYPE_IP, F.IPPROTO_TCP),
    "udp": (F.ETH_TYPE_IP, F.IPPROTO_UDP), "sctp": (F.ETH_TYPE_IP, F.IPPROTO_SCTP),
    "ipv6": (F.ETH_TYPE_IPV6, None), "icmp6": (F.ETH_TYPE_IPV6, F.IPPROTO_ICMPV6),
    "tcp6": (F.ETH_TYPE_IPV6, F.IPPROTO_TCP), "udp6": (F.ETH_TYPE_IPV6, F.IPPROTO_UDP),
    "sctp6": (F.ETH_TYPE_IPV6, F.IPPROTO_SCTP), "arp": (F.ETH_TYPE_ARP, None),
    "rarp": (F.ETH_TYPE_RARP, None), "mpls": (0x8847, None), "mplsm": (0x8848, None),
}
_IP_PROTO_NAMES = {F.IPPROTO_ICMP: "icmp", F.IPPROTO_TCP: "tcp", F.IPPROTO_UDP: "udp",
                   F.IPPROTO_SCTP: "sctp"}
_IPV6_PROTO_NAMES = {F.IPPROTO_ICMPV6: "icmp6", F.IPPROTO_TCP: "tcp6", F.IPPROTO_UDP: "udp6",
                     F.IPPROTO_SCTP: "sctp6"}
_TYPE_NAMES = {F.ETH_TYPE_ARP: "arp", F.ETH_TYPE_RARP: "rarp", 0x8847: "mpls", 0x8848: "mplsm"}

_VLAN_VID = 0x0FFF
_VLAN_PCP = 0xE000
_OFP10_VLAN_NONE = 0xFFFF

# Printing order, as Open vSwitch's match_format.  Names absent from the registry are
# skipped, so the order already lists fields the registry is still growing.
_HEAD = ("pkt_mark", "recirc_id", "dp_hash", "conj_id", "skb_priority", "actset_output",
         "ct_state", "ct_zone", "ct_mark", "ct_label", "ct_nw_src", "ct_nw_dst",
         "ct_ipv6_src", "ct_ipv6_dst", "ct_nw_proto", "ct_tp_src", "ct_tp_dst")
_TUNNEL = (("tun_id", "tun_src", "tun_dst", "tun_ipv6_src", "tun_ipv6_dst", "tun_gbp_id",
            "tun_gbp_flags", "tun_tos", "tun_ttl", "tun_flags")
           + tuple("tun_metadata%d" % i for i in range(64)))
# Local workaround: ovs-ofctl prints ct_zone in decimal, while the registry's fmt says hex.
_PRINTED_DECIMAL = ("ct_zone",)
_REGS = tuple("reg%d" % i for i in range(16))


def _set_vlan_field(match: Match, name: str, value: int, mask: Optional[int]) -> Match:
    """dl_vlan, dl_vlan_pcp, vlan_vid and vlan_pcp, which also decide the CFI bit."""
    tci, tci_mask = match.get("vlan_tci")
    if name == "dl_vlan":
        if value == _OFP10_VLAN_NONE:
            return match.with_field("vlan_tci", 0, 0xFFFF)
        tci = (tci & ~_VLAN_VID) | (value & _VLAN_VID) | F.VLAN_CFI
        return match.with_field("vlan_tci", tci, tci_mask | _VLAN_VID | F.VLAN_CFI)
    if name in ("dl_vlan_pcp", "vlan_pcp"):
        tci = (tci & ~_VLAN_PCP) | ((value & 7) << 13) | F.VLAN_CFI
        return match.with_field("vlan_tci", tci, tci_mask | _VLAN_PCP | F.VLAN_CFI)
    # vlan_vid
    bits = 0x1FFF if mask is None else mask & 0x1FFF
    return match.with_field("vlan_tci", (tci & ~bits) | (value & bits), tci_mask | bits)


_VLAN_NAMES = ("dl_vlan", "dl_vlan_pcp", "vlan_vid", "vlan_pcp")


# Local workaround: registry fields Open vSwitch has no keyword for (QinQ internals).
_NOT_KEYWORDS = ("vlan_tci1", "vlan_tpid", "vlan_tpid1")


def set_field_text(match: Match, field: F.Field, text: str, ports: PortNames) -> Match:
    """`match` with `field` set from its value text: the field's earlier value and mask are
    replaced whole, as Open vSwitch sets a field (dl_vlan and friends excepted)."""
    value, mask = values.parse_value(field, text, ports)
    if field.name in _VLAN_NAMES:
        return _set_vlan_field(match, field.name, value, mask)
    return match.without_field(field.name).with_field(field.name, value, mask)


def set_shorthand(match: Match, word: str) -> Match:
    if word == "eth":
        return match.with_field("packet_type", 0)
    dl_type, nw_proto = SHORTHANDS[word]
    match = match.with_field("dl_type", dl_type)
    if nw_proto is not None:
        match = match.with_field("nw_proto", nw_proto)
    return match


def drop_unmet_prereqs(match: Match) -> Match:
    """`match` without the bits of fields whose prerequisites it does not pin down, and
    without packet_type=(0,0) (Ethernet) where an Ethertype already implies it."""
    if ("packet_type" in F.FIELDS and match.get("packet_type") == (0, 0xFFFFFFFF)
            and match.get("dl_type")[1]):
        match = match.without_field("packet_type")
    allowed = 0
    for field in F.FIELDS.values():
        if not field.prereqs or match.prereqs_hold(field.name):
            allowed |= field.mask
    return Match(match.value & allowed, match.mask & allowed)


def parse_match(text: str, ports: PortNames = PortNames()) -> tuple[Match, int]:
    """(match, priority) from match text such as a dump-flows filter."""
    match = Match()
    priority = OFP_DEFAULT_PRIORITY
    for key, value in split_items(text):
        if key == "priority":
            priority = parse_priority(value)
        else:
            match = parse_match_item(match, key, value, ports)
    return drop_unmet_prereqs(match), priority


def parse_priority(text: str) -> int:
    value = values.parse_int(text)
    if value is None or value > 0xFFFF:
        raise FlowSyntaxError('invalid priority "%s"' % text)
    return value


def parse_match_item(match: Match, key: str, value: str, ports: PortNames) -> Match:
    """`match` with one match item applied; FlowSyntaxError for an unknown keyword."""
    if key in SHORTHANDS or (key == "eth" and "packet_type" in F.FIELDS):
        return set_shorthand(match, key)
    field = values.lookup_field(key)
    if field is None or key in _NOT_KEYWORDS:
        raise FlowSyntaxError("unknown keyword %s" % key)
    return set_field_text(match, field, value, ports)


# ---- printing --------------------------------------------------------------------------

def _put(parts: list, match: Match, name: str, ports, label: Optional[str] = None) -> None:
    field = F.FIELDS.get(name)
    if field is None:
        return
    value, mask = match.get(name)
    if not mask:
        return
    if name == "dl_type":
        text = "0x%04x" % value
    elif name in _PRINTED_DECIMAL:
        text = "%d" % value if mask == field.value_mask else "0x%x/0x%x" % (value, mask)
    elif name.startswith("tun_metadata") and not mask & (mask + 1) and mask.bit_length() % 8 == 0:
        # A tun_metadata option is as long as its value: a mask of whole bytes of ones is
        # exact for an option of that length, and ovs-ofctl prints it without the mask.
        text = values.c_hex(value)
    elif name == "ipv6_label":
        text = ("0x%05x" % value if mask == field.value_mask
                else "0x%05x/0x%05x" % (value, mask))
    else:
        text = values.format_value(field, value, mask, ports)
    parts.append("%s=%s" % (label or name, text))


def _vlan_text(match: Match, suffix: str = "") -> list[str]:
    """The outer tag's TCI (suffix "") or the inner one's ("1", which a flow from a tagged
    frame matches too, as 0 when there is no inner tag)."""
    tci, mask = match.get("vlan_tci" + suffix)
    if not mask:
        return []
    vid_mask = mask & _VLAN_VID
    pcp_mask = mask & _VLAN_PCP
    if (mask & F.VLAN_CFI and tci & F.VLAN_CFI and vid_mask in (0, _VLAN_VID)
            and pcp_mask in (0, _VLAN_PCP) and (vid_mask or pcp_mask)):
        parts = []
        if vid_mask:
            parts.append("dl_vlan%s=%d" % (suffix, tci & _VLAN_VID))
        if pcp_mask:
            parts.append("dl_vlan_pcp%s=%d" % (suffix, tci >> 13))
        return parts
    if mask == 0xFFFF:
        return ["vlan_tci%s=0x%04x" % (suffix, tci)]
    return ["vlan_tci%s=0x%04x/0x%04x" % (suffix, tci, mask)]


def _shorthand(match: Match) -> tuple[Optional[str], bool, bool]:
    """(shorthand word, dl_type printed by it, nw_proto printed by it)."""
    dl_type, type_mask = match.get("dl_type")
    if type_mask != 0xFFFF:
        return None, False, False
    proto, proto_mask = match.get("nw_proto")
    proto_exact = proto_mask == 0xFF
    if dl_type == F.ETH_TYPE_IP:
        if proto_exact and proto in _IP_PROTO_NAMES:
            return _IP_PROTO_NAMES[proto], True, True
        return "ip", True, False
    if dl_type == F.ETH_TYPE_IPV6:
        if proto_exact and proto in _IPV6_PROTO_NAMES:
            return _IPV6_PROTO_NAMES[proto], True, True
        return "ipv6", True, False
    if dl_type in _TYPE_NAMES:
        return _TYPE_NAMES[dl_type], True, False
    return None, False, False


def format_match(match: Match, priority: int = OFP_DEFAULT_PRIORITY,
                 ports: Optional[PortNames] = None) -> str:
    parts: list[str] = []
    if priority != OFP_DEFAULT_PRIORITY:
        parts.append("priority=%d" % priority)
    for name in _HEAD:
        _put(parts, match, name, ports)
    word, type_done, proto_done = _shorthand(match)
    _put(parts, match, "packet_type", ports)
    if parts and parts[-1] == "packet_type=(0,0)":
        parts.pop()
    if match.get("recirc_id")[1] and (match.get("dl_type")[1] or match.get("packet_type")
                                      == (0, 0xFFFFFFFF)):
        parts.append("eth")
    if word:
        parts.append(word)
    for name in _REGS + _TUNNEL + ("metadata", "in_port"):
        _put(parts, match, name, ports)
    parts.extend(_vlan_text(match))
    parts.extend(_vlan_text(match, "1"))
    for name in ("dl_src", "dl_dst"):
        _put(parts, match, name, ports)
    if not type_done:
        _put(parts, match, "dl_type", ports)
    dl_type, type_mask = match.get("dl_type")
    is_arp = type_mask == 0xFFFF and dl_type in (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP)
    is_ipv6 = type_mask == 0xFFFF and dl_type == F.ETH_TYPE_IPV6
    is_ip = type_mask == 0xFFFF and dl_type == F.ETH_TYPE_IP
    if is_ipv6:
        for name in ("ipv6_src", "ipv6_dst", "ipv6_label"):
            _put(parts, match, name, ports)
    elif is_arp:
        for name in ("arp_spa", "arp_tpa"):
            _put(parts, match, name, ports)
    else:
        for name in ("nw_src", "nw_dst"):
            _put(parts, match, name, ports)
    if not proto_done:
        _put(parts, match, "nw_proto", ports, "arp_op" if is_arp else None)
    if is_arp:
        for name in ("arp_sha", "arp_tha"):
            _put(parts, match, name, ports)
    else:
        for name in ("nw_tos", "nw_ecn", "nw_ttl"):
            _put(parts, match, name, ports)
    for name in ("mpls_label", "mpls_tc", "mpls_ttl", "mpls_bos"):
        _put(parts, match, name, ports)
    _put(parts, match, "ip_frag", ports, "nw_frag")
    proto, proto_mask = match.get("nw_proto")
    if is_ip and proto_mask == 0xFF and proto == F.IPPROTO_ICMP:
        _put(parts, match, "icmp_type", ports)
        _put(parts, match, "icmp_code", ports)
    elif is_ipv6 and proto_mask == 0xFF and proto == F.IPPROTO_ICMPV6:
        _put(parts, match, "icmpv6_type", ports, "icmp_type")
        _put(parts, match, "icmpv6_code", ports, "icmp_code")
        for name in ("nd_target", "nd_sll", "nd_tll", "nd_reserved", "nd_options_type"):
            _put(parts, match, name, ports)
    else:
        _put(parts, match, "tp_src", ports)
        _put(parts, match, "tp_dst", ports)
    if (is_ip or is_ipv6) and proto_mask == 0xFF and proto == F.IPPROTO_TCP:
        _put(parts, match, "tcp_flags", ports)
    return ",".join(parts)
