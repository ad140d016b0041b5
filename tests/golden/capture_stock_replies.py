"""Records what stock ovs-vswitchd answers to flow-table requests, for
tests/data/flow_codec/stock_replies.json.

Run `python tests/golden/capture_stock_replies.py` with Open vSwitch installed.  It starts a
private stock OVS (tests/stock_ovs.py) with one dummy bridge, installs FLOWS, then, in every
OpenFlow version, connects to the bridge's management socket and sends each request of
`requests(version)`: flow, aggregate and table statistics (OpenFlow and, in 1.0, Nicira
forms) and malformed flow_mods.  Each request is followed by a barrier; every message that
comes back before the barrier reply is recorded with the request.
"""
from __future__ import annotations

import json
import pathlib
import socket
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[2]))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))

from pyvswitch.ofproto.match import Match  # noqa: E402
from pyvswitch.ofproto.protocol import codec  # noqa: E402
from pyvswitch.ofproto.protocol import messages as m  # noqa: E402
from stock_ovs import StockOVS  # noqa: E402

OUTPUT = pathlib.Path(__file__).parents[1] / "data" / "flow_codec" / "stock_replies.json"
FLOWS = """\
table=0,priority=100,cookie=0x1234,idle_timeout=1000,send_flow_rem,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2
table=0,priority=50,in_port=1,dl_vlan=10,actions=strip_vlan,output:3
table=0,priority=40,arp,arp_op=1,actions=NORMAL
table=0,priority=30,reg0=5,tun_id=0x10,actions=resubmit(,1)
table=0,priority=20,importance=9,hard_timeout=2000,ipv6,ipv6_src=2001:db8::/32,actions=drop
table=1,priority=10,metadata=0x1/0xff,udp,tp_src=53,actions=output:1
table=1,priority=0,actions=drop
"""
_HEADER = struct.Struct("!BBHI")


def _message(version: int, msg_type: int, xid: int, body: bytes = b"") -> bytes:
    return _HEADER.pack(version, msg_type, 8 + len(body), xid) + body


def _oxm_flow_mod(version: int, entries: bytes, command: int = 0, flags: int = 0) -> bytes:
    match = struct.pack("!HH", 1, 4 + len(entries)) + entries
    match += b"\0" * (-len(match) % 8)
    body = struct.pack("!QQBBHHHIIIHH", 0, 0, 0, command, 0, 0, 0x8000, 0xFFFFFFFF,
                       0xFFFFFFFF, 0xFFFFFFFF, flags, 0) + match
    return _message(version, 14, 0, body)


def _nxm_flow_mod(entries: bytes, command: int = 0, flags: int = 0) -> bytes:
    body = struct.pack("!IIQHHHHIHHH6x", 0x2320, 13, 0, command, 0, 0, 0x8000, 0xFFFFFFFF,
                       0xFFFF, flags, len(entries)) + entries + b"\0" * (-len(entries) % 8)
    return _message(1, 4, 0, body)


BAD_OXM = {
    "bad_prereq": "80001c020016",
    "dup_field": "80000a02080080000a020800",
    "bad_field": "80007e0400000000",
    "bad_field_length": "80000a0400000800",
    "bad_wildcards": "80000a020800800017080a000001ff000000",
    "bad_mask": "80000a02080080001502060f",
    "bad_value": "80000c022000",
    "bad_len": "80000a0208",
}
BAD_NXM = {
    "bad_prereq": "00000c0106",
    "dup_field": "000106040000000500010604000000ff",
    "bad_field": "0003020400000000",
    "bad_wildcards": "00000f080a000001ff000000",
    "bad_value": "00000a0101",
}


def requests(version: int) -> list[tuple[str, bytes]]:
    out = []
    forms = (False, True) if version == 1 else (False,)
    for nxm in forms:
        tag = "_nx" if nxm else ""
        out.append(("flow_stats" + tag, codec.encode(m.FlowStatsRequest(
            version=version, xid=0, match=Match(), nxm=nxm))))
        out.append(("aggregate" + tag, codec.encode(m.AggregateStatsRequest(
            version=version, xid=0, match=Match(), nxm=nxm))))
    out.append(("table_stats", codec.encode(m.TableStatsRequest(version=version, xid=0))))
    if version >= 3:
        for name, entries in BAD_OXM.items():
            out.append(("flow_mod_" + name, _oxm_flow_mod(version, bytes.fromhex(entries))))
    if version >= 2:
        out.append(("flow_mod_bad_command", _oxm_flow_mod(version, b"", command=9)))
        out.append(("flow_mod_bad_flags", _oxm_flow_mod(version, b"", flags=0x80)))
    if version == 1:
        for name, entries in BAD_NXM.items():
            out.append(("nx_flow_mod_" + name, _nxm_flow_mod(bytes.fromhex(entries))))
        out.append(("nx_flow_mod_bad_command", _nxm_flow_mod(b"", command=9)))
        out.append(("nx_flow_mod_bad_flags", _nxm_flow_mod(b"", flags=0x80)))
    return out


class _Client:
    def __init__(self, path: str, version: int):
        self.version = version
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(10)
        self.socket.connect(path)
        self.buffer = b""
        self.xid = 100
        bitmap = struct.pack("!HHI", 1, 8, 1 << version)
        self.socket.sendall(_message(version, 0, 1, bitmap))
        assert self._read()[1] == 0

    def _read(self) -> bytes:
        while True:
            if len(self.buffer) >= 8:
                length = struct.unpack_from("!H", self.buffer, 2)[0]
                if len(self.buffer) >= length:
                    message, self.buffer = self.buffer[:length], self.buffer[length:]
                    return message
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("switch closed the connection")
            self.buffer += chunk

    def transact(self, request: bytes) -> tuple[bytes, list[bytes]]:
        self.xid += 1
        request = request[:4] + struct.pack("!I", self.xid) + request[8:]
        barrier_type = 18 if self.version == 1 else 20
        self.socket.sendall(request + _message(self.version, barrier_type, self.xid + 1000))
        replies = []
        while True:
            reply = self._read()
            if reply[1] == 2:
                self.socket.sendall(_message(self.version, 3, _HEADER.unpack_from(reply)[3],
                                             reply[8:]))
            elif reply[1] == barrier_type + 1 and _HEADER.unpack_from(reply)[3] == \
                    self.xid + 1000:
                return request, replies
            else:
                replies.append(reply)


def main() -> None:
    records = []
    with StockOVS() as ovs:
        ovs.add_bridge("br0", {"p1": 1, "p2": 2, "p3": 3})
        status, _, error = ovs.ofctl("-O", "OpenFlow15", "add-flows", "br0", "-", stdin=FLOWS)
        if status:
            raise SystemExit(error)
        for version in range(1, 7):
            client = _Client(ovs.mgmt_socket("br0"), version)
            for name, request in requests(version):
                sent, replies = client.transact(request)
                records.append({"version": version, "name": name, "request": sent.hex(),
                                "replies": [reply.hex() for reply in replies]})
    OUTPUT.write_text(json.dumps(records, indent=1) + "\n")
    print("%d exchanges recorded in %s" % (len(records), OUTPUT))


if __name__ == "__main__":
    main()
