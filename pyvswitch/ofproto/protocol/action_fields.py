"""Field references inside actions: which NXM/OXM header names a field in which version,
subfields packed as `ofs_nbits`, and set-field values, for the action codec modules.

Open vSwitch names a field by one of up to two headers: its NXM header (usable from OpenFlow
1.0) and its OXM header (usable from the OpenFlow version that introduced it: OXM_OF_*
field numbers 0-35 in 1.2, 36-39 in 1.3, 40-41 in 1.4, the rest in 1.5).  Two rules pick one:

  * `header_for(field, version)`: the newest header the version already has, else the
    oldest one (OXM_OF_METADATA has no NXM form, so NXAST_REG_LOAD in 1.0 uses it).  Set-field
    and OpenFlow 1.5 copy-field actions use this with the message's version.
  * `nx_header_for(field)`: the same rule for version 1.0.  The Nicira actions
    (NXAST_REG_LOAD, REG_MOVE, learn, ...) name fields this way in every version.

`in_port` is special: in actions it is always the 16-bit NXM_OF_IN_PORT, never the 32-bit
OXM_OF_IN_PORT, as in Open vSwitch.  A field's width inside an action is the smaller of the
registry width and the header's payload (16 bits for in_port).
"""
from __future__ import annotations

import struct

from pyvswitch import fields as F
from pyvswitch.ofproto.ofpact import Subfield
from pyvswitch.ofproto.protocol import oxm
from pyvswitch.ofproto.protocol.action_errors import BAD_ARGUMENT, UnencodableAction
from pyvswitch.ofproto.protocol.errors import DecodeError
from pyvswitch.ofproto.protocol.versions import OFP10, OFP12, OFP13, OFP14, OFP15

OXM_CLASS_OPENFLOW_BASIC = 0x8000
_OFS_NBITS = struct.Struct("!H")
_IN_PORT_ONLY_NXM = frozenset({"in_port"})


def _oxm_since(code) -> int:
    if code[0] != OXM_CLASS_OPENFLOW_BASIC:
        return OFP13
    number = code[1]
    if number <= 35:
        return OFP12
    if number <= 39:
        return OFP13
    if number <= 41:
        return OFP14
    return OFP15


def _candidates(field: F.Field) -> list[tuple[int, oxm.Header]]:
    found = []
    if field.nxm is not None:
        found.append((OFP10, oxm.header_for(field, oxm=False)))
    if field.oxm is not None and field.name not in _IN_PORT_ONLY_NXM:
        found.append((_oxm_since(field.oxm), oxm.header_for(field, oxm=True)))
    return found


def header_for(field_name: str, version: int, hasmask: bool = False) -> oxm.Header:
    """The header naming `field_name` in an action of `version` (see the module docstring)."""
    field = F.FIELDS.get(field_name)
    candidates = _candidates(field) if field is not None else []
    if not candidates:
        raise UnencodableAction("%s: no NXM or OXM header names this field" % field_name)
    usable = [entry for entry in candidates if entry[0] <= version]
    _, header = max(usable, key=lambda e: e[0]) if usable else min(candidates, key=lambda e: e[0])
    if hasmask:
        header = header._replace(hasmask=True, length=header.length + header.value_length)
    return header


def nx_header_for(field_name: str) -> oxm.Header:
    return header_for(field_name, OFP10)


def bits_of(field_name: str, header: oxm.Header) -> int:
    """How many bits of the field an action can address through `header`."""
    return min(F.FIELDS[field_name].width, header.value_length * 8)


def field_width(field_name: str) -> int:
    return bits_of(field_name, nx_header_for(field_name))


def full_mask(field_name: str) -> int:
    return (1 << field_width(field_name)) - 1


def pull_header(data: bytes, offset: int) -> tuple[oxm.Header, str, int]:
    """(header, field name, offset after the header) for the header at data[offset:]."""
    header = oxm.unpack_header(data, offset)
    if header is None:
        raise DecodeError(BAD_ARGUMENT, "truncated field header")
    field = oxm.field_of(header)
    if field is None:
        raise DecodeError(BAD_ARGUMENT, "unknown field header %08x" % (
            header.cls << 16 | header.field << 9 | header.length))
    return header, field.name, offset + header.size


def check_subfield(subfield: Subfield, header: oxm.Header) -> None:
    if subfield.n_bits < 1 or subfield.ofs + subfield.n_bits > bits_of(subfield.field, header):
        raise DecodeError(BAD_ARGUMENT, "%s[%d..%d] is outside the field" % (
            subfield.field, subfield.ofs, subfield.ofs + subfield.n_bits - 1))


def pack_ofs_nbits(subfield: Subfield) -> int:
    return subfield.ofs << 6 | (subfield.n_bits - 1)


def unpack_ofs_nbits(word: int) -> tuple[int, int]:
    return word >> 6, (word & 0x3F) + 1


def pack_value(value: int, n_bytes: int) -> bytes:
    return value.to_bytes(n_bytes, "big")


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

