"""The wire codec for actions and instructions: ofpact tuples <-> OpenFlow 1.0-1.5 bytes.

    encode_actions(version, actions) -> bytes      an action list (1.0 flow_mod body,
                                                   apply/write-actions, clone)
    decode_actions(version, data) -> tuple
    encode_instructions(version, actions) -> bytes 1.1+ instructions from the flat tuple
    decode_instructions(version, data) -> tuple    the flat tuple (see instructions.py)

In OpenFlow 1.0 a flow has no instructions, so the instruction functions fall back to the
action-list ones, where Open vSwitch's 1.0 forms apply: goto_table becomes
resubmit(,N), write_metadata NXAST_WRITE_METADATA, and clear/write-actions are dropped.
Decoding still checks the instruction order there, as Open vSwitch does: an action after
write_metadata is OFPBAC_UNSUPPORTED_ORDER (even though its own encoder writes one for
`write_metadata:1,goto_table:2`).

Encoding follows Open vSwitch's choice of wire form per version: `ENCODERS` maps each ofpact
class to a function of (action, version, ip_proto) returning bytes, which picks among the
standard 1.0 actions (actions_of10), the 1.1+ ones (actions_of11) and the Nicira extensions
(actions_nicira).  The principal choices: header rewrites are OFPAT10/11 actions in 1.0/1.1
and SET_FIELD from 1.2; `load` is NXAST_REG_LOAD up to 1.4 and SET_FIELD (masked if partial)
in 1.5, `move` NXAST_REG_MOVE up to 1.4 and COPY_FIELD in 1.5; a masked set_field before 1.5
becomes one NXAST_REG_LOAD per contiguous run of mask bits; `mod_vlan_vid` pushes a tag
first in 1.1+; `enqueue` is set_queue, output, pop_queue in 1.1+; an output to CONTROLLER is
OFPAT_OUTPUT unless it needs NXAST_CONTROLLER or NXAST_CONTROLLER2.

Decoding yields the ofpact that prints back as Open vSwitch prints what it received (Load for
NXAST_REG_LOAD, SetField for SET_FIELD, StripVlan("pop_vlan") for OFPAT11_POP_VLAN, ...).
Malformed or unsupported input raises DecodeError with the OFPET_BAD_ACTION or
OFPET_BAD_INSTRUCTION code Open vSwitch answers with, and nothing else.  An ofpact with no
form in the requested version raises UnencodableAction.

`ip_proto` (keyword, default TCP) tells which of tcp_/udp_/sctp_src and _dst a mod_tp_src or
mod_tp_dst becomes as a 1.2+ SET_FIELD: the flow's match decides that, not the action.
"""
from __future__ import annotations

import struct
from typing import Callable

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import actions_nicira as NX
from pyvswitch.ofproto.protocol import actions_of10 as OF10
from pyvswitch.ofproto.protocol import actions_of11 as OF11
from pyvswitch.ofproto.protocol import instructions
from pyvswitch.ofproto.protocol.action_errors import (BAD_ACTION_LEN, BAD_ACTION_TYPE,
                                                      BAD_VENDOR, BAD_VENDOR_TYPE,
                                                      UNSUPPORTED_ORDER, UnencodableAction,
                                                      not_in_version)
from pyvswitch.ofproto.protocol.action_fields import contiguous_runs, full_mask
from pyvswitch.ofproto.protocol.errors import DecodeError
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP15

__all__ = ["encode_actions", "decode_actions", "encode_instructions", "decode_instructions",
           "UnencodableAction", "DecodeError"]

IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_SCTP = 132
_L4_PREFIX = {IPPROTO_TCP: "tcp", IPPROTO_UDP: "udp", IPPROTO_SCTP: "sctp"}
_ACTION_HEADER = struct.Struct("!HH")
_OFPAT_VENDOR = 0xFFFF


# ---- encoding ------------------------------------------------------------------------

def encode_actions(version: int, actions: tuple, *, ip_proto: int = IPPROTO_TCP) -> bytes:
    return b"".join(_encode_one(action, version, ip_proto) for action in actions)


