"""Field values, ports and subfields in ovs-ofctl's text syntax, both directions.

Each field's `fmt` in the registry (pyvswitch.fields) picks how its value is written:
decimal or hex integers, Ethernet and IP addresses (with CIDR or arbitrary masks), OpenFlow
port numbers or names, IP fragment kinds, TCP flags and conntrack states as flag words.
`parse_value(field, text)` gives (value, mask or None); `format_value(field, value, mask)`
gives back the text Open vSwitch prints.  Errors are FlowSyntaxError with ovs-ofctl's words,
which name fields by Open vSwitch's canonical names (`ovs_name`: eth_type, ip_src, tcp_dst...).

Subfields (`reg0[8..15]`, `NXM_OF_ETH_SRC[]`) accept any name the field has: registry names,
aliases, Open vSwitch names and NXM/OXM names; they print under the NXM or OXM name, as
ovs-ofctl prints move/load/learn operands.
"""
from __future__ import annotations

import re
import socket
from typing import Optional

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames

# Local shim until the registry carries Open vSwitch's own names for each field (the fields
# helper is adding `nxm_name`/`oxm_name`): registry name -> (ovs name, NXM or OXM name).
_NAMES = {
    "in_port": ("in_port", "NXM_OF_IN_PORT"), "dl_dst": ("eth_dst", "NXM_OF_ETH_DST"),
    "dl_src": ("eth_src", "NXM_OF_ETH_SRC"), "dl_type": ("eth_type", "NXM_OF_ETH_TYPE"),
    "vlan_tci": ("vlan_tci", "NXM_OF_VLAN_TCI"), "dl_vlan": ("dl_vlan", None),
    "dl_vlan_pcp": ("dl_vlan_pcp", None), "vlan_vid": ("vlan_vid", "OXM_OF_VLAN_VID"),
    "vlan_pcp": ("vlan_pcp", "OXM_OF_VLAN_PCP"), "nw_src": ("ip_src", "NXM_OF_IP_SRC"),
    "nw_dst": ("ip_dst", "NXM_OF_IP_DST"), "nw_proto": ("nw_proto", "NXM_OF_IP_PROTO"),
    "nw_tos": ("nw_tos", "NXM_OF_IP_TOS"), "ip_dscp": ("ip_dscp", "OXM_OF_IP_DSCP"),
    "nw_ecn": ("nw_ecn", "NXM_NX_IP_ECN"), "nw_ttl": ("nw_ttl", "NXM_NX_IP_TTL"),
    "ip_frag": ("ip_frag", "NXM_NX_IP_FRAG"), "tp_src": ("tcp_src", "NXM_OF_TCP_SRC"),
    "tp_dst": ("tcp_dst", "NXM_OF_TCP_DST"), "tcp_src": ("tcp_src", "NXM_OF_TCP_SRC"),
    "tcp_dst": ("tcp_dst", "NXM_OF_TCP_DST"), "udp_src": ("udp_src", "NXM_OF_UDP_SRC"),
    "udp_dst": ("udp_dst", "NXM_OF_UDP_DST"), "sctp_src": ("sctp_src", "OXM_OF_SCTP_SRC"),
    "sctp_dst": ("sctp_dst", "OXM_OF_SCTP_DST"), "tcp_flags": ("tcp_flags", "NXM_NX_TCP_FLAGS"),
    "icmp_type": ("icmp_type", "NXM_OF_ICMP_TYPE"), "icmp_code": ("icmp_code", "NXM_OF_ICMP_CODE"),
    "icmpv6_type": ("icmpv6_type", "NXM_NX_ICMPV6_TYPE"),
    "icmpv6_code": ("icmpv6_code", "NXM_NX_ICMPV6_CODE"), "arp_op": ("arp_op", "NXM_OF_ARP_OP"),
    "arp_spa": ("arp_spa", "NXM_OF_ARP_SPA"), "arp_tpa": ("arp_tpa", "NXM_OF_ARP_TPA"),
    "arp_sha": ("arp_sha", "NXM_NX_ARP_SHA"), "arp_tha": ("arp_tha", "NXM_NX_ARP_THA"),
    "ipv6_src": ("ipv6_src", "NXM_NX_IPV6_SRC"), "ipv6_dst": ("ipv6_dst", "NXM_NX_IPV6_DST"),
    "ipv6_label": ("ipv6_label", "NXM_NX_IPV6_LABEL"),
    "nd_target": ("nd_target", "NXM_NX_ND_TARGET"), "nd_sll": ("nd_sll", "NXM_NX_ND_SLL"),
    "nd_tll": ("nd_tll", "NXM_NX_ND_TLL"), "recirc_id": ("recirc_id", "NXM_NX_RECIRC_ID"),
    "tun_id": ("tun_id", "NXM_NX_TUN_ID"), "tun_src": ("tun_src", "NXM_NX_TUN_IPV4_SRC"),
    "tun_dst": ("tun_dst", "NXM_NX_TUN_IPV4_DST"), "metadata": ("metadata", "OXM_OF_METADATA"),
    "pkt_mark": ("pkt_mark", "NXM_NX_PKT_MARK"), "conj_id": ("conj_id", "NXM_NX_CONJ_ID"),
    "dp_hash": ("dp_hash", "NXM_NX_DP_HASH"), "ct_state": ("ct_state", "NXM_NX_CT_STATE"),
    "ct_zone": ("ct_zone", "NXM_NX_CT_ZONE"), "ct_mark": ("ct_mark", "NXM_NX_CT_MARK"),
    "ct_label": ("ct_label", "NXM_NX_CT_LABEL"), "actset_output": ("actset_output", None),
    "skb_priority": ("skb_priority", None), "mpls_label": ("mpls_label", "OXM_OF_MPLS_LABEL"),
    "mpls_tc": ("mpls_tc", "OXM_OF_MPLS_TC"), "mpls_bos": ("mpls_bos", "OXM_OF_MPLS_BOS"),
    "mpls_ttl": ("mpls_ttl", "NXM_NX_MPLS_TTL"),
}
for _i in range(16):
    _NAMES["reg%d" % _i] = ("reg%d" % _i, "NXM_NX_REG%d" % _i)
