"""A bridge's MAC learning table: which port each (VLAN, MAC) was last seen on.

Pure data structure, no I/O and no clock of its own: every call that depends on time takes
`now` (seconds, any monotonic origin).  The owner (the Bridge) serializes access.

Behaviour follows ovs-vswitchd's learning table:
  * an entry is (vlan, mac) -> port, refreshed by every frame learned from; it expires
    `aging_time` seconds after it was last refreshed (other_config:mac-aging-time, forced
    into 15..3600, default 300);
  * at most `max_entries` entries (other_config:mac-table-size, forced into 10..1,000,000,
    default 8192).  Learning a new address into a full table evicts, from the port that owns
    the most entries, its least recently refreshed one, so one busy port cannot flush
    everybody else's addresses;
  * entries are kept in least-recently-refreshed order, which is also expiry order (every
    entry has the same aging time), so `expire` only looks at the front of the list, and
    `entries` lists oldest first like `fdb/show`.

Mutating calls return True when forwarding decisions may have changed (an address learned,
moved, expired, evicted or flushed); the owner then invalidates cached translations.
`refresh` is the exception by construction: it only moves a live entry's last-seen time
forward on the port it is already on (traffic that cached translations forwarded), which
changes no lookup answer, so it returns nothing and needs no invalidation.
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Hashable, Iterator, NamedTuple, Optional

DEFAULT_AGING_TIME = 300
DEFAULT_MAX_ENTRIES = 8192
MIN_AGING_TIME, MAX_AGING_TIME = 15, 3600
MIN_MAX_ENTRIES, MAX_MAX_ENTRIES = 10, 1_000_000

MacKey = tuple[int, int]          # (vlan, mac as a 48-bit int)


def normalize_aging_time(seconds: int) -> int:
    return min(max(seconds, MIN_AGING_TIME), MAX_AGING_TIME)


def normalize_max_entries(count: int) -> int:
    return min(max(count, MIN_MAX_ENTRIES), MAX_MAX_ENTRIES)


class MacEntry(NamedTuple):
    port: Hashable
    vlan: int
    mac: int
    age: int                      # whole seconds since last refreshed


@dataclasses.dataclass
class MacTableStats:
    learned: int = 0
    expired: int = 0
    evicted: int = 0
    moved: int = 0


class MacTable:
    def __init__(self, aging_time: int = DEFAULT_AGING_TIME,
                 max_entries: int = DEFAULT_MAX_ENTRIES):
        self.aging_time = normalize_aging_time(aging_time)
        self.max_entries = normalize_max_entries(max_entries)
        self.stats = MacTableStats()
        # key -> (port, last refreshed), least recently refreshed first.
        self._entries: OrderedDict[MacKey, tuple[Hashable, float]] = OrderedDict()
        # port -> its keys, least recently refreshed first (for fair eviction).
        self._by_port: dict[Hashable, OrderedDict[MacKey, None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def set_aging_time(self, seconds: int) -> bool:
        """Changing the aging time can expire entries at once: the caller runs `expire`."""
        seconds = normalize_aging_time(seconds)
        changed = seconds != self.aging_time
        self.aging_time = seconds
        return changed

    def set_max_entries(self, count: int) -> bool:
        self.max_entries = normalize_max_entries(count)
        changed = False
        while len(self._entries) > self.max_entries:
            self._evict_fairly()
            changed = True
        return changed

    def lookup(self, mac: int, vlan: int, now: float) -> Optional[Hashable]:
        """The port `mac` was learned on in `vlan`; None if unknown, expired (even if `expire`
        has not removed it yet) or multicast."""
        if mac & (1 << 40):
            return None
        entry = self._entries.get((vlan, mac))
        if entry is None or entry[1] <= now - self.aging_time:
            return None
        return entry[0]

    def would_learn(self, mac: int, vlan: int, port: Hashable, now: float) -> bool:
        """Whether `learn` would change a forwarding decision (the address is unknown, expired
        or elsewhere), without learning."""
        if mac & (1 << 40):
            return False
        entry = self._entries.get((vlan, mac))
        return entry is None or entry[1] <= now - self.aging_time or entry[0] != port

    def learn(self, mac: int, vlan: int, port: Hashable, now: float) -> bool:
        """Record that `mac` was seen on `port` in `vlan`.  Multicast sources are never learned.
        Expired entries go first.  True when anything but a refresh happened (an address new
        or moved, an eviction or expiry): refreshing a known address changes no decision."""
        if mac & (1 << 40):
            return False
        changed = self.expire(now)
        key = (vlan, mac)
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self.max_entries:
                self._evict_fairly()
            self.stats.learned += 1
            self._entries[key] = (port, now)
            self._by_port.setdefault(port, OrderedDict())[key] = None
            return True
        old_port = entry[0]
        if old_port == port:
            self._touch(key, port, now)
            return changed
        self._entries[key] = (port, now)
        self._entries.move_to_end(key)
        self.stats.moved += 1
        self._unlink_port(old_port, key)
        self._by_port.setdefault(port, OrderedDict())[key] = None
        return True

    def refresh(self, mac: int, vlan: int, port: Hashable, now: float) -> None:
        """Record that `mac` was seen on `port` in `vlan` again, if it is known there and not
        expired; never learns, moves or revives an address (see the module docstring)."""
        key = (vlan, mac)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == port and entry[1] > now - self.aging_time:
            self._touch(key, port, now)

    def expire(self, now: float) -> bool:
        """Remove every entry not refreshed within the aging time."""
        deadline = now - self.aging_time
        changed = False
        while self._entries:
            key, (port, seen) = next(iter(self._entries.items()))
            if seen > deadline:
                break
            self._remove(key, port)
            self.stats.expired += 1
            changed = True
        return changed

    def next_expiry(self) -> Optional[float]:
        """When the oldest entry expires, None if the table is empty."""
        for _port, seen in self._entries.values():
            return seen + self.aging_time
        return None

    def flush(self) -> bool:
        changed = bool(self._entries)
        self._entries.clear()
        self._by_port.clear()
        return changed

    def flush_port(self, port: Hashable) -> bool:
        keys = self._by_port.pop(port, None)
        for key in keys or ():
            del self._entries[key]
        return bool(keys)

    def entries(self, now: float) -> Iterator[MacEntry]:
        """Every entry, least recently refreshed first."""
        for (vlan, mac), (port, seen) in self._entries.items():
            yield MacEntry(port, vlan, mac, max(0, int(now - seen)))

    def _touch(self, key: MacKey, port: Hashable, now: float) -> None:
        self._entries[key] = (port, now)
        self._entries.move_to_end(key)
        self._by_port[port].move_to_end(key)

    def _evict_fairly(self) -> None:
        port = max(self._by_port, key=lambda p: len(self._by_port[p]))
        key = next(iter(self._by_port[port]))
        self._remove(key, port)
        self.stats.evicted += 1

    def _remove(self, key: MacKey, port: Hashable) -> None:
        del self._entries[key]
        self._unlink_port(port, key)

    def _unlink_port(self, port: Hashable, key: MacKey) -> None:
        keys = self._by_port[port]
        del keys[key]
        if not keys:
            del self._by_port[port]