def encode_instructions(version: int, actions: tuple, *, ip_proto: int = IPPROTO_TCP) -> bytes:
    if version == OFP10:
        return encode_actions(version, actions, ip_proto=ip_proto)
    return instructions.encode(
        version, actions, lambda listed: encode_actions(version, listed, ip_proto=ip_proto))


def _encode_one(action, version: int, ip_proto: int) -> bytes:
    encoder = ENCODERS.get(type(action))
    if encoder is None:
        raise UnencodableAction("%s has no wire form" % type(action).__name__)
    return encoder(action, version, ip_proto)


def _by_version(of10: Callable, of11: Callable, of12: Callable = None) -> Callable:
    """An encoder that calls of10, of11 or of12 (default: of11) by version."""
    def encode(action, version, ip_proto):
        if version == OFP10:
            return of10(action, version, ip_proto)
        if version == OFP11 or of12 is None:
            return of11(action, version, ip_proto)
        return of12(action, version, ip_proto)
    return encode


def _set_field_of(field: str, value_of: Callable) -> Callable:
    """A 1.2+ encoder: the action as a whole-field SET_FIELD."""
    def encode(action, version, ip_proto):
        return OF11.pack_set_field(field, value_of(action), None, version)
    return encode


def _reg_loads(field: str, value: int, mask: int) -> bytes:
    """One NXAST_REG_LOAD per contiguous run of `mask` (at most 64 bits each)."""
    return b"".join(NX.pack_reg_load(A.Subfield(field, ofs, n_bits),
                                     value >> ofs & ((1 << n_bits) - 1))
                    for ofs, n_bits in contiguous_runs(mask))


def _output(action, version, ip_proto):
    if version == OFP10:
        return OF10.pack_output(action.port, action.max_len)
    return OF11.pack_output(action.port, action.max_len)


def _controller(action, version, ip_proto):
    plain = (action.style == "output" and action.reason == A.OFPR_ACTION
             and action.controller_id == 0 and NX.controller_fits_v1(action))
    if plain:
        return _output(A.Output(A.OFPP_CONTROLLER, action.max_len), version, ip_proto)
    return NX.pack_controller(action)


def _enqueue(action, version, ip_proto):
    if version == OFP10:
        return OF10.pack_enqueue(action.port, action.queue_id)
    return (OF11.pack_u32(OF11.OFPAT11_SET_QUEUE, action.queue_id)
            + OF11.pack_output(action.port, 0xFFFF) + NX.pack_empty(NX.NXAST_POP_QUEUE))


def _push_vlan_first(action, version) -> bytes:
    return OF11.pack_u16(OF11.OFPAT11_PUSH_VLAN, 0x8100) if action.push else b""


def _vlan_vid(action, version, ip_proto):
    if version == OFP10:
        return OF10.pack_u16(OF10.OFPAT10_SET_VLAN_VID, action.vid)
    if version == OFP11:
        return _push_vlan_first(action, version) + OF11.pack_u16(OF11.OFPAT11_SET_VLAN_VID,
                                                                 action.vid)
    return _push_vlan_first(action, version) + OF11.pack_set_field(
        "vlan_vid", action.vid | 0x1000, None, version)


def _vlan_pcp(action, version, ip_proto):
    if version == OFP10:
        return OF10.pack_u8(OF10.OFPAT10_SET_VLAN_PCP, action.pcp)
    if version == OFP11:
        return _push_vlan_first(action, version) + OF11.pack_u8(OF11.OFPAT11_SET_VLAN_PCP,
                                                                action.pcp)
    return _push_vlan_first(action, version) + OF11.pack_set_field("vlan_pcp", action.pcp,
                                                                   None, version)


def _strip_vlan(action, version, ip_proto):
    if version == OFP10:
        return OF10.pack_strip_vlan()
    return OF11.pack_empty(OF11.OFPAT11_POP_VLAN)


