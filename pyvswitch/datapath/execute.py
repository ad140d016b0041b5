"""Applying datapath actions to frames: pure functions on bytes, no I/O.

In: frames as (frame, vnet) pairs, an action list (see pyvswitch.datapath.actions) and the
in_port.  Out: the frames each output port must send, appended to a dict port -> list, and
calls of a `userspace` hook for ("userspace", cookie) actions.  A tunnel output queues a
(frame, vnet, TunnelHeader) triple: the tunnel netdev encapsulates (and completes offloads).

Field rewrites are one table, _SPOTS: for each settable field, the headers it may live in and
where in each (byte offset, byte count, and the field's bits there as a shift and a mask).  A
set finds where the frame's headers are the way pyvswitch.flow's extractor does (VLAN tags,
LLC/SNAP, IPv4 total length and fragments, IPv6 extension headers; an L4 header must be as
long as the extractor requires), writes the field's bits at the first spot the frame has, and
repairs what covers them:
  * the IPv4 header checksum and the TCP/UDP/ICMP/ICMPv6 checksums are updated incrementally
    (RFC 1624), over the 16-bit words the write touched, so a checksum that was wrong stays
    exactly as wrong; an address change reaches the L4 checksum through the pseudo-header; a
    UDP checksum of 0 ("none") stays 0;
  * SCTP's CRC32c changes by the CRC of what the write XORed into the packet, computed from
    the changed bytes and the count of bytes after them (_fix_sctp_crc), so its cost does not
    grow with the packet and a wrong CRC again stays wrong;
  * a frame whose VnetHdr says NEEDS_CSUM carries in its L4 checksum field only the folded
    pseudo-header sum, which whoever completes the checksum (the kernel, or
    pyvswitch.netdev.offload) adds to the sum of the L4 bytes.  So for such a frame an address
    change adjusts the field by the pseudo-header difference, without the complement, and a
    change of L4 bytes leaves the field alone: the completion will sum the new bytes anyway.
    GSO frames are partial-checksum frames too, and the segmenter recomputes everything else.
Bytes at or past the end of the IP packet (Ethernet padding) are never rewritten or summed.

Pushing or popping a VLAN tag or an MPLS label shifts the VnetHdr's offsets with the frame.
An MPLS label pushed onto a frame that still asks for segmentation or checksum completion
first has those carried out in software (pyvswitch.netdev.offload), because neither the kernel
nor the software segmenter can do them under a label; the rest of the actions then run on each
resulting frame.  A truncation cuts only what the next output sends; a frame it shortens loses
its VnetHdr, as a truncated copy's offload requests no longer describe it.

Frames are immutable `bytes` between actions; a rewrite copies once into a bytearray, and an
output after a rewrite sends a bytes snapshot, so later actions never change what an earlier
output sent.  Rewrites that do not apply to the frame (an IPv4 field on an ARP frame, a port on
a later fragment, a tag pop on an untagged frame, a label pop on a frame without one) leave it
unchanged, as in Open vSwitch.
"""
from __future__ import annotations

import functools
import struct
from typing import Callable, Optional

from pyvswitch.datapath import actions as dpa
from pyvswitch.fields import (ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_RARP,
                              ETH_TYPE_VLAN, ETH_TYPE_VLAN_8021AD, IPPROTO_ICMP, IPPROTO_ICMPV6,
                              IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP)
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_NONE, VnetHdr
from pyvswitch.netdev.offload import OffloadError, software_offload, vnet_hdr_shifted

UserspaceHook = Callable[[bytes, object, int], None]

ETH_TYPE_MPLS = 0x8847
ETH_TYPE_MPLS_MCAST = 0x8848

_VLAN_TPIDS = (ETH_TYPE_VLAN, ETH_TYPE_VLAN_8021AD)
_MPLS_TYPES = (ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST)
_TAG = struct.Struct("!HH")
_IPV6_EXT_HEADERS = (0, 43, 60)         # hop-by-hop, routing, destination options
_IPV6_FRAGMENT = 44
_IPV6_AH = 51
_ND_TYPES = (135, 136)
_ND_OPT_SLL = 1
_ND_OPT_TLL = 2


