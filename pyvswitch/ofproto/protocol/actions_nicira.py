"""Nicira extension actions (NXAST_*): vendor 0x00002320 actions, the same in every version.

Wire form: type 0xffff, length, vendor 0x00002320, 16-bit subtype, body, zero padding to a
multiple of 8.  `DECODERS` maps each subtype to (fixed body length or None for variable,
decoder); a decoder gets the bytes after the subtype (padding included) and a `nested`
callable that decodes an embedded action list (clone).  The `pack_*` functions build each
action; choosing which NXAST (or OpenFlow action) represents an ofpact in a version is the
facade's job (actions_wire).  Fields are named by their NXM-preferred header
(action_fields.nx_header_for), as Open vSwitch does in every version.
"""
from __future__ import annotations

import struct
from typing import Callable, Optional

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.action_errors import (BAD_ACTION_LEN, BAD_ARGUMENT,
                                                      BAD_OUT_PORT, BAD_SET_TYPE)
from pyvswitch.ofproto.protocol.action_fields import (check_subfield, nx_header_for,
                                                      pack_ofs_nbits, pull_header,
                                                      subfield_header, unpack_ofs_nbits)
from pyvswitch.ofproto.protocol.actions_of11 import MPLS_ETHERTYPES, pull_set_field
from pyvswitch.ofproto.protocol.errors import BAD_FIELD, MUST_BE_ZERO, DecodeError

NX_VENDOR_ID = 0x00002320
OUTPUT_TRUNC_MIN_LEN = 14      # a truncated packet keeps at least its Ethernet header
OFPAT_VENDOR = 0xFFFF
_NX_HEADER = struct.Struct("!HHIH")      # type, length, vendor, subtype

NXAST_RESUBMIT = 1
NXAST_SET_TUNNEL = 2
NXAST_SET_QUEUE = 4
NXAST_POP_QUEUE = 5
NXAST_REG_MOVE = 6
NXAST_REG_LOAD = 7
NXAST_NOTE = 8
NXAST_SET_TUNNEL64 = 9
NXAST_MULTIPATH = 10
NXAST_BUNDLE = 12
NXAST_BUNDLE_LOAD = 13
NXAST_RESUBMIT_TABLE = 14
NXAST_OUTPUT_REG = 15
NXAST_LEARN = 16
NXAST_EXIT = 17
NXAST_DEC_TTL = 18
NXAST_FIN_TIMEOUT = 19
NXAST_CONTROLLER = 20
NXAST_DEC_TTL_CNT_IDS = 21
NXAST_WRITE_METADATA = 22
NXAST_PUSH_MPLS = 23
NXAST_POP_MPLS = 24
NXAST_SET_MPLS_TTL = 25
NXAST_DEC_MPLS_TTL = 26
NXAST_STACK_PUSH = 27
NXAST_STACK_POP = 28
NXAST_SAMPLE = 29
NXAST_SET_MPLS_LABEL = 30
NXAST_SET_MPLS_TC = 31
NXAST_OUTPUT_REG2 = 32
NXAST_REG_LOAD2 = 33
NXAST_CONJUNCTION = 34
NXAST_CONTROLLER2 = 37
NXAST_SAMPLE2 = 38
NXAST_OUTPUT_TRUNC = 39
NXAST_SAMPLE3 = 41
NXAST_CLONE = 42
NXAST_RESUBMIT_TABLE_CT = 44
NXAST_LEARN2 = 45
NXAST_GROUP = 40
NXAST_CHECK_PKT_LARGER = 49

TABLE_CURRENT = 0xFF
_IN_PORT_HEADER = 0x00000002     # NXM_OF_IN_PORT: bundle members are OpenFlow ports

HASH_FIELDS = ("eth_src", "symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp", "nw_src",
               "nw_dst", "symmetric_l3")
MULTIPATH_ALGORITHMS = ("modulo_n", "hash_threshold", "hrw", "iter_hash")
BUNDLE_ALGORITHMS = ("active_backup", "hrw")
SAMPLE_DIRECTIONS = ("default", "ingress", "egress")

# NXAST_CONTROLLER2 property types.
_CONTROLLER2_MAX_LEN = 0
_CONTROLLER2_CONTROLLER_ID = 1
_CONTROLLER2_REASON = 2
_CONTROLLER2_USERDATA = 3
_CONTROLLER2_PAUSE = 4
_CONTROLLER2_METER_ID = 5

