"""The rtnetlink codec behind link state, MTU, MAC and counters."""
import errno
import struct

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.netdev.linkinfo import IFF_RUNNING, IFF_UP, decode_reply, encode_getlink, encode_setlink


def nlattr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + bytes(-length % 4)


def nlmsg(kind, seq, body):
    return struct.pack("=IHHII", 16 + len(body), kind, 0, seq, 0) + body


def newlink(seq, *, index=7, flags=IFF_UP | IFF_RUNNING, stats=True):
    body = struct.pack("=BxHiII", 0, 1, index, flags, 0xFFFFFFFF)
    body += nlattr(3, b"veth0\0") + nlattr(4, struct.pack("=I", 9000))
    body += nlattr(1, bytes.fromhex("020000000007"))
    body += nlattr(99, b"unknown attribute")
    if stats:
        body += nlattr(23, struct.pack("=24Q", *range(1, 25)))
    return nlmsg(16, seq, body)


def test_getlink_request_by_name_and_index():
    request = encode_getlink(5, name="p0")
    length, kind, flags, seq, _ = struct.unpack_from("=IHHII", request)
    assert (length, kind, flags, seq) == (len(request), 18, 1, 5)
    assert request[32:] == nlattr(3, b"p0\0")
    assert struct.unpack_from("=i", encode_getlink(6, ifindex=42), 20)[0] == 42


def test_setlink_request_carries_only_the_changes():
    request = encode_setlink(9, 3, mtu=1400, up=False)
    _, kind, flags, _, _ = struct.unpack_from("=IHHII", request)
    assert (kind, flags) == (16, 1 | 4)
    _, _, index, ifi_flags, change = struct.unpack_from("=BxHiII", request, 16)
    assert (index, ifi_flags, change) == (3, 0, IFF_UP)
    assert request[32:] == nlattr(4, struct.pack("=I", 1400))
    assert encode_setlink(9, 3, mac=b"\x02" * 6)[32:] == nlattr(1, b"\x02" * 6)


def test_decode_newlink():
    link = decode_reply(newlink(4, flags=IFF_UP), 4)
    assert (link.ifindex, link.name, link.mtu, link.mac) == (7, "veth0", 9000, bytes.fromhex("020000000007"))
    assert (link.admin_state, link.link_state) == ("up", "down")
    s = link.stats
    assert (s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes) == (1, 2, 3, 4)
    assert (s.rx_errors, s.tx_errors, s.rx_dropped, s.tx_dropped, s.collisions) == (5, 6, 7, 8, 10)
    assert decode_reply(newlink(4, stats=False, flags=0), 4).link_state == "down"


def test_decode_skips_other_sequence_numbers_and_raises_kernel_errors():
    assert decode_reply(newlink(3, index=1) + newlink(4, index=2), 4).ifindex == 2
    with pytest.raises(OSError) as e:
        decode_reply(nlmsg(2, 8, struct.pack("=i", -errno.ENODEV) + bytes(16)), 8)
    assert e.value.errno == errno.ENODEV
    assert decode_reply(nlmsg(2, 8, struct.pack("=i", 0) + bytes(16)), 8) is None
    with pytest.raises(OSError):
        decode_reply(b"", 1)
