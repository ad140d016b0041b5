"""Translation: OpenFlow rules and actions into datapath actions, and the megaflow mask."""
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvswitch.flow import extract_key
from pyvswitch.ofproto.bridge import LOCAL, PortVlanConfig
from pyvswitch.ofproto.xlate import (OFPP_ALL, OFPP_FLOOD, OFPP_IN_PORT, OFPP_NORMAL)
from tests.unit.ofproto.fakeswitch import set_flow_table, table
from tests.unit.ofproto.fakeswitch import Switch, eth

A, B = "50:54:00:00:00:0a", "50:54:00:00:00:0b"
BCAST = "ff:ff:ff:ff:ff:ff"




def with_table(*rules, **kwargs):
    sw = Switch(**kwargs)
    set_flow_table(sw.bridge, table(*rules))
    return sw


def test_flood_and_all_leave_through_every_port_but_the_input():
    for port in (OFPP_FLOOD, OFPP_ALL):
        sw = with_table((0, [], [("output", port)]))
        assert sw.send(2, eth(A, B, vid=7, pcp=1)) == {1: (7, 1), 3: (7, 1), 4: (7, 1),
                                                       LOCAL: (7, 1)}


def test_output_to_the_input_port_needs_in_port():
    sw = with_table((0, [], [("output", 1), ("output", 2)]))
    assert sw.send(1, eth(A, B)) == {2: None}
    sw = with_table((0, [], [("output", OFPP_IN_PORT)]))
    assert sw.send(3, eth(A, B)) == {3: None}


def test_output_to_local_and_to_missing_port():
    sw = with_table((0, [], [("output", LOCAL), ("output", 99)]))
    assert sw.send(1, eth(A, B)) == {LOCAL: None}


def test_no_rule_matches_drops():
    sw = with_table((5, [("dl_type", 0x0806, 0xFFFF)], [("output", OFPP_FLOOD)]))
    assert sw.send(1, eth(A, B)) == {}


def test_higher_priority_rule_wins_and_in_port_is_the_openflow_port():
    sw = with_table((0, [], [("output", OFPP_NORMAL)]),
                    (10, [("in_port", LOCAL, 0xFFFFFFFF)], [("output", 3)]))
    assert sw.send(LOCAL, eth(A, B)) == {3: None}
    assert sw.send(2, eth(A, B)) == {1: None, 3: None, 4: None, LOCAL: None}


def test_vlan_actions_commit_before_each_output():
    sw = with_table((0, [], [("output", 1), ("pop_vlan",), ("output", 2),
                             ("set_vlan_vid", 9), ("output", 3), ("set_vlan_pcp", 5),
                             ("output", 4)]))
    assert sw.send(LOCAL, eth(A, B, vid=7, pcp=2)) == {1: (7, 2), 2: None, 3: (9, 0), 4: (9, 5)}
    assert sw.send(LOCAL, eth(A, B)) == {1: None, 2: None, 3: (9, 0), 4: (9, 5)}


def test_normal_sees_the_vlan_set_by_earlier_actions():
    sw = with_table((0, [], [("set_vlan_vid", 20), ("output", OFPP_NORMAL)]),
                    vlans={2: PortVlanConfig(trunks=frozenset({20})),
                           3: PortVlanConfig(trunks=frozenset({30})),
                           4: PortVlanConfig(tag=20)})
    assert sw.send(1, eth(A, B)) == {2: (20, 0), 4: None, LOCAL: (20, 0)}


def test_normal_then_output_restores_the_pipeline_tag():
    sw = with_table((0, [], [("output", OFPP_NORMAL), ("output", 3)]),
                    vlans={1: PortVlanConfig(tag=5), 2: PortVlanConfig(tag=5),
                           3: PortVlanConfig(tag=6), 4: PortVlanConfig(tag=6)})
    assert sw.send(LOCAL, eth(A, B, vid=5, pcp=3)) == {1: None, 2: None, 3: (5, 3)}


# ---- the megaflow mask ----

def ip_frame(src, dst, nw_src, vid=None, pcp=0):
    frame = bytes.fromhex(dst.replace(":", "") + src.replace(":", ""))
    if vid is not None:
        frame += struct.pack("!HH", 0x8100, pcp << 13 | vid)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, nw_src, b"\x0a\x00\x00\x02")
    return frame + b"\x08\x00" + ip + struct.pack("!HHHH", 1000, 2000, 8, 0)


