"""The field registry: every header or metadata field a flow can match, and where it lives in a flow key.

A flow key is ONE Python int.  Each field occupies fixed bits of it, so a wildcard mask is an int
too, masking is `key & mask`, and an exact-match table is a dict keyed by `key & mask`.  This
module owns that layout; `pyvswitch.flow` fills keys from frames, the datapath masks them, and the
OpenFlow layer (codec, flow syntax, classifier, translation) matches and sets fields by name
through the same registry.  It holds every field of ovs-fields(7) that OpenFlow 1.0-1.5 and NXM
define except the ERSPAN, GTP-U and NSH ones, which this switch cannot parse or encapsulate.

Layout, low bits first.  A key's int is as long as its highest set bit and every `&` costs time
per 30 bits of the shorter operand, so the fields ordinary traffic sets come first:

      0 -  935  packet fields (PACKET_KEY_MASK), everything `flow.extract_key` can set:
                  0 in_port (32)       32 dl_type      48 dl_src       96 dl_dst
                144 vlan_tci          160 nw_dst      192 nw_src      224 nw_proto
                232 nw_ttl            240 TOS byte    248 ip_frag     256 tp_dst
                272 tp_src            288 tcp_flags   304 vlan_tci1   320 vlan_tpid
                336 vlan_tpid1        352 arp_tha     400 arp_sha     448 ipv6_dst
                576 ipv6_src          704 ipv6_label  736 nd_target   864 top MPLS LSE
                896 nd_reserved       928 nd_options_type
    936 - 2087  datapath-visible metadata: recirc_id, tun_id, tun_dst, tun_src, tun_flags,
                tun_gbp_id, tun_gbp_flags, tun_ipv6_dst, tun_ipv6_src, pkt_mark, skb_priority,
                dp_hash, ct_state, ct_zone, ct_mark, ct_label, ct_nw_dst, ct_nw_src,
                ct_ipv6_dst, ct_ipv6_src, ct_nw_proto, ct_tp_dst, ct_tp_src, packet_type
   2088 - 2727  OpenFlow-only metadata: metadata, reg15 ... reg0 (reg0 highest, see below),
                conj_id, actset_output.  Never part of a datapath flow.
   2728 - 10919 tun_metadata0 ... tun_metadata63, 16 bytes (128 bits) each, tun_metadata0
                lowest.  Datapath-visible.  KEY_BITS is the end.

Invariants the extractor and the datapath rely on:
  * Runs of header bytes read big-endian land in the key with one shift: frame bytes 0..13
    (dl_dst, dl_src, dl_type) map onto bits 32..143, IPv4 bytes 8..9 (ttl, proto) onto 224..239,
    IPv4 bytes 12..19 (src, dst) onto 160..223, L4 bytes 0..3 (source, destination port) onto
    256..287, IPv6 bytes 8..39 (src, dst) onto 448..703 and an MPLS label stack entry onto
    864..895.  No existing packet field may move.
  * Metadata sits above the packet fields and the extractor leaves it zero (the tunnel receive
    path sets tun_*), so a key's int stays small for ordinary traffic.
  * DATAPATH_KEY_MASK is every bit a datapath flow can match: the packet fields, the datapath
    metadata and tun_metadata, with a hole where the OpenFlow-only metadata is.
  * Some fields are views onto the bits of another, the way OpenFlow defines them: dl_vlan and
    dl_vlan_pcp onto vlan_tci, nw_tos and nw_ecn onto the IP TOS byte, icmp_type onto tp_src,
    arp_spa onto nw_src, nd_sll onto arp_sha, mpls_label onto the MPLS LSE, xreg0 onto reg0 and
    reg1...  Such a field has a `value_mask` covering only its bits within its storage, and
    reading it never shifts the remaining bits in.  The registers are laid out in descending
    order (reg0 at the top) precisely so that xreg<i> (reg<2i> high, reg<2i+1> low) and xxreg<i>
    (reg<4i> high ... reg<4i+3> low) are contiguous views, as ovs-fields(7) defines them.
  * tun_metadata<n> holds option data right-aligned in its 16-byte slot: a 4-byte option, as
    OVN maps tun_metadata0, occupies only the slot's low 32 bits.  The TLV map
    (NXT_TLV_TABLE_MOD) says how long each field really is; the registry gives the maximum.
    Open vSwitch allows up to 124 bytes per option (256 in all); slots that large would make
    every exact-match mask 66,000 bits long, and hashing one would cost several microseconds
    per upcall, so this switch supports options of up to 16 bytes (TUN_METADATA_BYTES) and a
    TLV map asking for more must be refused.

VLAN TCIs follow Open vSwitch's convention: the CFI bit (0x1000) means "a tag is present", so
an untagged frame has vlan_tci 0 and a frame tagged with VID 0 has vlan_tci 0x1000.

Code points.  Each field lists every NXM/OXM code point ovs-fields(7) gives it, as `CodePoint`s
(name, code, the OpenFlow version that introduced it).  `nxm`/`nxm_name` are the NXM one (class
0x0000, 0x0001 or 0x1000), `oxm`/`oxm_name` the newest OXM one (class 0x8000, 0x8001 or an
experimenter), and `oxm_code_for(field, version)` is the header Open vSwitch writes for the
field in that OpenFlow version: the newest OXM code point the version has, else the field's
first code point (tcp_flags is NXM_NX_TCP_FLAGS in OpenFlow 1.2, ONFOXM_ET_TCP_FLAGS in 1.3 and
1.4, OXM_OF_TCP_FLAGS in 1.5).  tests/unit/data/ovs_fields.json holds what stock ovs-ofctl
writes, and the unit tests hold the registry to it and to ovs-fields(7).
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple, Optional

#: OpenFlow wire versions.
OFP10, OFP11, OFP12, OFP13, OFP14, OFP15 = 1, 2, 3, 4, 5, 6


class CodePoint(NamedTuple):
    """One NXM or OXM code point: `code` is (class, field, value length in bytes) or, for an
    experimenter OXM, (0xffff, field, value length, experimenter id).  `since` is the OpenFlow
    version that defined it (OFP10 for NXM code points, usable with any version)."""
    name: str
    code: tuple
    since: int


@dataclasses.dataclass(frozen=True)
class Field:
    """One matchable field.

    `shift` is the bit offset of the field's storage in the key; `value_mask` selects the field's
    bits from (key >> shift); `mask` is the same bits in key position (computed once).
    `width` is the number of meaningful bits (e.g. 16 for tp_src, 12 for dl_vlan, 6 for
    ip_dscp, 20 for mpls_label); the wire length in bytes is the code's third element, which
    can be larger (mpls_label: 4).
    `in_port` is the exception: 16 bits in OpenFlow, but stored in 32 because the extractor puts
    the datapath port there before translation maps it to an OpenFlow port.
    `prereqs` is a conjunction of (field name, allowed values) that must hold for the field to
    be meaningful, e.g. tcp_src needs dl_type in (0x0800, 0x86dd) and nw_proto == 6.  The
    prerequisite "Ethernet" of ovs-fields(7) is always met here (every packet is Ethernet) and
    is not listed.  `needs_ct` is ovs-fields(7)'s prerequisite "CT": ct_state must show a valid
    tracked connection (see `ct_valid`), which no (field, values) pair can express.
    `codes` are the field's NXM/OXM code points (see the module docstring), the NXM one first,
    then the OXM ones oldest first; `codes[0]` is what Open vSwitch writes in the NXM flow
    format.  `nxm` and `oxm` are the codes of the NXM and newest OXM code point, `nxm_name` and
    `oxm_name` their names, each None when there is none.
    `fmt` says how ovs-ofctl prints and parses the value:
      "decimal", "hex"  integers;
      "mac"             xx:xx:xx:xx:xx:xx;
      "ipv4", "ipv6"    addresses (masks as CIDR prefixes or addresses);
      "port"            an OpenFlow port number or name, held in OpenFlow 1.0's 16-bit
                        numbering (reserved ports 0xfff8-0xffff); a 4-byte code carries it in
                        OpenFlow 1.1+ numbering (0xfffffff8...), which the codec translates;
      "frag"            no/yes/first/later/not_later;
      "tcp_flags"       +syn-ack... or a hex value/mask;
      "ct_state"        +trk+new... or a hex value/mask;
      "tun_flags"       +oam or a hex value/mask;
      "packet_type"     (namespace,type), e.g. (0,0x800).
    `writable` is True when set_field/load/move may write the field ("read/write" in
    ovs-fields(7)).
    """
    name: str
    width: int
    maskable: bool
    prereqs: tuple[tuple[str, tuple[int, ...]], ...]
    shift: int
    value_mask: int
    fmt: str = "decimal"
    writable: bool = True
    codes: tuple[CodePoint, ...] = ()
    needs_ct: bool = False
    nxm: Optional[tuple] = None
    oxm: Optional[tuple] = None
    nxm_name: Optional[str] = None
    oxm_name: Optional[str] = None
    mask: int = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "mask", self.value_mask << self.shift)

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
ETH_TYPE_MPLS = 0x8847
ETH_TYPE_MPLS_MCAST = 0x8848
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

#: ct_state bits (ovs-fields(7)).
CS_NEW, CS_ESTABLISHED, CS_RELATED, CS_REPLY_DIR = 0x01, 0x02, 0x04, 0x08
CS_INVALID, CS_TRACKED, CS_SRC_NAT, CS_DST_NAT = 0x10, 0x20, 0x40, 0x80

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
SHIFT_MPLS_LSE = 864         # top label stack entry: label 20 | tc 3 | bos 1 | ttl 8
SHIFT_ND_RESERVED = 896
SHIFT_ND_OPTIONS_TYPE = 928
PACKET_KEY_BITS = 936

SHIFT_RECIRC_ID = 936
SHIFT_TUN_ID = 968
SHIFT_TUN_DST = 1032
SHIFT_TUN_SRC = 1064
SHIFT_TUN_FLAGS = 1096
SHIFT_TUN_GBP_ID = 1112
SHIFT_TUN_GBP_FLAGS = 1128
SHIFT_TUN_IPV6_DST = 1136
SHIFT_TUN_IPV6_SRC = 1264
SHIFT_PKT_MARK = 1392
SHIFT_SKB_PRIORITY = 1424
SHIFT_DP_HASH = 1456
SHIFT_CT_STATE = 1488
SHIFT_CT_ZONE = 1520
SHIFT_CT_MARK = 1536
SHIFT_CT_LABEL = 1568
SHIFT_CT_NW_DST = 1696
SHIFT_CT_NW_SRC = 1728
SHIFT_CT_IPV6_DST = 1760
SHIFT_CT_IPV6_SRC = 1888
SHIFT_CT_NW_PROTO = 2016
SHIFT_CT_TP_DST = 2024
SHIFT_CT_TP_SRC = 2040
SHIFT_PACKET_TYPE = 2056
DATAPATH_METADATA_END = 2088

SHIFT_METADATA = 2088
SHIFT_REGS = 2152            # reg15; reg<i> is at SHIFT_REGS + 32 * (15 - i)
SHIFT_REG0 = SHIFT_REGS + 32 * 15
SHIFT_CONJ_ID = 2664
SHIFT_ACTSET_OUTPUT = 2696
SHIFT_TUN_METADATA = 2728    # tun_metadata<n> is at SHIFT_TUN_METADATA + n * TUN_METADATA_BITS
N_TUN_METADATA = 64
TUN_METADATA_BYTES = 16
TUN_METADATA_BITS = TUN_METADATA_BYTES * 8
KEY_BITS = SHIFT_TUN_METADATA + N_TUN_METADATA * TUN_METADATA_BITS

#: Bits the extractor can set.
PACKET_KEY_MASK = (1 << PACKET_KEY_BITS) - 1
#: Bits a datapath flow can match: the packet, the datapath metadata and tun_metadata.  The
#: OpenFlow-only metadata between them (metadata, registers, conj_id, actset_output) never
#: reaches the datapath.
DATAPATH_KEY_MASK = ((1 << DATAPATH_METADATA_END) - 1
                     | ((1 << KEY_BITS) - 1) & ~((1 << SHIFT_TUN_METADATA) - 1))


def reg_shift(i: int) -> int:
    """Bit offset of reg<i>."""
    return SHIFT_REGS + 32 * (15 - i)


def tun_metadata_shift(n: int) -> int:
    """Bit offset of tun_metadata<n>'s slot."""
    return SHIFT_TUN_METADATA + n * TUN_METADATA_BITS


