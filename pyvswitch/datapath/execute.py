"""Applying datapath actions to frames: pure functions on bytes, no I/O.

In: frames as (frame, vnet) pairs, an action list (see pyvswitch.datapath.actions) and the
in_port.  Out: the frames each output port must send, appended to a dict port -> list, and
calls of a `userspace` hook for ("userspace", cookie) actions.  A tunnel output queues a
(frame, vnet, TunnelHeader) triple: the tunnel netdev encapsulates (and completes offloads).

Header rewrites keep every checksum right:
  * the IPv4 header checksum and the TCP/UDP/ICMPv6 checksums are updated incrementally
    (RFC 1624) when a field they cover changes; a UDP/IPv4 checksum of 0 ("none") stays 0;
  * a frame whose VnetHdr says NEEDS_CSUM carries in its L4 checksum field only the folded
    pseudo-header sum, which whoever completes the checksum (the kernel, or
    pyvswitch.netdev.offload) adds to the sum of the L4 bytes.  So for such a frame an address
    change adjusts the field by the pseudo-header difference, without the complement, and a
    port change leaves the field alone: the completion will sum the new port anyway.  GSO
    frames are partial-checksum frames too, and the segmenter recomputes everything else;
  * pushing or popping a VLAN tag shifts the VnetHdr's offsets with the frame.

Frames are immutable `bytes` between actions; a rewrite copies once into a bytearray, and an
output after a rewrite sends a bytes snapshot, so later actions never change what an earlier
output sent.  Rewrites that do not apply to the frame (an IPv4 field on an ARP frame, a port on
a later fragment, a tag pop on an untagged frame) leave it unchanged, as in Open vSwitch.
"""
from __future__ import annotations

import struct
from typing import Callable, Optional

from pyvswitch.datapath import actions as dpa
from pyvswitch.fields import (ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_RARP,
                              ETH_TYPE_VLAN, ETH_TYPE_VLAN_8021AD, IPPROTO_ICMPV6, IPPROTO_SCTP,
                              IPPROTO_TCP, IPPROTO_UDP)
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VnetHdr
from pyvswitch.netdev.offload import vnet_hdr_shifted

UserspaceHook = Callable[[bytes, object, int], None]

_VLAN_TPIDS = (ETH_TYPE_VLAN, ETH_TYPE_VLAN_8021AD)
_TAG = struct.Struct("!HH")


def execute(packets: list, actions: list, in_port: int, out: dict,
            userspace: Optional[UserspaceHook]) -> None:
    """Run `actions` on each (frame, vnet) of `packets`, adding what ports send to `out`."""
    for frame, vnet in packets:
        _execute_one(frame, vnet, actions, in_port, out, userspace)


def _execute_one(frame, vnet: Optional[VnetHdr], actions: list, in_port: int, out: dict,
                 userspace: Optional[UserspaceHook]) -> None:
    for action in actions:
        kind = action[0]
        if kind == dpa.OUTPUT:
            frame = bytes(frame)
            queue = out.get(action[1])
            if queue is None:
                out[action[1]] = [(frame, vnet)]
            else:
                queue.append((frame, vnet))
        elif kind == dpa.SET:
            frame = set_field(frame, vnet, action[1], action[2])
        elif kind == dpa.PUSH_VLAN:
            frame, vnet = push_vlan(frame, vnet, action[1], action[2])
        elif kind == dpa.POP_VLAN:
            frame, vnet = pop_vlan(frame, vnet)
        elif kind == dpa.USERSPACE:
            if userspace is not None:
                userspace(bytes(frame), action[1], in_port)
        elif kind == dpa.TUNNEL_OUTPUT:
            frame = bytes(frame)
            queue = out.get(action[1])
            if queue is None:
                out[action[1]] = [(frame, vnet, action[2])]
            else:
                queue.append((frame, vnet, action[2]))
        else:
            raise ValueError("unknown datapath action %r" % (action,))


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


def _l3(frame) -> tuple[int, int]:
    """(offset of the L3 header, Ethertype), skipping VLAN tags."""
    off = 12
    n = len(frame)
    while n >= off + 2:
        eth_type = frame[off] << 8 | frame[off + 1]
        if eth_type not in _VLAN_TPIDS:
            return off + 2, eth_type
        off += 4
    return n, 0


