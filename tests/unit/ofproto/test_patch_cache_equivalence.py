"""Two bridges joined by patch ports forward the same with the datapath's caches on as off.

The sibling of test_normal_cache_equivalence for a path across a patch port: br0 and br1
share one Datapath and are joined by the patch pair pa (br0 port 4) / pb (br1 port 4); a
step may add or remove a second pair (pd / pc, port 5 on each), which makes a loop.  Three
copies see the same random frames and reconfigurations (VLANs on any port, patch ports
included; flow tables on either bridge; flushes, aging, revalidation): one with the
exact-match cache and megaflows, one with both disabled, and a reference that translates
every frame afresh.  Every frame must leave the same ports with the same bytes in all three,
so the cached megaflows, whose masks are recorded across both bridges, never answer for a
packet that a fresh translation would forward differently.
"""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import extract_key
from pyvswitch.netdev.patch import PatchNetdev
from pyvswitch.ofproto.bridge import LOCAL, Bridge
from pyvswitch.ofproto.xlate import OFPP_FLOOD, OFPP_NORMAL
from tests.unit.ofproto.fakeswitch import normal_only, set_flow_table, table
from tests.unit.ofproto.fakeswitch import Clock, RecordingNetdev, apply_actions
from tests.unit.ofproto.test_normal_cache_equivalence import VLAN_CONFIGS, ip_frame

PORTS = {"br0": (1, 2, 3, LOCAL), "br1": (1, 2, LOCAL)}
PATCH, LOOP = 4, 5
UNICAST = ["50:54:00:00:00:01", "50:54:00:00:00:02", "50:54:00:00:00:03"]
DESTINATIONS = UNICAST + ["ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01"]


class TwoBridges:
    """mode: "cached", "uncached" or "reference" (no datapath caching at all)."""

    def __init__(self, clock, mode):
        self.mode = mode
        self.sent: list = []
        self.datapath = Datapath(clock=clock)
        if mode == "uncached":
            self.datapath.set_config(emc_enabled=False, megaflows_enabled=False)
        self.bridges = {name: Bridge(name, self.datapath, clock=clock) for name in PORTS}
        for name, ofports in PORTS.items():
            for ofport in ofports:
                port_name = "%s-%d" % (name, ofport)
                self.bridges[name].add_port(ofport, port_name,
                                            RecordingNetdev(port_name, self.sent))
        self.bridges["br0"].add_port(PATCH, "pa", PatchNetdev("pa", {"peer": "pb"}))
        self.bridges["br1"].add_port(PATCH, "pb", PatchNetdev("pb", {"peer": "pa"}))
        self.dp_port = {(name, of): dp for name, bridge in self.bridges.items()
                        for of, dp in bridge.dp_ports().items()}
        self.names = {dp: "%s-%d" % place for place, dp in self.dp_port.items()}

    def set_loop(self, on):
        br0, br1 = self.bridges["br0"], self.bridges["br1"]
        if on and LOOP not in br0.patch_ports():
            br0.add_port(LOOP, "pd", PatchNetdev("pd", {"peer": "pc"}))
            br1.add_port(LOOP, "pc", PatchNetdev("pc", {"peer": "pd"}))
        elif not on:
            br0.remove_port(LOOP)
            br1.remove_port(LOOP)

    def send(self, bridge, ofport, frame):
        dp_port = self.dp_port[(bridge, ofport)]
        if self.mode != "reference":
            del self.sent[:]
            self.datapath.receive(dp_port, [(frame, None)])
            return sorted(self.sent)
        actions, _mask = self.bridges[bridge].translate(extract_key(frame, dp_port), frame,
                                                         side_effects=True)
        return sorted((self.names[dp], sent) for dp, sent in apply_actions(frame, actions))