_IP = ("dl_type", (ETH_TYPE_IP,))
_IPV6 = ("dl_type", (ETH_TYPE_IPV6,))
_IP_ANY = ("dl_type", (ETH_TYPE_IP, ETH_TYPE_IPV6))
_ARP = ("dl_type", (ETH_TYPE_ARP, ETH_TYPE_RARP))
_MPLS = ("dl_type", (ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST))
_TCP = ("nw_proto", (IPPROTO_TCP,))
_UDP = ("nw_proto", (IPPROTO_UDP,))
_SCTP = ("nw_proto", (IPPROTO_SCTP,))
_L4 = ("nw_proto", (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP))
_ICMP = ("nw_proto", (IPPROTO_ICMP,))
_ICMPV6 = ("nw_proto", (IPPROTO_ICMPV6,))
_ND = ("icmpv6_type", (135, 136))
_CT_NW_PROTO = ("ct_nw_proto", tuple(range(1, 256)))

_NXM_OF = 0x0000
_NXM_NX = 0x0001
_ERICOXM_OF = 0x1000
_OXM_OF = 0x8000
_OXM_OF_PKT_REG = 0x8001
_EXPERIMENTER = 0xFFFF
_ONF = 0x4F4E4600
_NXM_CLASSES = (_NXM_OF, _NXM_NX, _ERICOXM_OF)

