"""Bodies of the Nicira Geneve TLV map messages, after the experimenter header.

NXT_TLV_TABLE_MOD (subtype 24): a command (NXTTMC_ADD, _DELETE, _CLEAR), 6 pad bytes, then
mappings.  NXT_TLV_TABLE_REQUEST (25): no body.  NXT_TLV_TABLE_REPLY (26): the switch's
maximum option space (bytes, 32 bits) and number of fields (16 bits), 10 reserved bytes,
then mappings.  A mapping is 8 bytes: option class (16 bits), type (8), length in bytes (8),
tun_metadata field index (16), 2 pad bytes.  The messages are the same in every OpenFlow
version.

Decoding checks what Open vSwitch's decoder checks, in its order, and raises its errors: a
command above CLEAR is NXTTMFC_BAD_COMMAND, an option length that is not a multiple of 4 or
exceeds 124 (the most a Geneve option can carry) NXTTMFC_BAD_OPT_LEN, a field index beyond
the 64 tun_metadata fields (in a reply, beyond its own max_fields) NXTTMFC_BAD_FIELD_IDX, a
partial mapping OFPBRC_BAD_LEN.  The DecodeError's text is the warning ovs-ofctl logs for it.
Whether a switch can hold a valid mapping (how long its tun_metadata fields are, how much
option space is left) is not the codec's business: see pyvswitch.ofproto.tlv_map.
"""
from __future__ import annotations

import struct

from pyvswitch.ofproto.protocol import errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import DecodeError

NXT_TLV_TABLE_MOD = 24
NXT_TLV_TABLE_REQUEST = 25
NXT_TLV_TABLE_REPLY = 26

#: The longest option Geneve can carry (a 5-bit length in 4-byte words).
MAX_OPTION_LEN = 124
#: The tun_metadata fields a mapping can name.
N_FIELDS = 64

_MOD = struct.Struct("!H6x")
_REPLY = struct.Struct("!IH10x")
_MAPPING = struct.Struct("!HBBH2x")


def _decode_mappings(body: bytes, offset: int, max_fields: int) -> tuple[m.TlvMapping, ...]:
    if (len(body) - offset) % _MAPPING.size:
        raise DecodeError(errors.BAD_LEN, "tlv table mapping truncated")
    mappings = []
    for start in range(offset, len(body), _MAPPING.size):
        option_class, option_type, option_len, index = _MAPPING.unpack_from(body, start)
        if option_len % 4 or option_len > MAX_OPTION_LEN:
            raise DecodeError(errors.TLV_BAD_OPT_LEN, "tlv table option length (%d) is not a "
                              "valid option size" % option_len)
        if index >= max_fields:
            raise DecodeError(errors.TLV_BAD_FIELD_IDX, "tlv table field index (%d) is too "
                              "large (max %d)" % (index, max_fields - 1))
        mappings.append(m.TlvMapping(option_class, option_type, option_len, index))
    return tuple(mappings)


def _encode_mappings(mappings) -> bytes:
    return b"".join(_MAPPING.pack(mapping.option_class, mapping.option_type,
                                  mapping.option_len, mapping.index) for mapping in mappings)


def decode_mod(version: int, body: bytes) -> dict:
    if len(body) < _MOD.size:
        raise DecodeError(errors.BAD_LEN, "tlv table mod too short")
    (command,) = _MOD.unpack_from(body)
    if command > m.NXTTMC_CLEAR:
        raise DecodeError(errors.TLV_BAD_COMMAND, "tlv table mod command (%d) is out of "
                          "range" % command)
    return {"command": command, "mappings": _decode_mappings(body, _MOD.size, N_FIELDS)}


def encode_mod(message: m.TlvTableMod) -> bytes:
    return _MOD.pack(message.command) + _encode_mappings(message.mappings)


def decode_request(version: int, body: bytes) -> dict:
    if body:
        raise DecodeError(errors.BAD_LEN, "unexpected %d-byte body" % len(body))
    return {}


def encode_request(message: m.TlvTableRequest) -> bytes:
    return b""


def decode_reply(version: int, body: bytes) -> dict:
    if len(body) < _REPLY.size:
        raise DecodeError(errors.BAD_LEN, "tlv table reply too short")
    max_option_space, max_fields = _REPLY.unpack_from(body)
    return {"max_option_space": max_option_space, "max_fields": max_fields,
            "mappings": _decode_mappings(body, _REPLY.size, max_fields)}


def encode_reply(message: m.TlvTableReply) -> bytes:
    return (_REPLY.pack(message.max_option_space, message.max_fields)
            + _encode_mappings(message.mappings))
