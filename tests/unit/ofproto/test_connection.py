"""The OpenFlow channel state machine.  Expected bytes are what stock ovs-vswitchd 3.1 sent
back for the same input on its management socket."""
import itertools

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.ofproto.connection import Connection
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import ALL_VERSIONS

HELLO_10 = bytes.fromhex("0100000800000001")
HELLO_13 = bytes.fromhex("04000010000000010001000800000010")


def switch(now=0.0, probe_interval=None):
    conn = Connection(ALL_VERSIONS, itertools.count(1).__next__, now, probe_interval)
    assert conn.take_output() == bytes.fromhex("0600000800000001")
    return conn


def negotiated(hello=HELLO_10, **kwargs):
    conn = switch(**kwargs)
    assert conn.receive(hello, 0.0) == []
    assert conn.active
    return conn


@pytest.mark.parametrize("versions,hello", [
    ({1}, "0100000800000007"),
    ({4}, "04000010000000070001000800000010"),
    ({1, 4}, "04000010000000070001000800000012"),
    ({1, 2, 3}, "0300000800000007"),
    ({6}, "06000010000000070001000800000040"),
])
def test_hello_carries_a_bitmap_only_when_needed(versions, hello):
    conn = Connection(frozenset(versions), lambda: 7, 0.0)
    assert conn.take_output().hex() == hello


@pytest.mark.parametrize("peer_hello,version", [
    ("0100000800000001", 1),
    ("04000010000000010001000800000010", 4),
    ("04000010000000010001000800000012", 4),
    ("0700000800000001", 6),                   # bare HELLO: "0x07 and earlier"
    ("01000010000000010001000800000000", 1),   # empty bitmap: fall back to the header
])
def test_negotiates_the_highest_common_version(peer_hello, version):
    assert negotiated(bytes.fromhex(peer_hello)).version == version


def test_no_common_version_sends_hello_failed_and_closes():
    conn = switch()
    assert conn.receive(bytes.fromhex("07000010000000010001000800000080"), 0.0) == []
    assert conn.closed and not conn.active
    text = b"We support version 0x06 and earlier, you support version 0x07, no common versions."
    assert conn.take_output() == bytes.fromhex("0101005e000000000000") + b"\0\0" + text
    assert "no common versions" in conn.close_reason
    assert conn.receive(bytes.fromhex("0105000800000002"), 0.0) == []


def test_client_side_failure_names_both_sides():
    conn = Connection(frozenset({4}), lambda: 1, 0.0)
    conn.take_output()
    conn.receive(HELLO_10, 0.0)
    assert conn.close_reason == ("We support version 0x04, you support version 0x01, "
                                 "no common versions.")
    conn = Connection(frozenset({5, 6}), lambda: 1, 0.0)
    conn.receive(bytes.fromhex("04000010000000010001000800000012"), 0.0)
    assert conn.close_reason == ("We support versions 0x05, 0x06, you support versions "
                                 "0x01, 0x04, no common versions.")


def test_a_message_before_hello_closes_silently():
    conn = switch()
    conn.receive(bytes.fromhex("0105000800000002"), 0.0)
    assert conn.closed and conn.take_output() == b""


def test_byte_by_byte_input_delivers_whole_messages_in_order():
    conn = switch()
    stream = HELLO_13 + bytes.fromhex("0405000800000002" "0414000800000003"
                                      "0412001000000004000d000000000000")
    delivered = []
    for index in range(len(stream)):
        delivered += conn.receive(stream[index:index + 1], 0.0)
    assert delivered == [m.FeaturesRequest(version=4, xid=2), m.BarrierRequest(version=4, xid=3),
                         m.PortDescRequest(version=4, xid=4)]


def test_whole_input_with_a_trailing_partial_message():
    conn = switch()
    delivered = conn.receive(HELLO_10 + bytes.fromhex("0105000800000002" "01070008"), 0.0)
    assert delivered == [m.FeaturesRequest(version=1, xid=2)]
    assert conn.receive(bytes.fromhex("00000003"), 0.0) == [m.GetConfigRequest(version=1, xid=3)]


def test_a_length_below_the_header_size_closes():
    conn = negotiated()
    assert conn.receive(bytes.fromhex("0105000400000002") + b"junk", 0.0) == []
    assert conn.closed


