"""The packet as ofproto/trace's "Flow:" line shows it, against stock ovs-vswitchd
(tests/data/syntax/trace_flows.golden.json, regenerate_trace_flows.py): packets named by
trace flows (IPv4, TCP, UDP, SCTP, ICMP, ARP/RARP, IPv6, ICMPv6 and neighbour discovery,
VLAN-tagged, first and later fragments, metadata and registers) and by raw frames, plus
every value/mask of ip_frag as the match printer writes it (nw_frag=no/yes/first/...)."""
import json
import pathlib

import pytest

from pyvswitch.flow import extract_key
from pyvswitch.ofproto.syntax import format_match, parse_match
from pyvswitch.ofproto.trace import format_flow

DATA = pathlib.Path(__file__).parents[3] / "data" / "syntax"
GOLDEN = json.loads((DATA / "trace_flows.golden.json").read_text())
# The registry has no mpls_lse1/mpls_lse2 and the key no MPLS label stack to show.
KNOWN = {"in_port=1,dl_type=0x8847": "registry: no MPLS label stack fields",
         "in_port=1,mpls,mpls_label=5": "registry: no MPLS label stack fields"}


def _flow_param(case):
    reason = KNOWN.get(case["flow"])
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(case["flow"], case["stock"], marks=marks, id=case["flow"])


@pytest.mark.parametrize("flow,stock", [_flow_param(case) for case in GOLDEN["flows"]])
def test_trace_flow_line_is_stocks(flow, stock):
    assert format_flow(parse_match(flow)[0].value) == stock


@pytest.mark.parametrize("case", GOLDEN["frames"], ids=lambda case: case["name"])
def test_trace_flow_line_of_a_frame_is_stocks(case):
    assert format_flow(extract_key(bytes.fromhex(case["hex"]), 1)) == case["stock"]


@pytest.mark.parametrize("case", GOLDEN["ip_frag"],
                         ids=lambda case: "0x%x/0x%x" % (case["value"], case["mask"]))
def test_ip_frag_prints_as_stock(case):
    match = parse_match("ip")[0].with_field("ip_frag", case["value"], case["mask"])
    assert format_match(match) == case["stock"]


def test_corpus_covers_the_packet_kinds():
    flows = " ".join(case["stock"] for case in GOLDEN["flows"])
    for word in ("tcp6,", "icmp6,", "arp,", "rarp,", "nw_frag=first", "nw_frag=later",
                 "vlan_tci1=0x0000", "nd_sll=", "tcp_flags=0"):
        assert word in flows, word
