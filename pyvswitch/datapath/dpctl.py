"""Open vSwitch's datapath flow text format, as `ovs-appctl dpctl/dump-flows` prints it.

In: a flow key and mask (ints laid out by pyvswitch.fields), datapath actions, statistics.
Out: text such as

    recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01,dst=...),
    eth_type(0x0800),ipv4(frag=no), packets:3, bytes:294, used:0.123s, flags:S., actions:3

Rules followed (those of Open vSwitch's ODP formatter):
  * the key's values are printed as the packet had them, with "/mask" after a partially
    wildcarded value; a fully wildcarded value is left out, and an attribute all of whose
    values are wildcarded is left out, unless `verbose`, which prints every value of every
    header the packet has (with "/0" masks) plus the metadata Open vSwitch would show;
  * recirc_id, in_port, packet_type and eth_type are always printed; tunnel(...) comes first
    when the flow matches tunnel metadata;
  * a tunnel output prints as set(tunnel(...)),PORT, the way a kernel datapath's pair of
    actions reads;
  * a tagged frame prints eth_type(TPID),vlan(...),encap(eth_type(inner),...);
  * consecutive set and set_masked actions on one header merge into one set(header(...)),
    as the userspace datapath prints them: eth, ipv4, ipv6, arp, tcp/udp/sctp and nd print
    only the rewritten values, with "/mask" after a partly rewritten one (tos=0x8/0xfc,
    src=1.2.3.0/255.255.255.0, the value shown under its mask); mpls, icmp and icmpv6 are
    rewritten whole and print every value; nd_ext always prints nd_reserved; a rewrite of
    the outer VLAN tag prints as pop_vlan,push_vlan(...) of the new tag;
  * push_mpls(label=..,tc=..,ttl=..,bos=..,eth_type=0x8847), pop_mpls(eth_type=0x800) and
    trunc(N) print as Open vSwitch's do, and each push or pop changes the header the actions
    after it rewrite (a set after push_mpls prints the pushed label, after pop_mpls the
    payload's).
Pure functions, no I/O.
"""
from __future__ import annotations

import hashlib
import ipaddress
import uuid
from typing import Callable, Mapping, Optional

from pyvswitch import fields as F
from pyvswitch.datapath import actions as dpa

PortNames = Optional[Mapping[int, str]]

_FRAG_NAMES = {0: "no", F.FRAG_ANY: "first", F.FRAG_ANY | F.FRAG_LATER: "later",
               F.FRAG_LATER: "later"}
_TCP_FLAG_CHARS = ((0x002, "S"), (0x001, "F"), (0x008, "P"), (0x004, "R"), (0x020, "U"),
                   (0x010, "."), (0x040, "E"), (0x080, "C"), (0x100, "N"))
_TCP_FLAG_NAMES = ("fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
                   "[200]", "[400]", "[800]")


def _bits(shift: int, width: int) -> tuple[int, int]:
    return shift, (1 << width) - 1


def _get(value: int, spec: tuple[int, int]) -> int:
    return (value >> spec[0]) & spec[1]


# ------------------------------------------------------------------ value formatters
def _mac(value: int) -> str:
    return ":".join("%02x" % b for b in value.to_bytes(6, "big"))


