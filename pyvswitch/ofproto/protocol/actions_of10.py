"""OpenFlow 1.0 standard actions (OFPAT10_*).

Wire form: 16-bit type, 16-bit length (a multiple of 8), body.  `DECODERS` maps each type to
(fixed body length, decoder).  1.0's VLAN actions push a tag onto an untagged packet
(`mod_vlan_vid`, `mod_vlan_pcp`), so they decode with `push=True`; `strip_vlan` keeps its
1.0 name.  Everything 1.0 lacks travels as Nicira extensions (actions_nicira).
"""
from __future__ import annotations

import struct
from typing import Callable

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.action_errors import BAD_ARGUMENT, BAD_OUT_PORT
from pyvswitch.ofproto.protocol.actions_of11 import (decode_mac, decode_nw_tos, decode_u16,
                                                      decode_u32, of_action)
from pyvswitch.ofproto.protocol.errors import DecodeError

OFPAT10_OUTPUT = 0
OFPAT10_SET_VLAN_VID = 1
OFPAT10_SET_VLAN_PCP = 2
OFPAT10_STRIP_VLAN = 3
OFPAT10_SET_DL_SRC = 4
OFPAT10_SET_DL_DST = 5
OFPAT10_SET_NW_SRC = 6
OFPAT10_SET_NW_DST = 7
OFPAT10_SET_NW_TOS = 8
OFPAT10_SET_TP_SRC = 9
OFPAT10_SET_TP_DST = 10
OFPAT10_ENQUEUE = 11


def pack_output(port: int, max_len: int) -> bytes:
    return of_action(OFPAT10_OUTPUT, struct.pack("!HH", port, max_len))


def pack_enqueue(port: int, queue_id: int) -> bytes:
    return of_action(OFPAT10_ENQUEUE, struct.pack("!H6xI", port, queue_id))


def pack_u8(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!B3x", value))


def pack_u16(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!H2x", value))


def pack_u32(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!I", value))


def pack_mac(action_type: int, mac: int) -> bytes:
    return of_action(action_type, mac.to_bytes(6, "big") + bytes(6))


def pack_strip_vlan() -> bytes:
    return of_action(OFPAT10_STRIP_VLAN, bytes(4))


def _output(body, nested):
    port, max_len = struct.unpack_from("!HH", body)
    if A.OFPP_MAX <= port < A.OFPP_IN_PORT or port == A.OFPP_NONE:
        raise DecodeError(BAD_OUT_PORT, "port %#x is not an output port" % port)
    if port == A.OFPP_CONTROLLER:
        return A.Controller(max_len=max_len, style="output")
    return A.Output(port, max_len)


def _enqueue(body, nested):
    port, queue_id = struct.unpack_from("!H6xI", body)
    if port >= A.OFPP_MAX and port not in (A.OFPP_IN_PORT, A.OFPP_LOCAL):
        raise DecodeError(BAD_OUT_PORT, "enqueue to port %#x" % port)
    return A.Enqueue(port, queue_id)


def _vlan_vid(body, nested):
    vid, = struct.unpack_from("!H", body)
    if vid > 0xFFF:
        raise DecodeError(BAD_ARGUMENT, "VLAN id %d is out of range" % vid)
    return A.SetVlanVid(vid)


def _vlan_pcp(body, nested):
    if body[0] > 7:
        raise DecodeError(BAD_ARGUMENT, "VLAN priority %d is out of range" % body[0])
    return A.SetVlanPcp(body[0])


def _strip_vlan(body, nested):
    return A.StripVlan("strip_vlan")


# type: (fixed body length, decoder)
DECODERS: dict[int, tuple[int, Callable]] = {
    OFPAT10_OUTPUT: (4, _output),
    OFPAT10_SET_VLAN_VID: (4, _vlan_vid),
    OFPAT10_SET_VLAN_PCP: (4, _vlan_pcp),
    OFPAT10_STRIP_VLAN: (4, _strip_vlan),
    OFPAT10_SET_DL_SRC: (12, decode_mac(A.SetEthSrc)),
    OFPAT10_SET_DL_DST: (12, decode_mac(A.SetEthDst)),
    OFPAT10_SET_NW_SRC: (4, decode_u32(A.SetIpv4Src)),
    OFPAT10_SET_NW_DST: (4, decode_u32(A.SetIpv4Dst)),
    OFPAT10_SET_NW_TOS: (4, decode_nw_tos),
    OFPAT10_SET_TP_SRC: (4, decode_u16(A.SetL4SrcPort)),
    OFPAT10_SET_TP_DST: (4, decode_u16(A.SetL4DstPort)),
    OFPAT10_ENQUEUE: (12, _enqueue),
}
