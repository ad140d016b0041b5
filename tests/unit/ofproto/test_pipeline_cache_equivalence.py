"""Random multi-table OpenFlow pipelines forward the same with the datapath's caches on as off.

Hypothesis draws a pipeline of three tables (random matches over ports, Ethernet addresses,
the VLAN, IPv4 prefixes and UDP ports, the registers; random priorities; actions among
outputs, NORMAL, FLOOD, resubmit, goto_table, register loads, header and VLAN rewrites and a
learn into the last table) and a sequence of frames.  Two bridges, one on a Datapath with its
exact-match cache and megaflows on and one with both off, get the same pipeline and the same
frames; every frame must leave the same ports with the same bytes on both.  Learned flows
change the tables as frames go, so the caches must be invalidated at the right moments too.
"""
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto.bridge import LOCAL
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as m
from tests.unit.ofproto.fakeswitch import Clock, DatapathSwitch

OFPORTS = (1, 2, 3, 4, LOCAL)
MACS = [0x505400000001, 0x505400000002, 0x505400000003, 0xFFFFFFFFFFFF]


def _match(draw) -> Match:
    match = Match()
    if draw(st.booleans()):
        match = match.with_field("in_port", draw(st.sampled_from(OFPORTS)))
    if draw(st.booleans()):
        match = match.with_field("dl_src", draw(st.sampled_from(MACS)))
    if draw(st.booleans()):
        match = match.with_field("dl_dst", draw(st.sampled_from(MACS)),
                                 draw(st.sampled_from([None, 0x010000000000])))
    if draw(st.booleans()):
        match = match.with_field("vlan_tci", draw(st.sampled_from([0, 0x1005, 0x1007])),
                                 draw(st.sampled_from([None, 0x1FFF, 0x1000])))
    if draw(st.booleans()):
        match = match.with_field("reg0", draw(st.integers(0, 3)))
    if draw(st.booleans()):
        match = match.with_field("dl_type", 0x0800)
        if draw(st.booleans()):
            match = match.with_field("nw_src", 0x0A000000 | draw(st.integers(0, 3)),
                                     draw(st.sampled_from([None, 0xFFFFFFFE, 0xFF000000])))
        if draw(st.booleans()):
            match = match.with_field("nw_proto", 17).with_field(
                "tp_dst", draw(st.sampled_from([2000, 2001])))
    return match


def _action(draw, table_id: int):
    choices = ["output", "normal", "flood", "load", "mod_dl_src", "mod_nw_dst", "vlan",
               "strip", "learn"]
    if table_id < 2:
        choices.append("resubmit")
    kind = draw(st.sampled_from(choices))
    if kind == "output":
        return a.Output(draw(st.sampled_from(OFPORTS + (a.OFPP_IN_PORT,))))
    if kind == "normal":
        return a.Output(a.OFPP_NORMAL)
    if kind == "flood":
        return a.Output(a.OFPP_FLOOD)
    if kind == "load":
        return a.Load(a.Subfield("reg0", 0, 32), draw(st.integers(0, 3)))
    if kind == "mod_dl_src":
        return a.SetEthSrc(draw(st.sampled_from(MACS[:3])))
    if kind == "mod_nw_dst":
        return a.SetIpv4Dst(0x0A000000 | draw(st.integers(0, 3)))
    if kind == "vlan":
        return a.SetVlanVid(draw(st.sampled_from([5, 7])))
    if kind == "strip":
        return a.StripVlan()
    if kind == "resubmit":
        return a.Resubmit(table_id=draw(st.integers(table_id + 1, 2)))
    return a.Learn(table_id=2, priority=draw(st.integers(1, 50)), specs=(
        a.LearnSpec("match", 48, dst=a.Subfield("dl_dst", 0, 48),
                    src=a.Subfield("dl_src", 0, 48)),
        a.LearnSpec("output", 32, src=a.Subfield("in_port", 0, 32))))


@st.composite
def pipelines(draw) -> list:
    mods = []
    for table_id in range(3):
        for _ in range(draw(st.integers(1, 4))):
            actions = [_action(draw, table_id) for _ in range(draw(st.integers(0, 3)))]
            if table_id < 2 and draw(st.booleans()):
                actions.append(a.GotoTable(table_id + 1))
            mods.append(m.FlowMod(version=4, xid=0, table_id=table_id, match=_match(draw),
                                  priority=draw(st.integers(0, 100)), actions=tuple(actions)))
    return mods


def frame(src: int, dst: int, vid, nw_src: int, port: int) -> bytes:
    data = dst.to_bytes(6, "big") + src.to_bytes(6, "big")
    if vid is not None:
        data += struct.pack("!HH", 0x8100, vid)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, nw_src]), b"\x0a\x00\x00\x02")
    return data + b"\x08\x00" + ip + struct.pack("!HHHH", 1000, port, 8, 0)


FRAMES = st.tuples(st.sampled_from(OFPORTS), st.sampled_from(MACS[:3]), st.sampled_from(MACS),
                   st.sampled_from([None, 5, 7]), st.integers(0, 3),
                   st.sampled_from([2000, 2001]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipelines(), st.lists(FRAMES, min_size=1, max_size=6),
       st.lists(st.integers(0, 5), min_size=10, max_size=30))
def test_caches_do_not_change_what_a_pipeline_forwards(flow_mods, vocabulary, sequence):
    clock = Clock()
    switches = [DatapathSwitch(clock, caches=True), DatapathSwitch(clock, caches=False)]
    for sw in switches:
        sw.bridge.set_fail_mode("secure", False)
        result = sw.bridge.apply_flow_mods(flow_mods)
        assert result.error is None, result.error
    for index in sequence:
        ofport, src, dst, vid, nw_src, port = vocabulary[index % len(vocabulary)]
        data = frame(src, dst, vid, nw_src, port)
        cached, uncached = (sw.send(ofport, data) for sw in switches)
        assert cached == uncached, (ofport, data.hex())
        clock.now += 0.1