# learn spec header bits.
_LEARN_SRC_IMMEDIATE = 1 << 13
_LEARN_DST_SHIFT = 11
_LEARN_KINDS = ("match", "load", "output")


def padded(length: int) -> int:
    return (length + 7) // 8 * 8


def nx_action(subtype: int, body: bytes) -> bytes:
    length = padded(_NX_HEADER.size + len(body))
    data = _NX_HEADER.pack(OFPAT_VENDOR, length, NX_VENDOR_ID, subtype) + body
    return data + bytes(length - len(data))


def _header_words(field: str) -> bytes:
    return nx_header_for(field).pack()


def _subfield(word: int, data: bytes, offset: int) -> tuple[A.Subfield, int]:
    """The subfield named by ofs_nbits `word` and the header at data[offset:]."""
    header, name, after = pull_header(data, offset)
    ofs, n_bits = unpack_ofs_nbits(word)
    subfield = A.Subfield(name, ofs, n_bits)
    check_subfield(subfield, header)
    return subfield, after


def _field_at(data: bytes, offset: int, ofs: int, n_bits: int,
              unknown=BAD_SET_TYPE) -> tuple[A.Subfield, int]:
    header, name, after = pull_header(data, offset, unknown)
    subfield = A.Subfield(name, ofs, n_bits)
    check_subfield(subfield, header)
    return subfield, after


def _require_zero(data: bytes, error=BAD_ARGUMENT) -> None:
    """Open vSwitch checks some actions' padding, answering OFPBAC_BAD_ARGUMENT or, for the
    newer actions, NXBRC_MUST_BE_ZERO."""
    if any(data):
        raise DecodeError(error, "nonzero padding")


# ---- packers -------------------------------------------------------------------------

def pack_resubmit(in_port: int, table_id: Optional[int], ct: bool) -> bytes:
    subtype = NXAST_RESUBMIT_TABLE_CT if ct else NXAST_RESUBMIT_TABLE
    table = TABLE_CURRENT if table_id is None else table_id
    return nx_action(subtype, struct.pack("!HB3x", in_port, table))


def pack_set_tunnel(tun_id: int, wide: bool) -> bytes:
    if wide or tun_id > 0xFFFFFFFF:
        return nx_action(NXAST_SET_TUNNEL64, struct.pack("!6xQ", tun_id))
    return nx_action(NXAST_SET_TUNNEL, struct.pack("!2xI", tun_id))


def pack_u32(subtype: int, value: int) -> bytes:
    """An NXAST whose body is 2 pad bytes and one 32-bit value (set_queue, group)."""
    return nx_action(subtype, struct.pack("!2xI", value))


def pack_empty(subtype: int) -> bytes:
    return nx_action(subtype, bytes(6))


def pack_reg_move(move: A.Move) -> bytes:
    body = struct.pack("!HHH", move.src.n_bits, move.src.ofs, move.dst.ofs)
    return nx_action(NXAST_REG_MOVE, body + _header_words(move.src.field)
                     + _header_words(move.dst.field))


def pack_reg_load(dst: A.Subfield, value: int) -> bytes:
    return nx_action(NXAST_REG_LOAD, struct.pack("!H", pack_ofs_nbits(dst))
                     + _header_words(dst.field) + struct.pack("!Q", value))


def pack_note(data: bytes) -> bytes:
    return nx_action(NXAST_NOTE, data)


def pack_multipath(action: A.Multipath) -> bytes:
    body = struct.pack("!HH2xHHI2xH", HASH_FIELDS.index(action.fields), action.basis,
                       MULTIPATH_ALGORITHMS.index(action.algorithm), action.max_link,
                       action.arg, pack_ofs_nbits(action.dst))
    return nx_action(NXAST_MULTIPATH, body + _header_words(action.dst.field))


def pack_bundle(action: A.Bundle) -> bytes:
    subtype = NXAST_BUNDLE if action.dst is None else NXAST_BUNDLE_LOAD
    ofs_nbits = pack_ofs_nbits(action.dst) if action.dst is not None else 0
    dst = _header_words(action.dst.field) if action.dst is not None else bytes(4)
    body = (struct.pack("!HHH", BUNDLE_ALGORITHMS.index(action.algorithm),
                        HASH_FIELDS.index(action.fields), action.basis)
            + _header_words("in_port") + struct.pack("!HH", len(action.members), ofs_nbits)
            + dst + bytes(4) + struct.pack("!%dH" % len(action.members), *action.members))
    return nx_action(subtype, body)


