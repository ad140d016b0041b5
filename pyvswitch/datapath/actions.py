"""Datapath actions: the only instructions the forwarding loop understands.

Translation (OpenFlow tables, NORMAL) turns a flow key into a list of these; the datapath caches
the list in a megaflow and `pyvswitch.datapath.execute` applies it to frames.  Each action is a
plain tuple whose first element names its kind:

    ("output", dp_port)            send the frame as it is now out of a datapath port
    ("push_vlan", tpid, tci)       insert a VLAN tag in front of any others (tci with or without
                                   the 0x1000 present bit; tpid 0x8100 or 0x88a8, so pushing
                                   0x88a8 onto a 0x8100-tagged frame makes a QinQ frame)
    ("pop_vlan",)                  remove the outermost VLAN tag
    ("push_mpls", ethertype, lse)  insert an MPLS label stack entry (a 32-bit int: label << 12 |
                                   tc << 9 | bos << 8 | ttl) after the Ethernet header and VLAN
                                   tags, on top of any labels already there, and set the
                                   Ethertype to `ethertype` (0x8847 or 0x8848)
    ("pop_mpls", ethertype)        remove the outermost label and set the Ethertype to what
                                   follows it (e.g. 0x0800, or 0x8847 when labels remain)
    ("set", field_name, value)     rewrite a header field; checksums follow
    ("set_masked", field_name, value, mask)
                                   rewrite only the bits of the field that `mask` has set
    ("trunc", max_len)             the next output sends at most the first max_len bytes
    ("userspace", cookie)          hand a copy of the frame to the in_port owner's
                                   `userspace(frame, cookie, in_port)` (send-to-controller)
    ("tunnel_output", dp_port, header)
                                   send the frame out of a tunnel port, encapsulated as the
                                   pyvswitch.netdev.tunnel_header.TunnelHeader says (VNI,
                                   remote and local address, TTL, TOS, DF, checksum)

Fields are named as in pyvswitch.fields, and values and masks are the field's value as a flow
key holds it (nw_tos is the TOS byte with the DSCP bits in place, ip_dscp the DSCP shifted
down, vlan_vid may carry the 0x1000 present bit, which is never written).  SETTABLE_FIELDS
lists every field a set can write: all the packet fields OpenFlow may write (ovs-fields(7)),
each in the header the frame carries it in, so one name covers IPv4 and IPv6 (nw_ttl is the
IPv6 hop limit, nw_tos and nw_ecn the traffic class) and nw_src/nw_dst of an ARP frame are its
protocol addresses.  VLAN fields rewrite the outermost tag, MPLS fields the outermost label;
a set never adds or removes a tag (translation pushes and pops them).  A set that does not
apply to the frame it meets (no such header, a later fragment, a truncated header) leaves the
frame unchanged.

An empty list means drop.  Actions apply in order, so ("set", ...) after an output does not
affect what that output sent.
"""
from __future__ import annotations

from pyvswitch.fields import ALIASES

OUTPUT = "output"
PUSH_VLAN = "push_vlan"
POP_VLAN = "pop_vlan"
PUSH_MPLS = "push_mpls"
POP_MPLS = "pop_mpls"
SET = "set"
SET_MASKED = "set_masked"
TRUNC = "trunc"
USERSPACE = "userspace"
TUNNEL_OUTPUT = "tunnel_output"

_SETTABLE_NAMES = (
    "dl_src", "dl_dst",
    "vlan_tci", "vlan_vid", "vlan_pcp", "dl_vlan", "dl_vlan_pcp",
    "mpls_label", "mpls_tc", "mpls_ttl",
    "arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha",
    "nw_src", "nw_dst", "nw_tos", "ip_dscp", "nw_ecn", "nw_ttl",
    "ipv6_src", "ipv6_dst", "ipv6_label",
    "tp_src", "tp_dst", "tcp_src", "tcp_dst", "udp_src", "udp_dst", "sctp_src", "sctp_dst",
    "icmp_type", "icmp_code", "icmpv6_type", "icmpv6_code",
    "nd_target", "nd_sll", "nd_tll", "nd_reserved", "nd_options_type",
)



def _settable_name_of() -> dict[str, str]:
    names = {name: name for name in _SETTABLE_NAMES}
    for alias, name in ALIASES.items():
        if name in _SETTABLE_NAMES:
            names.setdefault(alias, name)
        elif alias in _SETTABLE_NAMES:
            names.setdefault(name, alias)
    return names


#: Every field name a set may write (the registry's other names for those fields included),
#: mapped to the name the datapath knows the field by.
SETTABLE_NAME_OF: dict[str, str] = _settable_name_of()
SETTABLE_FIELDS = frozenset(SETTABLE_NAME_OF)


def output(dp_port: int) -> tuple:
    return (OUTPUT, dp_port)


def push_vlan(tci: int, tpid: int = 0x8100) -> tuple:
    return (PUSH_VLAN, tpid, tci)


def pop_vlan() -> tuple:
    return (POP_VLAN,)


def mpls_lse(label: int, tc: int = 0, bos: int = 1, ttl: int = 64) -> int:
    """An MPLS label stack entry as push_mpls takes it."""
    return (label & 0xFFFFF) << 12 | (tc & 7) << 9 | (bos & 1) << 8 | (ttl & 0xFF)


def push_mpls(lse: int, ethertype: int = 0x8847) -> tuple:
    return (PUSH_MPLS, ethertype, lse)


def pop_mpls(ethertype: int) -> tuple:
    return (POP_MPLS, ethertype)


def set_field(name: str, value: int) -> tuple:
    if name not in SETTABLE_FIELDS:
        raise ValueError("datapath cannot set field %s" % name)
    return (SET, name, value)


def set_masked(name: str, value: int, mask: int) -> tuple:
    if name not in SETTABLE_FIELDS:
        raise ValueError("datapath cannot set field %s" % name)
    return (SET_MASKED, name, value, mask)


def trunc(max_len: int) -> tuple:
    return (TRUNC, max_len)


def userspace(cookie) -> tuple:
    return (USERSPACE, cookie)


def tunnel_output(dp_port: int, header) -> tuple:
    return (TUNNEL_OUTPUT, dp_port, header)


def output_ports(actions: list) -> tuple[int, ...] | None:
    """The ports of an action list made only of outputs (the fast path), else None."""
    ports = []
    for action in actions:
        if action[0] != OUTPUT:
            return None
        ports.append(action[1])
    return tuple(ports)
