"""Datapath actions: the only instructions the forwarding loop understands.

Translation (OpenFlow tables, NORMAL) turns a flow key into a list of these; the datapath caches
the list in a megaflow and `pyvswitch.datapath.execute` applies it to frames.  Each action is a
plain tuple whose first element names its kind:

    ("output", dp_port)            send the frame as it is now out of a datapath port
    ("push_vlan", tpid, tci)       insert a VLAN tag (tci with or without the 0x1000 present bit)
    ("pop_vlan",)                  remove the outermost VLAN tag
    ("set", field_name, value)     rewrite a header field; checksums follow.  Settable fields
                                   are SETTABLE_FIELDS (names from pyvswitch.fields)
    ("userspace", cookie)          hand a copy of the frame to the in_port owner's
                                   `userspace(frame, cookie, in_port)` (send-to-controller)
    ("tunnel_output", dp_port, header)
                                   send the frame out of a tunnel port, encapsulated as the
                                   pyvswitch.netdev.tunnel_header.TunnelHeader says (VNI,
                                   remote and local address, TTL, TOS, DF, checksum)

An empty list means drop.  Actions apply in order, so ("set", ...) after an output does not
affect what that output sent.
"""
from __future__ import annotations

OUTPUT = "output"
PUSH_VLAN = "push_vlan"
POP_VLAN = "pop_vlan"
SET = "set"
USERSPACE = "userspace"
TUNNEL_OUTPUT = "tunnel_output"

SETTABLE_FIELDS = frozenset((
    "dl_src", "dl_dst",
    "nw_src", "nw_dst", "nw_tos", "nw_ecn", "nw_ttl",
    "tp_src", "tp_dst",
    "ipv6_src", "ipv6_dst",
))


def output(dp_port: int) -> tuple:
    return (OUTPUT, dp_port)


def push_vlan(tci: int, tpid: int = 0x8100) -> tuple:
    return (PUSH_VLAN, tpid, tci)


def pop_vlan() -> tuple:
    return (POP_VLAN,)


def set_field(name: str, value: int) -> tuple:
    if name not in SETTABLE_FIELDS:
        raise ValueError("datapath cannot set field %s" % name)
    return (SET, name, value)


def userspace(cookie) -> tuple:
    return (USERSPACE, cookie)


def tunnel_output(dp_port: int, header) -> tuple:
    return (TUNNEL_OUTPUT, dp_port, header)


def output_ports(actions: list) -> tuple[int, ...] | None:
    """The ports of an action list made only of outputs (the fast path), else None."""
    ports = []
    for action in actions:
        if action[0] != OUTPUT:
            return None
        ports.append(action[1])
    return tuple(ports)