def test_normal_megaflow_ignores_l3_and_l4():
    sw = Switch()
    key1 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x01"), 1)
    key2 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x63"), 1)
    sw.bridge.translate(key1, None, side_effects=True)
    actions, mask = sw.bridge.translate(key1, None, side_effects=False)
    assert key1 & mask == key2 & mask
    assert sw.bridge.translate(key2, None, side_effects=False) == (actions, mask)


def test_priority_is_consulted_only_when_an_output_carries_it():
    access_only = {2: PortVlanConfig(tag=5), 3: PortVlanConfig(tag=6), 4: PortVlanConfig(tag=6)}
    sw = Switch(ofports=(1, 2, 3, 4), vlans=access_only)
    key1 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x01", vid=5, pcp=1), sw.dp_port[1])
    key2 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x01", vid=5, pcp=6), sw.dp_port[1])
    sw.bridge.translate(key1, None, side_effects=True)
    _actions, mask = sw.bridge.translate(key1, None, side_effects=False)
    assert key1 & mask == key2 & mask
    sw.bridge.set_port_vlan(3, PortVlanConfig(trunks=frozenset({5})))
    sw.bridge.translate(key1, None, side_effects=True)
    _actions, mask = sw.bridge.translate(key1, None, side_effects=False)
    assert key1 & mask != key2 & mask


def test_translation_that_would_learn_holds_only_for_its_own_key():
    sw = Switch()
    key1 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x01"), sw.dp_port[1])
    key2 = extract_key(ip_frame(A, B, b"\x0a\x00\x00\x02"), sw.dp_port[1])
    _actions, mask = sw.bridge.translate(key1, None, side_effects=False)
    assert key1 & mask != key2 & mask
    sw.bridge.translate(key1, None, side_effects=True)
    _actions, mask = sw.bridge.translate(key1, None, side_effects=False)
    assert key1 & mask == key2 & mask


MACS = ["50:54:00:00:00:01", "50:54:00:00:00:02", "50:54:00:00:00:03", BCAST,
        "01:00:5e:00:00:01", "01:80:c2:00:00:00"]
VLAN_CONFIGS = st.sampled_from([
    PortVlanConfig(), PortVlanConfig(tag=1), PortVlanConfig(tag=2),
    PortVlanConfig(trunks=frozenset({1})), PortVlanConfig(trunks=frozenset({0, 2})),
    PortVlanConfig(vlan_mode="native-tagged", tag=1),
    PortVlanConfig(vlan_mode="native-untagged", tag=2, trunks=frozenset({1})),
    PortVlanConfig(vlan_mode="access", priority_tags="if-nonzero"),
])
TABLES = st.sampled_from([
    table((0, [], [("output", OFPP_NORMAL)])),
    table((0, [], [("output", OFPP_NORMAL)]),
          (5, [("dl_vlan", 1, 0xFFF)], [("pop_vlan",), ("output", OFPP_NORMAL), ("output", 2)]),
          (7, [("dl_dst", 0x505400000002, 0xFFFFFFFFFFFF)],
           [("set_vlan_vid", 2), ("output", OFPP_FLOOD), ("set_vlan_pcp", 3),
            ("output", OFPP_IN_PORT)])),
    table((0, [], [("output", OFPP_NORMAL), ("output", 3)])),
])
FRAMES = st.tuples(st.sampled_from([1, 2, 3, LOCAL]), st.sampled_from(MACS[:3] + MACS[4:5]),
                   st.sampled_from(MACS), st.sampled_from([None, 0, 1, 2, 3]),
                   st.integers(0, 7), st.binary(min_size=4, max_size=4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VLAN_CONFIGS, min_size=4, max_size=4), TABLES,
       st.lists(st.tuples(FRAMES, FRAMES), min_size=1, max_size=12))
def test_every_key_the_mask_covers_translates_the_same(vlans, flow_table, pairs):
    """The soundness a megaflow cache relies on: a key that agrees with a translated key on
    the mask gets the same actions (with the same MAC table)."""
    sw = Switch(vlans=dict(zip((1, 2, 3, LOCAL), vlans)))
    set_flow_table(sw.bridge, flow_table)
    for first, other in pairs:
        port, src, dst, vid, pcp, nw_src = first
        key = extract_key(ip_frame(src, dst, nw_src, vid, pcp), sw.dp_port[port])
        sw.bridge.translate(key, None, side_effects=True)
        actions, mask = sw.bridge.translate(key, None, side_effects=False)
        port2, src2, dst2, vid2, pcp2, nw_src2 = other
        key2 = extract_key(ip_frame(src2, dst2, nw_src2, vid2, pcp2), sw.dp_port[port2])
        blended = key2 & ~mask | key & mask
        assert sw.bridge.translate(blended, None, side_effects=False)[0] == actions
