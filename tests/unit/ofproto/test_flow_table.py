"""flow_mod semantics of pyvswitch.ofproto.flow_table, each case as stock ovs-vswitchd 3.1 (dummy
datapath, driven by stock ovs-ofctl) showed it: "after these flow_mods, dump-flows shows these
rules with these counters".  Times are seconds on a fake clock."""
from __future__ import annotations

import gc

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto import flow_table as FT
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import errors as E
from pyvswitch.ofproto.protocol import messages as M
from tests.unit.ofproto.linear_classifier import LinearClassifier
from tests.unit.ofproto.test_flow_table_support import (
    add, delete, flows, ip, match, modify, new_tables, ok, only_rule)

IN1 = match(in_port=1)
IN2 = match(in_port=2)


@pytest.fixture(params=["classifier", "linear"])
def tables(request):
    """The same behaviour over the real classifier and over the linear one it is tested
    against."""
    return new_tables(None if request.param == "classifier" else LinearClassifier)


# ---- ADD --------------------------------------------------------------------------------

def test_add_is_visible_from_the_next_version_only(tables):
    before = tables.version
    result = ok(tables, add(IN1, priority=10))
    assert result.version == tables.version == before + 1
    key = IN1.value
    assert tables.lookup(0, key)[0].actions == (A.Output(2),)
    assert tables.lookup(0, key, before)[0] is None


def test_add_of_the_same_match_and_priority_replaces_keeping_counters_and_last_use(tables):
    # Stock, OF1.4: add, 3 packets, 2 s later add again with other cookie/timeouts/actions:
    # n_packets=3 kept, duration=0, idle_age=2, the new flow's cookie, timeouts, importance.
    ok(tables, add(IN1, priority=10, idle_timeout=50, hard_timeout=60, importance=3, cookie=7,
                   flags=M.OFPFF_SEND_FLOW_REM), now=0.0)
    tables.account(only_rule(tables), 3, 354, now=0.5)
    ok(tables, add(IN1, priority=10, idle_timeout=40, cookie=8, actions=(A.Output(1),)), now=2.5)
    rule = only_rule(tables)
    assert (rule.cookie, rule.idle_timeout, rule.hard_timeout, rule.importance, rule.flags) == \
        (8, 40, 0, 0, 0)
    assert rule.actions == (A.Output(1),)
    assert (rule.n_packets, rule.n_bytes) == (3, 354)
    assert rule.duration(2.5) == 0 and rule.idle_age(2.5) == 2.0
    assert rule.hard_age(2.5) is None


def test_add_with_reset_counts_replaces_with_zero_counters(tables):
    ok(tables, add(IN1, priority=10), now=0.0)
    tables.account(only_rule(tables), 3, 354, now=1.0)
    ok(tables, add(IN1, priority=10, flags=M.OFPFF_RESET_COUNTS), now=3.0)
    rule = only_rule(tables)
    assert (rule.n_packets, rule.n_bytes) == (0, 0)
    assert rule.idle_age(3.0) == 2.0


def test_add_at_another_priority_is_another_rule(tables):
    ok(tables, add(IN1, priority=10), add(IN1, priority=11))
    assert [r[1] for r in flows(tables)] == [10, 11]


@pytest.mark.parametrize("other, overlaps", [
    (add(match(dl_src=1), priority=10), True),          # in_port=1,dl_src=1 matches both
    (add(IN2, priority=10), False),                      # disjoint values of one field
    (add(IN1, priority=11), False),                      # another priority
    (add(IN1, priority=10, table_id=1), False),          # another table
    (add(IN1, priority=10, actions=(A.Output(3),)), False),   # identical: replaced
])
def test_check_overlap(tables, other, overlaps):
    ok(tables, add(IN1, priority=10))
    checked = add(other.match, priority=other.priority, table_id=other.table_id,
                  actions=other.actions, flags=M.OFPFF_CHECK_OVERLAP)
    result = tables.apply([checked], 1.0)
    if overlaps:
        assert result.error == FT.OVERLAP and result.error.name == "OFPFMFC_OVERLAP"
        assert len(flows(tables)) == 1
    else:
        assert result.error is None
        assert (checked.table_id, checked.priority, checked.match, checked.actions) in \
            [r[:4] for r in flows(tables)]


