"""OpenFlow error types and codes: the (type, code) pairs an OFPT_ERROR carries, with the names
ovs-ofctl prints for them.

`ErrorCode` is one named pair; `since` is the first wire version that defines it.  The pairs
used here have the same numbers in every version that defines them.  `DecodeError` is what the
codec raises for a malformed message: it carries the error a switch replies with.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP13

# Error types (ofp_error_type).
OFPET_HELLO_FAILED = 0
OFPET_BAD_REQUEST = 1
OFPET_SWITCH_CONFIG_FAILED = 10  # OpenFlow 1.1+


class ErrorCode(NamedTuple):
    name: str
    type: int
    code: int
    since: int = OFP10


HELLO_INCOMPATIBLE = ErrorCode("OFPHFC_INCOMPATIBLE", OFPET_HELLO_FAILED, 0)
HELLO_EPERM = ErrorCode("OFPHFC_EPERM", OFPET_HELLO_FAILED, 1)
BAD_VERSION = ErrorCode("OFPBRC_BAD_VERSION", OFPET_BAD_REQUEST, 0)
BAD_TYPE = ErrorCode("OFPBRC_BAD_TYPE", OFPET_BAD_REQUEST, 1)
BAD_STAT = ErrorCode("OFPBRC_BAD_STAT", OFPET_BAD_REQUEST, 2)
BAD_VENDOR = ErrorCode("OFPBRC_BAD_VENDOR", OFPET_BAD_REQUEST, 3)
BAD_SUBTYPE = ErrorCode("OFPBRC_BAD_SUBTYPE", OFPET_BAD_REQUEST, 4)
BAD_REQUEST_EPERM = ErrorCode("OFPBRC_EPERM", OFPET_BAD_REQUEST, 5)
BAD_LEN = ErrorCode("OFPBRC_BAD_LEN", OFPET_BAD_REQUEST, 6)
BUFFER_EMPTY = ErrorCode("OFPBRC_BUFFER_EMPTY", OFPET_BAD_REQUEST, 7)
BUFFER_UNKNOWN = ErrorCode("OFPBRC_BUFFER_UNKNOWN", OFPET_BAD_REQUEST, 8)
BAD_TABLE_ID = ErrorCode("OFPBRC_BAD_TABLE_ID", OFPET_BAD_REQUEST, 9, OFP11)
IS_SLAVE = ErrorCode("OFPBRC_IS_SLAVE", OFPET_BAD_REQUEST, 10, OFP11)
BAD_PORT = ErrorCode("OFPBRC_BAD_PORT", OFPET_BAD_REQUEST, 11, OFP11)
BAD_PACKET = ErrorCode("OFPBRC_BAD_PACKET", OFPET_BAD_REQUEST, 12, OFP11)
MULTIPART_BUFFER_OVERFLOW = ErrorCode("OFPBRC_MULTIPART_BUFFER_OVERFLOW", OFPET_BAD_REQUEST,
                                      13, OFP13)
SWITCH_CONFIG_BAD_FLAGS = ErrorCode("OFPSCFC_BAD_FLAGS", OFPET_SWITCH_CONFIG_FAILED, 0, OFP11)
SWITCH_CONFIG_BAD_LEN = ErrorCode("OFPSCFC_BAD_LEN", OFPET_SWITCH_CONFIG_FAILED, 1, OFP11)
SWITCH_CONFIG_EPERM = ErrorCode("OFPSCFC_EPERM", OFPET_SWITCH_CONFIG_FAILED, 2, OFP11)

_ALL = [HELLO_INCOMPATIBLE, HELLO_EPERM, BAD_VERSION, BAD_TYPE, BAD_STAT, BAD_VENDOR,
        BAD_SUBTYPE, BAD_REQUEST_EPERM, BAD_LEN, BUFFER_EMPTY, BUFFER_UNKNOWN, BAD_TABLE_ID,
        IS_SLAVE, BAD_PORT, BAD_PACKET, MULTIPART_BUFFER_OVERFLOW, SWITCH_CONFIG_BAD_FLAGS,
        SWITCH_CONFIG_BAD_LEN, SWITCH_CONFIG_EPERM]
_BY_NUMBERS = {(error.type, error.code): error for error in _ALL}


def lookup(version: int, error_type: int, code: int) -> Optional[ErrorCode]:
    """The named error a message of `version` means by (error_type, code), if we know it."""
    error = _BY_NUMBERS.get((error_type, code))
    if error is not None and version >= error.since:
        return error
    return None


class DecodeError(Exception):
    """A message could not be decoded; `error` is what the receiver answers with."""

    def __init__(self, error: ErrorCode, detail: str = ""):
        super().__init__(detail or error.name)
        self.error = error
