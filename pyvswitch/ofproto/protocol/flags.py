"""Bit-flag fields whose wire layout differs between OpenFlow versions.

Each field has one version-independent ("abstract") IntFlag, used everywhere above the wire,
and a `WireMap` per version that translates it to and from that version's bits.  Bits a
version does not define are dropped in both directions, as Open vSwitch does: a switch never
sends them and a receiver ignores them.

  * `Capabilities`: ofp_switch_features.capabilities.
  * `PortConfig`: a port's administrative settings, laid out as OpenFlow 1.0 lays them out
    (1.1+ keeps only PORT_DOWN, NO_RECV, NO_FWD, NO_PACKET_IN at the same positions).
  * `PortState`: LINK_DOWN/BLOCKED/LIVE plus the OpenFlow 1.0 two-bit STP state at bits 8-9.
  * `PortFeatures`: link modes, laid out as OpenFlow 1.1+ lays them out; OpenFlow 1.0 lacks
    40GB/100GB/1TB/OTHER, so its medium and autonegotiation bits sit 4 bits lower.
  * `Of10Actions`: the OpenFlow 1.0 features-reply action bitmap (wire layout; 1.0 only).
"""
from __future__ import annotations

import enum

from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP13, OFP14, OFP15


class Capabilities(enum.IntFlag):
    FLOW_STATS = 1 << 0
    TABLE_STATS = 1 << 1
    PORT_STATS = 1 << 2
    GROUP_STATS = 1 << 3
    STP = 1 << 4
    IP_REASM = 1 << 5
    QUEUE_STATS = 1 << 6
    ARP_MATCH_IP = 1 << 7
    PORT_BLOCKED = 1 << 8
    BUNDLES = 1 << 9
    FLOW_MONITORING = 1 << 10


class PortConfig(enum.IntFlag):
    PORT_DOWN = 1 << 0
    NO_STP = 1 << 1
    NO_RECV = 1 << 2
    NO_RECV_STP = 1 << 3
    NO_FLOOD = 1 << 4
    NO_FWD = 1 << 5
    NO_PACKET_IN = 1 << 6


class PortState(enum.IntFlag):
    LINK_DOWN = 1 << 0
    BLOCKED = 1 << 1
    LIVE = 1 << 2
    STP_LEARN = 1 << 8
    STP_FORWARD = 2 << 8


# The OpenFlow 1.0 STP state is a 2-bit number, not two flags: 0 listen, 1 learn, 2 forward,
# 3 block.
STP_STATE_MASK = 3 << 8
STP_BLOCK = 3 << 8


class PortFeatures(enum.IntFlag):
    RATE_10MB_HD = 1 << 0
    RATE_10MB_FD = 1 << 1
    RATE_100MB_HD = 1 << 2
    RATE_100MB_FD = 1 << 3
    RATE_1GB_HD = 1 << 4
    RATE_1GB_FD = 1 << 5
    RATE_10GB_FD = 1 << 6
    RATE_40GB_FD = 1 << 7
    RATE_100GB_FD = 1 << 8
    RATE_1TB_FD = 1 << 9
    OTHER = 1 << 10
    COPPER = 1 << 11
    FIBER = 1 << 12
    AUTONEG = 1 << 13
    PAUSE = 1 << 14
    PAUSE_ASYM = 1 << 15


class Of10Actions(enum.IntFlag):
    OUTPUT = 1 << 0
    SET_VLAN_VID = 1 << 1
    SET_VLAN_PCP = 1 << 2
    STRIP_VLAN = 1 << 3
    SET_DL_SRC = 1 << 4
    SET_DL_DST = 1 << 5
    SET_NW_SRC = 1 << 6
    SET_NW_DST = 1 << 7
    SET_NW_TOS = 1 << 8
    SET_TP_SRC = 1 << 9
    SET_TP_DST = 1 << 10
    ENQUEUE = 1 << 11


class WireMap:
    """Translates one abstract IntFlag type to and from one version's wire bits."""

    def __init__(self, flag_type: type[enum.IntFlag], pairs: list[tuple[int, int]]):
        self._flag_type = flag_type
        self._pairs = pairs  # (abstract bits, wire bits)

    def to_wire(self, value: int) -> int:
        return sum(wire for abstract, wire in self._pairs if value & abstract == abstract)

    def from_wire(self, wire_value: int) -> enum.IntFlag:
        return self._flag_type(sum(abstract for abstract, wire in self._pairs
                                   if wire_value & wire == wire))