def pack_output_reg(action: A.OutputReg) -> bytes:
    header = nx_header_for(action.src.field)
    if header.experimenter is not None:
        return nx_action(NXAST_OUTPUT_REG2, struct.pack("!HH", pack_ofs_nbits(action.src),
                                                        action.max_len) + header.pack())
    return nx_action(NXAST_OUTPUT_REG, struct.pack("!H", pack_ofs_nbits(action.src))
                     + header.pack() + struct.pack("!H6x", action.max_len))


def pack_output_trunc(action: A.OutputTrunc) -> bytes:
    return nx_action(NXAST_OUTPUT_TRUNC, struct.pack("!HI", action.port, action.max_len))


def _pack_learn_spec(spec: A.LearnSpec) -> bytes:
    word = _LEARN_KINDS.index(spec.kind) << _LEARN_DST_SHIFT | spec.n_bits
    if spec.src is None:
        word |= _LEARN_SRC_IMMEDIATE
        n_bytes = (spec.n_bits + 15) // 16 * 2
        src = spec.value.to_bytes(n_bytes, "big")
    else:
        src = subfield_header(spec.src).pack() + struct.pack("!H", spec.src.ofs)
    dst = b""
    if spec.kind != "output":
        dst = subfield_header(spec.dst).pack() + struct.pack("!H", spec.dst.ofs)
    return struct.pack("!H", word) + src + dst


def pack_learn(action: A.Learn) -> bytes:
    flags = action.flags & ~A.LEARN_WRITE_RESULT
    if action.result_dst is not None:
        flags |= A.LEARN_WRITE_RESULT
    head = struct.pack("!HHHQHBxHH", action.idle_timeout, action.hard_timeout,
                       action.priority, action.cookie, flags, action.table_id,
                       action.fin_idle_timeout, action.fin_hard_timeout)
    specs = b"".join(_pack_learn_spec(spec) for spec in action.specs)
    if action.limit == 0 and action.result_dst is None:
        return nx_action(NXAST_LEARN, head + specs)
    result = b""
    result_ofs = 0
    if action.result_dst is not None:
        result = _header_words(action.result_dst.field)
        result_ofs = action.result_dst.ofs
    return nx_action(NXAST_LEARN2, head + struct.pack("!IH2x", action.limit, result_ofs)
                     + result + specs)


def pack_dec_ttl(action: A.DecTtl) -> bytes:
    if not action.explicit_ids and action.controller_ids == (0,):
        return pack_empty(NXAST_DEC_TTL)
    ids = action.controller_ids
    return nx_action(NXAST_DEC_TTL_CNT_IDS, struct.pack("!H4x%dH" % len(ids), len(ids), *ids))


def pack_fin_timeout(action: A.FinTimeout) -> bytes:
    return nx_action(NXAST_FIN_TIMEOUT, struct.pack("!HH2x", action.idle_timeout,
                                                    action.hard_timeout))


def controller_fits_v1(action: A.Controller) -> bool:
    """True if NXAST_CONTROLLER can carry `action` (no userdata, pause or meter)."""
    return not action.userdata and not action.pause and action.meter_id is None


def pack_controller(action: A.Controller) -> bytes:
    if action.style != "controller2" and controller_fits_v1(action):
        return nx_action(NXAST_CONTROLLER, struct.pack("!HHBx", action.max_len,
                                                       action.controller_id, action.reason))
    props = b""
    if action.max_len != 0xFFFF:
        props += _property(_CONTROLLER2_MAX_LEN, struct.pack("!H2x", action.max_len))
    if action.controller_id != 0:
        props += _property(_CONTROLLER2_CONTROLLER_ID,
                           struct.pack("!H2x", action.controller_id))
    if action.reason != A.OFPR_ACTION:
        props += _property(_CONTROLLER2_REASON, struct.pack("!B", action.reason))
    if action.userdata:
        props += _property(_CONTROLLER2_USERDATA, action.userdata)
    if action.pause:
        props += _property(_CONTROLLER2_PAUSE, b"")
    if action.meter_id is not None:
        props += _property(_CONTROLLER2_METER_ID, struct.pack("!I", action.meter_id))
    return nx_action(NXAST_CONTROLLER2, bytes(6) + props)


