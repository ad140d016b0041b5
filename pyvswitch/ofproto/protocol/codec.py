"""Bytes <-> message objects: the OpenFlow header, message type numbers and message bodies.

`decode(data)` takes exactly one message (as framed by `message_length`) and returns its
`Message`, or raises `DecodeError` carrying the error a switch answers with.  A well-formed
message of a type we do not implement decodes to `UnsupportedMessage`.  `encode(message)`
returns the wire bytes for the message's own `version`.

Message types are declared in `_KINDS` (type number in 1.0 and in 1.1+, body codec) and
multipart/stats bodies in `_MULTIPART_KINDS` (request or reply, statistics type, body codec).
Numbering differs between 1.0 (STATS_REQUEST 16, BARRIER_REQUEST 18, ...) and 1.1+
(MULTIPART_REQUEST 18, BARRIER_REQUEST 20, ...); OpenFlow 1.0 has no port-description
statistics, but Open vSwitch accepts type 13 there as in later versions, and so do we.

Experimenter messages (Nicira NXT_*, ONF ONFT_*) are declared in `_EXPERIMENTER_KINDS` by
(vendor, subtype) and Nicira statistics (NXST_*, OpenFlow 1.0) in `_NX_STATS_KINDS`.  Some
messages have several wire forms: a FlowMod travels as OFPT_FLOW_MOD with an ofp_match or as
NXT_FLOW_MOD in OpenFlow 1.0 (`flow_mod_codec.flow_mod_wire`), flow removed and flow or
aggregate statistics as their Nicira forms when their `nxm` is set (1.0 only), bundles as the
ONF extension before OpenFlow 1.4.  The message bodies live in flow_mod_codec,
flow_stats_codec and bundle_codec.
"""
from __future__ import annotations

import dataclasses
import struct
from typing import Callable, Optional

from pyvswitch.ofproto.protocol import bundle_codec, errors
from pyvswitch.ofproto.protocol import flow_mod_codec as fm
from pyvswitch.ofproto.protocol import flow_stats_codec as fs
from pyvswitch.ofproto.protocol import flow_wire
from pyvswitch.ofproto.protocol import group_codec as gc
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol import packet_out_codec
from pyvswitch.ofproto.protocol import table_features as tf
from pyvswitch.ofproto.protocol import table_mod_codec
from pyvswitch.ofproto.protocol import tlv_codec
from pyvswitch.ofproto.protocol.errors import BAD_LEN, DecodeError
from pyvswitch.ofproto.protocol.flags import CAPABILITIES_WIRE, OF10_ACTIONS_WIRE
from pyvswitch.ofproto.protocol.ports import (decode_port, decode_ports, encode_port,
                                              port_desc_size, port_from_wire32,
                                              port_to_wire32)
from pyvswitch.ofproto.protocol.versions import (ALL_VERSIONS, OFP10, OFP11, OFP12, OFP13,
                                                 OFP14, OFP15,
                                                 bitmap_words_to_versions,
                                                 versions_to_bitmap_words)

HEADER = struct.Struct("!BBHI")
MAX_MESSAGE_LEN = 0xffff

OFPT_HELLO = 0
OFPT_ERROR = 1
OFPT_EXPERIMENTER = 4
OFPST_EXPERIMENTER = 0xffff
_OFPHET_VERSIONBITMAP = 1
_HELLO_ELEMENT = struct.Struct("!HH")
NX_EXPERIMENTER_ID = 0x00002320
ONF_EXPERIMENTER_ID = 0x4f4e4600
_KNOWN_EXPERIMENTERS = (NX_EXPERIMENTER_ID, ONF_EXPERIMENTER_ID)

_U16_PAIR = struct.Struct("!HH")
_EXPERIMENTER_HEADER = struct.Struct("!II")
_NX_STATS_HEADER = struct.Struct("!II4x")
_FEATURES_10 = struct.Struct("!QIB3xII")   # also 1.1/1.2: capabilities, reserved
_FEATURES_13 = struct.Struct("!QIBB2xII")
_MULTIPART_10 = struct.Struct("!HH")
_MULTIPART_11 = struct.Struct("!HH4x")
_PORT_STATUS = struct.Struct("!B7x")
_PORT_DESC_REQUEST_15 = struct.Struct("!I4x")
_DESC = struct.Struct("!256s256s256s32s256s")
_NO_FIELDS: dict = {}


