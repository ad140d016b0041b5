"""OpenFlow error types and codes: the (type, code) pairs an OFPT_ERROR carries, with the names
ovs-ofctl prints for them.

`ErrorCode` is one named error.  Most errors have the same (type, code) in every version that
defines them, from `since` on; those are declared with their numbers directly.  Others are
numbered differently per version, or are Nicira (NX) / ONF extension errors, which travel as
experimenter errors: those are declared from the notation Open vSwitch documents them in
(`_numbered("OFPBMC_BAD_PREREQ", "NX1.0-1.1(1,260) OF1.2+(4,9)")`), and `ErrorCode.wire(version)`
gives the numbering one version uses.  An ErrorCode's own `type`/`code` are its numbers in the
latest version.

On the wire a standard error is (type, code); an extension error is, in OpenFlow 1.0 and 1.1,
type NXET_VENDOR (0xb0c2) code 0 followed by (vendor id, type, code), and in 1.2+ type
OFPET_EXPERIMENTER (0xffff) with the extension's code followed by the vendor id
(see `codec.error_reply`).  `DecodeError` is what the codec raises for a malformed message: it
carries the error a switch replies with.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional

from pyvswitch.ofproto.protocol.versions import OFP10, OFP11, OFP12, OFP13, OFP15

# Error types (ofp_error_type).
OFPET_HELLO_FAILED = 0
OFPET_BAD_REQUEST = 1
OFPET_SWITCH_CONFIG_FAILED = 10  # OpenFlow 1.1+
OFPET_EXPERIMENTER = 0xFFFF      # OpenFlow 1.2+: an extension error follows
NXET_VENDOR = 0xB0C2             # OpenFlow 1.0/1.1: an extension error follows

NX_VENDOR_ID = 0x00002320
ONF_VENDOR_ID = 0x4F4E4600
_VENDORS = {"OF": None, "NX": NX_VENDOR_ID, "ONF": ONF_VENDOR_ID}


class Numbering(NamedTuple):
    """How one range of versions numbers an error.  For an extension error (`vendor` set)
    in 1.2+, `type` is OFPET_EXPERIMENTER and `code` the extension's own number."""
    first: int
    last: int
    type: int
    code: int
    vendor: Optional[int] = None


class ErrorCode(NamedTuple):
    name: str
    type: int
    code: int
    since: int = OFP10
    numbers: tuple[Numbering, ...] = ()

    def wire(self, version: int) -> Optional[Numbering]:
        """The numbering `version` uses for this error, None if it cannot express it."""
        if not self.numbers:
            return (Numbering(self.since, OFP15, self.type, self.code)
                    if version >= self.since else None)
        for numbering in self.numbers:
            if numbering.first <= version <= numbering.last:
                return numbering
        return None


_NOTATION = re.compile(r"(OF|NX|ONF)1\.(\d)(\+|-1\.(\d))?\((\d+)(?:,(\d+))?\)")


def _numbered(name: str, notation: str) -> ErrorCode:
    """An error declared as Open vSwitch documents it: space-separated terms such as
    "OF1.1+(4,9)", "NX1.0-1.1(1,260)", "NX1.2+(11)" or "ONF1.3(2300)" — origin, versions,
    then (type, code), or the extension code alone where the error travels as an
    experimenter error."""
    numbers = []
    for origin, first, plus, last, first_number, second_number in _NOTATION.findall(notation):
        first_version = int(first) + 1
        last_version = OFP15 if plus == "+" else int(last) + 1 if last else first_version
        vendor = _VENDORS[origin]
        if second_number:
            error_type, code = int(first_number), int(second_number)
        else:
            error_type, code = OFPET_EXPERIMENTER, int(first_number)
        numbers.append(Numbering(first_version, last_version, error_type, code, vendor))
    latest = max(numbers, key=lambda numbering: numbering.last)
    return ErrorCode(name, latest.type, latest.code, min(n.first for n in numbers),
                     tuple(numbers))


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
BAD_TABLE_ID = _numbered("OFPBRC_BAD_TABLE_ID", "NX1.0(1,512) OF1.1+(1,9)")
IS_SLAVE = _numbered("OFPBRC_IS_SLAVE", "OF1.0-1.1(1,5) OF1.2+(1,10)")
BAD_PORT = _numbered("OFPBRC_BAD_PORT", "NX1.0-1.1(1,514) OF1.2+(1,11)")
BAD_PACKET = _numbered("OFPBRC_BAD_PACKET", "OF1.2+(1,12)")
MULTIPART_BUFFER_OVERFLOW = ErrorCode("OFPBRC_MULTIPART_BUFFER_OVERFLOW", OFPET_BAD_REQUEST,
                                      13, OFP13)
