"""Port numbers and port descriptions (ofp_phy_port / ofp_port) in every OpenFlow version.

Port numbers are kept in Open vSwitch's 16-bit space whatever the version: ordinary ports are
1..0xfeff and the reserved ports are 0xfff8 (IN_PORT) .. 0xffff (ANY, called NONE in 1.0).
OpenFlow 1.1+ carries 32-bit numbers, whose reserved ports are the same values + 0xffff0000;
32-bit numbers between 0xff00 and 0xfffffeff have no 16-bit equivalent and are rejected.

`PortDesc` is one port's description, version-independent; `encode_port`/`decode_port`
convert it for one version:
  * 1.0: struct ofp_phy_port, 48 bytes, no speed fields (speeds follow from the features);
  * 1.1-1.3: struct ofp11_port, 64 bytes;
  * 1.4-1.5: struct ofp14_port, 40 bytes + properties, of which we write and read the
    Ethernet property (type 0) and skip any other.
Names occupy 16 bytes with a terminating NUL, so at most 15 characters travel.
"""
from __future__ import annotations

import dataclasses
import struct

from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol.errors import BAD_LEN, BAD_PORT, DecodeError
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP14

OFPP_MAX = 0xff00
OFPP_IN_PORT = 0xfff8
OFPP_TABLE = 0xfff9
OFPP_NORMAL = 0xfffa
OFPP_FLOOD = 0xfffb
OFPP_ALL = 0xfffc
OFPP_CONTROLLER = 0xfffd
OFPP_LOCAL = 0xfffe
OFPP_ANY = 0xffff

RESERVED_PORT_NAMES = {OFPP_IN_PORT: "IN_PORT", OFPP_TABLE: "TABLE", OFPP_NORMAL: "NORMAL",
                       OFPP_FLOOD: "FLOOD", OFPP_ALL: "ALL", OFPP_CONTROLLER: "CONTROLLER",
                       OFPP_LOCAL: "LOCAL", OFPP_ANY: "ANY"}

_OF11_RESERVED_OFFSET = 0xffff0000

PORT_NAME_LEN = 16
_PHY_PORT_10 = struct.Struct("!H6s16sIIIIII")
_PORT_11 = struct.Struct("!I4x6s2x16sIIIIIIII")
_PORT_14 = struct.Struct("!IH2x6s2x16sII")
_PORT_14_ETHERNET_PROP = struct.Struct("!HH4xIIIIII")
_PROP_HEADER = struct.Struct("!HH")
_OFPPDPT_ETHERNET = 0


def port_to_wire32(port_no: int) -> int:
    return port_no + _OF11_RESERVED_OFFSET if port_no >= OFPP_MAX else port_no


def port_from_wire32(wire_port: int) -> int:
    if wire_port < OFPP_MAX:
        return wire_port
    if wire_port >= _OF11_RESERVED_OFFSET + OFPP_MAX:
        return wire_port - _OF11_RESERVED_OFFSET
    raise DecodeError(BAD_PORT, "port %#x is outside the range OpenFlow 1.0 can express"
                      % wire_port)


@dataclasses.dataclass(frozen=True)
class PortDesc:
    port_no: int
    hw_addr: bytes
    name: str
    config: f.PortConfig = f.PortConfig(0)
    state: f.PortState = f.PortState(0)
    curr: f.PortFeatures = f.PortFeatures(0)
    advertised: f.PortFeatures = f.PortFeatures(0)
    supported: f.PortFeatures = f.PortFeatures(0)
    peer: f.PortFeatures = f.PortFeatures(0)
    curr_speed: int = 0  # kbit/s
    max_speed: int = 0   # kbit/s


def _encode_name(name: str) -> bytes:
    return name.encode("utf-8")[:PORT_NAME_LEN - 1]


def _decode_name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _state_to_wire(version: int, state: int) -> int:
    mask = f.PORT_STATE_WIRE_10_MASK if version == OFP10 else f.PORT_STATE_WIRE_11_MASK
    return state & mask


def _state_from_wire(version: int, wire_state: int) -> f.PortState:
    mask = f.PORT_STATE_WIRE_10_MASK if version == OFP10 else f.PORT_STATE_WIRE_11_MASK
    return f.PortState(wire_state & mask)


def port_desc_size(version: int) -> int:
    """Bytes one PortDesc takes on the wire in `version`."""
    if version == OFP10:
        return _PHY_PORT_10.size
    if version < OFP14:
        return _PORT_11.size
    return _PORT_14.size + _PORT_14_ETHERNET_PROP.size


