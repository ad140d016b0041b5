"""Records what stock ovs-vswitchd answers to flow-table requests, for
tests/data/flow_codec/stock_replies.json.

Run `python tests/golden/capture_stock_replies.py` with Open vSwitch installed.  It starts a
private stock OVS (tests/stock_ovs.py) with one dummy bridge, installs FLOWS, then, in every
OpenFlow version, connects to the bridge's management socket and sends each request of
`requests(version)`: flow, aggregate and table statistics (OpenFlow and, in 1.0, Nicira
forms), malformed flow_mods and a bundle.  Each request is followed by a barrier; every
message that comes back before the barrier reply is recorded with the request.  Last, it
asks for flow removed messages (NXT_SET_ASYNC_CONFIG), adds a flow that expires after a
second and records the flow removed the switch sends.
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
    "bad_in_port": "8000000400ffff00",
    "vlan_pcp_without_vid": "80000e0103",
    "ipv4_in_ipv6": "80000a0286dd800016040a000001",
    "in_port_twice": "0000000200018000000400000002",
    "dscp_64": "80000a020800800010" "0140",
    "nd_target_without_icmp": "80000a0286dd80001401" "3a" "80003e10" + "00" * 16,
    "cookie_in_oxm": "00013c080000000000000001",
    "tun_metadata_short": "0001500101",
    "xreg_and_reg": "800100080000000500000006" "0001000400000005",
    "onf_tcp_flags": "80000a02080080001401" "06" "ffff54064f4e46000012",
}
BAD_NXM = {
    "bad_prereq": "00000c0106",
    "dup_field": "000106040000000500010604000000ff",
    "bad_field": "0003020400000000",
    "bad_wildcards": "00000f080a000001ff000000",
    "bad_value": "00000a0101",
    "bad_len": "00000602",
    "bad_mask": "0000070408000f00",
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
        # The ONF tcp_flags flow_mod is well formed: delete the flow it added.
        out.append(("flow_mod_cleanup", codec.encode(m.FlowMod(
            version=version, xid=0, command=m.OFPFC_DELETE_STRICT, table_id=0,
            match=Match().with_field("dl_type", 0x0800).with_field("nw_proto", 6)
            .with_field("tcp_flags", 0x12)))))
    if version >= 3:
        standard = bytearray(_oxm_flow_mod(version, b""))
        standard[48:50] = b"\0\0"
        out.append(("flow_mod_standard_match", bytes(standard)))
    if version == 1:
        plain = bytearray(codec.encode(m.FlowMod(version=1, xid=0, match=Match())))
        plain[70:72] = b"\0\x80"
        out.append(("of10_flow_mod_bad_flags", bytes(plain)))
    if version >= 2:
        out.append(("flow_mod_bad_command", _oxm_flow_mod(version, b"", command=9)))
        out.append(("flow_mod_bad_flags", _oxm_flow_mod(version, b"", flags=0x80)))
    short = _oxm_flow_mod(version, b"")[:40] if version >= 2 else _message(1, 14, 0, bytes(40))
    out.append(("flow_mod_short", short[:2] + struct.pack("!H", len(short)) + short[4:]))
    if version >= 4:
        out += _bundle_requests(version)
    if version == 1:
        for name, entries in BAD_NXM.items():
            out.append(("nx_flow_mod_" + name, _nxm_flow_mod(bytes.fromhex(entries))))
        out.append(("nx_flow_mod_bad_command", _nxm_flow_mod(b"", command=9)))
        out.append(("nx_flow_mod_bad_flags", _nxm_flow_mod(b"", flags=0x80)))
    return out


def _bundle_requests(version: int) -> list[tuple[str, bytes]]:
    """Open, add a flow_mod to, and commit bundle 5; commit bundle 99, never opened; delete
    the bundled flow again, so that the next version's statistics do not see it."""
    def control(bundle_id: int, control_type: int) -> bytes:
        body = struct.pack("!IHH", bundle_id, control_type, m.OFPBF_ATOMIC | m.OFPBF_ORDERED)
        return _experimenter(version, 2300, body) if version == 4 else _message(version, 33,
                                                                                0, body)

    flow_mod = codec.encode(m.FlowMod(version=version, xid=0, priority=77, table_id=3,
                                      match=Match().with_field("dl_type", 0x0800)))
    add_body = struct.pack("!I2xH", 5, m.OFPBF_ATOMIC | m.OFPBF_ORDERED) + flow_mod
    add = _experimenter(version, 2301, add_body) if version == 4 else _message(version, 34,
                                                                               0, add_body)
    cleanup = codec.encode(m.FlowMod(version=version, xid=0, priority=77, table_id=3,
                                     command=m.OFPFC_DELETE_STRICT,
                                     match=Match().with_field("dl_type", 0x0800)))
    return [("bundle_open", control(5, m.OFPBCT_OPEN_REQUEST)), ("bundle_add", add),
            ("bundle_commit", control(5, m.OFPBCT_COMMIT_REQUEST)),
            ("bundle_commit_unknown", control(99, m.OFPBCT_COMMIT_REQUEST)),
            ("bundled_flow_delete", cleanup)]


def _experimenter(version: int, exp_type: int, body: bytes) -> bytes:
    return _message(version, 4, 0, struct.pack("!II", 0x4F4E4600, exp_type) + body)


def _bundled_message_offset(message: bytes):
    if message[1] == 34:
        return 16
    if message[1] == 4 and message[8:16] == struct.pack("!II", 0x4F4E4600, 2301):
        return 24
    return None


def _flow_removed_setup(version: int, nxm: bool) -> list[bytes]:
    """Requests that make the switch send this connection flow removed messages (in their
    Nicira form when `nxm`), then a flow that expires after a second."""
    masks = struct.pack("!IIIIII", 0, 0, 0, 0, 0xF, 0xF)
    setup = [_message(version, 4, 0, struct.pack("!II", 0x2320, 19) + masks)]
    if nxm:
        setup.append(codec.encode(m.SetFlowFormat(version=1, xid=0, format=m.NXFF_NXM)))
    setup.append(codec.encode(m.FlowMod(
        version=version, xid=0, priority=9, hard_timeout=1, cookie=0xC0FFEE,
        flags=m.OFPFF_SEND_FLOW_REM, wire="nxm" if nxm else "",
        match=Match().with_field("dl_type", 0x0800).with_field("nw_proto", 17))))
    return setup


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
        inner = _bundled_message_offset(request)
        if inner is not None:
            # A bundled message must carry the xid of the message that carries it.
            request = (request[:inner + 4] + struct.pack("!I", self.xid)
                       + request[inner + 8:])
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

    def wait_for(self, msg_type: int, timeout: float) -> bytes:
        self.socket.settimeout(timeout)
        while True:
            message = self._read()
            if message[1] == msg_type or (message[1] == 4 and message[12:16] == b"\0\0\0\x0e"):
                return message


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
            for nxm in (False, True) if version == 1 else (False,):
                for request in _flow_removed_setup(version, nxm):
                    sent, replies = client.transact(request)
                    assert not replies, replies
                removed = client.wait_for(11, 5.0)
                records.append({"version": version,
                                "name": "flow_removed" + ("_nx" if nxm else ""),
                                "request": sent.hex(), "replies": [removed.hex()]})
    OUTPUT.write_text(json.dumps(records, indent=1) + "\n")
    print("%d exchanges recorded in %s" % (len(records), OUTPUT))


if __name__ == "__main__":
    main()