def execute(packets: list, actions: list, in_port: int, out: dict,
            userspace: Optional[UserspaceHook]) -> None:
    """Run `actions` on each (frame, vnet) of `packets`, adding what ports send to `out`."""
    for frame, vnet in packets:
        _execute_one(frame, vnet, actions, in_port, out, userspace)


def _execute_one(frame, vnet: Optional[VnetHdr], actions: list, in_port: int, out: dict,
                 userspace: Optional[UserspaceHook]) -> None:
    cut = 0
    for action in actions:
        kind = action[0]
        if kind == dpa.OUTPUT:
            frame = bytes(frame)
            sent = (frame, vnet)
            if cut:
                sent, cut = _truncated(frame, vnet, cut), 0
            queue = out.get(action[1])
            if queue is None:
                out[action[1]] = [sent]
            else:
                queue.append(sent)
        elif kind == dpa.SET:
            frame = set_field(frame, vnet, action[1], action[2])
        elif kind == dpa.SET_MASKED:
            frame = set_field(frame, vnet, action[1], action[2], action[3])
        elif kind == dpa.PUSH_VLAN:
            frame, vnet = push_vlan(frame, vnet, action[1], action[2])
        elif kind == dpa.POP_VLAN:
            frame, vnet = pop_vlan(frame, vnet)
        elif kind == dpa.PUSH_MPLS:
            if vnet is not None and (vnet.gso_type != VNET_HDR_GSO_NONE
                                     or vnet.flags & VNET_HDR_F_NEEDS_CSUM):
                try:
                    frames = software_offload(frame, vnet)
                except OffloadError:
                    frames = None
                if frames is not None:
                    # The first push_mpls equal to this one is this one: an earlier one
                    # would have come here with the same offload requests.
                    rest = list(actions[actions.index(action):])
                    if cut:
                        rest.insert(0, dpa.trunc(cut))
                    for each in frames:
                        _execute_one(each, None, rest, in_port, out, userspace)
                    return
            frame, vnet = push_mpls(frame, vnet, action[1], action[2])
        elif kind == dpa.POP_MPLS:
            frame, vnet = pop_mpls(frame, vnet, action[1])
        elif kind == dpa.TRUNC:
            cut = action[1]
        elif kind == dpa.USERSPACE:
            if userspace is not None:
                userspace(bytes(frame), action[1], in_port)
        elif kind == dpa.TUNNEL_OUTPUT:
            frame = bytes(frame)
            sent = (frame, vnet)
            if cut:
                sent, cut = _truncated(frame, vnet, cut), 0
            queue = out.get(action[1])
            if queue is None:
                out[action[1]] = [sent + (action[2],)]
            else:
                queue.append(sent + (action[2],))
        else:
            raise ValueError("unknown datapath action %r" % (action,))


def _truncated(frame: bytes, vnet: Optional[VnetHdr], max_len: int) -> tuple:
    if len(frame) <= max_len:
        return (frame, vnet)
    return (frame[:max_len], None)


# ------------------------------------------------------------------ VLAN tags and MPLS labels
def push_vlan(frame, vnet: Optional[VnetHdr], tpid: int, tci: int):
    """Insert a tag after the MAC addresses; the TCI's 0x1000 "present" bit is not sent."""
    if len(frame) < 12:
        return frame, vnet
    frame = b"".join((frame[:12], _TAG.pack(tpid, tci & 0xEFFF), frame[12:]))
    return frame, (vnet_hdr_shifted(vnet, 4) if vnet is not None else None)


def pop_vlan(frame, vnet: Optional[VnetHdr]):
    """Remove the outermost tag, if there is one."""
    if len(frame) < 18 or (frame[12] << 8 | frame[13]) not in _VLAN_TPIDS:
        return frame, vnet
    frame = b"".join((frame[:12], frame[16:]))
    return frame, (vnet_hdr_shifted(vnet, -4) if vnet is not None else None)