def encode_port(version: int, port: PortDesc) -> bytes:
    name = _encode_name(port.name)
    if version == OFP10:
        features = f.PORT_FEATURES_WIRE_10.to_wire
        return _PHY_PORT_10.pack(port.port_no, port.hw_addr, name,
                                 f.PORT_CONFIG_WIRE_10.to_wire(port.config),
                                 _state_to_wire(version, port.state),
                                 features(port.curr), features(port.advertised),
                                 features(port.supported), features(port.peer))
    features = f.PORT_FEATURES_WIRE_11.to_wire
    config = f.PORT_CONFIG_WIRE_11.to_wire(port.config)
    state = _state_to_wire(version, port.state)
    if version < OFP14:
        return _PORT_11.pack(port_to_wire32(port.port_no), port.hw_addr, name, config, state,
                             features(port.curr), features(port.advertised),
                             features(port.supported), features(port.peer),
                             port.curr_speed, port.max_speed)
    ethernet = _PORT_14_ETHERNET_PROP.pack(
        _OFPPDPT_ETHERNET, _PORT_14_ETHERNET_PROP.size, features(port.curr),
        features(port.advertised), features(port.supported), features(port.peer),
        port.curr_speed, port.max_speed)
    return _PORT_14.pack(port_to_wire32(port.port_no), _PORT_14.size + len(ethernet),
                         port.hw_addr, name, config, state) + ethernet


def decode_port(version: int, data: bytes, offset: int = 0) -> tuple[PortDesc, int]:
    """Decodes the port description at `offset`; returns it and the offset just past it."""
    if version == OFP10:
        return _decode_port_10(data, offset)
    if version < OFP14:
        return _decode_port_11(data, offset)
    return _decode_port_14(data, offset)


def _need(data: bytes, offset: int, size: int) -> None:
    if len(data) - offset < size:
        raise DecodeError(BAD_LEN, "port description truncated")


def _decode_port_10(data: bytes, offset: int) -> tuple[PortDesc, int]:
    _need(data, offset, _PHY_PORT_10.size)
    (port_no, hw_addr, name, config, state, curr, advertised, supported,
     peer) = _PHY_PORT_10.unpack_from(data, offset)
    features = f.PORT_FEATURES_WIRE_10.from_wire
    curr, supported = features(curr), features(supported)
    port = PortDesc(port_no, hw_addr, _decode_name(name),
                    f.PORT_CONFIG_WIRE_10.from_wire(config), _state_from_wire(OFP10, state),
                    curr, features(advertised), supported, features(peer),
                    f.features_speed_kbps(curr), f.features_speed_kbps(supported))
    return port, offset + _PHY_PORT_10.size


def _decode_port_11(data: bytes, offset: int) -> tuple[PortDesc, int]:
    _need(data, offset, _PORT_11.size)
    (port_no, hw_addr, name, config, state, curr, advertised, supported, peer,
     curr_speed, max_speed) = _PORT_11.unpack_from(data, offset)
    features = f.PORT_FEATURES_WIRE_11.from_wire
    port = PortDesc(port_from_wire32(port_no), hw_addr, _decode_name(name),
                    f.PORT_CONFIG_WIRE_11.from_wire(config), _state_from_wire(OFP11, state),
                    features(curr), features(advertised), features(supported),
                    features(peer), curr_speed, max_speed)
    return port, offset + _PORT_11.size


def _decode_port_14(data: bytes, offset: int) -> tuple[PortDesc, int]:
    _need(data, offset, _PORT_14.size)
    port_no, length, hw_addr, name, config, state = _PORT_14.unpack_from(data, offset)
    if length < _PORT_14.size or length % 8 or len(data) - offset < length:
        raise DecodeError(BAD_LEN, "bad port description length %d" % length)
    end = offset + length
    ethernet = (0, 0, 0, 0, 0, 0)
    position = offset + _PORT_14.size
    while position < end:
        _need(data[:end], position, _PROP_HEADER.size)
        prop_type, prop_len = _PROP_HEADER.unpack_from(data, position)
        padded = (prop_len + 7) // 8 * 8
        if prop_len < _PROP_HEADER.size or position + padded > end:
            raise DecodeError(BAD_LEN, "bad port property length %d" % prop_len)
        if prop_type == _OFPPDPT_ETHERNET:
            if prop_len != _PORT_14_ETHERNET_PROP.size:
                raise DecodeError(BAD_LEN, "bad Ethernet port property length %d" % prop_len)
            ethernet = _PORT_14_ETHERNET_PROP.unpack_from(data, position)[2:]
        position += padded
    curr, advertised, supported, peer, curr_speed, max_speed = ethernet
    features = f.PORT_FEATURES_WIRE_11.from_wire
    port = PortDesc(port_from_wire32(port_no), hw_addr, _decode_name(name),
                    f.PORT_CONFIG_WIRE_11.from_wire(config), _state_from_wire(OFP14, state),
                    features(curr), features(advertised), features(supported),
                    features(peer), curr_speed, max_speed)
    return port, end


def decode_ports(version: int, data: bytes, offset: int = 0) -> tuple[PortDesc, ...]:
    """Every port description from `offset` to the end of `data`."""
    ports = []
    while offset < len(data):
        port, offset = decode_port(version, data, offset)
        ports.append(port)
    return tuple(ports)
