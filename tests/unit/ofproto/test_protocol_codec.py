"""The OpenFlow codec against messages captured from stock Open vSwitch 3.1 (ovs-vswitchd with
dummy and veth ports, ovs-ofctl show/dump-ports-desc/monitor in every version)."""
import dataclasses

import pytest
from hypothesis import given, strategies as st

import pyvswitch  # noqa: F401
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, OFPP_LOCAL, PortDesc

VETH = f.PortFeatures.RATE_10GB_FD | f.PortFeatures.COPPER
LIVE, LINK_DOWN = f.PortState.LIVE, f.PortState.LINK_DOWN
PORT_DOWN = f.PortConfig.PORT_DOWN

# ovs-vswitchd's bridge with veths va (up), vd (admin down), vc (no carrier), tap in1.
REAL_PORTS_10 = (
    PortDesc(4, bytes.fromhex("26d4713624ba"), "va", curr=VETH, curr_speed=10_000_000),
    PortDesc(OFPP_LOCAL, bytes.fromhex("9a5456092f43"), "br0", curr=VETH,
             curr_speed=10_000_000),
    PortDesc(1, bytes.fromhex("0edd002df9a4"), "vd", PORT_DOWN, LINK_DOWN, curr=VETH,
             curr_speed=10_000_000),
    PortDesc(2, bytes.fromhex("cee9443edd9f"), "vc", state=LINK_DOWN, curr=VETH,
             curr_speed=10_000_000),
    PortDesc(3, bytes.fromhex("1660be467d75"), "in1", curr=VETH, curr_speed=10_000_000),
)
REAL_PORTS_13 = tuple(dataclasses.replace(p, state=p.state or LIVE) for p in REAL_PORTS_10)
DUMMY_PORTS_10 = (
    PortDesc(OFPP_LOCAL, bytes.fromhex("72aad860ba4b"), "br0"),
    PortDesc(1, bytes.fromhex("aa55aa55000f"), "p1"),
    PortDesc(2, bytes.fromhex("aa55aa550010"), "port0"),
)
DUMMY_PORTS_11 = tuple(dataclasses.replace(p, state=LIVE) for p in DUMMY_PORTS_10)
OVS_CAPS_10 = (f.Capabilities.FLOW_STATS | f.Capabilities.TABLE_STATS
               | f.Capabilities.PORT_STATS | f.Capabilities.QUEUE_STATS
               | f.Capabilities.ARP_MATCH_IP)
OVS_CAPS_13 = (f.Capabilities.FLOW_STATS | f.Capabilities.TABLE_STATS
               | f.Capabilities.PORT_STATS | f.Capabilities.GROUP_STATS
               | f.Capabilities.QUEUE_STATS)
P5 = PortDesc(5, bytes.fromhex("aa55aa550013"), "p5")
P5_DOWN = dataclasses.replace(P5, config=PORT_DOWN, state=LINK_DOWN)