def message_length(buffer: bytes) -> Optional[int]:
    """The length the header at the start of `buffer` announces, or None if fewer than 8
    bytes are available.  A value below 8 means the stream is corrupt."""
    if len(buffer) < HEADER.size:
        return None
    return HEADER.unpack_from(buffer)[2]


def _family(version: int) -> int:
    """Versions that number message types alike: 1.0, and 1.1 with everything later."""
    return OFP10 if version == OFP10 else OFP11


def _empty_body(version: int, body: bytes) -> dict:
    if body:
        raise DecodeError(BAD_LEN, "unexpected %d-byte body" % len(body))
    return _NO_FIELDS


def _no_body(message: m.Message) -> bytes:
    return b""


def _exact(layout: struct.Struct, body: bytes) -> tuple:
    if len(body) != layout.size:
        raise DecodeError(BAD_LEN, "body is %d bytes, expected %d" % (len(body), layout.size))
    return layout.unpack(body)


# ---- HELLO --------------------------------------------------------------------------------

def _decode_hello(version: int, body: bytes) -> dict:
    """Reads the version-bitmap element; other or malformed elements are ignored, as a HELLO
    must stay readable by implementations that do not know them."""
    offset = 0
    while len(body) - offset >= _HELLO_ELEMENT.size:
        element_type, length = _HELLO_ELEMENT.unpack_from(body, offset)
        if length < _HELLO_ELEMENT.size or offset + length > len(body):
            break
        if element_type == _OFPHET_VERSIONBITMAP:
            n_words = (length - _HELLO_ELEMENT.size) // 4
            words = struct.unpack_from("!%dI" % n_words, body, offset + _HELLO_ELEMENT.size)
            versions = bitmap_words_to_versions(list(words))
            return {"versions": versions} if versions else _NO_FIELDS
        offset += (length + 7) // 8 * 8
    return _NO_FIELDS


def _encode_hello(message: m.Hello) -> bytes:
    if message.versions is None:
        return b""
    words = versions_to_bitmap_words(message.versions)
    element = _HELLO_ELEMENT.pack(_OFPHET_VERSIONBITMAP, _HELLO_ELEMENT.size + 4 * len(words))
    element += struct.pack("!%dI" % len(words), *words)
    return element + b"\0" * (-len(element) % 8)


# ---- ERROR, ECHO ----------------------------------------------------------------------------

def _decode_error(version: int, body: bytes) -> dict:
    if len(body) < _U16_PAIR.size:
        raise DecodeError(BAD_LEN, "error message too short")
    error_type, code = _U16_PAIR.unpack_from(body)
    return {"type": error_type, "code": code, "data": body[_U16_PAIR.size:]}


def _encode_error(message: m.Error) -> bytes:
    return _U16_PAIR.pack(message.type, message.code) + message.data


def _decode_echo(version: int, body: bytes) -> dict:
    return {"data": body}


def _encode_echo(message) -> bytes:
    return message.data


# ---- FEATURES -------------------------------------------------------------------------------

def _decode_features_reply(version: int, body: bytes) -> dict:
    if version >= OFP13:
        datapath_id, n_buffers, n_tables, auxiliary_id, capabilities, _ = _exact(
            _FEATURES_13, body)
        return {"datapath_id": datapath_id, "n_buffers": n_buffers, "n_tables": n_tables,
                "auxiliary_id": auxiliary_id,
                "capabilities": CAPABILITIES_WIRE[version].from_wire(capabilities)}
    if len(body) < _FEATURES_10.size or (len(body) - _FEATURES_10.size) % port_desc_size(
            version):
        raise DecodeError(BAD_LEN, "bad features reply length %d" % len(body))
    datapath_id, n_buffers, n_tables, capabilities, actions = _FEATURES_10.unpack_from(body)
    fields = {"datapath_id": datapath_id, "n_buffers": n_buffers, "n_tables": n_tables,
              "capabilities": CAPABILITIES_WIRE[version].from_wire(capabilities),
              "ports": decode_ports(version, body, _FEATURES_10.size)}
    if version == OFP10:
        fields["actions"] = OF10_ACTIONS_WIRE.from_wire(actions)
    return fields


def _encode_features_reply(message: m.FeaturesReply) -> bytes:
    version = message.version
    capabilities = CAPABILITIES_WIRE[version].to_wire(message.capabilities)
    if version >= OFP13:
        return _FEATURES_13.pack(message.datapath_id, message.n_buffers, message.n_tables,
                                 message.auxiliary_id, capabilities, 0)
    actions = OF10_ACTIONS_WIRE.to_wire(message.actions) if version == OFP10 else 0
    return (_FEATURES_10.pack(message.datapath_id, message.n_buffers, message.n_tables,
                              capabilities, actions)
            + b"".join(encode_port(version, port) for port in message.ports))