def _property(prop_type: int, value: bytes) -> bytes:
    data = struct.pack("!HH", prop_type, 4 + len(value)) + value
    return data + bytes(padded(len(data)) - len(data))


def pack_write_metadata(value: int, mask: int) -> bytes:
    return nx_action(NXAST_WRITE_METADATA, struct.pack("!6xQQ", value, mask))


def pack_ethertype(subtype: int, ethertype: int) -> bytes:
    return nx_action(subtype, struct.pack("!H4x", ethertype))


def pack_stack(subtype: int, subfield: A.Subfield) -> bytes:
    return nx_action(subtype, struct.pack("!H", subfield.ofs) + _header_words(subfield.field)
                     + struct.pack("!H6x", subfield.n_bits))


def pack_sample(action: A.Sample) -> bytes:
    head = struct.pack("!HIII", action.probability, action.collector_set_id,
                       action.obs_domain_id, action.obs_point_id)
    if action.direction != "default":
        return nx_action(NXAST_SAMPLE3, head + struct.pack(
            "!HB5x", action.sampling_port, SAMPLE_DIRECTIONS.index(action.direction)))
    if action.sampling_port != A.OFPP_NONE:
        return nx_action(NXAST_SAMPLE2, head + struct.pack("!H6x", action.sampling_port))
    return nx_action(NXAST_SAMPLE, head)


def pack_conjunction(action: A.Conjunction) -> bytes:
    return nx_action(NXAST_CONJUNCTION, struct.pack("!BBI", action.clause, action.n_clauses,
                                                    action.conj_id))


def pack_clone(nested: bytes) -> bytes:
    return nx_action(NXAST_CLONE, bytes(6) + nested)


def pack_check_pkt_larger(action: A.CheckPktLarger) -> bytes:
    return nx_action(NXAST_CHECK_PKT_LARGER, struct.pack("!HH", action.pkt_len, action.dst.ofs)
                     + _header_words(action.dst.field))


def pack_mpls_label(label: int) -> bytes:
    return nx_action(NXAST_SET_MPLS_LABEL, struct.pack("!2xI", label))


def pack_u8(subtype: int, value: int) -> bytes:
    return nx_action(subtype, struct.pack("!B5x", value))


# ---- decoders ------------------------------------------------------------------------

Nested = Callable[[bytes], tuple]


def _resubmit(body, nested):
    in_port, = struct.unpack_from("!H", body)
    return A.Resubmit(in_port=_resubmit_port(in_port))


def _resubmit_port(in_port: int) -> int:
    return A.OFPP_UNSET if in_port == A.OFPP_IN_PORT else in_port


def _resubmit_table(ct: bool):
    def decode(body, nested):
        in_port, table = struct.unpack_from("!HB", body)
        _require_zero(body[3:])
        return A.Resubmit(_resubmit_port(in_port), None if table == TABLE_CURRENT else table,
                          ct)
    return decode


def _set_tunnel(body, nested):
    return A.SetTunnel(struct.unpack_from("!2xI", body)[0])


def _set_tunnel64(body, nested):
    return A.SetTunnel(struct.unpack_from("!6xQ", body)[0], wide=True)


def _set_queue(body, nested):
    return A.SetQueue(struct.unpack_from("!2xI", body)[0])


def _pop_queue(body, nested):
    return A.PopQueue()


def _reg_move(body, nested):
    n_bits, src_ofs, dst_ofs = struct.unpack_from("!HHH", body)
    src, after = _field_at(body, 6, src_ofs, n_bits, unknown=BAD_FIELD)
    dst, after = _field_at(body, after, dst_ofs, n_bits, unknown=BAD_FIELD)
    _require_zero(body[after:])
    return A.Move(src, dst)


def _reg_load(body, nested):
    word, = struct.unpack_from("!H", body)
    dst, after = _subfield(word, body, 2)
    if after + 8 != len(body):
        raise DecodeError(BAD_ACTION_LEN, "NXAST_REG_LOAD with a %d-byte body" % len(body))
    value, = struct.unpack_from("!Q", body, after)
    if value >> dst.n_bits:
        raise DecodeError(BAD_ARGUMENT, "value %#x does not fit %d bits" % (value, dst.n_bits))
    return A.Load(dst, value)


