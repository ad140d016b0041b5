"""The prefixes in use on one field of a classifier, and how few leading bits prove a key misses them.

The classifier keeps one `PrefixTrie` per prefix field (by default nw_src and nw_dst).  Every rule
whose subtable matches the field with a prefix mask (/L, L > 0) adds its L-bit prefix here.  At
lookup time a subtable whose mask has a /L on the field asks two questions about the key's value x:

  * `contains(L, x[:L])`: does any rule use exactly this L-bit prefix?  If not, no rule of the
    subtable can match, and the subtable is skipped without examining the rest of its mask.
  * `bits_to_tell_apart(L, x[:L])`: how many leading bits b of x are enough to know that?  Keys
    that agree with x on those b bits miss every L-bit prefix in use too, so the lookup only
    un-wildcards b bits of the field.  b = min(L, 1 + the longest common prefix of x[:L] with
    any L-bit prefix in use): with rule 10.0.0.0/8 and a packet to 192.168.1.1 that is one bit.

Those are the two questions Open vSwitch answers by walking a binary trie.  A trie walk in Python
costs a step per bit, so this is the same information laid out flat: per prefix length, a dict of
the prefixes with reference counts (for `contains`) and the same values in sorted order, where
the longest common prefix of x with any of them is the one with x's predecessor or successor (so
`bisect` finds it).  The sorted order is a large sorted list plus a short list of recent
additions, sorted by the first query that needs it and merged into the large one when it grows;
adding a prefix is therefore an append, even for 100,000 distinct /32s.

Removal is lazy in the sorted lists: a value whose count dropped to zero may linger until the
next rebuild.  That only ever makes `bits_to_tell_apart` larger (more bits un-wildcarded than
needed), never smaller, so answers stay correct; the lists are rebuilt from the counts when more
than half of them are stale.
"""
from __future__ import annotations

import bisect

#: The recent additions are merged into the large sorted list once there are this many.
_MERGE_AT = 4096


class _PrefixLength:
    """The prefixes of one length: reference counts plus sorted values (possibly with stale ones).
    `recent` holds the values added since the last merge, sorted only when a query needs it."""
    __slots__ = ("length", "counts", "sorted", "recent", "recent_sorted", "stale")

    def __init__(self, length: int):
        self.length = length
        self.counts: dict[int, int] = {}
        self.sorted: list[int] = []
        self.recent: list[int] = []
        self.recent_sorted = True
        self.stale = 0

    def add(self, prefix: int) -> None:
        counts = self.counts
        if prefix in counts:
            counts[prefix] += 1
            return
        counts[prefix] = 1
        recent = self.recent
        recent.append(prefix)
        self.recent_sorted = False
        if len(recent) >= _MERGE_AT:
            self.sorted += recent
            self.sorted.sort()
            self.recent = []
            self.recent_sorted = True

    def remove(self, prefix: int) -> None:
        count = self.counts[prefix] - 1
        if count:
            self.counts[prefix] = count
            return
        del self.counts[prefix]
        self.stale += 1
        if self.stale > _MERGE_AT and self.stale * 2 > len(self.sorted) + len(self.recent):
            self.sorted = sorted(self.counts)
            self.recent = []
            self.recent_sorted = True
            self.stale = 0

    def longest_common_prefix(self, prefix: int) -> int:
        """The most leading bits `prefix` shares with a value here (-1 when there is none)."""
        if not self.recent_sorted:
            self.recent.sort()
            self.recent_sorted = True
        nearest = 0       # the smallest xor with a value: the one sharing the most leading bits
        found = False
        for values in (self.sorted, self.recent):
            if not values:
                continue
            i = bisect.bisect_left(values, prefix)
            if i < len(values):
                diff = values[i] ^ prefix
                if not found or diff < nearest:
                    nearest, found = diff, True
            if i:
                diff = values[i - 1] ^ prefix
                if not found or diff < nearest:
                    nearest, found = diff, True
        return self.length - nearest.bit_length() if found else -1


class PrefixTrie:
    """The prefixes (length, value) in use on one field `width` bits wide."""

    def __init__(self, width: int):
        self.width = width
        self._lengths: dict[int, _PrefixLength] = {}

    def level(self, length: int) -> _PrefixLength:
        """The prefixes of `length` bits (created empty when there are none yet).  The classifier
        holds on to these objects to test membership without a lookup by length."""
        level = self._lengths.get(length)
        if level is None:
            level = self._lengths[length] = _PrefixLength(length)
        return level

    def add(self, length: int, prefix: int) -> None:
        self.level(length).add(prefix)

    def remove(self, length: int, prefix: int) -> None:
        self._lengths[length].remove(prefix)

    def contains(self, length: int, prefix: int) -> bool:
        level = self._lengths.get(length)
        return level is not None and prefix in level.counts

    def bits_to_tell_apart(self, length: int, prefix: int) -> int:
        """How many leading bits of `prefix` show that it is not a `length`-bit prefix in use:
        every value agreeing with `prefix` on that many leading bits is not one either.  Only
        meaningful when `contains(length, prefix)` is False."""
        level = self._lengths.get(length)
        if level is None:
            return 0
        return min(length, level.longest_common_prefix(prefix) + 1)