# ---- SWITCH CONFIG, PORT STATUS -------------------------------------------------------------

def _decode_switch_config(version: int, body: bytes) -> dict:
    flags, miss_send_len = _exact(_U16_PAIR, body)
    return {"flags": flags, "miss_send_len": miss_send_len}


def _encode_switch_config(message) -> bytes:
    return _U16_PAIR.pack(message.flags, message.miss_send_len)


def _decode_port_status(version: int, body: bytes) -> dict:
    if len(body) < _PORT_STATUS.size:
        raise DecodeError(BAD_LEN, "port status too short")
    (reason,) = _PORT_STATUS.unpack_from(body)
    port, end = decode_port(version, body, _PORT_STATUS.size)
    if end != len(body):
        raise DecodeError(BAD_LEN, "trailing bytes after port status")
    return {"reason": reason, "port": port}


def _encode_port_status(message: m.PortStatus) -> bytes:
    return _PORT_STATUS.pack(message.reason) + encode_port(message.version, message.port)


# ---- EXPERIMENTER ---------------------------------------------------------------------------

def _experimenter_error(body: bytes) -> errors.ErrorCode:
    if len(body) < 4:
        raise DecodeError(BAD_LEN, "experimenter message too short")
    (experimenter,) = struct.unpack_from("!I", body)
    return errors.BAD_SUBTYPE if experimenter in _KNOWN_EXPERIMENTERS else errors.BAD_VENDOR


# ---- MULTIPART bodies -----------------------------------------------------------------------

def _decode_desc_reply(version: int, body: bytes) -> dict:
    values = _exact(_DESC, body)
    names = ("mfr_desc", "hw_desc", "sw_desc", "serial_num", "dp_desc")
    return {name: raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")
            for name, raw in zip(names, values)}


def _encode_desc_reply(message: m.DescReply) -> bytes:
    def field(text: str, size: int) -> bytes:
        return text.encode("utf-8")[:size - 1]
    return _DESC.pack(field(message.mfr_desc, 256), field(message.hw_desc, 256),
                      field(message.sw_desc, 256), field(message.serial_num, 32),
                      field(message.dp_desc, 256))


def _decode_port_desc_request(version: int, body: bytes) -> dict:
    if version < OFP15:
        return _empty_body(version, body)
    (port_no,) = _exact(_PORT_DESC_REQUEST_15, body)
    return {"port_no": port_from_wire32(port_no)}


def _encode_port_desc_request(message: m.PortDescRequest) -> bytes:
    if message.version < OFP15:
        return b""
    return _PORT_DESC_REQUEST_15.pack(port_to_wire32(message.port_no))


def _decode_port_desc_reply(version: int, body: bytes) -> dict:
    return {"ports": decode_ports(version, body)}


def _encode_port_desc_reply(message: m.PortDescReply) -> bytes:
    return b"".join(encode_port(message.version, port) for port in message.ports)


# ---- the tables -----------------------------------------------------------------------------

def _by_version(for_10: Callable, for_11: Callable) -> Callable:
    """A body decoder that picks the OpenFlow 1.0 or the 1.1+ layout."""
    return lambda version, body: (for_10 if version == OFP10 else for_11)(version, body)


def _encoder_by_version(for_10: Callable, for_11: Callable) -> Callable:
    return lambda message: (for_10 if message.version == OFP10 else for_11)(message)


def _since(first_version: int, decode_body: Callable) -> Callable:
    """`decode_body` for a message type that versions before `first_version` lack."""
    def decode_if_defined(version: int, body: bytes) -> dict:
        if version < first_version:
            raise DecodeError(errors.BAD_TYPE, "message type not in this version")
        return decode_body(version, body)
    return decode_if_defined


@dataclasses.dataclass(frozen=True)
class _Kind:
    cls: type
    type_10: Optional[int]   # message type number in OpenFlow 1.0 (None: not in 1.0)
    type_11: Optional[int]   # in OpenFlow 1.1 and later
    decode_body: Callable[[int, bytes], dict]
    encode_body: Callable[[m.Message], bytes]


@dataclasses.dataclass(frozen=True)
class _MultipartKind:
    cls: type
    is_reply: bool
    stats_type: int
    decode_body: Callable[[int, bytes], dict]
    encode_body: Callable[[m.Message], bytes]


