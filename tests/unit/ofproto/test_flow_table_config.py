"""Table configuration (pyvswitch.ofproto.table_config) and what it does to flow_mods: flow
limits, refusing or evicting when full, eviction groups, names, prefixes, table-miss settings.
Cases marked "stock" are what ovs-vswitchd 3.1 did with a Flow_Table row flow_limit=3 on table 5
(ovs-vsctl -- --id=@t create Flow_Table name=small flow_limit=3 -- set bridge br0
flow_tables:5=@t), driven by ovs-ofctl -O OpenFlow14."""
from __future__ import annotations

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import messages as M
from pyvswitch.ofproto import table_config as TC
from pyvswitch.ofproto.table_config import TableConfig
from tests.unit.ofproto.test_flow_table_support import add, flows, match, new_tables, ok

SMALL = TableConfig.from_flow_table_row(TableConfig(), name="small", flow_limit=3)
SMALL_EVICT = TableConfig.from_flow_table_row(TableConfig(), name="small", flow_limit=3,
                                              overflow_policy="evict")


def t5(priority, **fields):
    return add(table_id=5, priority=priority, actions=(), **fields)


def priorities(tables):
    return [r[1] for r in flows(tables, table_id=5)]


def test_a_full_table_refuses_new_flows_but_not_replacements():
    # Stock: the 4th add-flow -> OFPFMFC_TABLE_FULL; add-flow of an existing flow is fine.
    tables = new_tables()
    tables.configure_table(5, SMALL, 0)
    ok(tables, t5(1), t5(2), t5(3))
    assert tables.apply([t5(4)], 0).error.name == "OFPFMFC_TABLE_FULL"
    ok(tables, add(table_id=5, priority=3, actions=(A.Output(1),)))
    assert priorities(tables) == [1, 2, 3]
    assert tables.tables[5].active_count == 3


def test_room_made_earlier_in_a_batch_counts():
    tables = new_tables()
    tables.configure_table(5, SMALL, 0)
    ok(tables, t5(1), t5(2), t5(3))
    ok(tables, M.FlowMod(version=4, xid=0, command=M.OFPFC_DELETE_STRICT, table_id=5,
                         priority=2, match=match()), t5(4))
    assert priorities(tables) == [1, 3, 4]


def test_eviction_follows_importance_then_soonest_expiry_and_spares_permanent_flows():
    # Stock, the same eight add-flows in a row with overflow_policy=evict.
    tables = new_tables()
    tables.configure_table(5, SMALL_EVICT, 0)
    steps = [
        (t5(1), [1]),
        (t5(2, hard_timeout=100, importance=5), [1, 2]),
        (t5(3, hard_timeout=200, importance=1), [1, 2, 3]),
        (t5(4, idle_timeout=300, importance=1), [1, 2, 4]),     # 3: importance 1, expires first
        (t5(5, hard_timeout=50, importance=9), [1, 2, 5]),      # 4: the only importance 1
        (t5(6), [1, 5, 6]),                                     # 2: importance 5 < 9
        (t5(7), [1, 6, 7]),                                     # 5: the only one with timeouts
    ]
    for now, (flow_mod, expected) in enumerate(steps):
        result = ok(tables, flow_mod, now=float(now))
        assert priorities(tables) == expected
        assert all(reason == M.OFPRR_EVICTION for _, reason in result.removed)
    result = tables.apply([t5(8)], 10.0)
    assert result.error.name == "OFPFMFC_TABLE_FULL"
    assert priorities(tables) == [1, 6, 7]


def test_an_evicted_flow_with_send_flow_rem_is_announced_with_reason_eviction():
    tables = new_tables()
    tables.configure_table(5, SMALL_EVICT, 0)
    ok(tables, t5(1, idle_timeout=5, flags=M.OFPFF_SEND_FLOW_REM), t5(2), t5(3))
    result = ok(tables, t5(4))
    assert [(rule.priority, reason) for rule, reason in result.flow_removed()] == \
        [(1, M.OFPRR_EVICTION)]


def test_eviction_takes_from_the_largest_group():
    config = TableConfig.from_flow_table_row(TableConfig(), flow_limit=4, overflow_policy="evict",
                                             groups=["NXM_OF_IN_PORT[]", "bogus[]"])
    assert [g.field for g in config.groups] == ["in_port"]
    tables = new_tables()
    tables.configure_table(5, config, 0)
    ok(tables,
       add(match(in_port=1), table_id=5, priority=1, hard_timeout=10),   # expires soonest
       add(match(in_port=2), table_id=5, priority=2, hard_timeout=50),
       add(match(in_port=2), table_id=5, priority=3, hard_timeout=60),
       add(match(in_port=2, dl_src=1), table_id=5, priority=4, hard_timeout=70), now=0.0)
    result = ok(tables, t5(9), now=1.0)
    assert [rule.priority for rule, _ in result.removed] == [2]


