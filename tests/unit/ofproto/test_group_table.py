"""The group table: GROUP_MOD semantics and errors as ovs-vswitchd has them (the same cases
run against stock in tests/integration/test_groups_vs_stock.py), statistics, and bucket
selection for the group action."""
import collections
import threading

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.group_table import BridgeGroups, GroupTable
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m


def bucket(port: int, bucket_id: int = 0, **fields) -> m.GroupBucket:
    return m.GroupBucket(actions=(A.Output(port=port),), bucket_id=bucket_id, **fields)


def mod(command=m.OFPGC_ADD, group_id=1, group_type=m.OFPGT_ALL, buckets=(), **fields):
    return m.GroupMod(version=6, xid=1, command=command, type=group_type, group_id=group_id,
                      buckets=tuple(buckets), **fields)


def error_name(table: GroupTable, group_mod: m.GroupMod):
    error = table.apply(group_mod, 0.0)
    return error and error.name


def ids(table: GroupTable, group_id: int) -> list[int]:
    return [b.bucket_id for b in table.descriptions(group_id)[0].buckets]


@pytest.fixture
def table() -> GroupTable:
    table = GroupTable()
    assert table.apply(mod(buckets=[bucket(1, 0), bucket(2, 1)]), 0.0) is None
    return table


def test_add_modify_delete(table):
    assert error_name(table, mod(buckets=[bucket(3)])) == "OFPGMFC_GROUP_EXISTS"
    assert error_name(table, mod(m.OFPGC_MODIFY, group_id=9)) == "OFPGMFC_UNKNOWN_GROUP"
    assert error_name(table, mod(m.OFPGC_MODIFY, group_type=m.OFPGT_SELECT,
                                 buckets=[bucket(3, weight=7)])) is None
    (description,) = table.descriptions()
    assert (description.type, description.buckets) == (m.OFPGT_SELECT,
                                                        (bucket(3, weight=7),))
    assert error_name(table, mod(m.OFPGC_ADD_OR_MOD, group_id=5, buckets=[bucket(1)])) is None
    assert table.exists(5)
    assert error_name(table, mod(m.OFPGC_DELETE, group_id=77)) is None
    assert error_name(table, mod(m.OFPGC_DELETE, group_id=1)) is None
    assert [d.group_id for d in table.descriptions()] == [5]
    assert error_name(table, mod(m.OFPGC_DELETE, group_id=m.OFPG_ALL)) is None
    assert table.descriptions() == []


@pytest.mark.parametrize("group_mod, error", [
    (mod(group_id=m.OFPG_MAX + 1), "OFPGMFC_INVALID_GROUP"),
    (mod(group_id=2, group_type=7), "OFPGMFC_BAD_TYPE"),
    (mod(group_id=2, group_type=m.OFPGT_INDIRECT, buckets=[bucket(1, 0), bucket(2, 1)]),
     "OFPGMFC_INVALID_GROUP"),
    (mod(group_id=2, buckets=[bucket(1, 3), bucket(2, 3)]), "OFPGMFC_BUCKET_EXISTS"),
    (mod(command=9, group_id=2), "OFPGMFC_BAD_COMMAND"),
    (mod(m.OFPGC_INSERT_BUCKET, group_id=2, command_bucket_id=m.OFPG_BUCKET_FIRST),
     "OFPGMFC_UNKNOWN_GROUP"),
    (mod(m.OFPGC_REMOVE_BUCKET, group_id=2), "OFPGMFC_UNKNOWN_GROUP"),
])
def test_refusals(table, group_mod, error):
    assert error_name(table, group_mod) == error
    assert [d.group_id for d in table.descriptions()] == [1]


def test_a_bucket_may_name_a_missing_group_but_a_flow_may_not(table):
    chained = m.GroupBucket(actions=(A.Group(group_id=77),))
    assert error_name(table, mod(group_id=2, buckets=[chained])) is None
    assert table.check_actions((A.Group(group_id=1),)) is None
    assert table.check_actions((A.Output(port=1), A.Group(group_id=77))).name == \
        "OFPBAC_BAD_OUT_GROUP"
    assert table.check_actions((A.WriteActions(actions=(A.Group(group_id=78),)),)).name == \
        "OFPBAC_BAD_OUT_GROUP"


def test_insert_buckets(table):
    insert = lambda where, *new: mod(m.OFPGC_INSERT_BUCKET, buckets=new,
                                     command_bucket_id=where)
    assert error_name(table, insert(m.OFPG_BUCKET_FIRST, bucket(3, 5))) is None
    assert error_name(table, insert(m.OFPG_BUCKET_LAST, bucket(3, 6))) is None
    # After the named bucket, as ovs-vswitchd does.
    assert error_name(table, insert(0, bucket(3, 7), bucket(3, 8))) is None
    assert ids(table, 1) == [5, 0, 7, 8, 1, 6]
    assert error_name(table, insert(0, bucket(3, 1))) == "OFPGMFC_BUCKET_EXISTS"
    assert error_name(table, insert(99, bucket(3, 9))) == "OFPGMFC_UNKNOWN_BUCKET"
    assert ids(table, 1) == [5, 0, 7, 8, 1, 6]