for _i in range(8):
    _NAMES["xreg%d" % _i] = ("xreg%d" % _i, "OXM_OF_PKT_REG%d" % _i)
for _i in range(4):
    _NAMES["xxreg%d" % _i] = ("xxreg%d" % _i, "NXM_NX_XXREG%d" % _i)


def ovs_name(field: F.Field) -> str:
    """Open vSwitch's canonical name for `field` (set_field's target, error messages)."""
    return _NAMES.get(field.name, (field.name, None))[0]


def nxm_name(field: F.Field) -> str:
    """The NXM or OXM name subfields of `field` print under."""
    for attr in ("nxm_name", "oxm_name"):
        name = getattr(field, attr, None)
        if name:
            return name
    return _NAMES.get(field.name, (None, None))[1] or field.name


_BY_ANY_NAME: dict[str, str] = {}


def lookup_field(name: str) -> Optional[F.Field]:
    """The registry field `name` denotes (any of its names), or None."""
    if not _BY_ANY_NAME or len(_BY_ANY_NAME) < len(F.FIELDS):
        for canonical, registry_field in F.FIELDS.items():
            _BY_ANY_NAME[canonical] = canonical
            ovs, nxm = _NAMES.get(canonical, (None, None))
            for other in (ovs, nxm, getattr(registry_field, "nxm_name", None),
                          getattr(registry_field, "oxm_name", None)):
                if other:
                    _BY_ANY_NAME.setdefault(other, canonical)
        for alias, canonical in F.ALIASES.items():
            _BY_ANY_NAME.setdefault(alias, canonical)
    canonical = _BY_ANY_NAME.get(name)
    return F.FIELDS.get(canonical) if canonical else None


def canonical_field(field: F.Field) -> F.Field:
    """The registry field Open vSwitch means by `field`'s name: tp_src is tcp_src's alias
    there, so an action written on tp_src prints and reads back as tcp_src."""
    return lookup_field(ovs_name(field)) or field


def n_bytes(field: F.Field) -> int:
    return (field.width + 7) // 8


def c_hex(value: int) -> str:
    """C's "%#x", which ovs-ofctl uses: "0" for zero, else 0x-prefixed hex."""
    return "0x%x" % value if value else "0"


# ---- integers --------------------------------------------------------------------------

_INT = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)\Z")


def parse_int(text: str) -> Optional[int]:
    """A decimal or 0x-hex integer, or None."""
    if not _INT.match(text):
        return None
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text, 10)