_KINDS = [
    _Kind(m.Hello, 0, 0, _decode_hello, _encode_hello),
    _Kind(m.Error, 1, 1, _decode_error, _encode_error),
    _Kind(m.EchoRequest, 2, 2, _decode_echo, _encode_echo),
    _Kind(m.EchoReply, 3, 3, _decode_echo, _encode_echo),
    _Kind(m.FeaturesRequest, 5, 5, _empty_body, _no_body),
    _Kind(m.FeaturesReply, 6, 6, _decode_features_reply, _encode_features_reply),
    _Kind(m.GetConfigRequest, 7, 7, _empty_body, _no_body),
    _Kind(m.GetConfigReply, 8, 8, _decode_switch_config, _encode_switch_config),
    _Kind(m.SetConfig, 9, 9, _decode_switch_config, _encode_switch_config),
    _Kind(m.PortStatus, 12, 12, _decode_port_status, _encode_port_status),
    _Kind(m.BarrierRequest, 18, 20, _empty_body, _no_body),
    _Kind(m.BarrierReply, 19, 21, _empty_body, _no_body),
    _Kind(m.FlowRemoved, 11, 11, _by_version(fm.decode_flow_removed_10,
                                             fm.decode_flow_removed_11),
          _encoder_by_version(fm.encode_flow_removed_10, fm.encode_flow_removed_11)),
    _Kind(m.FlowMod, 14, 14, _by_version(fm.decode_flow_mod_10, fm.decode_flow_mod_11),
          _encoder_by_version(fm.encode_flow_mod_10, fm.encode_flow_mod_11)),
    _Kind(m.PacketOut, 13, 13, packet_out_codec.decode_packet_out,
          packet_out_codec.encode_packet_out),
    _Kind(m.BundleControl, None, bundle_codec.OFPT_BUNDLE_CONTROL,
          _since(OFP14, bundle_codec.decode_control), bundle_codec.encode_control),
    _Kind(m.BundleAddMessage, None, bundle_codec.OFPT_BUNDLE_ADD_MESSAGE,
          _since(OFP14, lambda version, body: bundle_codec.decode_add(version, body, decode)),
          lambda message: bundle_codec.encode_add(message, encode)),
    # Groups (group_codec).
    _Kind(m.GroupMod, None, gc.OFPT_GROUP_MOD, gc.decode_group_mod, gc.encode_group_mod),
    # Table mod (table_mod_codec).
    _Kind(m.TableMod, None, table_mod_codec.OFPT_TABLE_MOD, table_mod_codec.decode_table_mod,
          table_mod_codec.encode_table_mod),
]
MULTIPART_REQUEST = {OFP10: 16, OFP11: 18}   # by _family()
MULTIPART_REPLY = {OFP10: 17, OFP11: 19}

OFPMP_DESC = 0
OFPMP_TABLE_FEATURES = 12
OFPMP_TABLE_DESC = 14
OFPMP_PORT_DESC = 13


def _decode_table_features(version: int, body: bytes) -> dict:
    if version < OFP13:
        raise DecodeError(errors.BAD_STAT, "no table features before OpenFlow 1.3")
    return {"tables": tf.decode_entries(body)}


def _encode_table_features(message) -> bytes:
    return tf.encode_entries(message.tables)


def _decode_table_desc_request(version: int, body: bytes) -> dict:
    if version < OFP14:
        raise DecodeError(errors.BAD_STAT, "no table descriptions before OpenFlow 1.4")
    return _empty_body(version, body)


def _decode_table_desc_reply(version: int, body: bytes) -> dict:
    if version < OFP14:
        raise DecodeError(errors.BAD_STAT, "no table descriptions before OpenFlow 1.4")
    return {"tables": tf.decode_desc_entries(body)}