def _fold(total: int) -> int:
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _sum16(data) -> int:
    """One's-complement sum of big-endian 16-bit words (even length)."""
    return _fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))


def _adjust(buf: bytearray, at: int, old_sum: int, new_sum: int, partial: bool,
            udp: bool = False) -> None:
    """Update the checksum at buf[at:at+2] for covered words changing from old_sum to new_sum.
    A full checksum is stored complemented; a partial (pseudo-header) one is not."""
    stored = buf[at] << 8 | buf[at + 1]
    if partial:
        value = _fold(stored + (~old_sum & 0xFFFF) + new_sum)
    else:
        if udp and stored == 0:
            return
        value = ~_fold((~stored & 0xFFFF) + (~old_sum & 0xFFFF) + new_sum) & 0xFFFF
        if udp and value == 0:
            value = 0xFFFF
    buf[at] = value >> 8
    buf[at + 1] = value & 0xFF


class _Headers:
    """Where the L3 and L4 headers of one frame are, as set_field needs them."""
    __slots__ = ("l3", "eth_type", "l4", "proto", "partial")

    def __init__(self, frame, vnet: Optional[VnetHdr]):
        self.l3, self.eth_type = _l3(frame)
        self.l4 = -1
        self.proto = -1
        n = len(frame)
        l3 = self.l3
        if self.eth_type == ETH_TYPE_IP and n >= l3 + 20:
            ihl = (frame[l3] & 15) * 4
            if ihl >= 20 and not (frame[l3 + 6] << 8 | frame[l3 + 7]) & 0x1FFF:
                self.l4 = l3 + ihl
                self.proto = frame[l3 + 9]
        elif self.eth_type == ETH_TYPE_IPV6 and n >= l3 + 40:
            # Transport rewrites reach only a transport header right after the fixed header.
            self.l4 = l3 + 40
            self.proto = frame[l3 + 6]
        self.partial = bool(vnet is not None and vnet.flags & VNET_HDR_F_NEEDS_CSUM
                            and vnet.csum_start == self.l4)

    def l4_csum_at(self, n: int) -> tuple[int, bool]:
        """(offset of the L4 checksum, is UDP), or (-1, False) if there is none to fix."""
        proto, l4 = self.proto, self.l4
        if proto == IPPROTO_TCP and n >= l4 + 18:
            return l4 + 16, False
        if proto == IPPROTO_UDP and n >= l4 + 8:
            return l4 + 6, self.eth_type == ETH_TYPE_IP
        if proto == IPPROTO_ICMPV6 and n >= l4 + 4:
            return l4 + 2, False
        return -1, False


def set_field(frame, vnet: Optional[VnetHdr], name: str, value: int):
    """`frame` with field `name` rewritten to `value` (a bytes or bytearray)."""
    if name == "dl_dst" or name == "dl_src":
        if len(frame) < 12:
            return frame
        buf = bytearray(frame)
        at = 0 if name == "dl_dst" else 6
        buf[at:at + 6] = (value & 0xFFFFFFFFFFFF).to_bytes(6, "big")
        return buf
    hdr = _Headers(frame, vnet)
    n = len(frame)
    l3 = hdr.l3
    if hdr.eth_type in (ETH_TYPE_ARP, ETH_TYPE_RARP) and name in ("nw_src", "nw_dst"):
        if n < l3 + 28:
            return frame
        buf = bytearray(frame)
        at = l3 + (14 if name == "nw_src" else 24)
        buf[at:at + 4] = (value & 0xFFFFFFFF).to_bytes(4, "big")
        return buf
    if hdr.eth_type == ETH_TYPE_IP:
        if n < l3 + 20:
            return frame
        if name in ("nw_src", "nw_dst"):
            return _set_ipv4_address(frame, hdr, l3 + (12 if name == "nw_src" else 16), value)
        if name in ("nw_tos", "nw_ecn", "nw_ttl"):
            return _set_ipv4_byte(frame, l3, name, value)
    elif hdr.eth_type == ETH_TYPE_IPV6:
        if n < l3 + 40:
            return frame
        if name in ("ipv6_src", "ipv6_dst"):
            return _set_ipv6_address(frame, hdr, l3 + (8 if name == "ipv6_src" else 24), value)
        if name == "nw_ttl":
            buf = bytearray(frame)
            buf[l3 + 7] = value & 0xFF
            return buf
        if name in ("nw_tos", "nw_ecn"):
            word = frame[l3] << 8 | frame[l3 + 1]
            tclass = (word >> 4) & 0xFF
            tclass = (tclass & 0x03) | (value & 0xFC) if name == "nw_tos" else (tclass & 0xFC) | (value & 3)
            word = (word & 0xF00F) | tclass << 4
            buf = bytearray(frame)
            buf[l3] = word >> 8
            buf[l3 + 1] = word & 0xFF
            return buf
    if name in ("tp_src", "tp_dst"):
        return _set_port(frame, hdr, 0 if name == "tp_src" else 2, value)
    return frame


