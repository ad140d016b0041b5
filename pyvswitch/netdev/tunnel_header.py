"""VXLAN and Geneve encapsulation headers: a pure codec, no I/O.

What it owns: the wire format of the 8-byte VXLAN header (RFC 7348) and of the Geneve header
with its variable-length options (RFC 8926), both of which follow an outer UDP header, and
`TunnelHeader`, the parameters of one encapsulation as a datapath action carries them.

In: an inner Ethernet frame and a VNI (encode), or a UDP payload (decode).
Out: the UDP payload (header + frame), or a `Decoded` (VNI, Geneve options, offset of the
inner frame), or None when the payload is not a well-formed header of that kind, which
the receiver drops.

Invariants: VNIs are 24 bits (encoders take the low 24 bits of a tunnel ID, as Open vSwitch
does); a VXLAN header is valid only with the I flag set; a Geneve header is accepted only
with version 0 and protocol type Transparent Ethernet Bridging (0x6558) and only when its
options fit in the payload.  Geneve options are returned as raw bytes, uninterpreted, and
a set critical (C) bit does not make a packet invalid here: what to do with critical
options is the receiver's policy.
"""
from __future__ import annotations

import struct
from typing import NamedTuple, Optional

VXLAN = "vxlan"
GENEVE = "geneve"

#: IANA-assigned UDP destination ports.
DEFAULT_PORTS = {VXLAN: 4789, GENEVE: 6081}

VXLAN_HEADER_LEN = 8
GENEVE_BASE_LEN = 8
ETH_TYPE_TEB = 0x6558            # Transparent Ethernet Bridging: the payload is an Ethernet frame

_VXLAN_FLAG_I = 0x08             # "the VNI is valid"
_GENEVE_FLAG_OAM = 0x80
_GENEVE_FLAG_CRITICAL = 0x40
_VNI_MASK = 0xFFFFFF
_MAX_OPTIONS_LEN = 63 * 4        # the length field counts 4-byte words in 6 bits

_WORDS = struct.Struct("!II")


class TunnelHeader(NamedTuple):
    """Everything needed to encapsulate one frame.  Addresses are text (IPv4 or IPv6);
    an empty `ip_src` lets the kernel's routing choose the source address.  `tos` and
    `ttl` None mean "inherit" from the inner IP header."""
    kind: str
    tun_id: int
    ip_dst: str
    ip_src: str = ""
    dst_port: int = 0
    tos: Optional[int] = 0
    ttl: Optional[int] = 64
    df: bool = True
    csum: bool = False


class Decoded(NamedTuple):
    vni: int
    options: bytes
    oam: bool
    critical: bool
    offset: int                  # where the inner Ethernet frame starts


def encode_vxlan(vni: int) -> bytes:
    return _WORDS.pack(_VXLAN_FLAG_I << 24, (vni & _VNI_MASK) << 8)


def decode_vxlan(payload) -> Optional[Decoded]:
    if len(payload) < VXLAN_HEADER_LEN:
        return None
    flags_word, vni_word = _WORDS.unpack_from(payload)
    if not (flags_word >> 24) & _VXLAN_FLAG_I:
        return None
    return Decoded(vni_word >> 8, b"", False, False, VXLAN_HEADER_LEN)


def encode_geneve(vni: int, options: bytes = b"", *, oam: bool = False,
                  critical: bool = False) -> bytes:
    """A Geneve header; `options` is the already-encoded TLV list (a multiple of 4 bytes)."""
    if len(options) % 4 or len(options) > _MAX_OPTIONS_LEN:
        raise ValueError("Geneve options must be a multiple of 4 bytes, at most 252")
    flags = (_GENEVE_FLAG_OAM if oam else 0) | (_GENEVE_FLAG_CRITICAL if critical else 0)
    first = (len(options) // 4) << 24 | flags << 16 | ETH_TYPE_TEB
    return _WORDS.pack(first, (vni & _VNI_MASK) << 8) + bytes(options)


def decode_geneve(payload) -> Optional[Decoded]:
    if len(payload) < GENEVE_BASE_LEN:
        return None
    first, vni_word = _WORDS.unpack_from(payload)
    version = first >> 30
    options_len = ((first >> 24) & 0x3F) * 4
    flags = (first >> 16) & 0xFF
    if version != 0 or first & 0xFFFF != ETH_TYPE_TEB:
        return None
    offset = GENEVE_BASE_LEN + options_len
    if len(payload) < offset:
        return None
    return Decoded(vni_word >> 8, bytes(payload[GENEVE_BASE_LEN:offset]),
                   bool(flags & _GENEVE_FLAG_OAM), bool(flags & _GENEVE_FLAG_CRITICAL), offset)


def encode(kind: str, vni: int) -> bytes:
    """The header of `kind` for `vni` (Geneve without options)."""
    return encode_vxlan(vni) if kind == VXLAN else encode_geneve(vni)


def decode(kind: str, payload) -> Optional[Decoded]:
    return decode_vxlan(payload) if kind == VXLAN else decode_geneve(payload)