_MULTIPART_KINDS = [
    _MultipartKind(m.DescRequest, False, OFPMP_DESC, _empty_body, _no_body),
    _MultipartKind(m.DescReply, True, OFPMP_DESC, _decode_desc_reply, _encode_desc_reply),
    _MultipartKind(m.PortDescRequest, False, OFPMP_PORT_DESC, _decode_port_desc_request,
                   _encode_port_desc_request),
    _MultipartKind(m.PortDescReply, True, OFPMP_PORT_DESC, _decode_port_desc_reply,
                   _encode_port_desc_reply),
    _MultipartKind(m.FlowStatsRequest, False, fs.OFPST_FLOW,
                   _by_version(fs.decode_request_10, fs.decode_request_11),
                   _encoder_by_version(fs.encode_request_10, fs.encode_request_11)),
    _MultipartKind(m.FlowStatsReply, True, fs.OFPST_FLOW,
                   _by_version(fs.decode_flow_reply_10, fs.decode_flow_reply_11),
                   fs.encode_flow_reply),
    _MultipartKind(m.AggregateStatsRequest, False, fs.OFPST_AGGREGATE,
                   _by_version(fs.decode_request_10, fs.decode_request_11),
                   _encoder_by_version(fs.encode_request_10, fs.encode_request_11)),
    _MultipartKind(m.AggregateStatsReply, True, fs.OFPST_AGGREGATE,
                   fs.decode_aggregate_reply, fs.encode_aggregate_reply),
    _MultipartKind(m.TableStatsRequest, False, fs.OFPST_TABLE, _empty_body, _no_body),
    _MultipartKind(m.TableFeaturesRequest, False, OFPMP_TABLE_FEATURES, _decode_table_features,
                   _encode_table_features),
    _MultipartKind(m.TableFeaturesReply, True, OFPMP_TABLE_FEATURES, _decode_table_features,
                   _encode_table_features),
    _MultipartKind(m.TableDescRequest, False, OFPMP_TABLE_DESC, _decode_table_desc_request,
                   _no_body),
    _MultipartKind(m.TableDescReply, True, OFPMP_TABLE_DESC, _decode_table_desc_reply,
                   lambda message: tf.encode_desc_entries(message.tables)),
    _MultipartKind(m.TableStatsReply, True, fs.OFPST_TABLE, fs.decode_table_reply,
                   fs.encode_table_reply),
    # Groups (group_codec).
    _MultipartKind(m.GroupStatsRequest, False, gc.OFPMP_GROUP,
                   gc.standard_form(gc.decode_group_id_request), gc.encode_group_id_request),
    _MultipartKind(m.GroupStatsReply, True, gc.OFPMP_GROUP,
                   gc.standard_form(gc.decode_stats_reply), gc.encode_stats_reply),
    _MultipartKind(m.GroupDescRequest, False, gc.OFPMP_GROUP_DESC,
                   gc.standard_form(gc.decode_desc_request), gc.encode_desc_request),
    _MultipartKind(m.GroupDescReply, True, gc.OFPMP_GROUP_DESC,
                   gc.standard_form(gc.decode_desc_reply), gc.encode_desc_reply),
    _MultipartKind(m.GroupFeaturesRequest, False, gc.OFPMP_GROUP_FEATURES,
                   gc.standard_form(gc.decode_features_request), _no_body),
    _MultipartKind(m.GroupFeaturesReply, True, gc.OFPMP_GROUP_FEATURES,
                   gc.standard_form(gc.decode_features_reply), gc.encode_features_reply),
]


@dataclasses.dataclass(frozen=True)
class _ExperimenterKind:
    cls: type
    vendor: int
    subtype: int
    decode_body: Callable[[int, bytes], dict]
    encode_body: Callable[[m.Message], bytes]


_EXPERIMENTER_KINDS = [
    _ExperimenterKind(m.SetFlowFormat, NX_EXPERIMENTER_ID, fm.NXT_SET_FLOW_FORMAT,
                      fm.decode_set_flow_format, fm.encode_set_flow_format),
    _ExperimenterKind(m.FlowMod, NX_EXPERIMENTER_ID, fm.NXT_FLOW_MOD,
                      fm.decode_flow_mod_nx, fm.encode_flow_mod_nx),
    _ExperimenterKind(m.FlowRemoved, NX_EXPERIMENTER_ID, fm.NXT_FLOW_REMOVED,
                      fm.decode_flow_removed_nx, fm.encode_flow_removed_nx),
    _ExperimenterKind(m.FlowModTableId, NX_EXPERIMENTER_ID, fm.NXT_FLOW_MOD_TABLE_ID,
                      fm.decode_flow_mod_table_id, fm.encode_flow_mod_table_id),
    _ExperimenterKind(m.BundleControl, ONF_EXPERIMENTER_ID, bundle_codec.ONFT_BUNDLE_CONTROL,
                      bundle_codec.decode_control, bundle_codec.encode_control),
    _ExperimenterKind(m.BundleAddMessage, ONF_EXPERIMENTER_ID,
                      bundle_codec.ONFT_BUNDLE_ADD_MESSAGE,
                      lambda version, body: bundle_codec.decode_add(version, body, decode),
                      lambda message: bundle_codec.encode_add(message, encode)),
    # Geneve TLV map (protocol.tlv_codec).
    _ExperimenterKind(m.TlvTableMod, NX_EXPERIMENTER_ID, tlv_codec.NXT_TLV_TABLE_MOD,
                      tlv_codec.decode_mod, tlv_codec.encode_mod),
    _ExperimenterKind(m.TlvTableRequest, NX_EXPERIMENTER_ID, tlv_codec.NXT_TLV_TABLE_REQUEST,
                      tlv_codec.decode_request, tlv_codec.encode_request),
    _ExperimenterKind(m.TlvTableReply, NX_EXPERIMENTER_ID, tlv_codec.NXT_TLV_TABLE_REPLY,
                      tlv_codec.decode_reply, tlv_codec.encode_reply),
    # Groups in OpenFlow 1.0 (group_codec).
    _ExperimenterKind(m.GroupMod, NX_EXPERIMENTER_ID, gc.NXT_GROUP_MOD,
                      gc.decode_group_mod, gc.encode_group_mod),
]