def _reg_load2(body, nested):
    action, after = pull_set_field(body, 0, masked_ok=True)
    _require_zero(body[after:])
    return action


def _note(body, nested):
    return A.Note(bytes(body))


def _multipath(body, nested):
    fields, basis, algorithm, max_link, arg, word = struct.unpack_from("!HH2xHHI2xH", body)
    dst, after = _subfield(word, body, 18)
    _require_zero(body[after:])
    if fields >= len(HASH_FIELDS) or algorithm >= len(MULTIPATH_ALGORITHMS):
        raise DecodeError(BAD_ARGUMENT, "unknown multipath fields or algorithm")
    if max_link >> dst.n_bits:
        raise DecodeError(BAD_ARGUMENT, "%d links do not fit %d bits" % (max_link + 1,
                                                                         dst.n_bits))
    return A.Multipath(HASH_FIELDS[fields], basis, MULTIPATH_ALGORITHMS[algorithm], max_link,
                       arg, dst)


def _bundle(load: bool):
    def decode(body, nested):
        algorithm, fields, basis, member_type, n_members, word = struct.unpack_from(
            "!HHHIHH", body)
        if algorithm >= len(BUNDLE_ALGORITHMS) or fields >= len(HASH_FIELDS):
            raise DecodeError(BAD_ARGUMENT, "unknown bundle fields or algorithm")
        if member_type != _IN_PORT_HEADER:
            raise DecodeError(BAD_ARGUMENT, "bundle members are not OpenFlow ports")
        dst = None
        if load:
            dst, _ = _subfield(word, body, 14)
            if dst.n_bits < 16:
                raise DecodeError(BAD_ARGUMENT, "bundle_load into fewer than 16 bits")
        elif word or any(body[14:22]):
            raise DecodeError(BAD_ARGUMENT, "bundle with a destination")
        end = 22 + 2 * n_members
        if end > len(body):
            raise DecodeError(BAD_ACTION_LEN, "bundle members overrun the action")
        members = struct.unpack_from("!%dH" % n_members, body, 22)
        if any(member >= A.OFPP_MAX for member in members):
            raise DecodeError(BAD_OUT_PORT, "bundle member is not an OpenFlow port")
        return A.Bundle(BUNDLE_ALGORITHMS[algorithm], HASH_FIELDS[fields], basis, members, dst)
    return decode


def _output_reg(body, nested):
    word, = struct.unpack_from("!H", body)
    src, after = _subfield(word, body, 2)
    if after + 8 != len(body):
        raise DecodeError(BAD_ACTION_LEN, "NXAST_OUTPUT_REG with a %d-byte body" % len(body))
    max_len, = struct.unpack_from("!H", body, after)
    _require_zero(body[after + 2:])
    return A.OutputReg(src, max_len)


def _output_reg2(body, nested):
    word, max_len = struct.unpack_from("!HH", body)
    src, after = _subfield(word, body, 4)
    _require_zero(body[after:])
    return A.OutputReg(src, max_len)


def _output_trunc(body, nested):
    port, max_len = struct.unpack_from("!HI", body)
    if max_len < OUTPUT_TRUNC_MIN_LEN:
        raise DecodeError(BAD_ARGUMENT, "output_trunc max_len %d below an Ethernet header"
                          % max_len)
    if A.OFPP_MAX <= port < A.OFPP_IN_PORT or port == A.OFPP_NONE:
        raise DecodeError(BAD_OUT_PORT, "output_trunc to port %#x" % port)
    return A.OutputTrunc(port, max_len)


def _pull_learn_specs(body: bytes, offset: int) -> tuple:
    specs = []
    while len(body) - offset >= 2:
        word, = struct.unpack_from("!H", body, offset)
        if word == 0:
            _require_zero(body[offset:])
            break
        offset += 2
        n_bits = word & 0x7FF
        kind_index = word >> _LEARN_DST_SHIFT & 3
        if word >> 14 or kind_index >= len(_LEARN_KINDS) or n_bits == 0:
            raise DecodeError(BAD_ARGUMENT, "bad learn spec header %#06x" % word)
        kind = _LEARN_KINDS[kind_index]
        src = value = dst = None
        if word & _LEARN_SRC_IMMEDIATE:
            if kind == "output":
                raise DecodeError(BAD_ARGUMENT, "learn output from an immediate value")
            n_bytes = (n_bits + 15) // 16 * 2
            if offset + n_bytes > len(body):
                raise DecodeError(BAD_ACTION_LEN, "learn spec overruns the action")
            value = int.from_bytes(body[offset:offset + n_bytes], "big")
            if value >> n_bits:
                raise DecodeError(BAD_ARGUMENT, "learn value wider than %d bits" % n_bits)
            offset += n_bytes
        else:
            src, offset = _learn_subfield(body, offset, n_bits)
        if kind != "output":
            dst, offset = _learn_subfield(body, offset, n_bits)
        specs.append(A.LearnSpec(kind, n_bits, dst=dst, src=src, value=value))
    else:
        _require_zero(body[offset:])
    return tuple(specs)