def _push_vlan(action, version, ip_proto):
    if version == OFP10:
        raise not_in_version("OXM,OpenFlow11", version)
    return OF11.pack_u16(OF11.OFPAT11_PUSH_VLAN, action.ethertype)


def _mac(of10_type: int, of11_type: int, field: str) -> Callable:
    return _by_version(lambda a, v, p: OF10.pack_mac(of10_type, a.mac),
                       lambda a, v, p: OF11.pack_mac(of11_type, a.mac),
                       _set_field_of(field, lambda a: a.mac))


def _ipv4(of10_type: int, of11_type: int, field: str) -> Callable:
    return _by_version(lambda a, v, p: OF10.pack_u32(of10_type, a.ip),
                       lambda a, v, p: OF11.pack_u32(of11_type, a.ip),
                       _set_field_of(field, lambda a: a.ip))


def _l4_port(of10_type: int, of11_type: int, which: str) -> Callable:
    def as_set_field(action, version, ip_proto):
        field = "%s_%s" % (_L4_PREFIX.get(ip_proto, "tcp"), which)
        return OF11.pack_set_field(field, action.port, None, version)
    return _by_version(lambda a, v, p: OF10.pack_u16(of10_type, a.port),
                       lambda a, v, p: OF11.pack_u16(of11_type, a.port), as_set_field)


def _ip_ecn(action, version, ip_proto):
    if version == OFP10:
        return _reg_loads("nw_ecn", action.ecn, full_mask("nw_ecn"))
    if version == OFP11:
        return OF11.pack_u8(OF11.OFPAT11_SET_NW_ECN, action.ecn)
    return OF11.pack_set_field("nw_ecn", action.ecn, None, version)


def _ip_ttl(action, version, ip_proto):
    if version == OFP10:
        return _reg_loads("nw_ttl", action.ttl, full_mask("nw_ttl"))
    return OF11.pack_u8(OF11.OFPAT11_SET_NW_TTL, action.ttl)


def _dec_ttl(action, version, ip_proto):
    plain = not action.explicit_ids and action.controller_ids == (0,)
    if version == OFP10 or not plain:
        return NX.pack_dec_ttl(action)
    return OF11.pack_empty(OF11.OFPAT11_DEC_NW_TTL)


# set_field fields that OpenFlow 1.0 and 1.1 carry as one of their own actions.
_LEGACY_SET_FIELD = {
    "dl_src": lambda value: A.SetEthSrc(value),
    "dl_dst": lambda value: A.SetEthDst(value),
    "nw_src": lambda value: A.SetIpv4Src(value),
    "nw_dst": lambda value: A.SetIpv4Dst(value),
    "ip_dscp": lambda value: A.SetIpDscp(value << 2),
    "nw_tos": lambda value: A.SetIpDscp(value),
    "nw_ecn": lambda value: A.SetIpEcn(value),
    "nw_ttl": lambda value: A.SetIpTtl(value),
    "tcp_src": lambda value: A.SetL4SrcPort(value),
    "udp_src": lambda value: A.SetL4SrcPort(value),
    "sctp_src": lambda value: A.SetL4SrcPort(value),
    "tcp_dst": lambda value: A.SetL4DstPort(value),
    "udp_dst": lambda value: A.SetL4DstPort(value),
    "sctp_dst": lambda value: A.SetL4DstPort(value),
    "vlan_vid": lambda value: A.SetVlanVid(value & 0xFFF, push=False),
    "vlan_pcp": lambda value: A.SetVlanPcp(value, push=False),
}


def _sets_whole_field(action) -> bool:
    """Whether a set_field covers every bit its field has in an action (the registry's
    value bits, as many as the NXM header carries: 6 of nw_tos's 8, 16 of in_port's 32)."""
    return not F.FIELDS[action.field].value_mask & full_mask(action.field) & ~action.mask


