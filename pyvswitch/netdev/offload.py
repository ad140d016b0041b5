"""Offload metadata codec and software fallbacks: pure functions on bytes.

Kernel devices hand us frames whose work is unfinished: the L4 checksum may be
partial (VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum field holds only the folded
pseudo-header sum, and the sum from csum_start to the end still has to be added)
and a frame may be a GSO super-frame of up to 64 KB that must become MTU-sized
segments before it reaches a wire.  The `VnetHdr` (struct virtio_net_hdr) that
travels with such a frame says which.  Outputs that accept the header pass the
work on to the kernel; for every other output this module finishes it:

  * `vnet_hdr_from_bytes` / `vnet_hdr_to_bytes`: the 10-byte header codec, in
    host byte order (packet sockets and TAPs use the host's order by default).
  * `complete_checksum(frame, hdr)`: fills in a partial checksum.
  * `segment(frame, hdr)`: splits a TCPv4/TCPv6 (TSO) or UDP (USO,
    VIRTIO_NET_HDR_GSO_UDP_L4) super-frame into self-contained segments the way
    the kernel's GSO does: every segment gets its own IP total/payload length,
    IPv4 ID (incremented per segment) and header checksum, TCP sequence number
    and full L4 checksum; TCP FIN and PSH stay only on the last segment and CWR
    only on the first.
  * `software_offload(frame, hdr)`: whichever of the two the header asks for;
    the result is a list of plain frames that are correct on any wire.

Frames may carry VLAN tags (802.1Q/802.1ad) inline before the IP header.  The
old UFO type (VIRTIO_NET_HDR_GSO_UDP, IP fragmentation) is never produced by the
kernels we read from and is rejected with `OffloadError`, as are frames whose
headers do not parse.

Checksums use the identity that the one's-complement sum of big-endian 16-bit
words equals the number they spell modulo 0xffff, which lets CPython's bignum
code do the per-byte work.
"""
from __future__ import annotations

import struct
from typing import Optional

from pyvswitch.netdev.base import (
    VNET_HDR_F_NEEDS_CSUM,
    VNET_HDR_GSO_ECN,
    VNET_HDR_GSO_NONE,
    VNET_HDR_GSO_TCPV4,
    VNET_HDR_GSO_TCPV6,
    VNET_HDR_GSO_UDP_L4,
    VnetHdr,
)

# struct virtio_net_hdr without num_buffers, host byte order: the one layout every netdev uses.
VNET_HDR_STRUCT = struct.Struct("=BBHHHH")
VNET_HDR_SIZE = VNET_HDR_STRUCT.size
ZERO_VNET_HDR_BYTES = bytes(VNET_HDR_SIZE)

_ETH_P_IPV4 = 0x0800
_ETH_P_IPV6 = 0x86DD
_VLAN_ETHERTYPES = (0x8100, 0x88A8, 0x9100)
_IPPROTO_TCP = 6
_IPPROTO_UDP = 17
_TCP_FIN_PSH = 0x09
_TCP_CWR = 0x80


class OffloadError(ValueError):
    """The frame's offload request cannot be carried out in software."""


def vnet_hdr_from_bytes(data) -> VnetHdr:
    return VnetHdr(*VNET_HDR_STRUCT.unpack_from(data))


def vnet_hdr_to_bytes(hdr: Optional[VnetHdr]) -> bytes:
    if hdr is None:
        return ZERO_VNET_HDR_BYTES
    return VNET_HDR_STRUCT.pack(*hdr)


def vnet_hdr_shifted(hdr: VnetHdr, delta: int) -> VnetHdr:
    """`hdr` for the same frame after `delta` bytes were inserted (or, if
    negative, removed) in front of the L3 header, e.g. a VLAN tag pushed."""
    if hdr.flags & VNET_HDR_F_NEEDS_CSUM or hdr.gso_type != VNET_HDR_GSO_NONE:
        return hdr._replace(csum_start=hdr.csum_start + delta,
                            hdr_len=max(0, hdr.hdr_len + delta))
    return hdr


def ones_complement_sum(data, initial: int = 0) -> int:
    """The folded 16-bit one's-complement sum of `data` (big-endian words, an odd
    trailing byte padded with zero) plus `initial`; never inverted."""
    if len(data) & 1:
        data = bytes(data) + b"\0"
    total = int.from_bytes(data, "big") + initial
    folded = total % 0xFFFF
    if folded == 0 and total:
        return 0xFFFF
    return folded


def _checksum_field(total: int, udp: bool) -> int:
    csum = ~total & 0xFFFF
    if udp and csum == 0:
        return 0xFFFF
    return csum


def _l3_offset(frame) -> tuple[int, int]:
    """(offset of the L3 header, its ethertype), skipping inline VLAN tags."""
    offset = 12
    if len(frame) < offset + 2:
        raise OffloadError("frame too short for Ethernet")
    ethertype = int.from_bytes(frame[offset:offset + 2], "big")
    while ethertype in _VLAN_ETHERTYPES:
        offset += 4
        if len(frame) < offset + 2:
            raise OffloadError("frame too short for its VLAN tags")
        ethertype = int.from_bytes(frame[offset:offset + 2], "big")
    return offset + 2, ethertype


