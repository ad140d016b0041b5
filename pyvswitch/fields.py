"""The field registry: every header or metadata field a flow can match, and where it lives in a flow key.

A flow key is ONE Python int.  Each field occupies fixed bits of it, so a wildcard mask is an int
too, masking is `key & mask`, and an exact-match table is a dict keyed by `key & mask`.  This
module owns that layout; `pyvswitch.flow` fills keys from frames, the datapath masks them, and the
OpenFlow layer matches and sets fields by name through the same registry.

Layout rules (invariants the extractor relies on):
  * Packet fields sit in the low PACKET_KEY_BITS bits.  Several of them are laid out so that a
    run of header bytes read big-endian lands in the key with one shift: frame bytes 0..13
    (dl_dst, dl_src, dl_type) map onto bits 32..143, IPv4 bytes 8..9 (ttl, proto) onto 224..239,
    IPv4 bytes 12..19 (src, dst) onto 160..223, L4 bytes 0..3 (source, destination port) onto
    256..287 and IPv6 bytes 8..39 (src, dst) onto 448..703.
  * Pipeline metadata (recirc_id, tunnel metadata, metadata, registers) sits above the packet
    fields.  The extractor leaves it zero, so a key's int stays small for ordinary traffic.
  * Some fields are views onto the bits of another, the way OpenFlow defines them: dl_vlan and
    dl_vlan_pcp onto vlan_tci, nw_tos and nw_ecn onto the IP TOS byte, icmp_type onto tp_src,
    arp_spa onto nw_src, nd_sll onto arp_sha...  Such a field has a `value_mask` covering only
    its bits within its storage, and reading it never shifts the remaining bits in.

VLAN TCIs follow Open vSwitch's convention: the CFI bit (0x1000) means "a tag is present", so
an untagged frame has vlan_tci 0 and a frame tagged with VID 0 has vlan_tci 0x1000.
"""
from __future__ import annotations

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class Field:
    """One matchable field.

    `shift` is the bit offset of the field's storage in the key; `value_mask` selects the field's
    bits from (key >> shift); `mask` is the same bits in key position.  `width` is the field's
    width in bits as OpenFlow sees it (e.g. 16 for tp_src, 12 for dl_vlan, 6 for ip_dscp).
    `prereqs` is a conjunction of (field name, allowed values) that must hold for the field to
    be meaningful, e.g. tcp_src needs dl_type in (0x0800, 0x86dd) and nw_proto == 6.
    `nxm` and `oxm` are (class, field, length in bytes) of the NXM / OXM header, or None.
    `fmt` says how ovs-ofctl prints and parses the value: "decimal", "hex", "mac", "ipv4",
    "ipv6", "port" (an OpenFlow port number or name), "frag" (no/yes/first/later/not_later),
    "tcp_flags" (+syn-ack...), "ct_state" (+trk+new...), "packet_type" ((ns,type)).
    `writable` is True when set_field/load/move may write the field (ovs-fields(7)).
    """
    name: str
    width: int
    maskable: bool
    prereqs: tuple[tuple[str, tuple[int, ...]], ...]
    nxm: Optional[tuple[int, int, int]]
    oxm: Optional[tuple[int, int, int]]
    shift: int
    value_mask: int
    fmt: str = "decimal"
    writable: bool = True

    @property
    def mask(self) -> int:
        return self.value_mask << self.shift

    def get(self, key: int) -> int:
        return (key >> self.shift) & self.value_mask

    def set(self, key: int, value: int) -> int:
        """`key` with this field replaced by `value` (bits outside value_mask ignored)."""
        return (key & ~self.mask) | ((value & self.value_mask) << self.shift)


ETH_TYPE_IP = 0x0800
ETH_TYPE_ARP = 0x0806
ETH_TYPE_RARP = 0x8035
ETH_TYPE_IPV6 = 0x86DD
ETH_TYPE_VLAN = 0x8100
ETH_TYPE_VLAN_8021AD = 0x88A8
#: dl_type of an 802.3 frame without a SNAP header (no Ethertype), as in Open vSwitch.
ETH_TYPE_NONE = 0x05FF

IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ICMPV6 = 58
IPPROTO_SCTP = 132

#: ip_frag bits: the packet is a fragment / a fragment other than the first.
FRAG_ANY = 1
FRAG_LATER = 2

