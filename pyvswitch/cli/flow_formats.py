"""Which message forms ovs-ofctl uses for flow mods and flow dumps ("protocols").

A protocol is a negotiated version plus, for OpenFlow 1.0, two Nicira settings: the flow
format (OpenFlow 1.0 match or NXM, NXT_SET_FLOW_FORMAT) and whether flow mods carry a table
id (NXT_FLOW_MOD_TABLE_ID).  A fresh connection speaks its version's base protocol
(OpenFlow 1.0 without table ids at 1.0).  What a request needs is a set of usable protocols:
a match that does not fit the OpenFlow 1.0 match needs NXM or OXM, a flow mod naming a
table needs table ids, a modify or delete with a cookie mask needs NXM or 1.1+.

  * flow mods (`choose_for_flow_mod`): keep the current protocol if usable, else the first
    usable allowed protocol in `Protocol` order;
  * dumps (`choose_for_dump`): the first usable allowed protocol of DUMP_ORDER (NXM at 1.0);
  * `switch_messages(current, wanted)` are the messages that move a 1.0 connection from one
    to the other, flow format first (each goes with a barrier, as ovs-ofctl sends them).

`describe` names a set as ovs-ofctl's error messages do ("NXM,OXM", "any").
"""
from __future__ import annotations

import enum
import functools

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import flow_wire, match10
from pyvswitch.ofproto.protocol.action_errors import UnencodableAction
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP13, OFP14, OFP15


class Protocol(enum.IntFlag):
    OF10_STD = 1 << 0
    OF10_STD_TID = 1 << 1
    OF10_NXM = 1 << 2
    OF10_NXM_TID = 1 << 3
    OF11_STD = 1 << 4
    OF12_OXM = 1 << 5
    OF13_OXM = 1 << 6
    OF14_OXM = 1 << 7
    OF15_OXM = 1 << 8


P = Protocol
OF10_STD_ANY = P.OF10_STD | P.OF10_STD_TID
OF10_NXM_ANY = P.OF10_NXM | P.OF10_NXM_TID
OF10_ANY = OF10_STD_ANY | OF10_NXM_ANY
ANY_OXM = P.OF12_OXM | P.OF13_OXM | P.OF14_OXM | P.OF15_OXM
ANY = OF10_ANY | P.OF11_STD | ANY_OXM
WITH_TABLE_ID = P.OF10_STD_TID | P.OF10_NXM_TID | P.OF11_STD | ANY_OXM
NXM_OR_LATER = OF10_NXM_ANY | P.OF11_STD | ANY_OXM
BUNDLES = P.OF13_OXM | P.OF14_OXM | P.OF15_OXM    # the ONF extension in 1.3, native in 1.4+
DUMP_ORDER = (P.OF15_OXM, P.OF14_OXM, P.OF13_OXM, P.OF12_OXM, P.OF11_STD, P.OF10_NXM,
              P.OF10_STD)

_BY_VERSION = {OFP10: OF10_ANY, OFP11: P.OF11_STD, OFP12: P.OF12_OXM, OFP13: P.OF13_OXM,
               OFP14: P.OF14_OXM, OFP15: P.OF15_OXM}
_ABBREVIATIONS = ((ANY, "any"), (OF10_STD_ANY, "OpenFlow10"), (OF10_NXM_ANY, "NXM"),
                  (ANY_OXM, "OXM"))
_NAMES = {P.OF10_STD: "OpenFlow10-table_id", P.OF10_STD_TID: "OpenFlow10+table_id",
          P.OF10_NXM: "NXM-table_id", P.OF10_NXM_TID: "NXM+table_id",
          P.OF11_STD: "OpenFlow11", P.OF12_OXM: "OXM-OpenFlow12",
          P.OF13_OXM: "OXM-OpenFlow13", P.OF14_OXM: "OXM-OpenFlow14",
          P.OF15_OXM: "OXM-OpenFlow15"}


class NoUsableProtocol(Exception):
    """str() is ovs-ofctl's message."""


def allowed(versions) -> Protocol:
    result = P(0)
    for version in versions:
        result |= _BY_VERSION[version]
    return result


def base(version: int) -> Protocol:
    """What a connection negotiated at `version` speaks before any Nicira setting."""
    return P.OF10_STD if version == OFP10 else _BY_VERSION[version]


def describe(protocols: Protocol) -> str:
    words = []
    for group, name in _ABBREVIATIONS:
        if protocols & group == group:
            words.append(name)
            protocols &= ~group
    words += [name for bit, name in _NAMES.items() if protocols & bit]
    return ",".join(words)


