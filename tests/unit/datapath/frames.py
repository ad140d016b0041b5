"""Test frames for datapath actions, and the scapy checks applied to what the actions make."""
import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import NoPayload, raw

from pyvswitch.datapath.execute import execute
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VnetHdr

SRC, DST = "02:00:00:00:00:01", "02:00:00:00:00:02"


def run(frame, actions, vnet=None, in_port=1):
    out = {}
    upcalls = []
    execute([(frame, vnet)], actions, in_port, out, lambda f, c, p: upcalls.append((f, c, p)))
    return out, upcalls


def only_output(out, port=2):
    assert list(out) == [port]
    assert len(out[port]) == 1
    return out[port][0]


def apply(frame, actions, vnet=None) -> bytes:
    """The one frame that `actions` (without their final output) send out of port 2."""
    out, _ = run(frame, list(actions) + [("output", 2)], vnet)
    return only_output(out)[0]


def checksums_ok(frame: bytes) -> bool:
    """Let scapy recompute every checksum of every layer of `frame` (IPv4, TCP, UDP, ICMP,
    ICMPv6 of any type, SCTP's CRC32c) and say whether the frame already carried them all.
    A UDP/IPv4 checksum of 0 ("none") is left as it is."""
    fresh = Ether(frame)
    layer = fresh
    while not isinstance(layer, NoPayload):
        for name in ("chksum", "cksum"):
            if name in layer.fields:
                if isinstance(layer, UDP) and layer.chksum == 0 and IP in fresh:
                    continue
                setattr(layer, name, None)
        layer = layer.payload
    return raw(fresh) == bytes(frame)


def partial_checksum(frame: bytes, l3: int, l4: int, proto: int, csum_offset: int):
    """`frame` as a sender using checksum offload hands it over: the L4 checksum field holds
    the folded pseudo-header sum (IPv4 or IPv6, from the header at `l3`), and the vnet header
    says where the checksum goes."""
    ipv6 = frame[l3] >> 4 == 6
    end = l3 + (40 + struct.unpack_from("!H", frame, l3 + 4)[0] if ipv6
                else struct.unpack_from("!H", frame, l3 + 2)[0])
    addresses = frame[l3 + 8:l3 + 40] if ipv6 else frame[l3 + 12:l3 + 20]
    total = sum(struct.unpack("!%dH" % (len(addresses) // 2), addresses)) + proto + end - l4
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    data = bytearray(frame)
    data[l4 + csum_offset:l4 + csum_offset + 2] = struct.pack("!H", total)
    return bytes(data), VnetHdr(VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, l4, csum_offset)
