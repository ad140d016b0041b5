"""Flow timeouts of pyvswitch.ofproto.flow_table: idle and hard expiry with Open vSwitch's
reasons, when to wake up for them, and fin_timeout.  Stock ovs-vswitchd 3.1 (ovs-ofctl monitor
watching FLOW_REMOVED) showed: idle_timeout=1 unused -> "reason=idle" after 1 s; idle=1 and
hard=1 together -> "reason=hard"; hard=2, idle=1 with a packet every 0.4 s -> "reason=hard" at
2 s with the packets counted; a rule without send_flow_rem expires without a message."""
from __future__ import annotations

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.flow_timeouts import ExpiryQueue
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as M
from tests.unit.ofproto.test_flow_table_support import (
    add, flows, match, modify, new_tables, ok, only_rule)

IN1 = match(in_port=1)
IN2 = match(in_port=2)
IN3 = match(in_port=3)


def test_unused_rule_expires_idle_and_both_due_means_hard():
    tables = new_tables()
    ok(tables, add(IN1, priority=5, idle_timeout=1, cookie=3),
       add(IN2, priority=7, idle_timeout=1, hard_timeout=1, cookie=5),
       add(IN3, priority=8), now=10.0)
    assert tables.expire(10.9) == []
    expired = tables.expire(11.0)
    assert sorted((rule.cookie, reason) for rule, reason in expired) == \
        [(3, M.OFPRR_IDLE_TIMEOUT), (5, M.OFPRR_HARD_TIMEOUT)]
    assert [r[1] for r in flows(tables)] == [8]
    assert tables.lookup(0, IN1.value)[0] is None


def test_packets_keep_an_idle_rule_alive_until_its_hard_timeout():
    tables = new_tables()
    ok(tables, add(IN1, idle_timeout=1, hard_timeout=2, flags=M.OFPFF_SEND_FLOW_REM), now=0.0)
    rule = only_rule(tables)
    now = 0.0
    while True:
        now = round(now + 0.4, 1)
        expired = tables.expire(now)
        if expired:
            break
        tables.account(rule, 1, 118, now)
    assert expired == [(rule, M.OFPRR_HARD_TIMEOUT)] and now == 2.0
    assert rule.n_packets == 4


def test_next_expiry_may_be_early_never_late():
    tables = new_tables()
    assert tables.next_expiry() is None
    ok(tables, add(IN1, idle_timeout=10), add(IN2, hard_timeout=30), add(IN3), now=100.0)
    assert tables.next_expiry() == 110.0
    tables.account(only_rule(tables, match=IN1), 1, 60, now=105.0)
    assert tables.next_expiry() == 110.0          # early: the packet moved it to 115
    assert tables.expire(110.0) == []
    assert tables.next_expiry() == 115.0
    assert [rule.match for rule, _ in tables.expire(tables.next_expiry())] == [IN1]
    assert tables.next_expiry() == 130.0
    assert [reason for _, reason in tables.expire(130.0)] == [M.OFPRR_HARD_TIMEOUT]
    assert tables.next_expiry() is None


def test_modify_and_replacing_add_restart_the_hard_timeout():
    tables = new_tables()
    ok(tables, add(IN1, hard_timeout=10), add(IN2, hard_timeout=10), now=0.0)
    ok(tables, modify(IN1, actions=(A.Output(3),)), add(IN2, hard_timeout=10), now=5.0)
    assert tables.expire(14.9) == []
    assert sorted((rule.match.value, reason) for rule, reason in tables.expire(15.0)) == \
        [(1, M.OFPRR_HARD_TIMEOUT), (2, M.OFPRR_HARD_TIMEOUT)]