# Code point name prefix -> class, longest first where one prefix extends another.
_CLASS_OF_PREFIX = (("NXM_OF_", _NXM_OF), ("NXM_NX_", _NXM_NX), ("ERICOXM_OF_", _ERICOXM_OF),
                    ("OXM_OF_PKT_REG", _OXM_OF_PKT_REG), ("OXM_OF_", _OXM_OF))


def _point(name: str, number: int, length: int, since: int = OFP10) -> CodePoint:
    """The code point `name` (number) of ovs-fields(7), its class read from the name's prefix."""
    if name.startswith("ONFOXM_ET_"):
        return CodePoint(name, (_EXPERIMENTER, number, length, _ONF), since)
    cls = next(cls for prefix, cls in _CLASS_OF_PREFIX if name.startswith(prefix))
    return CodePoint(name, (cls, number, length), since)


def _f(name, width, maskable, prereqs, shift, value_mask=None, *, fmt="decimal",
       writable=True, nxm=None, oxm=(), needs_ct=False):
    """A field; `nxm` is (name, number, length) and `oxm` a sequence of (name, number, length,
    since), oldest first, straight from ovs-fields(7)."""
    nxm_point = _point(*nxm) if nxm else None
    oxm_points = [_point(*o) for o in oxm]
    newest_oxm = oxm_points[-1] if oxm_points else None
    return Field(name, width, maskable, tuple(prereqs), shift,
                 (1 << width) - 1 if value_mask is None else value_mask, fmt, writable,
                 tuple(([nxm_point] if nxm_point else []) + oxm_points), needs_ct,
                 nxm_point and nxm_point.code, newest_oxm and newest_oxm.code,
                 nxm_point and nxm_point.name, newest_oxm and newest_oxm.name)


