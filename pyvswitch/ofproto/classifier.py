"""The classifier: one OpenFlow table's rules, and the lookup that finds a key's rule and megaflow mask.

In: rules (any object with `.match`, a `Match` over the flow-key layout of pyvswitch.fields,
`.priority` and `.conjunctions`, a tuple of `ofpact.Conjunction`), each inserted and removed at a
version.  Out: `lookup(key, version)` gives the highest-priority rule visible at that version whose
match matches `key` (equal priorities: the one inserted first), and `wc`, a mask of every key bit
the answer depended on: every key that agrees with `key` on `wc` gets the same answer.  The
datapath caches the answer as a megaflow over `wc`, so the narrower `wc`, the more packets one
megaflow serves.  An extra bit in `wc` costs cache hits; a missing bit is a forwarding bug.

Tuple-space search.  Rules are grouped by mask into subtables; a subtable is a dict from
`match.value` to the bucket of rules with exactly that match (sorted by priority, then insertion),
so finding a subtable's candidate for a key is one dict lookup of `key & mask`.  A lookup visits
subtables in descending order of the highest priority they hold and stops at the first one that
cannot beat the best rule found so far, because it holds nothing of higher priority (or of equal
priority inserted earlier; `first_seq` bounds that).  A lookup's cost is therefore O(subtables
visited), whatever the number of rules.

What a subtable visit adds to `wc`.  A subtable that finds a rule, or finds none after a full
lookup, had to examine all its mask, so `wc` gets the mask.  Two refinements examine less:

  * Staged lookup.  The key's bits are cut into four stages, metadata (in_port, tunnel, registers,
    everything above the packet fields), L2, L3, L4, from the field registry: a field is L2 when
    it has no prerequisites, L3 when they stop at dl_type, L4 when they reach nw_proto.  A
    subtable whose mask spans several stages keeps, for every stage but the last, the set of
    `value & (mask bits of this stage and the ones before)` over its rules.  A lookup checks the
    stages in order; when the key's bits so far are not in a stage's set, the subtable cannot
    match and `wc` gets only the bits of the stages examined (a miss on in_port leaves the IP
    addresses and ports wildcarded).
  * Prefix tracking.  For each prefix field (`set_prefix_fields`; nw_src and nw_dst by default,
    as Open vSwitch's Flow_Table prefixes column), a `PrefixTrie` holds every prefix a subtable
    with a /L mask on that field uses.  Reaching the stage that holds the field, a subtable first
    asks whether the key's leading L bits are a prefix in use; if not, it is skipped and `wc`
    gets only the few leading bits of the field that prove it (rule nw_dst=10.0.0.0/8, packet to
    192.168.1.1: one bit).  The trie's answer is about the field alone, so the stages before are
    not added.
  * Port tracking.  A subtable that matches tp_src/tp_dst keeps its rules' port word (tp_src
    above tp_dst, under its mask) as prefixes too.  When its final lookup misses and no rule has
    the key's ports, `wc` gets only the leading port bits that tell the key's ports from every
    rule's (rules tp_dst=80 and 443, packet to port 22: the top ten bits of tp_dst).

Conjunctive matches (ovs-fields(7) "Conjunctive Match Fields").  A rule with conjunctions never
matches itself.  The lookup first finds the best ordinary rule ("hard" match, priority H) and, on
the way, every visible conjunctive rule that matches the key ("soft" matches).  Then, for each
priority P > H holding soft matches, from the highest down: a conjunction id is complete at P when
the soft matches at P with `conjunction(id, k/n)` together cover every clause k of 1..n; for each
complete id in ascending order the table is looked up again with conj_id set to id in a copy of
the key, ignoring conjunctive rules; the first such lookup that finds a rule gives the answer
(whatever that rule's priority).  When none does at any P > H, the answer is the hard match.  Every
lookup made along the way adds to `wc`.  Open vSwitch tries complete ids in the order it meets
them; the man page calls overlapping conjunctive flows unpredictable, so ascending order is an
equally valid and reproducible choice.  Clauses count by (id, n): flows that disagree on n for one
id do not complete each other.

Versions.  Every rule has the version it was inserted at and the version it was removed at (none
while live); it is visible to lookups at versions in between (inserted <= version < removed).  A
batch of changes made at version v and then published by looking up at v is seen all at once:
replacing a rule is inserting the new one at v and removing the old one at v.  Removed rules stay
in the structures (they still answer lookups at older versions) until `purge` forgets those no
lookup can see any more.  Re-inserting a removed rule at the version it was removed at undoes the
removal (as aborting a bundle needs); the rule keeps its place among equal priorities.

Bounds that are allowed to be loose: a subtable's `max_priority`, `first_seq`, its stage sets and
the prefix tries count rules of every version, including removed ones not yet purged.  Each may
make a lookup examine more than it must (wider `wc`), never less.
"""
from __future__ import annotations

