"""Bodies of the group messages: GROUP_MOD and the group, group-description and
group-features statistics, in OpenFlow 1.1-1.5 and as Open vSwitch's Nicira extensions in
OpenFlow 1.0 (NXT_GROUP_MOD, NXST_GROUP, NXST_GROUP_DESC, NXST_GROUP_FEATURES), which is
what stock ovs-ofctl sends at 1.0.

Two layouts exist.  OpenFlow 1.1-1.4 ("1.1 layout"): a group_mod is command, type, group id,
then buckets of (length, weight, watch_port, watch_group, actions); bucket ids do not travel,
so decoding numbers the buckets 0, 1, ... as Open vSwitch does.  OpenFlow 1.5 and the Nicira
forms ("1.5 layout"): the group_mod also carries the bucket array's length and a command
bucket id (for INSERT_BUCKET/REMOVE_BUCKET), each bucket is (length, actions length,
bucket id, actions, properties: weight, watch_port, watch_group) and group properties (the
NTR selection method) follow the buckets; we keep those raw.  The Nicira forms use the 1.5
layout with OpenFlow 1.0 actions.  Group statistics carry durations from 1.3 on (and in
NXST_GROUP); the description request names a group in the 1.5 layout only.

Encoding writes a weight property for select groups and for other buckets with a weight (as
insert-buckets, which names no type, may have), watch properties only when set, as
ovs-ofctl does.  A group_mod of type all or indirect whose buckets
watch is OFPGMFC_WATCH_UNSUPPORTED, as Open vSwitch decodes it.  Every decoder returns the
message's fields as a dict for the codec's
tables; malformed input raises DecodeError.
"""
from __future__ import annotations

import struct

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.actions_wire import decode_actions, encode_actions
from pyvswitch.ofproto.protocol.errors import BAD_LEN, BAD_STAT, DecodeError, _numbered
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32
from pyvswitch.ofproto.protocol.versions import OFP10, OFP12, OFP13, OFP15

OFPT_GROUP_MOD = 15
NXT_GROUP_MOD = 31
OFPMP_GROUP = 6
OFPMP_GROUP_DESC = 7
OFPMP_GROUP_FEATURES = 8
NXST_GROUP = 7
NXST_GROUP_DESC = 8
NXST_GROUP_FEATURES = 9

# Numbered as Open vSwitch's ofp-errors documents them; errors._ALL lists the same entries.
BAD_OUT_GROUP = _numbered("OFPBAC_BAD_OUT_GROUP", "OF1.1+(2,9)")
(GROUP_EXISTS, INVALID_GROUP, WEIGHT_UNSUPPORTED, OUT_OF_GROUPS, OUT_OF_BUCKETS,
 CHAINING_UNSUPPORTED, WATCH_UNSUPPORTED, LOOP, UNKNOWN_GROUP, CHAINED_GROUP, BAD_TYPE,
 BAD_COMMAND, BAD_BUCKET, BAD_WATCH, GROUP_EPERM) = (
    # OpenFlow 1.1 defines codes 0-8; 1.2 added the rest.
    _numbered("OFPGMFC_" + name, "OF1.%d+(6,%d)" % (1 if code < 9 else 2, code))
    for code, name in enumerate((
        "GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS",
        "OUT_OF_BUCKETS", "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP",
        "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE", "BAD_COMMAND", "BAD_BUCKET",
        "BAD_WATCH", "EPERM")))
UNKNOWN_BUCKET = _numbered("OFPGMFC_UNKNOWN_BUCKET", "OF1.5+(6,15)")
BUCKET_EXISTS = _numbered("OFPGMFC_BUCKET_EXISTS", "OF1.5+(6,16)")

_GROUP_MOD_11 = struct.Struct("!HBxI")
_GROUP_MOD_15 = struct.Struct("!HBxIH2xI")
_BUCKET_11 = struct.Struct("!HHII4x")
_BUCKET_15 = struct.Struct("!HHI")
_PROPERTY = struct.Struct("!HH")
_WEIGHT_PROPERTY = struct.Struct("!HHH2x")
_WATCH_PROPERTY = struct.Struct("!HHI")
_GROUP_STATS_REQUEST = struct.Struct("!I4x")
_GROUP_STATS_11 = struct.Struct("!H2xII4xQQ")
_GROUP_STATS_13 = struct.Struct("!H2xII4xQQII")
_BUCKET_COUNTER = struct.Struct("!QQ")
_GROUP_DESC_11 = struct.Struct("!HBxI")
_GROUP_DESC_15 = struct.Struct("!HBxIH6x")
_GROUP_FEATURES = struct.Struct("!II4I4I")