def _set_field(action, version, ip_proto):
    whole = _sets_whole_field(action)
    if version <= OFP11:
        legacy = _LEGACY_SET_FIELD.get(action.field)
        if legacy is not None:
            return _encode_one(legacy(action.value & action.mask), version, ip_proto)
        if whole:
            # As Open vSwitch, a whole-field load covers the header's bits, not only the
            # registry's (NXM_OF_ARP_OP[] rather than NXM_OF_ARP_OP[0..7]).
            return _reg_loads(action.field, action.value, full_mask(action.field))
        return _reg_loads(action.field, action.value, action.mask)
    if whole:
        return OF11.pack_set_field(action.field, action.value, None, version)
    if version >= OFP15:
        return OF11.pack_set_field(action.field, action.value, action.mask, version)
    return _reg_loads(action.field, action.value, action.mask)


def _load(action, version, ip_proto):
    dst = action.dst
    mask = ((1 << dst.n_bits) - 1) << dst.ofs
    if version < OFP15:
        return _reg_loads(dst.field, action.value << dst.ofs, mask)
    if mask == full_mask(dst.field):
        return OF11.pack_set_field(dst.field, action.value, None, version)
    return OF11.pack_set_field(dst.field, action.value << dst.ofs, mask, version)


def _move(action, version, ip_proto):
    if version >= OFP15:
        return OF11.pack_copy_field(action, version)
    return NX.pack_reg_move(action)


def _set_tunnel(action, version, ip_proto):
    if version >= OFP12:
        return OF11.pack_set_field("tun_id", action.tun_id, None, version)
    return NX.pack_set_tunnel(action.tun_id, action.wide)


def _resubmit(action, version, ip_proto):
    in_port = A.OFPP_IN_PORT if action.in_port == A.OFPP_UNSET else action.in_port
    return NX.pack_resubmit(in_port, action.table_id, action.with_ct_orig)


def _clone(action, version, ip_proto):
    return NX.pack_clone(encode_actions(version, action.actions, ip_proto=ip_proto))


def _meter(action, version, ip_proto):
    if version >= OFP15:
        return OF11.pack_u32(OF11.OFPAT15_METER, action.meter_id)
    if version < 4:
        raise not_in_version("OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15", version)
    raise UnencodableAction("meter is an instruction in OpenFlow 1.3 and 1.4, not an action")


def _instruction_only(name: str) -> Callable:
    def encode(action, version, ip_proto):
        raise UnencodableAction("%s is an instruction, not an action, in OpenFlow 1.1+" % name)
    return encode


def _dropped_in_of10(name: str) -> Callable:
    """clear_actions and write_actions: Open vSwitch leaves them out of 1.0 flows."""
    return _by_version(lambda a, v, p: b"", _instruction_only(name))


def _nx(pack: Callable) -> Callable:
    return lambda action, version, ip_proto: pack(action)


