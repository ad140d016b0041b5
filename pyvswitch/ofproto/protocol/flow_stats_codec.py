"""Bodies of the flow, aggregate and table statistics requests and replies.

Flow and aggregate statistics have three forms, like FLOW_MOD (see `flow_wire`):
OpenFlow 1.0 OFPST_FLOW / OFPST_AGGREGATE (ofp_match, table id, 16-bit out_port), the
Nicira NXST_FLOW / NXST_AGGREGATE (out_port, NXM match with an optional cookie filter;
flow entries add idle and hard ages), and OpenFlow 1.1+ OFPMP_FLOW / OFPMP_AGGREGATE
(table id, 32-bit out_port, out_group, cookie filter, OXM match; flow entries carry flags
in 1.3+ and importance in 1.4+).  A request's or reply's `nxm` selects the Nicira form in
OpenFlow 1.0.  OpenFlow 1.5's flow-stats entries (OXS statistics) are not implemented.

Table statistics: OpenFlow 1.0's 64-byte entry (name, wildcards, max entries, counters),
1.1's 88-byte and 1.2's 128-byte ones (with the capability bitmaps) and 1.3+'s 24-byte one
(counters only), declared in `_TABLE_LAYOUTS` as (struct, TableStats field per member).

Each decoder takes (version, body after the multipart header, or after the Nicira vendor,
subtype and padding) and returns the message's fields; each encoder returns that body.
"""
from __future__ import annotations

import struct

from pyvswitch.ofproto.protocol import flow_wire as W
from pyvswitch.ofproto.protocol import match10, nx_match, oxs_stats
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP13, OFP14, OFP15

OFPST_FLOW = 1
OFPST_AGGREGATE = 2
OFPST_TABLE = 3
NXST_FLOW = 0
NXST_AGGREGATE = 1

_REQUEST_10 = struct.Struct("!BxH")                 # after the ofp_match
_REQUEST_NX = struct.Struct("!HHB3x")
_REQUEST_11 = struct.Struct("!B3xII4xQQ")
_AGGREGATE_REPLY = struct.Struct("!QQI4x")
_FLOW_10 = struct.Struct("!HBx")                    # then ofp_match, then _FLOW_10_TAIL
_FLOW_10_TAIL = struct.Struct("!IIHHH6xQQQ")
_FLOW_NX = struct.Struct("!HBxIIHHHHHHQQQ")
_FLOW_11 = struct.Struct("!HBxIIHHHHH2xQQQ")
_FLOW_15 = struct.Struct("!H2xBBHHHHHQ")
_COUNTERS = ("active_count", "lookup_count", "matched_count")
_TABLE_LAYOUTS = {
    OFP10: (struct.Struct("!B3x32sIIIQQ"),
            ("table_id", "name", "wildcards", "max_entries") + _COUNTERS),
    OFP11: (struct.Struct("!B7x32sIIIIIIIIQQ"),
            ("table_id", "name", "wildcards", "match", "instructions", "write_actions",
             "apply_actions", "config", "max_entries") + _COUNTERS),
    OFP12: (struct.Struct("!B7x32sQQIIQQQQIIIIQQ"),
            ("table_id", "name", "match", "wildcards", "write_actions", "apply_actions",
             "write_setfields", "apply_setfields", "metadata_match", "metadata_write",
             "instructions", "config", "max_entries") + _COUNTERS),
    OFP13: (struct.Struct("!B3xIQQ"), ("table_id",) + _COUNTERS),
}


def _need(layout: struct.Struct, body: bytes, offset: int = 0) -> tuple:
    if len(body) - offset < layout.size:
        raise DecodeError(BAD_LEN, "statistics body too short")
    return layout.unpack_from(body, offset)


# ---- flow and aggregate requests (one layout each) ---------------------------------------

def decode_request_10(version: int, body: bytes) -> dict:
    match = match10.decode(body)
    table_id, out_port = _need(_REQUEST_10, body, match10.OFP10_MATCH.size)
    if len(body) != match10.OFP10_MATCH.size + _REQUEST_10.size:
        raise DecodeError(BAD_LEN, "flow statistics request is %d bytes" % len(body))
    return {"match": match, "table_id": table_id, "out_port": out_port}