def test_add_to_table_0xff_goes_to_table_0(tables):
    ok(tables, add(IN1, table_id=M.OFPTT_ALL))
    assert only_rule(tables).table_id == 0


def test_the_hidden_table_refuses_flow_mods_from_outside(tables):
    # Stock: add-flow/del-flows table=254 -> OFPBRC_EPERM; dump-flows leaves table 254 out
    # unless asked for it.
    for flow_mod in (add(IN1, table_id=254), modify(IN1, table_id=254),
                     delete(IN1, table_id=254)):
        result = tables.apply([flow_mod], 0.0)
        assert result.error == FT.EPERM and result.error.name == "OFPBRC_EPERM"
    ok(tables, add(Match(), priority=0, table_id=254, actions=()), internal=True)
    ok(tables, add(IN1))
    assert [r[0] for r in flows(tables)] == [0]
    assert [r[0] for r in flows(tables, table_id=254)] == [254]
    ok(tables, delete(), modify(actions=(A.Output(9),)))
    assert flows(tables, table_id=254)[0][3] == ()


def test_goto_table_must_go_forward_to_an_existing_table(tables):
    # Stock (OF1.3): goto_table:1 from table 2 is refused, goto_table:254 from table 2 is not.
    assert tables.apply([add(table_id=2, actions=(A.GotoTable(1),))], 0).error.name == \
        "OFPBIC_BAD_TABLE_ID"
    assert tables.apply([add(table_id=2, actions=(A.GotoTable(2),))], 0).error.name == \
        "OFPBIC_BAD_TABLE_ID"
    ok(tables, add(table_id=2, actions=(A.GotoTable(254),)))


def test_the_owner_checks_what_it_knows_about_actions(tables):
    missing_group = E.ErrorCode("OFPBAC_BAD_OUT_GROUP", 2, 9)

    def groups_exist(table_id, actions):
        return missing_group if any(type(a) is A.Group for a in actions) else None

    result = tables.apply([add(IN1), add(IN2, actions=(A.Group(77),))], 0,
                          check_actions=groups_exist)
    assert (result.failed_index, result.error) == (1, missing_group)
    assert flows(tables) == []


def test_an_unknown_command_is_refused(tables):
    bad = M.FlowMod(version=4, xid=0, command=9, match=IN1)
    assert tables.apply([bad], 0).error.name == "OFPFMFC_BAD_COMMAND"


# ---- MODIFY -----------------------------------------------------------------------------

def _three_rules(tables, now=0.0):
    ok(tables,
       add(IN1, priority=10, idle_timeout=50, hard_timeout=60, importance=3, cookie=7,
           flags=M.OFPFF_SEND_FLOW_REM),
       add(match(in_port=1, dl_src=1), priority=20, cookie=1),
       add(Match(), priority=0, cookie=1), now=now)


def test_modify_changes_the_actions_of_every_rule_the_match_covers(tables):
    # Stock: mod-flows in_port=1 changes in_port=1 and in_port=1,dl_src=... at any priority,
    # not the catch-all; timeouts, importance, flags and duration stay, hard_age restarts.
    _three_rules(tables, now=0.0)
    tables.account(list(tables.dump(match=IN1, strict=True, priority=10))[0], 3, 354, 0.5)
    ok(tables, modify(IN1, idle_timeout=5, hard_timeout=6, actions=(A.Output(1),)), now=1.25)
    changed = {r.priority: r for r in tables.dump() if r.actions == (A.Output(1),)}
    assert sorted(changed) == [10, 20]
    rule = changed[10]
    assert (rule.idle_timeout, rule.hard_timeout, rule.importance, rule.cookie, rule.flags) == \
        (50, 60, 3, 7, M.OFPFF_SEND_FLOW_REM)
    assert (rule.n_packets, rule.n_bytes) == (3, 354)
    assert rule.duration(1.25) == 1.25 and rule.idle_age(1.25) == 0.75
    assert rule.hard_age(1.25) == 0


