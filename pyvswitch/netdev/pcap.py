"""pcap (libpcap classic format) codec and an append-only writer for captured frames.

`file_header()` and `record(frame, now)` are pure encoders: microsecond
timestamps, LINKTYPE_ETHERNET, host byte order (readers detect it from the magic
number, as with tcpdump's own files).  `read_frames(data)` decodes a capture back
into frames, for tests and tools.  `PcapWriter` owns one open file and flushes
after every frame so a reader (a test, tcpdump -r) sees each frame as soon as
the port handled it.
"""
from __future__ import annotations

import struct

_MAGIC = 0xA1B2C3D4
_LINKTYPE_ETHERNET = 1
_SNAPLEN = 262144
_FILE_HEADER = struct.Struct("=IHHiIII")
_RECORD_HEADER = struct.Struct("=IIII")


def file_header() -> bytes:
    return _FILE_HEADER.pack(_MAGIC, 2, 4, 0, 0, _SNAPLEN, _LINKTYPE_ETHERNET)


def record(frame, now: float) -> bytes:
    """One record holding all of `frame`, stamped with `now` (seconds since the epoch)."""
    seconds = int(now)
    micros = int(round((now - seconds) * 1_000_000))
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    return _RECORD_HEADER.pack(seconds, micros, len(frame), len(frame)) + bytes(frame)


def read_frames(data: bytes) -> list[bytes]:
    """The frames of a whole capture in either byte order; a truncated last
    record (a capture still being written) is left out."""
    magic = int.from_bytes(data[:4], "little")
    if magic == _MAGIC:
        order = "<"
    elif magic == int.from_bytes(_MAGIC.to_bytes(4, "little"), "big"):
        order = ">"
    else:
        raise ValueError("not a pcap file")
    record_header = struct.Struct(order + "IIII")
    frames = []
    offset = _FILE_HEADER.size
    while offset + record_header.size <= len(data):
        _, _, caplen, _ = record_header.unpack_from(data, offset)
        offset += record_header.size
        if offset + caplen > len(data):
            break
        frames.append(data[offset:offset + caplen])
        offset += caplen
    return frames


class PcapWriter:
    """Appends frames to a new capture file at `path` (truncated on open)."""

    def __init__(self, path: str):
        self.path = path
        self._file = open(path, "wb")
        self._file.write(file_header())
        self._file.flush()

    def write(self, frame, now: float) -> None:
        self._file.write(record(frame, now))
        self._file.flush()

    def close(self) -> None:
        self._file.close()