ENCODERS: dict[type, Callable] = {
    A.Output: _output,
    A.Controller: _controller,
    A.Enqueue: _enqueue,
    A.OutputReg: _nx(NX.pack_output_reg),
    A.OutputTrunc: _nx(NX.pack_output_trunc),
    A.Group: _by_version(lambda a, v, p: NX.pack_u32(NX.NXAST_GROUP, a.group_id),
                         lambda a, v, p: OF11.pack_u32(OF11.OFPAT11_GROUP, a.group_id)),
    A.SetVlanVid: _vlan_vid,
    A.SetVlanPcp: _vlan_pcp,
    A.StripVlan: _strip_vlan,
    A.PushVlan: _push_vlan,
    A.PushMpls: _by_version(
        lambda a, v, p: NX.pack_ethertype(NX.NXAST_PUSH_MPLS, a.ethertype),
        lambda a, v, p: OF11.pack_u16(OF11.OFPAT11_PUSH_MPLS, a.ethertype)),
    A.PopMpls: _by_version(
        lambda a, v, p: NX.pack_ethertype(NX.NXAST_POP_MPLS, a.ethertype),
        lambda a, v, p: OF11.pack_u16(OF11.OFPAT11_POP_MPLS, a.ethertype)),
    A.SetMplsLabel: _by_version(
        lambda a, v, p: NX.pack_mpls_label(a.label),
        lambda a, v, p: OF11.pack_u32(OF11.OFPAT11_SET_MPLS_LABEL, a.label),
        _set_field_of("mpls_label", lambda a: a.label)),
    A.SetMplsTc: _by_version(
        lambda a, v, p: NX.pack_u8(NX.NXAST_SET_MPLS_TC, a.tc),
        lambda a, v, p: OF11.pack_u8(OF11.OFPAT11_SET_MPLS_TC, a.tc),
        _set_field_of("mpls_tc", lambda a: a.tc)),
    A.SetMplsTtl: _by_version(
        lambda a, v, p: NX.pack_u8(NX.NXAST_SET_MPLS_TTL, a.ttl),
        lambda a, v, p: OF11.pack_u8(OF11.OFPAT11_SET_MPLS_TTL, a.ttl)),
    A.DecMplsTtl: _by_version(
        lambda a, v, p: NX.pack_empty(NX.NXAST_DEC_MPLS_TTL),
        lambda a, v, p: OF11.pack_empty(OF11.OFPAT11_DEC_MPLS_TTL)),
    A.SetEthSrc: _mac(OF10.OFPAT10_SET_DL_SRC, OF11.OFPAT11_SET_DL_SRC, "dl_src"),
    A.SetEthDst: _mac(OF10.OFPAT10_SET_DL_DST, OF11.OFPAT11_SET_DL_DST, "dl_dst"),
    A.SetIpv4Src: _ipv4(OF10.OFPAT10_SET_NW_SRC, OF11.OFPAT11_SET_NW_SRC, "nw_src"),
    A.SetIpv4Dst: _ipv4(OF10.OFPAT10_SET_NW_DST, OF11.OFPAT11_SET_NW_DST, "nw_dst"),
    A.SetIpDscp: _by_version(lambda a, v, p: OF10.pack_u8(OF10.OFPAT10_SET_NW_TOS, a.tos),
                             lambda a, v, p: OF11.pack_u8(OF11.OFPAT11_SET_NW_TOS, a.tos),
                             _set_field_of("ip_dscp", lambda a: a.tos >> 2)),
    A.SetIpEcn: _ip_ecn,
    A.SetIpTtl: _ip_ttl,
    A.DecTtl: _dec_ttl,
    A.SetL4SrcPort: _l4_port(OF10.OFPAT10_SET_TP_SRC, OF11.OFPAT11_SET_TP_SRC, "src"),
    A.SetL4DstPort: _l4_port(OF10.OFPAT10_SET_TP_DST, OF11.OFPAT11_SET_TP_DST, "dst"),
    A.SetField: _set_field,
    A.Load: _load,
    A.Move: _move,
    A.SetTunnel: _set_tunnel,
    A.SetQueue: _by_version(lambda a, v, p: NX.pack_u32(NX.NXAST_SET_QUEUE, a.queue_id),
                            lambda a, v, p: OF11.pack_u32(OF11.OFPAT11_SET_QUEUE, a.queue_id)),
    A.PopQueue: _nx(lambda a: NX.pack_empty(NX.NXAST_POP_QUEUE)),
    A.Resubmit: _resubmit,
    A.Clone: _clone,
    A.StackPush: _nx(lambda a: NX.pack_stack(NX.NXAST_STACK_PUSH, a.src)),
    A.StackPop: _nx(lambda a: NX.pack_stack(NX.NXAST_STACK_POP, a.dst)),
    A.Exit: _nx(lambda a: NX.pack_empty(NX.NXAST_EXIT)),
    A.Note: _nx(lambda a: NX.pack_note(a.data)),
    A.Conjunction: _nx(NX.pack_conjunction),
    A.FinTimeout: _nx(NX.pack_fin_timeout),
    A.CheckPktLarger: _nx(NX.pack_check_pkt_larger),
    A.Sample: _nx(NX.pack_sample),
    A.Multipath: _nx(NX.pack_multipath),
    A.Bundle: _nx(NX.pack_bundle),
    A.Learn: _nx(NX.pack_learn),
    A.Meter: _meter,
    A.ClearActions: _dropped_in_of10("clear_actions"),
    A.WriteActions: _dropped_in_of10("write_actions"),
    A.WriteMetadata: _by_version(lambda a, v, p: NX.pack_write_metadata(a.value, a.mask),
                                 _instruction_only("write_metadata")),
    A.GotoTable: _by_version(
        lambda a, v, p: NX.pack_resubmit(A.OFPP_IN_PORT, a.table_id, False),
        _instruction_only("goto_table")),
}


