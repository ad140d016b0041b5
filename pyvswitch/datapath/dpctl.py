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
  * consecutive "set" actions on one header merge into one set(header(...)), with masks on
    partially rewritten values (tos=0x8/0xfc), as the userspace datapath prints them.
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
def _set_header(name: str, key: int) -> tuple[str, str, int, Callable]:
    """Where a set of field `name` prints, for a flow of this key: (header attribute,
    subfield, the subfield bits the field covers, value formatter)."""
    dl_type = _get(key, _DL_TYPE)
    if name in ("dl_src", "dl_dst"):
        return "eth", name[3:], (1 << 48) - 1, _mac
    if dl_type in (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP) and name in ("nw_src", "nw_dst"):
        return "arp", "sip" if name == "nw_src" else "tip", 0xFFFFFFFF, _ip4
    if name in ("tp_src", "tp_dst"):
        l4 = _L4_BY_PROTO.get(_get(key, _NW_PROTO), ("tcp",))[0]
        return l4, name[3:], 0xFFFF, _dec
    ipv6 = dl_type == F.ETH_TYPE_IPV6
    if name in ("nw_src", "nw_dst"):
        return "ipv4", name[3:], 0xFFFFFFFF, _ip4
    if name in ("ipv6_src", "ipv6_dst"):
        return "ipv6", name[5:], (1 << 128) - 1, _ip6
    if name == "nw_ttl":
        return ("ipv6", "hlimit", 0xFF, _dec) if ipv6 else ("ipv4", "ttl", 0xFF, _dec)
    if name in ("nw_tos", "nw_ecn"):
        bits = 0xFC if name == "nw_tos" else 0x03
        return ("ipv6" if ipv6 else "ipv4"), ("tclass" if ipv6 else "tos"), bits, _hex
    raise ValueError("unknown settable field %s" % name)


_SET_ORDER = {"eth": ("src", "dst"), "arp": ("sip", "tip"),
              "ipv4": ("src", "dst", "tos", "ttl"), "ipv6": ("src", "dst", "tclass", "hlimit"),
              "tcp": ("src", "dst"), "udp": ("src", "dst"), "sctp": ("src", "dst")}


def _format_sets(sets: list[tuple], key: int) -> str:
    """One set(header(...)) for a run of set actions on the same header."""
    header = None
    values: dict[str, list] = {}
    for _, name, value in sets:
        header, sub, bits, fmt = _set_header(name, key)
        old = values.get(sub, [0, 0, fmt])
        old[0] = (old[0] & ~bits) | (value & bits)
        old[1] |= bits
        values[sub] = old
    parts = []
    for sub in _SET_ORDER[header]:
        if sub in values:
            value, bits, fmt = values[sub]
            full = {_mac: (1 << 48) - 1, _ip4: 0xFFFFFFFF, _ip6: (1 << 128) - 1}.get(fmt)
            if full is None:
                full = 0xFFFF if header in ("tcp", "udp", "sctp") else 0xFF
            text = "%s=%s" % (sub, fmt(value))
            if bits != full:
                text += "/" + _MASK_FORMAT[fmt](bits)
            parts.append(text)
    return "set(%s(%s))" % (header, ",".join(parts))


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
    if not actions:
        return "drop"
    parts = []
    index = 0
    while index < len(actions):
        action = actions[index]
        kind = action[0]
        if kind == dpa.SET:
            header = _set_header(action[1], key)[0]
            end = index + 1
            while (end < len(actions) and actions[end][0] == dpa.SET
                   and _set_header(actions[end][1], key)[0] == header):
                end += 1
            parts.append(_format_sets(actions[index:end], key))
            index = end
            continue
        if kind == dpa.OUTPUT:
            parts.append(_port_name(action[1], names))
        elif kind == dpa.PUSH_VLAN:
            tpid, tci = action[1], action[2] | F.VLAN_CFI
            prefix = "" if tpid == F.ETH_TYPE_VLAN else "tpid=0x%04x," % tpid
            parts.append("push_vlan(%s%s)" % (prefix, format_vlan_tci(tci)))
        elif kind == dpa.POP_VLAN:
            parts.append("pop_vlan")
        elif kind == dpa.USERSPACE:
            parts.append("userspace(pid=0,%s)" % format_userspace_cookie(action[1]))
        elif kind == dpa.TUNNEL_OUTPUT:
            parts.append("set(%s),%s" % (format_tunnel_header(action[2]),
                                         _port_name(action[1], names)))
        else:
            parts.append(repr(action))
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
