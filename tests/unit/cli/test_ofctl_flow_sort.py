"""--sort/--rsort as ovs-ofctl orders flows."""
from dataclasses import dataclass

import pytest

from pyvswitch import fields as F
from pyvswitch.cli import flow_sort
from pyvswitch.ofproto.match import Match


@dataclass(frozen=True)
class Flow:
    name: str
    priority: int
    match: Match


TCP = Match().with_field("dl_type", F.ETH_TYPE_IP).with_field("nw_proto", F.IPPROTO_TCP)
FLOWS = [
    Flow("tcp80", 5, TCP.with_field("tp_dst", 80)),
    Flow("any", 100, Match()),
    Flow("tcp22", 10, TCP.with_field("tp_dst", 22)),
    Flow("tcp-wild", 7, TCP),
    Flow("in1", 10, Match().with_field("in_port", 1)),
]


def order(*criteria):
    return [flow.name for flow in flow_sort.sort_flows(FLOWS, list(criteria))]


def test_priority_ascending_and_descending_keep_ties_in_switch_order():
    # Stock also breaks ties by descending priority, which cannot reorder these.
    assert order(flow_sort.parse_criterion(None, False)) == [
        "tcp80", "tcp-wild", "tcp22", "in1", "any"]
    assert order(flow_sort.parse_criterion("priority", True)) == [
        "any", "tcp22", "in1", "tcp-wild", "tcp80"]


def test_flows_without_the_field_go_last_in_either_direction_by_descending_priority():
    assert order(flow_sort.parse_criterion("tcp_dst", False)) == [
        "tcp22", "tcp80", "any", "in1", "tcp-wild"]
    assert order(flow_sort.parse_criterion("tcp_dst", True)) == [
        "tcp80", "tcp22", "any", "in1", "tcp-wild"]


def test_later_criteria_break_ties():
    assert order(flow_sort.parse_criterion("priority", True),
                 flow_sort.parse_criterion("in_port", False)) == [
        "any", "in1", "tcp22", "tcp-wild", "tcp80"]


def test_unknown_field_is_ovs_ofctls_error():
    with pytest.raises(flow_sort.SortError, match="^foo: unknown field name$"):
        flow_sort.parse_criterion("foo", False)
