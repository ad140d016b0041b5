"""Malformed flow-table messages: each is refused with the OFPT_ERROR Open vSwitch sends, in
that version's numbering, and nothing but DecodeError ever comes out of the decoder."""
import json
import pathlib
import shutil
import struct
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from pyvswitch.ofproto.protocol import codec, errors, nx_match
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import DecodeError

DATA = pathlib.Path(__file__).parents[2] / "data" / "flow_codec"
GOLDEN = sorted({h for entry in json.loads((DATA / "requests.json").read_text())
                 for h in entry["messages"]}
                | {record["hex"] for record in json.loads((DATA / "replies.json").read_text())}
                | {reply for exchange in json.loads((DATA / "stock_replies.json").read_text())
                   for reply in exchange["replies"] if len(reply) < 4000})

# An OpenFlow 1.3 "add-flow actions=drop" and OpenFlow 1.0 NXT_FLOW_MOD "reg0=5" from the
# captures, split where the match goes.
FLOW_MOD_13 = bytes.fromhex("040e00380000000600000000000000000000000000000000000000000000"
                            "8000ffffffffffffffffffffffff00000000")
NX_FLOW_MOD = struct.Struct("!II QHHHHIHHH6x")

ETH_TYPE_IP = "80000a020800"
ETH_TYPE_IPV6 = "80000a0286dd"
IP_PROTO_TCP = "80001401" "06"


def oxm_flow_mod(entries_hex: str, version: int = 4) -> bytes:
    entries = bytes.fromhex(entries_hex)
    match = struct.pack("!HH", 1, 4 + len(entries)) + entries
    match += b"\0" * (-len(match) % 8)
    body = FLOW_MOD_13[8:] + match
    return struct.pack("!BBHI", version, 14, 8 + len(body), 6) + body


def nxm_flow_mod(entries_hex: str) -> bytes:
    entries = bytes.fromhex(entries_hex)
    body = NX_FLOW_MOD.pack(0x2320, 13, 0, 0, 0, 0, 0x8000, 0xFFFFFFFF, 0xFFFF, 0,
                            len(entries))
    body += entries + b"\0" * (-len(entries) % 8)
    return struct.pack("!BBHI", 1, 4, 8 + len(body), 8) + body


def error_of(data: bytes) -> errors.ErrorCode:
    with pytest.raises(DecodeError) as info:
        codec.decode(data)
    return info.value.error


@pytest.mark.parametrize("entries,error", [
    ("80001c020016", errors.BAD_PREREQ),                          # tcp_dst alone
    (ETH_TYPE_IPV6 + "80001604" "0a000001", errors.BAD_PREREQ),   # ipv4_src in IPv6
    ("80000e0103", errors.BAD_PREREQ),                            # vlan_pcp without a VID
    (ETH_TYPE_IP + ETH_TYPE_IP, errors.DUP_FIELD),
    ("0000000200010000000204000002", errors.DUP_FIELD),           # in_port: NXM then OXM
    ("80007e0400000000", errors.BAD_FIELD),                       # no such OXM field
    ("80000a0400000800", errors.BAD_FIELD),                       # eth_type of 4 bytes
    (ETH_TYPE_IP + "800017080a000001ff000000", errors.BAD_WILDCARDS),
    (ETH_TYPE_IP + "800015020600", errors.BAD_WILDCARDS),
    (ETH_TYPE_IP + "80001502060f", errors.BAD_MASK),              # ip_proto takes no mask
    ("80000c022000", errors.BAD_VALUE),                           # vlan_vid above 0x1fff
    (ETH_TYPE_IP + "8000100140", errors.BAD_VALUE),               # ip_dscp 64
    ("8000000400ffff00", errors.BAD_VALUE),                       # in_port with no 16-bit form
    ("80000a0208", errors.BAD_MATCH_LEN),                         # truncated entry
    ("8000", errors.BAD_MATCH_LEN),                               # truncated header
])
def test_bad_oxm_matches(entries, error):
    assert error_of(oxm_flow_mod(entries)) == error


