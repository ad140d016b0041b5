"""Flow keys: the fields of one frame packed into one int, and the view translation reads them through.

In: a frame (any bytes-like object holding an Ethernet frame, VLAN tags inline) and the datapath
port it arrived on.  Out: a flow key, an int laid out by `pyvswitch.fields`.  Extraction is a
pure function of the bytes: it never raises, however short or malformed the frame; fields it
cannot parse stay zero (a truncated IPv4 header leaves dl_type 0x0800 and every L3/L4 field 0),
as Open vSwitch's flow extraction does.  Like it, the IPv4 header's version nibble is not
checked, transport headers are parsed by protocol number whatever the IP version (ICMP in IPv6,
ICMPv6 in IPv4), and an IGMP header gives its type and code as tp_src and tp_dst.

The common case (untagged IPv4) is parsed inline with a handful of slices and shifts; the rest
goes through the general path.  Up to two VLAN tags are parsed (802.1Q or 802.1ad TPIDs); a
third is payload.  An MPLS frame gives the top label stack entry (mpls_label, mpls_tc, mpls_bos,
mpls_ttl) and nothing beyond it.  An IPv6 neighbor solicitation or advertisement gives its
reserved word (nd_reserved: R/S/O flags), target, link-layer address options and the type of
the first of them (nd_options_type); a repeated link-layer option makes the message invalid and
leaves all of these zero, as Open vSwitch's extraction does.

`FlowView` is what translation (OpenFlow tables, NORMAL) reads a key through: every `get`
records the bits it consulted in `wc`, so the caller knows which fields its answer depends on
and the datapath can cache that answer as a megaflow over exactly those bits.
"""
from __future__ import annotations

import struct

from pyvswitch import fields as F

_from_bytes = int.from_bytes
_u16 = struct.Struct("!H").unpack_from
_u32 = struct.Struct("!I").unpack_from

_IPV6_EXT_HEADERS = frozenset((0, 43, 60))     # hop-by-hop, routing, destination options
_IPV6_FRAGMENT = 44
_IPV6_AH = 51
_IPPROTO_IGMP = 2
_ND_SOLICIT = 135
_ND_ADVERT = 136


def extract_key(frame, in_port: int) -> int:
    """The flow key of `frame` received on datapath port `in_port`."""
    n = len(frame)
    if n < 14:
        return in_port
    if frame[12] == 0x08 and frame[13] == 0x00:
        key = in_port | _from_bytes(frame[:14], "big") << 32
        if n < 34:
            return key
        ihl = (frame[14] & 15) << 2
        tot_len = frame[16] << 8 | frame[17]
        if ihl < 20 or tot_len < ihl or tot_len + 14 > n:
            return key
        key |= (_from_bytes(frame[26:34], "big") << F.SHIFT_NW_DST
                | _from_bytes(frame[22:24], "big") << F.SHIFT_NW_PROTO
                | frame[15] << F.SHIFT_NW_TOS)
        frag = (frame[20] << 8 | frame[21]) & 0x3FFF
        if frag:
            if frag & 0x1FFF:
                return key | (F.FRAG_ANY | F.FRAG_LATER) << F.SHIFT_IP_FRAG
            key |= F.FRAG_ANY << F.SHIFT_IP_FRAG
        return _l4(frame, key, frame[23], 14 + ihl, 14 + tot_len)
    return _extract_general(frame, in_port, n)


def _extract_general(frame, in_port: int, n: int) -> int:
    key = in_port | _from_bytes(frame[:12], "big") << F.SHIFT_DL_SRC
    off = 12
    eth_type = frame[12] << 8 | frame[13]
    for tci_shift, tpid_shift in ((F.SHIFT_VLAN_TCI, F.SHIFT_VLAN_TPID),
                                  (F.SHIFT_VLAN_TCI1, F.SHIFT_VLAN_TPID1)):
        if eth_type != F.ETH_TYPE_VLAN and eth_type != F.ETH_TYPE_VLAN_8021AD:
            break
        if n < off + 6:
            break
        tci = frame[off + 2] << 8 | frame[off + 3]
        key |= (tci | F.VLAN_CFI) << tci_shift | eth_type << tpid_shift
        off += 4
        eth_type = frame[off] << 8 | frame[off + 1]
    off += 2
    if eth_type < 0x600:
        if n >= off + 8 and frame[off:off + 6] == b"\xaa\xaa\x03\x00\x00\x00":
            eth_type = frame[off + 6] << 8 | frame[off + 7]
            off += 8
        else:
            eth_type = F.ETH_TYPE_NONE
    key |= eth_type << F.SHIFT_DL_TYPE
    if eth_type == F.ETH_TYPE_IP:
        return _ipv4(frame, key, off, n)
    if eth_type == F.ETH_TYPE_IPV6:
        return _ipv6(frame, key, off, n)
    if eth_type == F.ETH_TYPE_ARP or eth_type == F.ETH_TYPE_RARP:
        return _arp(frame, key, off, n)
    if eth_type == F.ETH_TYPE_MPLS or eth_type == F.ETH_TYPE_MPLS_MCAST:
        if n >= off + 4:
            key |= _from_bytes(frame[off:off + 4], "big") << F.SHIFT_MPLS_LSE
    return key


