"""Bodies of FLOW_MOD, FLOW_REMOVED and the Nicira flow-format messages, in every version.

FLOW_MOD has three wire forms (see `flow_wire`):
  * OpenFlow 1.0 OFPT_FLOW_MOD: ofp_match, then cookie, command, timeouts, priority,
    buffer_id, 16-bit out_port, flags, actions.  The command's high byte is a table id
    (Open vSwitch's NXT_FLOW_MOD_TABLE_ID extension); it always decodes into `table_id`,
    and whether to honour it is the connection's business; it encodes as given, so a sender
    without the extension passes table 0.
  * NXT_FLOW_MOD: the same fields with an NXM match, which may carry the cookie filter as a
    pseudo-field; the header's cookie is the new cookie (all ones: leave cookies alone).
  * OpenFlow 1.1+: cookie, cookie_mask, table_id, command, timeouts, priority, buffer_id,
    32-bit out_port, out_group, flags, importance (1.4+), a match (`flow_wire.encode_match`)
    and instructions.  As Open vSwitch writes it, table OFPTT_ALL goes on the wire as 0
    except in a 1.2+ delete (a modify of every table is not expressible).
Cookies follow Open vSwitch: an add's cookie is the flow's cookie; modify and delete carry
a cookie filter (cookie under cookie_mask) and, in 1.0/NXM, a new cookie; an OpenFlow 1.1
modify without a cookie filter carries its new cookie in the cookie field.

FLOW_REMOVED: OpenFlow 1.0 (ofp_match, no table id), NXT_FLOW_REMOVED (NXM; its table id
is carried plus one, 0 meaning unknown), 1.1-1.4, and 1.5, which moved duration and
counters into OXS statistics (`oxs_stats`).

Each decoder takes (version, body after the header or after the Nicira vendor/subtype)
and returns the message's fields; each encoder returns that body.
"""
from __future__ import annotations

import struct

from pyvswitch.ofproto.protocol import flow_wire as W
from pyvswitch.ofproto.protocol import match10, nx_match, oxs_stats
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import (BAD_LEN, FLOW_MOD_BAD_COMMAND, DecodeError)
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP14, OFP15

NXT_SET_FLOW_FORMAT = 12
NXT_FLOW_MOD = 13
NXT_FLOW_REMOVED = 14
NXT_FLOW_MOD_TABLE_ID = 15

_ALL_ONES_64 = (1 << 64) - 1
_FLOW_MOD_10 = struct.Struct("!QHHHHIHH")
_FLOW_MOD_NX = struct.Struct("!QHHHHIHHH6x")
_FLOW_MOD_11 = struct.Struct("!QQBBHHHIIIHH")
_SET_FLOW_FORMAT = struct.Struct("!I")
_FLOW_MOD_TABLE_ID = struct.Struct("!B7x")
_FLOW_REMOVED_10 = struct.Struct("!QHBxIIH2xQQ")
_FLOW_REMOVED_NX = struct.Struct("!QHBBIIHHQQ")
_FLOW_REMOVED_11 = struct.Struct("!QHBBIIHHQQ")
_FLOW_REMOVED_15 = struct.Struct("!BBHHHQ")


def _need(layout: struct.Struct, body: bytes, offset: int = 0) -> tuple:
    if len(body) - offset < layout.size:
        raise DecodeError(BAD_LEN, "message too short")
    return layout.unpack_from(body, offset)


def _check_command(command: int) -> int:
    if command > m.OFPFC_DELETE_STRICT:
        raise DecodeError(FLOW_MOD_BAD_COMMAND, "flow_mod command %d" % command)
    return command


def _add_resets_counts(version: int, command: int, flags: int) -> int:
    if version <= OFP11 and command == m.OFPFC_ADD:
        return flags | m.OFPFF_RESET_COUNTS
    return flags


# ---- FLOW_MOD -----------------------------------------------------------------------------