# ---- decoding ------------------------------------------------------------------------

def decode_actions(version: int, data: bytes) -> tuple:
    decoded = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 8:
            raise DecodeError(BAD_ACTION_LEN, "truncated action")
        action_type, length = _ACTION_HEADER.unpack_from(data, offset)
        if length < 8 or length % 8 or offset + length > len(data):
            raise DecodeError(BAD_ACTION_LEN, "action length %d" % length)
        body = bytes(data[offset + _ACTION_HEADER.size:offset + length])
        try:
            decoded.append(_decode_one(version, action_type, body))
        except struct.error as error:
            raise DecodeError(BAD_ACTION_LEN, str(error)) from None
        offset += length
    return tuple(decoded)


def decode_instructions(version: int, data: bytes) -> tuple:
    if version == OFP10:
        actions = decode_actions(version, data)
        try:
            instructions.split(actions)
        except ValueError as error:
            raise DecodeError(UNSUPPORTED_ORDER, str(error)) from None
        return actions
    return instructions.decode(version, data, lambda listed: decode_actions(version, listed))


def _decode_one(version: int, action_type: int, body: bytes):
    def nested(listed: bytes) -> tuple:
        return decode_actions(version, listed)

    if action_type == _OFPAT_VENDOR:
        return _decode_vendor(version, body, nested)
    if version == OFP10:
        entry = OF10.DECODERS.get(action_type)
        if entry is None:
            raise DecodeError(BAD_ACTION_TYPE, "unknown OpenFlow 1.0 action %d" % action_type)
        fixed, decoder = entry
    else:
        entry = OF11.decoder_for(action_type, version)
        if entry is None:
            raise DecodeError(BAD_ACTION_TYPE, "unknown action %d" % action_type)
        _, fixed, decoder = entry
        if fixed is None and len(body) < OF11.MIN_BODY[action_type]:
            raise DecodeError(BAD_ACTION_LEN, "action %d is too short" % action_type)
    if fixed is not None and len(body) != fixed:
        raise DecodeError(BAD_ACTION_LEN, "action %d with a %d-byte body"
                          % (action_type, len(body)))
    return decoder(body, nested)


def _decode_vendor(version: int, body: bytes, nested):
    vendor, = struct.unpack_from("!I", body)
    if vendor != NX.NX_VENDOR_ID:
        raise DecodeError(BAD_VENDOR, "unknown action vendor %#x" % vendor)
    if len(body) < 12:
        raise DecodeError(BAD_ACTION_LEN, "Nicira action shorter than 16 bytes")
    subtype, = struct.unpack_from("!H", body, 4)
    entry = NX.DECODERS.get(subtype)
    if entry is None or (version != OFP10 and subtype in NX.OF10_ONLY):
        raise DecodeError(BAD_VENDOR_TYPE, "unknown Nicira action %d" % subtype)
    fixed, decoder = entry
    rest = body[6:]
    if fixed is not None and len(rest) != fixed:
        raise DecodeError(BAD_ACTION_LEN, "Nicira action %d with a %d-byte body"
                          % (subtype, len(rest)))
    if fixed is None and len(rest) < NX.MIN_BODY[subtype]:
        raise DecodeError(BAD_ACTION_LEN, "Nicira action %d is too short" % subtype)
    return decoder(rest, nested)
