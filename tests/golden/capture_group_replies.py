"""Records stock ovs-vswitchd's answers to group requests, for tests/unit/ofproto/test_group_codec.py.

Starts a private stock Open vSwitch (tests/stock_ovs.py), adds groups of every type with
stock ovs-ofctl, then on raw connections of each version sends requests written out by hand
here (not with pyvswitch's codec, so the captures do not depend on the code they test): the
group description, group statistics and group features requests (their Nicira forms in
OpenFlow 1.0), and group_mods the switch refuses.  Writes one line per exchange to
tests/data/groups/stock_replies.txt: name | version | request hex | reply hex.

    python -m tests.golden.capture_group_replies
"""
from __future__ import annotations

import pathlib
import socket
import struct

from tests.stock_ovs import StockOVS

OUT = pathlib.Path(__file__).parents[1] / "data" / "groups" / "stock_replies.txt"
GROUPS = [
    "group_id=1,type=all,bucket=output:1,bucket=output:2",
    "group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,actions=output:2",
    "group_id=3,type=indirect,bucket=actions=output:3",
    "group_id=4,type=fast_failover,bucket=watch_port:1,output:1,"
    "bucket=watch_port:2,watch_group:3,output:2",
]
NX = 0x2320


def _header(version: int, msg_type: int, body: bytes, xid: int = 7) -> bytes:
    return struct.pack("!BBHI", version, msg_type, 8 + len(body), xid) + body


def _multipart(version: int, stats_type: int, body: bytes) -> bytes:
    if version == 1:
        return _header(1, 16, struct.pack("!HH", stats_type, 0) + body)
    return _header(version, 18, struct.pack("!HH4x", stats_type, 0) + body)


def _nx_stats(subtype: int, body: bytes) -> bytes:
    return _multipart(1, 0xFFFF, struct.pack("!II4x", NX, subtype) + body)


def _group_mod_11(version: int, command: int, group_type: int, group_id: int,
                  buckets: bytes = b"") -> bytes:
    return _header(version, 15, struct.pack("!HBxI", command, group_type, group_id) + buckets)


def requests() -> list[tuple[str, int, bytes]]:
    all_groups = struct.pack("!I4x", 0xFFFFFFFC)
    exchanges = [("group_desc_nx", 1, _nx_stats(8, all_groups)),
                 ("group_stats_nx", 1, _nx_stats(7, all_groups)),
                 ("group_features_nx", 1, _nx_stats(9, b""))]
    for version in (2, 3, 4, 5, 6):
        exchanges.append(("group_desc", version, _multipart(
            version, 7, all_groups if version == 6 else b"")))
        exchanges.append(("group_stats", version, _multipart(version, 6, all_groups)))
        if version >= 3:
            exchanges.append(("group_features", version, _multipart(version, 8, b"")))
        output_1 = struct.pack("!HHIH6x", 0, 16, 1, 0)
        bucket = struct.pack("!HHII4x", 16 + len(output_1), 0, 0xFFFFFFFF, 0xFFFFFFFF) + output_1
        if version < 6:
            exchanges.append(("group_exists", version, _group_mod_11(version, 0, 0, 1, bucket)))
            exchanges.append(("unknown_group", version, _group_mod_11(version, 1, 0, 9, bucket)))
            exchanges.append(("bad_type", version, _group_mod_11(version, 0, 7, 20, bucket)))
            exchanges.append(("invalid_group", version,
                              _group_mod_11(version, 0, 0, 0xFFFFFF01, bucket)))
    return exchanges


def _messages(sock: socket.socket):
    """The messages arriving on `sock`, one at a time."""
    data = b""
    while True:
        while len(data) >= 8 and len(data) >= struct.unpack_from("!H", data, 2)[0]:
            length = struct.unpack_from("!H", data, 2)[0]
            yield data[:length]
            data = data[length:]
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError
        data += chunk


def exchange(path: str, version: int, request: bytes) -> bytes:
    """The switch's first answer to `request` with the same xid (sent after a HELLO),
    or b"" if the barrier sent after it comes back first."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        barrier = _header(version, 18 if version == 1 else 20, b"", xid=8)
        sock.sendall(_header(version, 0, b"", xid=1) + request + barrier)
        for message in _messages(sock):
            xid = struct.unpack_from("!I", message, 4)[0]
            if xid == 7:
                return message
            if xid == 8:
                return b""


def main() -> None:
    lines = ["# name | version | request | reply: stock ovs-vswitchd 3.1, recorded by "
             "tests/golden/capture_group_replies.py"]
    with StockOVS() as stock:
        stock.add_bridge("br0", {"p1": 1, "p2": 2, "p3": 3})
        for group in GROUPS:
            status, _, err = stock.ofctl("-OOpenFlow15", "add-group",
                                         "unix:" + stock.mgmt_socket("br0"), group)
            assert status == 0, err
        for name, version, request in requests():
            reply = exchange(stock.mgmt_socket("br0"), version, request)
            lines.append("%s | %d | %s | %s" % (name, version, request.hex(), reply.hex()))
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