def test_lowering_the_limit_with_eviction_evicts_down_to_it():
    tables = new_tables()
    ok(tables, *(t5(p, hard_timeout=10 * p) for p in range(1, 6)), now=0.0)
    removed = tables.configure_table(5, SMALL_EVICT, 1.0)
    assert sorted(rule.priority for rule, _ in removed) == [1, 2]
    assert priorities(tables) == [3, 4, 5]
    assert tables.configure_table(5, SMALL, 2.0) == []


def test_table_mod_eviction_turns_eviction_on_too():
    config = TableConfig(flow_limit=1, mod_eviction=True)
    assert config.eviction and not SMALL.eviction and SMALL_EVICT.eviction
    tables = new_tables()
    tables.configure_table(5, config, 0)
    ok(tables, t5(1, idle_timeout=1), t5(2))
    assert priorities(tables) == [2]


def test_names_limits_and_defaults():
    # Stock dump-tables: 'table 5 ("small")', max_entries=3; an unconfigured table reports
    # max_entries=1000000.  The Flow_Table name wins over a table_mod name (ovs-ofctl(8)).
    assert (SMALL.name, SMALL.max_entries) == ("small", 3)
    default = TableConfig()
    assert (default.name, default.max_entries, default.overflow_policy) == \
        (None, 1_000_000, "refuse")
    assert TableConfig(mod_name="mine").name == "mine"
    assert TableConfig(db_name="db", mod_name="mine").name == "db"
    assert default.miss == TC.MISS_DEFAULT and TC.MISS_SETTINGS == \
        ("default", "controller", "continue", "drop")


@pytest.mark.parametrize("column, expected", [
    (None, ("nw_dst", "nw_src")),
    ([], ("nw_dst", "nw_src")),
    (["none"], ()),
    (["ip_src"], ("nw_src",)),
    (["ipv6_dst", "ipv6_src", "tun_id", "nw_src"], ("ipv6_dst", "ipv6_src", "tun_id")),
    (["dl_src", "nw_dst", "nw_dst"], ("nw_dst",)),
])
def test_prefixes_column(column, expected):
    assert TableConfig.from_flow_table_row(TableConfig(), prefixes=column).prefixes == expected


@pytest.mark.parametrize("text, expected", [
    ("NXM_OF_IN_PORT[]", ("in_port", 0, 32)),
    ("in_port[]", ("in_port", 0, 32)),
    ("reg0[8..15]", ("reg0", 8, 8)),
    ("tun_id[3]", ("tun_id", 3, 1)),
    ("eth_src[]", ("dl_src", 0, 48)),
    ("reg0[15..8]", None),
    ("reg0[32]", None),
    ("nonsense", None),
    ("no_such_field[]", None),
])
def test_groups_column_entries(text, expected):
    parsed = TC.parse_group_field(text)
    assert (None if parsed is None else (parsed.field, parsed.ofs, parsed.n_bits)) == expected


def test_a_group_key_reads_the_match_and_counts_unmatched_bits_as_zero():
    group = TC.parse_group_field("reg0[8..15]")
    config = TableConfig(groups=(group,))

    class Shape:
        def __init__(self, m):
            self.match = m

    assert config.group_key(Shape(match(reg0=0x1234))) == (0x12,)
    assert config.group_key(Shape(match(reg0=(0x1200, 0xFF00)))) == (0x12,)
    assert config.group_key(Shape(match())) == (0,)


def test_prefixes_reach_the_classifier_when_made_and_when_changed():
    made, changed = [], []

    class Recording:
        def __init__(self, prefix_fields):
            from pyvswitch.ofproto.classifier import Classifier
            made.append(tuple(prefix_fields))
            self.inner = Classifier(prefix_fields)

        def set_prefix_fields(self, fields):
            changed.append(tuple(fields))
            self.inner.set_prefix_fields(fields)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    tables = new_tables(Recording)
    tables.configure_table(3, TableConfig(prefixes=("ipv6_src",)), 0)
    ok(tables, add(match(in_port=1), table_id=3))
    tables.configure_table(3, TableConfig(prefixes=("ipv6_src",), flow_limit=7), 0)
    tables.configure_table(3, TableConfig(prefixes=("nw_src",)), 0)
    assert made == [("ipv6_src",)] and changed == [("nw_src",)]
    assert [r[2] for r in flows(tables, table_id=3)] == [match(in_port=1)]
