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
`bisect` finds it).  The sorted order is a large list plus a short sorted list of recent
additions, merged when the short one grows; adding a prefix is therefore cheap even for 100,000
distinct /32s.

Removal is lazy in the sorted lists: a value whose count dropped to zero may linger until the
next rebuild.  That only ever makes `bits_to_tell_apart` larger (more bits un-wildcarded than
needed), never smaller, so answers stay correct; the lists are rebuilt from the counts when more
than half of them are stale.
"""
from __future__ import annotations

import bisect

#: The recent additions are merged into the large sorted list once there are this many.
_MERGE_AT = 2048


class _PrefixLength:
    """The prefixes of one length: reference counts plus sorted values (possibly with stale ones)."""
    __slots__ = ("length", "counts", "sorted", "recent", "stale")

    def __init__(self, length: int):
        self.length = length
        self.counts: dict[int, int] = {}
        self.sorted: list[int] = []
        self.recent: list[int] = []
        self.stale = 0

    def add(self, prefix: int) -> None:
        count = self.counts.get(prefix, 0)
        self.counts[prefix] = count + 1
        if count:
            return
        bisect.insort(self.recent, prefix)
        if len(self.recent) >= _MERGE_AT:
            self.sorted.extend(self.recent)
            self.sorted.sort()
            self.recent = []

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
            self.stale = 0

    def longest_common_prefix(self, prefix: int) -> int:
        """The most leading bits `prefix` shares with a value here (-1 when there is none)."""
        best = -1
        length = self.length
        for values in (self.sorted, self.recent):
            i = bisect.bisect_left(values, prefix)
            if i < len(values):
                best = max(best, length - (values[i] ^ prefix).bit_length())
            if i:
                best = max(best, length - (values[i - 1] ^ prefix).bit_length())
        return best


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