def test_modify_strict_changes_only_the_rule_with_that_match_and_priority(tables):
    _three_rules(tables)
    ok(tables, modify(IN1, strict=True, priority=20, actions=(A.Output(9),)))
    assert [r for r in flows(tables) if r[3] == (A.Output(9),)] == []
    ok(tables, modify(IN1, strict=True, priority=10, actions=(A.Output(9),)))
    assert [r[1] for r in flows(tables) if r[3] == (A.Output(9),)] == [10]


def test_modify_with_a_new_cookie_sets_it_and_a_cookie_mask_selects_rules(tables):
    _three_rules(tables)
    ok(tables, modify(cookie=1, cookie_mask=0xFF, actions=(A.Output(4),)))
    assert sorted((r[1], r[4]) for r in flows(tables) if r[3] == (A.Output(4),)) == \
        [(0, 1), (20, 1)]
    ok(tables, modify(IN1, new_cookie=9, actions=(A.Output(5),)))
    assert sorted((r[1], r[4]) for r in flows(tables) if r[3] == (A.Output(5),)) == \
        [(10, 9), (20, 9)]


def test_modify_with_reset_counts_zeroes_the_counters(tables):
    ok(tables, add(IN1))
    tables.account(only_rule(tables), 2, 200, 1.0)
    ok(tables, modify(IN1, flags=M.OFPFF_RESET_COUNTS, actions=(A.Output(3),)), now=2.0)
    rule = only_rule(tables)
    assert (rule.n_packets, rule.n_bytes, rule.flags) == (0, 0, 0)


def test_modify_of_nothing_adds_the_flow_when_it_sets_a_cookie_without_a_mask(tables):
    # Stock: OF1.0/NXM mod-flows in_port=5 (the cookie field 0 is the new cookie) adds
    # "in_port=5 actions=output:2" at priority 32768; mod-flows cookie=1/1 and OF1.2+
    # mod-flows (no new cookie) add nothing.
    ok(tables, modify(match(in_port=5), new_cookie=0x10, idle_timeout=7, actions=(A.Output(2),)))
    ok(tables, modify(match(in_port=6), new_cookie=0x10, cookie=1, cookie_mask=1,
                      actions=(A.Output(2),)))
    ok(tables, modify(match(in_port=7), actions=(A.Output(2),)))
    ok(tables, modify(match(in_port=8), strict=True, priority=44, new_cookie=0,
                      actions=(A.Output(2),)))
    assert flows(tables) == [
        (0, 44, match(in_port=8), (A.Output(2),), 0, 0, 0, 0, 0),
        (0, 0x8000, match(in_port=5), (A.Output(2),), 0x10, 7, 0, 0, 0)]


def test_modify_adding_to_a_full_table_is_refused(tables):
    # Stock: flow_limit=3 full, mod-flows of nothing -> OFPFMFC_TABLE_FULL.
    tables.configure_table(5, FT.TableConfig(flow_limit=1), 0)
    ok(tables, add(IN1, table_id=5))
    result = tables.apply([modify(IN2, table_id=5, new_cookie=0, actions=(A.Output(1),))], 0)
    assert result.error.name == "OFPFMFC_TABLE_FULL"


def test_modify_of_all_tables_or_one(tables):
    ok(tables, add(IN1, table_id=0), add(IN1, table_id=1), add(IN1, table_id=2))
    ok(tables, modify(IN1, table_id=1, actions=(A.Output(7),)))
    assert [r[0] for r in flows(tables) if r[3] == (A.Output(7),)] == [1]
    ok(tables, modify(IN1, table_id=M.OFPTT_ALL, actions=(A.Output(8),)))
    assert [r[0] for r in flows(tables) if r[3] == (A.Output(8),)] == [0, 1, 2]