def decode_flow_mod_10(version: int, body: bytes) -> dict:
    match = match10.decode(body)
    (cookie, command, idle, hard, priority, buffer_id, out_port, raw_flags) = _need(
        _FLOW_MOD_10, body, match10.OFP10_MATCH.size)
    table_id, command = command >> 8, _check_command(command & 0xFF)
    fields = {"command": command, "match": match, "priority": priority,
              "table_id": table_id, "idle_timeout": idle, "hard_timeout": hard,
              "buffer_id": buffer_id, "out_port": out_port,
              "flags": _add_resets_counts(version, command,
                                          W.flags_from_wire(version, raw_flags)),
              "wire": W.WIRE_OF10}
    fields.update(_cookies_10(command, cookie))
    start = match10.OFP10_MATCH.size + _FLOW_MOD_10.size
    fields["actions"] = W.decode_actions(version, body[start:])
    return fields


def _cookies_10(command: int, header_cookie: int, cookie: int = 0,
                cookie_mask: int = 0) -> dict:
    if command == m.OFPFC_ADD:
        return {"cookie": header_cookie}
    return {"cookie": cookie, "cookie_mask": cookie_mask,
            "new_cookie": None if header_cookie == _ALL_ONES_64 else header_cookie}


def _header_cookie_10(message: m.FlowMod, modify_keeps: int) -> int:
    """The header cookie of a 1.0 or NXM flow_mod: an add's cookie, else the new cookie,
    which for a modify that keeps cookies is `modify_keeps` (what ovs-ofctl writes)."""
    if message.command == m.OFPFC_ADD:
        return message.cookie
    if message.new_cookie is not None:
        return message.new_cookie
    return modify_keeps if message.command in (m.OFPFC_MODIFY, m.OFPFC_MODIFY_STRICT) else 0


def _command_10(message: m.FlowMod) -> int:
    return message.command | message.table_id << 8


def encode_flow_mod_10(message: m.FlowMod) -> bytes:
    version = message.version
    command = _command_10(message)
    return (match10.encode(message.match)
            + _FLOW_MOD_10.pack(_header_cookie_10(message, 0), command,
                                message.idle_timeout, message.hard_timeout, message.priority,
                                message.buffer_id, message.out_port & 0xFFFF,
                                W.flags_to_wire(version, message.flags))
            + W.encode_actions(version, message.actions, message.match))


def decode_flow_mod_nx(version: int, body: bytes) -> dict:
    (header_cookie, command, idle, hard, priority, buffer_id, out_port, raw_flags,
     match_len) = _need(_FLOW_MOD_NX, body)
    match, cookie, cookie_mask, end = nx_match.decode_nxm(body, _FLOW_MOD_NX.size, match_len,
                                                          allow_cookie=True)
    table_id, command = command >> 8, _check_command(command & 0xFF)
    fields = {"command": command, "match": match, "priority": priority,
              "table_id": table_id, "idle_timeout": idle, "hard_timeout": hard,
              "buffer_id": buffer_id, "out_port": out_port,
              "flags": _add_resets_counts(version, command,
                                          W.flags_from_wire(version, raw_flags)),
              "wire": W.WIRE_NXM, "actions": W.decode_actions(version, body[end:])}
    fields.update(_cookies_10(command, header_cookie, cookie, cookie_mask))
    return fields


def encode_flow_mod_nx(message: m.FlowMod) -> bytes:
    version = message.version
    filtered = message.command != m.OFPFC_ADD
    entries = nx_match.encode_entries(message.match, nx_match.NXM,
                                      message.cookie if filtered else 0,
                                      message.cookie_mask if filtered else 0)
    command = _command_10(message)
    return (_FLOW_MOD_NX.pack(_header_cookie_10(message, _ALL_ONES_64), command,
                              message.idle_timeout, message.hard_timeout, message.priority,
                              message.buffer_id, message.out_port & 0xFFFF,
                              W.flags_to_wire(version, message.flags), len(entries))
            + entries + nx_match.padding(len(entries))
            + W.encode_actions(version, message.actions, message.match))


