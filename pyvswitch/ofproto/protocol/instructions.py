"""OpenFlow 1.1+ instructions (OFPIT_*) <-> the flat ofpact tuple.

A flow's actions are one tuple in which the instructions appear as pseudo-actions in
OpenFlow's order (ofpact.INSTRUCTION_ORDER): `Meter`, the apply-actions, `ClearActions`,
`WriteActions`, `WriteMetadata`, `GotoTable`.  On the wire each is an instruction: type,
length (a multiple of 8), body; APPLY_ACTIONS and WRITE_ACTIONS carry an action list.  Open
vSwitch writes them in that same order, omits an empty apply- or write-actions list, puts
the meter into the apply-actions as OFPAT15_METER in OpenFlow 1.5, and accepts any order on
input but no instruction twice.

This module frames instructions only; the action lists inside are encoded and decoded by
the callables the facade (actions_wire) passes in.
"""
from __future__ import annotations

import struct
from typing import Callable

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.action_errors import (BAD_INSTRUCTION_LEN,
                                                      DUPLICATE_INSTRUCTION,
                                                      UNKNOWN_INSTRUCTION, not_in_version)
from pyvswitch.ofproto.protocol.errors import DecodeError
from pyvswitch.ofproto.protocol.versions import OFP13, OFP15

OFPIT_GOTO_TABLE = 1
OFPIT_WRITE_METADATA = 2
OFPIT_WRITE_ACTIONS = 3
OFPIT_APPLY_ACTIONS = 4
OFPIT_CLEAR_ACTIONS = 5
OFPIT_METER = 6

_HEADER = struct.Struct("!HH")
_GOTO = struct.Struct("!B3x")
_WRITE_METADATA = struct.Struct("!4xQQ")
_PAD = struct.Struct("!4x")
_METER = struct.Struct("!I")

EncodeList = Callable[[tuple], bytes]
DecodeList = Callable[[bytes], tuple]


def _instruction(instruction_type: int, body: bytes) -> bytes:
    return _HEADER.pack(instruction_type, _HEADER.size + len(body)) + body


def split(actions: tuple) -> dict:
    """The flat tuple as {"meter", "apply", "clear", "write", "metadata", "goto"}; raises
    ValueError if the pseudo-actions are out of order, repeated, or followed by actions."""
    parts = {"meter": None, "apply": [], "clear": None, "write": None, "metadata": None,
             "goto": None}
    slots = {A.ClearActions: "clear", A.WriteActions: "write", A.WriteMetadata: "metadata",
             A.GotoTable: "goto"}
    rank = -1
    for index, action in enumerate(actions):
        if isinstance(action, A.Meter):
            if index != 0:
                raise ValueError("meter must be the first instruction")
            parts["meter"] = action
        elif type(action) in slots:
            order = A.INSTRUCTION_ORDER.index(type(action))
            if order <= rank:
                raise ValueError("instructions out of order: %r" % (action,))
            rank = order
            parts[slots[type(action)]] = action
        elif rank >= 0:
            raise ValueError("action %r after an instruction" % (action,))
        else:
            parts["apply"].append(action)
    return parts


def encode(version: int, actions: tuple, encode_list: EncodeList) -> bytes:
    parts = split(actions)
    out = b""
    apply = list(parts["apply"])
    meter = parts["meter"]
    if meter is not None:
        if version < OFP13:
            raise not_in_version("OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15", version)
        if version >= OFP15:
            apply.insert(0, meter)
        else:
            out += _instruction(OFPIT_METER, _METER.pack(meter.meter_id))
    if apply:
        out += _instruction(OFPIT_APPLY_ACTIONS, _PAD.pack() + encode_list(tuple(apply)))
    if parts["clear"] is not None:
        out += _instruction(OFPIT_CLEAR_ACTIONS, _PAD.pack())
    if parts["write"] is not None and parts["write"].actions:
        out += _instruction(OFPIT_WRITE_ACTIONS,
                            _PAD.pack() + encode_list(parts["write"].actions))
    if parts["metadata"] is not None:
        metadata = parts["metadata"]
        out += _instruction(OFPIT_WRITE_METADATA,
                            _WRITE_METADATA.pack(metadata.value, metadata.mask))
    if parts["goto"] is not None:
        out += _instruction(OFPIT_GOTO_TABLE, _GOTO.pack(parts["goto"].table_id))
    return out


def _no_padding(body: bytes) -> None:
    if any(body):
        raise DecodeError(BAD_INSTRUCTION_LEN, "nonzero instruction padding")


def _decode_body(version: int, instruction_type: int, body: bytes, decode_list: DecodeList):
    fixed = {OFPIT_GOTO_TABLE: _GOTO.size, OFPIT_WRITE_METADATA: _WRITE_METADATA.size,
             OFPIT_CLEAR_ACTIONS: _PAD.size, OFPIT_METER: _METER.size}
    if instruction_type in fixed and len(body) != fixed[instruction_type]:
        raise DecodeError(BAD_INSTRUCTION_LEN, "instruction %d with a %d-byte body"
                          % (instruction_type, len(body)))
    if instruction_type == OFPIT_GOTO_TABLE:
        return A.GotoTable(body[0])
    if instruction_type == OFPIT_WRITE_METADATA:
        _no_padding(body[:4])
        return A.WriteMetadata(*_WRITE_METADATA.unpack(body))
    if instruction_type == OFPIT_CLEAR_ACTIONS:
        return A.ClearActions()
    if instruction_type == OFPIT_METER and version >= OFP13:
        return A.Meter(_METER.unpack(body)[0])
    if instruction_type in (OFPIT_APPLY_ACTIONS, OFPIT_WRITE_ACTIONS):
        if len(body) < _PAD.size:
            raise DecodeError(BAD_INSTRUCTION_LEN, "truncated action-list instruction")
        actions = decode_list(bytes(body[_PAD.size:]))
        if instruction_type == OFPIT_WRITE_ACTIONS:
            return A.WriteActions(actions)
        return actions
    raise DecodeError(UNKNOWN_INSTRUCTION, "unknown instruction type %d" % instruction_type)


def decode(version: int, data: bytes, decode_list: DecodeList) -> tuple:
    found: dict = {}
    offset = 0
    while offset < len(data):
        if len(data) - offset < _HEADER.size + 4:
            raise DecodeError(BAD_INSTRUCTION_LEN, "truncated instruction")
        instruction_type, length = _HEADER.unpack_from(data, offset)
        if length < 8 or length % 8 or offset + length > len(data):
            raise DecodeError(BAD_INSTRUCTION_LEN, "instruction length %d" % length)
        if instruction_type in found:
            raise DecodeError(DUPLICATE_INSTRUCTION, "instruction %d twice" % instruction_type)
        body = data[offset + _HEADER.size:offset + length]
        found[instruction_type] = _decode_body(version, instruction_type, body, decode_list)
        offset += length
    flat = []
    apply = list(found.get(OFPIT_APPLY_ACTIONS, ()))
    if OFPIT_METER in found:
        flat.append(found[OFPIT_METER])
    elif apply and isinstance(apply[0], A.Meter):
        flat.append(apply.pop(0))
    flat.extend(apply)
    for instruction_type in (OFPIT_CLEAR_ACTIONS, OFPIT_WRITE_ACTIONS, OFPIT_WRITE_METADATA,
                             OFPIT_GOTO_TABLE):
        if instruction_type in found:
            flat.append(found[instruction_type])
    return tuple(flat)