def test_match_prerequisites_may_come_from_earlier_entries_only():
    flow_mod = codec.decode(oxm_flow_mod(ETH_TYPE_IP + IP_PROTO_TCP + "80001c020016"))
    assert flow_mod.match.get("tcp_dst") == (22, 0xFFFF)
    assert error_of(oxm_flow_mod("80001c020016" + ETH_TYPE_IP + IP_PROTO_TCP)) \
        == errors.BAD_PREREQ


def test_standard_match_is_refused_after_openflow11():
    data = bytearray(oxm_flow_mod(""))
    data[48:50] = b"\0\0"
    assert error_of(bytes(data)) == errors.BAD_MATCH_TYPE


@pytest.mark.parametrize("entries,error", [
    ("00000c0106", errors.BAD_PREREQ),                            # NXM ip_proto alone
    ("000106040000000500010604000000ff", errors.DUP_FIELD),       # reg3 twice
    ("0003020400000000", errors.BAD_FIELD),                       # unknown NXM class
])
def test_bad_nxm_matches(entries, error):
    assert error_of(nxm_flow_mod(entries)) == error


def test_nxm_cookie_twice_is_a_duplicate():
    cookie = "00013c08" "0000000000000001"
    assert error_of(nxm_flow_mod(cookie + cookie)) == errors.DUP_FIELD


def test_flow_mod_command_and_flags_are_checked():
    data = bytearray(oxm_flow_mod(""))
    data[25] = 7
    assert error_of(bytes(data)) == errors.FLOW_MOD_BAD_COMMAND
    data = bytearray(oxm_flow_mod(""))
    data[44:46] = struct.pack("!H", 0x80)
    assert error_of(bytes(data)) == errors.FLOW_MOD_BAD_FLAGS


def test_bundled_message_of_another_version():
    inner = oxm_flow_mod("", version=5)
    body = struct.pack("!I2xH", 1, 0) + inner
    data = struct.pack("!BBHI", 6, 34, 8 + len(body), 9) + body
    assert error_of(data) == errors.BUNDLE_BAD_VERSION
    body = struct.pack("!I2xH", 1, 0) + inner[:-8]
    data = struct.pack("!BBHI", 5, 34, 8 + len(body), 9) + body
    assert error_of(data) == errors.BUNDLE_MSG_BAD_LEN


# ---- error numbering per version --------------------------------------------------------

REQUEST_10 = m.BarrierRequest(version=1, xid=7, raw=bytes.fromhex("0112000800000007"))
REQUEST_13 = m.BarrierRequest(version=4, xid=7, raw=bytes.fromhex("0414000800000007"))


@pytest.mark.parametrize("request_message,error,wire", [
    (REQUEST_13, errors.BAD_PREREQ, (4, 9, b"")),
    (REQUEST_10, errors.BAD_PREREQ, (0xB0C2, 0, bytes.fromhex("0000232000010104"))),
    (REQUEST_13, errors.FLOW_MOD_BAD_COMMAND, (5, 6, b"")),
    (REQUEST_10, errors.FLOW_MOD_BAD_COMMAND, (3, 4, b"")),
    (REQUEST_10, errors.BAD_TABLE_ID, (0xB0C2, 0, bytes.fromhex("0000232000010200"))),
    (REQUEST_13, errors.BUNDLE_MSG_FAILED, (0xFFFF, 2313, bytes.fromhex("4f4e4600"))),
    (REQUEST_10, errors.BAD_LEN, (1, 6, b"")),
])
def test_error_replies_use_the_version_numbering(request_message, error, wire):
    reply = codec.error_reply(request_message, error)
    error_type, code, prefix = wire
    assert (reply.type, reply.code) == (error_type, code)
    assert reply.data == prefix + request_message.raw


