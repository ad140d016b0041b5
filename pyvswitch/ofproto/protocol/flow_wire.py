"""Pieces every flow-table message shares on the wire: matches in their three encodings,
flow_mod flags per version, port numbers, and the bridge to the actions codec.

A flow-table message carries its match one of three ways, named as `FlowMod.wire` names
them: "of10" (OpenFlow 1.0's fixed ofp_match), "nxm" (a Nicira extended match, OpenFlow 1.0
NXT_/NXST_ messages) and "oxm" (OpenFlow 1.2+ ofp_match of type OXM).  OpenFlow 1.1's
88-byte standard match is not implemented: a 1.1 match must be of type OXM, as Open vSwitch
also accepts, and anything else is refused with OFPBMC_BAD_TYPE.

Flags: `FlowMod.flags` uses Open vSwitch's version-independent bits (messages.OFPFF_*);
`FLOW_MOD_FLAGS` maps them onto each version's wire bits.  In OpenFlow 1.0 and 1.1 an add
always resets counters and no bit says so; decoding such an add sets OFPFF_RESET_COUNTS.

Actions and instructions are the actions codec's (`actions_wire`), imported when first
needed; an empty action list needs no codec at all.
"""
from __future__ import annotations

import struct
from typing import Optional

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import match11, nx_match
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import FLOW_MOD_BAD_FLAGS, DecodeError
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP13, OFP15

WIRE_OF10 = "of10"
WIRE_NXM = "nxm"
WIRE_OXM = "oxm"

# (version-independent flag, wire bit, first version, last version)
FLOW_MOD_FLAGS = [
    (m.OFPFF_SEND_FLOW_REM, 1 << 0, OFP10, OFP15),
    (m.OFPFF_CHECK_OVERLAP, 1 << 1, OFP10, OFP15),
    (m.OFPFF_EMERG, 1 << 2, OFP10, OFP10),
    (m.OFPFF_RESET_COUNTS, 1 << 2, OFP12, OFP15),
    (m.OFPFF_NO_PKT_COUNTS, 1 << 3, OFP13, OFP15),
    (m.OFPFF_NO_BYT_COUNTS, 1 << 4, OFP13, OFP15),
]


def encode_match(version: int, match: Match) -> bytes:
    """The ofp_match of an OpenFlow 1.1+ message."""
    if version == OFP11:
        return match11.encode(match)
    return nx_match.encode_oxm_match(match, version)


def encode_reply_match(version: int, match: Match) -> bytes:
    """The ofp_match of an OpenFlow 1.1+ flow-statistics entry: OXM in every version."""
    return nx_match.encode_oxm_match(match, version)


def decode_match(version: int, data: bytes, offset: int, *, strict: bool = True
                 ) -> tuple[Match, int]:
    """The OpenFlow 1.1+ ofp_match at data[offset:] and the offset after it."""
    if (len(data) - offset >= 2
            and struct.unpack_from("!H", data, offset)[0] == match11.OFPMT_STANDARD):
        return match11.decode(data, offset)
    return nx_match.decode_oxm_match(data, offset, strict=strict)


def flags_to_wire(version: int, flags: int) -> int:
    return sum(wire for flag, wire, first, last in FLOW_MOD_FLAGS
               if flags & flag and first <= version <= last)


def flags_from_wire(version: int, raw: int, *, reject_unknown: bool = True) -> int:
    flags = 0
    for flag, wire, first, last in FLOW_MOD_FLAGS:
        if raw & wire and first <= version <= last:
            flags |= flag
            raw &= ~wire
    if raw and reject_unknown:
        raise DecodeError(FLOW_MOD_BAD_FLAGS, "unknown flow_mod flags %#x" % raw)
    return flags


def decode_actions(version: int, data: bytes) -> tuple:
    """An OpenFlow 1.0 / NXM action list."""
    if not data:
        return ()
    from pyvswitch.ofproto.protocol import actions_wire
    return actions_wire.decode_actions(version, data)


_NW_PROTO = F.FIELDS["nw_proto"]


def _ip_proto(match) -> Optional[int]:
    # Setting a transport port encodes differently for TCP, UDP and SCTP: the flow's match
    # says which one the actions act on.
    if match is None or not (match.mask >> _NW_PROTO.shift) & _NW_PROTO.value_mask:
        return None
    return (match.value >> _NW_PROTO.shift) & _NW_PROTO.value_mask


_ENCODED: dict = {}
_MAX_ENCODED = 4096


def _encoded(encoder_name: str, version: int, actions: tuple, ip_proto: Optional[int]
             ) -> bytes:
    """Flows of a table share few distinct action lists (a dump of 100,000 flows may have a
    few hundred), so encodings are remembered by (version, actions, ip_proto); an action
    list holding something unhashable is encoded afresh."""
    key = (encoder_name, version, actions, ip_proto)
    try:
        return _ENCODED[key]
    except KeyError:
        remember = True
    except TypeError:
        remember = False
    from pyvswitch.ofproto.protocol import actions_wire
    context = {} if ip_proto is None else {"ip_proto": ip_proto}
    data = getattr(actions_wire, encoder_name)(version, actions, **context)
    if remember:
        if len(_ENCODED) >= _MAX_ENCODED:
            _ENCODED.clear()
        _ENCODED[key] = data
    return data


def encode_actions(version: int, actions, match=None) -> bytes:
    if not actions:
        return b""
    return _encoded("encode_actions", version, tuple(actions), _ip_proto(match))


def decode_instructions(version: int, data: bytes) -> tuple:
    if not data:
        return ()
    from pyvswitch.ofproto.protocol import actions_wire
    return actions_wire.decode_instructions(version, data)


def encode_instructions(version: int, actions, match=None) -> bytes:
    if not actions:
        return b""
    return _encoded("encode_instructions", version, tuple(actions), _ip_proto(match))