def _learn_subfield(body: bytes, offset: int, n_bits: int) -> tuple[A.Subfield, int]:
    header, name, after = pull_header(body, offset)
    if after + 2 > len(body):
        raise DecodeError(BAD_ACTION_LEN, "learn spec overruns the action")
    ofs, = struct.unpack_from("!H", body, after)
    subfield = A.Subfield(name, ofs, n_bits)
    check_subfield(subfield, header)
    return subfield, after + 2


_LEARN_HEAD = struct.Struct("!HHHQHBxHH")
_LEARN_PAD = 17                          # the byte after table_id


def _learn_fields(body: bytes) -> dict:
    (idle, hard, priority, cookie, flags, table_id, fin_idle,
     fin_hard) = _LEARN_HEAD.unpack_from(body)
    _require_zero(body[_LEARN_PAD:_LEARN_PAD + 1])
    if flags & ~(A.LEARN_SEND_FLOW_REM | A.LEARN_DELETE_LEARNED | A.LEARN_WRITE_RESULT):
        raise DecodeError(BAD_ARGUMENT, "unknown learn flags %#x" % flags)
    if table_id == 0xFF:
        raise DecodeError(BAD_ARGUMENT, "learn into table 255")
    return dict(table_id=table_id, priority=priority, idle_timeout=idle, hard_timeout=hard,
                fin_idle_timeout=fin_idle, fin_hard_timeout=fin_hard, cookie=cookie,
                flags=flags)


def _learn(body, nested):
    fields = _learn_fields(body)
    if fields["flags"] & A.LEARN_WRITE_RESULT:
        raise DecodeError(BAD_ARGUMENT, "NXAST_LEARN cannot write a result")
    return A.Learn(_pull_learn_specs(body, _LEARN_HEAD.size), **fields)


def _learn2(body, nested):
    fields = _learn_fields(body)
    limit, result_ofs = struct.unpack_from("!IH2x", body, _LEARN_HEAD.size)
    offset = _LEARN_HEAD.size + 8
    result_dst = None
    if fields["flags"] & A.LEARN_WRITE_RESULT:
        result_dst, offset = _field_at(body, offset, result_ofs, 1)
    elif result_ofs:
        raise DecodeError(BAD_ARGUMENT, "learn result offset without a result")
    fields["flags"] &= ~A.LEARN_WRITE_RESULT
    return A.Learn(_pull_learn_specs(body, offset), limit=limit, result_dst=result_dst,
                   **fields)


def _exit(body, nested):
    return A.Exit()


def _dec_ttl(body, nested):
    return A.DecTtl()


def _dec_ttl_cnt_ids(body, nested):
    n_ids, = struct.unpack_from("!H", body)
    _require_zero(body[2:6], MUST_BE_ZERO)
    end = 6 + 2 * n_ids
    if end > len(body):
        raise DecodeError(BAD_ACTION_LEN, "dec_ttl ids overrun the action")
    ids = struct.unpack_from("!%dH" % n_ids, body, 6)
    return A.DecTtl(ids, explicit_ids=True)


def _fin_timeout(body, nested):
    idle, hard = struct.unpack_from("!HH", body)
    return A.FinTimeout(idle, hard)


def _controller(body, nested):
    max_len, controller_id, reason = struct.unpack_from("!HHB", body)
    return A.Controller(max_len, reason, controller_id, style="controller")


def _controller2(body, nested):
    _require_zero(body[:6], MUST_BE_ZERO)
    fields = {}
    offset = 6
    while len(body) - offset >= 4:
        prop_type, length = struct.unpack_from("!HH", body, offset)
        if prop_type == 0 and length == 0:
            _require_zero(body[offset:])
            break
        if length < 4 or offset + length > len(body):
            raise DecodeError(BAD_ACTION_LEN, "bad controller2 property length")
        value = body[offset + 4:offset + length]
        fields.update(_controller2_property(prop_type, value))
        offset += padded(length)
    return A.Controller(style="controller2", **fields)