@pytest.mark.parametrize("request_message", [REQUEST_10, REQUEST_13])
@pytest.mark.parametrize("error", [errors.BAD_PREREQ, errors.FLOW_MOD_BAD_FLAGS,
                                   errors.BUNDLE_MSG_FAILED, errors.BAD_LEN,
                                   errors.NXM_BAD_TYPE])
def test_error_replies_read_back(request_message, error):
    reply = codec.decode(codec.encode(codec.error_reply(request_message, error)))
    expected = error if error.wire(request_message.version) else errors.UNENCODABLE_ERROR
    assert errors.from_wire(reply.version, reply.type, reply.code, reply.data) == (
        expected, request_message.raw)


def test_error_lookup_reads_each_numbering_back():
    assert errors.lookup(1, 1, 260, errors.NX_VENDOR_ID) == errors.BAD_PREREQ
    assert errors.lookup(4, 4, 9) == errors.BAD_PREREQ
    assert errors.lookup(1, 3, 4) == errors.FLOW_MOD_BAD_COMMAND
    assert errors.lookup(4, 0xFFFF, 2300, errors.ONF_VENDOR_ID) == errors.BUNDLE_UNKNOWN
    assert errors.lookup(5, 17, 0) == errors.BUNDLE_UNKNOWN
    assert errors.lookup(1, 1, 5) == errors.BAD_REQUEST_EPERM      # also IS_SLAVE in 1.0
    assert errors.lookup(4, 1, 10) == errors.IS_SLAVE


@pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="needs stock ovs-ofctl")
@pytest.mark.parametrize("request_message,error", [
    (REQUEST_10, errors.BAD_PREREQ), (REQUEST_13, errors.BAD_PREREQ),
    (REQUEST_10, errors.FLOW_MOD_BAD_FLAGS), (REQUEST_13, errors.FLOW_MOD_BAD_FLAGS),
    (REQUEST_13, errors.BUNDLE_MSG_FAILED), (REQUEST_10, errors.BAD_TABLE_ID),
    (REQUEST_13, errors.DUP_FIELD), (REQUEST_10, errors.DUP_FIELD),
])
def test_stock_ofp_print_names_our_error_replies(request_message, error):
    wire = codec.encode(codec.error_reply(request_message, error)).hex()
    printed = subprocess.run(["ovs-ofctl", "ofp-print", wire], capture_output=True,
                             text=True, check=True).stdout
    assert printed.splitlines()[0].endswith(": " + error.name)


# ---- nothing but DecodeError ---------------------------------------------------------------

def _with_length(data: bytes) -> bytes:
    return data[:2] + struct.pack("!H", len(data)) + data[4:]


@pytest.mark.parametrize("hex_bytes", GOLDEN)
def test_truncated_or_padded_golden_messages_raise_only_decode_error(hex_bytes):
    data = bytes.fromhex(hex_bytes)
    variants = [data[:n] if n < 8 else _with_length(data[:n]) for n in range(len(data))]
    variants += [_with_length(data + garbage) for garbage in
                 (b"\0", b"\xff" * 7, b"\0" * 8, bytes.fromhex("80000a0208000000"),
                  bytes(range(16)))]
    for variant in variants:
        try:
            codec.decode(variant)
        except DecodeError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(GOLDEN), st.lists(st.tuples(st.integers(8, 500), st.integers(0, 255)),
                                         min_size=1, max_size=4))
def test_mutated_golden_messages_raise_only_decode_error(hex_bytes, changes):
    data = bytearray(bytes.fromhex(hex_bytes))
    for position, value in changes:
        data[position % len(data)] = value
    data[2:4] = struct.pack("!H", len(data))
    try:
        codec.decode(bytes(data))
    except DecodeError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_random_match_entries_raise_only_decode_error(data):
    try:
        nx_match.decode_entries(data, allow_cookie=True)
    except DecodeError:
        pass