def parse_number(text: str, what: str = "") -> int:
    """An integer argument of an action or keyword; ovs-ofctl's "invalid numeric format"."""
    value = parse_int(text.strip())
    if value is None:
        raise FlowSyntaxError("invalid numeric format %s" % text)
    return value


# ---- addresses -------------------------------------------------------------------------

_MAC = re.compile(r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):"
                  r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\Z")


def parse_mac(text: str) -> Optional[int]:
    found = _MAC.match(text)
    if not found:
        return None
    value = 0
    for group in found.groups():
        value = (value << 8) | int(group, 16)
    return value


def format_mac(value: int) -> str:
    return ":".join("%02x" % ((value >> shift) & 0xFF) for shift in range(40, -8, -8))


def parse_ipv4(text: str) -> Optional[int]:
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):
        return None


def format_ipv4(value: int) -> str:
    return socket.inet_ntop(socket.AF_INET, value.to_bytes(4, "big"))


def parse_ipv6(text: str) -> Optional[int]:
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    except (OSError, ValueError):
        return None


def format_ipv6(value: int) -> str:
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))


def _prefix_len(mask: int, width: int) -> Optional[int]:
    """N when `mask` is N leading ones over `width` bits, else None."""
    inverted = ~mask & ((1 << width) - 1)
    if inverted & (inverted + 1):
        return None
    return width - inverted.bit_length()


def _prefix_mask(bits: int, width: int) -> int:
    return ((1 << bits) - 1) << (width - bits)


# ---- ports -----------------------------------------------------------------------------

RESERVED_PORTS = {"IN_PORT": A.OFPP_IN_PORT, "TABLE": A.OFPP_TABLE, "NORMAL": A.OFPP_NORMAL,
                  "FLOOD": A.OFPP_FLOOD, "ALL": A.OFPP_ALL, "CONTROLLER": A.OFPP_CONTROLLER,
                  "LOCAL": A.OFPP_LOCAL, "ANY": A.OFPP_NONE, "NONE": A.OFPP_NONE}
_RESERVED_PORT_TEXT = {A.OFPP_IN_PORT: "IN_PORT", A.OFPP_TABLE: "TABLE",
                       A.OFPP_NORMAL: "NORMAL", A.OFPP_FLOOD: "FLOOD", A.OFPP_ALL: "ALL",
                       A.OFPP_CONTROLLER: "CONTROLLER", A.OFPP_LOCAL: "LOCAL",
                       A.OFPP_NONE: "ANY"}
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


_UNESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unquote(text: str) -> str:
    """The name inside a JSON-style quoted port name."""
    def unescape(found):
        code = found.group(1)
        if code.startswith("u"):
            return chr(int(code[1:], 16))
        return _UNESCAPES.get(code, code)
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", unescape, text[1:-1])