def _ethertype_at(frame) -> int:
    """Offset of the Ethertype after the VLAN tags, or -1 if the frame has none."""
    off = 12
    n = len(frame)
    while n >= off + 2:
        eth_type = frame[off] << 8 | frame[off + 1]
        if eth_type not in _VLAN_TPIDS:
            return off if eth_type >= 0x600 else -1
        off += 4
    return -1


def push_mpls(frame, vnet: Optional[VnetHdr], ethertype: int, lse: int):
    """Insert label stack entry `lse` on top of the labels (or after the tags) and make the
    Ethertype `ethertype`."""
    at = _ethertype_at(frame)
    if at < 0:
        return frame, vnet
    frame = b"".join((frame[:at], struct.pack("!HI", ethertype, lse & 0xFFFFFFFF),
                      frame[at + 2:]))
    return frame, (vnet_hdr_shifted(vnet, 4) if vnet is not None else None)


def pop_mpls(frame, vnet: Optional[VnetHdr], ethertype: int):
    """Remove the outermost label, if there is one, and make the Ethertype `ethertype`."""
    at = _ethertype_at(frame)
    if at < 0 or len(frame) < at + 6 or (frame[at] << 8 | frame[at + 1]) not in _MPLS_TYPES:
        return frame, vnet
    frame = b"".join((frame[:at], ethertype.to_bytes(2, "big"), frame[at + 6:]))
    return frame, (vnet_hdr_shifted(vnet, -4) if vnet is not None else None)


# ------------------------------------------------------------------ where the headers are
def _headers(frame) -> tuple[int, int, int, int, int]:
    """(Ethertype, L3 offset, end of the L3 packet, L4 offset, IP protocol) of `frame`.  The
    L3 offset is -1 unless the frame has a whole header of its Ethertype (IPv4, IPv6, ARP or
    MPLS); the L4 offset is -1 unless an IP packet's transport header is reachable (not a
    later fragment)."""
    n = len(frame)
    off = 12
    eth_type = 0
    while n >= off + 2:
        eth_type = frame[off] << 8 | frame[off + 1]
        if eth_type not in _VLAN_TPIDS:
            break
        off += 4
    l3 = off + 2
    if eth_type < 0x600:
        if n < l3 + 8 or frame[l3:l3 + 6] != b"\xaa\xaa\x03\x00\x00\x00":
            return eth_type, -1, n, -1, -1
        eth_type = frame[l3 + 6] << 8 | frame[l3 + 7]
        l3 += 8
    if eth_type == ETH_TYPE_IP:
        if n < l3 + 20:
            return eth_type, -1, n, -1, -1
        ihl = (frame[l3] & 15) << 2
        end = l3 + (frame[l3 + 2] << 8 | frame[l3 + 3])
        if frame[l3] >> 4 != 4 or ihl < 20 or end < l3 + ihl or end > n:
            return eth_type, -1, n, -1, -1
        if (frame[l3 + 6] << 8 | frame[l3 + 7]) & 0x1FFF:
            return eth_type, l3, end, -1, frame[l3 + 9]
        return eth_type, l3, end, l3 + ihl, frame[l3 + 9]
    if eth_type == ETH_TYPE_IPV6:
        if n < l3 + 40:
            return eth_type, -1, n, -1, -1
        end = l3 + 40 + (frame[l3 + 4] << 8 | frame[l3 + 5])
        if frame[l3] >> 4 != 6 or end > n:
            return eth_type, -1, n, -1, -1
        proto = frame[l3 + 6]
        l4 = l3 + 40
        while proto in _IPV6_EXT_HEADERS or proto == _IPV6_AH or proto == _IPV6_FRAGMENT:
            if end < l4 + 8:
                return eth_type, l3, end, -1, proto
            if proto == _IPV6_FRAGMENT:
                if (frame[l4 + 2] << 8 | frame[l4 + 3]) & 0xFFF8:
                    return eth_type, l3, end, -1, frame[l4]
                length = 8
            elif proto == _IPV6_AH:
                length = (frame[l4 + 1] + 2) * 4
            else:
                length = (frame[l4 + 1] + 1) * 8
            proto = frame[l4]
            l4 += length
        return eth_type, l3, end, (l4 if l4 <= end else -1), proto
    if eth_type == ETH_TYPE_ARP or eth_type == ETH_TYPE_RARP:
        if n < l3 + 28 or frame[l3:l3 + 6] != b"\x00\x01\x08\x00\x06\x04":
            return eth_type, -1, n, -1, -1
        return eth_type, l3, l3 + 28, -1, -1
    if eth_type in _MPLS_TYPES and n >= l3 + 4:
        return eth_type, l3, n, -1, -1
    return eth_type, -1, n, -1, -1