# ---- DELETE -----------------------------------------------------------------------------

def test_delete_removes_what_the_match_covers_and_reports_it(tables):
    # Stock: del-flows ip,nw_src=10.1.0.0/16 removes the /16 rules and the more specific
    # 10.1.2.3 one, at every priority, and leaves 10.0.0.0/8, "ip" and the catch-all.
    ok(tables,
       add(ip(nw_src=(0x0A000000, 0xFF000000)), priority=10),
       add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=10, flags=M.OFPFF_SEND_FLOW_REM),
       add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=20),
       add(ip(nw_src=0x0A010203, nw_dst=0x01020304), priority=20),
       add(ip(), priority=20), add(Match(), priority=20))
    result = ok(tables, delete(ip(nw_src=(0x0A010000, 0xFFFF0000))))
    assert sorted((r.priority, r.match.get("nw_src")) for r, _ in result.removed) == [
        (10, (0x0A010000, 0xFFFF0000)), (20, (0x0A010000, 0xFFFF0000)),
        (20, (0x0A010203, 0xFFFFFFFF))]
    assert {reason for _, reason in result.removed} == {M.OFPRR_DELETE}
    assert [(r.priority, reason) for r, reason in result.flow_removed()] == \
        [(10, M.OFPRR_DELETE)]
    assert len(flows(tables)) == 3


def test_delete_strict_needs_the_priority_too(tables):
    # Stock: --strict del-flows ip,nw_src=10.1.0.0/16 (priority 32768) removes nothing.
    ok(tables, add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=10),
       add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=20))
    assert ok(tables, delete(ip(nw_src=(0x0A010000, 0xFFFF0000)), strict=True)).removed == ()
    result = ok(tables, delete(ip(nw_src=(0x0A010000, 0xFFFF0000)), strict=True, priority=20))
    assert [r.priority for r, _ in result.removed] == [20]
    assert [r[1] for r in flows(tables)] == [10]


OUT_PORT_RULES = {
    "output:2": (A.Output(2),),
    "output:3,output:2": (A.Output(3), A.Output(2)),
    "group:5": (A.Group(5),),
    "enqueue:4:1": (A.Enqueue(4, 1),),
    "write_actions(output:4)": (A.WriteActions((A.Output(4),)),),
    "output:NXM_NX_REG0[]": (A.OutputReg(A.Subfield("reg0", 0, 32)),),
    "clone(output:4)": (A.Clone((A.Output(4),)),),
    "CONTROLLER:100": (A.Controller(max_len=100),),
    "LOCAL": (A.Output(A.OFPP_LOCAL),),
    "resubmit(,2)": (A.Resubmit(table_id=2),),
}


@pytest.mark.parametrize("filters, deleted", [
    # Stock, del-flows out_port=...: nested outputs count, output to a register never does.
    ({"out_port": 2}, {"output:2", "output:3,output:2"}),
    ({"out_port": 4}, {"enqueue:4:1", "write_actions(output:4)", "clone(output:4)"}),
    ({"out_port": A.OFPP_LOCAL}, {"LOCAL"}),
    ({"out_port": A.OFPP_CONTROLLER}, {"CONTROLLER:100"}),
    ({"out_group": 5}, {"group:5"}),
    ({"out_port": 2, "out_group": 5}, set()),
])
def test_delete_out_port_and_out_group_filters(tables, filters, deleted):
    ok(tables, *(add(match(in_port=i), actions=actions)
                 for i, actions in enumerate(OUT_PORT_RULES.values(), 1)))
    result = ok(tables, delete(**filters))
    names = {actions: name for name, actions in OUT_PORT_RULES.items()}
    assert {names[rule.actions] for rule, _ in result.removed} == deleted
    assert len(flows(tables)) == len(OUT_PORT_RULES) - len(deleted)