def decode_flow_mod_11(version: int, body: bytes) -> dict:
    (cookie, cookie_mask, table_id, command, idle, hard, priority, buffer_id, out_port,
     out_group, raw_flags, importance) = _need(_FLOW_MOD_11, body)
    command = _check_command(command)
    match, end = W.decode_match(version, body, _FLOW_MOD_11.size)
    fields = {"command": command, "match": match, "priority": priority,
              "table_id": table_id, "cookie": cookie, "cookie_mask": cookie_mask,
              "idle_timeout": idle, "hard_timeout": hard,
              "importance": importance if version >= OFP14 else 0,
              "buffer_id": buffer_id, "out_port": port_from_wire32(out_port),
              "out_group": out_group,
              "flags": _add_resets_counts(version, command,
                                          W.flags_from_wire(version, raw_flags)),
              "wire": W.WIRE_OXM,
              "actions": W.decode_instructions(version, body[end:])}
    if version == OFP11 and command in (m.OFPFC_MODIFY, m.OFPFC_MODIFY_STRICT) \
            and not cookie_mask:
        fields["new_cookie"] = cookie
    return fields


def encode_flow_mod_11(message: m.FlowMod) -> bytes:
    version = message.version
    table_id = message.table_id
    if table_id == m.OFPTT_ALL and not (
            version > OFP11 and message.command in (m.OFPFC_DELETE, m.OFPFC_DELETE_STRICT)):
        table_id = 0
    cookie = message.cookie
    if (version == OFP11 and message.command in (m.OFPFC_MODIFY, m.OFPFC_MODIFY_STRICT)
            and not message.cookie_mask and message.new_cookie is not None):
        cookie = message.new_cookie
    return (_FLOW_MOD_11.pack(cookie, message.cookie_mask, table_id,
                              message.command, message.idle_timeout, message.hard_timeout,
                              message.priority, message.buffer_id,
                              port_to_wire32(message.out_port), message.out_group,
                              W.flags_to_wire(version, message.flags),
                              message.importance if version >= OFP14 else 0)
            + W.encode_match(version, message.match)
            + W.encode_instructions(version, message.actions, message.match))


def flow_mod_wire(message: m.FlowMod) -> str:
    """The wire form `message` travels in: its own `wire` where the version allows it, else
    OpenFlow 1.0's ofp_match when the match fits one, NXM when it does not."""
    if message.version != OFP10:
        return W.WIRE_OXM
    if message.wire in (W.WIRE_OF10, W.WIRE_NXM):
        return message.wire
    needs_nxm = (not match10.fits(message.match)
                 or (message.command != m.OFPFC_ADD and message.cookie_mask))
    return W.WIRE_NXM if needs_nxm else W.WIRE_OF10


# ---- NXT_SET_FLOW_FORMAT, NXT_FLOW_MOD_TABLE_ID --------------------------------------------

def decode_set_flow_format(version: int, body: bytes) -> dict:
    if len(body) != _SET_FLOW_FORMAT.size:
        raise DecodeError(BAD_LEN, "NXT_SET_FLOW_FORMAT body is %d bytes" % len(body))
    return {"format": _SET_FLOW_FORMAT.unpack(body)[0]}


def encode_set_flow_format(message: m.SetFlowFormat) -> bytes:
    return _SET_FLOW_FORMAT.pack(message.format)


def decode_flow_mod_table_id(version: int, body: bytes) -> dict:
    if len(body) != _FLOW_MOD_TABLE_ID.size:
        raise DecodeError(BAD_LEN, "NXT_FLOW_MOD_TABLE_ID body is %d bytes" % len(body))
    return {"enable": bool(_FLOW_MOD_TABLE_ID.unpack(body)[0])}


def encode_flow_mod_table_id(message: m.FlowModTableId) -> bytes:
    return _FLOW_MOD_TABLE_ID.pack(int(message.enable))


# ---- FLOW_REMOVED ---------------------------------------------------------------------------

def decode_flow_removed_10(version: int, body: bytes) -> dict:
    match = match10.decode(body)
    (cookie, priority, reason, duration_sec, duration_nsec, idle, packets,
     byte_count) = _need(_FLOW_REMOVED_10, body, match10.OFP10_MATCH.size)
    if len(body) != match10.OFP10_MATCH.size + _FLOW_REMOVED_10.size:
        raise DecodeError(BAD_LEN, "flow removed is %d bytes" % len(body))
    return {"match": match, "cookie": cookie, "priority": priority, "reason": reason,
            "duration_sec": duration_sec, "duration_nsec": duration_nsec,
            "idle_timeout": idle, "packet_count": packets, "byte_count": byte_count}