# Nicira statistics (OpenFlow 1.0 only): (class, is_reply, subtype, decode, encode).
_NX_STATS_KINDS = [
    _MultipartKind(m.FlowStatsRequest, False, fs.NXST_FLOW, fs.decode_request_nx,
                   fs.encode_request_nx),
    _MultipartKind(m.FlowStatsReply, True, fs.NXST_FLOW, fs.decode_flow_reply_nx,
                   fs.encode_flow_reply),
    _MultipartKind(m.AggregateStatsRequest, False, fs.NXST_AGGREGATE, fs.decode_request_nx,
                   fs.encode_request_nx),
    _MultipartKind(m.AggregateStatsReply, True, fs.NXST_AGGREGATE,
                   lambda version, body: {**fs.decode_aggregate_reply(version, body),
                                          "nxm": True},
                   fs.encode_aggregate_reply),
    # Groups in OpenFlow 1.0 (group_codec).
    _MultipartKind(m.GroupStatsRequest, False, gc.NXST_GROUP, gc.decode_group_id_request,
                   gc.encode_group_id_request),
    _MultipartKind(m.GroupStatsReply, True, gc.NXST_GROUP, gc.decode_stats_reply,
                   gc.encode_stats_reply),
    _MultipartKind(m.GroupDescRequest, False, gc.NXST_GROUP_DESC, gc.decode_desc_request,
                   gc.encode_desc_request),
    _MultipartKind(m.GroupDescReply, True, gc.NXST_GROUP_DESC, gc.decode_desc_reply,
                   gc.encode_desc_reply),
    _MultipartKind(m.GroupFeaturesRequest, False, gc.NXST_GROUP_FEATURES,
                   gc.decode_features_request, _no_body),
    _MultipartKind(m.GroupFeaturesReply, True, gc.NXST_GROUP_FEATURES,
                   gc.decode_features_reply, gc.encode_features_reply),
]

_KIND_BY_TYPE = {(family, number): kind for kind in _KINDS
                 for family, number in ((OFP10, kind.type_10), (OFP11, kind.type_11))
                 if number is not None}
_KIND_BY_CLASS = {kind.cls: kind for kind in _KINDS}
_MULTIPART_BY_TYPE = {(kind.is_reply, kind.stats_type): kind for kind in _MULTIPART_KINDS}
_MULTIPART_BY_CLASS = {kind.cls: kind for kind in _MULTIPART_KINDS}
_EXPERIMENTER_BY_NUMBER = {(kind.vendor, kind.subtype): kind for kind in _EXPERIMENTER_KINDS}
_EXPERIMENTER_BY_CLASS = {kind.cls: kind for kind in _EXPERIMENTER_KINDS}
_NX_STATS_BY_TYPE = {(kind.is_reply, kind.stats_type): kind for kind in _NX_STATS_KINDS}
_NX_STATS_BY_CLASS = {kind.cls: kind for kind in _NX_STATS_KINDS}


def _as_experimenter(message: m.Message) -> bool:
    """Whether `message` travels as its experimenter (Nicira or ONF) form."""
    cls = type(message)
    if cls not in _EXPERIMENTER_BY_CLASS:
        return False
    if cls is m.FlowMod:
        return fm.flow_mod_wire(message) == flow_wire.WIRE_NXM
    if cls is m.FlowRemoved:
        return message.version == OFP10 and message.nxm
    if cls in (m.BundleControl, m.BundleAddMessage):
        return message.version < OFP14
    if cls is m.GroupMod:   # NXT_GROUP_MOD in OpenFlow 1.0 only (group_codec)
        return message.version == OFP10
    return True


