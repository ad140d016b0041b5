"""Software checksum completion and GSO segmentation, checked against scapy."""
import pytest
from hypothesis import given, settings, strategies as st
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

import pyvswitch  # noqa: F401
from pyvswitch.netdev.base import (
    VNET_HDR_F_NEEDS_CSUM,
    VNET_HDR_GSO_ECN,
    VNET_HDR_GSO_TCPV4,
    VNET_HDR_GSO_TCPV6,
    VNET_HDR_GSO_UDP,
    VNET_HDR_GSO_UDP_L4,
    VnetHdr,
)
from pyvswitch.netdev.offload import (
    OffloadError,
    complete_checksum,
    ones_complement_sum,
    segment,
    software_offload,
    vnet_hdr_from_bytes,
    vnet_hdr_shifted,
    vnet_hdr_to_bytes,
)

ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def naive_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = 0
    for i in range(0, len(data), 2):
        total += (data[i] << 8) | data[i + 1]
        total = (total & 0xFFFF) + (total >> 16)
    return total


def pseudo_header_sum(pkt, l4_len: int, proto: int) -> int:
    if IP in pkt:
        from socket import AF_INET, inet_pton
        addrs = inet_pton(AF_INET, pkt[IP].src) + inet_pton(AF_INET, pkt[IP].dst)
    else:
        from socket import AF_INET6, inet_pton
        addrs = inet_pton(AF_INET6, pkt[IPv6].src) + inet_pton(AF_INET6, pkt[IPv6].dst)
    return naive_sum(addrs + proto.to_bytes(4, "big") + l4_len.to_bytes(4, "big"))


def make_partial(pkt, l4_layer, csum_offset: int):
    """(frame with only the pseudo-header sum in the L4 checksum, its VnetHdr, the correct frame)."""
    correct = bytes(pkt)
    parsed = Ether(correct)
    l4_start = len(correct) - len(bytes(parsed[l4_layer]))
    proto = 6 if l4_layer is TCP else 17
    partial = bytearray(correct)
    partial[l4_start + csum_offset:l4_start + csum_offset + 2] = pseudo_header_sum(
        parsed, len(correct) - l4_start, proto).to_bytes(2, "big")
    hdr = VnetHdr(flags=VNET_HDR_F_NEEDS_CSUM, csum_start=l4_start, csum_offset=csum_offset)
    return bytes(partial), hdr, correct


def assert_l4_checksum_valid(seg: Ether):
    layer = TCP if TCP in seg else UDP
    got = seg[layer].chksum
    clone = seg.copy()
    del clone[layer].chksum
    assert Ether(bytes(clone))[layer].chksum == got


def assert_ipv4_checksum_valid(seg: Ether):
    clone = seg.copy()
    del clone[IP].chksum
    assert Ether(bytes(clone))[IP].chksum == seg[IP].chksum


@pytest.mark.parametrize("pkt,layer,offset", [
    (ETH / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, flags="PA") / Raw(b"x" * 101), TCP, 16),
    (ETH / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"hello"), UDP, 6),
    (ETH / Dot1Q(vlan=5) / IPv6(src="fe80::1", dst="fe80::2") / TCP() / Raw(b"abc" * 9), TCP, 16),
    (ETH / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP() / Raw(bytes(range(200))), UDP, 6),
])
def test_complete_checksum_matches_scapy(pkt, layer, offset):
    partial, hdr, correct = make_partial(pkt, layer, offset)
    assert partial != correct
    assert complete_checksum(partial, hdr) == correct
    assert software_offload(partial, hdr) == [correct]


def test_frames_without_offload_pass_unchanged():
    frame = bytes(ETH / IP() / UDP() / Raw(b"x"))
    assert software_offload(frame, None) == [frame]
    assert software_offload(frame, VnetHdr(flags=2)) == [frame]


def tcp_super_frame(payload_len: int, mss: int, *, v6=False, vlan=False, flags="PA", ecn=False):
    l3 = (IPv6(src="2001:db8::1", dst="2001:db8::2") if v6
          else IP(src="192.168.1.1", dst="192.168.1.2", id=0xFFFE, flags="DF"))
    l2 = ETH / Dot1Q(vlan=7) if vlan else ETH
    payload = bytes((i * 7) & 0xFF for i in range(payload_len))
    pkt = l2 / l3 / TCP(sport=5000, dport=80, seq=0xFFFFF000, ack=77, flags=flags,
                        options=[("NOP", None), ("NOP", None), ("Timestamp", (1, 2))]) / Raw(payload)
    partial, hdr, _ = make_partial(pkt, TCP, 16)
    gso_type = VNET_HDR_GSO_TCPV6 if v6 else VNET_HDR_GSO_TCPV4
    if ecn:
        gso_type |= VNET_HDR_GSO_ECN
    return partial, hdr._replace(gso_type=gso_type, gso_size=mss, hdr_len=len(partial)), payload