_CT = dict(needs_ct=True, writable=False)

_FIELD_LIST = [
    # ---- packet fields ----
    _f("in_port", 32, False, (), SHIFT_IN_PORT, fmt="port",
       nxm=("NXM_OF_IN_PORT", 0, 2), oxm=[("OXM_OF_IN_PORT", 0, 4, OFP12)]),
    _f("dl_dst", 48, True, (), SHIFT_DL_DST, fmt="mac",
       nxm=("NXM_OF_ETH_DST", 1, 6), oxm=[("OXM_OF_ETH_DST", 3, 6, OFP12)]),
    _f("dl_src", 48, True, (), SHIFT_DL_SRC, fmt="mac",
       nxm=("NXM_OF_ETH_SRC", 2, 6), oxm=[("OXM_OF_ETH_SRC", 4, 6, OFP12)]),
    _f("dl_type", 16, False, (), SHIFT_DL_TYPE, fmt="hex", writable=False,
       nxm=("NXM_OF_ETH_TYPE", 3, 2), oxm=[("OXM_OF_ETH_TYPE", 5, 2, OFP12)]),
    _f("vlan_tci", 16, True, (), SHIFT_VLAN_TCI, fmt="hex", nxm=("NXM_OF_VLAN_TCI", 4, 2)),
    _f("dl_vlan", 12, False, (), SHIFT_VLAN_TCI, 0x0FFF),
    _f("dl_vlan_pcp", 3, False, (), SHIFT_VLAN_TCI + 13, 0x7),
    # OpenFlow 1.2+ VLAN_VID: VID plus the "present" bit.
    _f("vlan_vid", 13, True, (), SHIFT_VLAN_TCI, 0x1FFF, oxm=[("OXM_OF_VLAN_VID", 6, 2, OFP12)]),
    _f("vlan_pcp", 3, False, (), SHIFT_VLAN_TCI + 13, 0x7, oxm=[("OXM_OF_VLAN_PCP", 7, 1, OFP12)]),
    _f("vlan_tci1", 16, True, (), SHIFT_VLAN_TCI1, fmt="hex", writable=False),
    _f("vlan_tpid", 16, False, (), SHIFT_VLAN_TPID, fmt="hex", writable=False),
    _f("vlan_tpid1", 16, False, (), SHIFT_VLAN_TPID1, fmt="hex", writable=False),
    _f("mpls_label", 20, False, [_MPLS], SHIFT_MPLS_LSE + 12, 0xFFFFF,
       oxm=[("OXM_OF_MPLS_LABEL", 34, 4, OFP12)]),
    _f("mpls_tc", 3, False, [_MPLS], SHIFT_MPLS_LSE + 9, 0x7,
       oxm=[("OXM_OF_MPLS_TC", 35, 1, OFP12)]),
    _f("mpls_bos", 1, False, [_MPLS], SHIFT_MPLS_LSE + 8, 0x1, writable=False,
       oxm=[("OXM_OF_MPLS_BOS", 36, 1, OFP13)]),
    _f("mpls_ttl", 8, False, [_MPLS], SHIFT_MPLS_LSE, 0xFF, nxm=("NXM_NX_MPLS_TTL", 30, 1)),
    _f("nw_src", 32, True, [_IP], SHIFT_NW_SRC, fmt="ipv4",
       nxm=("NXM_OF_IP_SRC", 7, 4), oxm=[("OXM_OF_IPV4_SRC", 11, 4, OFP12)]),
    _f("nw_dst", 32, True, [_IP], SHIFT_NW_DST, fmt="ipv4",
       nxm=("NXM_OF_IP_DST", 8, 4), oxm=[("OXM_OF_IPV4_DST", 12, 4, OFP12)]),
    _f("nw_proto", 8, False, [_IP_ANY], SHIFT_NW_PROTO, writable=False,
       nxm=("NXM_OF_IP_PROTO", 6, 1), oxm=[("OXM_OF_IP_PROTO", 10, 1, OFP12)]),
    # nw_tos is the DSCP bits in place (TOS & 0xfc); ip_dscp is the same bits shifted down.
    _f("nw_tos", 8, False, [_IP_ANY], SHIFT_NW_TOS, 0xFC, nxm=("NXM_OF_IP_TOS", 5, 1)),
    _f("ip_dscp", 6, False, [_IP_ANY], SHIFT_NW_TOS + 2, 0x3F,
       oxm=[("OXM_OF_IP_DSCP", 8, 1, OFP12)]),
    _f("nw_ecn", 2, False, [_IP_ANY], SHIFT_NW_TOS, 0x3,
       nxm=("NXM_NX_IP_ECN", 28, 1), oxm=[("OXM_OF_IP_ECN", 9, 1, OFP12)]),
    _f("nw_ttl", 8, False, [_IP_ANY], SHIFT_NW_TTL, nxm=("NXM_NX_IP_TTL", 29, 1)),
    _f("ip_frag", 2, True, [_IP_ANY], SHIFT_IP_FRAG, fmt="frag", writable=False,
       nxm=("NXM_NX_IP_FRAG", 26, 1)),
    _f("tp_src", 16, True, [_IP_ANY, _L4], SHIFT_TP_SRC),
    _f("tp_dst", 16, True, [_IP_ANY, _L4], SHIFT_TP_DST),
    _f("tcp_src", 16, True, [_IP_ANY, _TCP], SHIFT_TP_SRC,
       nxm=("NXM_OF_TCP_SRC", 9, 2), oxm=[("OXM_OF_TCP_SRC", 13, 2, OFP12)]),
    _f("tcp_dst", 16, True, [_IP_ANY, _TCP], SHIFT_TP_DST,
       nxm=("NXM_OF_TCP_DST", 10, 2), oxm=[("OXM_OF_TCP_DST", 14, 2, OFP12)]),
    _f("udp_src", 16, True, [_IP_ANY, _UDP], SHIFT_TP_SRC,
       nxm=("NXM_OF_UDP_SRC", 11, 2), oxm=[("OXM_OF_UDP_SRC", 15, 2, OFP12)]),
    _f("udp_dst", 16, True, [_IP_ANY, _UDP], SHIFT_TP_DST,
       nxm=("NXM_OF_UDP_DST", 12, 2), oxm=[("OXM_OF_UDP_DST", 16, 2, OFP12)]),
    _f("sctp_src", 16, True, [_IP_ANY, _SCTP], SHIFT_TP_SRC,
       oxm=[("OXM_OF_SCTP_SRC", 17, 2, OFP12)]),
    _f("sctp_dst", 16, True, [_IP_ANY, _SCTP], SHIFT_TP_DST,
       oxm=[("OXM_OF_SCTP_DST", 18, 2, OFP12)]),
    _f("tcp_flags", 12, True, [_IP_ANY, _TCP], SHIFT_TCP_FLAGS, fmt="tcp_flags", writable=False,
       nxm=("NXM_NX_TCP_FLAGS", 34, 2),
       oxm=[("ONFOXM_ET_TCP_FLAGS", 42, 2, OFP13), ("OXM_OF_TCP_FLAGS", 42, 2, OFP15)]),
    _f("icmp_type", 8, False, [_IP, _ICMP], SHIFT_TP_SRC,
       nxm=("NXM_OF_ICMP_TYPE", 13, 1), oxm=[("OXM_OF_ICMPV4_TYPE", 19, 1, OFP12)]),
    _f("icmp_code", 8, False, [_IP, _ICMP], SHIFT_TP_DST,
       nxm=("NXM_OF_ICMP_CODE", 14, 1), oxm=[("OXM_OF_ICMPV4_CODE", 20, 1, OFP12)]),
    _f("icmpv6_type", 8, False, [_IPV6, _ICMPV6], SHIFT_TP_SRC,
       nxm=("NXM_NX_ICMPV6_TYPE", 21, 1), oxm=[("OXM_OF_ICMPV6_TYPE", 29, 1, OFP12)]),
    _f("icmpv6_code", 8, False, [_IPV6, _ICMPV6], SHIFT_TP_DST,
       nxm=("NXM_NX_ICMPV6_CODE", 22, 1), oxm=[("OXM_OF_ICMPV6_CODE", 30, 1, OFP12)]),
    # Open vSwitch keeps the ARP opcode in nw_proto's bits (only opcodes up to 255 are kept).
    _f("arp_op", 16, False, [_ARP], SHIFT_NW_PROTO, 0xFF,
       nxm=("NXM_OF_ARP_OP", 15, 2), oxm=[("OXM_OF_ARP_OP", 21, 2, OFP12)]),
    _f("arp_spa", 32, True, [_ARP], SHIFT_NW_SRC, fmt="ipv4",
       nxm=("NXM_OF_ARP_SPA", 16, 4), oxm=[("OXM_OF_ARP_SPA", 22, 4, OFP12)]),
    _f("arp_tpa", 32, True, [_ARP], SHIFT_NW_DST, fmt="ipv4",
       nxm=("NXM_OF_ARP_TPA", 17, 4), oxm=[("OXM_OF_ARP_TPA", 23, 4, OFP12)]),
    _f("arp_sha", 48, True, [_ARP], SHIFT_ARP_SHA, fmt="mac",
       nxm=("NXM_NX_ARP_SHA", 17, 6), oxm=[("OXM_OF_ARP_SHA", 24, 6, OFP12)]),
    _f("arp_tha", 48, True, [_ARP], SHIFT_ARP_THA, fmt="mac",
       nxm=("NXM_NX_ARP_THA", 18, 6), oxm=[("OXM_OF_ARP_THA", 25, 6, OFP12)]),
    _f("ipv6_src", 128, True, [_IPV6], SHIFT_IPV6_SRC, fmt="ipv6",
       nxm=("NXM_NX_IPV6_SRC", 19, 16), oxm=[("OXM_OF_IPV6_SRC", 26, 16, OFP12)]),
    _f("ipv6_dst", 128, True, [_IPV6], SHIFT_IPV6_DST, fmt="ipv6",
       nxm=("NXM_NX_IPV6_DST", 20, 16), oxm=[("OXM_OF_IPV6_DST", 27, 16, OFP12)]),
    _f("ipv6_label", 20, True, [_IPV6], SHIFT_IPV6_LABEL, fmt="hex",
       nxm=("NXM_NX_IPV6_LABEL", 27, 4), oxm=[("OXM_OF_IPV6_FLABEL", 28, 4, OFP12)]),
    _f("nd_target", 128, True, [_IPV6, _ICMPV6, _ND], SHIFT_ND_TARGET, fmt="ipv6",
       nxm=("NXM_NX_ND_TARGET", 23, 16), oxm=[("OXM_OF_IPV6_ND_TARGET", 31, 16, OFP12)]),
    _f("nd_sll", 48, True, [_IPV6, _ICMPV6, ("icmpv6_type", (135,))], SHIFT_ARP_SHA, fmt="mac",
       nxm=("NXM_NX_ND_SLL", 24, 6), oxm=[("OXM_OF_IPV6_ND_SLL", 32, 6, OFP12)]),
    _f("nd_tll", 48, True, [_IPV6, _ICMPV6, ("icmpv6_type", (136,))], SHIFT_ARP_THA, fmt="mac",
       nxm=("NXM_NX_ND_TLL", 25, 6), oxm=[("OXM_OF_IPV6_ND_TLL", 33, 6, OFP12)]),
    _f("nd_reserved", 32, False, [_IPV6, _ICMPV6, _ND], SHIFT_ND_RESERVED,
       nxm=("ERICOXM_OF_ICMPV6_ND_RESERVED", 1, 4)),
    _f("nd_options_type", 8, False, [_IPV6, _ICMPV6, _ND], SHIFT_ND_OPTIONS_TYPE,
       nxm=("ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE", 2, 1)),
    # ---- datapath-visible metadata ----
    _f("recirc_id", 32, False, (), SHIFT_RECIRC_ID, fmt="hex", writable=False,
       nxm=("NXM_NX_RECIRC_ID", 36, 4)),
    _f("tun_id", 64, True, (), SHIFT_TUN_ID, fmt="hex",
       nxm=("NXM_NX_TUN_ID", 16, 8), oxm=[("OXM_OF_TUNNEL_ID", 38, 8, OFP13)]),
    _f("tun_src", 32, True, (), SHIFT_TUN_SRC, fmt="ipv4", nxm=("NXM_NX_TUN_IPV4_SRC", 31, 4)),
    _f("tun_dst", 32, True, (), SHIFT_TUN_DST, fmt="ipv4", nxm=("NXM_NX_TUN_IPV4_DST", 32, 4)),
    _f("tun_flags", 1, True, (), SHIFT_TUN_FLAGS, fmt="tun_flags",
       nxm=("NXM_NX_TUN_FLAGS", 104, 2)),
    _f("tun_gbp_id", 16, True, (), SHIFT_TUN_GBP_ID, nxm=("NXM_NX_TUN_GBP_ID", 38, 2)),
    _f("tun_gbp_flags", 8, True, (), SHIFT_TUN_GBP_FLAGS, fmt="hex",
       nxm=("NXM_NX_TUN_GBP_FLAGS", 39, 1)),
    _f("tun_ipv6_src", 128, True, (), SHIFT_TUN_IPV6_SRC, fmt="ipv6",
       nxm=("NXM_NX_TUN_IPV6_SRC", 109, 16)),
    _f("tun_ipv6_dst", 128, True, (), SHIFT_TUN_IPV6_DST, fmt="ipv6",
       nxm=("NXM_NX_TUN_IPV6_DST", 110, 16)),
    _f("pkt_mark", 32, True, (), SHIFT_PKT_MARK, fmt="hex", nxm=("NXM_NX_PKT_MARK", 33, 4)),
    _f("skb_priority", 32, False, (), SHIFT_SKB_PRIORITY, fmt="hex", writable=False),
    _f("dp_hash", 32, True, (), SHIFT_DP_HASH, fmt="hex", writable=False,
       nxm=("NXM_NX_DP_HASH", 35, 4)),
    _f("ct_state", 32, True, (), SHIFT_CT_STATE, fmt="ct_state", writable=False,
       nxm=("NXM_NX_CT_STATE", 105, 4)),
    # ovs-fields(7) calls ct_zone hexadecimal, but ovs-ofctl prints it in decimal.
    _f("ct_zone", 16, False, (), SHIFT_CT_ZONE, writable=False,
       nxm=("NXM_NX_CT_ZONE", 106, 2)),
    _f("ct_mark", 32, True, (), SHIFT_CT_MARK, fmt="hex", nxm=("NXM_NX_CT_MARK", 107, 4)),
    _f("ct_label", 128, True, (), SHIFT_CT_LABEL, fmt="hex", nxm=("NXM_NX_CT_LABEL", 108, 16)),
    _f("ct_nw_src", 32, True, [_IP], SHIFT_CT_NW_SRC, fmt="ipv4",
       nxm=("NXM_NX_CT_NW_SRC", 120, 4), **_CT),
    _f("ct_nw_dst", 32, True, [_IP], SHIFT_CT_NW_DST, fmt="ipv4",
       nxm=("NXM_NX_CT_NW_DST", 121, 4), **_CT),
    _f("ct_ipv6_src", 128, True, [_IPV6], SHIFT_CT_IPV6_SRC, fmt="ipv6",
       nxm=("NXM_NX_CT_IPV6_SRC", 122, 16), **_CT),
    _f("ct_ipv6_dst", 128, True, [_IPV6], SHIFT_CT_IPV6_DST, fmt="ipv6",
       nxm=("NXM_NX_CT_IPV6_DST", 123, 16), **_CT),
    _f("ct_nw_proto", 8, False, (), SHIFT_CT_NW_PROTO, nxm=("NXM_NX_CT_NW_PROTO", 119, 1), **_CT),
    # Open vSwitch matches and writes ct_tp_* only together with a nonzero ct_nw_proto.
    _f("ct_tp_src", 16, True, [_CT_NW_PROTO], SHIFT_CT_TP_SRC, nxm=("NXM_NX_CT_TP_SRC", 124, 2),
       **_CT),
    _f("ct_tp_dst", 16, True, [_CT_NW_PROTO], SHIFT_CT_TP_DST, nxm=("NXM_NX_CT_TP_DST", 125, 2),
       **_CT),
    _f("packet_type", 32, False, (), SHIFT_PACKET_TYPE, fmt="packet_type", writable=False,
       oxm=[("OXM_OF_PACKET_TYPE", 44, 4, OFP15)]),
    # ---- OpenFlow-only metadata ----
    _f("metadata", 64, True, (), SHIFT_METADATA, fmt="hex",
       oxm=[("OXM_OF_METADATA", 2, 8, OFP12)]),
    _f("conj_id", 32, False, (), SHIFT_CONJ_ID, writable=False, nxm=("NXM_NX_CONJ_ID", 37, 4)),
    _f("actset_output", 32, False, (), SHIFT_ACTSET_OUTPUT, fmt="port", writable=False,
       oxm=[("ONFOXM_ET_ACTSET_OUTPUT", 43, 4, OFP13), ("OXM_OF_ACTSET_OUTPUT", 43, 4, OFP15)]),
] + [
    _f("reg%d" % i, 32, True, (), reg_shift(i), fmt="hex", nxm=("NXM_NX_REG%d" % i, i, 4))
    for i in range(16)
] + [
    _f("xreg%d" % i, 64, True, (), reg_shift(2 * i + 1), fmt="hex",
       oxm=[("OXM_OF_PKT_REG%d" % i, i, 8, OFP13)])
    for i in range(8)
] + [
    _f("xxreg%d" % i, 128, True, (), reg_shift(4 * i + 3), fmt="hex",
       nxm=("NXM_NX_XXREG%d" % i, 111 + i, 16))
    for i in range(4)
] + [
    _f("tun_metadata%d" % n, TUN_METADATA_BITS, True, (), tun_metadata_shift(n), fmt="hex",
       nxm=("NXM_NX_TUN_METADATA%d" % n, 40 + n, TUN_METADATA_BYTES))
    for n in range(N_TUN_METADATA)
]

