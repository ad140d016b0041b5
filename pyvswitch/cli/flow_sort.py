"""dump-flows' --sort[=FIELD] and --rsort[=FIELD] orders, as ovs-ofctl applies them.

Each option adds one criterion; flows compare on the first criterion that tells them apart.
A criterion is a field of the registry, or None for the flow's priority (no FIELD, or the
word "priority").  For a field, a flow that does not match on it (the field is wildcarded,
or its prerequisites do not hold) sorts after every flow that does, whichever the direction;
flows that both match on it compare by the field's value as an unsigned number.  Flows equal
on every criterion compare by priority, highest first (stock `--sort=tcp_dst` lists the flows
without tcp_dst by descending priority), then keep the switch's order.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Optional

from pyvswitch import fields as F


class SortError(ValueError):
    """An unknown field name; str() is the message ovs-ofctl prints."""


@dataclasses.dataclass(frozen=True)
class SortCriterion:
    field: Optional[str]    # canonical field name, None for priority
    descending: bool = False


def parse_criterion(text: Optional[str], descending: bool) -> SortCriterion:
    if text is None or text == "priority":
        return SortCriterion(None, descending)
    try:
        return SortCriterion(F.field(text).name, descending)
    except KeyError:
        raise SortError("%s: unknown field name" % text) from None


def _matches_on(match, field: F.Field) -> bool:
    return F.prereqs_met(match.value, field) and not match.is_wild(field.name)


def _compare(criteria, a, b) -> int:
    for criterion in criteria:
        if criterion.field is None:
            a_value, b_value = a.priority, b.priority
        else:
            field = F.field(criterion.field)
            a_has, b_has = _matches_on(a.match, field), _matches_on(b.match, field)
            if a_has != b_has:
                return -1 if a_has else 1
            a_value, b_value = field.get(a.match.value), field.get(b.match.value)
        result = (a_value > b_value) - (a_value < b_value)
        if result:
            return -result if criterion.descending else result
    return (a.priority < b.priority) - (a.priority > b.priority)


def sort_flows(flows, criteria: list[SortCriterion]) -> list:
    """`flows` (anything with .priority and .match) in the order `criteria` give (at least
    one: with none, ovs-ofctl keeps the switch's order)."""
    return sorted(flows, key=functools.cmp_to_key(functools.partial(_compare, criteria)))