@pytest.mark.parametrize("v6,vlan", [(False, False), (True, False), (False, True), (True, True)])
def test_tcp_segmentation(v6, vlan):
    frame, hdr, payload = tcp_super_frame(5000, 1448, v6=v6, vlan=vlan, flags="FPAC", ecn=True)
    segments = [Ether(s) for s in segment(frame, hdr)]
    assert len(segments) == 4
    seq = 0xFFFFF000
    data = b""
    for index, seg in enumerate(segments):
        tcp = seg[TCP]
        chunk = bytes(tcp.payload)
        assert len(chunk) == (1448 if index < 3 else 5000 - 3 * 1448)
        assert tcp.seq == (seq + len(data)) & 0xFFFFFFFF
        assert tcp.ack == 77
        last, first = index == 3, index == 0
        assert bool(tcp.flags.F) == last and bool(tcp.flags.P) == last
        assert bool(tcp.flags.C) == first
        assert tcp.flags.A
        assert_l4_checksum_valid(seg)
        if v6:
            assert seg[IPv6].plen == len(bytes(seg[TCP]))
        else:
            assert seg[IP].len == 20 + len(bytes(seg[TCP]))
            assert seg[IP].id == (0xFFFE + index) & 0xFFFF
            assert seg[IP].flags == "DF"
            assert_ipv4_checksum_valid(seg)
        assert (Dot1Q in seg) == vlan
        data += chunk
    assert data == payload


def udp_super_frame(payload_len: int, mss: int, v6=False):
    l3 = IPv6(src="2001:db8::1", dst="2001:db8::2") if v6 else IP(src="10.1.1.1", dst="10.1.1.2", id=9)
    payload = bytes((i * 13) & 0xFF for i in range(payload_len))
    partial, hdr, _ = make_partial(ETH / l3 / UDP(sport=53, dport=5353) / Raw(payload), UDP, 6)
    return partial, hdr._replace(gso_type=VNET_HDR_GSO_UDP_L4, gso_size=mss), payload


@pytest.mark.parametrize("v6", [False, True])
def test_udp_segmentation(v6):
    frame, hdr, payload = udp_super_frame(3000, 1200, v6)
    segments = [Ether(s) for s in software_offload(frame, hdr)]
    assert [len(bytes(s[UDP].payload)) for s in segments] == [1200, 1200, 600]
    for index, seg in enumerate(segments):
        assert seg[UDP].len == 8 + len(bytes(seg[UDP].payload))
        assert (seg[UDP].sport, seg[UDP].dport) == (53, 5353)
        assert_l4_checksum_valid(seg)
        if not v6:
            assert seg[IP].id == 9 + index
            assert_ipv4_checksum_valid(seg)
    assert b"".join(bytes(s[UDP].payload) for s in segments) == payload


def test_super_frame_smaller_than_one_segment_becomes_one_checksummed_frame():
    frame, hdr, payload = tcp_super_frame(100, 1448)
    (seg,) = [Ether(s) for s in segment(frame, hdr)]
    assert bytes(seg[TCP].payload) == payload
    assert seg[TCP].flags == "PA"
    assert_l4_checksum_valid(seg)


def test_ufo_and_garbage_are_rejected():
    frame, hdr, _ = udp_super_frame(3000, 1200)
    with pytest.raises(OffloadError):
        segment(frame, hdr._replace(gso_type=VNET_HDR_GSO_UDP))
    with pytest.raises(OffloadError):
        segment(b"\x02" * 12 + b"\x08\x06" + bytes(28), VnetHdr(gso_type=VNET_HDR_GSO_TCPV4, gso_size=100))
    with pytest.raises(OffloadError):
        segment(frame[:20], hdr)


@settings(max_examples=40, deadline=None)
@given(payload_len=st.integers(1, 9000), mss=st.integers(64, 3000), v6=st.booleans())
def test_tcp_segments_reassemble_to_the_payload(payload_len, mss, v6):
    frame, hdr, payload = tcp_super_frame(payload_len, mss, v6=v6)
    segments = [Ether(s) for s in segment(frame, hdr)]
    assert len(segments) == -(-payload_len // mss)
    assert b"".join(bytes(s[TCP].payload) for s in segments) == payload
    for seg in segments:
        assert_l4_checksum_valid(seg)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 0x1FFFF))
def test_ones_complement_sum_matches_word_by_word_sum(data, initial):
    assert ones_complement_sum(data, initial) == naive_sum(data + b"\0" * (len(data) % 2)
                                                          + initial.to_bytes(4, "big"))


def test_vnet_header_codec():
    hdr = VnetHdr(flags=1, gso_type=VNET_HDR_GSO_TCPV4, hdr_len=66, gso_size=1448, csum_start=34,
                  csum_offset=16)
    raw = vnet_hdr_to_bytes(hdr)
    assert len(raw) == 10
    assert vnet_hdr_from_bytes(raw) == hdr
    assert vnet_hdr_to_bytes(None) == bytes(10)
    assert raw[:2] == b"\x01\x01" and int.from_bytes(raw[8:10], "little") == 16
    assert vnet_hdr_shifted(hdr, 4) == hdr._replace(hdr_len=70, csum_start=38)
    assert vnet_hdr_shifted(VnetHdr(flags=2), 4) == VnetHdr(flags=2)


def test_udp_checksum_that_sums_to_zero_is_sent_as_ffff():
    def udp_with(word: bytes):
        return ETH / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=7, dport=7) / Raw(word + b"payload!")

    base = Ether(bytes(udp_with(b"\0\0")))[UDP].chksum
    # Placing that checksum (the complement of the sum) in the payload makes the sum 0xffff.
    pkt = udp_with((base if base != 0xFFFF else 0).to_bytes(2, "big"))
    partial, hdr, correct = make_partial(pkt, UDP, 6)
    assert Ether(correct)[UDP].chksum == 0xFFFF
    assert complete_checksum(partial, hdr) == correct
    (seg,) = segment(partial, hdr._replace(gso_type=VNET_HDR_GSO_UDP_L4, gso_size=1000))
    assert seg == correct