def test_delete_cookie_filter(tables):
    ok(tables, add(IN1, cookie=0x5), add(IN2, cookie=0x6), add(match(in_port=3), cookie=0x16))
    result = ok(tables, delete(cookie=0x6, cookie_mask=0xF))
    assert sorted(rule.cookie for rule, _ in result.removed) == [0x6, 0x16]


def test_delete_of_table_0xff_empties_every_visible_table(tables):
    ok(tables, *(add(IN1, table_id=t) for t in (0, 1, 100, 253)))
    ok(tables, add(IN1, table_id=254), internal=True)
    result = ok(tables, delete())
    assert sorted(rule.table_id for rule, _ in result.removed) == [0, 1, 100, 253]
    assert tables.n_rules() == 0 and tables.n_rules(254) == 1


def test_delete_of_one_table(tables):
    ok(tables, add(IN1, table_id=0), add(IN1, table_id=3))
    ok(tables, delete(table_id=3))
    assert [r[0] for r in flows(tables)] == [0]


def test_a_bad_table_id_is_refused(tables):
    for flow_mod in (add(IN1, table_id=300), modify(IN1, table_id=256), delete(table_id=-1)):
        assert tables.apply([flow_mod], 0).error.name == "OFPBRC_BAD_TABLE_ID"


# ---- batches ----------------------------------------------------------------------------

def test_a_failing_flow_mod_leaves_every_table_as_it_was(tables):
    ok(tables, add(IN1, priority=10, cookie=1))
    before, version = flows(tables), tables.version
    result = tables.apply([
        delete(IN1),
        add(IN2, priority=10),
        modify(Match(), new_cookie=5, actions=(A.Output(6),)),
        add(match(dl_src=1), priority=10, flags=M.OFPFF_CHECK_OVERLAP),
        add(match(in_port=3), priority=10),
    ], 5.0)
    assert (result.failed_index, result.error.name) == (3, "OFPFMFC_OVERLAP")
    assert result.removed == () and result.version == version == tables.version
    assert flows(tables) == before
    assert tables.lookup(0, IN2.value)[0] is None


def test_without_atomic_each_flow_mod_stands_alone_and_the_rest_commit_together(tables):
    # Stock add-flows (no --bundle) into table 5 with flow_limit=3 holding 3 flows:
    # "priority=1 -> output:2" replaces, "priority=7" fails with OFPFMFC_TABLE_FULL.
    tables.configure_table(5, FT.TableConfig(db_name="small", flow_limit=3), 0)
    ok(tables, *(add(table_id=5, priority=p, actions=()) for p in (1, 2, 3)))
    version = tables.version
    result = tables.apply([add(table_id=5, priority=1), add(table_id=5, priority=7, actions=())],
                          1.0, atomic=False)
    assert [(i, e.name) for i, e in result.errors] == [(1, "OFPFMFC_TABLE_FULL")]
    assert result.version == tables.version == version + 1
    assert [(r[1], r[3]) for r in flows(tables)] == [(1, (A.Output(2),)), (2, ()), (3, ())]


def test_a_bundle_sees_its_own_earlier_changes(tables):
    result = ok(tables,
                add(IN1, priority=10, cookie=1),
                modify(IN1, actions=(A.Output(3),)),
                add(IN2, priority=10, flags=M.OFPFF_SEND_FLOW_REM),
                delete(IN2),
                add(IN2, priority=10, actions=(A.Output(4),)))
    assert [(r[2], r[3]) for r in flows(tables)] == [(IN1, (A.Output(3),)), (IN2, (A.Output(4),))]
    assert [(r.match, reason) for r, reason in result.flow_removed()] == [(IN2, M.OFPRR_DELETE)]
    assert tables.n_rules() == 2
    assert result.changed_tables == {0}


# ---- dumps and counters -----------------------------------------------------------------