def _controller2_property(prop_type: int, value: bytes) -> dict:
    # 16-bit properties carry two bytes of padding inside their length.
    layouts = {_CONTROLLER2_MAX_LEN: ("max_len", "!H2x"),
               _CONTROLLER2_CONTROLLER_ID: ("controller_id", "!H2x"),
               _CONTROLLER2_REASON: ("reason", "!B"),
               _CONTROLLER2_METER_ID: ("meter_id", "!I")}
    if prop_type in layouts:
        name, layout = layouts[prop_type]
        if len(value) != struct.calcsize(layout):
            raise DecodeError(BAD_ACTION_LEN, "bad controller2 %s length" % name)
        return {name: struct.unpack(layout, value)[0]}
    if prop_type == _CONTROLLER2_USERDATA:
        return {"userdata": bytes(value)}
    if prop_type == _CONTROLLER2_PAUSE:
        return {"pause": True}
    raise DecodeError(BAD_ARGUMENT, "unknown controller2 property %d" % prop_type)


def _write_metadata(body, nested):
    _require_zero(body[:6])
    value, mask = struct.unpack_from("!QQ", body, 6)
    return A.WriteMetadata(value, mask)


def _push_mpls(body, nested):
    ethertype, = struct.unpack_from("!H", body)
    if ethertype not in MPLS_ETHERTYPES:
        raise DecodeError(BAD_ARGUMENT, "push_mpls ethertype %#06x" % ethertype)
    return A.PushMpls(ethertype)


def _pop_mpls(body, nested):
    return A.PopMpls(struct.unpack_from("!H", body)[0])


def _set_mpls_ttl(body, nested):
    return A.SetMplsTtl(body[0])


def _dec_mpls_ttl(body, nested):
    return A.DecMplsTtl()


def _stack(cls):
    def decode(body, nested):
        ofs, = struct.unpack_from("!H", body)
        header, name, after = pull_header(body, 2, unknown=BAD_FIELD)
        if after + 8 != len(body):
            raise DecodeError(BAD_ACTION_LEN, "stack action with a %d-byte body" % len(body))
        n_bits, = struct.unpack_from("!H", body, after)
        _require_zero(body[after + 2:], MUST_BE_ZERO)
        subfield = A.Subfield(name, ofs, n_bits)
        check_subfield(subfield, header)
        return cls(subfield)
    return decode


def _sample(body, nested):
    return A.Sample(*struct.unpack_from("!HIII", body))


def _sample2(body, nested):
    fields = struct.unpack_from("!HIIIH", body)
    return A.Sample(*fields)


def _sample3(body, nested):
    *fields, direction = struct.unpack_from("!HIIIHB", body)
    _require_zero(body[17:], MUST_BE_ZERO)
    if direction >= len(SAMPLE_DIRECTIONS):
        raise DecodeError(BAD_ARGUMENT, "unknown sample direction %d" % direction)
    return A.Sample(*fields, direction=SAMPLE_DIRECTIONS[direction])


def _set_mpls_label(body, nested):
    return A.SetMplsLabel(struct.unpack_from("!2xI", body)[0])


def _set_mpls_tc(body, nested):
    return A.SetMplsTc(body[0])


def _conjunction(body, nested):
    clause, n_clauses, conj_id = struct.unpack_from("!BBI", body)
    if not 2 <= n_clauses <= 64 or clause >= n_clauses:
        raise DecodeError(BAD_ARGUMENT, "conjunction clause %d/%d" % (clause + 1, n_clauses))
    return A.Conjunction(conj_id, clause, n_clauses)


def _clone(body, nested):
    return A.Clone(nested(bytes(body[6:])))


def _group(body, nested):
    return A.Group(struct.unpack_from("!2xI", body)[0])


def _check_pkt_larger(body, nested):
    pkt_len, ofs = struct.unpack_from("!HH", body)
    dst, after = _field_at(body, 4, ofs, 1, unknown=BAD_FIELD)
    _require_zero(body[after:], MUST_BE_ZERO)
    return A.CheckPktLarger(pkt_len, dst)