GOLDEN = [
    ("0100000800000001", m.Hello(version=1, xid=1)),
    ("0600000800000008", m.Hello(version=6, xid=8)),
    ("04000010000000010001000800000010", m.Hello(version=4, xid=1, versions=frozenset({4}))),
    ("04000010000000010001000800000012",
     m.Hello(version=4, xid=1, versions=frozenset({1, 4}))),
    ("06000010000000010001000800000040", m.Hello(version=6, xid=1, versions=frozenset({6}))),
    ("0105000800000002", m.FeaturesRequest(version=1, xid=2)),
    ("0505000800000002", m.FeaturesRequest(version=5, xid=2)),
    (
     "010601100000000200009a5456092f4300000000fe000000000000c700000fff000426d4713624ba7661"
     "00000000000000000000000000000000000000000000000000c0000000000000000000000000fffe9a54"
     "56092f43627230000000000000000000000000000000000000000000000000c000000000000000000000"
     "000000010edd002df9a4766400000000000000000000000000000000000100000001000000c000000000"
     "00000000000000000002cee9443edd9f7663000000000000000000000000000000000000000000010000"
     "00c000000000000000000000000000031660be467d75696e310000000000000000000000000000000000"
     "00000000000000c0000000000000000000000000",
     m.FeaturesReply(version=1, xid=2, datapath_id=0x9a5456092f43, n_tables=254,
                     capabilities=OVS_CAPS_10, actions=f.Of10Actions(0xfff),
                     ports=REAL_PORTS_10)),
    ("020600e000000002000072aad860ba4b00000000fe000000000000cf00000000fffffffe0000000072aa"
     "d860ba4b0000627230000000000000000000000000000000000000000004000000000000000000000000"
     "0000000000000000000000000000000100000000aa55aa55000f00007031000000000000000000000000"
     "000000000000000000040000000000000000000000000000000000000000000000000000000200000000"
     "aa55aa5500100000706f7274300000000000000000000000000000000000000400000000000000000000"
     "0000000000000000000000000000",
     m.FeaturesReply(version=2, xid=2, datapath_id=0x72aad860ba4b, n_tables=254,
                     capabilities=OVS_CAPS_13 | f.Capabilities.ARP_MATCH_IP,
                     ports=DUMMY_PORTS_11)),
    ("040600200000000200009a5456092f4300000000fe0000000000004f00000000",
     m.FeaturesReply(version=4, xid=2, datapath_id=0x9a5456092f43, n_tables=254,
                     capabilities=OVS_CAPS_13)),
    ("050600200000000200009a5456092f4300000000fe0000000000024f00000000",
     m.FeaturesReply(version=5, xid=2, datapath_id=0x9a5456092f43, n_tables=254,
                     capabilities=OVS_CAPS_13 | f.Capabilities.BUNDLES)),
    ("0107000800000004", m.GetConfigRequest(version=1, xid=4)),
    ("0108000c0000000400000000", m.GetConfigReply(version=1, xid=4, flags=0, miss_send_len=0)),
    ("0109000c000000030000ffff", m.SetConfig(version=1, xid=3, flags=0, miss_send_len=0xffff)),
    ("0112000800000004", m.BarrierRequest(version=1, xid=4)),
    ("0113000800000004", m.BarrierReply(version=1, xid=4)),
    ("0414000800000009", m.BarrierRequest(version=4, xid=9)),
    ("0415000800000009", m.BarrierReply(version=4, xid=9)),
    ("0402000c00000009deadbeef", m.EchoRequest(version=4, xid=9, data=b"\xde\xad\xbe\xef")),
    ("0103000800000009", m.EchoReply(version=1, xid=9)),
    ("0110000c00000002000d0000", m.PortDescRequest(version=1, xid=2)),
    ("0412001000000003000d000000000000", m.PortDescRequest(version=4, xid=3)),
    ("0612001800000003000d000000000000ffffffff00000000",
     m.PortDescRequest(version=6, xid=3, port_no=OFPP_ANY)),
    ("0111009c00000002000d0000fffe72aad860ba4b62723000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000001aa55aa55000f70310000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000002aa55aa550010706f7274300000000000"
     "000000000000000000000000000000000000000000000000000000000000",
     m.PortDescReply(version=1, xid=2, ports=DUMMY_PORTS_10)),
    ("0413015000000003000d000000000000000000040000000026d4713624ba000076610000000000000000"
     "0000000000000000000000000004000008400000000000000000000000000098968000000000fffffffe"
     "000000009a5456092f430000627230000000000000000000000000000000000000000004000008400000"
     "00000000000000000000009896800000000000000001000000000edd002df9a400007664000000000000"
     "000000000000000000000001000000010000084000000000000000000000000000989680000000000000"
     "000200000000cee9443edd9f000076630000000000000000000000000000000000000000000100000840"
     "000000000000000000000000009896800000000000000003000000001660be467d750000696e31000000"
     "000000000000000000000000000000000004000008400000000000000000000000000098968000000000",
     m.PortDescReply(version=4, xid=3, ports=REAL_PORTS_13)),
    ("0513017800000003000d000000000000000000040048000026d4713624ba000076610000000000000000"
     "000000000000000000000000000400000020000000000000084000000000000000000000000000989680"
     "00000000fffffffe004800009a5456092f43000062723000000000000000000000000000000000000000"
     "000400000020000000000000084000000000000000000000000000989680000000000000000100480000"
     "0edd002df9a4000076640000000000000000000000000000000000010000000100000020000000000000"
     "084000000000000000000000000000989680000000000000000200480000cee9443edd9f000076630000"
     "000000000000000000000000000000000000000100000020000000000000084000000000000000000000"
     "0000009896800000000000000003004800001660be467d750000696e3100000000000000000000000000"
     "00000000000000040000002000000000000008400000000000000000000000000098968000000000",
     m.PortDescReply(version=5, xid=3, ports=REAL_PORTS_13)),
    ("010c00400000000000000000000000000005aa55aa5500137035000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000",
     m.PortStatus(version=1, xid=0, reason=m.OFPPR_ADD, port=P5)),
    ("010c00400000000002000000000000000005aa55aa5500137035000000000000000000000000000000000001"
     "0000000100000000000000000000000000000000",
     m.PortStatus(version=1, xid=0, reason=m.OFPPR_MODIFY, port=P5_DOWN)),
    ("0101001400000005000100010120000800000005",
     m.Error(version=1, xid=5, type=1, code=1, data=bytes.fromhex("0120000800000005"))),
    ("0110000c0000000a00000000", m.DescRequest(version=1, xid=10)),
]