TABLES = [
    normal_only(),
    table((0, [], [("output", OFPP_NORMAL)]),
          (9, [("in_port", PATCH, 0xFFFFFFFF)],
           [("set_vlan_vid", 3), ("output", 1), ("pop_vlan",), ("output", OFPP_NORMAL)]),
          (8, [("dl_src", 0x505400000003, 0xFFFFFFFFFFFF)], [("output", OFPP_FLOOD)])),
    table((0, [], [("output", PATCH), ("output", OFPP_NORMAL)]),
          (5, [("dl_vlan", 2, 0xFFF)], [("pop_vlan",), ("output", PATCH)]),
          (5, [("nw_src", 0x0A000002, 0xFFFFFFFF)], [("output", 2)])),
]
FLOW_TABLES = st.sampled_from(TABLES)
# br1 starts, more often than not, with a table that reads a field NORMAL never reads.
BR1_TABLES = st.sampled_from(TABLES + TABLES[2:])
BRIDGE_PORT = st.sampled_from([(name, of) for name, ofports in PORTS.items() for of in ofports])
ANY_PORT = st.sampled_from([(name, of) for name, ofports in PORTS.items()
                            for of in ofports + (PATCH,)])
FRAME = st.tuples(BRIDGE_PORT, st.sampled_from(UNICAST), st.sampled_from(DESTINATIONS),
                  st.sampled_from([None, 0, 1, 2]), st.integers(0, 7))
# A frame step picks a vocabulary entry and, separately, the IPv4 source: frames that differ
# only in a field one bridge consults and the other does not are then common.
FRAME_STEP = st.tuples(st.just("frame"), st.integers(0, 4), st.integers(1, 3))
STEP = st.one_of(
    FRAME_STEP, FRAME_STEP, FRAME_STEP, FRAME_STEP, FRAME_STEP, FRAME_STEP, FRAME_STEP,
    FRAME_STEP, FRAME_STEP, FRAME_STEP,
    st.tuples(st.just("vlan"), ANY_PORT, VLAN_CONFIGS),
    st.tuples(st.just("table"), st.sampled_from(sorted(PORTS)), FLOW_TABLES),
    st.tuples(st.just("loop"), st.booleans()),
    st.tuples(st.just("flush")),
    st.tuples(st.just("age")),
    st.tuples(st.just("tick")),
    st.tuples(st.just("revalidate")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(ANY_PORT, VLAN_CONFIGS), max_size=4), BR1_TABLES,
       st.lists(FRAME, min_size=5, max_size=5), st.lists(STEP, min_size=30, max_size=60))
def test_caches_do_not_change_what_crosses_patch_ports(initial_vlans, br1_table, vocabulary,
                                                       steps):
    clock = Clock()
    switches = [TwoBridges(clock, mode) for mode in ("cached", "uncached", "reference")]
    for sw in switches:
        set_flow_table(sw.bridges["br1"], br1_table)
    for (bridge, ofport), cfg in initial_vlans:
        for sw in switches:
            sw.bridges[bridge].set_port_vlan(ofport, cfg)
    for step in steps:
        kind = step[0]
        if kind == "frame":
            (bridge, ofport), src, dst, vid, pcp = vocabulary[step[1]]
            nw_src = step[2]
            frame = ip_frame(src, dst, vid, pcp, nw_src)
            outputs = [sw.send(bridge, ofport, frame) for sw in switches]
            assert outputs[0] == outputs[2], step
            assert outputs[1] == outputs[2], step
        elif kind == "vlan":
            for sw in switches:
                sw.bridges[step[1][0]].set_port_vlan(step[1][1], step[2])
        elif kind == "table":
            for sw in switches:
                set_flow_table(sw.bridges[step[1]], step[2])
        elif kind == "loop":
            for sw in switches:
                sw.set_loop(step[1])
        elif kind == "flush":
            for sw in switches:
                for bridge in sw.bridges.values():
                    bridge.flush_macs()
        elif kind == "tick":
            clock.now += 1
        elif kind == "age":
            clock.now += 400
            for sw in switches:
                for bridge in sw.bridges.values():
                    bridge.run()
        elif kind == "revalidate":
            for sw in switches:
                sw.datapath.run_periodic()
