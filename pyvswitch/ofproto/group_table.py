"""One bridge's OpenFlow groups: GROUP_MOD applied with Open vSwitch's semantics and errors,
descriptions and statistics for the group multipart requests, and bucket selection for the
`group` action.

A group is (id, type, buckets, properties) plus counters: packets and bytes for the group and
for each bucket, and its creation time.  `apply(group_mod, now)` returns None or the
ErrorCode ovs-vswitchd answers with:

  ADD            id above OFPG_MAX: OFPGMFC_INVALID_GROUP; existing id: OFPGMFC_GROUP_EXISTS
  MODIFY         unknown id: OFPGMFC_UNKNOWN_GROUP (ADD_OR_MOD adds it instead); buckets and
                 type are replaced, the group's counters and age kept
  DELETE         OFPG_ALL deletes every group; an unknown id is no error
  INSERT_BUCKET  where `command_bucket_id` says: FIRST, LAST, or after the bucket with that
                 id (so ovs-vswitchd does, where ovs-ofctl(8) says "before"; absent:
                 OFPGMFC_UNKNOWN_BUCKET); a bucket id already present: OFPGMFC_BUCKET_EXISTS
  REMOVE_BUCKET  ALL, FIRST, LAST or a bucket id (OFPGMFC_UNKNOWN_BUCKET if absent)

and for every group it adds or changes: a type we do not know is OFPGMFC_BAD_TYPE, an indirect
group with more than one bucket OFPGMFC_INVALID_GROUP, two buckets with one id
OFPGMFC_BUCKET_EXISTS.  A bucket may name a group that does not exist (ovs-vswitchd
accepts that too); a flow may not (`check_actions`: OFPBAC_BAD_OUT_GROUP).

Selection (`select_buckets(group_id, hash_value, is_live)`, `is_live(port) -> bool`): all ->
every bucket; indirect -> its bucket; select -> one live bucket, chosen by `hash_value` over
the live buckets' weights; fast_failover -> the first live bucket.  A bucket is live when its
watch_port (if any) is live and its watch_group (if any) has a live bucket.  The table is not
thread-safe: the bridge serialises access.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import group_codec as gc
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import ErrorCode

GROUP_TYPES = (m.OFPGT_ALL, m.OFPGT_SELECT, m.OFPGT_INDIRECT, m.OFPGT_FF)


@dataclasses.dataclass
class Group:
    group_id: int
    type: int
    buckets: tuple[m.GroupBucket, ...]
    properties: bytes
    created: float
    n_packets: int = 0
    n_bytes: int = 0
    # Per bucket id: [packets, bytes].
    bucket_counters: dict = dataclasses.field(default_factory=dict)


def _flattened(actions):
    for action in actions:
        yield action
        inner = getattr(action, "actions", None)   # write_actions, clone, ...
        if isinstance(inner, tuple):
            yield from _flattened(inner)


class GroupTable:
    def __init__(self):
        self._groups: dict[int, Group] = {}

    # ---- GROUP_MOD ----
    def apply(self, group_mod: m.GroupMod, now: float) -> Optional[ErrorCode]:
        command = group_mod.command
        if command == m.OFPGC_DELETE:
            if group_mod.group_id == m.OFPG_ALL:
                self._groups.clear()
            else:
                self._groups.pop(group_mod.group_id, None)
            return None
        if command in (m.OFPGC_ADD, m.OFPGC_MODIFY, m.OFPGC_ADD_OR_MOD):
            return self._add_or_modify(group_mod, now)
        group = self._groups.get(group_mod.group_id)
        if command == m.OFPGC_INSERT_BUCKET:
            return self._insert_buckets(group, group_mod) if group else gc.UNKNOWN_GROUP
        if command == m.OFPGC_REMOVE_BUCKET:
            return self._remove_buckets(group, group_mod) if group else gc.UNKNOWN_GROUP
        return gc.BAD_COMMAND

    def _add_or_modify(self, group_mod: m.GroupMod, now: float) -> Optional[ErrorCode]:
        group_id = group_mod.group_id
        existing = self._groups.get(group_id)
        if group_id > m.OFPG_MAX:
            return gc.INVALID_GROUP
        if group_mod.command == m.OFPGC_ADD and existing:
            return gc.GROUP_EXISTS
        if group_mod.command == m.OFPGC_MODIFY and not existing:
            return gc.UNKNOWN_GROUP
        error = self._check(group_mod.type, group_mod.buckets)
        if error:
            return error
        if existing:
            existing.type, existing.buckets = group_mod.type, group_mod.buckets
            existing.properties = group_mod.properties
            existing.bucket_counters = {}
        else:
            self._groups[group_id] = Group(group_id, group_mod.type, group_mod.buckets,
                                           group_mod.properties, now)
        return None

    def _check(self, group_type: int, buckets) -> Optional[ErrorCode]:
        if group_type not in GROUP_TYPES:
            return gc.BAD_TYPE
        if group_type == m.OFPGT_INDIRECT and len(buckets) > 1:
            return gc.INVALID_GROUP
        if len({bucket.bucket_id for bucket in buckets}) != len(buckets):
            return gc.BUCKET_EXISTS
        return None

    def _insert_buckets(self, group: Group, group_mod: m.GroupMod) -> Optional[ErrorCode]:
        where = group_mod.command_bucket_id
        ids = [bucket.bucket_id for bucket in group.buckets]
        if where == m.OFPG_BUCKET_FIRST:
            position = 0
        elif where == m.OFPG_BUCKET_LAST:
            position = len(ids)
        elif where in ids:
            position = ids.index(where) + 1
        else:
            return gc.UNKNOWN_BUCKET
        if any(bucket.bucket_id in ids for bucket in group_mod.buckets):
            return gc.BUCKET_EXISTS
        buckets = group.buckets[:position] + group_mod.buckets + group.buckets[position:]
        error = self._check(group.type, buckets)
        if error:
            return error
        group.buckets = buckets
        return None

    def _remove_buckets(self, group: Group, group_mod: m.GroupMod) -> Optional[ErrorCode]:
        where = group_mod.command_bucket_id
        buckets = group.buckets
        if where == m.OFPG_BUCKET_ALL:
            kept = ()
        elif where == m.OFPG_BUCKET_FIRST:
            kept = buckets[1:]
        elif where == m.OFPG_BUCKET_LAST:
            kept = buckets[:-1]
        elif any(bucket.bucket_id == where for bucket in buckets):
            kept = tuple(bucket for bucket in buckets if bucket.bucket_id != where)
        else:
            return gc.UNKNOWN_BUCKET
        group.buckets = kept
        return None

    # ---- queries ----
    def exists(self, group_id: int) -> bool:
        return group_id in self._groups

    def check_actions(self, actions) -> Optional[ErrorCode]:
        """OFPBAC_BAD_OUT_GROUP if `actions` (a flow's) name a group that does not exist."""
        for action in _flattened(actions):
            if isinstance(action, A.Group) and action.group_id not in self._groups:
                return gc.BAD_OUT_GROUP
        return None

    def _selected(self, group_id: int) -> list[Group]:
        if group_id == m.OFPG_ALL:
            return list(self._groups.values())
        group = self._groups.get(group_id)
        return [group] if group else []

    def descriptions(self, group_id: int = m.OFPG_ALL) -> list[m.GroupDesc]:
        return [m.GroupDesc(group_id=group.group_id, type=group.type, buckets=group.buckets,
                            properties=group.properties)
                for group in self._selected(group_id)]

    def stats(self, now: float, group_id: int = m.OFPG_ALL) -> list[m.GroupStats]:
        entries = []
        for group in self._selected(group_id):
            # Milliseconds, as Open vSwitch keeps them.
            age_ms = int(max(now - group.created, 0.0) * 1000)
            counters = tuple(tuple(group.bucket_counters.get(bucket.bucket_id, (0, 0)))
                             for bucket in group.buckets)
            entries.append(m.GroupStats(
                group_id=group.group_id, packet_count=group.n_packets,
                byte_count=group.n_bytes, duration_sec=age_ms // 1000,
                duration_nsec=age_ms % 1000 * 1000000, bucket_counters=counters))
        return entries

    # ---- the group action ----
    def select(self, group_id: int, hash_value: int,
               is_live: Callable[[int], bool]) -> list[m.GroupBucket]:
        """The buckets a packet sent to group `group_id` goes through (none if the group
        does not exist)."""
        group = self._groups.get(group_id)
        if group is None:
            return []
        if group.type in (m.OFPGT_ALL, m.OFPGT_INDIRECT):
            return list(group.buckets)
        live = [bucket for bucket in group.buckets if self._bucket_live(bucket, is_live, 0)]
        if group.type == m.OFPGT_FF:
            return live[:1]
        total = sum(bucket.weight for bucket in live)
        if not total:
            return []
        point = hash_value % total
        for bucket in live:
            if point < bucket.weight:
                return [bucket]
            point -= bucket.weight
        return []

    def select_buckets(self, group_id: int, hash_value: int,
                       is_live: Callable[[int], bool]) -> list[tuple]:
        """The action lists of `select`'s buckets."""
        return [bucket.actions for bucket in self.select(group_id, hash_value, is_live)]

    def _bucket_live(self, bucket: m.GroupBucket, is_live, depth: int) -> bool:
        if bucket.watch_port != m.OFPP_ANY and not is_live(bucket.watch_port):
            return False
        if bucket.watch_group == m.OFPG_ANY:
            return True
        watched = self._groups.get(bucket.watch_group)
        # Watch chains longer than the group count can only be loops.
        return (watched is not None and depth < len(self._groups) and
                any(self._bucket_live(inner, is_live, depth + 1) for inner in watched.buckets))

    def credit(self, group_id: int, buckets, n_packets: int, n_bytes: int) -> None:
        """Counts packets that went through group `group_id` and its `buckets`."""
        group = self._groups.get(group_id)
        if group is None:
            return
        group.n_packets += n_packets
        group.n_bytes += n_bytes
        for bucket in buckets:
            counter = group.bucket_counters.setdefault(bucket.bucket_id, [0, 0])
            counter[0] += n_packets
            counter[1] += n_bytes


def features_reply(request: m.GroupFeaturesRequest) -> m.GroupFeaturesReply:
    """What ovs-vswitchd reports: every type, weights, liveness and chaining, OFPG_MAX
    groups of each type, and per type the actions of the request's version."""
    actions = _OF10_ACTIONS if request.version == 1 else _OF12_ACTIONS
    return m.GroupFeaturesReply(version=request.version, xid=request.xid, types=0xf,
                                capabilities=0x7, max_groups=(m.OFPG_MAX,) * 4,
                                actions=(actions,) * 4)


# OpenFlow 1.0 action bits output .. enqueue; 1.2+ output and set_mpls_ttl .. set_field.
_OF10_ACTIONS = 0xfff
_OF12_ACTIONS = 0x1 | 0x7ff << 15


class BridgeGroups:
    """A bridge's GroupTable as the connection manager's thread uses it: each request under
    the bridge's lock, the datapath invalidated (outside the lock) after a change.  Code that
    already holds the lock (translation) uses `table` directly."""

    def __init__(self, lock, clock: Callable[[], float], on_change: Callable[[], None]):
        self.table = GroupTable()
        self._lock, self._clock, self._on_change = lock, clock, on_change

    def check_actions(self, actions) -> Optional[ErrorCode]:
        return self.table.check_actions(actions)

    def answer(self, request: m.Message) -> list[m.Message]:
        """The replies to a GroupMod or group multipart request."""
        if isinstance(request, m.GroupMod):
            with self._lock:
                error = self.table.apply(request, self._clock())
            if error is not None:
                return [codec.error_reply(request, error)]
            self._on_change()
            return []
        if isinstance(request, m.GroupFeaturesRequest):
            return [features_reply(request)]
        with self._lock:
            if isinstance(request, m.GroupStatsRequest):
                entries, cls = self.table.stats(self._clock(), request.group_id), \
                    m.GroupStatsReply
            else:
                entries, cls = self.table.descriptions(request.group_id), m.GroupDescReply
        return _split_replies(cls, request, entries)


def _split_replies(cls, request, entries: list) -> list[m.Message]:
    """`entries` in as many `cls` replies as 64 KB messages need; all but the last carry
    the "more" flag."""
    def reply(chunk, more: bool):
        return cls(version=request.version, xid=request.xid, groups=tuple(chunk),
                   flags=m.OFPMPF_REPLY_MORE if more else 0)
    room = codec.MAX_MESSAGE_LEN - len(codec.encode(reply([], False)))
    replies, chunk, used = [], [], 0
    for entry in entries:
        size = len(codec.encode(reply([entry], False))) - (codec.MAX_MESSAGE_LEN - room)
        if chunk and used + size > room:
            replies.append(reply(chunk, True))
            chunk, used = [], 0
        chunk.append(entry)
        used += size
    replies.append(reply(chunk, False))
    return replies
