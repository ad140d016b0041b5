"""The OpenFlow pipeline: which frames leave which ports, with which headers, for multi-table
rule sets (resubmit, goto_table, action sets, rewrites, learn, clone, the field stack).

Rules live in `ListTables`, a stand-in for the bridge's tables with the same lookup interface
(highest priority wins; the wildcards are every bit any rule of the table constrains, which is
always sufficient).  Frames are built with scapy, translated, and the datapath actions are
applied by the real datapath executor; assertions are about the frames sent.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw, raw

from pyvswitch.datapath.execute import execute
from pyvswitch.flow import FlowView, extract_key
from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto import xlate
from pyvswitch.ofproto.mac_learning import MacTable
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.normal import Learning
from pyvswitch.ofproto.vlan import PortVlanConfig, VlanPolicy

PORTS = (1, 2, 3, 4)
A, B = "50:54:00:00:00:0a", "50:54:00:00:00:0b"


class Rule:
    def __init__(self, table_id, priority, match, actions, cookie=0):
        self.table_id, self.priority, self.match = table_id, priority, match
        self.actions, self.cookie = tuple(actions), cookie


class ListTables:
    def __init__(self, rules, continue_tables=()):
        self.rules = rules
        self.continue_tables = set(continue_tables)

    def lookup(self, table_id, key, version):
        wc = 0
        best = None
        for rule in self.rules:
            if rule.table_id != table_id:
                continue
            wc |= rule.match.mask
            if rule.match.matches(key) and (best is None or rule.priority > best.priority):
                best = rule
        return best, wc

    def miss_continues(self, table_id):
        return table_id in self.continue_tables


def match(**fields) -> Match:
    result = Match()
    for name, value in fields.items():
        if isinstance(value, tuple):
            result = result.with_field(name, *value)
        else:
            result = result.with_field(name, value)
    return result


def pipeline(rules, continue_tables=()):
    snapshot = xlate.BridgeSnapshot({p: p for p in PORTS}, {p: p for p in PORTS},
                                    {p: VlanPolicy.from_config(PortVlanConfig()) for p in PORTS})
    return xlate.Pipeline("br0", ListTables(rules, continue_tables), 0, snapshot, MacTable())


def translate(pipe, in_port, frame, learning=Learning.LEARN):
    view = FlowView(extract_key(frame, in_port))
    return xlate.translate(view, pipe, 1000.0, learning), view


def sent(pipe, in_port, frame) -> dict:
    """{port: [frames]} that leave when `frame` arrives on `in_port`."""
    translation, _view = translate(pipe, in_port, frame)
    out: dict = {}
    execute([(frame, None)], translation.actions, in_port, out, None)
    return {port: [entry[0] for entry in frames] for port, frames in out.items()}


def udp_frame(src_ip="10.0.0.1", dst_ip="10.0.0.2", vlan=None, sport=1000, dport=2000):
    layers = Ether(src=A, dst=B)
    if vlan is not None:
        layers = layers / Dot1Q(vlan=vlan)
    return raw(layers / IP(src=src_ip, dst=dst_ip, ttl=64) / UDP(sport=sport, dport=dport)
               / Raw(b"x" * 20))


def test_rewrite_then_output_sends_the_rewritten_frame_with_good_checksums():
    pipe = pipeline([Rule(0, 1, match(in_port=1), [a.SetIpv4Src(0x09B58901), a.Output(2)])])
    out = sent(pipe, 1, udp_frame())
    packet = Ether(out[2][0])
    assert packet[IP].src == "9.181.137.1"
    rebuilt = Ether(out[2][0])
    del rebuilt[IP].chksum, rebuilt[UDP].chksum
    assert Ether(raw(rebuilt))[IP].chksum == packet[IP].chksum
    assert Ether(raw(rebuilt))[UDP].chksum == packet[UDP].chksum


def test_output_before_a_rewrite_is_not_affected_by_it():
    pipe = pipeline([Rule(0, 1, Match(), [a.Output(2), a.SetIpv4Dst(0x01020304), a.Output(3)])])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[2][0])[IP].dst == "10.0.0.2"
    assert Ether(out[3][0])[IP].dst == "1.2.3.4"


def test_resubmit_continues_in_another_table_and_returns():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.Resubmit(table_id=3), a.Output(2)]),
        Rule(3, 5, match(dl_type=0x0800, nw_dst=(0x0A000000, 0xFF000000)), [a.Output(3)]),
    ])
    assert sorted(sent(pipe, 1, udp_frame())) == [2, 3]
    assert sorted(sent(pipe, 1, udp_frame(dst_ip="11.0.0.1"))) == [2]


def test_resubmit_with_in_port_changes_only_the_lookup():
    pipe = pipeline([
        Rule(0, 5, match(in_port=1), [a.Resubmit(in_port=4, table_id=1)]),
        Rule(1, 5, match(in_port=4), [a.Output(a.OFPP_IN_PORT)]),
    ])
    assert list(sent(pipe, 1, udp_frame())) == [1]


def test_goto_table_runs_the_later_table():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.SetEthDst(0x020000000099), a.GotoTable(2)]),
        Rule(2, 5, Match(), [a.Output(4)]),
    ])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[4][0]).dst == "02:00:00:00:00:99"


def test_a_table_miss_drops_unless_the_table_continues():
    rules = [Rule(0, 5, match(in_port=2), [a.Output(3)]), Rule(1, 0, Match(), [a.Output(4)])]
    assert sent(pipeline(rules), 1, udp_frame()) == {}
    assert list(sent(pipeline(rules, continue_tables=[0]), 1, udp_frame())) == [4]


def test_the_action_set_runs_at_the_end_in_openflow_order():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.WriteActions((a.Output(3), a.SetIpTtl(9))), a.Output(2),
                             a.GotoTable(1)]),
        Rule(1, 5, Match(), [a.WriteActions((a.SetEthSrc(0x020000000001),))]),
    ])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[2][0])[IP].ttl == 64
    assert Ether(out[3][0])[IP].ttl == 9 and Ether(out[3][0]).src == "02:00:00:00:00:01"


def test_clear_actions_empties_the_action_set():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.WriteActions((a.Output(3),)), a.GotoTable(1)]),
        Rule(1, 5, Match(), [a.ClearActions()]),
    ])
    assert sent(pipe, 1, udp_frame()) == {}


def test_mod_vlan_vid_tags_an_untagged_packet_and_strip_vlan_removes_it():
    pipe = pipeline([Rule(0, 5, Match(), [a.SetVlanVid(1), a.Output(2), a.StripVlan(),
                                          a.Output(3)])])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[2][0])[Dot1Q].vlan == 1
    assert Dot1Q not in Ether(out[3][0])


def test_registers_carry_values_between_tables_and_move_copies_bits():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.Load(a.Subfield("reg0", 0, 16), 3), a.Resubmit(table_id=1)]),
        Rule(1, 5, match(reg0=3), [a.Move(a.Subfield("reg0", 0, 16),
                                          a.Subfield("tp_dst", 0, 16)),
                                   a.OutputReg(a.Subfield("reg0", 0, 16))]),
    ])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[3][0])[UDP].dport == 3


def test_clone_restores_the_packet_afterwards():
    pipe = pipeline([Rule(0, 5, Match(), [
        a.Clone((a.SetIpv4Dst(0x01010101), a.Output(2))), a.Output(3)])])
    out = sent(pipe, 1, udp_frame())
    assert Ether(out[2][0])[IP].dst == "1.1.1.1"
    assert Ether(out[3][0])[IP].dst == "10.0.0.2"


def test_field_stack_push_and_pop_swap_addresses():
    src, dst = a.Subfield("nw_src", 0, 32), a.Subfield("nw_dst", 0, 32)
    pipe = pipeline([Rule(0, 5, match(dl_type=0x0800), [
        a.StackPush(src), a.StackPush(dst), a.StackPop(src), a.StackPop(dst), a.Output(2)])])
    packet = Ether(sent(pipe, 1, udp_frame())[2][0])
    assert (packet[IP].src, packet[IP].dst) == ("10.0.0.2", "10.0.0.1")


def test_dec_ttl_of_an_expiring_packet_stops_the_action_list():
    pipe = pipeline([Rule(0, 5, Match(), [a.DecTtl(), a.Output(2)])])
    frame = raw(Ether(src=A, dst=B) / IP(ttl=1) / UDP() / Raw(b"x"))
    assert sent(pipe, 1, frame) == {}
    frame = raw(Ether(src=A, dst=B) / IP(ttl=5) / UDP() / Raw(b"x"))
    assert Ether(sent(pipe, 1, frame)[2][0])[IP].ttl == 4


def test_mod_nw_src_on_arp_changes_nothing():
    pipe = pipeline([Rule(0, 5, Match(), [a.SetIpv4Src(0x01020304), a.Output(2)])])
    frame = raw(Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2"))
    assert sent(pipe, 1, frame)[2][0] == frame


def test_exit_stops_everything_but_earlier_outputs_stay():
    pipe = pipeline([
        Rule(0, 5, Match(), [a.Output(2), a.Resubmit(table_id=1), a.Output(3)]),
        Rule(1, 5, Match(), [a.Exit(), a.Output(4)]),
    ])
    assert list(sent(pipe, 1, udp_frame())) == [2]


def test_resubmit_loops_abort_the_translation():
    pipe = pipeline([Rule(0, 5, Match(), [a.Output(2), a.Resubmit(table_id=0)])])
    translation, _ = translate(pipe, 1, udp_frame())
    assert translation.actions == [] and translation.aborted == xlate.DROP_TOO_DEEP


def test_matched_rules_are_reported_for_statistics():
    first = Rule(0, 5, Match(), [a.Resubmit(table_id=1)])
    second = Rule(1, 5, Match(), [a.Output(2)])
    translation, _ = translate(pipeline([first, second]), 1, udp_frame())
    assert translation.rules == [first, second]


# ---- learn (shared/SCENARIOS.md story 3, table 10) ----

STORY3_LEARN = a.Learn(
    table_id=20, hard_timeout=300, priority=1,
    specs=(a.LearnSpec("match", 12, dst=a.Subfield("vlan_tci", 0, 12),
                       src=a.Subfield("vlan_tci", 0, 12)),
           a.LearnSpec("match", 48, dst=a.Subfield("dl_dst", 0, 48),
                       src=a.Subfield("dl_src", 0, 48)),
           a.LearnSpec("load", 16, dst=a.Subfield("vlan_tci", 0, 16), value=0),
           a.LearnSpec("load", 64, dst=a.Subfield("tun_id", 0, 64),
                       src=a.Subfield("tun_id", 0, 64)),
           a.LearnSpec("output", 32, src=a.Subfield("in_port", 0, 32))))


def test_learn_makes_the_flow_story_3_expects():
    pipe = pipeline([Rule(0, 1, Match(), [a.SetTunnel(0x138F), a.SetVlanVid(1), STORY3_LEARN,
                                          a.Output(2)])])
    translation, view = translate(pipe, 3, udp_frame())
    (learned,) = translation.learned
    assert learned.table_id == 20 and learned.priority == 1 and learned.hard_timeout == 300
    assert learned.match == match(vlan_tci=(1, 0x0FFF), dl_dst=0x50540000000A)
    assert learned.actions == (a.Load(a.Subfield("vlan_tci", 0, 16), 0),
                               a.Load(a.Subfield("tun_id", 0, 64), 0x138F), a.Output(3))
    # The learned flow depends on the source address: it is in the megaflow's mask.
    assert view.wc & Match().with_field("dl_src", 0).mask


def test_learn_installs_nothing_without_side_effects():
    pipe = pipeline([Rule(0, 1, Match(), [STORY3_LEARN])])
    translation, _ = translate(pipe, 3, udp_frame(), learning=Learning.NONE)
    assert translation.learned == []


def test_trace_records_tables_and_actions():
    trace: list = []
    rule = Rule(0, 1, Match(), [a.Resubmit(table_id=2)])
    pipe = pipeline([rule])
    xlate.translate(FlowView(extract_key(udp_frame(), 1)), pipe, 0.0, Learning.NONE, trace)
    assert [(event.depth, event.kind) for event in trace] == [
        (0, "table"), (1, "action"), (1, "table")]
    assert trace[2].data == (2, None)


@pytest.mark.parametrize("frame", [udp_frame(), udp_frame(vlan=5),
                                   raw(Ether(src=A, dst=B) / IP() / TCP() / Raw(b"x")),
                                   raw(Ether(src=A, dst=B) / IP() / ICMP())])
def test_every_key_the_mask_covers_translates_the_same(frame):
    pipe = pipeline([
        Rule(0, 9, match(dl_type=0x0800, nw_proto=6), [a.SetL4DstPort(80), a.Output(2)]),
        Rule(0, 5, match(dl_type=0x0800), [a.Move(a.Subfield("nw_src", 0, 32),
                                                  a.Subfield("reg1", 0, 32)),
                                           a.Resubmit(table_id=1)]),
        Rule(0, 1, Match(), [a.Output(a.OFPP_NORMAL)]),
        Rule(1, 5, match(reg1=(0x0A000000, 0xFF000000)), [a.SetVlanPcp(3), a.Output(3)]),
    ])
    translation, view = translate(pipe, 1, frame, Learning.NONE)
    key = view.key
    base = extract_key(frame, 1)
    for other in (udp_frame(src_ip="10.9.9.9"), udp_frame(dst_ip="1.1.1.1", sport=7),
                  udp_frame(vlan=9), raw(Ether(src=B, dst=A) / IP() / TCP() / Raw(b"y"))):
        other_key = extract_key(other, 1)
        blended = (other_key & ~view.wc) | (base & view.wc)
        again = xlate.translate(FlowView(blended), pipe, 1000.0, Learning.NONE)
        assert again.actions == translation.actions, (key, blended)


# ---- multipath and bundle ----

def test_multipath_spreads_flows_over_links_and_a_flow_keeps_its_link():
    pipe = pipeline([Rule(0, 5, Match(), [
        a.Multipath("symmetric_l4", 50, "modulo_n", 1, 0, a.Subfield("reg0", 0, 16)),
        a.Resubmit(table_id=1)]),
        Rule(1, 5, match(reg0=0), [a.Output(2)]), Rule(1, 5, match(reg0=1), [a.Output(3)])])
    seen = {next(iter(sent(pipe, 1, udp_frame(src_ip="10.0.0.%d" % i)))) for i in range(1, 40)}
    assert seen == {2, 3}
    first = sent(pipe, 1, udp_frame(src_ip="10.0.0.7"))
    assert all(sent(pipe, 1, udp_frame(src_ip="10.0.0.7")).keys() == first.keys()
               for _ in range(3))


def test_symmetric_hash_sends_both_directions_the_same_way():
    pipe = pipeline([Rule(0, 5, Match(), [
        a.Bundle("hrw", "symmetric_l4", 0, (2, 3, 4))])])
    for i in range(1, 20):
        forward = Ether(src=A, dst=B) / IP(src="10.0.0.%d" % i, dst="10.1.1.1") / TCP(sport=5, dport=6)
        backward = Ether(src=B, dst=A) / IP(src="10.1.1.1", dst="10.0.0.%d" % i) / TCP(sport=6, dport=5)
        assert sent(pipe, 1, raw(forward)).keys() == sent(pipe, 1, raw(backward)).keys()


def test_bundle_active_backup_uses_the_first_member_the_bridge_has():
    pipe = pipeline([Rule(0, 5, Match(), [a.Bundle("active_backup", "eth_src", 0, (9, 3, 2))])])
    assert list(sent(pipe, 1, udp_frame())) == [3]
    pipe = pipeline([Rule(0, 5, Match(), [
        a.Bundle("active_backup", "eth_src", 0, (9,), dst=a.Subfield("reg2", 0, 16)),
        a.OutputReg(a.Subfield("reg2", 0, 16))])])
    assert sent(pipe, 1, udp_frame()) == {}


def test_output_with_max_len_sends_the_packet_cut_and_later_outputs_whole():
    pipe = pipeline([Rule(0, 5, Match(), [a.OutputTrunc(2, 20), a.Output(3)])])
    frame = udp_frame()
    out = sent(pipe, 1, frame)
    assert out[2][0] == frame[:20] and out[3][0] == frame


def test_push_vlan_0x88a8_tags_the_frame_as_802_1ad():
    pipe = pipeline([Rule(0, 5, Match(), [a.PushVlan(0x88A8), a.SetVlanVid(7, push=False),
                                          a.Output(2), a.StripVlan(), a.Output(3)])])
    out = sent(pipe, 1, udp_frame())
    assert out[2][0][12:16] == bytes.fromhex("88a80007")
    assert out[3][0][12:14] == b"\x08\x00"
