"""Errors of the action and instruction codec.

Decoding raises `DecodeError` carrying the OFPET_BAD_ACTION (type 2) or OFPET_BAD_INSTRUCTION
(type 3) code Open vSwitch answers a malformed or unsupported action or instruction with.
Encoding raises `UnencodableAction` (a ValueError) when an action has no form in the
requested OpenFlow version; its message follows ovs-ofctl's wording for the flow formats
that could carry it.  errors._ALL lists the same errors (it cannot import this module, which
imports it), so that errors received from a peer get their names too.
"""
from __future__ import annotations

from pyvswitch.ofproto.protocol.errors import _numbered

# Numbered as Open vSwitch's ofp-errors documents them; errors._ALL lists the same entries.
ACTION_ERROR_NOTATIONS = (
    ("OFPBAC_BAD_TYPE", "OF1.0+(2,0)"),
    ("OFPBAC_BAD_LEN", "OF1.0+(2,1)"),
    ("OFPBAC_BAD_VENDOR", "OF1.0+(2,2)"),
    ("OFPBAC_BAD_VENDOR_TYPE", "OF1.0+(2,3)"),
    ("OFPBAC_BAD_OUT_PORT", "OF1.0+(2,4)"),
    ("OFPBAC_BAD_ARGUMENT", "OF1.0+(2,5)"),
    ("OFPBAC_UNSUPPORTED_ORDER", "OF1.1+(2,11)"),
    ("OFPBAC_BAD_SET_TYPE", "OF1.2+(2,13)"),
    ("OFPBAC_BAD_SET_LEN", "OF1.2+(2,14)"),
    ("OFPBAC_BAD_SET_ARGUMENT", "OF1.2+(2,15)"),
    ("OFPBIC_UNKNOWN_INST", "OF1.1+(3,0)"),
    ("OFPBIC_BAD_LEN", "OF1.2+(3,7)"),
    ("OFPBIC_DUP_INST", "NX1.1-1.3(3,256) OF1.4+(3,9)"),
    ("OFPMMFC_INVALID_METER", "OF1.3+(12,1)"),
)
(BAD_ACTION_TYPE, BAD_ACTION_LEN, BAD_VENDOR, BAD_VENDOR_TYPE, BAD_OUT_PORT, BAD_ARGUMENT,
 UNSUPPORTED_ORDER, BAD_SET_TYPE, BAD_SET_LEN, BAD_SET_ARGUMENT, UNKNOWN_INSTRUCTION,
 BAD_INSTRUCTION_LEN, DUPLICATE_INSTRUCTION, INVALID_METER) = ALL = [
    _numbered(name, notation) for name, notation in ACTION_ERROR_NOTATIONS]

# How ovs-ofctl names the flow formats each version allows.
ALLOWED_FORMATS = {1: "OpenFlow10,NXM", 2: "OpenFlow11", 3: "OXM-OpenFlow12",
                   4: "OXM-OpenFlow13", 5: "OXM-OpenFlow14", 6: "OXM-OpenFlow15"}


class UnencodableAction(ValueError):
    """An action that cannot be expressed in the requested OpenFlow version."""


def not_in_version(usable_formats: str, version: int) -> UnencodableAction:
    """ovs-ofctl's complaint about an action only `usable_formats` can carry."""
    return UnencodableAction("none of the usable flow formats (%s) is among the allowed flow "
                             "formats (%s)" % (usable_formats, ALLOWED_FORMATS[version]))
