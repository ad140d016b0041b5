"""OpenFlow 1.1-1.5 standard actions (OFPAT11_*, OFPAT12_SET_FIELD, OFPAT15_COPY_FIELD and
OFPAT15_METER).

Wire form: 16-bit type, 16-bit length (a multiple of 8, header included), body.  `DECODERS`
maps each type to (versions that define it, fixed body length or None, decoder).  OpenFlow 1.1
has one action per header rewrite (set_dl_src, set_nw_tos, ...); 1.2 replaced them by
SET_FIELD with an OXM TLV, and 1.5 allowed that TLV to carry a mask and added COPY_FIELD
(the standard form of NXAST_REG_MOVE).  Ports are 32-bit on the wire and 16-bit in ofpacts:
reserved ports 0xfffffff8... map to 0xfff8...; 0xff00..0xfffffff7 cannot be expressed.
"""
from __future__ import annotations

import struct
from typing import Callable, Optional

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import oxm
from pyvswitch.ofproto.protocol.action_errors import (BAD_ARGUMENT, BAD_OUT_PORT,
                                                      BAD_SET_ARGUMENT, BAD_SET_LEN)
from pyvswitch.ofproto.protocol.action_fields import (bits_of, check_subfield,
                                                      field_named_by, header_for, pull_header)
from pyvswitch.ofproto.protocol.errors import BAD_FIELD, BAD_WILDCARDS, DecodeError
from pyvswitch.ofproto.protocol.instructions import meter
from pyvswitch.ofproto.protocol.versions import OFP11, OFP12, OFP15

OFPAT11_OUTPUT = 0
OFPAT11_SET_VLAN_VID = 1
OFPAT11_SET_VLAN_PCP = 2
OFPAT11_SET_DL_SRC = 3
OFPAT11_SET_DL_DST = 4
OFPAT11_SET_NW_SRC = 5
OFPAT11_SET_NW_DST = 6
OFPAT11_SET_NW_TOS = 7
OFPAT11_SET_NW_ECN = 8
OFPAT11_SET_TP_SRC = 9
OFPAT11_SET_TP_DST = 10
OFPAT11_SET_MPLS_LABEL = 13
OFPAT11_SET_MPLS_TC = 14
OFPAT11_SET_MPLS_TTL = 15
OFPAT11_DEC_MPLS_TTL = 16
OFPAT11_PUSH_VLAN = 17
OFPAT11_POP_VLAN = 18
OFPAT11_PUSH_MPLS = 19
OFPAT11_POP_MPLS = 20
OFPAT11_SET_QUEUE = 21
OFPAT11_GROUP = 22
OFPAT11_SET_NW_TTL = 23
OFPAT11_DEC_NW_TTL = 24
OFPAT12_SET_FIELD = 25
OFPAT15_COPY_FIELD = 28
OFPAT15_METER = 29

_ACTION_HEADER = struct.Struct("!HH")
_OF11_RESERVED_OFFSET = 0xFFFF0000
VLAN_ETHERTYPES = (0x8100, 0x88A8)
MPLS_ETHERTYPES = (0x8847, 0x8848)


def padded(length: int) -> int:
    return (length + 7) // 8 * 8


def of_action(action_type: int, body: bytes) -> bytes:
    """An OpenFlow action: type, length, body, zero padding to a multiple of 8."""
    length = padded(_ACTION_HEADER.size + len(body))
    data = _ACTION_HEADER.pack(action_type, length) + body
    return data + bytes(length - len(data))


def port_to_wire(port: int) -> int:
    return port + _OF11_RESERVED_OFFSET if port >= A.OFPP_MAX else port


def port_from_wire(wire_port: int) -> int:
    if wire_port < A.OFPP_MAX:
        return wire_port
    if wire_port >= _OF11_RESERVED_OFFSET + A.OFPP_IN_PORT:
        return wire_port - _OF11_RESERVED_OFFSET
    raise DecodeError(BAD_OUT_PORT, "port %#x is not an output port" % wire_port)


# ---- packers -------------------------------------------------------------------------

def pack_output(port: int, max_len: int) -> bytes:
    return of_action(OFPAT11_OUTPUT, struct.pack("!IH6x", port_to_wire(port), max_len))