NXM_INVALID = _numbered("NXBRC_NXM_INVALID", "NX1.0-1.1(1,256) NX1.2+(2)")
NXM_BAD_TYPE = _numbered("NXBRC_NXM_BAD_TYPE", "NX1.0-1.1(1,257) NX1.2+(3)")
MUST_BE_ZERO = _numbered("NXBRC_MUST_BE_ZERO", "NX1.0-1.1(1,515) NX1.2+(4)")
UNENCODABLE_ERROR = _numbered("NXBRC_UNENCODABLE_ERROR", "NX1.0-1.1(1,521) NX1.2+(10)")
SWITCH_CONFIG_BAD_FLAGS = ErrorCode("OFPSCFC_BAD_FLAGS", OFPET_SWITCH_CONFIG_FAILED, 0, OFP11)
SWITCH_CONFIG_BAD_LEN = ErrorCode("OFPSCFC_BAD_LEN", OFPET_SWITCH_CONFIG_FAILED, 1, OFP11)
SWITCH_CONFIG_EPERM = ErrorCode("OFPSCFC_EPERM", OFPET_SWITCH_CONFIG_FAILED, 2, OFP11)

# OFPET_BAD_MATCH (OpenFlow 1.1+; Nicira codes in 1.0).
BAD_MATCH_TYPE = _numbered("OFPBMC_BAD_TYPE", "OF1.1+(4,0)")
BAD_MATCH_LEN = _numbered("OFPBMC_BAD_LEN", "OF1.1+(4,1)")
BAD_MATCH_TAG = _numbered("OFPBMC_BAD_TAG", "OF1.1+(4,2)")
BAD_DL_ADDR_MASK = _numbered("OFPBMC_BAD_DL_ADDR_MASK", "OF1.1+(4,3)")
BAD_NW_ADDR_MASK = _numbered("OFPBMC_BAD_NW_ADDR_MASK", "OF1.1+(4,4)")
BAD_WILDCARDS = _numbered("OFPBMC_BAD_WILDCARDS", "NX1.0(1,262) OF1.1+(4,5)")
BAD_FIELD = _numbered("OFPBMC_BAD_FIELD", "NX1.0(0,263) OF1.1+(4,6)")
BAD_VALUE = _numbered("OFPBMC_BAD_VALUE", "NX1.0(1,258) OF1.1+(4,7)")
BAD_MASK = _numbered("OFPBMC_BAD_MASK", "NX1.0-1.1(1,259) OF1.2+(4,8)")
BAD_PREREQ = _numbered("OFPBMC_BAD_PREREQ", "NX1.0-1.1(1,260) OF1.2+(4,9)")
DUP_FIELD = _numbered("OFPBMC_DUP_FIELD", "NX1.0-1.1(1,261) OF1.2+(4,10)")
BAD_MATCH_EPERM = _numbered("OFPBMC_EPERM", "OF1.2+(4,11)")

