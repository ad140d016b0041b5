"""Two versions of a set of flow tables, side by side: what diff-flows prints and what
replace-flows sends.

A flow is keyed by (table, match, priority); each source (index 0 and 1) holds at most one
`FlowVersion` per key, a later flow replacing an earlier one.  Entries come back in the order
ovs-ofctl walks its classifier: tables in ascending order; within a table, groups of flows
with the same match mask ("subtables") by their highest priority, descending, ties in the
order the groups first appeared; within a group, in the order keys first appeared.

Two versions are the same when cookie, timeouts, importance and actions agree; flags are
ignored, because a switch does not report all of them.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterator, Optional


@dataclasses.dataclass(frozen=True)
class FlowVersion:
    cookie: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    importance: int = 0
    flags: int = 0
    actions: tuple = ()

    def same_as(self, other: "FlowVersion") -> bool:
        return (self.cookie, self.idle_timeout, self.hard_timeout, self.importance,
                self.actions) == (other.cookie, other.idle_timeout, other.hard_timeout,
                                  other.importance, other.actions)


@dataclasses.dataclass(frozen=True)
class FlowKey:
    table_id: int
    match: object            # pyvswitch.ofproto.match.Match
    priority: int


@dataclasses.dataclass
class _Subtable:
    max_priority: int
    keys: list


class FlowTableDiff:
    def __init__(self):
        self._versions: dict[FlowKey, list[Optional[FlowVersion]]] = {}
        self._tables: dict[int, dict[int, _Subtable]] = {}

    def add(self, index: int, key: FlowKey, version: FlowVersion) -> None:
        versions = self._versions.get(key)
        if versions is None:
            versions = self._versions[key] = [None, None]
            subtables = self._tables.setdefault(key.table_id, {})
            subtable = subtables.get(key.match.mask)
            if subtable is None:
                subtable = subtables[key.match.mask] = _Subtable(key.priority, [])
            subtable.max_priority = max(subtable.max_priority, key.priority)
            subtable.keys.append(key)
        versions[index] = version

    def entries(self) -> Iterator[tuple[FlowKey, Optional[FlowVersion], Optional[FlowVersion]]]:
        for table_id in sorted(self._tables):
            subtables = sorted(self._tables[table_id].values(),
                               key=lambda subtable: -subtable.max_priority)
            for subtable in subtables:
                for key in subtable.keys:
                    yield (key, *self._versions[key])

    def differences(self, describe: Callable[[FlowKey, FlowVersion], str]) -> list[str]:
        """diff-flows' output lines: "-" for source 0 only or changed, "+" for source 1."""
        lines = []
        for key, first, second in self.entries():
            if first is not None and second is not None and first.same_as(second):
                continue
            if first is not None:
                lines.append("-" + describe(key, first))
            if second is not None:
                lines.append("+" + describe(key, second))
        return lines


def describe_version(key: FlowKey, version: FlowVersion, rule_text: str,
                     actions_text: str) -> str:
    """One side of a diff-flows line; `rule_text` is the match with its priority, as
    ovs-ofctl prints a classifier rule, and `actions_text` the formatted actions."""
    text = "table=%d " % key.table_id if key.table_id else ""
    text += rule_text
    if version.cookie:
        text += " cookie=0x%x" % version.cookie
    if version.idle_timeout:
        text += " idle_timeout=%d" % version.idle_timeout
    if version.hard_timeout:
        text += " hard_timeout=%d" % version.hard_timeout
    if version.importance:
        text += " importance=%d" % version.importance
    return text + " actions=" + actions_text