def _multipart_layout(version: int) -> struct.Struct:
    return _MULTIPART_10 if version == OFP10 else _MULTIPART_11


def decode(data: bytes) -> m.Message:
    """Decodes one whole message; `data` must be exactly as long as its header says."""
    if len(data) < HEADER.size:
        raise DecodeError(BAD_LEN, "message shorter than a header")
    version, msg_type, length, xid = HEADER.unpack_from(data)
    if length != len(data):
        raise DecodeError(BAD_LEN, "header says %d bytes, got %d" % (length, len(data)))
    body = data[HEADER.size:]
    header_fields = {"version": version, "xid": xid, "raw": bytes(data)}
    if msg_type == OFPT_HELLO:
        # Any version's HELLO can be read: that is how versions get negotiated.
        return m.Hello(**header_fields, **_decode_hello(version, body))
    if version not in ALL_VERSIONS:
        raise DecodeError(errors.BAD_VERSION, "unknown OpenFlow version %#x" % version)
    family = _family(version)
    if msg_type == MULTIPART_REQUEST[family] or msg_type == MULTIPART_REPLY[family]:
        return _decode_multipart(version, msg_type, body, header_fields)
    if msg_type == OFPT_EXPERIMENTER:
        return _decode_experimenter(version, msg_type, body, header_fields)
    kind = _KIND_BY_TYPE.get((family, msg_type))
    if kind is None:
        return m.UnsupportedMessage(**header_fields, type=msg_type, error=errors.BAD_TYPE)
    return kind.cls(**header_fields, **kind.decode_body(version, body))


def _decode_experimenter(version: int, msg_type: int, body: bytes,
                         header_fields: dict) -> m.Message:
    kind = None
    if len(body) >= _EXPERIMENTER_HEADER.size:
        kind = _EXPERIMENTER_BY_NUMBER.get(_EXPERIMENTER_HEADER.unpack_from(body))
    if kind is None:
        return m.UnsupportedMessage(**header_fields, type=msg_type,
                                    error=_experimenter_error(body))
    return kind.cls(**header_fields,
                    **kind.decode_body(version, body[_EXPERIMENTER_HEADER.size:]))


def _decode_multipart(version: int, msg_type: int, body: bytes,
                      header_fields: dict) -> m.Message:
    layout = _multipart_layout(version)
    if len(body) < layout.size:
        raise DecodeError(BAD_LEN, "multipart message too short")
    stats_type, flags = layout.unpack_from(body)
    is_reply = msg_type == MULTIPART_REPLY[_family(version)]
    kind = _MULTIPART_BY_TYPE.get((is_reply, stats_type))
    rest = body[layout.size:]
    if (kind is None and stats_type == OFPST_EXPERIMENTER and version == OFP10
            and len(rest) >= _NX_STATS_HEADER.size):
        vendor, subtype = _NX_STATS_HEADER.unpack_from(rest)
        kind = _NX_STATS_BY_TYPE.get((is_reply, subtype)) if vendor == NX_EXPERIMENTER_ID \
            else None
        if kind is not None:
            fields = kind.decode_body(version, rest[_NX_STATS_HEADER.size:])
            return kind.cls(**header_fields, flags=flags, **fields)
    if kind is None:
        if stats_type == OFPST_EXPERIMENTER:
            error = _experimenter_error(body[layout.size:])
        else:
            error = errors.BAD_STAT
        return m.UnsupportedMessage(**header_fields, type=msg_type, error=error)
    fields = kind.decode_body(version, body[layout.size:])
    return kind.cls(**header_fields, flags=flags, **fields)