# OFPET_FLOW_MOD_FAILED (type 3 in 1.0, 5 in 1.1+).
FLOW_MOD_UNKNOWN = _numbered("OFPFMFC_UNKNOWN", "OF1.1+(5,0)")
FLOW_MOD_TABLE_FULL = _numbered("OFPFMFC_TABLE_FULL", "OF1.0(3,0) OF1.1+(5,1)")
FLOW_MOD_BAD_TABLE_ID = _numbered("OFPFMFC_BAD_TABLE_ID", "OF1.1+(5,2)")
FLOW_MOD_OVERLAP = _numbered("OFPFMFC_OVERLAP", "OF1.0(3,1) OF1.1+(5,3)")
FLOW_MOD_EPERM = _numbered("OFPFMFC_EPERM", "OF1.0(3,2) OF1.1+(5,4)")
FLOW_MOD_BAD_TIMEOUT = _numbered("OFPFMFC_BAD_TIMEOUT", "OF1.1+(5,5)")
FLOW_MOD_BAD_EMERG_TIMEOUT = _numbered("OFPFMFC_BAD_EMERG_TIMEOUT", "OF1.0(3,3)")
FLOW_MOD_BAD_COMMAND = _numbered("OFPFMFC_BAD_COMMAND", "OF1.0(3,4) OF1.1+(5,6)")
FLOW_MOD_BAD_FLAGS = _numbered("OFPFMFC_BAD_FLAGS", "NX1.0(3,258) NX1.1(5,258) OF1.2+(5,7)")
FLOW_MOD_UNSUPPORTED = _numbered("OFPFMFC_UNSUPPORTED", "OF1.0(3,5)")
FLOW_MOD_HARDWARE = _numbered("NXFMFC_HARDWARE", "NX1.0-1.1(5,256) NX1.2+(12)")
FLOW_MOD_NX_BAD_TABLE_ID = _numbered("NXFMFC_BAD_TABLE_ID", "NX1.0-1.1(5,257) NX1.2+(13)")
# A tun_metadata field without a TLV mapping (the connection, which holds the map, decides).
FLOW_MOD_INVALID_TLV_FIELD = _numbered("NXFMFC_INVALID_TLV_FIELD",
                                       "NX1.0-1.1(1,536) NX1.2+(37)")

# OFPET_BUNDLE_FAILED (OpenFlow 1.4+; the ONF extension in 1.3).
BUNDLE_UNKNOWN = _numbered("OFPBFC_UNKNOWN", "ONF1.3(2300) OF1.4+(17,0)")
BUNDLE_EPERM = _numbered("OFPBFC_EPERM", "ONF1.3(2301) OF1.4+(17,1)")
BUNDLE_BAD_ID = _numbered("OFPBFC_BAD_ID", "ONF1.3(2302) OF1.4+(17,2)")
BUNDLE_EXIST = _numbered("OFPBFC_BUNDLE_EXIST", "ONF1.3(2303) OF1.4+(17,3)")
BUNDLE_CLOSED = _numbered("OFPBFC_BUNDLE_CLOSED", "ONF1.3(2304) OF1.4+(17,4)")
BUNDLE_OUT_OF_BUNDLES = _numbered("OFPBFC_OUT_OF_BUNDLES", "ONF1.3(2305) OF1.4+(17,5)")
BUNDLE_BAD_TYPE = _numbered("OFPBFC_BAD_TYPE", "ONF1.3(2306) OF1.4+(17,6)")
BUNDLE_BAD_FLAGS = _numbered("OFPBFC_BAD_FLAGS", "ONF1.3(2307) OF1.4+(17,7)")
BUNDLE_MSG_BAD_LEN = _numbered("OFPBFC_MSG_BAD_LEN", "ONF1.3(2308) OF1.4+(17,8)")
BUNDLE_MSG_BAD_XID = _numbered("OFPBFC_MSG_BAD_XID", "ONF1.3(2309) OF1.4+(17,9)")
BUNDLE_MSG_UNSUP = _numbered("OFPBFC_MSG_UNSUP", "ONF1.3(2310) OF1.4+(17,10)")
BUNDLE_MSG_CONFLICT = _numbered("OFPBFC_MSG_CONFLICT", "ONF1.3(2311) OF1.4+(17,11)")
BUNDLE_MSG_TOO_MANY = _numbered("OFPBFC_MSG_TOO_MANY", "ONF1.3(2312) OF1.4+(17,12)")
BUNDLE_MSG_FAILED = _numbered("OFPBFC_MSG_FAILED", "ONF1.3(2313) OF1.4+(17,13)")
BUNDLE_TIMEOUT = _numbered("OFPBFC_TIMEOUT", "ONF1.3(2314) OF1.4+(17,14)")
BUNDLE_IN_PROGRESS = _numbered("OFPBFC_BUNDLE_IN_PROGRESS", "ONF1.3(2315) OF1.4+(17,15)")
BUNDLE_BAD_VERSION = _numbered("OFPBFC_BAD_VERSION", "NX1.4-1.5(22)")

