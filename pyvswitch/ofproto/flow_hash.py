"""Flow hashing and link selection for the multipath, bundle and bundle_load actions
(ovs-actions(7)).

`flow_hash(view, fields, basis)` hashes the fields a hash kind names ("eth_src",
"symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp", "symmetric_l3", "nw_src", "nw_dst"),
reading them through the translation's view, so each one joins the megaflow's mask: packets
that agree on them get the same answer.  Symmetric kinds combine each source/destination pair
order-independently, so both directions of a connection hash alike.  The hash function is
CRC-32 over the fields' bytes seeded with the basis: deterministic across runs and hosts, but
not Open vSwitch's, so the link a given flow picks differs from what stock OVS picks (which
link carries a flow is not part of any protocol).

`choose_link(algorithm, hash_of, n_links, arg)` applies multipath's algorithms; `hash_of(i)`
rehashes with a salt for the algorithms that need several values.
"""
from __future__ import annotations

import zlib
from typing import Callable

from pyvswitch import fields as F
from pyvswitch.flow import FlowView

_L4_WITH_PORTS = (F.IPPROTO_TCP, F.IPPROTO_SCTP)
MAX_HASH = 0xFFFFFFFF
HRW_MAX_LINKS = 64


def _pair(view: FlowView, first: str, second: str) -> int:
    a, b = view.get(first), view.get(second)
    return a ^ b


def _l3l4(view: FlowView, parts: list, udp: bool) -> None:
    dl_type = view.get("dl_type")
    if dl_type == F.ETH_TYPE_IP:
        parts.append(_pair(view, "nw_src", "nw_dst"))
    elif dl_type == F.ETH_TYPE_IPV6:
        parts.append(_pair(view, "ipv6_src", "ipv6_dst"))
    else:
        return
    proto = view.get("nw_proto")
    parts.append(proto)
    if proto in _L4_WITH_PORTS or (udp and proto == F.IPPROTO_UDP):
        parts.append(_pair(view, "tp_src", "tp_dst"))


def flow_hash(view: FlowView, fields: str, basis: int) -> int:
    parts: list[int] = []
    if fields == "eth_src":
        parts.append(view.get("dl_src"))
    elif fields == "symmetric_l4":
        parts += [_pair(view, "dl_src", "dl_dst"), view.get("dl_type"),
                  view.get("vlan_tci") & 0x0FFF]
        _l3l4(view, parts, udp=False)
    elif fields in ("symmetric_l3l4", "symmetric_l3l4+udp"):
        _l3l4(view, parts, udp=fields.endswith("+udp"))
    elif fields == "symmetric_l3":
        dl_type = view.get("dl_type")
        if dl_type == F.ETH_TYPE_IP:
            parts.append(_pair(view, "nw_src", "nw_dst"))
        elif dl_type == F.ETH_TYPE_IPV6:
            parts.append(_pair(view, "ipv6_src", "ipv6_dst"))
    elif fields in ("nw_src", "nw_dst"):
        dl_type = view.get("dl_type")
        if dl_type == F.ETH_TYPE_IP:
            parts.append(view.get(fields))
        elif dl_type == F.ETH_TYPE_IPV6:
            parts.append(view.get("ipv6_src" if fields == "nw_src" else "ipv6_dst"))
    else:
        raise ValueError("unknown hash fields %r" % fields)
    data = b"".join(part.to_bytes(16, "big") for part in parts)
    return zlib.crc32(data, basis & MAX_HASH)


def salted(value: int, salt: int) -> int:
    return zlib.crc32(salt.to_bytes(4, "big"), value)


def choose_link(algorithm: str, flow_hash_value: int, n_links: int, arg: int) -> int:
    """multipath's link selection (ovs-actions(7)) among links 0..n_links-1."""
    if n_links <= 1:
        return 0
    if algorithm == "modulo_n":
        return flow_hash_value % n_links
    if algorithm == "hash_threshold":
        return min(flow_hash_value // (MAX_HASH // n_links + 1), n_links - 1)
    if algorithm == "hrw" and n_links <= HRW_MAX_LINKS:
        weights = [salted(flow_hash_value, link) for link in range(n_links)]
        return max(range(n_links), key=lambda link: (weights[link], -link))
    if algorithm in ("iter_hash", "hrw"):
        # hrw over HRW_MAX_LINKS links falls back to iter_hash, as Open vSwitch does.
        if not n_links - 1 < arg <= 65536 or algorithm == "hrw":
            arg = 1 << (n_links - 1).bit_length()
        salt = 0
        while True:
            salt += 1
            link = salted(flow_hash_value, salt) % arg
            if link < n_links:
                return link
    raise ValueError("unknown multipath algorithm %r" % algorithm)


def choose_member(algorithm: str, flow_hash_value: int, members, is_live: Callable[[int], bool]):
    """bundle's choice among `members` (OpenFlow ports): active_backup takes the first live
    one, hrw the live one of highest weight; None when none is live."""
    live = [member for member in members if is_live(member)]
    if not live:
        return None
    if algorithm == "active_backup":
        return live[0]
    return max(live, key=lambda member: (salted(flow_hash_value, member), -member))