def _golden_ids():
    return ["%s-%s" % (type(message).__name__, message.version) for _, message in GOLDEN]


@pytest.mark.parametrize("hex_bytes,message", GOLDEN, ids=_golden_ids())
def test_golden_decode_and_encode(hex_bytes, message):
    data = bytes.fromhex(hex_bytes)
    assert codec.decode(data) == message
    assert codec.encode(message) == data
    assert codec.decode(data).raw == data


def test_ovs_desc_reply_round_trips():
    message = m.DescReply(version=1, xid=10, mfr_desc="Nicira, Inc.", hw_desc="Open vSwitch",
                          sw_desc="3.1.0", serial_num="None", dp_desc="None")
    data = codec.encode(message)
    assert len(data) == 1068
    assert data[:12] == bytes.fromhex("0111042c0000000a00000000")
    assert codec.decode(data) == message


def test_message_length_frames_a_stream():
    stream = bytes.fromhex("0105000800000002" + "0108000c0000000400000000") + b"\x01\x02"
    assert codec.message_length(stream) == 8
    assert codec.message_length(stream[8:]) == 12
    assert codec.message_length(stream[20:]) is None


def test_decode_rejects_length_mismatch_and_trailing_bytes():
    with pytest.raises(errors.DecodeError) as info:
        codec.decode(bytes.fromhex("0105000800000002ff"))
    assert info.value.error == errors.BAD_LEN
    with pytest.raises(errors.DecodeError):
        codec.decode(bytes.fromhex("01050008000000"))


@pytest.mark.parametrize("hex_bytes", [
    "0105000c00000002aabbccdd",                          # features request with a body
    "0107000c0000000b00000000",                          # get-config request with a body
    "0109000a0000000b0000",                              # short set-config
    "0312001800000002000d000000000000ffffffff00000000",  # 1.5-style body in 1.2
    "0106003400000002" + "00" * 44,                      # 1.0 features: a partial port
    "0101000a000000050001",                              # error without a code
])
def test_bad_lengths_are_bad_len(hex_bytes):
    with pytest.raises(errors.DecodeError) as info:
        codec.decode(bytes.fromhex(hex_bytes))
    assert info.value.error == errors.BAD_LEN


@pytest.mark.parametrize("hex_bytes,error", [
    ("0120000800000005", errors.BAD_TYPE),
    ("0440000800000005", errors.BAD_TYPE),
    ("041d000800000005", errors.BAD_TYPE),                         # 1.3 METER_MOD: not yet
    ("010400100000000500002320000000ff", errors.BAD_SUBTYPE),      # Nicira extension
    ("0104001000000005deadbeef000000ff", errors.BAD_VENDOR),
    ("0110000c00000007007e0000", errors.BAD_STAT),
    ("0412001000000007007e000000000000", errors.BAD_STAT),
])
def test_unsupported_messages_name_their_error(hex_bytes, error):
    message = codec.decode(bytes.fromhex(hex_bytes))
    assert isinstance(message, m.UnsupportedMessage)
    assert message.error == error


def test_unknown_version_is_bad_version_but_its_hello_decodes():
    with pytest.raises(errors.DecodeError) as info:
        codec.decode(bytes.fromhex("0705000800000002"))
    assert info.value.error == errors.BAD_VERSION
    hello = codec.decode(bytes.fromhex("08000010000000010001000800000180"))
    assert hello == m.Hello(version=8, xid=1, versions=frozenset({7, 8}))


