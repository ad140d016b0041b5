"""NORMAL through the real datapath forwards the same with its caches on as with them off.

Three switches see the same random sequence of frames and reconfigurations: one on a
Datapath with the exact-match cache and megaflows enabled, one on a Datapath with both
disabled, and a reference that translates every frame afresh and applies the actions.
Every frame must leave the same ports with the same bytes in all three.

The MAC pool is small enough never to fill the table (at least 10 entries).  Time moves in
one-second ticks (a minute at most in all, so revalidator passes, with their statistics
pushes, run between frames) and in jumps longer than the aging time.  Cached traffic
refreshes its MAC entries at the next pass rather than at the packet, so the three may
disagree about when an entry expires by up to the time between passes: that is by design,
and the ticks can never add up to an expiry boundary.
"""
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import extract_key
from pyvswitch.ofproto.bridge import LOCAL, Bridge, PortVlanConfig
from pyvswitch.ofproto.xlate import OFPP_FLOOD, OFPP_NORMAL
from tests.unit.ofproto.fakeswitch import normal_only, set_flow_table, table
from tests.unit.ofproto.fakeswitch import (Clock, DatapathSwitch, RecordingNetdev,
                                           apply_actions)

OFPORTS = (1, 2, 3, 4, LOCAL)
UNICAST = ["50:54:00:00:00:01", "50:54:00:00:00:02", "50:54:00:00:00:03"]
DESTINATIONS = UNICAST + ["ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "01:80:c2:00:00:00"]


class ReferenceSwitch:
    """No cache at all: every frame is translated, with side effects."""

    def __init__(self, clock):
        self.datapath = Datapath(clock=clock)
        self.bridge = Bridge("br0", self.datapath, clock=clock)
        for ofport in OFPORTS:
            self.bridge.add_port(ofport, "p%d" % ofport, RecordingNetdev("p%d" % ofport, []))
        self.dp_port = self.bridge.dp_ports()
        self.names = {dp: "p%d" % of for of, dp in self.dp_port.items()}

    def send(self, ofport, frame):
        key = extract_key(frame, self.dp_port[ofport])
        actions, _mask = self.bridge.translate(key, frame, side_effects=True)
        return sorted((self.names[dp], sent) for dp, sent in apply_actions(frame, actions))


def ip_frame(src, dst, vid, pcp, nw_src):
    frame = bytes.fromhex(dst.replace(":", "") + src.replace(":", ""))
    if vid is not None:
        frame += struct.pack("!HH", 0x8100, pcp << 13 | vid)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, nw_src]),
                     b"\x0a\x00\x00\x02")
    return frame + b"\x08\x00" + ip + struct.pack("!HHHH", 1000, 2000, 8, 0)


VLAN_CONFIGS = st.sampled_from([
    PortVlanConfig(), PortVlanConfig(tag=1), PortVlanConfig(tag=2),
    PortVlanConfig(trunks=frozenset({1})), PortVlanConfig(trunks=frozenset({0, 2})),
    PortVlanConfig(vlan_mode="native-tagged", tag=1),
    PortVlanConfig(vlan_mode="native-untagged", tag=2, trunks=frozenset({1})),
    PortVlanConfig(vlan_mode="native-untagged", trunks=frozenset({1, 2})),
    PortVlanConfig(tag=1, priority_tags="if-nonzero"),
])
FLOW_TABLES = st.sampled_from([
    normal_only(),
    table((0, [], [("output", OFPP_NORMAL)]),
          (9, [("dl_vlan", 2, 0xFFF)], [("pop_vlan",), ("output", OFPP_NORMAL)]),
          (8, [("dl_src", 0x505400000003, 0xFFFFFFFFFFFF)],
           [("set_vlan_vid", 1), ("output", OFPP_FLOOD), ("output", OFPP_NORMAL)])),
])
FRAME = st.tuples(st.sampled_from(OFPORTS), st.sampled_from(UNICAST),
                  st.sampled_from(DESTINATIONS), st.sampled_from([None, 0, 1, 2]),
                  st.integers(0, 7), st.integers(1, 3))
# Frames are drawn from a small per-example vocabulary, so the caches get hits.
STEP = st.one_of(
    st.tuples(st.just("frame"), st.integers(0, 7)),
    st.tuples(st.just("frame"), st.integers(0, 7)),
    st.tuples(st.just("frame"), st.integers(0, 7)),
    st.tuples(st.just("vlan"), st.sampled_from(OFPORTS), VLAN_CONFIGS),
    st.tuples(st.just("flush")),
    st.tuples(st.just("age")),
    st.tuples(st.just("tick")),
    st.tuples(st.just("revalidate")),
    st.tuples(st.just("forward_bpdu"), st.booleans()),
    st.tuples(st.just("table"), FLOW_TABLES),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(OFPORTS), VLAN_CONFIGS), max_size=5),
       st.lists(FRAME, min_size=8, max_size=8), st.lists(STEP, min_size=20, max_size=60))
def test_caches_do_not_change_what_is_forwarded(initial_vlans, vocabulary, steps):
    clock = Clock()
    cached = DatapathSwitch(clock, caches=True)
    uncached = DatapathSwitch(clock, caches=False)
    reference = ReferenceSwitch(clock)
    switches = (cached, uncached, reference)
    for ofport, cfg in initial_vlans:
        for sw in switches:
            sw.bridge.set_port_vlan(ofport, cfg)
    for step in steps:
        kind = step[0]
        if kind == "frame":
            ofport, src, dst, vid, pcp, nw_src = vocabulary[step[1]]
            frame = ip_frame(src, dst, vid, pcp, nw_src)
            outputs = [sw.send(ofport, frame) for sw in switches]
            assert outputs[0] == outputs[2], step
            assert outputs[1] == outputs[2], step
        elif kind == "vlan":
            for sw in switches:
                sw.bridge.set_port_vlan(step[1], step[2])
        elif kind == "flush":
            for sw in switches:
                sw.bridge.flush_macs()
        elif kind == "tick":
            clock.now += 1
        elif kind == "age":
            clock.now += 400
            for sw in switches:
                sw.bridge.run()
        elif kind == "revalidate":
            for sw in switches:
                sw.datapath.run_periodic()
        elif kind == "forward_bpdu":
            for sw in switches:
                sw.bridge.set_config(forward_bpdu=step[1])
        elif kind == "table":
            for sw in switches:
                set_flow_table(sw.bridge, step[1])