def test_a_replacing_add_counts_idleness_from_the_old_rules_last_packet():
    # Stock: the replaced flow shows the old flow's idle_age, with or without reset_counts.
    tables = new_tables()
    ok(tables, add(IN1), now=0.0)
    tables.account(only_rule(tables), 1, 60, now=4.0)
    ok(tables, add(IN1, idle_timeout=3, flags=M.OFPFF_RESET_COUNTS), now=5.0)
    assert tables.expire(6.9) == []
    assert [reason for _, reason in tables.expire(7.0)] == [M.OFPRR_IDLE_TIMEOUT]


def test_deleted_and_replaced_rules_do_not_expire():
    tables = new_tables()
    ok(tables, add(IN1, idle_timeout=1), add(IN2, idle_timeout=1), now=0.0)
    ok(tables, add(IN1), M.FlowMod(version=4, xid=0, command=M.OFPFC_DELETE_STRICT, match=IN2),
       now=0.5)
    assert tables.expire(5.0) == []
    assert [r[2] for r in flows(tables)] == [IN1]


def test_expiry_is_one_new_version():
    tables = new_tables()
    ok(tables, add(IN1, idle_timeout=1), now=0.0)
    version = tables.version
    tables.expire(2.0)
    assert tables.version == version + 1
    assert tables.lookup(0, IN1.value, version)[0] is not None
    assert tables.lookup(0, IN1.value)[0] is None


def test_fin_timeout_reduces_timeouts_and_never_raises_them():
    # ovs-actions(7): fin_timeout reduces the rule's timeouts to the action's; a timeout that
    # is already shorter is unaffected; the hard timeout counts from the rule's creation.
    tables = new_tables()
    ok(tables, add(IN1, actions=(A.FinTimeout(idle_timeout=5, hard_timeout=20),)),
       add(IN2, idle_timeout=2, hard_timeout=60), now=0.0)
    first, second = only_rule(tables, match=IN1), only_rule(tables, match=IN2)
    tables.reduce_timeouts(first, 5, 20)
    tables.reduce_timeouts(second, 5, 20)
    assert (first.idle_timeout, first.hard_timeout) == (5, 20)
    assert (second.idle_timeout, second.hard_timeout) == (2, 20)
    tables.reduce_timeouts(first, 0, 30)
    assert (first.idle_timeout, first.hard_timeout) == (5, 20)
    tables.account(first, 1, 60, now=18.0)
    assert tables.next_expiry() == 2.0
    assert [(rule.match, reason) for rule, reason in tables.expire(19.0)] == \
        [(IN2, M.OFPRR_IDLE_TIMEOUT)]
    assert [(rule.match, reason) for rule, reason in tables.expire(20.0)] == \
        [(IN1, M.OFPRR_HARD_TIMEOUT)]


def test_a_rule_twice_in_the_queue_expires_once():
    tables = new_tables()
    ok(tables, add(IN1, idle_timeout=10, hard_timeout=10), now=0.0)
    rule = only_rule(tables)
    tables.reduce_timeouts(rule, 3, 0)
    assert tables.expire(20.0) == [(rule, M.OFPRR_HARD_TIMEOUT)]
    assert tables.n_rules() == 0 and tables.next_expiry() is None


def test_rules_without_timeouts_never_expire():
    tables = new_tables()
    ok(tables, add(Match(), priority=0), now=0.0)
    assert tables.next_expiry() is None
    assert tables.expire(1e9) == []


def test_rules_replaced_over_and_over_do_not_pile_up_in_the_expiry_queue():
    # A learned flow is re-learned (modified) per packet; each modification replaces the rule.
    tables = new_tables()
    ok(tables, add(IN1, hard_timeout=300), now=0.0)
    for step in range(5000):
        ok(tables, modify(IN1, strict=True, actions=(A.Output(step % 3 + 1),)),
           now=step * 0.001)
    assert len(tables._expiry) < 2 * ExpiryQueue.COMPACT_MIN_STALE
    last_modified = 4999 * 0.001
    assert tables.next_expiry() == last_modified + 300
    assert tables.expire(last_modified + 299) == []
    assert [reason for _, reason in tables.expire(last_modified + 300)] == \
        [M.OFPRR_HARD_TIMEOUT]