def encode_request_10(message) -> bytes:
    return match10.encode(message.match) + _REQUEST_10.pack(message.table_id,
                                                            message.out_port & 0xFFFF)


def decode_request_nx(version: int, body: bytes) -> dict:
    out_port, match_len, table_id = _need(_REQUEST_NX, body)
    match, cookie, cookie_mask, end = nx_match.decode_nxm(body, _REQUEST_NX.size, match_len,
                                                          allow_cookie=True)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after the nx_match")
    return {"match": match, "table_id": table_id, "out_port": out_port, "cookie": cookie,
            "cookie_mask": cookie_mask, "nxm": True}


def encode_request_nx(message) -> bytes:
    entries = nx_match.encode_entries(message.match, nx_match.NXM, message.cookie,
                                      message.cookie_mask)
    return (_REQUEST_NX.pack(message.out_port & 0xFFFF, len(entries), message.table_id)
            + entries + nx_match.padding(len(entries)))


def decode_request_11(version: int, body: bytes) -> dict:
    table_id, out_port, out_group, cookie, cookie_mask = _need(_REQUEST_11, body)
    match, end = W.decode_match(version, body, _REQUEST_11.size)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after the match")
    return {"match": match, "table_id": table_id, "out_port": port_from_wire32(out_port),
            "out_group": out_group, "cookie": cookie, "cookie_mask": cookie_mask}


def encode_request_11(message) -> bytes:
    return (_REQUEST_11.pack(message.table_id, port_to_wire32(message.out_port),
                             message.out_group, message.cookie, message.cookie_mask)
            + W.encode_match(message.version, message.match))


# ---- aggregate reply ------------------------------------------------------------------------

def decode_aggregate_reply(version: int, body: bytes) -> dict:
    if version >= OFP15:
        stats, end = oxs_stats.decode(body, 0)
        if end != len(body):
            raise DecodeError(BAD_LEN, "trailing bytes after the aggregate statistics")
        return {"packet_count": stats.get("packet_count", 0),
                "byte_count": stats.get("byte_count", 0),
                "flow_count": stats.get("flow_count", 0)}
    if len(body) != _AGGREGATE_REPLY.size:
        raise DecodeError(BAD_LEN, "aggregate reply is %d bytes" % len(body))
    packets, byte_count, flows = _AGGREGATE_REPLY.unpack(body)
    return {"packet_count": packets, "byte_count": byte_count, "flow_count": flows}


def encode_aggregate_reply(message: m.AggregateStatsReply) -> bytes:
    if message.version >= OFP15:
        return oxs_stats.encode(flow_count=message.flow_count,
                                packet_count=message.packet_count,
                                byte_count=message.byte_count)
    return _AGGREGATE_REPLY.pack(message.packet_count, message.byte_count,
                                 message.flow_count)


# ---- flow statistics replies ----------------------------------------------------------------

def _entries(body: bytes, decode_one) -> tuple:
    flows, offset = [], 0
    while offset < len(body):
        if len(body) - offset < 2:
            raise DecodeError(BAD_LEN, "flow statistics entry truncated")
        (length,) = struct.unpack_from("!H", body, offset)
        if length < 8 or offset + length > len(body):
            raise DecodeError(BAD_LEN, "flow statistics entry length %d" % length)
        flows.append(decode_one(body[offset:offset + length]))
        offset += length
    return tuple(flows)


def _with_length(entry: bytes) -> bytes:
    return struct.pack("!H", len(entry)) + entry[2:]


def decode_flow_reply_10(version: int, body: bytes) -> dict:
    def one(entry: bytes) -> m.FlowStats:
        _, table_id = _need(_FLOW_10, entry)
        match = match10.decode(entry, _FLOW_10.size)
        tail = _FLOW_10.size + match10.OFP10_MATCH.size
        (sec, nsec, priority, idle, hard, cookie, packets, byte_count) = _need(
            _FLOW_10_TAIL, entry, tail)
        return m.FlowStats(table_id=table_id, duration_sec=sec, duration_nsec=nsec,
                           priority=priority, idle_timeout=idle, hard_timeout=hard,
                           cookie=cookie, packet_count=packets, byte_count=byte_count,
                           match=match, actions=W.decode_actions(
                               version, entry[tail + _FLOW_10_TAIL.size:]))
    return {"flows": _entries(body, one)}