_OFPGBPT_WEIGHT = 0
_OFPGBPT_WATCH_PORT = 1
_OFPGBPT_WATCH_GROUP = 2
_OFPP_ANY_32 = 0xffffffff


def _layout_15(version: int) -> bool:
    """Whether `version` uses the 1.5 layout: 1.5 itself and the Nicira forms of 1.0."""
    return version in (OFP10, OFP15)


def _need(body: bytes, offset: int, size: int, what: str) -> None:
    if offset + size > len(body):
        raise DecodeError(BAD_LEN, "%s runs past the end" % what)


# ---- buckets ----------------------------------------------------------------------------

def _encode_bucket_11(version: int, bucket: m.GroupBucket) -> bytes:
    actions = encode_actions(version, bucket.actions)
    return _BUCKET_11.pack(_BUCKET_11.size + len(actions), bucket.weight,
                           _watch_port_to_wire(bucket.watch_port), bucket.watch_group) + actions


def _encode_bucket_15(version: int, group_type: int, bucket: m.GroupBucket) -> bytes:
    actions = encode_actions(version, bucket.actions)
    properties = b""
    if group_type == m.OFPGT_SELECT or bucket.weight:
        properties += _WEIGHT_PROPERTY.pack(_OFPGBPT_WEIGHT, _WEIGHT_PROPERTY.size,
                                            bucket.weight)
    if bucket.watch_port != m.OFPP_ANY:
        properties += _WATCH_PROPERTY.pack(_OFPGBPT_WATCH_PORT, _WATCH_PROPERTY.size,
                                           _watch_port_to_wire(bucket.watch_port))
    if bucket.watch_group != m.OFPG_ANY:
        properties += _WATCH_PROPERTY.pack(_OFPGBPT_WATCH_GROUP, _WATCH_PROPERTY.size,
                                           bucket.watch_group)
    return (_BUCKET_15.pack(_BUCKET_15.size + len(actions) + len(properties), len(actions),
                            bucket.bucket_id) + actions + properties)


def _watch_port_to_wire(port: int) -> int:
    return _OFPP_ANY_32 if port == m.OFPP_ANY else port_to_wire32(port)


def _watch_port_from_wire(port: int) -> int:
    return m.OFPP_ANY if port == _OFPP_ANY_32 else port_from_wire32(port)


def _encode_buckets(version: int, group_type: int, buckets) -> bytes:
    if _layout_15(version):
        return b"".join(_encode_bucket_15(version, group_type, bucket) for bucket in buckets)
    return b"".join(_encode_bucket_11(version, bucket) for bucket in buckets)


def _decode_buckets_11(version: int, data: bytes) -> tuple:
    buckets, offset = [], 0
    while offset < len(data):
        _need(data, offset, _BUCKET_11.size, "bucket")
        length, weight, watch_port, watch_group = _BUCKET_11.unpack_from(data, offset)
        if length < _BUCKET_11.size or length % 8 or offset + length > len(data):
            raise DecodeError(BAD_LEN, "bucket length %d" % length)
        actions = decode_actions(version, data[offset + _BUCKET_11.size:offset + length])
        buckets.append(m.GroupBucket(actions=actions, weight=weight,
                                     watch_port=_watch_port_from_wire(watch_port),
                                     watch_group=watch_group, bucket_id=len(buckets)))
        offset += length
    return tuple(buckets)


def _decode_buckets_15(version: int, data: bytes) -> tuple:
    buckets, offset = [], 0
    while offset < len(data):
        _need(data, offset, _BUCKET_15.size, "bucket")
        length, actions_length, bucket_id = _BUCKET_15.unpack_from(data, offset)
        actions_end = offset + _BUCKET_15.size + actions_length
        if length < _BUCKET_15.size or offset + length > len(data) or \
                actions_end > offset + length:
            raise DecodeError(BAD_LEN, "bucket length %d" % length)
        fields = {"actions": decode_actions(version, data[offset + _BUCKET_15.size:actions_end]),
                  "bucket_id": bucket_id}
        fields.update(_decode_bucket_properties(data[actions_end:offset + length]))
        buckets.append(m.GroupBucket(**fields))
        offset += length
    return tuple(buckets)


