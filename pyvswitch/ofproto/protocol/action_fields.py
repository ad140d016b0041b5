"""Field references inside actions: which NXM/OXM header names a field in which version,
subfields packed as `ofs_nbits`, and set-field values, for the action codec modules.

The registry lists each field's code points (`Field.codes`: the NXM one first, then the OXM
ones with the version that introduced each).  Two rules pick one:

  * `header_for(field, version)`: the registry's `oxm_code_for` (the newest OXM code point
    the version has, else `codes[0]`).  Set-field and OpenFlow 1.5 copy-field actions use it
    with the message's version.
  * `nx_header_for(field)`: `codes[0]`, the NXM code point if there is one (OXM_OF_METADATA
    has none, so NXAST_REG_LOAD uses it).  The Nicira actions (NXAST_REG_LOAD, REG_MOVE,
    learn, ...) name fields this way in every version.

`in_port` is special: in actions it is always the 16-bit NXM_OF_IN_PORT, never the 32-bit
OXM_OF_IN_PORT, as in Open vSwitch.  A field's width inside an action is the smaller of the
registry width and the header's payload (16 bits for in_port); learn's specs name a
subfield too wide for the NXM header by its OXM one (`subfield_header`).
"""
from __future__ import annotations

from typing import Optional

from pyvswitch import fields as F
from pyvswitch.ofproto.ofpact import Subfield
from pyvswitch.ofproto.protocol import oxm
from pyvswitch.ofproto.protocol.action_errors import (BAD_ACTION_LEN, BAD_SET_LEN, BAD_SET_TYPE,
                                                      UnencodableAction)
from pyvswitch.ofproto.protocol.errors import DecodeError, ErrorCode
from pyvswitch.ofproto.protocol.versions import OFP10

_IN_PORT_ONLY_NXM = frozenset({"in_port"})


def _header_of(point: F.CodePoint) -> oxm.Header:
    cls, field_no, length = point.code[:3]
    experimenter = point.code[3] if len(point.code) > 3 else None
    payload = length + (4 if experimenter is not None else 0)
    return oxm.Header(cls, field_no, False, payload, experimenter)


def header_for(field_name: str, version: int, hasmask: bool = False) -> oxm.Header:
    """The header naming `field_name` in an action of `version` (see the module docstring)."""
    field = F.FIELDS.get(field_name)
    if field is None or not field.codes:
        raise UnencodableAction("%s: no NXM or OXM header names this field" % field_name)
    if field.name in _IN_PORT_ONLY_NXM or version == OFP10:
        point = field.codes[0]
    else:
        point = F.oxm_code_for(field, version)
    header = _header_of(point)
    if hasmask:
        header = header._replace(hasmask=True, length=header.length + header.value_length)
    return header


def nx_header_for(field_name: str) -> oxm.Header:
    return header_for(field_name, OFP10)


def subfield_header(subfield: Subfield) -> oxm.Header:
    """The NXM header naming `subfield`, or else the first code point wide enough for its
    bits (OXM_OF_IN_PORT for in_port bits beyond NXM_OF_IN_PORT's 16, as learn writes
    `output:OXM_OF_IN_PORT[]`)."""
    for point in F.FIELDS[subfield.field].codes:
        header = _header_of(point)
        if subfield.ofs + subfield.n_bits <= header.value_length * 8:
            return header
    return nx_header_for(subfield.field)


def bits_of(field_name: str, header: oxm.Header) -> int:
    """How many bits of the field an action can address through `header`."""
    return min(F.FIELDS[field_name].width, header.value_length * 8)


def field_width(field_name: str) -> int:
    return bits_of(field_name, nx_header_for(field_name))


def full_mask(field_name: str) -> int:
    return (1 << field_width(field_name)) - 1


def _code_index() -> dict:
    index = {}
    for field in F.FIELDS.values():
        for point in field.codes:
            key = (point.code[0], point.code[1], point.code[3] if len(point.code) > 3 else None)
            index.setdefault(key, (field, point.code[2]))
    return index


_BY_CODE: dict = {}


def field_named_by(header: oxm.Header) -> Optional[F.Field]:
    """The field whose code point `header` is exactly (class, field, experimenter and value
    length), or None."""
    if not _BY_CODE:
        _BY_CODE.update(_code_index())
    found = _BY_CODE.get((header.cls, header.field, header.experimenter))
    if found is None or found[1] != header.value_length:
        return None
    return found[0]


def pull_header(data: bytes, offset: int,
                unknown: ErrorCode = BAD_SET_TYPE) -> tuple[oxm.Header, str, int]:
    """(header, field name, offset after the header) for the unmasked field reference at
    data[offset:]; a header that names no field (or names one with the wrong length) raises
    `unknown`: Open vSwitch answers OFPBAC_BAD_SET_TYPE for most actions, OFPBMC_BAD_FIELD
    for move, the stack and check_pkt_larger."""
    header = oxm.unpack_header(data, offset)
    if header is None:
        raise DecodeError(BAD_ACTION_LEN, "truncated field header")
    field = field_named_by(header)
    if field is not None and header.hasmask:
        raise DecodeError(BAD_SET_LEN, "masked field header in a field reference")
    if field is None:
        raise DecodeError(unknown, "unknown field header %08x" % (
            header.cls << 16 | header.field << 9 | header.hasmask << 8 | header.length))
    return header, field.name, offset + header.size


def check_subfield(subfield: Subfield, header: oxm.Header) -> None:
    if subfield.n_bits < 1 or subfield.ofs + subfield.n_bits > bits_of(subfield.field, header):
        raise DecodeError(BAD_SET_LEN, "%s[%d..%d] is outside the field" % (
            subfield.field, subfield.ofs, subfield.ofs + subfield.n_bits - 1))


def pack_ofs_nbits(subfield: Subfield) -> int:
    return subfield.ofs << 6 | (subfield.n_bits - 1)


def unpack_ofs_nbits(word: int) -> tuple[int, int]:
    return word >> 6, (word & 0x3F) + 1


def contiguous_runs(mask: int, max_bits: int = 64) -> list[tuple[int, int]]:
    """The (ofs, n_bits) runs of set bits in `mask`, lowest first, none wider than
    `max_bits` (a NXAST_REG_LOAD carries at most 64 bits)."""
    runs = []
    ofs = 0
    while mask >> ofs:
        if not (mask >> ofs) & 1:
            ofs += 1
            continue
        n_bits = 0
        while (mask >> (ofs + n_bits)) & 1 and n_bits < max_bits:
            n_bits += 1
        runs.append((ofs, n_bits))
        ofs += n_bits
    return runs