def test_hello_ignores_unknown_elements():
    data = bytes.fromhex("04000018000000010009000400000000" "0001000800000010")
    assert codec.decode(data).versions == frozenset({4})


def test_error_reply_quotes_the_whole_request():
    request = codec.decode(bytes.fromhex("01200050000000050" + "1" * 143))
    reply = codec.error_reply(request, request.error)
    assert codec.encode(reply) == bytes.fromhex("0101005c0000000500010001") + request.raw


def test_port_desc_replies_split_with_more_flag():
    ports = [PortDesc(n, bytes(6), "p%d" % n) for n in range(1, 1501)]
    replies = codec.port_desc_replies(4, 7, ports)
    assert len(replies) == 2
    assert [r.flags for r in replies] == [m.OFPMPF_REPLY_MORE, 0]
    assert sum(len(r.ports) for r in replies) == 1500
    assert all(len(codec.encode(r)) <= 0xffff for r in replies)
    assert codec.port_desc_replies(4, 7, []) == [m.PortDescReply(version=4, xid=7)]


def test_long_port_names_are_cut_to_15_bytes():
    port = PortDesc(3, bytes(6), "abcdefghijklmnopq")
    data = codec.encode(m.PortDescReply(version=4, xid=1, ports=(port,)))
    assert codec.decode(data).ports[0].name == "abcdefghijklmno"


def test_of10_speeds_follow_features():
    port = PortDesc(1, bytes(6), "x", curr=f.PortFeatures.RATE_1GB_FD,
                    supported=f.PortFeatures.RATE_10MB_FD | f.PortFeatures.COPPER)
    decoded = codec.decode(codec.encode(m.PortDescReply(version=1, xid=1, ports=(port,))))
    assert (decoded.ports[0].curr_speed, decoded.ports[0].max_speed) == (1_000_000, 10_000)


def test_bits_a_version_lacks_are_dropped():
    port = PortDesc(1, bytes(6), "x", config=f.PortConfig.NO_FLOOD | PORT_DOWN,
                    state=LIVE | f.PortState.STP_FORWARD, curr=f.PortFeatures.RATE_40GB_FD)
    of10 = codec.decode(codec.encode(m.PortStatus(version=1, xid=0, reason=0, port=port)))
    assert of10.port.state == f.PortState.STP_FORWARD and of10.port.curr == 0
    of13 = codec.decode(codec.encode(m.PortStatus(version=4, xid=0, reason=0, port=port)))
    assert of13.port.config == PORT_DOWN and of13.port.state == LIVE


_features = st.builds(f.PortFeatures, st.integers(0, 0xffff))
_ports = st.builds(
    PortDesc, st.one_of(st.integers(1, 0xfeff), st.just(OFPP_LOCAL)), st.binary(min_size=6,
                                                                               max_size=6),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=15),
    st.builds(f.PortConfig, st.sampled_from([0, 1, 4, 0x20, 0x40, 0x65])),
    st.builds(f.PortState, st.sampled_from([0, 1, 2, 4, 7])),
    _features, _features, _features, _features,
    st.integers(0, 0xffffffff), st.integers(0, 0xffffffff))


@given(st.sampled_from([2, 3, 4, 5, 6]), st.integers(0, 0xffffffff),
       st.lists(_ports, max_size=5))
def test_port_desc_reply_round_trips(version, xid, ports):
    message = m.PortDescReply(version=version, xid=xid, ports=tuple(ports))
    assert codec.decode(codec.encode(message)) == message


@given(st.sampled_from([1, 2, 3, 4, 5, 6]), st.integers(0, 0xffffffff), _ports,
       st.sampled_from([0, 1, 2]))
def test_port_status_round_trips_up_to_version_bits(version, xid, port, reason):
    message = m.PortStatus(version=version, xid=xid, reason=reason, port=port)
    decoded = codec.decode(codec.encode(message))
    assert codec.encode(decoded) == codec.encode(message)
    assert decoded.port.name == port.name and decoded.port.port_no == port.port_no


@given(st.binary(max_size=64))
def test_decoding_arbitrary_bytes_never_crashes(body):
    for version in (1, 4, 6):
        for msg_type in (0, 1, 6, 8, 12, 17, 19):
            data = bytes([version, msg_type]) + (8 + len(body)).to_bytes(2, "big") + b"\0" * 4
            try:
                codec.decode(data + body)
            except errors.DecodeError:
                pass