def _ipv4(frame, key: int, off: int, n: int) -> int:
    if n < off + 20:
        return key
    ihl = (frame[off] & 15) << 2
    tot_len = frame[off + 2] << 8 | frame[off + 3]
    if ihl < 20 or tot_len < ihl or off + tot_len > n:
        return key
    key |= (_from_bytes(frame[off + 12:off + 20], "big") << F.SHIFT_NW_DST
            | _from_bytes(frame[off + 8:off + 10], "big") << F.SHIFT_NW_PROTO
            | frame[off + 1] << F.SHIFT_NW_TOS)
    frag = (frame[off + 6] << 8 | frame[off + 7]) & 0x3FFF
    if frag:
        if frag & 0x1FFF:
            return key | (F.FRAG_ANY | F.FRAG_LATER) << F.SHIFT_IP_FRAG
        key |= F.FRAG_ANY << F.SHIFT_IP_FRAG
    return _l4(frame, key, frame[off + 9], off + ihl, off + tot_len)


def _l4(frame, key: int, proto: int, l4: int, end: int) -> int:
    """Add the transport fields of the L4 header at frame[l4:end]."""
    if proto == F.IPPROTO_TCP:
        if end - l4 >= 20:
            key |= (_from_bytes(frame[l4:l4 + 4], "big") << F.SHIFT_TP_DST
                    | ((frame[l4 + 12] & 0x0F) << 8 | frame[l4 + 13]) << F.SHIFT_TCP_FLAGS)
    elif proto == F.IPPROTO_UDP:
        if end - l4 >= 8:
            key |= _from_bytes(frame[l4:l4 + 4], "big") << F.SHIFT_TP_DST
    elif proto == F.IPPROTO_ICMP or proto == F.IPPROTO_ICMPV6:
        if end - l4 >= 8:
            key |= frame[l4] << F.SHIFT_TP_SRC | frame[l4 + 1] << F.SHIFT_TP_DST
            if proto == F.IPPROTO_ICMPV6 and frame[l4 + 1] == 0 and (
                    frame[l4] == _ND_SOLICIT or frame[l4] == _ND_ADVERT):
                key = _nd(frame, key, l4, end)
    elif proto == F.IPPROTO_SCTP:
        if end - l4 >= 12:
            key |= _from_bytes(frame[l4:l4 + 4], "big") << F.SHIFT_TP_DST
    elif proto == _IPPROTO_IGMP:
        if end - l4 >= 8:
            key |= frame[l4] << F.SHIFT_TP_SRC | frame[l4 + 1] << F.SHIFT_TP_DST
    return key


def _ipv6(frame, key: int, off: int, n: int) -> int:
    if n < off + 40:
        return key
    vtc = _u32(frame, off)[0]
    end = off + 40 + (frame[off + 4] << 8 | frame[off + 5])
    if vtc >> 28 != 6 or end > n:
        return key
    key |= (_from_bytes(frame[off + 8:off + 40], "big") << F.SHIFT_IPV6_DST
            | (vtc & 0xFFFFF) << F.SHIFT_IPV6_LABEL
            | ((vtc >> 20) & 0xFF) << F.SHIFT_NW_TOS
            | frame[off + 7] << F.SHIFT_NW_TTL)
    proto = frame[off + 6]
    p = off + 40
    while True:
        if proto in _IPV6_EXT_HEADERS or proto == _IPV6_AH:
            if end < p + 8:
                return key
            length = (frame[p + 1] + 2) * 4 if proto == _IPV6_AH else (frame[p + 1] + 1) * 8
            proto = frame[p]
            p += length
        elif proto == _IPV6_FRAGMENT:
            if end < p + 8:
                return key
            frag_off = frame[p + 2] << 8 | frame[p + 3]
            if frag_off & 0xFFF8:
                # As in Open vSwitch, a later fragment's nw_proto is the fragment header's.
                return (key | _IPV6_FRAGMENT << F.SHIFT_NW_PROTO
                        | (F.FRAG_ANY | F.FRAG_LATER) << F.SHIFT_IP_FRAG)
            proto = frame[p]
            p += 8
            if frag_off & 1:
                key |= F.FRAG_ANY << F.SHIFT_IP_FRAG
        else:
            break
    if p > end:
        return key
    return _l4(frame, key | proto << F.SHIFT_NW_PROTO, proto, p, end)