def _ip4(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def _ip6(value: int) -> str:
    return ipaddress.IPv6Address(value).compressed


def _dec(value: int) -> str:
    return str(value)


def _hex(value: int) -> str:
    return "%#x" % value if value else "0"


_MASK_FORMAT: dict[Callable, Callable] = {_mac: _mac, _ip4: _ip4, _ip6: _ip6, _dec: _hex, _hex: _hex}

# Each header attribute: (name, [(subfield, (shift, value mask), formatter)]).
_ETH = ("eth", [("src", _bits(F.SHIFT_DL_SRC, 48), _mac), ("dst", _bits(F.SHIFT_DL_DST, 48), _mac)])
_IPV4 = ("ipv4", [("src", _bits(F.SHIFT_NW_SRC, 32), _ip4), ("dst", _bits(F.SHIFT_NW_DST, 32), _ip4),
                  ("proto", _bits(F.SHIFT_NW_PROTO, 8), _dec), ("tos", _bits(F.SHIFT_NW_TOS, 8), _hex),
                  ("ttl", _bits(F.SHIFT_NW_TTL, 8), _dec)])
_IPV6 = ("ipv6", [("src", _bits(F.SHIFT_IPV6_SRC, 128), _ip6), ("dst", _bits(F.SHIFT_IPV6_DST, 128), _ip6),
                  ("label", _bits(F.SHIFT_IPV6_LABEL, 20), _hex), ("proto", _bits(F.SHIFT_NW_PROTO, 8), _dec),
                  ("tclass", _bits(F.SHIFT_NW_TOS, 8), _hex), ("hlimit", _bits(F.SHIFT_NW_TTL, 8), _dec)])
_PORTS = [("src", _bits(F.SHIFT_TP_SRC, 16), _dec), ("dst", _bits(F.SHIFT_TP_DST, 16), _dec)]
_ICMP = [("type", _bits(F.SHIFT_TP_SRC, 8), _dec), ("code", _bits(F.SHIFT_TP_DST, 8), _dec)]
_ARP = ("arp", [("sip", _bits(F.SHIFT_NW_SRC, 32), _ip4), ("tip", _bits(F.SHIFT_NW_DST, 32), _ip4),
                ("op", _bits(F.SHIFT_NW_PROTO, 8), _dec), ("sha", _bits(F.SHIFT_ARP_SHA, 48), _mac),
                ("tha", _bits(F.SHIFT_ARP_THA, 48), _mac)])
_ND = ("nd", [("target", _bits(F.SHIFT_ND_TARGET, 128), _ip6), ("sll", _bits(F.SHIFT_ARP_SHA, 48), _mac),
              ("tll", _bits(F.SHIFT_ARP_THA, 48), _mac)])
_TUNNEL = ("tunnel", [("tun_id", _bits(F.SHIFT_TUN_ID, 64), _hex),
                      ("src", _bits(F.SHIFT_TUN_SRC, 32), _ip4), ("dst", _bits(F.SHIFT_TUN_DST, 32), _ip4)])
_L4_BY_PROTO = {F.IPPROTO_TCP: ("tcp", _PORTS), F.IPPROTO_UDP: ("udp", _PORTS),
                F.IPPROTO_SCTP: ("sctp", _PORTS)}

_DL_TYPE = _bits(F.SHIFT_DL_TYPE, 16)
_NW_PROTO = _bits(F.SHIFT_NW_PROTO, 8)
_IP_FRAG = _bits(F.SHIFT_IP_FRAG, 2)
_TP_SRC = _bits(F.SHIFT_TP_SRC, 16)
_TP_DST = _bits(F.SHIFT_TP_DST, 16)
_TCP_FLAGS = _bits(F.SHIFT_TCP_FLAGS, 12)
_RECIRC_ID = _bits(F.SHIFT_RECIRC_ID, 32)
_IN_PORT = _bits(F.SHIFT_IN_PORT, 32)
_VLANS = ((_bits(F.SHIFT_VLAN_TCI, 16), _bits(F.SHIFT_VLAN_TPID, 16)),
          (_bits(F.SHIFT_VLAN_TCI1, 16), _bits(F.SHIFT_VLAN_TPID1, 16)))


def _attribute(name: str, subfields, key: int, mask: int, verbose: bool) -> Optional[str]:
    parts = []
    for sub, spec, fmt in subfields:
        m = _get(mask, spec)
        if not m and not verbose:
            continue
        text = "%s=%s" % (sub, fmt(_get(key, spec)))
        if m != spec[1]:
            text += "/" + _MASK_FORMAT[fmt](m)
        parts.append(text)
    if not parts:
        return None
    return "%s(%s)" % (name, ",".join(parts))


def format_vlan_tci(tci: int, mask: int = 0xFFFF, verbose: bool = False) -> str:
    """VID, PCP and (when not "present") CFI of a TCI, Open vSwitch style."""
    parts = []
    vid, vid_mask = tci & 0xFFF, mask & 0xFFF
    if verbose or vid or vid_mask:
        parts.append("vid=%d" % vid + ("" if vid_mask == 0xFFF else "/0x%x" % vid_mask))
    pcp, pcp_mask = tci >> 13, mask >> 13
    if verbose or pcp or pcp_mask:
        parts.append("pcp=%d" % pcp + ("" if pcp_mask == 7 else "/0x%x" % pcp_mask))
    if not tci & F.VLAN_CFI:
        parts.append("cfi=0")
    return ",".join(parts)


def format_tcp_flags(flags: int) -> str:
    """The one-letter-per-flag form of the "flags:" statistic (e.g. "S." for SYN+ACK)."""
    text = "".join(char for bit, char in _TCP_FLAG_CHARS if flags & bit)
    for bit in (0x200, 0x400, 0x800):
        if flags & bit:
            text += "[%x]" % bit
    return text


def _format_tcp_flags_masked(flags: int, mask: int) -> str:
    if mask == 0:
        return "0/0"
    if mask == 0xFFF:
        names = [name for bit, name in enumerate(_TCP_FLAG_NAMES) if flags & (1 << bit)]
        return "|".join(names) if names else "0"
    return "".join(("+" if flags & (1 << bit) else "-") + name
                   for bit, name in enumerate(_TCP_FLAG_NAMES) if mask & (1 << bit))


def _port_name(port: int, names: PortNames) -> str:
    if names is not None and port in names:
        return names[port]
    return str(port)


def format_key(key: int, mask: int, *, verbose: bool = False, names: PortNames = None) -> str:
    """The key/mask part of a dumped datapath flow."""
    parts = []
    if verbose:
        parts += ["skb_priority(0/0)", "skb_mark(0/0)", "ct_state(0/0)", "ct_zone(0/0)",
                  "ct_mark(0/0)", "ct_label(0/0)"]
    tunnel = _attribute(*_TUNNEL, key, mask, False)
    if tunnel:
        parts.append(tunnel)
    parts.append("recirc_id(%d)" % _get(key, _RECIRC_ID))
    if verbose:
        parts.append("dp_hash(0/0)")
    parts.append("in_port(%s)" % _port_name(_get(key, _IN_PORT), names))
    parts.append("packet_type(ns=0,id=0)")
    eth = _attribute(*_ETH, key, mask, verbose)
    if eth:
        parts.append(eth)
    parts.append(_format_ethertype_and_payload(key, mask, verbose, 0))
    return ",".join(parts)


def _format_ethertype_and_payload(key: int, mask: int, verbose: bool, depth: int) -> str:
    if depth < len(_VLANS):
        tci_spec, tpid_spec = _VLANS[depth]
        tci, tci_mask = _get(key, tci_spec), _get(mask, tci_spec)
        if tci & F.VLAN_CFI and (tci_mask or verbose):
            tpid = _get(key, tpid_spec) or F.ETH_TYPE_VLAN
            return "eth_type(0x%04x),vlan(%s),encap(%s)" % (
                tpid, format_vlan_tci(tci, tci_mask, verbose),
                _format_ethertype_and_payload(key, mask, verbose, depth + 1))
    dl_type = _get(key, _DL_TYPE)
    parts = ["eth_type(0x%04x)" % dl_type]
    if dl_type == F.ETH_TYPE_IP or dl_type == F.ETH_TYPE_IPV6:
        parts += _format_ip(key, mask, verbose, dl_type)
    elif dl_type == F.ETH_TYPE_ARP or dl_type == F.ETH_TYPE_RARP:
        arp = _attribute(*_ARP, key, mask, verbose)
        if arp:
            parts.append(arp)
    return ",".join(parts)


def _format_ip(key: int, mask: int, verbose: bool, dl_type: int) -> list[str]:
    parts = []
    name, subfields = _IPV4 if dl_type == F.ETH_TYPE_IP else _IPV6
    ip = _attribute(name, subfields, key, mask, verbose)
    frag = _get(key, _IP_FRAG)
    frag_mask = _get(mask, _IP_FRAG)
    if frag_mask or verbose:
        frag_text = "frag=" + _FRAG_NAMES[frag] + ("" if frag_mask == 3 else "/0x%x" % frag_mask)
        ip = ip[:-1] + "," + frag_text + ")" if ip else "%s(%s)" % (name, frag_text)
    if ip:
        parts.append(ip)
    if frag & F.FRAG_LATER:
        return parts
    proto = _get(key, _NW_PROTO)
    if proto in _L4_BY_PROTO:
        l4_name, l4_fields = _L4_BY_PROTO[proto]
        l4 = _attribute(l4_name, l4_fields, key, mask, verbose)
        if l4:
            parts.append(l4)
        if proto == F.IPPROTO_TCP:
            flags_mask = _get(mask, _TCP_FLAGS)
            if flags_mask or verbose:
                parts.append("tcp_flags(%s)" % _format_tcp_flags_masked(_get(key, _TCP_FLAGS),
                                                                         flags_mask))
    elif proto == F.IPPROTO_ICMP and dl_type == F.ETH_TYPE_IP:
        icmp = _attribute("icmp", _ICMP, key, mask, verbose)
        if icmp:
            parts.append(icmp)
    elif proto == F.IPPROTO_ICMPV6 and dl_type == F.ETH_TYPE_IPV6:
        icmp = _attribute("icmpv6", _ICMP, key, mask, verbose)
        if icmp:
            parts.append(icmp)
        if _get(key, _TP_DST) == 0 and _get(key, _TP_SRC) in (135, 136):
            nd = _attribute(*_ND, key, mask, verbose)
            if nd:
                parts.append(nd)
    return parts


# ------------------------------------------------------------------ actions
def _hex32(value: int) -> str:
    return "0x%x" % value


# Set actions are printed from a running copy of the flow key: each set writes its bits into
# that copy, and a run of sets on one header prints the header's written bits.  Headers Open
# vSwitch rewrites with masked sets print only written subfields ("/mask" when partly
# written, the value shown under its mask); MPLS, ICMP and VLAN headers are rewritten whole,
# so they print every subfield of the copy; nd_ext always prints nd_reserved, unmasked.
# Push and pop actions update the copy too, so a set after push_mpls prints the pushed label.
_ND_EXT = ("nd_ext", [("nd_reserved", _bits(F.SHIFT_ND_RESERVED, 32), _hex32),
                      ("nd_options_type", _bits(F.SHIFT_ND_OPTIONS_TYPE, 8), _dec)])
_MPLS = ("mpls", [("label", _bits(F.SHIFT_MPLS_LSE + 12, 20), _dec),
                  ("tc", _bits(F.SHIFT_MPLS_LSE + 9, 3), _dec),
                  ("ttl", _bits(F.SHIFT_MPLS_LSE, 8), _dec),
                  ("bos", _bits(F.SHIFT_MPLS_LSE + 8, 1), _dec)])
_MPLS_LSE = _bits(F.SHIFT_MPLS_LSE, 32)
_PRINTED_UNMASKED = frozenset({"nd_reserved"})
_VLAN_TCI, _VLAN_TPID = _VLANS[0]
_VLAN_TCI1, _VLAN_TPID1 = _VLANS[1]

# The header a run of sets prints, as (attribute name, subfields, rewritten whole); the outer
# VLAN tag ("vlan") prints as pop_vlan,push_vlan instead.
_SET_HEADERS = {
    "eth": (_ETH[0], _ETH[1], False),
    "ipv4": ("ipv4", [sub for sub in _IPV4[1] if sub[0] != "proto"], False),
    "ipv6": ("ipv6", [sub for sub in _IPV6[1] if sub[0] != "proto"], False),
    "arp": (_ARP[0], _ARP[1], False),
    "tcp": ("tcp", _PORTS, False), "udp": ("udp", _PORTS, False), "sctp": ("sctp", _PORTS, False),
    "icmp": ("icmp", _ICMP, True), "icmpv6": ("icmpv6", _ICMP, True),
    "nd": (_ND[0], _ND[1], False), "nd_ext": (_ND_EXT[0], _ND_EXT[1], False),
    "mpls": (_MPLS[0], _MPLS[1], True),
}
_FIXED_SET_HEADER = {
    "dl_src": "eth", "dl_dst": "eth",
    "vlan_tci": "vlan", "vlan_vid": "vlan", "vlan_pcp": "vlan", "dl_vlan": "vlan",
    "dl_vlan_pcp": "vlan",
    "mpls_label": "mpls", "mpls_tc": "mpls", "mpls_ttl": "mpls",
    "arp_op": "arp", "arp_spa": "arp", "arp_tpa": "arp", "arp_sha": "arp", "arp_tha": "arp",
    "ipv6_src": "ipv6", "ipv6_dst": "ipv6", "ipv6_label": "ipv6",
    "icmpv6_type": "icmpv6", "icmpv6_code": "icmpv6",
    "nd_target": "nd", "nd_sll": "nd", "nd_tll": "nd",
    "nd_reserved": "nd_ext", "nd_options_type": "nd_ext",
}
_IP_SET_FIELDS = ("nw_tos", "ip_dscp", "nw_ecn", "nw_ttl")
_L4_BY_PROTO_NAMES = frozenset(name for name, _ in _L4_BY_PROTO.values())
_L4_SET_FIELDS = ("tp_src", "tp_dst", "tcp_src", "tcp_dst", "udp_src", "udp_dst",
                  "sctp_src", "sctp_dst")


def _set_header(name: str, key: int) -> str:
    """The header a set of field `name` rewrites in a frame whose key is `key`."""
    header = _FIXED_SET_HEADER.get(name)
    if header is not None:
        return header
    dl_type = _get(key, _DL_TYPE)
    if name in ("nw_src", "nw_dst"):
        return "arp" if dl_type in (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP) else "ipv4"
    if name in _IP_SET_FIELDS:
        return "ipv6" if dl_type == F.ETH_TYPE_IPV6 else "ipv4"
    if name in _L4_SET_FIELDS:
        default = name[:-4] if name[:-4] in _L4_BY_PROTO_NAMES else "tcp"
        return _L4_BY_PROTO.get(_get(key, _NW_PROTO), (default,))[0]
    if name in ("icmp_type", "icmp_code"):
        return "icmpv6" if dl_type == F.ETH_TYPE_IPV6 else "icmp"
    raise ValueError("unknown settable field %s" % name)


def _set_bits(action: tuple) -> tuple[str, int, int]:
    """(datapath field name, key bits written, their new value) of a set or set_masked."""
    name = dpa.SETTABLE_NAME_OF.get(action[1])
    if name is None:
        raise ValueError("unknown settable field %s" % action[1])
    field = F.field(name)
    mask = field.value_mask if action[0] == dpa.SET else action[3] & field.value_mask
    if name in ("vlan_vid", "vlan_tci"):
        mask &= ~F.VLAN_CFI
    return name, mask << field.shift, (action[2] << field.shift) & (mask << field.shift)


def _format_vlan_push(key: int) -> str:
    tpid = _get(key, _VLAN_TPID) or F.ETH_TYPE_VLAN
    prefix = "" if tpid == F.ETH_TYPE_VLAN else "tpid=0x%04x," % tpid
    return "push_vlan(%s%s)" % (prefix, format_vlan_tci(_get(key, _VLAN_TCI) | F.VLAN_CFI))


def _format_set_run(header: str, written: int, key: int) -> str:
    """One set(header(...)) for the bits a run of sets wrote into `key`."""
    if header == "vlan":
        return "pop_vlan," + _format_vlan_push(key)
    name, subfields, whole = _SET_HEADERS[header]
    parts = []
    for sub, spec, fmt in subfields:
        bits = spec[1] if whole else _get(written, spec)
        if sub in _PRINTED_UNMASKED:
            parts.append("%s=%s" % (sub, fmt(_get(key, spec) & bits)))
            continue
        if not bits:
            continue
        text = "%s=%s" % (sub, fmt(_get(key, spec) & bits))
        if bits != spec[1]:
            text += "/" + _MASK_FORMAT[fmt](bits)
        parts.append(text)
    return "set(%s(%s))" % (name, ",".join(parts))


def _put(key: int, spec: tuple[int, int], value: int) -> int:
    return key & ~(spec[1] << spec[0]) | (value & spec[1]) << spec[0]


def _after_push_vlan(key: int, tpid: int, tci: int) -> int:
    key = _put(key, _VLAN_TCI1, _get(key, _VLAN_TCI))
    key = _put(key, _VLAN_TPID1, _get(key, _VLAN_TPID))
    return _put(_put(key, _VLAN_TCI, tci | F.VLAN_CFI), _VLAN_TPID, tpid)


def _after_pop_vlan(key: int) -> int:
    key = _put(key, _VLAN_TCI, _get(key, _VLAN_TCI1))
    key = _put(key, _VLAN_TPID, _get(key, _VLAN_TPID1))
    return _put(_put(key, _VLAN_TCI1, 0), _VLAN_TPID1, 0)


def _format_push_mpls(ethertype: int, lse: int) -> str:
    lse_key = lse << F.SHIFT_MPLS_LSE
    fields = ",".join("%s=%d" % (sub, _get(lse_key, spec)) for sub, spec, _ in _MPLS[1])
    return "push_mpls(%s,eth_type=0x%x)" % (fields, ethertype)


def format_userspace_cookie(cookie) -> str:
    """The argument of userspace(pid=0,...): the cookie's own `odp_format()` if it has one."""
    odp_format = getattr(cookie, "odp_format", None)
    if odp_format is not None:
        return odp_format()
    if isinstance(cookie, (bytes, bytearray)):
        return "userdata(%s)" % bytes(cookie).hex()
    return "userdata(%s)" % (cookie,)


def format_tunnel_header(header) -> str:
    """A tunnel output's encapsulation, as Open vSwitch writes a set(tunnel(...)) action."""
    parts = ["tun_id=%s" % _hex(header.tun_id)]
    if header.ip_src:
        parts.append("src=%s" % header.ip_src)
    parts.append("dst=%s" % header.ip_dst)
    if header.tos:
        parts.append("tos=%#x" % header.tos)
    if header.ttl is not None:
        parts.append("ttl=%d" % header.ttl)
    parts.append("tp_dst=%d" % header.dst_port)
    flags = [name for name, on in (("df", header.df), ("csum", header.csum)) if on] + ["key"]
    parts.append("flags(%s)" % "|".join(flags))
    return "tunnel(%s)" % ",".join(parts)


def format_actions(actions: list, key: int, *, names: PortNames = None) -> str:
    """Datapath actions as dpctl/dump-flows and ofproto/trace print them, for a frame whose
    flow key is `key`."""
    if not actions:
        return "drop"
    parts = []
    index = 0
    while index < len(actions):
        action = actions[index]
        kind = action[0]
        if kind in (dpa.SET, dpa.SET_MASKED):
            header = _set_header(dpa.SETTABLE_NAME_OF.get(action[1], action[1]), key)
            written = 0
            while index < len(actions) and actions[index][0] in (dpa.SET, dpa.SET_MASKED):
                name, bits, value = _set_bits(actions[index])
                if _set_header(name, key) != header:
                    break
                key = key & ~bits | value
                written |= bits
                index += 1
            parts.append(_format_set_run(header, written, key))
            continue
        if kind == dpa.OUTPUT:
            parts.append(_port_name(action[1], names))
        elif kind == dpa.PUSH_VLAN:
            key = _after_push_vlan(key, action[1], action[2])
            parts.append(_format_vlan_push(key))
        elif kind == dpa.POP_VLAN:
            key = _after_pop_vlan(key)
            parts.append("pop_vlan")
        elif kind == dpa.PUSH_MPLS:
            key = _put(_put(key, _MPLS_LSE, action[2]), _DL_TYPE, action[1])
            parts.append(_format_push_mpls(action[1], action[2]))
        elif kind == dpa.POP_MPLS:
            key = _put(_put(key, _MPLS_LSE, 0), _DL_TYPE, action[1])
            parts.append("pop_mpls(eth_type=0x%x)" % action[1])
        elif kind == dpa.TRUNC:
            parts.append("trunc(%d)" % action[1])
        elif kind == dpa.USERSPACE:
            parts.append("userspace(pid=0,%s)" % format_userspace_cookie(action[1]))
        elif kind == dpa.TUNNEL_OUTPUT:
            parts.append("set(%s),%s" % (format_tunnel_header(action[2]),
                                         _port_name(action[1], names)))
        else:
            raise ValueError("unknown datapath action %r" % (action,))
        index += 1
    return ",".join(parts)


def format_used(used: Optional[float], now: float) -> str:
    if used is None:
        return "never"
    return "%.3fs" % max(0.0, now - used)


def flow_ufid(key: int, mask: int) -> uuid.UUID:
    """A stable identifier for a megaflow (what Open vSwitch calls its UFID)."""
    digest = hashlib.md5(b"%x/%x" % (key & mask, mask)).digest()
    return uuid.UUID(bytes=digest, version=4)


def format_flow(key: int, mask: int, actions: list, packets: int, n_bytes: int,
                used: Optional[float], tcp_flags: int, now: float, *, verbose: bool = False,
                names: PortNames = None) -> str:
    """One line of dpctl/dump-flows."""
    text = format_key(key, mask, verbose=verbose, names=names)
    if verbose:
        text = "ufid:%s, %s" % (flow_ufid(key, mask), text)
    text += ", packets:%d, bytes:%d, used:%s" % (packets, n_bytes, format_used(used, now))
    if tcp_flags:
        text += ", flags:%s" % format_tcp_flags(tcp_flags)
    if verbose:
        text += ", dp:ovs"
    return text + ", actions:" + format_actions(actions, key, names=names)