def complete_checksum(frame, hdr: VnetHdr) -> bytes:
    """`frame` with its partial L4 checksum (NEEDS_CSUM) filled in."""
    start = hdr.csum_start
    field = start + hdr.csum_offset
    if not (hdr.flags & VNET_HDR_F_NEEDS_CSUM):
        return bytes(frame)
    if field + 2 > len(frame):
        raise OffloadError("checksum offset beyond the frame")
    total = ones_complement_sum(memoryview(frame)[start:])
    # A zero UDP checksum means "none", so UDP (field 6 bytes into its header)
    # stores 0xffff instead; for TCP and ICMP both encodings verify the same.
    csum = _checksum_field(total, udp=hdr.csum_offset == 6)
    out = bytearray(frame)
    out[field:field + 2] = csum.to_bytes(2, "big")
    return bytes(out)


def _pseudo_header_sum(frame, l3: int, version: int, proto: int, l4_len: int) -> int:
    if version == 4:
        addresses = frame[l3 + 12:l3 + 20]
    else:
        addresses = frame[l3 + 8:l3 + 40]
    return ones_complement_sum(addresses, proto + l4_len)


def segment(frame, hdr: VnetHdr) -> list[bytes]:
    """Split the GSO super-frame `frame` into complete, checksummed frames."""
    gso_type = hdr.gso_type & ~VNET_HDR_GSO_ECN
    mss = hdr.gso_size
    if gso_type not in (VNET_HDR_GSO_TCPV4, VNET_HDR_GSO_TCPV6, VNET_HDR_GSO_UDP_L4):
        raise OffloadError("unsupported GSO type %d" % hdr.gso_type)
    if mss <= 0:
        raise OffloadError("GSO frame without a segment size")
    frame = memoryview(frame)
    l3, ethertype = _l3_offset(frame)
    if ethertype == _ETH_P_IPV4:
        version = 4
        if len(frame) < l3 + 20:
            raise OffloadError("truncated IPv4 header")
        default_l4 = l3 + (frame[l3] & 0x0F) * 4
        proto = frame[l3 + 9]
    elif ethertype == _ETH_P_IPV6:
        version = 6
        default_l4 = l3 + 40
        if len(frame) < default_l4:
            raise OffloadError("truncated IPv6 header")
        proto = frame[l3 + 6]
    else:
        raise OffloadError("GSO frame is neither IPv4 nor IPv6")
    l4 = hdr.csum_start if hdr.flags & VNET_HDR_F_NEEDS_CSUM else default_l4
    if gso_type == VNET_HDR_GSO_UDP_L4:
        proto = _IPPROTO_UDP
        l4_hdr_len = 8
    else:
        proto = _IPPROTO_TCP
        if len(frame) < l4 + 20:
            raise OffloadError("truncated TCP header")
        l4_hdr_len = (frame[l4 + 12] >> 4) * 4
    payload_start = l4 + l4_hdr_len
    if len(frame) < payload_start or l4 < default_l4:
        raise OffloadError("truncated L4 header")

    l2_and_l3 = frame[:l4]
    l4_header = bytearray(frame[l4:payload_start])
    csum_at = 16 if proto == _IPPROTO_TCP else 6
    l4_header[csum_at:csum_at + 2] = b"\0\0"
    payload = frame[payload_start:]
    n_segments = max(1, -(-len(payload) // mss))
    if version == 4:
        ip_id = int.from_bytes(frame[l3 + 4:l3 + 6], "big")
        ihl = l4 - l3
    else:
        ext_len = l4 - l3 - 40
    if proto == _IPPROTO_TCP:
        seq = int.from_bytes(frame[l4 + 4:l4 + 8], "big")
        tcp_flags = frame[l4 + 13]

    segments = []
    for index in range(n_segments):
        chunk = payload[index * mss:(index + 1) * mss]
        l4_len = l4_hdr_len + len(chunk)
        head = bytearray(l2_and_l3)
        if version == 4:
            head[l3 + 2:l3 + 4] = (ihl + l4_len).to_bytes(2, "big")
            head[l3 + 4:l3 + 6] = ((ip_id + index) & 0xFFFF).to_bytes(2, "big")
            head[l3 + 10:l3 + 12] = b"\0\0"
            ip_csum = ~ones_complement_sum(head[l3:l4]) & 0xFFFF
            head[l3 + 10:l3 + 12] = ip_csum.to_bytes(2, "big")
        else:
            head[l3 + 4:l3 + 6] = (ext_len + l4_len).to_bytes(2, "big")
        l4h = bytearray(l4_header)
        if proto == _IPPROTO_TCP:
            l4h[4:8] = ((seq + index * mss) & 0xFFFFFFFF).to_bytes(4, "big")
            flags = tcp_flags
            if index != n_segments - 1:
                flags &= ~_TCP_FIN_PSH
            if index != 0:
                flags &= ~_TCP_CWR
            l4h[13] = flags
        else:
            l4h[4:6] = l4_len.to_bytes(2, "big")
        total = ones_complement_sum(
            chunk, ones_complement_sum(l4h, _pseudo_header_sum(head, l3, version, proto, l4_len)))
        l4h[csum_at:csum_at + 2] = _checksum_field(total, proto == _IPPROTO_UDP).to_bytes(2, "big")
        segments.append(b"".join((head, l4h, chunk)))
    return segments


def software_offload(frame, hdr: Optional[VnetHdr]) -> list[bytes]:
    """`frame` as plain frames with every offload request carried out."""
    if hdr is None:
        return [frame]
    if hdr.gso_type != VNET_HDR_GSO_NONE:
        return segment(frame, hdr)
    if hdr.flags & VNET_HDR_F_NEEDS_CSUM:
        return [complete_checksum(frame, hdr)]
    return [frame]