# NXT_TLV_TABLE_MOD failures (the Geneve option -> tun_metadata map).
TLV_BAD_COMMAND = _numbered("NXTTMFC_BAD_COMMAND", "NX1.0-1.1(1,527) NX1.2+(16)")
TLV_BAD_OPT_LEN = _numbered("NXTTMFC_BAD_OPT_LEN", "NX1.0-1.1(1,528) NX1.2+(17)")
TLV_BAD_FIELD_IDX = _numbered("NXTTMFC_BAD_FIELD_IDX", "NX1.0-1.1(1,529) NX1.2+(18)")
TLV_TABLE_FULL = _numbered("NXTTMFC_TABLE_FULL", "NX1.0-1.1(1,530) NX1.2+(19)")
TLV_ALREADY_MAPPED = _numbered("NXTTMFC_ALREADY_MAPPED", "NX1.0-1.1(1,531) NX1.2+(20)")
TLV_DUP_ENTRY = _numbered("NXTTMFC_DUP_ENTRY", "NX1.0-1.1(1,532) NX1.2+(21)")
TLV_INVALID_DEL = _numbered("NXTTMFC_INVALID_TLV_DEL", "NX1.0-1.1(1,537) NX1.2+(38)")

# Earlier entries win when two errors share numbers in a version (as OFPBRC_EPERM and
# OFPBRC_IS_SLAVE do in 1.0 and 1.1).  Append new errors at the end.
_ALL = [HELLO_INCOMPATIBLE, HELLO_EPERM, BAD_VERSION, BAD_TYPE, BAD_STAT, BAD_VENDOR,
        BAD_SUBTYPE, BAD_REQUEST_EPERM, BAD_LEN, BUFFER_EMPTY, BUFFER_UNKNOWN, BAD_TABLE_ID,
        IS_SLAVE, BAD_PORT, BAD_PACKET, MULTIPART_BUFFER_OVERFLOW, SWITCH_CONFIG_BAD_FLAGS,
        SWITCH_CONFIG_BAD_LEN, SWITCH_CONFIG_EPERM,
        NXM_INVALID, NXM_BAD_TYPE, MUST_BE_ZERO, UNENCODABLE_ERROR,
        BAD_MATCH_TYPE, BAD_MATCH_LEN, BAD_MATCH_TAG, BAD_DL_ADDR_MASK, BAD_NW_ADDR_MASK,
        BAD_WILDCARDS, BAD_FIELD, BAD_VALUE, BAD_MASK, BAD_PREREQ, DUP_FIELD,
        BAD_MATCH_EPERM,
        FLOW_MOD_UNKNOWN, FLOW_MOD_TABLE_FULL, FLOW_MOD_BAD_TABLE_ID, FLOW_MOD_OVERLAP,
        FLOW_MOD_EPERM, FLOW_MOD_BAD_TIMEOUT, FLOW_MOD_BAD_EMERG_TIMEOUT,
        FLOW_MOD_BAD_COMMAND, FLOW_MOD_BAD_FLAGS, FLOW_MOD_UNSUPPORTED, FLOW_MOD_HARDWARE,
        FLOW_MOD_NX_BAD_TABLE_ID, FLOW_MOD_INVALID_TLV_FIELD,
        BUNDLE_UNKNOWN, BUNDLE_EPERM, BUNDLE_BAD_ID, BUNDLE_EXIST, BUNDLE_CLOSED,
        BUNDLE_OUT_OF_BUNDLES, BUNDLE_BAD_TYPE, BUNDLE_BAD_FLAGS, BUNDLE_MSG_BAD_LEN,
        BUNDLE_MSG_BAD_XID, BUNDLE_MSG_UNSUP, BUNDLE_MSG_CONFLICT, BUNDLE_MSG_TOO_MANY,
        BUNDLE_MSG_FAILED, BUNDLE_TIMEOUT, BUNDLE_IN_PROGRESS, BUNDLE_BAD_VERSION,
        # Action and instruction errors, as action_errors declares them.
        _numbered("OFPBAC_BAD_TYPE", "OF1.0+(2,0)"), _numbered("OFPBAC_BAD_LEN", "OF1.0+(2,1)"),
        _numbered("OFPBAC_BAD_VENDOR", "OF1.0+(2,2)"),
        _numbered("OFPBAC_BAD_VENDOR_TYPE", "OF1.0+(2,3)"),
        _numbered("OFPBAC_BAD_OUT_PORT", "OF1.0+(2,4)"),
        _numbered("OFPBAC_BAD_ARGUMENT", "OF1.0+(2,5)"),
        _numbered("OFPBAC_UNSUPPORTED_ORDER", "OF1.1+(2,11)"),
        _numbered("OFPBAC_BAD_SET_TYPE", "OF1.2+(2,13)"),
        _numbered("OFPBAC_BAD_SET_LEN", "OF1.2+(2,14)"),
        _numbered("OFPBAC_BAD_SET_ARGUMENT", "OF1.2+(2,15)"),
        _numbered("OFPBIC_UNKNOWN_INST", "OF1.1+(3,0)"), _numbered("OFPBIC_BAD_LEN", "OF1.2+(3,7)"),
        _numbered("OFPBIC_DUP_INST", "NX1.1-1.3(3,256) OF1.4+(3,9)"),
        _numbered("OFPMMFC_INVALID_METER", "OF1.3+(12,1)"),
        # Geneve TLV map (NXT_TLV_TABLE_MOD), as protocol.tlv_codec and ofproto.tlv_map use them.
        TLV_BAD_COMMAND, TLV_BAD_OPT_LEN, TLV_BAD_FIELD_IDX, TLV_TABLE_FULL,
        TLV_ALREADY_MAPPED, TLV_DUP_ENTRY, TLV_INVALID_DEL,
        # Groups, as protocol.group_codec declares them.
        _numbered("OFPBAC_BAD_OUT_GROUP", "OF1.1+(2,9)"),
        *(_numbered("OFPGMFC_" + name, "OF1.%d+(6,%d)" % (1 if code < 9 else 2, code))
          for code, name in enumerate((
              "GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS",
              "OUT_OF_BUCKETS", "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP",
              "UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE", "BAD_COMMAND", "BAD_BUCKET",
              "BAD_WATCH", "EPERM"))),
        _numbered("OFPGMFC_UNKNOWN_BUCKET", "OF1.5+(6,15)"),
        _numbered("OFPGMFC_BUCKET_EXISTS", "OF1.5+(6,16)"),
        ]


