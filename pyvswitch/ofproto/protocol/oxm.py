"""NXM and OXM field headers: the 32-bit (or, for experimenter OXMs, 64-bit) tag in front of
every match entry, set_field action and field reference (NXAST_REG_MOVE, learn, ...).

A header is class (16 bits) | field (7 bits) | hasmask (1 bit) | payload length (8 bits).
NXM uses classes 0x0000 (NXM_OF_*) and 0x0001 (NXM_NX_*); OXM (OpenFlow 1.2+) uses 0x8000
(OXM_OF_*) and 0xffff, an experimenter class whose header is followed by a 4-byte
experimenter id counted in the payload length.  The registry (pyvswitch.fields) gives each
field its `nxm` and `oxm` codes as (class, field, length) or, for experimenter OXMs,
(class, field, length, experimenter); this module only maps between those codes, header
words and fields.  With a mask the payload holds value then mask, so its length doubles.
"""
from __future__ import annotations

import struct
from typing import NamedTuple, Optional

from pyvswitch import fields as F

OXM_CLASS_EXPERIMENTER = 0xFFFF
_HEADER = struct.Struct("!I")
_EXPERIMENTER = struct.Struct("!I")


class Header(NamedTuple):
    cls: int
    field: int
    hasmask: bool
    length: int                      # payload bytes after the 32-bit header word
    experimenter: Optional[int] = None

    @property
    def size(self) -> int:
        """Bytes the header takes on the wire (8 for an experimenter OXM)."""
        return 8 if self.experimenter is not None else 4

    @property
    def value_length(self) -> int:
        """Bytes of the value alone (without experimenter id or mask)."""
        payload = self.length - (4 if self.experimenter is not None else 0)
        return payload // 2 if self.hasmask else payload

    def pack(self) -> bytes:
        word = _HEADER.pack(self.cls << 16 | self.field << 9 | int(self.hasmask) << 8
                            | self.length)
        if self.experimenter is not None:
            word += _EXPERIMENTER.pack(self.experimenter)
        return word


def unpack_header(data: bytes, offset: int = 0) -> Optional[Header]:
    """The header at data[offset:], or None if too few bytes remain for it."""
    if len(data) - offset < 4:
        return None
    (word,) = _HEADER.unpack_from(data, offset)
    cls, field, hasmask, length = word >> 16, (word >> 9) & 0x7F, bool(word & 0x100), word & 0xFF
    if cls != OXM_CLASS_EXPERIMENTER:
        return Header(cls, field, hasmask, length)
    if len(data) - offset < 8:
        return None
    (experimenter,) = _EXPERIMENTER.unpack_from(data, offset + 4)
    return Header(cls, field, hasmask, length, experimenter)


def _code_key(code) -> tuple:
    cls, field_no = code[0], code[1]
    experimenter = code[3] if len(code) > 3 else None
    return (cls, field_no, experimenter)


def _index() -> dict:
    by_code = {}
    for field in F.FIELDS.values():
        for code in (field.nxm, field.oxm):
            if code is not None:
                by_code.setdefault(_code_key(code), field)
    return by_code


_BY_CODE: dict = {}


def field_of(header: Header) -> Optional[F.Field]:
    """The registry field a header names (whatever its hasmask and length), or None."""
    if not _BY_CODE:
        _BY_CODE.update(_index())
    return _BY_CODE.get((header.cls, header.field, header.experimenter))


def header_for(field: F.Field, *, oxm: bool, hasmask: bool = False) -> Optional[Header]:
    """The header naming `field` in OXM (`oxm`) or NXM form, None if it has no such code."""
    code = field.oxm if oxm else field.nxm
    if code is None:
        return None
    cls, field_no, length = code[0], code[1], code[2]
    experimenter = code[3] if len(code) > 3 else None
    payload = length * 2 if hasmask else length
    if experimenter is not None:
        payload += 4
    return Header(cls, field_no, hasmask, payload, experimenter)
