"""OFPT_PACKET_OUT bodies (type 13 in every version).

    1.0      buffer_id (4), in_port (2), actions_len (2), actions, data
    1.1-1.4  buffer_id (4), in_port (4), actions_len (2), pad (6), actions, data
    1.5      buffer_id (4), actions_len (2), pad (2), match (OXM, in_port and other
             metadata), actions, data
In_port is kept 16-bit (reserved ports 0xfff8...) as everywhere in pyvswitch; in 1.5 it
travels inside the match, which `PacketOut.match` keeps whole (with in_port taken out of it
into `in_port`).  The actions go through actions_wire.
"""
from __future__ import annotations

import struct

from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto import ofpact
from pyvswitch.ofproto.protocol import actions_wire, nx_match
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32
from pyvswitch.ofproto.protocol.versions import OFP10, OFP15

_OF10 = struct.Struct("!IHH")
_OF11 = struct.Struct("!IIH6x")
_OF15 = struct.Struct("!IH2x")


def decode_packet_out(version: int, body: bytes) -> dict:
    if version == OFP10:
        layout = _OF10
    elif version < OFP15:
        layout = _OF11
    else:
        layout = _OF15
    if len(body) < layout.size:
        raise DecodeError(BAD_LEN, "packet-out too short")
    match = Match()
    if version == OFP10:
        buffer_id, in_port, actions_len = layout.unpack_from(body)
        offset = layout.size
    elif version < OFP15:
        buffer_id, wire_port, actions_len = layout.unpack_from(body)
        in_port = port_from_wire32(wire_port)
        offset = layout.size
    else:
        buffer_id, actions_len = layout.unpack_from(body)
        match, offset = nx_match.decode_oxm_match(body, layout.size)
        in_port = (match.get("in_port")[0] if not match.is_wild("in_port")
                   else ofpact.OFPP_CONTROLLER)
        match = match.without_field("in_port")
    if offset + actions_len > len(body):
        raise DecodeError(BAD_LEN, "packet-out actions run past the message")
    actions = actions_wire.decode_actions(version, bytes(body[offset:offset + actions_len]))
    return {"buffer_id": buffer_id, "in_port": in_port, "actions": actions,
            "data": bytes(body[offset + actions_len:]), "match": match}


def encode_packet_out(message: m.PacketOut) -> bytes:
    version = message.version
    actions = actions_wire.encode_actions(version, message.actions)
    if version == OFP10:
        head = _OF10.pack(message.buffer_id, message.in_port, len(actions))
    elif version < OFP15:
        head = _OF11.pack(message.buffer_id, port_to_wire32(message.in_port), len(actions))
    else:
        match = (message.match or Match()).with_field("in_port", message.in_port)
        head = (_OF15.pack(message.buffer_id, len(actions))
                + nx_match.encode_oxm_match(match, version))
    return head + actions + message.data