def parse_port(text: str, ports: PortNames = PortNames()) -> Optional[int]:
    """An OpenFlow port number (16-bit space) from a number, a reserved name or a port name;
    a quoted string is always a port name, as in ovs-ofctl."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return ports.by_name.get(_unquote(text))
    number = parse_int(text)
    if number is not None:
        if number < A.OFPP_MAX or A.OFPP_IN_PORT <= number <= A.OFPP_NONE:
            return number
        return None
    if text.upper() in RESERVED_PORTS:
        return RESERVED_PORTS[text.upper()]
    return ports.by_name.get(text)


def _quoted(name: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
               "\r": "\\r", "\t": "\\t"}
    return '"%s"' % "".join(escapes.get(char, char if ord(char) >= 0x20 else "\\u%04x" % ord(char))
                            for char in name)


def format_port(number: int, ports: Optional[PortNames] = None) -> str:
    """A port as ovs-ofctl prints it: reserved ports by their reserved names, others by name
    when `ports` knows it (in JSON-style quotes unless it is a letter and then letters and
    digits), else by number."""
    if number >= A.OFPP_MAX or ports is None or number not in ports.by_number:
        return _RESERVED_PORT_TEXT.get(number, str(number))
    name = ports.by_number[number]
    return name if _PLAIN_NAME.match(name) else _quoted(name)


# ---- flag words ------------------------------------------------------------------------

TCP_FLAG_NAMES = [("fin", 0x001), ("syn", 0x002), ("rst", 0x004), ("psh", 0x008),
                  ("ack", 0x010), ("urg", 0x020), ("ece", 0x040), ("cwr", 0x080),
                  ("ns", 0x100)]
CT_STATE_NAMES = [("new", 0x01), ("est", 0x02), ("rel", 0x04), ("rpl", 0x08), ("inv", 0x10),
                  ("trk", 0x20), ("snat", 0x40), ("dnat", 0x80)]
TUN_FLAG_NAMES = [("oam", 0x1)]
_FLAG_TABLES = {"tcp_flags": (TCP_FLAG_NAMES, "TCP flag"), "ct_state": (CT_STATE_NAMES, "ct_state flag"),
                "tun_flags": (TUN_FLAG_NAMES, "tunnel flag")}

FRAG_KINDS = {"no": (0, F.FRAG_ANY), "yes": (F.FRAG_ANY, F.FRAG_ANY),
              "first": (F.FRAG_ANY, F.FRAG_ANY | F.FRAG_LATER),
              "later": (F.FRAG_ANY | F.FRAG_LATER, F.FRAG_ANY | F.FRAG_LATER),
              "not_later": (0, F.FRAG_LATER)}
# What ovs-ofctl prints for each (value, mask) of ip_frag: a kind's name, or "<error>" for
# the impossible later-but-not-a-fragment.
_FRAG_WORDS = {(0, F.FRAG_ANY): "no", (F.FRAG_ANY, F.FRAG_ANY): "yes",
               (0, F.FRAG_LATER): "not_later", (F.FRAG_LATER, F.FRAG_LATER): "later",
               (0, F.FRAG_ANY | F.FRAG_LATER): "no",
               (F.FRAG_ANY, F.FRAG_ANY | F.FRAG_LATER): "first",
               (F.FRAG_LATER, F.FRAG_ANY | F.FRAG_LATER): "<error>",
               (F.FRAG_ANY | F.FRAG_LATER, F.FRAG_ANY | F.FRAG_LATER): "later"}


def _parse_flag_words(field: F.Field, text: str) -> tuple[int, int]:
    names, what = _FLAG_TABLES[field.fmt]
    table = dict(names)
    value = mask = 0
    for sign, word in re.findall(r"([+-])([^+-]*)", text):
        bits = _flag_bits(table, word, what)
        mask |= bits
        if sign == "+":
            value |= bits
    return value, mask


def _flag_bits(table: dict, word: str, what: str) -> int:
    """One flag name, or "[hex]" for bits without a name, as ovs-ofctl prints them."""
    if word in table:
        return table[word]
    unnamed = re.match(r"\[([0-9a-fA-F]+)\]\Z", word)
    if unnamed:
        return int(unnamed.group(1), 16)
    raise FlowSyntaxError("%s: unknown %s(s)" % (word, what))


def _format_flag_words(field: F.Field, value: int, mask: int) -> str:
    names, _ = _FLAG_TABLES[field.fmt]
    full = field.value_mask
    if mask == full and field.fmt != "tun_flags":
        words = [name for name, bit in names if value & bit]
        rest = value & ~sum(bit for _, bit in names)
        if rest:
            words.append("0x%x" % rest)
        return "|".join(words) if words else "0"
    text = "".join(("+" if value & bit else "-") + name for name, bit in names if mask & bit)
    rest = mask & ~sum(bit for _, bit in names)
    if rest:
        text += "%s[%x]" % ("+" if value & rest else "-", rest)
    return text


# ---- values ----------------------------------------------------------------------------

def _parse_scalar(field: F.Field, text: str) -> int:
    fmt = field.fmt
    if fmt == "mac":
        value = parse_mac(text)
        if value is None:
            raise FlowSyntaxError("%s: invalid Ethernet address" % text)
        return value
    if fmt == "ipv4":
        value = parse_ipv4(text)
        if value is None:
            raise FlowSyntaxError("%s: invalid IP address" % text)
        return value
    if fmt == "ipv6":
        value = parse_ipv6(text)
        if value is None:
            raise FlowSyntaxError("%s: invalid IPv6 address" % text)
        return value
    value = parse_int(text)
    if value is None:
        raise FlowSyntaxError("%s: bad syntax for %s value" % (text, ovs_name(field)))
    if value >> (8 * n_bytes(field)):
        raise FlowSyntaxError("%s: value too large for %d-byte field %s"
                              % (text, n_bytes(field), ovs_name(field)))
    return value


def parse_value(field: F.Field, text: str, ports: PortNames = PortNames()
                ) -> tuple[int, Optional[int]]:
    """(value, mask) for `field` written as `text`; mask None means exact."""
    fmt = field.fmt
    if fmt == "port":
        port = parse_port(text, ports)
        if port is None:
            raise FlowSyntaxError("%s: invalid or unknown port for %s" % (text, ovs_name(field)))
        return port, None
    if fmt == "frag":
        if text not in FRAG_KINDS:
            raise FlowSyntaxError('%s: unknown fragment type (valid types are "no", "yes", '
                                  '"first", "later", "not_later"' % text)
        return FRAG_KINDS[text]
    if fmt in _FLAG_TABLES and text[:1] in ("+", "-"):
        return _parse_flag_words(field, text)
    if fmt in _FLAG_TABLES and text[:1].isalpha():
        table, what = dict(_FLAG_TABLES[fmt][0]), _FLAG_TABLES[fmt][1]
        value = 0
        for word in text.split("|"):
            number = parse_int(word)
            value |= number if number is not None else _flag_bits(table, word, what)
        return value, None
    if fmt == "packet_type":
        return _parse_packet_type(text), None
    value_text, slash, mask_text = text.partition("/")
    if fmt == "tun_flags":
        value, mask = parse_int(value_text), parse_int(mask_text) if slash else field.value_mask
        if value is None or mask is None or (value | mask) & ~field.value_mask:
            raise FlowSyntaxError("%s: unknown tunnel flag(s)" % text)
        return value, mask
    if fmt in ("ipv4", "ipv6") and slash:
        width = 32 if fmt == "ipv4" else 128
        value = _parse_scalar(field, value_text)
        bits = parse_int(mask_text) if _INT.match(mask_text) and "x" not in mask_text else None
        if bits is not None:
            if bits > width:
                raise FlowSyntaxError("%s: %s network prefix bits not between 0 and %d, "
                                      "inclusive" % (text, "IPv4" if width == 32 else "IPv6",
                                                     width))
            return value, _prefix_mask(bits, width)
        mask = parse_ipv4(mask_text) if width == 32 else parse_ipv6(mask_text)
        if mask is None:
            raise FlowSyntaxError("%s: invalid IP%s address" % (text, "" if width == 32 else "v6"))
        return value, mask
    value = _parse_scalar(field, value_text)
    if not slash:
        return value, None
    if fmt == "mac":
        mask = parse_mac(mask_text)
        if mask is None:
            raise FlowSyntaxError("%s: invalid Ethernet address" % text)
    else:
        mask = parse_int(mask_text)
        if mask is None:
            raise FlowSyntaxError("%s: bad syntax for %s mask" % (text, ovs_name(field)))
        if mask >> (8 * n_bytes(field)):
            raise FlowSyntaxError("%s: value too large for %d-byte field %s"
                                  % (text, n_bytes(field), ovs_name(field)))
    if not field.maskable and mask & field.value_mask != field.value_mask:
        raise FlowSyntaxError("%s: invalid mask for field %s" % (text, ovs_name(field)))
    return value, mask


_PACKET_TYPE = re.compile(r"\((0x[0-9a-fA-F]+|[0-9]+),(0x[0-9a-fA-F]+|[0-9]+)\)\Z")


def _parse_packet_type(text: str) -> int:
    """`(namespace,type)`, e.g. (0,0) for Ethernet, (1,0x800) for a bare IPv4 packet."""
    found = _PACKET_TYPE.match(text.replace(" ", ""))
    if not found:
        raise FlowSyntaxError("%s: bad syntax for packet_type value" % text)
    namespace, ns_type = (parse_int(group) for group in found.groups())
    if namespace > 0xFFFF or ns_type > 0xFFFF:
        raise FlowSyntaxError("%s: bad syntax for packet_type value" % text)
    return namespace << 16 | ns_type


def format_value(field: F.Field, value: int, mask: Optional[int] = None,
                 ports: Optional[PortNames] = None) -> str:
    """`value` under `mask` (None or all ones: exact) as ovs-ofctl prints field values."""
    full = field.value_mask
    exact = mask is None or mask & full == full
    fmt = field.fmt
    if fmt == "port":
        return format_port(value, ports)
    if fmt == "packet_type":
        return "(%d,%s)" % (value >> 16, c_hex(value & 0xFFFF))
    if fmt == "frag":
        mask = full if mask is None else mask & full
        return _FRAG_WORDS[value & mask, mask]
    if fmt in _FLAG_TABLES:
        return _format_flag_words(field, value, full if mask is None else mask)
    if fmt in ("ipv4", "ipv6"):
        width = 32 if fmt == "ipv4" else 128
        show = format_ipv4 if fmt == "ipv4" else format_ipv6
        if exact:
            return show(value)
        bits = _prefix_len(mask, width)
        return "%s/%s" % (show(value), bits if bits is not None else show(mask))
    if fmt == "mac":
        return format_mac(value) if exact else "%s/%s" % (format_mac(value), format_mac(mask))
    if exact:
        return c_hex(value) if fmt == "hex" else "%d" % value
    return "0x%x/0x%x" % (value, mask)


def format_immediate(field: F.Field, value: int) -> str:
    """A value written into a field by set_field, as ovs-ofctl prints it."""
    if field.fmt in ("mac", "ipv4", "ipv6"):
        return format_value(field, value)
    if field.fmt == "port":
        return format_port(value)
    if field.fmt in _FLAG_TABLES:
        names, _ = _FLAG_TABLES[field.fmt]
        words = [name for name, bit in names if value & bit]
        return "|".join(words) if words else "0"
    return c_hex(value) if field.fmt == "hex" else "%d" % value


# ---- subfields -------------------------------------------------------------------------

_SUBFIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(?:(\d+)(?:\.\.(\d+))?)?\])?\Z")


def parse_subfield(text: str, context: Optional[str] = None) -> A.Subfield:
    """`NAME[]`, `NAME[bit]` or `NAME[start..end]`; a bare NAME means the whole field.
    Errors start with `context` (the whole argument, for move) or the subfield's text."""
    text = text.strip()
    where = text if context is None else context
    found = _SUBFIELD.match(text)
    name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
    field = lookup_field(name.group(0)) if name else None
    if name and field is None:
        raise FlowSyntaxError("%s: unknown field `%s'" % (where, name.group(0)))
    if not found:
        raise FlowSyntaxError("%s: syntax error expecting [] or [<bit>] or [<start>..<end>]"
                              % where)
    _, start, end = found.groups()
    field = canonical_field(field)
    width = _subfield_width(field, name.group(0))
    if start is None:
        return A.Subfield(field.name, 0, width)
    first = int(start)
    last = first if end is None else int(end)
    if first >= width:
        raise FlowSyntaxError("%s: starting bit %d is not valid because field is only %d bits "
                              "wide" % (where, first, width))
    if last >= width:
        raise FlowSyntaxError("%s: ending bit %d is not valid because field is only %d bits "
                              "wide" % (where, last, width))
    if last < first:
        raise FlowSyntaxError("%s: starting bit %d is after ending bit %d" % (where, first, last))
    return A.Subfield(field.name, first, last - first + 1)