import heapq
from typing import Iterator, Optional, Sequence

from pyvswitch import fields as F
from pyvswitch.ofproto.prefix_trie import PrefixTrie

#: The field a conjunctive match sets in the key copy it looks up again.
CONJ_ID: F.Field = F.FIELDS["conj_id"]

_NEVER = 1 << 62            # the remove_version of a rule that is not removed
_NO_PRIORITY = -(1 << 64)   # below every rule's priority


def _prereq_depth(field: F.Field) -> int:
    return max((1 + _prereq_depth(F.FIELDS[name]) for name, _ in field.prereqs), default=0)


def _stage_masks() -> tuple[int, int, int]:
    """The key bits of the L2, L3 and L4 stages; every other bit is metadata.  A bit shared by
    fields of different stages (arp_sha and nd_sll) belongs to the earliest."""
    by_stage = [0, 0, 0, 0]
    for field in F.FIELDS.values():
        if field.shift >= F.PACKET_KEY_BITS or field.name == "in_port":
            stage = 0
        else:
            stage = 1 + min(_prereq_depth(field), 2)
        by_stage[stage] |= field.mask
    l2 = by_stage[1] & ~by_stage[0]
    l3 = by_stage[2] & ~(by_stage[0] | l2)
    l4 = by_stage[3] & ~(by_stage[0] | l2 | l3)
    return l2, l3, l4


_L2, _L3, _L4 = _stage_masks()

# The transport ports, tp_src above tp_dst, as one 32-bit word of the key.
_PORTS_SHIFT = F.FIELDS["tp_dst"].shift
_PORTS = F.FIELDS["tp_src"].mask | F.FIELDS["tp_dst"].mask
assert _PORTS >> _PORTS_SHIFT == 0xFFFFFFFF


class _Entry:
    """One insertion of a rule: the rule, and when it is visible."""
    __slots__ = ("rule", "priority", "seq", "add_version", "remove_version", "conjunctions",
                 "subtable", "value")

    def __init__(self, rule, value: int, seq: int, version: int, subtable: "_Subtable"):
        self.rule = rule
        self.priority: int = rule.priority
        self.seq = seq
        self.add_version = version
        self.remove_version = _NEVER
        self.conjunctions: tuple = tuple(rule.conjunctions)
        self.subtable = subtable
        self.value = value


class _PrefixCheck:
    """A subtable's question to one prefix trie: is the key's leading /length a prefix in use?"""
    __slots__ = ("level", "shift", "bits_mask", "field_top", "stage")

    def __init__(self, trie: PrefixTrie, field: F.Field, length: int, stage: int):
        self.level = trie.level(length)
        self.shift = field.shift + field.width - length
        self.bits_mask = (1 << length) - 1
        self.field_top = field.shift + field.width
        self.stage = stage


