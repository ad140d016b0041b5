"""OpenFlow 1.5 OXS statistics (`ofp_stats`): the TLV list that carries a flow's duration,
idle time, flow count and packet and byte counters in 1.5 flow statistics, aggregate
replies and flow removed messages.

The list is a 4-byte header (2 reserved bytes, the length of header and entries without
padding) followed by entries, padded to 8 bytes.  An entry is a 32-bit header, class
OFPXSC_OPENFLOW_BASIC (0x8002) | field << 9 | length, then the value.  `encode` writes the
statistics it is given in Open vSwitch's order (duration, idle time, packet count, byte
count, flow count); `decode` reads them in any order, and skips entries of other classes
or unknown fields.
"""
from __future__ import annotations

import struct
from typing import Optional

from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError

OFPXSC_OPENFLOW_BASIC = 0x8002
_HEADER = struct.Struct("!2xH")
_ENTRY = struct.Struct("!HBB")
# field number -> (name, value layout), in the order Open vSwitch writes them
_FIELDS = {0: ("duration", struct.Struct("!II")), 1: ("idle_time", struct.Struct("!II")),
           4: ("packet_count", struct.Struct("!Q")), 5: ("byte_count", struct.Struct("!Q")),
           3: ("flow_count", struct.Struct("!I"))}


def encode(*, duration: Optional[tuple[int, int]] = None, idle_time: Optional[int] = None,
           flow_count: Optional[int] = None, packet_count: Optional[int] = None,
           byte_count: Optional[int] = None) -> bytes:
    values = {"duration": duration, "idle_time": None if idle_time is None else (idle_time, 0),
              "flow_count": flow_count, "packet_count": packet_count,
              "byte_count": byte_count}
    entries = b""
    for number, (name, layout) in _FIELDS.items():
        value = values[name]
        if value is None:
            continue
        packed = layout.pack(*value) if isinstance(value, tuple) else layout.pack(value)
        entries += _ENTRY.pack(OFPXSC_OPENFLOW_BASIC, number << 1, len(packed)) + packed
    length = _HEADER.size + len(entries)
    return _HEADER.pack(length) + entries + b"\0" * (-length % 8)


def decode(data: bytes, offset: int) -> tuple[dict, int]:
    """The statistics at data[offset:] by name ("duration" as (sec, nsec), "idle_time" in
    seconds, counters as ints) and the offset after the padded list."""
    if len(data) - offset < _HEADER.size:
        raise DecodeError(BAD_LEN, "statistics header truncated")
    (length,) = _HEADER.unpack_from(data, offset)
    end = offset + length
    padded_end = offset + (length + 7) // 8 * 8
    if length < _HEADER.size or padded_end > len(data):
        raise DecodeError(BAD_LEN, "statistics of %d bytes" % length)
    stats = {}
    position = offset + _HEADER.size
    while position < end:
        if end - position < _ENTRY.size:
            raise DecodeError(BAD_LEN, "statistics entry truncated")
        cls, field_byte, value_length = _ENTRY.unpack_from(data, position)
        value_start = position + _ENTRY.size
        position = value_start + value_length
        if position > end:
            raise DecodeError(BAD_LEN, "statistics entry runs past the list")
        known = _FIELDS.get(field_byte >> 1) if cls == OFPXSC_OPENFLOW_BASIC else None
        if known is None or known[1].size != value_length:
            continue
        name, layout = known
        values = layout.unpack_from(data, value_start)
        stats[name] = values if name == "duration" else values[0]
    return stats, padded_end