# Header kinds a field may live in.  The order matters: kinds up to _ARP are covered by no
# checksum, and kinds from _TCP on are transport headers.
_ETH, _VLAN, _MPLS, _ARP, _IPV4, _IPV6 = range(6)
_TCP, _UDP, _SCTP, _ICMP, _ICMPV6, _ND, _ND_OPTIONS, _ND_SLL, _ND_TLL = range(6, 15)

_MAC, _IP4, _IP6, _PORT = (1 << 48) - 1, 0xFFFFFFFF, (1 << 128) - 1, 0xFFFF

#: field -> the (header kind, byte offset in that header, byte count, shift, mask) of each
#: header the field may live in; the field's value is (bytes as a big-endian int >> shift) & mask.
_SPOT_TABLE: dict[str, tuple[tuple[int, int, int, int, int], ...]] = {
    "dl_dst": ((_ETH, 0, 6, 0, _MAC),),
    "dl_src": ((_ETH, 6, 6, 0, _MAC),),
    # The outermost tag's TCI; the CFI/DEI bit (OpenFlow's "present" bit) is never written.
    "vlan_tci": ((_VLAN, 0, 2, 0, 0xEFFF),),
    "vlan_vid": ((_VLAN, 0, 2, 0, 0x0FFF),),
    "dl_vlan": ((_VLAN, 0, 2, 0, 0x0FFF),),
    "vlan_pcp": ((_VLAN, 0, 1, 5, 0x7),),
    "dl_vlan_pcp": ((_VLAN, 0, 1, 5, 0x7),),
    # The outermost label stack entry: label(20) tc(3) bos(1) ttl(8).
    "mpls_label": ((_MPLS, 0, 3, 4, 0xFFFFF),),
    "mpls_tc": ((_MPLS, 2, 1, 1, 0x7),),
    "mpls_ttl": ((_MPLS, 3, 1, 0, 0xFF),),
    "arp_op": ((_ARP, 6, 2, 0, 0xFFFF),),
    "arp_sha": ((_ARP, 8, 6, 0, _MAC),),
    "arp_spa": ((_ARP, 14, 4, 0, _IP4),),
    "arp_tha": ((_ARP, 18, 6, 0, _MAC),),
    "arp_tpa": ((_ARP, 24, 4, 0, _IP4),),
    "nw_src": ((_IPV4, 12, 4, 0, _IP4), (_ARP, 14, 4, 0, _IP4)),
    "nw_dst": ((_IPV4, 16, 4, 0, _IP4), (_ARP, 24, 4, 0, _IP4)),
    # IPv6's traffic class straddles bytes 0 and 1: version(4) tclass(8) label(20).
    "nw_tos": ((_IPV4, 1, 1, 0, 0xFC), (_IPV6, 0, 2, 4, 0xFC)),
    "ip_dscp": ((_IPV4, 1, 1, 2, 0x3F), (_IPV6, 0, 2, 6, 0x3F)),
    "nw_ecn": ((_IPV4, 1, 1, 0, 0x03), (_IPV6, 0, 2, 4, 0x03)),
    "nw_ttl": ((_IPV4, 8, 1, 0, 0xFF), (_IPV6, 7, 1, 0, 0xFF)),
    "ipv6_src": ((_IPV6, 8, 16, 0, _IP6),),
    "ipv6_dst": ((_IPV6, 24, 16, 0, _IP6),),
    "ipv6_label": ((_IPV6, 1, 3, 0, 0xFFFFF),),
    "tp_src": ((_TCP, 0, 2, 0, _PORT), (_UDP, 0, 2, 0, _PORT), (_SCTP, 0, 2, 0, _PORT)),
    "tp_dst": ((_TCP, 2, 2, 0, _PORT), (_UDP, 2, 2, 0, _PORT), (_SCTP, 2, 2, 0, _PORT)),
    "tcp_src": ((_TCP, 0, 2, 0, _PORT),),
    "tcp_dst": ((_TCP, 2, 2, 0, _PORT),),
    "udp_src": ((_UDP, 0, 2, 0, _PORT),),
    "udp_dst": ((_UDP, 2, 2, 0, _PORT),),
    "sctp_src": ((_SCTP, 0, 2, 0, _PORT),),
    "sctp_dst": ((_SCTP, 2, 2, 0, _PORT),),
    "icmp_type": ((_ICMP, 0, 1, 0, 0xFF),),
    "icmp_code": ((_ICMP, 1, 1, 0, 0xFF),),
    "icmpv6_type": ((_ICMPV6, 0, 1, 0, 0xFF),),
    "icmpv6_code": ((_ICMPV6, 1, 1, 0, 0xFF),),
    "nd_reserved": ((_ND, 4, 4, 0, 0xFFFFFFFF),),
    "nd_target": ((_ND, 8, 16, 0, _IP6),),
    # The first option's type; the first link-layer address option of each kind.
    "nd_options_type": ((_ND_OPTIONS, 0, 1, 0, 0xFF),),
    "nd_sll": ((_ND_SLL, 2, 6, 0, _MAC),),
    "nd_tll": ((_ND_TLL, 2, 6, 0, _MAC),),
}

