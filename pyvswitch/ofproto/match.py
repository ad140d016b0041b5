"""OpenFlow matches: a value and a wildcard mask over the flow-key layout of pyvswitch.fields.

A `Match` is two ints laid out exactly like a flow key: `mask` has a 1 for every key bit the
match constrains and `value` holds those bits (never a 1 outside `mask`).  A key matches when
`key & mask == value`.  This is Open vSwitch's `struct match` (a flow plus its wildcards), and
it is what every layer shares: the flow-syntax parser sets fields into it, the printer reads
them back out, the NXM/OXM and OpenFlow 1.0 codecs convert it, and the classifier hashes
`key & mask` per distinct mask.

Fields that are views onto another field's storage (dl_vlan onto vlan_tci, arp_spa onto
nw_src, tcp_src onto tp_src...) need no special treatment: setting one sets the shared bits,
and the printer chooses the name from the match's other fields (dl_type, nw_proto) as
ovs-ofctl does.

Prerequisites (ovs-fields(7)): a field is only meaningful when its prerequisites hold, e.g.
tp_dst needs an IP dl_type and a transport nw_proto.  `missing_prereq` names the first field
whose prerequisites this match does not pin down; the parser and the codecs refuse such a
match with the error Open vSwitch gives.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from pyvswitch import fields as F


@dataclasses.dataclass(frozen=True)
class Match:
    value: int = 0
    mask: int = 0

    def __post_init__(self):
        if self.value & ~self.mask:
            raise ValueError("match value has bits outside its mask")

    # ---- building ----
    def with_field(self, name: str, value: int, mask: Optional[int] = None) -> "Match":
        """This match with field `name` constrained to `value` under `mask` (the field's
        own bits, all of them when None); any earlier constraint on those bits is replaced."""
        field = F.field(name)
        bits = field.value_mask if mask is None else mask & field.value_mask
        key_bits = bits << field.shift
        new_mask = self.mask | key_bits
        new_value = (self.value & ~key_bits) | ((value & bits) << field.shift)
        return Match(new_value, new_mask)

    def without_field(self, name: str) -> "Match":
        key_bits = F.field(name).mask
        return Match(self.value & ~key_bits, self.mask & ~key_bits)

    # ---- reading ----
    def get(self, name: str) -> tuple[int, int]:
        """(value, mask) of field `name`, both within the field's bits."""
        field = F.field(name)
        return ((self.value >> field.shift) & field.value_mask,
                (self.mask >> field.shift) & field.value_mask)

    def is_exact(self, name: str) -> bool:
        field = F.field(name)
        return (self.mask >> field.shift) & field.value_mask == field.value_mask

    def is_wild(self, name: str) -> bool:
        field = F.field(name)
        return not (self.mask >> field.shift) & field.value_mask

    def matches(self, key: int) -> bool:
        return key & self.mask == self.value

    def covers(self, other: "Match") -> bool:
        """True if every key `other` matches is matched by this match too."""
        return self.mask & other.mask == self.mask and other.value & self.mask == self.value

    def prereqs_hold(self, name: str) -> bool:
        """True if the match pins down every prerequisite of field `name` to an allowed
        value (recursively)."""
        return prereqs_pinned(self.value, self.mask, name)

    def missing_prereq(self) -> Optional[str]:
        """The canonical name of a constrained field whose prerequisites do not hold, if any.
        Bits shared by several fields (tp_src under tcp_src, udp_src, icmp_type...) are
        fine when any field covering them has its prerequisites met."""
        for field in F.FIELDS.values():
            constrained = self.mask & field.mask
            if not field.prereqs or not constrained or self.prereqs_hold(field.name):
                continue
            if not any(other.mask & constrained == constrained and self.prereqs_hold(other.name)
                       for other in F.FIELDS.values() if other is not field):
                return field.name
        return None


def prereqs_pinned(value: int, mask: int, name: str) -> bool:
    """`Match(value, mask).prereqs_hold(name)`, for codecs that build a match entry by entry."""
    for shift, bits, allowed in _prereq_checks(name):
        if (mask >> shift) & bits != bits or (value >> shift) & bits not in allowed:
            return False
    return True


def bits_with_prereqs_met(match: Match) -> int:
    """The union of the key bits of every field without prerequisites or whose
    prerequisites `match` pins down: what a parser keeps of a match (ovs-ofctl drops the
    rest).  It depends only on the prerequisite fields' bits, so it is remembered by them."""
    if _PREREQ_BITS is None:
        _index_prereq_fields()
    key = (match.value & _PREREQ_BITS, match.mask & _PREREQ_BITS)
    allowed = _ALLOWED_BITS.get(key)
    if allowed is None:
        if len(_ALLOWED_BITS) >= 4096:
            _ALLOWED_BITS.clear()
        allowed = 0
        for field in F.FIELDS.values():
            if not field.prereqs or prereqs_pinned(match.value, match.mask, field.name):
                allowed |= field.mask
        _ALLOWED_BITS[key] = allowed
    return allowed


_PREREQ_BITS: Optional[int] = None
_ALLOWED_BITS: dict[tuple[int, int], int] = {}


def _index_prereq_fields() -> None:
    global _PREREQ_BITS
    bits = 0
    for field in F.FIELDS.values():
        for pre_name, _ in field.prereqs:
            bits |= F.field(pre_name).mask
    _PREREQ_BITS = bits


_PREREQ_CHECKS: dict[str, tuple] = {}


def _prereq_checks(name: str) -> tuple[tuple[int, int, frozenset], ...]:
    """Field `name`'s prerequisites and theirs, flattened: (shift, bits, allowed values) of
    every field that must be exactly matched to one of the allowed values."""
    checks = _PREREQ_CHECKS.get(name)
    if checks is None:
        flat = []
        pending = [name]
        while pending:
            for pre_name, allowed in F.field(pending.pop()).prereqs:
                pre = F.field(pre_name)
                flat.append((pre.shift, pre.value_mask, frozenset(allowed)))
                pending.append(pre_name)
        checks = _PREREQ_CHECKS[name] = tuple(flat)
    return checks


CATCH_ALL = Match()
