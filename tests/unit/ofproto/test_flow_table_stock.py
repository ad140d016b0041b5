"""Differential: the same flow_mods sent by stock ovs-ofctl to stock ovs-vswitchd 3.1 (dummy
datapath) and applied to pyvswitch.ofproto.flow_table must give the same errors and leave the
same flows (table, priority, cookie, timeouts, importance, flags, actions), as
`ovs-ofctl -O OpenFlow14 dump-flows` shows them.  Each step pairs an ovs-ofctl command with
the FlowMods the switch receives for it: one per flow, each applied on its own (atomic=False)
as a plain flow_mod is, and with what the OpenFlow 1.0/NXM decoder adds (the cookie field is
the new cookie; an OpenFlow 1.0-1.2 add carries reset_counts).  Skips without stock OVS."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.flow_table import OpenFlowTables
from pyvswitch.ofproto.protocol import messages as M
from pyvswitch.ofproto.table_config import TableConfig
from tests.stock_ovs import StockOVS, needs_stock_ovs
from tests.unit.ofproto.test_flow_table_support import delete, flow_mod, match

pytestmark = needs_stock_ovs

SEND = M.OFPFF_SEND_FLOW_REM
RESET = M.OFPFF_RESET_COUNTS
OVERLAP = M.OFPFF_CHECK_OVERLAP
ALL = 0xFFFFFFFFFFFFFFFF
MAC1 = 0x000000000001


def of10_add(m, actions, cookie=0, flags=0, **fields):
    return flow_mod("add", match=m, actions=actions, new_cookie=cookie, flags=flags | RESET,
                    **fields)


def of14_add(m, actions, **fields):
    return flow_mod("add", match=m, actions=actions, **fields)


def of10_modify(m, actions, new_cookie=0, strict=False, **fields):
    return flow_mod("modify_strict" if strict else "modify", match=m, actions=actions,
                    new_cookie=new_cookie, **fields)


OUT1, OUT2, OUT3, OUT4 = (A.Output(1),), (A.Output(2),), (A.Output(3),), (A.Output(4),)

SCENARIOS = {
    "check_overlap": [
        (["add-flow", "priority=10,in_port=1,cookie=1,actions=output:2"],
         [of10_add(match(in_port=1), OUT2, cookie=1, priority=10)]),
        (["add-flow", "check_overlap,priority=10,dl_src=00:00:00:00:00:01,cookie=2,"
                      "actions=output:3"],
         [of10_add(match(dl_src=MAC1), OUT3, cookie=2, priority=10, flags=OVERLAP)]),
        (["add-flow", "check_overlap,priority=10,in_port=1,cookie=3,actions=output:3"],
         [of10_add(match(in_port=1), OUT3, cookie=3, priority=10, flags=OVERLAP)]),
        (["add-flow", "check_overlap,priority=10,in_port=2,cookie=4,actions=output:3"],
         [of10_add(match(in_port=2), OUT3, cookie=4, priority=10, flags=OVERLAP)]),
        (["add-flow", "check_overlap,priority=11,in_port=1,cookie=5,actions=drop"],
         [of10_add(match(in_port=1), (), cookie=5, priority=11, flags=OVERLAP)]),
        (["add-flow", "table=255,priority=12,actions=drop"],
         [of10_add(match(), (), priority=12, table_id=M.OFPTT_ALL)]),
    ],
    "modify": [
        (["add-flow", "priority=10,in_port=1,cookie=7,idle_timeout=50,hard_timeout=60,"
                      "send_flow_rem,actions=output:2"],
         [of10_add(match(in_port=1), OUT2, cookie=7, priority=10, idle_timeout=50,
                   hard_timeout=60, flags=SEND)]),
        (["add-flow", "priority=20,in_port=1,dl_src=00:00:00:00:00:01,cookie=1,"
                      "actions=output:2"],
         [of10_add(match(in_port=1, dl_src=MAC1), OUT2, cookie=1, priority=20)]),
        (["add-flow", "priority=0,cookie=1,actions=output:2"],
         [of10_add(match(), OUT2, cookie=1, priority=0)]),
        (["mod-flows", "in_port=1,idle_timeout=5,actions=output:1"],
         [of10_modify(match(in_port=1), OUT1, idle_timeout=5)]),
        (["mod-flows", "cookie=1/-1,actions=output:3"],
         [of10_modify(match(), OUT3, new_cookie=None, cookie=1, cookie_mask=ALL)]),
        (["mod-flows", "in_port=5,actions=output:2"],
         [of10_modify(match(in_port=5), OUT2)]),
        (["mod-flows", "cookie=0x10,in_port=7,actions=output:2"],
         [of10_modify(match(in_port=7), OUT2, new_cookie=0x10)]),
        (["--strict", "mod-flows", "priority=44,in_port=6,actions=output:2"],
         [of10_modify(match(in_port=6), OUT2, strict=True, priority=44)]),
        (["-O", "OpenFlow13", "mod-flows", "in_port=9,actions=output:2"],
         [of10_modify(match(in_port=9), OUT2, new_cookie=None)]),
        (["-O", "OpenFlow13", "mod-flows", "in_port=5,reset_counts,actions=output:4"],
         [of10_modify(match(in_port=5), OUT4, new_cookie=None, flags=RESET)]),
    ],
    "delete": [
        (["-O", "OpenFlow14", "add-flow", "priority=10,in_port=1,cookie=0x5,importance=4,"
                                          "actions=output:2"],
         [of14_add(match(in_port=1), OUT2, cookie=5, priority=10, importance=4)]),
        (["-O", "OpenFlow14", "add-flow", "priority=20,in_port=1,dl_src=00:00:00:00:00:01,"
                                          "cookie=0x6,actions=output:3,output:2"],
         [of14_add(match(in_port=1, dl_src=MAC1), OUT3 + OUT2, cookie=6, priority=20)]),
        (["-O", "OpenFlow14", "add-flow", "table=1,priority=20,cookie=0x16,actions=output:4"],
         [of14_add(match(), OUT4, cookie=0x16, priority=20, table_id=1)]),
        (["-O", "OpenFlow14", "add-flow", "table=2,priority=5,cookie=0x26,actions=output:3"],
         [of14_add(match(), OUT3, cookie=0x26, priority=5, table_id=2)]),
        (["-O", "OpenFlow14", "add-flow", "table=2,priority=6,in_port=3,cookie=0x7,"
                                          "actions=drop"],
         [of14_add(match(in_port=3), (), cookie=7, priority=6, table_id=2)]),
        (["-O", "OpenFlow14", "add-flow", "table=3,priority=7,cookie=0x8,actions=output:1"],
         [of14_add(match(), OUT1, cookie=8, priority=7, table_id=3)]),
        (["-O", "OpenFlow14", "add-flow", "priority=8,in_port=2,cookie=0x9,actions=output:4"],
         [of14_add(match(in_port=2), OUT4, cookie=9, priority=8)]),
        (["del-flows", "out_port=2"], [delete(out_port=2)]),
        (["-O", "OpenFlow14", "del-flows", "cookie=0x6/0xf"],
         [delete(cookie=6, cookie_mask=0xF)]),
        (["--strict", "del-flows", "table=2,in_port=3"],
         [delete(match(in_port=3), strict=True, table_id=2)]),
        (["--strict", "del-flows", "table=2,priority=6,in_port=3"],
         [delete(match(in_port=3), strict=True, table_id=2, priority=6)]),
        (["del-flows", "table=254"], [delete(table_id=254)]),
        (["add-flow", "table=254,actions=drop"], [of10_add(match(), (), table_id=254)]),
    ],
    "flow_limit": [
        (["-O", "OpenFlow14", "add-flow", "table=5,priority=%d,actions=drop" % p],
         [of14_add(match(), (), priority=p, table_id=5)]) for p in (1, 2, 3, 4)
    ] + [
        (["add-flows", "-"], [of10_add(match(), OUT2, priority=1, table_id=5),
                              of10_add(match(), (), priority=7, table_id=5)]),
    ],
    "evict": [
        (["-O", "OpenFlow14", "add-flow", "table=5,priority=%d,%sactions=drop" % (p, extra)],
         [of14_add(match(), (), priority=p, table_id=5, **fields)])
        for p, extra, fields in [
            (1, "", {}),
            (2, "hard_timeout=100,importance=5,", dict(hard_timeout=100, importance=5)),
            (3, "hard_timeout=200,importance=1,", dict(hard_timeout=200, importance=1)),
            (4, "idle_timeout=300,importance=1,", dict(idle_timeout=300, importance=1)),
            (5, "hard_timeout=50,importance=9,", dict(hard_timeout=50, importance=9)),
            (6, "", {}), (7, "", {}), (8, "", {})]
    ],
    "evict_groups": [
        (["add-flow", "table=6,priority=%d,%shard_timeout=%d,actions=drop" % (p, fields, hard)],
         [of10_add(m, (), priority=p, table_id=6, hard_timeout=hard)])
        for p, fields, m, hard in [
            (1, "in_port=1,", match(in_port=1), 10),
            (2, "in_port=2,", match(in_port=2), 50),
            (3, "in_port=2,", match(in_port=2), 60),
            (4, "in_port=2,dl_src=00:00:00:00:00:01,", match(in_port=2, dl_src=MAC1), 70),
            (9, "", match(), 0)]
    ],
}

#: Flow_Table rows per scenario: {table: columns}.
FLOW_TABLES = {
    "flow_limit": {5: {"name": "small", "flow_limit": 3}},
    "evict": {5: {"name": "small", "flow_limit": 3, "overflow_policy": "evict"}},
    "evict_groups": {6: {"flow_limit": 4, "overflow_policy": "evict",
                         "groups": ["NXM_OF_IN_PORT[]"]}},
}
#: What add-flows reads from stdin, per scenario.
STDIN = {"flow_limit": "table=5,priority=1,actions=output:2\ntable=5,priority=7,actions=drop\n"}


def _ovsdb_value(value) -> str:
    """A Flow_Table column value as ovs-vsctl takes it."""
    if isinstance(value, list):
        return "[%s]" % ",".join('"%s"' % item for item in value)
    return str(value)


_FLAG_WORDS = (("send_flow_rem", SEND), ("check_overlap", OVERLAP), ("reset_counts", RESET),
               ("no_packet_counts", M.OFPFF_NO_PKT_COUNTS),
               ("no_byte_counts", M.OFPFF_NO_BYT_COUNTS))
_FIELD = re.compile(r"\b(cookie|table|idle_timeout|hard_timeout|importance|priority)=(\w+)")
_ERROR = re.compile(r"(?:OFPT_ERROR[^:]*: |Error )(OF[A-Z]+_[A-Z_]+)")


def _stock_flow(line: str) -> tuple:
    head, _, actions = line.partition(" actions=")
    fields = dict(_FIELD.findall(head))
    flags = sum(bit for word, bit in _FLAG_WORDS if re.search(r"\b%s\b" % word, head))
    return (int(fields.get("table", "0")), int(fields.get("priority", "32768")),
            int(fields.get("cookie", "0"), 16), int(fields.get("idle_timeout", "0")),
            int(fields.get("hard_timeout", "0")), int(fields.get("importance", "0")), flags,
            actions.strip())


def _action_text(actions: tuple) -> str:
    return ",".join("output:%d" % a.port for a in actions) or "drop"


def _our_flow(rule) -> tuple:
    return (rule.table_id, rule.priority, rule.cookie, rule.idle_timeout, rule.hard_timeout,
            rule.importance, rule.flags, _action_text(rule.actions))


@pytest.fixture(scope="module")
def stock():
    with StockOVS() as ovs:
        yield ovs


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_errors_and_flows_as_stock(stock, name):
    bridge = "br-" + name.replace("_", "")[:10]
    stock.add_bridge(bridge)
    assert stock.ofctl("del-flows", bridge)[0] == 0
    ours = OpenFlowTables()
    for table_id, columns in FLOW_TABLES.get(name, {}).items():
        stock.vsctl("--", "--id=@t", "create", "Flow_Table",
                    *("%s=%s" % (column, _ovsdb_value(value)) for column, value in columns.items()),
                    "--", "set", "Bridge", bridge, "flow_tables:%d=@t" % table_id)
        ours.configure_table(table_id, TableConfig.from_flow_table_row(TableConfig(), **columns),
                             0.0)
    stock_errors, our_errors = [], []
    for args, flow_mods in SCENARIOS[name]:
        status, out, err = stock.ofctl(*_split(args, bridge), stdin=STDIN.get(name))
        stock_errors.append(_ERROR.findall(out + err))
        result = ours.apply(flow_mods, 0.0, atomic=False)
        our_errors.append([error.name for _, error in result.errors])
    assert our_errors == stock_errors
    status, out, err = stock.ofctl("-O", "OpenFlow14", "dump-flows", bridge)
    assert status == 0, err
    stock_flows = sorted(_stock_flow(line) for line in out.splitlines()
                         if line.startswith(" cookie="))
    assert sorted(map(_our_flow, ours.dump())) == stock_flows


def _split(args: list[str], bridge: str) -> list[str]:
    """ovs-ofctl arguments with the bridge after the options and the command."""
    command_at = next(i for i, arg in enumerate(args) if not arg.startswith("-")
                      and (i == 0 or args[i - 1] != "-O"))
    return args[:command_at + 1] + [bridge] + args[command_at + 1:]


# ---- counters: packets through a dummy port ---------------------------------------------

PACKET = ("in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),"
          "ipv4(src=1.1.1.1,dst=2.2.2.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2)")
PACKET_BYTES = 118

#: (ovs-ofctl command, or None to send three packets in on port 1; our FlowMods).  After
#: every step both switches must show the same counters.
COUNTER_STEPS = [
    (["-O", "OpenFlow14", "add-flow", "priority=10,in_port=1,cookie=1,actions=output:2"],
     [of14_add(match(in_port=1), OUT2, cookie=1, priority=10)]),
    (["add-flow", "priority=20,in_port=2,actions=output:1"],
     [of10_add(match(in_port=2), OUT1, priority=20)]),
    (None, []),
    # An OpenFlow 1.4 add of the same flow keeps its counters...
    (["-O", "OpenFlow14", "add-flow", "priority=10,in_port=1,cookie=2,actions=output:3"],
     [of14_add(match(in_port=1), OUT3, cookie=2, priority=10)]),
    (None, []),
    # ...and so does a modify...
    (["mod-flows", "in_port=1,actions=output:2"], [of10_modify(match(in_port=1), OUT2)]),
    (None, []),
    # ...but an OpenFlow 1.0 add resets them (its decoder sets reset_counts)...
    (["add-flow", "priority=10,in_port=1,actions=output:2"],
     [of10_add(match(in_port=1), OUT2, priority=10)]),
    (None, []),
    # ...and so does a modify with reset_counts.
    (["-O", "OpenFlow13", "mod-flows", "in_port=1,reset_counts,actions=output:3"],
     [of10_modify(match(in_port=1), OUT3, new_cookie=None, flags=RESET)]),
    (None, []),
]


def _stock_counters(stock, bridge) -> list[tuple[int, int, int]]:
    status, out, err = stock.ofctl("dump-flows", bridge)
    assert status == 0, err
    counters = []
    for line in out.splitlines():
        if line.startswith(" cookie="):
            fields = dict(re.findall(r"\b(priority|n_packets|n_bytes)=(\d+)", line))
            counters.append((int(fields.get("priority", 32768)), int(fields["n_packets"]),
                             int(fields["n_bytes"])))
    return sorted(counters)


def _send_packets(stock, n):
    for _ in range(n):
        subprocess.run(["ovs-appctl", "-t", os.path.join(stock.dir, "ovs-vswitchd.ctl"),
                        "netdev-dummy/receive", "p1", PACKET],
                       check=True, env=stock.env, capture_output=True)


def _counters_agree(stock, bridge, ours) -> None:
    """Stock's counters become ours (it credits datapath statistics to rules a little later)."""
    expected = sorted((rule.priority, rule.n_packets, rule.n_bytes) for rule in ours.dump())
    deadline = time.monotonic() + 5
    while _stock_counters(stock, bridge) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stock_counters(stock, bridge) == expected


@pytest.mark.skipif(shutil.which("ovs-appctl") is None, reason="stock ovs-appctl not installed")
def test_same_counters_as_stock(stock):
    bridge = "br-counters"
    stock.add_bridge(bridge, {"p1": 1, "p2": 2, "p3": 3})
    assert stock.ofctl("del-flows", bridge)[0] == 0
    ours = OpenFlowTables()
    key = match(in_port=1).value
    for args, flow_mods in COUNTER_STEPS:
        if args is None:
            _send_packets(stock, 3)
            ours.account(ours.lookup(0, key)[0], 3, 3 * PACKET_BYTES, 1.0)
        else:
            assert stock.ofctl(*_split(args, bridge))[0] == 0
            assert ours.apply(flow_mods, 1.0).errors == ()
        _counters_agree(stock, bridge, ours)
    assert [(rule.priority, rule.n_packets) for rule in ours.dump(table_id=0)
            if rule.priority == 10] == [(10, 3)]