def test_dump_selects_as_flow_stats_requests_do(tables):
    ok(tables,
       add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=10, cookie=1),
       add(ip(nw_src=(0x0A010000, 0xFFFF0000)), priority=20, cookie=2, actions=(A.Output(3),)),
       add(ip(nw_src=0x0A010203), priority=20, cookie=3, table_id=4),
       add(ip(nw_src=(0x0A000000, 0xFF000000)), priority=10, cookie=4))
    query = ip(nw_src=(0x0A010000, 0xFFFF0000))
    cookies = lambda **filters: sorted(rule.cookie for rule in tables.dump(**filters))
    assert cookies(match=query) == [1, 2, 3]
    assert cookies(match=query, table_id=0) == [1, 2]
    assert cookies(match=query, strict=True, priority=20) == [2]
    assert cookies(match=query, strict=True) == []
    assert cookies(cookie=2, cookie_mask=2) == [2, 3]
    assert cookies(out_port=3) == [2]
    assert cookies() == [1, 2, 3, 4]


def test_a_dump_is_the_rules_as_they_were_when_it_began(tables):
    ok(tables, *(add(match(in_port=i)) for i in range(1, 50)))
    dump = tables.dump()
    assert iter(dump) is dump
    first = next(dump)
    ok(tables, delete(), *(add(match(in_port=i), priority=1) for i in range(50, 60)))
    rest = list(dump)
    assert len(rest) == 48 and first not in rest
    assert {rule.priority for rule in rest} == {0x8000}


def test_the_previous_version_stays_whole_until_forgotten(tables):
    ok(tables, add(IN1))
    version = tables.version
    ok(tables, delete(IN1))
    assert tables.lookup(0, IN1.value, version)[0] is not None
    tables.forget_old_versions()
    assert tables.lookup(0, IN1.value, version)[0] is None
    assert tables.lookup(0, IN1.value)[0] is None


def test_counters_count_every_packet_and_the_tables_count_lookups(tables):
    # Stock counts packets even for a flow with no_packet_counts,no_byte_counts.
    ok(tables, add(IN1, flags=M.OFPFF_NO_PKT_COUNTS | M.OFPFF_NO_BYT_COUNTS),
       add(IN2, table_id=1))
    rule = only_rule(tables, table_id=0)
    tables.account(rule, 1, 118, now=3.0)
    tables.account(rule, 2, 236, now=2.0)
    assert (rule.n_packets, rule.n_bytes, rule.used) == (3, 354, 3.0)
    tables.count_lookup(0, matched=True, n=12)
    tables.count_lookup(0, matched=False)
    table = tables.tables[0]
    assert (table.active_count, table.lookup_count, table.matched_count) == (1, 13, 12)
    assert tables.tables[1].active_count == 1 and tables.tables[2].active_count == 0


def test_a_big_batch_leaves_the_garbage_collector_as_it_found_it():
    tables = new_tables()
    batch = [add(match(in_port=i + 1)) for i in range(FT.GC_PAUSE_BATCH)]
    assert gc.isenabled()
    ok(tables, *batch)
    assert gc.isenabled()
    gc.disable()
    try:
        assert tables.apply(batch + [add(IN1, table_id=254)], 1.0).error == FT.EPERM
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert tables.n_rules() == FT.GC_PAUSE_BATCH


# ---- stepwise batches -------------------------------------------------------------------

def _drive(steps):
    """Run a stepwise apply to its end: (number of pauses, result)."""
    pauses = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return pauses, done.value
        pauses += 1


