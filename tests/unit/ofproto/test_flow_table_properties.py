"""Properties of flow_mod batches in pyvswitch.ofproto.flow_table, over random flow_mods:
  * Faucet's: a batch of adds and deletes applied twice leaves the tables as once;
  * a batch applied atomically ends where applying its flow_mods one by one ends, and when one
    fails, it fails at the same flow_mod with the same error and changes nothing;
  * without atomic, a batch ends where one-by-one application skipping the failures ends;
  * every table's rule count is what a dump of it yields."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto import table_config as TC
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as M
from tests.unit.ofproto.test_flow_table_support import COMMANDS, new_tables, summary

ACTIONS = [(), (A.Output(1),), (A.Output(2),), (A.Group(5),), (A.WriteActions((A.Output(3),)),),
           (A.Clone((A.Output(2),)),), (A.GotoTable(2),)]


def _matches() -> list[Match]:
    """Matches over in_port, dl_src and nw_src prefixes: equal, nested, overlapping, disjoint."""
    built = []
    for in_port in (None, 1, 2):
        for dl_src in (None, 1):
            for nw_src in (None, (0x0A000000, 8), (0x0A010000, 16), (0x0A010203, 32)):
                m = Match()
                if in_port is not None:
                    m = m.with_field("in_port", in_port)
                if dl_src is not None:
                    m = m.with_field("dl_src", dl_src)
                if nw_src is not None:
                    m = m.with_field("dl_type", 0x0800).with_field(
                        "nw_src", nw_src[0], (0xFFFFFFFF << (32 - nw_src[1])) & 0xFFFFFFFF)
                built.append(m)
    return built


MATCHES = _matches()
FLAGS = st.sampled_from([0, M.OFPFF_SEND_FLOW_REM, M.OFPFF_RESET_COUNTS, M.OFPFF_CHECK_OVERLAP,
                         M.OFPFF_SEND_FLOW_REM | M.OFPFF_RESET_COUNTS])


@st.composite
def flow_mods(draw, commands=tuple(COMMANDS), flags=FLAGS, new_cookies=True,
              actions=ACTIONS) -> M.FlowMod:
    command = draw(st.sampled_from(commands))
    is_add = command == "add"
    table_id = draw(st.sampled_from([0, 1, 3] if is_add else [0, 1, 3, M.OFPTT_ALL]))
    cookie_mask = 0 if is_add else draw(st.sampled_from([0, 0, 1, 0xFF]))
    new_cookie = draw(st.sampled_from([None, 0, 7])) if new_cookies and not is_add else None
    return M.FlowMod(
        version=4, xid=0, command=COMMANDS[command], match=draw(st.sampled_from(MATCHES)),
        priority=draw(st.sampled_from([0, 10, 20])), table_id=table_id,
        cookie=draw(st.integers(0, 3)), cookie_mask=cookie_mask, new_cookie=new_cookie,
        idle_timeout=draw(st.sampled_from([0, 10])), hard_timeout=draw(st.sampled_from([0, 30])),
        importance=draw(st.integers(0, 2)), flags=draw(flags),
        out_port=draw(st.sampled_from([A.OFPP_NONE, A.OFPP_NONE, 1, 2, 3])),
        out_group=draw(st.sampled_from([A.OFPG_ANY, A.OFPG_ANY, 5])),
        actions=draw(st.sampled_from(actions)))


def state(tables) -> list:
    """Everything dump-flows shows of every table, counters included."""
    return sorted((summary(rule) + (rule.n_packets, rule.n_bytes, rule.created, rule.modified,
                                    rule.used)
                   for rule in tables.dump()), key=repr)


def rules_only(tables) -> list:
    return sorted(map(summary, tables.dump()), key=repr)


def prepared(initial: list[M.FlowMod], limited: bool):
    """Tables holding what `initial` adds (each on its own), with a packet counted on each rule;
    table 3 limited to 4 flows (evicting) when `limited`."""
    tables = new_tables()
    if limited:
        tables.configure_table(3, TC.TableConfig(flow_limit=4, overflow_policy="evict"), 0.0)
    tables.apply(initial, 1.0, atomic=False)
    for rule in list(tables.dump()):
        tables.account(rule, 1, 100, 2.0)
    return tables


def assert_counts_match_dumps(tables):
    for table_id in (0, 1, 3):
        assert tables.tables[table_id].n_rules == len(list(tables.dump(table_id=table_id)))


ADDS = st.lists(flow_mods(commands=("add",)), max_size=8)
FAUCET_BATCH = st.lists(flow_mods(commands=("add", "delete", "delete_strict"),
                                  flags=st.sampled_from([0, M.OFPFF_SEND_FLOW_REM,
                                                         M.OFPFF_RESET_COUNTS]),
                                  actions=[a for a in ACTIONS if a != (A.GotoTable(2),)]),
                        max_size=10)
ANY_BATCH = st.lists(flow_mods(), max_size=10)


@settings(max_examples=80, deadline=None)
@given(initial=ADDS, batch=FAUCET_BATCH)
def test_a_batch_of_adds_and_deletes_applied_twice_leaves_the_tables_as_once(initial, batch):
    tables = prepared(initial, limited=False)
    first = tables.apply(batch, 5.0)
    once = rules_only(tables)
    second = tables.apply(batch, 6.0)
    assert first.errors == second.errors == ()
    assert rules_only(tables) == once
    assert_counts_match_dumps(tables)


@settings(max_examples=120, deadline=None)
@given(initial=ADDS, batch=ANY_BATCH, limited=st.booleans())
def test_an_atomic_batch_is_its_flow_mods_one_by_one_or_nothing(initial, batch, limited):
    together = prepared(initial, limited)
    one_by_one = prepared(initial, limited)
    before = state(together)
    result = together.apply(batch, 5.0)
    first_error = None
    for index, flow_mod in enumerate(batch):
        single = one_by_one.apply([flow_mod], 5.0)
        if single.errors:
            first_error = (index, single.error)
            break
    if first_error is None:
        assert result.errors == ()
        assert state(together) == state(one_by_one)
    else:
        assert result.errors == (first_error,)
        assert state(together) == before
    assert_counts_match_dumps(together)


@settings(max_examples=80, deadline=None)
@given(initial=ADDS, batch=ANY_BATCH, limited=st.booleans())
def test_a_non_atomic_batch_is_its_flow_mods_one_by_one_skipping_failures(initial, batch,
                                                                            limited):
    together = prepared(initial, limited)
    one_by_one = prepared(initial, limited)
    result = together.apply(batch, 5.0, atomic=False)
    errors = []
    removed = []
    for index, flow_mod in enumerate(batch):
        single = one_by_one.apply([flow_mod], 5.0)
        errors.extend((index, error) for _, error in single.errors)
        removed.extend(single.removed)
    assert list(result.errors) == errors
    assert state(together) == state(one_by_one)
    assert sorted(map(repr, result.removed)) == sorted(map(repr, removed))
    assert_counts_match_dumps(together)