def _identity(flag_type, flags) -> WireMap:
    return WireMap(flag_type, [(int(flag), int(flag)) for flag in flags])


_C = Capabilities
_CAPS_COMMON = [(_C.FLOW_STATS, 1 << 0), (_C.TABLE_STATS, 1 << 1), (_C.PORT_STATS, 1 << 2),
                (_C.IP_REASM, 1 << 5), (_C.QUEUE_STATS, 1 << 6)]
_CAPS_12 = _CAPS_COMMON + [(_C.GROUP_STATS, 1 << 3), (_C.PORT_BLOCKED, 1 << 8)]
_CAPS_14 = _CAPS_12 + [(_C.BUNDLES, 1 << 9), (_C.FLOW_MONITORING, 1 << 10)]
CAPABILITIES_WIRE = {
    OFP10: WireMap(Capabilities, _CAPS_COMMON + [(_C.STP, 1 << 3), (_C.ARP_MATCH_IP, 1 << 7)]),
    OFP11: WireMap(Capabilities, _CAPS_COMMON + [(_C.GROUP_STATS, 1 << 3),
                                                 (_C.ARP_MATCH_IP, 1 << 7)]),
    OFP12: WireMap(Capabilities, _CAPS_12),
    OFP13: WireMap(Capabilities, _CAPS_12),
    OFP14: WireMap(Capabilities, _CAPS_14),
    OFP15: WireMap(Capabilities, _CAPS_14),
}

_P = PortConfig
PORT_CONFIG_WIRE_10 = _identity(PortConfig, list(PortConfig))
PORT_CONFIG_WIRE_11 = _identity(PortConfig, [_P.PORT_DOWN, _P.NO_RECV, _P.NO_FWD,
                                             _P.NO_PACKET_IN])

# OpenFlow 1.0 carries LINK_DOWN and the STP state number; 1.1+ carries LINK_DOWN, BLOCKED, LIVE.
PORT_STATE_WIRE_10_MASK = PortState.LINK_DOWN | STP_STATE_MASK
PORT_STATE_WIRE_11_MASK = PortState.LINK_DOWN | PortState.BLOCKED | PortState.LIVE

_F = PortFeatures
PORT_FEATURES_WIRE_10 = WireMap(PortFeatures, [
    (_F.RATE_10MB_HD, 1 << 0), (_F.RATE_10MB_FD, 1 << 1), (_F.RATE_100MB_HD, 1 << 2),
    (_F.RATE_100MB_FD, 1 << 3), (_F.RATE_1GB_HD, 1 << 4), (_F.RATE_1GB_FD, 1 << 5),
    (_F.RATE_10GB_FD, 1 << 6), (_F.COPPER, 1 << 7), (_F.FIBER, 1 << 8),
    (_F.AUTONEG, 1 << 9), (_F.PAUSE, 1 << 10), (_F.PAUSE_ASYM, 1 << 11)])
PORT_FEATURES_WIRE_11 = _identity(PortFeatures, list(PortFeatures))

OF10_ACTIONS_WIRE = _identity(Of10Actions, list(Of10Actions))

# Link rates in kbit/s (OpenFlow's unit for curr_speed/max_speed), fastest first.
_RATES_KBPS = [(_F.RATE_1TB_FD, 1_000_000_000), (_F.RATE_100GB_FD, 100_000_000),
               (_F.RATE_40GB_FD, 40_000_000), (_F.RATE_10GB_FD, 10_000_000),
               (_F.RATE_1GB_FD | _F.RATE_1GB_HD, 1_000_000),
               (_F.RATE_100MB_FD | _F.RATE_100MB_HD, 100_000),
               (_F.RATE_10MB_FD | _F.RATE_10MB_HD, 10_000)]


def features_speed_kbps(features: int) -> int:
    """The fastest rate among `features`, in kbit/s (0 if none): how a port's curr_speed and
    max_speed follow from its current and supported features."""
    for rates, kbps in _RATES_KBPS:
        if features & rates:
            return kbps
    return 0


# What a virtual Ethernet device (veth, tap) reports through ethtool, and hence what Open
# vSwitch shows as such a port's current features.
VIRTUAL_ETHERNET_FEATURES = PortFeatures.RATE_10GB_FD | PortFeatures.COPPER