#: Every field by its canonical name.
FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}

#: The other names ovs-ofctl's flow syntax accepts for the same fields: ovs-fields(7)'s names
#: where the canonical name here is the older one (eth_src for dl_src...) and its "aka" names.
ALIASES: dict[str, str] = {
    "eth_src": "dl_src", "eth_dst": "dl_dst", "eth_type": "dl_type",
    "ip_src": "nw_src", "ip_dst": "nw_dst", "ip_proto": "nw_proto", "ip_ecn": "nw_ecn",
    "nw_frag": "ip_frag", "tunnel_id": "tun_id", "in_port_oxm": "in_port",
}


def _union(prefixes: tuple[str, ...]) -> int:
    mask = 0
    for f in _FIELD_LIST:
        if f.name.startswith(prefixes):
            mask |= f.mask
    return mask


#: Every tunnel metadata bit (tun_id ... tun_metadata63): what a patch port crossing or a
#: tunnel encapsulation clears.
TUNNEL_KEY_MASK = _union(("tun_",))
#: Every conntrack bit (ct_state ... ct_tp_dst).
CONNTRACK_KEY_MASK = _union(("ct_",))
#: The OpenFlow-only metadata: metadata, registers, conj_id, actset_output.
OPENFLOW_METADATA_MASK = _union(("metadata", "reg", "conj_id", "actset_output"))