def _nd(frame, key: int, l4: int, end: int) -> int:
    """Neighbor solicitation/advertisement: reserved word, target and link-layer address options."""
    nd = _from_bytes(frame[l4 + 4:l4 + 8], "big") << F.SHIFT_ND_RESERVED
    if end - l4 < 24:
        return key | nd
    nd |= _from_bytes(frame[l4 + 8:l4 + 24], "big") << F.SHIFT_ND_TARGET
    sll = tll = first_type = 0
    p = l4 + 24
    while p + 8 <= end:
        opt_type, opt_len = frame[p], frame[p + 1] * 8
        if opt_len == 0 or p + opt_len > end:
            break
        if opt_len == 8 and (opt_type == 1 or opt_type == 2):
            lla = _from_bytes(frame[p + 2:p + 8], "big")
            if opt_type == 1:
                if sll:
                    return key
                sll = lla
            else:
                if tll:
                    return key
                tll = lla
            first_type = first_type or opt_type
        p += opt_len
    return (key | nd | sll << F.SHIFT_ARP_SHA | tll << F.SHIFT_ARP_THA
            | first_type << F.SHIFT_ND_OPTIONS_TYPE)


def _arp(frame, key: int, off: int, n: int) -> int:
    if n < off + 28:
        return key
    if _from_bytes(frame[off:off + 6], "big") != 0x000108000604:   # Ethernet/IPv4, 6/4 lengths
        return key
    op = frame[off + 6] << 8 | frame[off + 7]
    if op <= 0xFF:
        key |= op << F.SHIFT_NW_PROTO
    return key | (_from_bytes(frame[off + 8:off + 14], "big") << F.SHIFT_ARP_SHA
                  | _from_bytes(frame[off + 14:off + 18], "big") << F.SHIFT_NW_SRC
                  | _from_bytes(frame[off + 18:off + 24], "big") << F.SHIFT_ARP_THA
                  | _from_bytes(frame[off + 24:off + 28], "big") << F.SHIFT_NW_DST)


# name -> (shift, value_mask, key mask), aliases included: FlowView's per-call lookups.
_SPECS: dict[str, tuple[int, int, int]] = {
    name: (F.field(name).shift, F.field(name).value_mask, F.field(name).mask)
    for name in list(F.FIELDS) + list(F.ALIASES)
}


def key_get(key: int, name: str) -> int:
    """The value of field `name` in `key`."""
    shift, value_mask, _ = _SPECS[name]
    return (key >> shift) & value_mask


def key_set(key: int, name: str, value: int) -> int:
    """`key` with field `name` set to `value`."""
    shift, value_mask, mask = _SPECS[name]
    return (key & ~mask) | ((value & value_mask) << shift)


class FlowView:
    """A key being translated, plus `wc`: the key bits the translation has consulted so far."""

    __slots__ = ("key", "wc")

    def __init__(self, key: int):
        self.key = key
        self.wc = 0

    def get(self, name: str) -> int:
        """The field's value; the answer now depends on it, so its bits join `wc`."""
        shift, value_mask, mask = _SPECS[name]
        self.wc |= mask
        return (self.key >> shift) & value_mask

    def peek(self, name: str) -> int:
        """The field's value without making the answer depend on it."""
        shift, value_mask, _ = _SPECS[name]
        return (self.key >> shift) & value_mask

    def unwildcard(self, name: str, mask: int | None = None) -> None:
        """Make the answer depend on the field's bits selected by `mask` (all of them if None)."""
        shift, value_mask, _ = _SPECS[name]
        self.wc |= (value_mask if mask is None else mask & value_mask) << shift

    def set(self, name: str, value: int) -> None:
        """Rewrite a field (e.g. a set_field action) so that later reads see the new value."""
        self.key = key_set(self.key, name, value)