#: vlan_tci bit meaning "a VLAN tag is present".
VLAN_CFI = 0x1000

# Storage offsets (bits).  See the module docstring for why the order is what it is.
SHIFT_IN_PORT = 0
SHIFT_DL_TYPE = 32
SHIFT_DL_SRC = 48
SHIFT_DL_DST = 96
SHIFT_VLAN_TCI = 144
SHIFT_NW_DST = 160
SHIFT_NW_SRC = 192
SHIFT_NW_PROTO = 224
SHIFT_NW_TTL = 232
SHIFT_NW_TOS = 240           # the whole TOS / traffic-class byte
SHIFT_IP_FRAG = 248
SHIFT_TP_DST = 256
SHIFT_TP_SRC = 272
SHIFT_TCP_FLAGS = 288
SHIFT_VLAN_TCI1 = 304        # inner tag of a double-tagged frame
SHIFT_VLAN_TPID = 320        # TPID of the outer tag (0x8100 or 0x88a8), 0 when untagged
SHIFT_VLAN_TPID1 = 336
SHIFT_ARP_THA = 352
SHIFT_ARP_SHA = 400
SHIFT_IPV6_DST = 448
SHIFT_IPV6_SRC = 576
SHIFT_IPV6_LABEL = 704
SHIFT_ND_TARGET = 736
PACKET_KEY_BITS = 864
SHIFT_RECIRC_ID = 864
SHIFT_TUN_ID = 896
SHIFT_TUN_DST = 960
SHIFT_TUN_SRC = 992
SHIFT_METADATA = 1024
SHIFT_REG0 = 1088
KEY_BITS = SHIFT_REG0 + 16 * 32

#: Bits the extractor can set.
PACKET_KEY_MASK = (1 << PACKET_KEY_BITS) - 1
#: Bits a datapath flow can match: the packet plus recirculation and tunnel metadata.  The
#: OpenFlow-only metadata above (metadata, registers) never reaches the datapath.
DATAPATH_KEY_MASK = (1 << SHIFT_METADATA) - 1

_IP = ("dl_type", (ETH_TYPE_IP,))
_IPV6 = ("dl_type", (ETH_TYPE_IPV6,))
_IP_ANY = ("dl_type", (ETH_TYPE_IP, ETH_TYPE_IPV6))
_ARP = ("dl_type", (ETH_TYPE_ARP, ETH_TYPE_RARP))
_TCP = ("nw_proto", (IPPROTO_TCP,))
_UDP = ("nw_proto", (IPPROTO_UDP,))
_SCTP = ("nw_proto", (IPPROTO_SCTP,))
_L4 = ("nw_proto", (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP))
_ICMP = ("nw_proto", (IPPROTO_ICMP,))
_ICMPV6 = ("nw_proto", (IPPROTO_ICMPV6,))
_ND = ("icmpv6_type", (135, 136))


_HEX_FIELDS = ("vlan_tci", "vlan_tci1", "vlan_tpid", "vlan_tpid1", "dl_type", "tun_id",
               "metadata", "ipv6_label", "recirc_id")


def _f(name, width, maskable, prereqs, nxm, oxm, shift, value_mask=None, fmt=None,
       writable=True):
    if fmt is None:
        if name in ("dl_src", "dl_dst", "arp_sha", "arp_tha", "nd_sll", "nd_tll"):
            fmt = "mac"
        elif name in ("nw_src", "nw_dst", "arp_spa", "arp_tpa", "tun_src", "tun_dst"):
            fmt = "ipv4"
        elif name in ("ipv6_src", "ipv6_dst", "nd_target"):
            fmt = "ipv6"
        elif name == "in_port":
            fmt = "port"
        elif name == "ip_frag":
            fmt = "frag"
        elif name == "tcp_flags":
            fmt = "tcp_flags"
        elif name in _HEX_FIELDS or name.startswith("reg"):
            fmt = "hex"
        else:
            fmt = "decimal"
    return Field(name, width, maskable, tuple(prereqs), nxm, oxm, shift,
                 (1 << width) - 1 if value_mask is None else value_mask, fmt, writable)


_NX = 0x0001
_OF = 0x0000
_OXM = 0x8000