def _index() -> dict:
    by_numbers = {}
    for error in _ALL:
        for version in range(OFP10, OFP15 + 1):
            numbering = error.wire(version)
            if numbering is not None:
                key = (version, numbering.type, numbering.code, numbering.vendor)
                by_numbers.setdefault(key, error)
    return by_numbers


_BY_NUMBERS: dict = {}


def lookup(version: int, error_type: int, code: int,
           vendor: Optional[int] = None) -> Optional[ErrorCode]:
    """The named error a message of `version` means by (error_type, code) — for an
    extension error, the (type, code) it carries after the vendor id — if we know it."""
    if not _BY_NUMBERS:
        _BY_NUMBERS.update(_index())
    return _BY_NUMBERS.get((version, error_type, code, vendor))


def from_wire(version: int, error_type: int, code: int, data: bytes
              ) -> tuple[Optional[ErrorCode], bytes]:
    """The named error an OFPT_ERROR's (type, code, data) means, and the data after any
    extension prefix (in 1.0/1.1 NXET_VENDOR's vendor, type and code; in 1.2+
    OFPET_EXPERIMENTER's vendor id): normally the start of the rejected request."""
    if version < OFP12 and error_type == NXET_VENDOR and len(data) >= 8:
        vendor = int.from_bytes(data[0:4], "big")
        inner_type, inner_code = int.from_bytes(data[4:6], "big"), int.from_bytes(data[6:8],
                                                                                  "big")
        return lookup(version, inner_type, inner_code, vendor), data[8:]
    if version >= OFP12 and error_type == OFPET_EXPERIMENTER and len(data) >= 4:
        return lookup(version, error_type, code, int.from_bytes(data[0:4], "big")), data[4:]
    return lookup(version, error_type, code), data


class DecodeError(Exception):
    """A message could not be decoded; `error` is what the receiver answers with."""

    def __init__(self, error: ErrorCode, detail: str = ""):
        super().__init__(detail or error.name)
        self.error = error
