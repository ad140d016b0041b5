"""Bodies of bundle messages: OpenFlow 1.4+ OFPT_BUNDLE_CONTROL / OFPT_BUNDLE_ADD_MESSAGE
and the ONF extension for OpenFlow 1.3 (ONFT_BUNDLE_CONTROL 2300 /
ONFT_BUNDLE_ADD_MESSAGE 2301) that `ovs-ofctl --bundle` sends, whose bodies are the same
after the experimenter id and type.

Control: bundle id, control type, flags, properties.  Add: bundle id, 2 pad bytes, flags,
then the bundled message whole (header included, its length from its own header), then,
padded to 8 bytes, properties.  Properties are kept raw.  The bundled message is decoded
by the `decode_message` the codec passes in (one of a type we do not know stays an
UnsupportedMessage and is written back as it came); a bundled message whose length does not
fit is OFPBFC_MSG_BAD_LEN, one of another version OFPBFC_BAD_VERSION, as Open vSwitch
answers.
"""
from __future__ import annotations

import struct
from typing import Callable

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import (BAD_LEN, BUNDLE_BAD_VERSION,
                                               BUNDLE_MSG_BAD_LEN, DecodeError)

OFPT_BUNDLE_CONTROL = 33
OFPT_BUNDLE_ADD_MESSAGE = 34
ONFT_BUNDLE_CONTROL = 2300
ONFT_BUNDLE_ADD_MESSAGE = 2301

_CONTROL = struct.Struct("!IHH")
_ADD = struct.Struct("!I2xH")
_INNER_HEADER = struct.Struct("!BBH")


def decode_control(version: int, body: bytes) -> dict:
    if len(body) < _CONTROL.size:
        raise DecodeError(BAD_LEN, "bundle control too short")
    bundle_id, control_type, flags = _CONTROL.unpack_from(body)
    return {"bundle_id": bundle_id, "type": control_type, "flags": flags,
            "properties": body[_CONTROL.size:]}


def encode_control(message: m.BundleControl) -> bytes:
    return _CONTROL.pack(message.bundle_id, message.type, message.flags) + message.properties


def decode_add(version: int, body: bytes,
               decode_message: Callable[[bytes], m.Message]) -> dict:
    if len(body) < _ADD.size + 8:
        raise DecodeError(BAD_LEN, "bundle add message too short")
    bundle_id, flags = _ADD.unpack_from(body)
    inner_version, _, inner_length = _INNER_HEADER.unpack_from(body, _ADD.size)
    end = _ADD.size + inner_length
    if inner_length < 8 or end > len(body):
        raise DecodeError(BUNDLE_MSG_BAD_LEN, "bundled message length %d" % inner_length)
    if inner_version != version:
        raise DecodeError(BUNDLE_BAD_VERSION, "bundled message of version %#x"
                          % inner_version)
    inner = decode_message(body[_ADD.size:end])
    properties_start = end + (-inner_length % 8)
    properties = body[properties_start:] if properties_start < len(body) else b""
    return {"bundle_id": bundle_id, "flags": flags, "message": inner,
            "properties": properties}


def encode_add(message: m.BundleAddMessage, encode_message: Callable[[m.Message], bytes]
               ) -> bytes:
    inner = (message.message.raw if isinstance(message.message, m.UnsupportedMessage)
             else encode_message(message.message))
    body = _ADD.pack(message.bundle_id, message.flags) + inner
    if message.properties:
        body += b"\0" * (-len(inner) % 8) + message.properties
    return body