_SPOTS = {name: _SPOT_TABLE[dp_name] for name, dp_name in dpa.SETTABLE_NAME_OF.items()}

#: Shortest transport header each kind needs (the extractor's lengths).
_L4_MIN_LEN = {_TCP: 20, _UDP: 8, _SCTP: 12, _ICMP: 4, _ICMPV6: 4, _ND: 24, _ND_OPTIONS: 32,
               _ND_SLL: 24, _ND_TLL: 24}
_L4_PROTO = {_TCP: IPPROTO_TCP, _UDP: IPPROTO_UDP, _SCTP: IPPROTO_SCTP, _ICMP: IPPROTO_ICMP,
             _ICMPV6: IPPROTO_ICMPV6, _ND: IPPROTO_ICMPV6, _ND_OPTIONS: IPPROTO_ICMPV6,
             _ND_SLL: IPPROTO_ICMPV6, _ND_TLL: IPPROTO_ICMPV6}


def _l4_start(kind: int, frame, eth_type: int, end: int, l4: int, proto: int) -> int:
    """Where the header of transport kind `kind` starts, or -1 if the frame has none."""
    if l4 < 0 or proto != _L4_PROTO[kind] or end - l4 < _L4_MIN_LEN[kind]:
        return -1
    if kind <= _SCTP:
        return l4
    if kind == _ICMP:
        return l4 if eth_type == ETH_TYPE_IP else -1
    if eth_type != ETH_TYPE_IPV6:
        return -1
    if kind == _ICMPV6:
        return l4
    if frame[l4] not in _ND_TYPES or frame[l4 + 1] != 0:
        return -1
    if kind == _ND:
        return l4
    if kind == _ND_OPTIONS:
        return l4 + 24
    wanted = _ND_OPT_SLL if kind == _ND_SLL else _ND_OPT_TLL
    p = l4 + 24
    while p + 8 <= end:
        opt_len = frame[p + 1] * 8
        if opt_len == 0:
            break
        if frame[p] == wanted and opt_len == 8:
            return p
        p += opt_len
    return -1