def encode_flow_entry_10(version: int, flow: m.FlowStats) -> bytes:
    return _with_length(
        _FLOW_10.pack(0, flow.table_id) + match10.encode(flow.match)
        + _FLOW_10_TAIL.pack(flow.duration_sec, flow.duration_nsec, flow.priority,
                             flow.idle_timeout, flow.hard_timeout, flow.cookie,
                             flow.packet_count, flow.byte_count)
        + W.encode_actions(version, flow.actions, flow.match))


def decode_flow_reply_nx(version: int, body: bytes) -> dict:
    def one(entry: bytes) -> m.FlowStats:
        (_, table_id, sec, nsec, priority, idle, hard, match_len, idle_age, hard_age,
         cookie, packets, byte_count) = _need(_FLOW_NX, entry)
        match, _, _, end = nx_match.decode_nxm(entry, _FLOW_NX.size, match_len, strict=False)
        return m.FlowStats(table_id=table_id, duration_sec=sec, duration_nsec=nsec,
                           priority=priority, idle_timeout=idle, hard_timeout=hard,
                           cookie=cookie, packet_count=packets, byte_count=byte_count,
                           match=match, actions=W.decode_actions(version, entry[end:]),
                           idle_age=idle_age - 1 if idle_age else None,
                           hard_age=hard_age - 1 if hard_age else None)
    return {"flows": _entries(body, one), "nxm": True}


def _age(age) -> int:
    # NXST_FLOW carries an age plus one, so that 0 can mean "unknown".
    return 0 if age is None else min(age + 1, 0xFFFF)


def encode_flow_entry_nx(version: int, flow: m.FlowStats) -> bytes:
    entries = nx_match.encode_entries(flow.match, nx_match.NXM)
    tail = (entries + nx_match.padding(len(entries))
            + W.encode_actions(version, flow.actions, flow.match))
    return _FLOW_NX.pack(_FLOW_NX.size + len(tail), flow.table_id, flow.duration_sec,
                         flow.duration_nsec, flow.priority, flow.idle_timeout,
                         flow.hard_timeout, len(entries), _age(flow.idle_age),
                         _age(flow.hard_age), flow.cookie, flow.packet_count,
                         flow.byte_count) + tail


def decode_flow_reply_11(version: int, body: bytes) -> dict:
    if version >= OFP15:
        return {"flows": _entries(body, lambda entry: _decode_flow_entry_15(version, entry))}

    def one(entry: bytes) -> m.FlowStats:
        (_, table_id, sec, nsec, priority, idle, hard, raw_flags, importance, cookie,
         packets, byte_count) = _need(_FLOW_11, entry)
        match, end = W.decode_match(version, entry, _FLOW_11.size, strict=False)
        flags = (W.flags_from_wire(version, raw_flags, reject_unknown=False)
                 if version >= OFP13 else 0)
        return m.FlowStats(table_id=table_id, duration_sec=sec, duration_nsec=nsec,
                           priority=priority, idle_timeout=idle, hard_timeout=hard,
                           cookie=cookie, packet_count=packets, byte_count=byte_count,
                           match=match, flags=flags,
                           importance=importance if version >= OFP14 else 0,
                           actions=W.decode_instructions(version, entry[end:]))
    return {"flows": _entries(body, one)}


def _decode_flow_entry_15(version: int, entry: bytes) -> m.FlowStats:
    (_, table_id, _, priority, idle, hard, raw_flags, importance, cookie) = _need(_FLOW_15,
                                                                                  entry)
    match, end = W.decode_match(version, entry, _FLOW_15.size, strict=False)
    stats, end = oxs_stats.decode(entry, end)
    sec, nsec = stats.get("duration", (0, 0))
    return m.FlowStats(table_id=table_id, duration_sec=sec, duration_nsec=nsec,
                       priority=priority, idle_timeout=idle, hard_timeout=hard, cookie=cookie,
                       packet_count=stats.get("packet_count", 0),
                       byte_count=stats.get("byte_count", 0), match=match,
                       flags=W.flags_from_wire(version, raw_flags, reject_unknown=False),
                       importance=importance, idle_age=stats.get("idle_time"),
                       actions=W.decode_instructions(version, entry[end:]))


