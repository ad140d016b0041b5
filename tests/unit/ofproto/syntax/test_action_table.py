"""Every ofpact class has ovs-ofctl syntax both ways: a printer, and a keyword (or port
word) whose parse gives that class back, checked on one example each in its printed form.
A new ofpact class without an example here fails the test."""
import dataclasses

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.syntax import FlowSyntaxError, format_actions, parse_actions, parse_flow

EXAMPLES = {
    A.Output: "output:3", A.Controller: "controller(reason=no_match)", A.Enqueue: "enqueue:1:2",
    A.OutputReg: "output:NXM_NX_REG0[0..15]", A.OutputTrunc: "output(port=2,max_len=64)",
    A.Group: "group:4", A.SetVlanVid: "mod_vlan_vid:9",
    A.SetVlanPcp: "mod_vlan_pcp:2", A.StripVlan: "strip_vlan", A.PushVlan: "push_vlan:0x88a8",
    A.PushMpls: "push_mpls:0x8847", A.PopMpls: "pop_mpls:0x0800",
    A.SetMplsLabel: "set_mpls_label(5)", A.SetMplsTc: "set_mpls_tc(1)",
    A.SetMplsTtl: "set_mpls_ttl(3)", A.DecMplsTtl: "dec_mpls_ttl",
    A.SetEthSrc: "mod_dl_src:00:00:00:00:00:01", A.SetEthDst: "mod_dl_dst:00:00:00:00:00:02",
    A.SetIpv4Src: "mod_nw_src:1.1.1.1", A.SetIpv4Dst: "mod_nw_dst:2.2.2.2",
    A.SetIpDscp: "mod_nw_tos:8", A.SetIpEcn: "mod_nw_ecn:1", A.SetIpTtl: "mod_nw_ttl:7",
    A.DecTtl: "dec_ttl(1,2)", A.SetL4SrcPort: "mod_tp_src:1", A.SetL4DstPort: "mod_tp_dst:2",
    A.SetField: "set_field:0x5->reg3", A.Load: "load:0x5->NXM_NX_REG3[0..7]",
    A.Move: "move:NXM_NX_REG0[]->NXM_NX_REG1[]", A.SetTunnel: "set_tunnel64:0x5", A.SetQueue: "set_queue:3",
    A.PopQueue: "pop_queue", A.Resubmit: "resubmit(1,2)", A.Clone: "clone(output:1)",
    A.StackPush: "push:NXM_NX_REG0[]", A.StackPop: "pop:NXM_NX_REG0[]", A.Exit: "exit",
    A.Note: "note:01.02.03.04.05.06", A.Conjunction: "conjunction(7,1/2)",
    A.FinTimeout: "fin_timeout(idle_timeout=3)",
    A.CheckPktLarger: "check_pkt_larger(100)->NXM_NX_REG0[0]",
    A.Sample: "sample(probability=9,collector_set_id=0,obs_domain_id=0,obs_point_id=0)",
    A.Multipath: "multipath(eth_src,0,hrw,4,0,NXM_NX_REG0[0..3])",
    A.Bundle: "bundle(eth_src,0,hrw,ofport,members:1,2)",
    A.Learn: "learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[])", A.Meter: "meter:3",
    A.ClearActions: "clear_actions", A.WriteActions: "write_actions(output:1)",
    A.WriteMetadata: "write_metadata:0x5/0xff", A.GotoTable: "goto_table:2",
}
NOT_ACTIONS = (A.Subfield, A.LearnSpec)
CLASSES = [value for value in vars(A).values()
           if isinstance(value, type) and dataclasses.is_dataclass(value)
           and value not in NOT_ACTIONS]


@pytest.mark.parametrize("cls", CLASSES, ids=[cls.__name__ for cls in CLASSES])
def test_every_action_parses_and_prints(cls):
    text = EXAMPLES[cls]
    actions = parse_actions(text)
    assert [type(action) for action in actions] == [cls]
    assert format_actions(actions) == text


@pytest.mark.parametrize("text", ["ct(commit)", "ct_clear", "encap(nsh)", "decap"])
def test_actions_without_a_model_are_refused(text):
    with pytest.raises(FlowSyntaxError, match="action is not supported"):
        parse_actions(text)


def test_set_field_on_vlan_after_push_vlan_is_consistent():
    flow = parse_flow("actions=push_vlan:0x8100,set_field:4101->vlan_vid")
    assert format_actions(flow.actions) == "push_vlan:0x8100,set_field:4101->vlan_vid"