# ------------------------------------------------------------------ field rewrites
def set_field(frame, vnet: Optional[VnetHdr], name: str, value: int, mask: int = -1):
    """`frame` (a bytes or bytearray) with the bits of field `name` that `mask` selects
    rewritten to those of `value`, checksums repaired."""
    try:
        spots = _SPOTS[name]
    except KeyError:
        raise ValueError("datapath cannot set field %s" % name) from None
    kind = spots[0][0]
    if kind == _ETH:
        if len(frame) < 14:
            return frame
        if mask == -1:
            buf = bytearray(frame)
            at = spots[0][1]
            buf[at:at + 6] = (value & _MAC).to_bytes(6, "big")
            return buf
        return _write(frame, spots[0], 0, value, mask)
    if kind == _VLAN:
        if len(frame) < 18 or (frame[12] << 8 | frame[13]) not in _VLAN_TPIDS:
            return frame
        return _write(frame, spots[0], 14, value, mask)
    eth_type, l3, end, l4, proto = _headers(frame)
    for spot in spots:
        kind = spot[0]
        if kind <= _IPV6:
            if l3 < 0:
                continue
            if kind == _IPV4:
                if eth_type != ETH_TYPE_IP:
                    continue
            elif kind == _IPV6:
                if eth_type != ETH_TYPE_IPV6:
                    continue
            elif kind == _ARP:
                if eth_type != ETH_TYPE_ARP and eth_type != ETH_TYPE_RARP:
                    continue
            elif eth_type not in _MPLS_TYPES:
                continue
            start = l3
        else:
            start = _l4_start(kind, frame, eth_type, end, l4, proto)
            if start < 0:
                continue
        buf = _write(frame, spot, start, value, mask)
        if buf is frame or kind <= _ARP:
            return buf
        at, size = start + spot[1], spot[2]
        partial = bool(vnet is not None and vnet.flags & VNET_HDR_F_NEEDS_CSUM
                       and vnet.csum_start == l4)
        if kind == _IPV4:
            change = _word_sums(buf, frame, l3, at, size)
            _fix_checksum(buf, l3 + 10, change, False, False)
            if spot[1] >= 12:
                _fix_pseudo_header(buf, change, end, l4, proto, partial, False)
        elif kind == _IPV6:
            if spot[1] >= 8:
                _fix_pseudo_header(buf, _word_sums(buf, frame, l3, at, size), end, l4, proto,
                                   partial, True)
        elif partial:
            pass
        elif kind == _SCTP:
            _fix_sctp_crc(buf, frame, at, size, l4, end)
        elif kind == _TCP:
            _fix_checksum(buf, l4 + 16, _word_sums(buf, frame, l4, at, size), False, False)
        elif kind == _UDP:
            _fix_checksum(buf, l4 + 6, _word_sums(buf, frame, l4, at, size), False, True)
        else:
            _fix_checksum(buf, l4 + 2, _word_sums(buf, frame, l4, at, size), False, False)
        return buf
    return frame


def _write(frame, spot: tuple, start: int, value: int, mask: int):
    """`frame` with the field at `spot` of the header at `start` rewritten (a new bytearray),
    or `frame` itself if the write changes nothing."""
    _, offset, size, shift, bits = spot
    at = start + offset
    old = int.from_bytes(frame[at:at + size], "big")
    bits = (bits & mask) << shift
    new = (old & ~bits) | ((value << shift) & bits)
    if new == old:
        return frame
    buf = bytearray(frame)
    buf[at:at + size] = new.to_bytes(size, "big")
    return buf