class _Subtable:
    """The rules of one mask.  `stages` is the staged-lookup plan: (bits so far, set of their
    values over the rules or None for the last stage, prefix checks to make first)."""

    def __init__(self, mask: int):
        self.mask = mask
        self.buckets: dict[int, list[_Entry]] = {}
        self.max_priority = _NO_PRIORITY
        self.first_seq = 0                    # <= the seq of every rule at max_priority
        self._priority_counts: dict[int, int] = {}
        self._priority_heap: list[int] = []   # negated priorities; may hold stale ones
        self.stages: list[tuple[int, Optional[dict[int, int]], tuple[_PrefixCheck, ...]]] = []
        self._indexes: list[tuple[int, dict[int, int]]] = []   # the stage sets, with their bits
        self._prefixes: list[tuple] = []      # (prefix length's values, shift, bits) per check
        parts = [mask & ~(_L2 | _L3 | _L4), mask & _L2, mask & _L3, mask & _L4]
        self._stage_bits: list[int] = []
        so_far = 0
        for part in parts:
            if part:
                so_far |= part
                self._stage_bits.append(so_far)
        if not self._stage_bits:
            self._stage_bits.append(0)
        # A subtable matching the ports tracks its rules' port words as prefixes of the
        # mask's length: a final-stage miss then needs only the port bits that tell them apart.
        ports_mask = (mask & _PORTS) >> _PORTS_SHIFT
        self.ports: Optional[tuple] = None
        if ports_mask:
            length = 32 - ((ports_mask & -ports_mask).bit_length() - 1)
            level = PrefixTrie(32).level(length)
            self.ports = (level, mask & _PORTS, _PORTS_SHIFT + 32 - length, (1 << length) - 1)

    def stage_of(self, field: F.Field) -> int:
        """The index of the first stage whose bits include this subtable's bits of `field`."""
        bits = self.mask & field.mask
        return next(i for i, so_far in enumerate(self._stage_bits) if so_far & bits == bits)

    def set_prefix_checks(self, checks: tuple[_PrefixCheck, ...]) -> None:
        self._prefixes = [(c.level, c.shift, c.bits_mask) for c in checks]
        if self.ports is not None:
            self._prefixes.append((self.ports[0],) + self.ports[2:])
        last = len(self._stage_bits) - 1
        old = {bits: index for bits, index, _ in self.stages}
        self.stages = []
        for i, so_far in enumerate(self._stage_bits):
            index = None if i == last else old.get(so_far)
            if index is None and i != last:
                index = {}
                for value in self.buckets:
                    index[value & so_far] = index.get(value & so_far, 0) + 1
            self.stages.append((so_far, index, tuple(c for c in checks if c.stage == i)))
        self._indexes = [(so_far, index) for so_far, index, _ in self.stages if index is not None]

    # ---- rules ----
    def add(self, entry: _Entry) -> bool:
        """Add `entry`; True if that raised max_priority (the subtable order changes)."""
        value = entry.value
        priority = entry.priority
        bucket = self.buckets.get(value)
        if bucket is None:
            self.buckets[value] = [entry]
            for so_far, index in self._indexes:
                part = value & so_far
                index[part] = index.get(part, 0) + 1
            for level, shift, bits in self._prefixes:
                level.add((value >> shift) & bits)
        else:
            i = len(bucket)
            while i and bucket[i - 1].priority < priority:
                i -= 1
            bucket.insert(i, entry)
        counts = self._priority_counts
        if priority in counts:
            counts[priority] += 1
        else:
            counts[priority] = 1
            heapq.heappush(self._priority_heap, -priority)
        if priority > self.max_priority:
            self.max_priority = priority
            self.first_seq = entry.seq
            return True
        return False

    def discard(self, entry: _Entry) -> bool:
        """Forget `entry`; True if that lowered max_priority."""
        value = entry.value
        bucket = self.buckets[value]
        bucket.remove(entry)
        if not bucket:
            del self.buckets[value]
            for so_far, index in self._indexes:
                part = value & so_far
                count = index[part] - 1
                if count:
                    index[part] = count
                else:
                    del index[part]
            for level, shift, bits in self._prefixes:
                level.remove((value >> shift) & bits)
        priority = entry.priority
        counts = self._priority_counts
        count = counts[priority] - 1
        if count:
            counts[priority] = count
            return False
        del counts[priority]
        heap = self._priority_heap
        while heap and -heap[0] not in counts:
            heapq.heappop(heap)
        if len(heap) > 2 * len(counts) + 8:
            self._priority_heap = heap = [-p for p in counts]
            heapq.heapify(heap)
        if priority != self.max_priority:
            return False
        self.max_priority = -heap[0] if heap else _NO_PRIORITY
        self.first_seq = 0
        return True

    def entries(self) -> Iterator[_Entry]:
        for bucket in self.buckets.values():
            yield from bucket