def pack_u8(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!B3x", value))


def pack_u16(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!H2x", value))


def pack_u32(action_type: int, value: int) -> bytes:
    return of_action(action_type, struct.pack("!I", value))


def pack_mac(action_type: int, mac: int) -> bytes:
    return of_action(action_type, mac.to_bytes(6, "big") + bytes(6))


def pack_empty(action_type: int) -> bytes:
    return of_action(action_type, bytes(4))


def pack_set_field(field: str, value: int, mask: Optional[int], version: int) -> bytes:
    """OFPAT12_SET_FIELD; `mask` None for the whole field (masks need OpenFlow 1.5)."""
    return of_action(OFPAT12_SET_FIELD, set_field_tlv(field, value, mask, version))


def set_field_tlv(field: str, value: int, mask: Optional[int], version: int) -> bytes:
    header = header_for(field, version, hasmask=mask is not None)
    n_bytes = header.value_length
    tlv = header.pack() + value.to_bytes(n_bytes, "big")
    if mask is not None:
        tlv += mask.to_bytes(n_bytes, "big")
    return tlv


def pack_copy_field(move: A.Move, version: int) -> bytes:
    body = (struct.pack("!HHH2x", move.src.n_bits, move.src.ofs, move.dst.ofs)
            + header_for(move.src.field, version).pack()
            + header_for(move.dst.field, version).pack())
    return of_action(OFPAT15_COPY_FIELD, body)


# ---- decoders ------------------------------------------------------------------------

def pull_set_field(data: bytes, offset: int, masked_ok: bool) -> tuple[A.SetField, int]:
    """The SET_FIELD / REG_LOAD2 TLV at data[offset:]: (SetField, offset after it)."""
    header = oxm.unpack_header(data, offset)
    if header is None:
        raise DecodeError(BAD_SET_LEN, "truncated set_field header")
    field = field_named_by(header)
    if field is None or (header.hasmask and header.length % 2 and header.experimenter is None):
        raise DecodeError(BAD_SET_LEN, "set_field of an unknown field or with a bad length")
    # Open vSwitch sets in_port only through the 16-bit NXM_OF_IN_PORT, not OXM_OF_IN_PORT.
    if not field.writable or (field.name == "in_port" and header.value_length != 2):
        raise DecodeError(BAD_SET_ARGUMENT, "%s is not writable by set_field" % field.name)
    if header.hasmask and not masked_ok:
        raise DecodeError(BAD_SET_ARGUMENT, "masked set_field needs OpenFlow 1.5")
    start = offset + header.size
    n_bytes = header.value_length
    end = start + n_bytes * (2 if header.hasmask else 1)
    if end > len(data):
        raise DecodeError(BAD_SET_LEN, "set_field %s overruns the action" % field.name)
    value = int.from_bytes(data[start:start + n_bytes], "big")
    width = bits_of(field.name, header)
    everything = (1 << width) - 1
    mask = int.from_bytes(data[start + n_bytes:end], "big") if header.hasmask else everything
    if value & ~everything or mask & ~everything:
        raise DecodeError(BAD_SET_ARGUMENT, "set_field %s value %#x/%#x out of range"
                          % (field.name, value, mask))
    if value & ~mask:
        raise DecodeError(BAD_WILDCARDS, "set_field %s value %#x has bits outside mask %#x"
                          % (field.name, value, mask))
    return A.SetField(field.name, value, mask), end


def _set_field(version: int):
    def decode(body, nested):
        action, end = pull_set_field(body, 0, masked_ok=version >= OFP15)
        if padded(4 + end) != 4 + len(body):
            raise DecodeError(BAD_SET_LEN, "set_field action length does not fit its TLV")
        if any(body[end:]):
            raise DecodeError(BAD_SET_ARGUMENT, "set_field with nonzero padding")
        return action
    return decode


def _copy_field(body, nested):
    n_bits, src_ofs, dst_ofs = struct.unpack_from("!HHH", body)
    src_header, src_name, after = pull_header(body, 8, unknown=BAD_FIELD)
    dst_header, dst_name, after = pull_header(body, after, unknown=BAD_FIELD)
    if src_header.hasmask or dst_header.hasmask:
        raise DecodeError(BAD_ARGUMENT, "copy_field with a masked field")
    if any(body[after:]) or padded(4 + after) != 4 + len(body):
        raise DecodeError(BAD_ARGUMENT, "copy_field with trailing bytes")
    src, dst = A.Subfield(src_name, src_ofs, n_bits), A.Subfield(dst_name, dst_ofs, n_bits)
    check_subfield(src, src_header)
    check_subfield(dst, dst_header)
    return A.Move(src, dst)


def _output(body, nested):
    wire_port, max_len = struct.unpack_from("!IH", body)
    port = port_from_wire(wire_port)
    if port == A.OFPP_NONE:
        raise DecodeError(BAD_OUT_PORT, "output to ANY")
    if port == A.OFPP_CONTROLLER:
        return A.Controller(max_len=max_len, style="output")
    return A.Output(port, max_len)


def _checked(value: int, limit: int, what: str) -> int:
    if value > limit:
        raise DecodeError(BAD_ARGUMENT, "%s %d is out of range" % (what, value))
    return value


def _set_vlan_vid(body, nested):
    return A.SetVlanVid(_checked(struct.unpack_from("!H", body)[0], 0xFFF, "VLAN id"),
                        push=False)


def _set_vlan_pcp(body, nested):
    return A.SetVlanPcp(_checked(body[0], 7, "VLAN priority"), push=False)


def decode_mac(cls):
    def decode(body, nested):
        return cls(int.from_bytes(body[:6], "big"))
    return decode


def decode_u32(cls):
    def decode(body, nested):
        return cls(struct.unpack_from("!I", body)[0])
    return decode


def decode_u16(cls):
    def decode(body, nested):
        return cls(struct.unpack_from("!H", body)[0])
    return decode


def decode_nw_tos(body, nested):
    if body[0] & 3:
        raise DecodeError(BAD_ARGUMENT, "nw_tos %#x has ECN bits" % body[0])
    return A.SetIpDscp(body[0])


def _nw_ecn(body, nested):
    return A.SetIpEcn(_checked(body[0], 3, "ECN"))


def _u8(cls):
    def decode(body, nested):
        return cls(body[0])
    return decode


def _mpls_label(body, nested):
    return A.SetMplsLabel(_checked(struct.unpack_from("!I", body)[0], 0xFFFFF, "MPLS label"))


def _mpls_tc(body, nested):
    return A.SetMplsTc(_checked(body[0], 7, "MPLS TC"))


def _ethertype(cls, allowed):
    def decode(body, nested):
        ethertype, = struct.unpack_from("!H", body)
        if allowed and ethertype not in allowed:
            raise DecodeError(BAD_ARGUMENT, "ethertype %#06x" % ethertype)
        return cls(ethertype)
    return decode


def _meter(body, nested):
    return meter(struct.unpack_from("!I", body)[0])


def _constant(value):
    def decode(body, nested):
        return value
    return decode


# Open vSwitch decodes OpenFlow 1.1's own header-rewrite actions in later versions too.
_ALL_11 = frozenset(range(OFP11, OFP15 + 1))

# type: (versions, fixed body length or None, decoder)
DECODERS: dict[int, tuple[frozenset, Optional[int], Callable]] = {
    OFPAT11_OUTPUT: (_ALL_11, 12, _output),
    OFPAT11_SET_VLAN_VID: (_ALL_11, 4, _set_vlan_vid),
    OFPAT11_SET_VLAN_PCP: (_ALL_11, 4, _set_vlan_pcp),
    OFPAT11_SET_DL_SRC: (_ALL_11, 12, decode_mac(A.SetEthSrc)),
    OFPAT11_SET_DL_DST: (_ALL_11, 12, decode_mac(A.SetEthDst)),
    OFPAT11_SET_NW_SRC: (_ALL_11, 4, decode_u32(A.SetIpv4Src)),
    OFPAT11_SET_NW_DST: (_ALL_11, 4, decode_u32(A.SetIpv4Dst)),
    OFPAT11_SET_NW_TOS: (_ALL_11, 4, decode_nw_tos),
    OFPAT11_SET_NW_ECN: (_ALL_11, 4, _nw_ecn),
    OFPAT11_SET_TP_SRC: (_ALL_11, 4, decode_u16(A.SetL4SrcPort)),
    OFPAT11_SET_TP_DST: (_ALL_11, 4, decode_u16(A.SetL4DstPort)),
    OFPAT11_SET_MPLS_LABEL: (_ALL_11, 4, _mpls_label),
    OFPAT11_SET_MPLS_TC: (_ALL_11, 4, _mpls_tc),
    OFPAT11_SET_MPLS_TTL: (_ALL_11, 4, _u8(A.SetMplsTtl)),
    OFPAT11_DEC_MPLS_TTL: (_ALL_11, 4, _constant(A.DecMplsTtl())),
    OFPAT11_PUSH_VLAN: (_ALL_11, 4, _ethertype(A.PushVlan, VLAN_ETHERTYPES)),
    OFPAT11_POP_VLAN: (_ALL_11, 4, _constant(A.StripVlan("pop_vlan"))),
    OFPAT11_PUSH_MPLS: (_ALL_11, 4, _ethertype(A.PushMpls, MPLS_ETHERTYPES)),
    OFPAT11_POP_MPLS: (_ALL_11, 4, _ethertype(A.PopMpls, ())),
    OFPAT11_SET_QUEUE: (_ALL_11, 4, decode_u32(A.SetQueue)),
    OFPAT11_GROUP: (_ALL_11, 4, decode_u32(A.Group)),
    OFPAT11_SET_NW_TTL: (_ALL_11, 4, _u8(A.SetIpTtl)),
    OFPAT11_DEC_NW_TTL: (_ALL_11, 4, _constant(A.DecTtl())),
    OFPAT12_SET_FIELD: (frozenset(range(OFP12, OFP15)), None, _set_field(OFP12)),
    OFPAT15_COPY_FIELD: (frozenset({OFP15}), None, _copy_field),
    OFPAT15_METER: (frozenset({OFP15}), 4, _meter),
}
# OpenFlow 1.5's SET_FIELD also accepts masks.
SET_FIELD_15 = (frozenset({OFP15}), None, _set_field(OFP15))
MIN_BODY = {OFPAT12_SET_FIELD: 4, OFPAT15_COPY_FIELD: 12}


def decoder_for(action_type: int, version: int):
    if action_type == OFPAT12_SET_FIELD and version == OFP15:
        return SET_FIELD_15
    entry = DECODERS.get(action_type)
    if entry is None or version not in entry[0]:
        return None
    return entry