def _word_sums(buf: bytearray, frame, base: int, at: int, size: int) -> tuple[int, int]:
    """The one's-complement sums of the 16-bit words covering buf[at:at+size], before (in
    `frame`) and after; `base` is where the checksummed words start.

    Sums are taken modulo 0xFFFF, which is one's-complement addition of 16-bit words; a
    positive total folds to (total - 1) % 0xFFFF + 1, never to the other zero (0x0000), the
    way adding with end-around carry does."""
    first = base + ((at - base) & ~1)
    last = at + size + ((at + size - base) & 1)
    return (int.from_bytes(frame[first:last], "big") % 0xFFFF,
            int.from_bytes(buf[first:last], "big") % 0xFFFF)


def _fix_pseudo_header(buf: bytearray, change: tuple[int, int], end: int, l4: int,
                       proto: int, partial: bool, ipv6: bool) -> None:
    """Carry an IP address change into the transport checksum that covers it."""
    if l4 < 0:
        return
    length = end - l4
    if proto == IPPROTO_TCP and length >= 20:
        _fix_checksum(buf, l4 + 16, change, partial, False)
    elif proto == IPPROTO_UDP and length >= 8:
        _fix_checksum(buf, l4 + 6, change, partial, True)
    elif proto == IPPROTO_ICMPV6 and ipv6 and length >= 4:
        _fix_checksum(buf, l4 + 2, change, partial, False)


def _fix_checksum(buf: bytearray, csum_at: int, change: tuple[int, int], partial: bool,
                  udp: bool) -> None:
    """Update the checksum at buf[csum_at:csum_at+2] for covered words whose sum went from
    change[0] to change[1].  A full checksum is stored complemented; a partial
    (pseudo-header) one is not.  Every total below is positive, as 0xFFFF - old sum is."""
    old_sum, new_sum = change
    stored = buf[csum_at] << 8 | buf[csum_at + 1]
    if partial:
        value = (stored + 0xFFFF - old_sum + new_sum - 1) % 0xFFFF + 1
    else:
        if udp and stored == 0:
            return
        value = 0xFFFF - ((0xFFFF - stored) + (0xFFFF - old_sum) + new_sum - 1) % 0xFFFF - 1
        if udp and value == 0:
            value = 0xFFFF
    buf[csum_at] = value >> 8
    buf[csum_at + 1] = value & 0xFF


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


@functools.cache
def _crc32c_zero_runs() -> list[tuple[list[int], ...]]:
    """For j = 0..15, four byte tables that together advance a CRC32c register over 2**j zero
    bytes: the register is linear in its bits, so each table maps one byte of it to that
    byte's share of the result."""
    table = _CRC32C
    images = [table[(1 << bit) & 0xFF] ^ ((1 << bit) >> 8) for bit in range(32)]
    operators = []
    for _ in range(16):
        tables = []
        for byte in range(4):
            part = [0] * 256
            for value in range(1, 256):
                low = value & -value
                part[value] = part[value ^ low] ^ images[8 * byte + low.bit_length() - 1]
            tables.append(part)
        operators.append(tuple(tables))
        images = [_advance(tables, image) for image in images]
    return operators


def _advance(tables, crc: int) -> int:
    return (tables[0][crc & 0xFF] ^ tables[1][crc >> 8 & 0xFF] ^ tables[2][crc >> 16 & 0xFF]
            ^ tables[3][crc >> 24])


def _fix_sctp_crc(buf: bytearray, frame, at: int, size: int, l4: int, end: int) -> None:
    """SCTP's checksum is a CRC32c over the whole packet, stored little-endian.  The CRCs of
    two packets of one length differ by the CRC, from a zero register, of their XOR; here that
    is the changed bytes followed by end - (at + size) zero bytes, taken in power-of-two runs."""
    table = _CRC32C
    delta = 0
    for index in range(at, at + size):
        delta = table[(delta ^ frame[index] ^ buf[index]) & 0xFF] ^ (delta >> 8)
    zeros = end - at - size
    for tables in _crc32c_zero_runs():
        if not zeros:
            break
        if zeros & 1:
            delta = _advance(tables, delta)
        zeros >>= 1
    stored = int.from_bytes(buf[l4 + 8:l4 + 12], "little")
    buf[l4 + 8:l4 + 12] = (stored ^ delta).to_bytes(4, "little")