def _decode_bucket_properties(data: bytes) -> dict:
    fields, offset = {}, 0
    while offset < len(data):
        _need(data, offset, _PROPERTY.size, "bucket property")
        prop_type, length = _PROPERTY.unpack_from(data, offset)
        if length < _PROPERTY.size or offset + length > len(data):
            raise DecodeError(BAD_LEN, "bucket property length %d" % length)
        if prop_type == _OFPGBPT_WEIGHT and length == _WEIGHT_PROPERTY.size:
            fields["weight"] = _WEIGHT_PROPERTY.unpack_from(data, offset)[2]
        elif prop_type == _OFPGBPT_WATCH_PORT and length == _WATCH_PROPERTY.size:
            fields["watch_port"] = _watch_port_from_wire(
                _WATCH_PROPERTY.unpack_from(data, offset)[2])
        elif prop_type == _OFPGBPT_WATCH_GROUP and length == _WATCH_PROPERTY.size:
            fields["watch_group"] = _WATCH_PROPERTY.unpack_from(data, offset)[2]
        else:
            raise DecodeError(BAD_LEN, "bucket property %d of length %d" % (prop_type, length))
        offset += (length + 7) // 8 * 8
    return fields


# ---- GROUP_MOD ---------------------------------------------------------------------------

def _check_watches(fields: dict) -> dict:
    """Only fast_failover and select groups watch ports or groups: ovs-vswitchd refuses a
    watch elsewhere while decoding (OFPGMFC_WATCH_UNSUPPORTED)."""
    if fields["type"] in (m.OFPGT_ALL, m.OFPGT_INDIRECT) and any(
            bucket.watch_port != m.OFPP_ANY or bucket.watch_group != m.OFPG_ANY
            for bucket in fields["buckets"]):
        raise DecodeError(WATCH_UNSUPPORTED, "watch in a group that cannot watch")
    return fields


def decode_group_mod(version: int, body: bytes) -> dict:
    return _check_watches(_decode_group_mod(version, body))


def _decode_group_mod(version: int, body: bytes) -> dict:
    if _layout_15(version):
        _need(body, 0, _GROUP_MOD_15.size, "group_mod")
        command, group_type, group_id, buckets_length, command_bucket_id = \
            _GROUP_MOD_15.unpack_from(body)
        end = _GROUP_MOD_15.size + buckets_length
        _need(body, 0, end, "bucket array")
        return {"command": command, "type": group_type, "group_id": group_id,
                "buckets": _decode_buckets_15(version, body[_GROUP_MOD_15.size:end]),
                "command_bucket_id": command_bucket_id, "properties": body[end:]}
    _need(body, 0, _GROUP_MOD_11.size, "group_mod")
    command, group_type, group_id = _GROUP_MOD_11.unpack_from(body)
    return {"command": command, "type": group_type, "group_id": group_id,
            "buckets": _decode_buckets_11(version, body[_GROUP_MOD_11.size:])}


def encode_group_mod(message: m.GroupMod) -> bytes:
    version = message.version
    buckets = _encode_buckets(version, message.type, message.buckets)
    if _layout_15(version):
        return (_GROUP_MOD_15.pack(message.command, message.type, message.group_id,
                                   len(buckets), message.command_bucket_id)
                + buckets + message.properties)
    return _GROUP_MOD_11.pack(message.command, message.type, message.group_id) + buckets


# ---- group statistics ---------------------------------------------------------------------

def decode_group_id_request(version: int, body: bytes) -> dict:
    """OFPMP_GROUP in every version, OFPMP_GROUP_DESC in the 1.5 layout: a group id."""
    if len(body) != _GROUP_STATS_REQUEST.size:
        raise DecodeError(BAD_LEN, "group request of %d bytes" % len(body))
    return {"group_id": _GROUP_STATS_REQUEST.unpack(body)[0]}


def encode_group_id_request(message) -> bytes:
    return _GROUP_STATS_REQUEST.pack(message.group_id)


def decode_desc_request(version: int, body: bytes) -> dict:
    if _layout_15(version):
        return decode_group_id_request(version, body)
    if body:
        raise DecodeError(BAD_LEN, "group description request with a body")
    return {}


def encode_desc_request(message: m.GroupDescRequest) -> bytes:
    return encode_group_id_request(message) if _layout_15(message.version) else b""


def _stats_layout(version: int) -> struct.Struct:
    return _GROUP_STATS_13 if version >= OFP13 or version == OFP10 else _GROUP_STATS_11