def encode(message: m.Message) -> bytes:
    """The wire form of `message` in its own version."""
    version = message.version
    kind = _KIND_BY_CLASS.get(type(message))
    if _as_experimenter(message):
        experimenter = _EXPERIMENTER_BY_CLASS[type(message)]
        msg_type = OFPT_EXPERIMENTER
        body = (_EXPERIMENTER_HEADER.pack(experimenter.vendor, experimenter.subtype)
                + experimenter.encode_body(message))
    elif type(message) in _NX_STATS_BY_CLASS and version == OFP10 and message.nxm:
        nx_stats = _NX_STATS_BY_CLASS[type(message)]
        msg_type = (MULTIPART_REPLY if nx_stats.is_reply else MULTIPART_REQUEST)[OFP10]
        body = (_MULTIPART_10.pack(OFPST_EXPERIMENTER, message.flags)
                + _NX_STATS_HEADER.pack(NX_EXPERIMENTER_ID, nx_stats.stats_type)
                + nx_stats.encode_body(message))
    elif kind is not None:
        msg_type = kind.type_10 if version == OFP10 else kind.type_11
        body = kind.encode_body(message)
    else:
        multipart = _MULTIPART_BY_CLASS[type(message)]
        family = _family(version)
        msg_type = (MULTIPART_REPLY if multipart.is_reply else MULTIPART_REQUEST)[family]
        body = (_multipart_layout(version).pack(multipart.stats_type, message.flags)
                + multipart.encode_body(message))
    length = HEADER.size + len(body)
    if length > MAX_MESSAGE_LEN:
        raise ValueError("%s is %d bytes, more than an OpenFlow message can hold"
                         % (type(message).__name__, length))
    return HEADER.pack(version, msg_type, length, message.xid) + body


def error_reply(request: m.Message, error: errors.ErrorCode) -> m.Error:
    """The ERROR answering `request` (quoted whole, as Open vSwitch does) with `error`, in
    the numbering of the request's version; an error that version cannot express becomes
    NXBRC_UNENCODABLE_ERROR."""
    numbering = error.wire(request.version) or errors.UNENCODABLE_ERROR.wire(request.version)
    if numbering.vendor is None:
        error_type, code, prefix = numbering.type, numbering.code, b""
    elif request.version < OFP12:
        error_type, code = errors.NXET_VENDOR, 0
        prefix = struct.pack("!IHH", numbering.vendor, numbering.type, numbering.code)
    else:
        error_type, code = numbering.type, numbering.code
        prefix = struct.pack("!I", numbering.vendor)
    room = MAX_MESSAGE_LEN - HEADER.size - _U16_PAIR.size - len(prefix)
    return m.Error(version=request.version, xid=request.xid, type=error_type,
                   code=code, data=prefix + request.raw[:room])


def port_desc_replies(version: int, xid: int, ports) -> list[m.PortDescReply]:
    """The port-description reply for `ports`, split into as many messages as needed; all
    but the last carry the "more" flag."""
    room = MAX_MESSAGE_LEN - HEADER.size - _multipart_layout(version).size
    per_message = room // port_desc_size(version)
    ports = tuple(ports)
    chunks = [ports[start:start + per_message]
              for start in range(0, len(ports), per_message)] or [()]
    return [m.PortDescReply(version=version, xid=xid, ports=chunk,
                            flags=m.OFPMPF_REPLY_MORE if index < len(chunks) - 1 else 0)
            for index, chunk in enumerate(chunks)]


def features_reply_port_room(version: int) -> int:
    """How many port descriptions fit in a 1.0-1.2 features reply."""
    return (MAX_MESSAGE_LEN - HEADER.size - _FEATURES_10.size) // port_desc_size(version)



def flow_stats_replies(version: int, xid: int, flows, nxm: bool = False
                       ) -> list[m.FlowStatsReply]:
    """The flow-statistics reply for `flows` (NXST_FLOW when `nxm`, OpenFlow 1.0 only),
    split so that no message exceeds 64 KB; all but the last carry the "more" flag.  Each
    flow is encoded once: the replies carry their bodies (`fs.EncodedFlows`)."""
    header = HEADER.size + _multipart_layout(version).size + (
        _NX_STATS_HEADER.size if nxm and version == OFP10 else 0)
    room = MAX_MESSAGE_LEN - header
    chunks, current, encoded, used = [], [], [], 0
    for flow in flows:
        entry = fs.encode_flow_entry(version, nxm, flow)
        if current and used + len(entry) > room:
            chunks.append(fs.EncodedFlows(current, version, nxm, b"".join(encoded)))
            current, encoded, used = [], [], 0
        current.append(flow)
        encoded.append(entry)
        used += len(entry)
    chunks.append(fs.EncodedFlows(current, version, nxm, b"".join(encoded)))
    return [m.FlowStatsReply(version=version, xid=xid, flows=chunk, nxm=nxm,
                             flags=m.OFPMPF_REPLY_MORE if index < len(chunks) - 1 else 0)
            for index, chunk in enumerate(chunks)]
