"""Printing then parsing gives back the same objects, for every flow of the golden corpus
that parses: matches (with priority), action tuples and whole flows as dump-flows lines."""
import json
import pathlib

import pytest

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax import (
    FlowSyntaxError, PortNames, format_actions, format_flow_stats, format_match, parse_actions,
    parse_flow, parse_match)
from pyvswitch.ofproto.syntax.flow_text import settle_vlan_pushes

DATA = pathlib.Path(__file__).parents[3] / "data" / "syntax"
# A tun_metadata mask of whole bytes prints as an exact option of that length (as stock
# prints it), which reads back as an exact match on the whole field.
NOT_REVERSIBLE = ("tun_metadata1=0x5/0xff,actions=drop",)
FLOWS = []
for _case in json.loads((DATA / "flows.golden.json").read_text()):
    if _case["flow"] in NOT_REVERSIBLE:
        continue
    try:
        FLOWS.append(parse_flow(_case["flow"]))
    except FlowSyntaxError:
        pass
# No name with a space: ovs-ofctl splits flows at white space even inside quotes.
PORTS = PortNames.from_pairs([("p1", 1), ("my.port", 2), ("123", 3), ("q\"t", 4), ("tab\tx", 5)])


@pytest.mark.parametrize("flow", FLOWS)
def test_match_and_actions_round_trip(flow):
    match_text = format_match(flow.match, flow.priority)
    assert parse_match(match_text) == (flow.match, flow.priority)
    actions = parse_actions(format_actions(flow.actions))
    assert settle_vlan_pushes(flow.match, actions) == flow.actions


@pytest.mark.parametrize("flow", FLOWS)
def test_dump_flows_line_reads_back_as_the_same_flow(flow):
    stats = m.FlowStats(table_id=flow.table_id, duration_sec=1, duration_nsec=5, priority=flow.priority,
                        idle_timeout=flow.idle_timeout, hard_timeout=flow.hard_timeout,
                        cookie=flow.cookie, packet_count=3, byte_count=180, match=flow.match,
                        actions=flow.actions, flags=flow.flags, importance=flow.importance,
                        idle_age=1)
    for ports in (None, PORTS):
        for show_stats in (True, False):
            line = format_flow_stats(stats, ports, show_stats=show_stats)
            assert parse_flow(line, ports=PORTS) == flow, line


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 0xfffe])
def test_port_names_round_trip_with_quoting(number):
    match, _ = parse_match("in_port=%d" % number)
    text = format_match(match, ports=PORTS)
    assert parse_match(text, PORTS)[0] == match