_BY_CODE_NAME = {point.name: f for f in _FIELD_LIST for point in f.codes}
_BY_ANY_NAME = {**_BY_CODE_NAME, **{alias: FIELDS[name] for alias, name in ALIASES.items()},
                **FIELDS}


def field(name: str) -> Field:
    """The field called `name`: its canonical name, an alias, or an NXM/OXM code point name
    (as subfield syntax allows: NXM_OF_ETH_SRC[0..7]); KeyError if there is none."""
    return _BY_ANY_NAME[name]


def by_nxm_name(name: str) -> Optional[Field]:
    """The field an NXM/OXM code point name ("NXM_OF_ETH_SRC", "OXM_OF_PKT_REG0",
    "ONFOXM_ET_TCP_FLAGS"...) names, or None."""
    return _BY_CODE_NAME.get(name)


def oxm_code_for(f: Field, version: int) -> Optional[CodePoint]:
    """The code point Open vSwitch uses for `f` in OpenFlow `version` (OFP12...): the newest
    OXM code point that version has, else `codes[0]` (the NXM one if any: tcp_flags is
    NXM_NX_TCP_FLAGS in OpenFlow 1.2; actset_output is ONFOXM_ET_ACTSET_OUTPUT even there);
    None for a field without code points.  With version OFP10 this is the header of the NXM
    flow format.  (In a match, Open vSwitch writes registers as reg<i> before OpenFlow 1.5 and
    as xreg<i> from 1.5 on; that is the match codec's choice, not a property of a field.)"""
    usable = [p for p in f.codes if p.code[0] not in _NXM_CLASSES and p.since <= version]
    if usable:
        return max(usable, key=lambda p: p.since)
    return f.codes[0] if f.codes else None


def ct_valid(ct_state: int, ct_state_mask: int) -> bool:
    """ovs-fields(7)'s prerequisite "CT" for a match whose ct_state is `ct_state` under
    `ct_state_mask`: it requires a valid tracked connection, i.e. one of +new, +est, +rel,
    +rpl, +snat, +dnat, or +trk together with -inv."""
    if ct_state & ct_state_mask & (CS_NEW | CS_ESTABLISHED | CS_RELATED | CS_REPLY_DIR
                                   | CS_SRC_NAT | CS_DST_NAT):
        return True
    return bool(ct_state & ct_state_mask & CS_TRACKED and ct_state_mask & CS_INVALID
                and not ct_state & CS_INVALID)


def prereqs_met(key: int, f: Field) -> bool:
    """True if `key` satisfies every prerequisite of `f` (recursively through the fields named)."""
    if f.needs_ct and not ct_valid(FIELDS["ct_state"].get(key), 0xFF):
        return False
    for name, allowed in f.prereqs:
        pre = FIELDS[name]
        if pre.get(key) not in allowed or not prereqs_met(key, pre):
            return False
    return True