# Open vSwitch has two in_port fields: NXM_OF_IN_PORT (16 bits, what `in_port` names in
# move/load/learn) and OXM_OF_IN_PORT (32 bits, `in_port_oxm`); the registry has one 32-bit
# in_port, so a subfield's width tells which of the two it was written as.
_NARROW_IN_PORT_BITS = 16
_WIDE_IN_PORT_NAMES = ("OXM_OF_IN_PORT", "in_port_oxm")


def _subfield_width(field: F.Field, name: str) -> int:
    if field.name == "in_port" and name not in _WIDE_IN_PORT_NAMES:
        return _NARROW_IN_PORT_BITS
    return field.width


def is_whole_field(subfield: A.Subfield) -> bool:
    """True if `subfield` covers all of its field as it was named (in_port: 16 bits)."""
    field = F.FIELDS[subfield.field]
    width = _NARROW_IN_PORT_BITS if field.name == "in_port" else field.width
    return subfield.ofs == 0 and subfield.n_bits in (width, field.width)


def format_subfield(subfield: A.Subfield) -> str:
    field = F.FIELDS[subfield.field]
    name = nxm_name(field)
    width = field.width
    if field.name == "in_port":
        if subfield.ofs == 0 and subfield.n_bits == field.width:
            return (getattr(field, "oxm_name", None) or "OXM_OF_IN_PORT") + "[]"
        width = _NARROW_IN_PORT_BITS
    if subfield.ofs == 0 and subfield.n_bits == width:
        return name + "[]"
    if subfield.n_bits == 1:
        return "%s[%d]" % (name, subfield.ofs)
    return "%s[%d..%d]" % (name, subfield.ofs, subfield.ofs + subfield.n_bits - 1)