# subtype: (fixed body length after the subtype, or None for variable; decoder)
DECODERS: dict[int, tuple[Optional[int], Callable]] = {
    NXAST_RESUBMIT: (6, _resubmit),
    NXAST_SET_TUNNEL: (6, _set_tunnel),
    NXAST_SET_QUEUE: (6, _set_queue),
    NXAST_POP_QUEUE: (6, _pop_queue),
    NXAST_REG_MOVE: (None, _reg_move),
    NXAST_REG_LOAD: (None, _reg_load),
    NXAST_NOTE: (None, _note),
    NXAST_SET_TUNNEL64: (14, _set_tunnel64),
    NXAST_MULTIPATH: (None, _multipath),
    NXAST_BUNDLE: (None, _bundle(load=False)),
    NXAST_BUNDLE_LOAD: (None, _bundle(load=True)),
    NXAST_RESUBMIT_TABLE: (6, _resubmit_table(ct=False)),
    NXAST_OUTPUT_REG: (None, _output_reg),
    NXAST_LEARN: (None, _learn),
    NXAST_EXIT: (6, _exit),
    NXAST_DEC_TTL: (6, _dec_ttl),
    NXAST_FIN_TIMEOUT: (6, _fin_timeout),
    NXAST_CONTROLLER: (6, _controller),
    NXAST_DEC_TTL_CNT_IDS: (None, _dec_ttl_cnt_ids),
    NXAST_WRITE_METADATA: (22, _write_metadata),
    NXAST_PUSH_MPLS: (6, _push_mpls),
    NXAST_POP_MPLS: (6, _pop_mpls),
    NXAST_SET_MPLS_TTL: (6, _set_mpls_ttl),
    NXAST_DEC_MPLS_TTL: (6, _dec_mpls_ttl),
    NXAST_STACK_PUSH: (None, _stack(A.StackPush)),
    NXAST_STACK_POP: (None, _stack(A.StackPop)),
    NXAST_SAMPLE: (14, _sample),
    NXAST_SET_MPLS_LABEL: (6, _set_mpls_label),
    NXAST_SET_MPLS_TC: (6, _set_mpls_tc),
    NXAST_OUTPUT_REG2: (None, _output_reg2),
    NXAST_REG_LOAD2: (None, _reg_load2),
    NXAST_CONJUNCTION: (6, _conjunction),
    NXAST_CONTROLLER2: (None, _controller2),
    NXAST_SAMPLE2: (22, _sample2),
    NXAST_GROUP: (6, _group),
    NXAST_OUTPUT_TRUNC: (6, _output_trunc),
    NXAST_SAMPLE3: (22, _sample3),
    NXAST_CLONE: (None, _clone),
    NXAST_RESUBMIT_TABLE_CT: (6, _resubmit_table(ct=True)),
    NXAST_LEARN2: (None, _learn2),
    NXAST_CHECK_PKT_LARGER: (14, _check_pkt_larger),
}

# Subtypes Open vSwitch accepts only in OpenFlow 1.0, where they stand in for standard actions
# that 1.1 introduced (later versions answer OFPBAC_BAD_VENDOR_TYPE).
OF10_ONLY = frozenset({NXAST_SET_QUEUE, NXAST_DEC_TTL, NXAST_PUSH_MPLS, NXAST_POP_MPLS,
                       NXAST_SET_MPLS_TTL, NXAST_DEC_MPLS_TTL, NXAST_SET_MPLS_LABEL,
                       NXAST_SET_MPLS_TC, NXAST_GROUP})

# The smallest body (after the subtype) of each variable-length NXAST, so that decoders can
# unpack their fixed part without checking again.
MIN_BODY = {NXAST_REG_MOVE: 6, NXAST_REG_LOAD: 2, NXAST_NOTE: 0, NXAST_MULTIPATH: 18,
            NXAST_BUNDLE: 22, NXAST_BUNDLE_LOAD: 22, NXAST_OUTPUT_REG: 2,
            NXAST_LEARN: _LEARN_HEAD.size, NXAST_DEC_TTL_CNT_IDS: 6, NXAST_STACK_PUSH: 2,
            NXAST_STACK_POP: 2, NXAST_OUTPUT_REG2: 4, NXAST_REG_LOAD2: 4,
            NXAST_CONTROLLER2: 6, NXAST_CLONE: 6, NXAST_LEARN2: _LEARN_HEAD.size + 8}
