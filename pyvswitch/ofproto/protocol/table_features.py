"""OFPMP_TABLE_FEATURES (OpenFlow 1.3+): request and reply bodies.

A body is a run of ofp_table_features entries: length (2), table_id (1), pad (5), name (32,
NUL-padded), metadata_match (8), metadata_write (8), config (4; "capabilities" in 1.5),
max_entries (4), then properties.  Each property is type (2), length (2, excluding padding)
and a payload, padded to a multiple of 8.  Properties stay raw here, (type, payload bytes),
so a reply is re-encoded exactly as decoded; pyvswitch.ofproto.table_features builds the
payloads our switch reports.  A request with entries asks to change the tables; an empty one
only asks.
"""
from __future__ import annotations

import dataclasses
import functools
import struct

from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError

_ENTRY = struct.Struct("!HB5x32sQQII")
_PROPERTY = struct.Struct("!HH")

# Property types.
OFPTFPT_INSTRUCTIONS = 0
OFPTFPT_INSTRUCTIONS_MISS = 1
OFPTFPT_NEXT_TABLES = 2
OFPTFPT_NEXT_TABLES_MISS = 3
OFPTFPT_WRITE_ACTIONS = 4
OFPTFPT_WRITE_ACTIONS_MISS = 5
OFPTFPT_APPLY_ACTIONS = 6
OFPTFPT_APPLY_ACTIONS_MISS = 7
OFPTFPT_MATCH = 8
OFPTFPT_WILDCARDS = 10
OFPTFPT_WRITE_SETFIELD = 12
OFPTFPT_WRITE_SETFIELD_MISS = 13
OFPTFPT_APPLY_SETFIELD = 14
OFPTFPT_APPLY_SETFIELD_MISS = 15


@dataclasses.dataclass(frozen=True, kw_only=True)
class TableFeatures:
    table_id: int
    name: str = ""
    metadata_match: int = 0
    metadata_write: int = 0
    config: int = 0
    max_entries: int = 0
    properties: tuple[tuple[int, bytes], ...] = ()

    def encode(self) -> bytes:
        return _encoded(self)

    def _encode(self) -> bytes:
        props = b"".join(_PROPERTY.pack(ptype, _PROPERTY.size + len(payload)) + payload
                         + b"\0" * (-(len(payload) + _PROPERTY.size) % 8)
                         for ptype, payload in self.properties)
        return _ENTRY.pack(_ENTRY.size + len(props), self.table_id,
                           self.name.encode()[:31], self.metadata_match, self.metadata_write,
                           self.config, self.max_entries) + props


@functools.lru_cache(maxsize=2048)
def _encoded(entry: TableFeatures) -> bytes:
    """A switch reports the same 254 entries again and again (stock ovs-ofctl asks for them
    before most commands at 1.3+): encode each once."""
    return entry._encode()


def decode_entries(body: bytes) -> tuple[TableFeatures, ...]:
    entries = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < _ENTRY.size:
            raise DecodeError(BAD_LEN, "table features entry too short")
        length, table_id, name, mmatch, mwrite, config, max_entries = _ENTRY.unpack_from(
            body, offset)
        if length < _ENTRY.size or length % 8 or offset + length > len(body):
            raise DecodeError(BAD_LEN, "bad table features length %d" % length)
        properties = []
        at, end = offset + _ENTRY.size, offset + length
        while at < end:
            if end - at < _PROPERTY.size:
                raise DecodeError(BAD_LEN, "table features property too short")
            ptype, plen = _PROPERTY.unpack_from(body, at)
            padded = (plen + 7) // 8 * 8
            if plen < _PROPERTY.size or at + padded > end:
                raise DecodeError(BAD_LEN, "bad table features property length %d" % plen)
            properties.append((ptype, bytes(body[at + _PROPERTY.size:at + plen])))
            at += padded
        entries.append(TableFeatures(
            table_id=table_id, name=name.split(b"\0", 1)[0].decode("utf-8", "replace"),
            metadata_match=mmatch, metadata_write=mwrite, config=config,
            max_entries=max_entries, properties=tuple(properties)))
        offset += length
    return tuple(entries)


def encode_entries(entries) -> bytes:
    return b"".join(entry.encode() for entry in entries)


# ---- OFPMP_TABLE_DESC (OpenFlow 1.4+) -----------------------------------------------------
# Each entry: length (2), table_id (1), pad (1), config (4; OFPTC14_EVICTION 4,
# OFPTC14_VACANCY_EVENTS 8), then an eviction property (type 2: flags, 4 bytes) as Open
# vSwitch always sends it, and a vacancy property (type 3) when vacancy events are on.
_DESC_ENTRY = struct.Struct("!HBxI")
_EVICTION_PROPERTY = struct.Struct("!HHI")
OFPTMPT_EVICTION = 2
#: What Open vSwitch evicts by: importance, lifetime, and "other" (OFPTMPEF_*).
EVICTION_FLAGS = 7


@dataclasses.dataclass(frozen=True, kw_only=True)
class TableDesc:
    table_id: int
    config: int = 0
    eviction_flags: int = EVICTION_FLAGS


def decode_desc_entries(body: bytes) -> tuple[TableDesc, ...]:
    entries = []
    offset = 0
    while offset < len(body):
        if len(body) - offset < _DESC_ENTRY.size:
            raise DecodeError(BAD_LEN, "table desc entry too short")
        length, table_id, config = _DESC_ENTRY.unpack_from(body, offset)
        if length < _DESC_ENTRY.size or offset + length > len(body):
            raise DecodeError(BAD_LEN, "bad table desc length %d" % length)
        flags = EVICTION_FLAGS
        at, end = offset + _DESC_ENTRY.size, offset + length
        while at < end:
            if end - at < _PROPERTY.size:
                raise DecodeError(BAD_LEN, "table desc property too short")
            ptype, plen = _PROPERTY.unpack_from(body, at)
            if plen < _PROPERTY.size or at + (plen + 7) // 8 * 8 > end:
                raise DecodeError(BAD_LEN, "bad table desc property length %d" % plen)
            if ptype == OFPTMPT_EVICTION and plen == _EVICTION_PROPERTY.size:
                flags = _EVICTION_PROPERTY.unpack_from(body, at)[2]
            at += (plen + 7) // 8 * 8
        entries.append(TableDesc(table_id=table_id, config=config, eviction_flags=flags))
        offset += length
    return tuple(entries)


def encode_desc_entries(entries) -> bytes:
    return b"".join(
        _DESC_ENTRY.pack(_DESC_ENTRY.size + _EVICTION_PROPERTY.size, entry.table_id,
                         entry.config)
        + _EVICTION_PROPERTY.pack(OFPTMPT_EVICTION, _EVICTION_PROPERTY.size,
                                  entry.eviction_flags)
        for entry in entries)