def decode_stats_reply(version: int, body: bytes) -> dict:
    layout = _stats_layout(version)
    groups, offset = [], 0
    while offset < len(body):
        _need(body, offset, layout.size, "group statistics")
        values = layout.unpack_from(body, offset)
        length = values[0]
        if length < layout.size or (length - layout.size) % _BUCKET_COUNTER.size or \
                offset + length > len(body):
            raise DecodeError(BAD_LEN, "group statistics length %d" % length)
        counters = tuple(_BUCKET_COUNTER.unpack_from(body, start) for start in
                         range(offset + layout.size, offset + length, _BUCKET_COUNTER.size))
        durations = values[5:7] if layout is _GROUP_STATS_13 else (0, 0)
        groups.append(m.GroupStats(group_id=values[1], ref_count=values[2],
                                   packet_count=values[3], byte_count=values[4],
                                   duration_sec=durations[0], duration_nsec=durations[1],
                                   bucket_counters=counters))
        offset += length
    return {"groups": tuple(groups)}


def encode_stats_reply(message: m.GroupStatsReply) -> bytes:
    layout = _stats_layout(message.version)
    entries = []
    for group in message.groups:
        length = layout.size + _BUCKET_COUNTER.size * len(group.bucket_counters)
        values = [length, group.group_id, group.ref_count, group.packet_count,
                  group.byte_count]
        if layout is _GROUP_STATS_13:
            values += [group.duration_sec, group.duration_nsec]
        entries.append(layout.pack(*values) + b"".join(
            _BUCKET_COUNTER.pack(*counter) for counter in group.bucket_counters))
    return b"".join(entries)


def decode_desc_reply(version: int, body: bytes) -> dict:
    groups, offset = [], 0
    layout = _GROUP_DESC_15 if _layout_15(version) else _GROUP_DESC_11
    while offset < len(body):
        _need(body, offset, layout.size, "group description")
        if layout is _GROUP_DESC_15:
            length, group_type, group_id, buckets_length = layout.unpack_from(body, offset)
        else:
            length, group_type, group_id = layout.unpack_from(body, offset)
            buckets_length = length - layout.size
        end = offset + length
        buckets_end = offset + layout.size + buckets_length
        if length < layout.size or end > len(body) or buckets_end > end:
            raise DecodeError(BAD_LEN, "group description length %d" % length)
        data = body[offset + layout.size:buckets_end]
        buckets = (_decode_buckets_15 if layout is _GROUP_DESC_15 else _decode_buckets_11)(
            version, data)
        groups.append(m.GroupDesc(group_id=group_id, type=group_type, buckets=buckets,
                                  properties=body[buckets_end:end]))
        offset = end
    return {"groups": tuple(groups)}


def encode_desc_reply(message: m.GroupDescReply) -> bytes:
    version = message.version
    entries = []
    for group in message.groups:
        buckets = _encode_buckets(version, group.type, group.buckets)
        if _layout_15(version):
            length = _GROUP_DESC_15.size + len(buckets) + len(group.properties)
            entries.append(_GROUP_DESC_15.pack(length, group.type, group.group_id,
                                               len(buckets)) + buckets + group.properties)
        else:
            entries.append(_GROUP_DESC_11.pack(_GROUP_DESC_11.size + len(buckets),
                                               group.type, group.group_id) + buckets)
    return b"".join(entries)


def _features_defined(version: int) -> None:
    if version != OFP10 and version < OFP12:
        raise DecodeError(BAD_STAT, "no group features in OpenFlow 1.1")


def decode_features_request(version: int, body: bytes) -> dict:
    _features_defined(version)
    if body:
        raise DecodeError(BAD_LEN, "group features request with a body")
    return {}


def decode_features_reply(version: int, body: bytes) -> dict:
    _features_defined(version)
    if len(body) != _GROUP_FEATURES.size:
        raise DecodeError(BAD_LEN, "group features reply of %d bytes" % len(body))
    values = _GROUP_FEATURES.unpack(body)
    return {"types": values[0], "capabilities": values[1], "max_groups": values[2:6],
            "actions": values[6:10]}


def encode_features_reply(message: m.GroupFeaturesReply) -> bytes:
    return _GROUP_FEATURES.pack(message.types, message.capabilities, *message.max_groups,
                                *message.actions)


def standard_form(decode_body):
    """`decode_body` for an OFPMP_GROUP* type number, which OpenFlow 1.0 lacks (it has the
    Nicira forms instead)."""
    def decode_if_defined(version: int, body: bytes) -> dict:
        if version == OFP10:
            raise DecodeError(BAD_STAT, "no group statistics in OpenFlow 1.0")
        return decode_body(version, body)
    return decode_if_defined