def encode_flow_removed_10(message: m.FlowRemoved) -> bytes:
    return match10.encode(message.match) + _FLOW_REMOVED_10.pack(
        message.cookie, message.priority, message.reason, message.duration_sec,
        message.duration_nsec, message.idle_timeout, message.packet_count,
        message.byte_count)


def decode_flow_removed_nx(version: int, body: bytes) -> dict:
    (cookie, priority, reason, table_id, duration_sec, duration_nsec, idle, match_len,
     packets, byte_count) = _need(_FLOW_REMOVED_NX, body)
    match, _, _, end = nx_match.decode_nxm(body, _FLOW_REMOVED_NX.size, match_len,
                                           strict=False)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after NXT_FLOW_REMOVED")
    return {"match": match, "cookie": cookie, "priority": priority, "reason": reason,
            "table_id": table_id - 1 if table_id else m.OFPTT_ALL,
            "duration_sec": duration_sec, "duration_nsec": duration_nsec,
            "idle_timeout": idle, "packet_count": packets, "byte_count": byte_count,
            "nxm": True}


def encode_flow_removed_nx(message: m.FlowRemoved) -> bytes:
    entries = nx_match.encode_entries(message.match, nx_match.NXM)
    return (_FLOW_REMOVED_NX.pack(message.cookie, message.priority, message.reason,
                                  (message.table_id + 1) & 0xFF, message.duration_sec,
                                  message.duration_nsec, message.idle_timeout, len(entries),
                                  message.packet_count, message.byte_count)
            + entries + nx_match.padding(len(entries)))


def decode_flow_removed_11(version: int, body: bytes) -> dict:
    if version >= OFP15:
        return _decode_flow_removed_15(version, body)
    (cookie, priority, reason, table_id, duration_sec, duration_nsec, idle, hard, packets,
     byte_count) = _need(_FLOW_REMOVED_11, body)
    match, end = W.decode_match(version, body, _FLOW_REMOVED_11.size, strict=False)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after flow removed")
    return {"match": match, "cookie": cookie, "priority": priority, "reason": reason,
            "table_id": table_id, "duration_sec": duration_sec,
            "duration_nsec": duration_nsec, "idle_timeout": idle, "hard_timeout": hard,
            "packet_count": packets, "byte_count": byte_count}


def _decode_flow_removed_15(version: int, body: bytes) -> dict:
    table_id, reason, priority, idle, hard, cookie = _need(_FLOW_REMOVED_15, body)
    match, end = W.decode_match(version, body, _FLOW_REMOVED_15.size, strict=False)
    stats, end = oxs_stats.decode(body, end)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after flow removed")
    sec, nsec = stats.get("duration", (0, 0))
    return {"match": match, "cookie": cookie, "priority": priority, "reason": reason,
            "table_id": table_id, "duration_sec": sec, "duration_nsec": nsec,
            "idle_timeout": idle, "hard_timeout": hard,
            "packet_count": stats.get("packet_count", 0),
            "byte_count": stats.get("byte_count", 0)}


def encode_flow_removed_11(message: m.FlowRemoved) -> bytes:
    if message.version >= OFP15:
        return (_FLOW_REMOVED_15.pack(message.table_id, message.reason, message.priority,
                                      message.idle_timeout, message.hard_timeout,
                                      message.cookie)
                + W.encode_match(message.version, message.match)
                + oxs_stats.encode(duration=(message.duration_sec, message.duration_nsec),
                                   packet_count=message.packet_count,
                                   byte_count=message.byte_count))
    return (_FLOW_REMOVED_11.pack(message.cookie, message.priority, message.reason,
                                  message.table_id, message.duration_sec,
                                  message.duration_nsec, message.idle_timeout,
                                  message.hard_timeout, message.packet_count,
                                  message.byte_count)
            + W.encode_match(message.version, message.match))