def _set_ipv4_address(frame, hdr: _Headers, at: int, value: int):
    new = (value & 0xFFFFFFFF).to_bytes(4, "big")
    old = bytes(frame[at:at + 4])
    buf = bytearray(frame)
    buf[at:at + 4] = new
    old_sum, new_sum = _sum16(old), _sum16(new)
    _adjust(buf, hdr.l3 + 10, old_sum, new_sum, False)
    if hdr.l4 >= 0:
        csum_at, udp = hdr.l4_csum_at(len(frame))
        if csum_at >= 0 and hdr.proto != IPPROTO_ICMPV6:
            _adjust(buf, csum_at, old_sum, new_sum, hdr.partial, udp)
    return buf


def _set_ipv4_byte(frame, l3: int, name: str, value: int):
    buf = bytearray(frame)
    if name == "nw_ttl":
        at, new_byte = l3 + 8, value & 0xFF
    elif name == "nw_tos":
        at, new_byte = l3 + 1, (frame[l3 + 1] & 0x03) | (value & 0xFC)
    else:
        at, new_byte = l3 + 1, (frame[l3 + 1] & 0xFC) | (value & 0x03)
    word_at = l3 + ((at - l3) & ~1)
    old_word = bytes(buf[word_at:word_at + 2])
    buf[at] = new_byte
    _adjust(buf, l3 + 10, _sum16(old_word), _sum16(bytes(buf[word_at:word_at + 2])), False)
    return buf


def _set_ipv6_address(frame, hdr: _Headers, at: int, value: int):
    new = (value & ((1 << 128) - 1)).to_bytes(16, "big")
    old = bytes(frame[at:at + 16])
    buf = bytearray(frame)
    buf[at:at + 16] = new
    if hdr.l4 >= 0:
        csum_at, _ = hdr.l4_csum_at(len(frame))
        if csum_at >= 0:
            _adjust(buf, csum_at, _sum16(old), _sum16(new), hdr.partial)
    return buf


def _set_port(frame, hdr: _Headers, offset: int, value: int):
    proto, l4 = hdr.proto, hdr.l4
    if l4 < 0 or proto not in (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP) or len(frame) < l4 + 8:
        return frame
    at = l4 + offset
    new = (value & 0xFFFF).to_bytes(2, "big")
    old = bytes(frame[at:at + 2])
    buf = bytearray(frame)
    buf[at:at + 2] = new
    if proto == IPPROTO_SCTP:
        if len(frame) >= l4 + 12:
            _set_sctp_crc(buf, l4)
        return buf
    csum_at, udp = hdr.l4_csum_at(len(frame))
    if csum_at >= 0 and not hdr.partial:
        _adjust(buf, csum_at, _sum16(old), _sum16(new), False, udp)
    return buf


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def _set_sctp_crc(buf: bytearray, l4: int) -> None:
    """SCTP's checksum is a CRC32c over the whole packet (checksum field zeroed), stored
    little-endian; it cannot be updated incrementally."""
    buf[l4 + 8:l4 + 12] = b"\0\0\0\0"
    crc = 0xFFFFFFFF
    table = _CRC32C
    for byte in memoryview(buf)[l4:]:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    buf[l4 + 8:l4 + 12] = (crc ^ 0xFFFFFFFF).to_bytes(4, "little")
