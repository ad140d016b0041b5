"""When OpenFlow rules time out: idle and hard timeouts, fin_timeout, and a queue of deadlines.

A rule with `hard_timeout` H expires H seconds after it was added or last modified; one with
`idle_timeout` I expires I seconds after it last matched a packet (or was added, if never).
When both are due the reason is the hard timeout, as Open vSwitch checks it first.  Times are
seconds on the caller's clock (`now`); nothing here reads a clock.

`ExpiryQueue` keeps rules with a timeout in a heap by the deadline they had when queued.
Packets only postpone an idle deadline, so a queued deadline is never later than the real one:
`next_deadline()` may wake the caller early, never late, and `pop_expired(now)` requeues a
rule whose real deadline turned out to be later.  Rules that left their table are dropped from
the queue lazily (`is_live` says which), and the heap is rebuilt without them once they are
most of it (`forget` counts them), so rules replaced over and over (learned flows) do not
pile up; a rule queued twice (fin_timeout requeues it) is reported once.

fin_timeout (ovs-actions(7)): when a rule whose actions hold fin_timeout matches a TCP packet
with FIN or RST, its timeouts are *reduced* to the action's (a timeout the rule does not have,
or that is already shorter, is left alone); the hard timeout still counts from the rule's
creation or modification.
"""
from __future__ import annotations

import heapq
import itertools
from typing import Callable, Optional

from pyvswitch.ofproto.protocol.messages import OFPRR_HARD_TIMEOUT, OFPRR_IDLE_TIMEOUT


def deadline(rule) -> Optional[float]:
    """When `rule` expires if nothing more matches it, or None if it never does."""
    due = None
    if rule.hard_timeout:
        due = rule.modified + rule.hard_timeout
    if rule.idle_timeout:
        idle_due = rule.used + rule.idle_timeout
        due = idle_due if due is None else min(due, idle_due)
    return due


def expiry_reason(rule, now: float) -> Optional[int]:
    """OFPRR_HARD_TIMEOUT or OFPRR_IDLE_TIMEOUT if `rule` has expired at `now`, else None."""
    if rule.hard_timeout and now >= rule.modified + rule.hard_timeout:
        return OFPRR_HARD_TIMEOUT
    if rule.idle_timeout and now >= rule.used + rule.idle_timeout:
        return OFPRR_IDLE_TIMEOUT
    return None


def reduced_timeout(current: int, limit: int) -> int:
    """A timeout after fin_timeout's `limit` (0: no limit) applied to `current` (0: none)."""
    if limit and (not current or current > limit):
        return limit
    return current


class ExpiryQueue:
    """Rules with timeouts, by (possibly early) deadline; see the module docstring."""

    #: Below this many stale entries the heap is never rebuilt.
    COMPACT_MIN_STALE = 1024

    def __init__(self, is_live: Callable[[object], bool]):
        self._heap: list[tuple[float, int, object]] = []
        self._order = itertools.count()
        self._is_live = is_live
        self._stale = 0

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, rule) -> None:
        due = deadline(rule)
        if due is not None:
            heapq.heappush(self._heap, (due, next(self._order), rule))

    def requeue(self, rule) -> None:
        """Queue `rule` again after its timeouts shrank (its older entry becomes stale)."""
        self.push(rule)
        self.forget()

    def forget(self) -> None:
        """Note that an entry went stale (its rule left its table, or was queued again)."""
        self._stale += 1
        if self._stale >= self.COMPACT_MIN_STALE and self._stale * 2 > len(self._heap):
            earliest: dict[int, tuple[float, int, object]] = {}
            for entry in self._heap:
                rule = entry[2]
                if self._is_live(rule):
                    known = earliest.get(id(rule))
                    if known is None or entry < known:
                        earliest[id(rule)] = entry
            self._heap = list(earliest.values())
            heapq.heapify(self._heap)
            self._stale = 0

    def next_deadline(self) -> Optional[float]:
        heap = self._heap
        while heap and not self._is_live(heap[0][2]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_expired(self, now: float) -> list[tuple[object, int]]:
        """Every live rule expired at `now`, with its reason, in deadline order."""
        expired = []
        seen = set()
        requeue = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _due, _order, rule = heapq.heappop(heap)
            if id(rule) in seen or not self._is_live(rule):
                continue
            seen.add(id(rule))
            reason = expiry_reason(rule, now)
            if reason is not None:
                expired.append((rule, reason))
            else:
                requeue.append(rule)
        for rule in requeue:
            self.push(rule)
        return expired