_FIELD_LIST = [
    _f("in_port", 32, False, (), (_OF, 0, 2), (_OXM, 0, 4), SHIFT_IN_PORT),
    _f("dl_dst", 48, True, (), (_OF, 1, 6), (_OXM, 3, 6), SHIFT_DL_DST),
    _f("dl_src", 48, True, (), (_OF, 2, 6), (_OXM, 4, 6), SHIFT_DL_SRC),
    _f("dl_type", 16, False, (), (_OF, 3, 2), (_OXM, 5, 2), SHIFT_DL_TYPE),
    _f("vlan_tci", 16, True, (), (_OF, 4, 2), None, SHIFT_VLAN_TCI),
    _f("dl_vlan", 12, False, (), None, None, SHIFT_VLAN_TCI, 0x0FFF),
    _f("dl_vlan_pcp", 3, False, (), None, None, SHIFT_VLAN_TCI + 13, 0x7),
    # OpenFlow 1.2+ VLAN_VID: VID plus the "present" bit.
    _f("vlan_vid", 13, True, (), None, (_OXM, 6, 2), SHIFT_VLAN_TCI, 0x1FFF),
    _f("vlan_pcp", 3, False, (), None, (_OXM, 7, 1), SHIFT_VLAN_TCI + 13, 0x7),
    _f("vlan_tci1", 16, True, (), None, None, SHIFT_VLAN_TCI1),
    _f("vlan_tpid", 16, False, (), None, None, SHIFT_VLAN_TPID),
    _f("vlan_tpid1", 16, False, (), None, None, SHIFT_VLAN_TPID1),
    _f("nw_src", 32, True, [_IP], (_OF, 7, 4), (_OXM, 11, 4), SHIFT_NW_SRC),
    _f("nw_dst", 32, True, [_IP], (_OF, 8, 4), (_OXM, 12, 4), SHIFT_NW_DST),
    _f("nw_proto", 8, False, [_IP_ANY], (_OF, 6, 1), (_OXM, 10, 1), SHIFT_NW_PROTO),
    # nw_tos is the DSCP bits in place (TOS & 0xfc); ip_dscp is the same bits shifted down.
    _f("nw_tos", 8, False, [_IP_ANY], (_OF, 5, 1), None, SHIFT_NW_TOS, 0xFC),
    _f("ip_dscp", 6, False, [_IP_ANY], None, (_OXM, 8, 1), SHIFT_NW_TOS + 2, 0x3F),
    _f("nw_ecn", 2, False, [_IP_ANY], (_NX, 28, 1), (_OXM, 9, 1), SHIFT_NW_TOS, 0x3),
    _f("nw_ttl", 8, False, [_IP_ANY], (_NX, 29, 1), None, SHIFT_NW_TTL),
    _f("ip_frag", 2, True, [_IP_ANY], (_NX, 26, 1), None, SHIFT_IP_FRAG),
    _f("tp_src", 16, True, [_IP_ANY, _L4], None, None, SHIFT_TP_SRC),
    _f("tp_dst", 16, True, [_IP_ANY, _L4], None, None, SHIFT_TP_DST),
    _f("tcp_src", 16, True, [_IP_ANY, _TCP], (_OF, 9, 2), (_OXM, 13, 2), SHIFT_TP_SRC),
    _f("tcp_dst", 16, True, [_IP_ANY, _TCP], (_OF, 10, 2), (_OXM, 14, 2), SHIFT_TP_DST),
    _f("udp_src", 16, True, [_IP_ANY, _UDP], (_OF, 11, 2), (_OXM, 15, 2), SHIFT_TP_SRC),
    _f("udp_dst", 16, True, [_IP_ANY, _UDP], (_OF, 12, 2), (_OXM, 16, 2), SHIFT_TP_DST),
    _f("sctp_src", 16, True, [_IP_ANY, _SCTP], None, (_OXM, 17, 2), SHIFT_TP_SRC),
    _f("sctp_dst", 16, True, [_IP_ANY, _SCTP], None, (_OXM, 18, 2), SHIFT_TP_DST),
    _f("tcp_flags", 12, True, [_IP_ANY, _TCP], (_NX, 34, 2), None, SHIFT_TCP_FLAGS),
    _f("icmp_type", 8, False, [_IP, _ICMP], (_OF, 13, 1), (_OXM, 19, 1), SHIFT_TP_SRC),
    _f("icmp_code", 8, False, [_IP, _ICMP], (_OF, 14, 1), (_OXM, 20, 1), SHIFT_TP_DST),
    _f("icmpv6_type", 8, False, [_IPV6, _ICMPV6], (_NX, 21, 1), (_OXM, 29, 1), SHIFT_TP_SRC),
    _f("icmpv6_code", 8, False, [_IPV6, _ICMPV6], (_NX, 22, 1), (_OXM, 30, 1), SHIFT_TP_DST),
    _f("arp_op", 16, False, [_ARP], (_OF, 15, 2), (_OXM, 21, 2), SHIFT_NW_PROTO, 0xFF),
    _f("arp_spa", 32, True, [_ARP], (_OF, 16, 4), (_OXM, 22, 4), SHIFT_NW_SRC),
    _f("arp_tpa", 32, True, [_ARP], (_OF, 17, 4), (_OXM, 23, 4), SHIFT_NW_DST),
    _f("arp_sha", 48, True, [_ARP], (_NX, 17, 6), (_OXM, 24, 6), SHIFT_ARP_SHA),
    _f("arp_tha", 48, True, [_ARP], (_NX, 18, 6), (_OXM, 25, 6), SHIFT_ARP_THA),
    _f("ipv6_src", 128, True, [_IPV6], (_NX, 19, 16), (_OXM, 26, 16), SHIFT_IPV6_SRC),
    _f("ipv6_dst", 128, True, [_IPV6], (_NX, 20, 16), (_OXM, 27, 16), SHIFT_IPV6_DST),
    _f("ipv6_label", 20, True, [_IPV6], (_NX, 27, 4), (_OXM, 28, 4), SHIFT_IPV6_LABEL),
    _f("nd_target", 128, True, [_IPV6, _ICMPV6, _ND], (_NX, 23, 16), (_OXM, 31, 16), SHIFT_ND_TARGET),
    _f("nd_sll", 48, True, [_IPV6, _ICMPV6, ("icmpv6_type", (135,))], (_NX, 24, 6), (_OXM, 32, 6),
       SHIFT_ARP_SHA),
    _f("nd_tll", 48, True, [_IPV6, _ICMPV6, ("icmpv6_type", (136,))], (_NX, 25, 6), (_OXM, 33, 6),
       SHIFT_ARP_THA),
    _f("recirc_id", 32, False, (), (_NX, 36, 4), None, SHIFT_RECIRC_ID),
    _f("tun_id", 64, True, (), (_NX, 16, 8), (_OXM, 38, 8), SHIFT_TUN_ID),
    _f("tun_src", 32, True, (), (_NX, 31, 4), None, SHIFT_TUN_SRC),
    _f("tun_dst", 32, True, (), (_NX, 32, 4), None, SHIFT_TUN_DST),
    _f("metadata", 64, True, (), None, (_OXM, 2, 8), SHIFT_METADATA),
] + [
    _f("reg%d" % i, 32, True, (), (_NX, i, 4), None, SHIFT_REG0 + 32 * i) for i in range(16)
]

#: Every field by its canonical name.
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}

#: Other names OpenFlow tools accept for the same fields (ovs-fields(7)).
ALIASES: dict[str, str] = {
    "eth_src": "dl_src", "eth_dst": "dl_dst", "eth_type": "dl_type",
    "ip_src": "nw_src", "ip_dst": "nw_dst", "ip_proto": "nw_proto",
    "ipv4_src": "nw_src", "ipv4_dst": "nw_dst", "ip_ecn": "nw_ecn", "ip_ttl": "nw_ttl",
    "nw_frag": "ip_frag", "tun_ipv4_src": "tun_src", "tun_ipv4_dst": "tun_dst",
    "icmpv4_type": "icmp_type", "icmpv4_code": "icmp_code", "ipv6_flabel": "ipv6_label",
}


def field(name: str) -> Field:
    """The field called `name` (canonical or alias); KeyError if there is none."""
    return FIELDS[ALIASES.get(name, name)]


def prereqs_met(key: int, f: Field) -> bool:
    """True if `key` satisfies every prerequisite of `f` (recursively through the fields named)."""
    for name, allowed in f.prereqs:
        pre = FIELDS[name]
        if pre.get(key) not in allowed or not prereqs_met(key, pre):
            return False
    return True
