"""Committing packet changes: from the pipeline's idea of the packet to datapath set actions.

OpenFlow actions rewrite the packet as the pipeline sees it (the translation's `FlowView`);
the frame itself only changes through datapath actions.  As in Open vSwitch, the rewrites are
not emitted one by one but "committed" right before something sends the packet (an output, a
patch crossing, NORMAL): for every packet field whose bits were written since the last
commit, one ("set", field, value) datapath action, or ("set_masked", field, value, mask) when
only some of its bits were written.  VLAN tags are not committed here: translation pushes and
pops them itself (pyvswitch.ofproto.xlate).

`PacketChanges` keeps two masks over the key:
  * `dirty`: bits where the pipeline's packet may differ from the frame as committed so far;
  * `written`: bits whose pipeline value was written by an action, so it is not the original
    packet's.  Committing a dirty bit that is not written emits the original packet's value
    (after a clone or a patch crossing restored it), so the answer depends on that bit: it is
    un-wildcarded.  Committing a written bit depends on nothing but the action that wrote it
    (which un-wildcarded its own sources).

Which datapath field a storage region is committed as depends on the packet: the bits of
nw_src are arp_spa in an ARP packet, tp_src is icmp_type in ICMP; reading dl_type and
nw_proto for that costs nothing, as every megaflow matches dl_type and the set actions are
only meaningful with nw_proto known (Open vSwitch un-wildcards it likewise).
"""
from __future__ import annotations

from typing import NamedTuple

from pyvswitch import fields as F
from pyvswitch.datapath import actions as dpa
from pyvswitch.flow import FlowView


class _CommitField(NamedTuple):
    name: str                  # the datapath set action's field
    mask: int                  # its bits in the key
    shift: int
    value_mask: int
    dl_types: tuple            # () = any
    nw_protos: tuple           # () = any


def _commit_field(name: str, dl_types=(), nw_protos=()) -> _CommitField:
    field = F.FIELDS[name]
    return _CommitField(name, field.mask, field.shift, field.value_mask, tuple(dl_types),
                        tuple(nw_protos))


_IP, _IPV6, _ARP = (F.ETH_TYPE_IP,), (F.ETH_TYPE_IPV6,), (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP)
_IP_ANY = _IP + _IPV6
_PORTS = (F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP)

#: In the order the datapath applies them (L2, L3, L4), as Open vSwitch commits.
COMMIT_FIELDS = (
    _commit_field("dl_src"), _commit_field("dl_dst"),
    _commit_field("nw_src", _IP), _commit_field("nw_dst", _IP),
    _commit_field("arp_op", _ARP), _commit_field("arp_spa", _ARP), _commit_field("arp_tpa", _ARP),
    _commit_field("arp_sha", _ARP), _commit_field("arp_tha", _ARP),
    _commit_field("ipv6_src", _IPV6), _commit_field("ipv6_dst", _IPV6),
    _commit_field("ipv6_label", _IPV6),
    _commit_field("nw_tos", _IP_ANY), _commit_field("nw_ecn", _IP_ANY),
    _commit_field("nw_ttl", _IP_ANY),
    _commit_field("tp_src", _IP_ANY, _PORTS), _commit_field("tp_dst", _IP_ANY, _PORTS),
    _commit_field("icmp_type", _IP, (F.IPPROTO_ICMP,)),
    _commit_field("icmp_code", _IP, (F.IPPROTO_ICMP,)),
    _commit_field("icmpv6_type", _IPV6, (F.IPPROTO_ICMPV6,)),
    _commit_field("icmpv6_code", _IPV6, (F.IPPROTO_ICMPV6,)),
    _commit_field("nd_target", _IPV6, (F.IPPROTO_ICMPV6,)),
    _commit_field("nd_sll", _IPV6, (F.IPPROTO_ICMPV6,)),
    _commit_field("nd_tll", _IPV6, (F.IPPROTO_ICMPV6,)),
)
#: Bits of the IP header and what follows it: their commit depends on nw_proto.
_IP_HEADER = 0
for _field in COMMIT_FIELDS:
    if _field.dl_types and set(_field.dl_types) <= set(_IP_ANY):
        _IP_HEADER |= _field.mask
#: Every key bit a commit can emit; writes elsewhere (metadata, registers, tunnel metadata,
#: the VLAN tag) never become set actions.
COMMITTABLE = 0
for _field in COMMIT_FIELDS:
    COMMITTABLE |= _field.mask
del _field


class PacketChanges:
    __slots__ = ("dirty", "written", "committed")

    def __init__(self):
        self.dirty = 0
        self.written = 0
        self.committed = 0      # bits committed since the caller last reset it

    def record_write(self, bits: int) -> None:
        self.written |= bits
        self.dirty |= bits & COMMITTABLE

    def commit(self, view: FlowView, actions: list) -> None:
        """Append the set actions that make the frame what the pipeline sees."""
        dirty = self.dirty
        if not dirty:
            return
        key = view.key
        dl_type = (key >> F.SHIFT_DL_TYPE) & 0xFFFF
        nw_proto = (key >> F.SHIFT_NW_PROTO) & 0xFF
        if dirty & _IP_HEADER and dl_type in _IP_ANY:
            view.wc |= F.FIELDS["nw_proto"].mask
            if not nw_proto:
                # An "IP" flow whose protocol is 0 carries no real IP header (a trace's
                # made-up flow), so, as Open vSwitch, its L3 and L4 rewrites are not sent.
                dirty &= ~_IP_HEADER
        for field in COMMIT_FIELDS:
            bits = dirty & field.mask
            if not bits:
                continue
            if field.dl_types and dl_type not in field.dl_types:
                continue
            if field.nw_protos and nw_proto not in field.nw_protos:
                continue
            view.wc |= bits & ~self.written
            value = (key >> field.shift) & field.value_mask
            if bits == field.mask:
                actions.append(dpa.set_field(field.name, value))
            else:
                mask = bits >> field.shift
                actions.append(dpa.set_masked(field.name, value & mask, mask))
        self.committed |= dirty
        self.dirty = 0
