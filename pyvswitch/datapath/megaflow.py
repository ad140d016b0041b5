"""The megaflow table: cached translations, each valid for every key that agrees on its mask.

A `Megaflow` says "every packet whose key & mask == match gets these actions".  Megaflows with
the same mask live in one `Subtable`, a dict keyed by `key & mask`, so looking a key up costs
one `&` and one dict get per distinct mask.  `MegaflowTable.lookup` tries the subtables in the
order of their recent hit counts (re-sorted by `rank`), so the busiest masks come first.

Invariants:
  * a live megaflow is in exactly one subtable, under `match == key & mask`, and has
    gen >= 0; `remove` sets gen to DEAD, so anything still holding the object (the exact-match
    cache) sees that it must not be used;
  * no subtable is empty;
  * `n_flows` is the number of live megaflows.

This module is plain data, owned by the datapath thread; it knows nothing of ports or I/O.
"""
from __future__ import annotations

from typing import Iterator, Optional

from pyvswitch.datapath.actions import output_ports
from pyvswitch.fields import IPPROTO_TCP, SHIFT_NW_PROTO

#: `Megaflow.gen` of a megaflow that was removed.
DEAD = -1

_NW_PROTO_MASK = 0xFF << SHIFT_NW_PROTO


class Megaflow:
    """One cached translation and its statistics.

    `key` is the full key of the packet whose translation created the megaflow (what
    dpctl/dump-flows prints, masked); `gen` is the translation generation it is valid for.
    `outputs` is the tuple of ports when the actions are outputs only (the fast path).
    `pushed_packets` and `pushed_bytes` are the part of the statistics the revalidator has
    already handed to the owner.
    """
    __slots__ = ("key", "mask", "match", "actions", "outputs", "gen", "owner", "packets",
                 "bytes", "used", "created", "tcp_flags", "is_tcp", "checked_gen",
                 "pushed_packets", "pushed_bytes")

    def __init__(self, key: int, mask: int, actions: list, gen: int, owner, now: float):
        self.key = key
        self.mask = mask
        self.match = key & mask
        self.gen = gen
        self.owner = owner
        self.packets = 0
        self.bytes = 0
        self.pushed_packets = 0
        self.pushed_bytes = 0
        self.used: Optional[float] = None       # clock time of the last packet
        self.created = now
        self.tcp_flags = 0
        self.checked_gen = DEAD          # generation a revalidator last found this stale flow right in
        self.is_tcp = (key & _NW_PROTO_MASK) >> SHIFT_NW_PROTO == IPPROTO_TCP
        self.set_actions(actions)

    def set_actions(self, actions: list) -> None:
        self.actions = actions
        self.outputs = output_ports(actions)


class Subtable:
    __slots__ = ("mask", "flows", "hits")

    def __init__(self, mask: int):
        self.mask = mask
        self.flows: dict[int, Megaflow] = {}
        self.hits = 0


class MegaflowTable:
    def __init__(self):
        self.subtables: list[Subtable] = []
        self._by_mask: dict[int, Subtable] = {}
        self.n_flows = 0

    def lookup(self, key: int) -> tuple[Optional[Megaflow], int]:
        """(the megaflow matching `key` or None, how many subtables were searched)."""
        searched = 0
        for subtable in self.subtables:
            searched += 1
            flow = subtable.flows.get(key & subtable.mask)
            if flow is not None:
                subtable.hits += 1
                return flow, searched
        return None, searched

    def insert(self, flow: Megaflow) -> None:
        """Add `flow`, replacing any megaflow with the same mask and match."""
        subtable = self._by_mask.get(flow.mask)
        if subtable is None:
            subtable = self._by_mask[flow.mask] = Subtable(flow.mask)
            self.subtables.append(subtable)
        old = subtable.flows.get(flow.match)
        if old is not None:
            old.gen = DEAD
        else:
            self.n_flows += 1
        subtable.flows[flow.match] = flow

    def remove(self, flow: Megaflow) -> None:
        subtable = self._by_mask.get(flow.mask)
        if subtable is None or subtable.flows.get(flow.match) is not flow:
            return
        del subtable.flows[flow.match]
        flow.gen = DEAD
        self.n_flows -= 1
        if not subtable.flows:
            del self._by_mask[flow.mask]
            self.subtables.remove(subtable)

    def clear(self) -> None:
        for flow in self:
            flow.gen = DEAD
        self.subtables = []
        self._by_mask = {}
        self.n_flows = 0

    def rank(self) -> None:
        """Order subtables by hits since the last call, busiest first."""
        self.subtables.sort(key=lambda subtable: -subtable.hits)
        for subtable in self.subtables:
            subtable.hits = 0

    def __iter__(self) -> Iterator[Megaflow]:
        for subtable in list(self.subtables):
            yield from list(subtable.flows.values())

    def __len__(self) -> int:
        return self.n_flows

    @property
    def n_masks(self) -> int:
        return len(self.subtables)