@pytest.mark.parametrize("hello,request_hex,reply_hex", [
    (HELLO_10, "0102000800000009", "0103000800000009"),
    (HELLO_13, "0402000c00000009deadbeef", "0403000c00000009deadbeef"),
    # A message in another version than the negotiated one.
    (HELLO_13, "0114000800000009", "0101001400000009000100000114000800000009"),
    # A second HELLO.
    (HELLO_10, "0100000800000003", "0101001400000003000100010100000800000003"),
    # Unknown types, experimenters and statistics.
    (HELLO_10, "0120000800000005", "0101001400000005000100010120000800000005"),
    (HELLO_13, "0440000800000005", "0401001400000005000100010440000800000005"),
    (HELLO_10, "010400100000000500002320000000ff",
     "0101001c0000000500010004010400100000000500002320000000ff"),
    (HELLO_10, "0110000c00000007007e0000", "01010018000000070001000201100"
     "00c00000007007e0000"),
    (HELLO_13, "0412001000000007007e000000000000",
     "0401001c00000007000100020412001000000007007e000000000000"),
    # Bodies of the wrong length.
    (HELLO_10, "0105000c00000002aabbccdd", "01010018000000020001000601050"
     "00c00000002aabbccdd"),
    (bytes.fromhex("03000010000000010001000800000008"),
     "0312001800000002000d000000000000ffffffff00000000",
     "03010024000000020001000603120018000000020"
     "00d000000000000ffffffff00000000"),
    # An unsolicited ECHO_REPLY is simply absorbed.
    (HELLO_10, "0103000800000009", ""),
])
def test_connection_level_answers_match_ovs(hello, request_hex, reply_hex):
    conn = negotiated(hello)
    assert conn.receive(bytes.fromhex(request_hex), 0.0) == []
    assert conn.take_output().hex() == reply_hex
    assert conn.active


def test_long_requests_are_quoted_whole_in_errors():
    conn = negotiated()
    request = bytes.fromhex("0120012c00000005") + b"\x11" * 292
    conn.receive(request, 0.0)
    assert conn.take_output() == bytes.fromhex("0101013800000005" "00010001") + request


def test_send_requires_negotiation():
    conn = switch()
    with pytest.raises(RuntimeError):
        conn.send(m.BarrierReply(version=1, xid=1))
    conn.receive(HELLO_10, 0.0)
    conn.send(m.BarrierReply(version=1, xid=1))
    assert conn.take_output().hex() == "0113000800000001"


def test_inactivity_probe():
    conn = negotiated(probe_interval=5.0)
    assert conn.next_wakeup() == 5.0
    conn.run(4.9)
    assert conn.take_output() == b""
    conn.run(5.0)
    assert conn.take_output().hex() == "0102000800000002"   # ECHO_REQUEST, next xid
    assert conn.next_wakeup() == 10.0
    conn.receive(bytes.fromhex("0103000800000002"), 7.0)  # the reply ends the probe
    assert conn.next_wakeup() == 12.0
    conn.run(12.0)
    assert conn.take_output().hex() == "0102000800000003"
    conn.run(16.9)
    assert not conn.closed
    conn.run(17.0)
    assert conn.closed and "inactivity probe" in conn.close_reason


def test_no_probe_without_an_interval():
    conn = negotiated()
    conn.run(1e9)
    assert conn.next_wakeup() is None and conn.take_output() == b""


def test_two_connections_talk_to_each_other():
    xids = itertools.count(1).__next__
    client = Connection(frozenset({1, 4}), xids, 0.0)
    server = Connection(ALL_VERSIONS, xids, 0.0)
    server.receive(client.take_output(), 0.0)
    client.receive(server.take_output(), 0.0)
    assert client.version == server.version == 4
    client.send(m.EchoRequest(version=4, xid=client.next_xid(), data=b"ping"))
    assert server.receive(client.take_output(), 0.0) == []
    assert client.receive(server.take_output(), 0.0) == []
    client.send(m.FeaturesRequest(version=4, xid=9))
    assert server.receive(client.take_output(), 0.0) == [m.FeaturesRequest(version=4, xid=9)]
    reply = m.FeaturesReply(version=4, xid=9, datapath_id=42)
    server.send(reply)
    assert client.receive(server.take_output(), 0.0) == [reply]
    assert codec.encode(reply)[:2] == b"\x04\x06"