# What the OpenFlow 1.1 match holds: these fields with any mask, those exact or not at all
# (fields sharing storage, like icmp_type in tp_src, each count as exact), and a VLAN match
# that names a VID and/or PCP of a tagged frame, or no tag.
# LOCAL APPROXIMATION until the codec has an OpenFlow 1.1 match (match10.fits for 1.0).
_OF11_MASKED = ("dl_src", "dl_dst", "nw_src", "nw_dst", "metadata")
_OF11_EXACT = ("in_port", "dl_type", "nw_tos", "nw_ecn", "nw_proto", "tp_src", "tp_dst",
               "icmp_type", "icmp_code", "mpls_label", "mpls_tc")
_VLAN_PCP, _VLAN_CFI, _VLAN_VID = 0xE000, 0x1000, 0x0FFF


def _fits_of11_vlan(match: Match) -> bool:
    value, mask = match.get("vlan_tci")
    if mask == _VLAN_CFI:
        return value == 0
    return mask in (0, _VLAN_CFI | _VLAN_VID, _VLAN_CFI | _VLAN_PCP, 0xFFFF)


def fits_of11_match(match: Match) -> bool:
    allowed = F.field("vlan_tci").mask
    for name in _OF11_MASKED + _OF11_EXACT:
        allowed |= F.field(name).mask
    if match.mask & ~allowed or not _fits_of11_vlan(match):
        return False
    exact_masks = {F.field(name).mask for name in _OF11_EXACT}
    for name in _OF11_EXACT:
        bits = match.mask & F.field(name).mask
        if bits and bits not in exact_masks and not any(
                bits == a | b for a in exact_masks for b in exact_masks):
            return False
    return True


def usable_for_match(match: Match) -> Protocol:
    usable = ANY
    if not match10.fits(match):
        usable &= NXM_OR_LATER
    if not fits_of11_match(match):
        usable &= ~P.OF11_STD
    return usable


@functools.lru_cache(maxsize=4096)
def _usable_for_actions(actions: tuple, transport: Match) -> Protocol:
    usable = ANY
    for version, protocols in _BY_VERSION.items():
        encode = flow_wire.encode_actions if version == OFP10 else flow_wire.encode_instructions
        try:
            encode(version, actions, transport)
        except UnencodableAction:
            usable &= ~protocols
    return usable


def usable_for_actions(actions: tuple, match: Match) -> Protocol:
    """The protocols whose version can encode `actions` (some exist only in 1.1+ or 1.3+);
    only the match's nw_proto affects how actions encode."""
    transport = Match()
    if not match.is_wild("nw_proto"):
        transport = transport.with_field("nw_proto", match.get("nw_proto")[0])
    return _usable_for_actions(tuple(actions), transport)


def usable_for_flow_mod(match: Match, table_given: bool, cookie_mask: bool = False,
                        actions: tuple = ()) -> Protocol:
    usable = usable_for_match(match) & usable_for_actions(actions, match)
    if table_given:
        usable &= WITH_TABLE_ID
    if cookie_mask:
        usable &= NXM_OR_LATER
    return usable


def candidates_for_flow_mod(current: Protocol, usable: Protocol, allowed_set: Protocol):
    """Protocols to try in order; the first one the switch accepts wins."""
    if not usable & allowed_set:
        raise NoUsableProtocol(
            "none of the usable flow formats (%s) is among the allowed flow formats (%s)"
            % (describe(usable), describe(allowed_set)))
    if usable & allowed_set & current:
        return [current]
    return [bit for bit in P if bit != current and bit & usable & allowed_set]


def candidates_for_dump(usable: Protocol, allowed_set: Protocol):
    return [bit for bit in DUMP_ORDER if bit & usable & allowed_set]


def no_protocol_error(usable: Protocol) -> NoUsableProtocol:
    return NoUsableProtocol("switch does not support any of the usable flow formats (%s)"
                            % describe(usable))


def switch_messages(current: Protocol, wanted: Protocol, version: int) -> list:
    """Messages that move a connection from `current` to `wanted` (empty when they agree),
    each as a function of its xid: ovs-ofctl numbers each one's barrier before the next."""
    messages = []
    if current & OF10_ANY and wanted & OF10_ANY:
        if bool(current & OF10_NXM_ANY) != bool(wanted & OF10_NXM_ANY):
            flow_format = m.NXFF_NXM if wanted & OF10_NXM_ANY else m.NXFF_OPENFLOW10
            messages.append(functools.partial(m.SetFlowFormat, version=version,
                                              format=flow_format))
        if bool(current & WITH_TABLE_ID) != bool(wanted & WITH_TABLE_ID):
            messages.append(functools.partial(m.FlowModTableId, version=version,
                                              enable=bool(wanted & WITH_TABLE_ID)))
    return messages


def uses_nxm(protocol: Protocol) -> bool:
    return bool(protocol & OF10_NXM_ANY)


def wire_form(protocol: Protocol) -> str:
    """FlowMod.wire for messages sent in `protocol`."""
    if protocol & OF10_STD_ANY:
        return flow_wire.WIRE_OF10
    if protocol & OF10_NXM_ANY:
        return flow_wire.WIRE_NXM
    return flow_wire.WIRE_OXM