class Classifier:
    """One OpenFlow table's rules; see the module docstring."""

    def __init__(self, prefix_fields: Sequence[str] = ("nw_src", "nw_dst")) -> None:
        self._subtables: dict[int, _Subtable] = {}
        self._order: list[_Subtable] = []     # by descending max_priority, then first_seq
        self._order_stale = False
        self._live: dict[int, _Entry] = {}          # id(rule) -> its entry not yet removed
        self._removed: dict[int, list[_Entry]] = {}  # id(rule) -> removed entries not purged
        self._next_seq = 0
        self._tries: dict[str, PrefixTrie] = {}
        self.set_prefix_fields(prefix_fields)

    # ---- changes ----
    def insert(self, rule, version: int) -> None:
        """Make `rule` visible to lookups at `version` and later."""
        rule_id = id(rule)
        if rule_id in self._live:
            raise ValueError("rule is already in the classifier")
        removed = self._removed.get(rule_id)
        if removed:
            for entry in removed:
                if entry.remove_version == version:
                    entry.remove_version = _NEVER
                    removed.remove(entry)
                    if not removed:
                        del self._removed[rule_id]
                    self._live[rule_id] = entry
                    return
        match = rule.match
        mask = match.mask
        subtable = self._subtables.get(mask)
        if subtable is None:
            subtable = self._subtables[mask] = _Subtable(mask)
            subtable.set_prefix_checks(self._prefix_checks_for(subtable))
            self._order.append(subtable)
        entry = _Entry(rule, match.value, self._next_seq, version, subtable)
        self._next_seq += 1
        if subtable.add(entry):
            self._order_stale = True
        self._live[rule_id] = entry

    def remove(self, rule, version: int) -> None:
        """Make `rule` invisible to lookups at `version` and later (KeyError if not live)."""
        entry = self._live.pop(id(rule))
        entry.remove_version = version
        self._removed.setdefault(id(rule), []).append(entry)

    def purge(self, oldest_version: int) -> None:
        """Forget the rules removed at or before `oldest_version`: no lookup at `oldest_version`
        or later can see them."""
        for rule_id in list(self._removed):
            entries = self._removed[rule_id]
            kept = []
            for entry in entries:
                if entry.remove_version > oldest_version:
                    kept.append(entry)
                    continue
                subtable = entry.subtable
                if subtable.discard(entry):
                    self._order_stale = True
                if not subtable.buckets:
                    del self._subtables[subtable.mask]
                    self._order.remove(subtable)
            if kept:
                self._removed[rule_id] = kept
            else:
                del self._removed[rule_id]

    def set_prefix_fields(self, fields: Sequence[str]) -> None:
        """Track prefixes on these fields (each maskable, e.g. nw_src, nw_dst, ipv6_src, ipv6_dst)."""
        chosen = []
        for name in fields:
            field = F.field(name)
            if not field.maskable or field.value_mask != (1 << field.width) - 1:
                raise ValueError("%s cannot be a prefix field" % name)
            if field not in chosen:
                chosen.append(field)
        self._tries = {field.name: PrefixTrie(field.width) for field in chosen}
        self._prefix_fields = chosen
        for subtable in self._subtables.values():
            checks = self._prefix_checks_for(subtable)
            for value in subtable.buckets:
                for check in checks:
                    check.level.add((value >> check.shift) & check.bits_mask)
            subtable.set_prefix_checks(checks)

    def _prefix_checks_for(self, subtable: _Subtable) -> tuple[_PrefixCheck, ...]:
        checks = []
        for field in self._prefix_fields:
            bits = (subtable.mask >> field.shift) & field.value_mask
            length = field.width - (bits ^ field.value_mask).bit_length()
            if bits and bits == field.value_mask ^ ((1 << (field.width - length)) - 1):
                checks.append(_PrefixCheck(self._tries[field.name], field, length,
                                           subtable.stage_of(field)))
        return tuple(checks)

    # ---- queries ----
    def lookup(self, key: int, version: int):
        """(the rule `key` gets at `version` or None, the mask of key bits that answer depends on)."""
        return self._search(key, version, True)

    def _search(self, key: int, version: int, with_conjunctions: bool):
        if self._order_stale:
            self._order.sort(key=lambda s: (-s.max_priority, s.first_seq))
            self._order_stale = False
        wc = 0
        hard = None
        hard_priority = _NO_PRIORITY
        hard_seq = 0
        soft: list[_Entry] = []
        for subtable in self._order:
            top = subtable.max_priority
            if top < hard_priority or (top == hard_priority and subtable.first_seq > hard_seq):
                break
            for so_far, index, checks in subtable.stages:
                if checks:
                    skip = _prefix_miss(checks, key)
                    if skip is not None:
                        wc |= skip
                        break
                if index is not None:
                    if key & so_far not in index:
                        wc |= so_far
                        break
                    continue
                bucket = subtable.buckets.get(key & so_far)
                if bucket is None:
                    ports = subtable.ports
                    wc |= so_far if ports is None else _ports_miss(ports, key, so_far)
                    break
                wc |= so_far
                for entry in bucket:
                    if entry.add_version <= version < entry.remove_version:
                        priority = entry.priority
                        if priority < hard_priority or (priority == hard_priority
                                                        and entry.seq > hard_seq):
                            break
                        if not entry.conjunctions:
                            hard = entry
                            hard_priority = priority
                            hard_seq = entry.seq
                            break
                        if with_conjunctions:
                            soft.append(entry)
        if soft:
            for priority in sorted({e.priority for e in soft if e.priority > hard_priority},
                                   reverse=True):
                for conj_id in _complete_conjunctions(e for e in soft if e.priority == priority):
                    rule, conj_wc = self._search(CONJ_ID.set(key, conj_id), version, False)
                    wc |= conj_wc
                    if rule is not None:
                        return rule, wc
        return (hard.rule if hard is not None else None), wc

    def find_exact(self, match, priority: int, version: int):
        """The rule visible at `version` with exactly this match and priority, or None."""
        subtable = self._subtables.get(match.mask)
        if subtable is None:
            return None
        for entry in subtable.buckets.get(match.value, ()):
            if entry.priority == priority and entry.add_version <= version < entry.remove_version:
                return entry.rule
        return None

    def rules(self, version: int) -> Iterator:
        """Every rule visible at `version`, in no particular order."""
        for subtable in list(self._subtables.values()):
            for entry in subtable.entries():
                if entry.add_version <= version < entry.remove_version:
                    yield entry.rule

    def __len__(self) -> int:
        """The number of rules not removed: those visible at the newest version."""
        return len(self._live)

    @property
    def n_subtables(self) -> int:
        return len(self._subtables)