def _encode_flow_entry_15(version: int, flow: m.FlowStats) -> bytes:
    tail = (W.encode_reply_match(version, flow.match)
            + oxs_stats.encode(duration=(flow.duration_sec, flow.duration_nsec),
                               idle_time=flow.idle_age, packet_count=flow.packet_count,
                               byte_count=flow.byte_count)
            + W.encode_instructions(version, flow.actions, flow.match))
    return _FLOW_15.pack(_FLOW_15.size + len(tail), flow.table_id, 0, flow.priority,
                         flow.idle_timeout, flow.hard_timeout,
                         W.flags_to_wire(version, flow.flags), flow.importance,
                         flow.cookie) + tail


def encode_flow_entry_11(version: int, flow: m.FlowStats) -> bytes:
    if version >= OFP15:
        return _encode_flow_entry_15(version, flow)
    flags = W.flags_to_wire(version, flow.flags) if version >= OFP13 else 0
    tail = (W.encode_reply_match(version, flow.match)
            + W.encode_instructions(version, flow.actions, flow.match))
    return _FLOW_11.pack(_FLOW_11.size + len(tail), flow.table_id, flow.duration_sec,
                         flow.duration_nsec, flow.priority, flow.idle_timeout,
                         flow.hard_timeout, flags,
                         flow.importance if version >= OFP14 else 0, flow.cookie,
                         flow.packet_count, flow.byte_count) + tail


def encode_flow_entry(version: int, nxm: bool, flow: m.FlowStats) -> bytes:
    if version == OFP10:
        return (encode_flow_entry_nx if nxm else encode_flow_entry_10)(version, flow)
    return encode_flow_entry_11(version, flow)


class EncodedFlows(tuple):
    """A reply's flows together with the body they encode to in `version` (NXST_FLOW when
    `nxm`): a switch measures every entry to split a dump into messages, and keeping the
    bytes then spares encoding each flow a second time when the reply is sent.  It is the
    tuple of its flows in every other respect."""
    version: int
    nxm: bool
    body: bytes

    def __new__(cls, flows, version: int, nxm: bool, body: bytes):
        self = super().__new__(cls, flows)
        self.version, self.nxm, self.body = version, nxm, body
        return self


def encode_flow_reply(message: m.FlowStatsReply) -> bytes:
    flows = message.flows
    if (isinstance(flows, EncodedFlows) and flows.version == message.version
            and flows.nxm == message.nxm):
        return flows.body
    return b"".join(encode_flow_entry(message.version, message.nxm, flow) for flow in flows)


# ---- table statistics -----------------------------------------------------------------------

def _table_layout(version: int) -> tuple[struct.Struct, tuple[str, ...]]:
    return _TABLE_LAYOUTS[min(version, OFP13)]


def decode_table_reply(version: int, body: bytes) -> dict:
    layout, names = _table_layout(version)
    if len(body) % layout.size:
        raise DecodeError(BAD_LEN, "table statistics of %d bytes" % len(body))
    tables = []
    for offset in range(0, len(body), layout.size):
        values = dict(zip(names, layout.unpack_from(body, offset)))
        if "name" in values:
            values["name"] = values["name"].split(b"\0", 1)[0].decode("utf-8", "replace")
        tables.append(m.TableStats(**values))
    return {"tables": tuple(tables)}


def encode_table_reply(message: m.TableStatsReply) -> bytes:
    layout, names = _table_layout(message.version)
    out = []
    for table in message.tables:
        values = [getattr(table, name) for name in names]
        if "name" in names:
            index = names.index("name")
            values[index] = values[index].encode("utf-8")[:31]
        out.append(layout.pack(*values))
    return b"".join(out)