def test_a_stepwise_batch_shows_nothing_until_it_returns_and_then_all_of_it(tables):
    ok(tables, add(IN1, priority=10), add(IN2, priority=10))
    old_rule = tables.lookup(0, IN1.value)[0]
    batch = [delete(IN2)] + [add(match(in_port=i), priority=10) for i in range(3, 40)] + \
        [add(IN1, priority=10, actions=(A.Output(9),))]
    steps = tables.apply_in_steps(batch, 1.0, step=10)
    version = tables.version
    pauses = 0
    for _ in steps:
        pauses += 1
        assert tables.version == version
        assert tables.lookup(0, IN1.value)[0] is old_rule
        assert tables.lookup(0, IN2.value)[0] is not None
        assert tables.lookup(0, match(in_port=3).value)[0] is None
        assert tables.n_rules() == 2
        tables.account(old_rule, 1, 100, 1.0)
    assert pauses >= 6
    assert tables.version == version + 1
    rule = tables.lookup(0, IN1.value)[0]
    assert rule.actions == (A.Output(9),)
    assert (rule.n_packets, rule.n_bytes) == (pauses, 100 * pauses)
    assert tables.lookup(0, IN2.value)[0] is None and tables.n_rules() == 38


def test_a_stepwise_batch_gives_what_apply_gives(tables):
    batch = [add(match(in_port=i), priority=i % 3) for i in range(1, 30)] + \
        [delete(match(in_port=5)), modify(match(in_port=7), actions=(A.Output(1),)),
         add(match(dl_src=1), priority=1, flags=M.OFPFF_CHECK_OVERLAP)]
    other = new_tables()
    expected = other.apply(batch, 1.0, atomic=False)
    pauses, result = _drive(tables.apply_in_steps(batch, 1.0, step=4, atomic=False))
    assert pauses > 0
    assert result.errors == expected.errors != ()
    assert flows(tables) == flows(other)
    pauses, failed = _drive(tables.apply_in_steps(batch[:-1] + [add(table_id=254)], 2.0,
                                                  step=4))
    assert (failed.failed_index, failed.error) == (len(batch) - 1, FT.EPERM)
    assert flows(tables) == flows(other)


def test_nothing_else_changes_the_tables_while_a_stepwise_batch_runs(tables):
    ok(tables, add(IN1, idle_timeout=1), now=0.0)
    steps = tables.apply_in_steps([add(IN2), add(match(in_port=3))], 5.0, step=1)
    next(steps)
    with pytest.raises(RuntimeError):
        tables.apply([add(match(in_port=4))], 5.0)
    with pytest.raises(RuntimeError):
        tables.configure_table(0, FT.TableConfig(flow_limit=1), 5.0)
    assert tables.expire(5.0) == []
    assert _drive(steps)[1].errors == ()
    assert [rule.match for rule, _ in tables.expire(5.0)] == [IN1]
    assert tables.n_rules() == 2


def test_delete_learned_takes_the_learned_table_cookie_when_its_last_holder_goes():
    # As stock ovs-vswitchd 3.1: replacing the only delete_learned flow removes table 1's
    # cookie-0 flows, even one that was added by hand.
    from pyvswitch.ofproto import ofpact as A_
    from pyvswitch.ofproto.match import Match as Match_
    from pyvswitch.ofproto.protocol import messages as M_
    from pyvswitch.ofproto.flow_table import OpenFlowTables
    tables = OpenFlowTables()
    learn = A_.Learn(specs=(), table_id=1, flags=A_.LEARN_DELETE_LEARNED)

    def add(table_id, actions, priority=0x8000, cookie=0):
        return M_.FlowMod(version=1, xid=0, match=Match_(), table_id=table_id,
                          priority=priority, cookie=cookie, actions=tuple(actions))
    tables.apply([add(1, [A_.Output(1)], priority=0), add(1, [A_.Output(2)], cookie=7),
                  add(0, [learn])], 0.0)
    tables.apply([add(0, [learn])], 1.0)          # an identical holder replaces it: kept
    assert tables.n_rules(1) == 2
    result = tables.apply([add(0, [A_.Output(3)])], 2.0)
    assert tables.n_rules(1) == 1
    assert [rule.cookie for rule in tables.dump(table_id=1)] == [7]
    assert any(reason == M_.OFPRR_DELETE and rule.table_id == 1
               for rule, reason in result.removed)
