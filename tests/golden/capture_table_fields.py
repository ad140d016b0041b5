"""Regenerates pyvswitch/ofproto/ovs_field_names.py from stock Open vSwitch.

Run `python tests/golden/capture_table_fields.py` with Open vSwitch installed.  It asks a
stock `ovs-vswitchd --enable-dummy` for its table features in OpenFlow 1.3, 1.4 and 1.5, takes
table 0's match property (every field OVS can match, in its internal field order, under the
header it uses in that version), adds the other code points the field registry knows
for the same fields, and learns each header's name by giving `ovs-ofctl
ofp-print` a table features reply that lists that one header.  The module it writes is the
ordered table ofctl_text uses to name the fields of table stats and table features.
"""
from __future__ import annotations

import pathlib
import socket
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))
from tests.stock_ovs import StockOVS  # noqa: E402

OUTPUT = ROOT / "pyvswitch" / "ofproto" / "ovs_field_names.py"
_HEADER = struct.Struct("!BBHI")
_ENTRY = struct.Struct("!HB5x32sQQII")
_OFPMP_TABLE_FEATURES = 12
_OFPTFPT_MATCH = 8
_REQUIRED = (0, 2, 4, 6, 10, 12, 14)


def _frames(sock):
    buffer = b""
    while True:
        while len(buffer) < 8 or len(buffer) < _HEADER.unpack_from(buffer)[2]:
            data = sock.recv(65536)
            if not data:
                return
            buffer += data
        length = _HEADER.unpack_from(buffer)[2]
        yield buffer[:length]
        buffer = buffer[length:]


def _table0_match_headers(path: str, version: int) -> list[bytes]:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    sock.sendall(_HEADER.pack(version, 0, 8, 1)
                 + _HEADER.pack(version, 18, 16, 2) + struct.pack("!HH4x", 12, 0))
    body = b""
    for frame in _frames(sock):
        if frame[1] == 19 and _HEADER.unpack_from(frame)[3] == 2:
            body += frame[16:]
            if not struct.unpack_from("!H", frame, 10)[0] & 1:
                break
    sock.close()
    length = _ENTRY.unpack_from(body)[0]
    at, headers = _ENTRY.size, []
    while at < length:
        ptype, plen = struct.unpack_from("!HH", body, at)
        if ptype == _OFPTFPT_MATCH:
            payload, offset = body[at + 4:at + plen], 0
            while offset < len(payload):
                size = 8 if payload[offset:offset + 2] == b"\xff\xff" else 4
                headers.append(payload[offset:offset + size])
                offset += size
        at += (plen + 7) // 8 * 8
    return headers


def _key(header: bytes) -> tuple:
    oxm_class, field = struct.unpack_from("!HB", header)
    experimenter = struct.unpack_from("!I", header, 4)[0] if oxm_class == 0xFFFF else None
    return oxm_class, field >> 1, experimenter


def _unmasked(header: bytes) -> bytes:
    oxm_class, field, length = struct.unpack_from("!HBB", header)
    if field & 1:
        value_length = (length - (4 if oxm_class == 0xFFFF else 0)) // 2
        length = value_length + (4 if oxm_class == 0xFFFF else 0)
    return struct.pack("!HBB", oxm_class, field & ~1, length) + header[4:]


def _name(header: bytes) -> str:
    # ovs-ofctl insists on every non-miss property; all but the match one stay empty.
    prop = b"".join(struct.pack("!HH4x", ptype, 4) for ptype in _REQUIRED)
    prop += struct.pack("!HH", _OFPTFPT_MATCH, 4 + len(header)) + header
    prop += b"\0" * (-len(prop) % 8)
    entry = _ENTRY.pack(_ENTRY.size + len(prop), 0, b"", 0, 0, 0, 0) + prop
    body = struct.pack("!HH4x", _OFPMP_TABLE_FEATURES, 0) + entry
    message = _HEADER.pack(4, 19, 8 + len(body), 0) + body
    text = subprocess.run(["ovs-ofctl", "ofp-print", message.hex()], check=True,
                          capture_output=True, text=True).stdout
    return text.strip().splitlines()[-1].split(": ")[-1]


def main() -> None:
    order: list[tuple] = []         # (name, [keys])
    by_name: dict[str, list] = {}
    with StockOVS() as ovs:
        ovs.add_bridge("br0")
        lists = [_table0_match_headers(ovs.mgmt_socket("br0"), version)
                 for version in (6, 5, 4)]
    for headers in lists:
        position = 0
        for header in headers:
            name = _name(_unmasked(header))
            key = _key(header)
            if name in by_name:
                if key not in by_name[name]:
                    by_name[name].append(key)
                position = [entry[0] for entry in order].index(name) + 1
                continue
            by_name[name] = [key]
            order.insert(position, (name, by_name[name]))
            position += 1
    # Other headers that carry the same fields (the NXM and older OXM code points of the
    # field registry), so a reply from a switch that prefers them is named too.
    from pyvswitch import fields
    for field in fields.FIELDS.values():
        for point in getattr(field, "codes", ()):
            code = point.code
            experimenter = code[3] if len(code) > 3 else None
            header = struct.pack("!HBB", code[0], code[1] << 1,
                                 code[2] + (4 if experimenter is not None else 0))
            if experimenter is not None:
                header += struct.pack("!I", experimenter)
            key, name = _key(header), _name(header)
            if name in by_name and key not in by_name[name]:
                by_name[name].append(key)
    rows = "".join("    (%r, %r),\n" % (name, tuple(keys)) for name, keys in order)
    OUTPUT.write_text(
        '"""Open vSwitch\'s names for the fields of table stats and table features, in its\n'
        "internal field order (the order ovs-ofctl lists them in), each with the headers that\n"
        "carry it: (OXM or NXM class, field number, experimenter id or None).\n\n"
        "Generated by tests/golden/capture_table_fields.py from stock Open vSwitch; do not edit.\n"
        '"""\n\nFIELD_NAMES = (\n' + rows + ")\n")


if __name__ == "__main__":
    main()
