"""VXLAN and Geneve headers against scapy's independent implementations of RFC 7348 / RFC 8926."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.all import Ether, raw
from scapy.contrib.geneve import GENEVE, GeneveOptions
from scapy.layers.vxlan import VXLAN

from pyvswitch.netdev import tunnel_header as th

INNER = raw(Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02") / (b"x" * 46))


def test_vxlan_golden_bytes():
    assert th.encode_vxlan(0x138F) == bytes.fromhex("0800000000138f00")
    assert th.encode("vxlan", 0x138F) == raw(VXLAN(vni=0x138F, flags=0x08))


def test_geneve_golden_bytes():
    assert th.encode_geneve(1) == bytes.fromhex("0000655800000100")
    assert th.encode("geneve", 1) == raw(GENEVE(vni=1, proto=0x6558))


@given(st.integers(0, (1 << 24) - 1))
def test_vni_round_trips_and_matches_scapy(vni):
    for kind in ("vxlan", "geneve"):
        payload = th.encode(kind, vni) + INNER
        decoded = th.decode(kind, payload)
        assert decoded.vni == vni and payload[decoded.offset:] == INNER
    assert th.decode_vxlan(raw(VXLAN(vni=vni, flags=0x08) / INNER)).vni == vni
    assert th.decode_geneve(raw(GENEVE(vni=vni, proto=0x6558) / INNER)).vni == vni
    assert VXLAN(th.encode_vxlan(vni)).vni == vni
    assert GENEVE(th.encode_geneve(vni)).vni == vni


def test_tunnel_id_is_cut_to_24_bits():
    assert th.decode_vxlan(th.encode_vxlan(0x1_000_005)).vni == 5


def test_geneve_options_are_skipped_and_kept_raw():
    option = GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x01\x00\x02")
    payload = raw(GENEVE(vni=7, proto=0x6558, critical=1, options=[option]) / INNER)
    decoded = th.decode_geneve(payload)
    assert decoded.vni == 7 and decoded.critical and not decoded.oam
    assert decoded.options == raw(option) and len(decoded.options) == 8
    assert payload[decoded.offset:] == INNER
    ours = th.encode_geneve(7, raw(option), critical=True)
    assert ours == payload[:decoded.offset]
    assert GENEVE(ours + INNER).optionlen == 2


def test_malformed_headers_are_rejected():
    assert th.decode_vxlan(b"\x08\x00\x00") is None                     # short
    assert th.decode_vxlan(bytes.fromhex("0000000000000500")) is None   # I flag clear
    assert th.decode_geneve(bytes.fromhex("4000655800000100")) is None  # version 1
    assert th.decode_geneve(bytes.fromhex("0000080000000100")) is None  # not Ethernet
    assert th.decode_geneve(bytes.fromhex("0200655800000100") + b"\0\0\0") is None  # options cut


def test_geneve_options_must_be_whole_words():
    with pytest.raises(ValueError):
        th.encode_geneve(1, b"abc")