def _prefix_miss(checks: tuple[_PrefixCheck, ...], key: int) -> Optional[int]:
    """When a prefix check proves the subtable cannot match `key`, the key bits that prove it."""
    for check in checks:
        prefix = (key >> check.shift) & check.bits_mask
        level = check.level
        if prefix not in level.counts:
            bits = min(level.length, level.longest_common_prefix(prefix) + 1)
            return ((1 << bits) - 1) << (check.field_top - bits)
    return None


def _ports_miss(ports, key: int, so_far: int) -> int:
    """The key bits that show a subtable matching the ports has no rule for `key`: the leading
    port bits no rule shares when the ports alone rule it out, else all its bits."""
    level, ports_mask, shift, bits_mask = ports
    prefix = ((key & ports_mask) >> shift) & bits_mask
    if prefix in level.counts:
        return so_far
    bits = min(level.length, level.longest_common_prefix(prefix) + 1)
    return ports_mask & (((1 << bits) - 1) << (_PORTS_SHIFT + 32 - bits))


def _complete_conjunctions(entries) -> list[int]:
    """The conjunction ids whose every clause some of these conjunctive rules supply, ascending."""
    clauses: dict[tuple[int, int], set[int]] = {}
    for entry in entries:
        for conj in entry.conjunctions:
            clauses.setdefault((conj.conj_id, conj.n_clauses), set()).add(conj.clause)
    return sorted({conj_id for (conj_id, n), seen in clauses.items() if seen.issuperset(range(n))})