def test_remove_buckets(table):
    remove = lambda where: mod(m.OFPGC_REMOVE_BUCKET, command_bucket_id=where)
    table.apply(mod(m.OFPGC_INSERT_BUCKET, buckets=[bucket(3, 2), bucket(3, 3)],
                    command_bucket_id=m.OFPG_BUCKET_LAST), 0.0)
    assert error_name(table, remove(2)) is None
    assert ids(table, 1) == [0, 1, 3]
    assert error_name(table, remove(2)) == "OFPGMFC_UNKNOWN_BUCKET"
    assert error_name(table, remove(m.OFPG_BUCKET_FIRST)) is None
    assert error_name(table, remove(m.OFPG_BUCKET_LAST)) is None
    assert ids(table, 1) == [1]
    assert error_name(table, remove(m.OFPG_BUCKET_ALL)) is None
    assert ids(table, 1) == []
    assert error_name(table, remove(m.OFPG_BUCKET_FIRST)) is None


def test_stats_count_the_group_and_its_buckets(table):
    chosen = table.select(1, 0, lambda port: True)
    table.credit(1, chosen, 2, 120)
    table.credit(1, chosen[1:], 1, 60)
    (stats,) = table.stats(now=1.2345)
    assert (stats.group_id, stats.packet_count, stats.byte_count) == (1, 3, 180)
    assert stats.bucket_counters == ((2, 120), (3, 180))
    assert (stats.duration_sec, stats.duration_nsec) == (1, 234000000)
    assert table.stats(now=2.0, group_id=9) == []


def test_all_and_indirect_use_every_bucket(table):
    assert table.select_buckets(1, 12345, lambda port: False) == [
        (A.Output(port=1),), (A.Output(port=2),)]
    table.apply(mod(group_id=2, group_type=m.OFPGT_INDIRECT, buckets=[bucket(4)]), 0.0)
    assert table.select_buckets(2, 0, lambda port: True) == [(A.Output(port=4),)]
    assert table.select_buckets(99, 0, lambda port: True) == []


def test_select_follows_weights_and_liveness():
    table = GroupTable()
    table.apply(mod(group_type=m.OFPGT_SELECT, buckets=[
        bucket(1, 0, weight=10), bucket(2, 1, weight=30), bucket(3, 2, weight=0),
        bucket(4, 3, weight=60, watch_port=4)]), 0.0)
    chosen = collections.Counter(
        table.select_buckets(1, hash_value, lambda port: True)[0][0].port
        for hash_value in range(1000))
    assert chosen == {1: 100, 2: 300, 4: 600}
    without_4 = collections.Counter(
        table.select_buckets(1, hash_value, lambda port: port != 4)[0][0].port
        for hash_value in range(1000))
    assert without_4 == {1: 250, 2: 750}
    assert table.select_buckets(1, 5, lambda port: False) == [(A.Output(port=1),)]
    same = {tuple(table.select_buckets(1, 4242, lambda port: True)) for _ in range(5)}
    assert len(same) == 1


def test_fast_failover_takes_the_first_live_bucket():
    table = GroupTable()
    table.apply(mod(group_id=3, group_type=m.OFPGT_FF, buckets=[
        bucket(5, 0, watch_port=5)]), 0.0)
    table.apply(mod(group_id=4, group_type=m.OFPGT_FF, buckets=[
        bucket(1, 0, watch_port=1), bucket(2, 1, watch_port=2, watch_group=3),
        bucket(3, 2, watch_group=3), bucket(9, 3, watch_group=77)]), 0.0)
    first = lambda live: table.select_buckets(4, 0, lambda port: port in live)
    assert first({1, 2, 5}) == [(A.Output(port=1),)]
    assert first({2, 5}) == [(A.Output(port=2),)]
    assert first({5}) == [(A.Output(port=3),)]
    assert first({1}) == [(A.Output(port=1),)]
    assert first({2}) == []


def test_watch_loops_end():
    table = GroupTable()
    table.apply(mod(group_id=1, group_type=m.OFPGT_FF, buckets=[bucket(1, watch_group=2)]), 0)
    table.apply(mod(group_id=2, group_type=m.OFPGT_FF, buckets=[bucket(2, watch_group=1)]), 0)
    assert table.select_buckets(1, 0, lambda port: True) == []


def test_bridge_groups_answer_and_invalidate_after_changes():
    changes = []
    groups = BridgeGroups(threading.Lock(), lambda: 5.0, on_change=lambda: changes.append(1))
    add = m.GroupMod(version=4, xid=3, group_id=1, buckets=(bucket(1),))
    assert groups.answer(add) == [] and changes == [1]
    (error,) = groups.answer(add)
    assert isinstance(error, m.Error) and (error.type, error.code) == (6, 0)
    assert changes == [1]
    (reply,) = groups.answer(m.GroupDescRequest(version=4, xid=4))
    assert [g.group_id for g in reply.groups] == [1] and reply.xid == 4
    (stats,) = groups.answer(m.GroupStatsRequest(version=4, xid=5, group_id=1))
    assert [g.group_id for g in stats.groups] == [1]
    (features,) = groups.answer(m.GroupFeaturesRequest(version=4, xid=6))
    assert features.types == 0xf


def test_large_dumps_split_into_64k_messages():
    groups = BridgeGroups(threading.Lock(), lambda: 0.0, on_change=lambda: None)
    many = tuple(bucket(port, bucket_id=port) for port in range(1, 60))
    for group_id in range(200):
        groups.answer(m.GroupMod(version=4, xid=1, group_id=group_id, buckets=many))
    replies = groups.answer(m.GroupDescRequest(version=4, xid=2))
    assert len(replies) > 1
    assert [r.flags for r in replies] == [m.OFPMPF_REPLY_MORE] * (len(replies) - 1) + [0]
    assert all(len(codec.encode(r)) <= codec.MAX_MESSAGE_LEN for r in replies)
    assert sum(len(r.groups) for r in replies) == 200
