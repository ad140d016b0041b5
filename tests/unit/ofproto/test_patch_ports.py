"""Patch ports: translation that crosses from one bridge into its peer, and the linking rules.

Two bridges, br0 and br1, on one datapath stand-in, each with ports 1, 2 and LOCAL, joined by
patch ports: br0's port 10 "pa" (peer pb) and br1's port 10 "pb" (peer pa).  Results are
{(bridge, ofport): None (untagged) or (vid, pcp)}, from applying the datapath actions of one
translation to the frame.
"""
import pytest

from pyvswitch import coverage
from pyvswitch import fields as F
from pyvswitch.flow import extract_key, key_set
from pyvswitch.netdev.base import NetdevError
from pyvswitch.netdev.patch import PatchNetdev
from pyvswitch.ofproto import xlate
from pyvswitch.ofproto.bridge import LOCAL, Bridge, PortVlanConfig
from pyvswitch.ofproto.xlate import OFPP_NORMAL
from tests.unit.ofproto.fakeswitch import set_flow_table, table
from tests.unit.ofproto.fakeswitch import (Clock, FakeDatapath, FakeNetdev, apply_actions, eth,
                                           tag_of)

A, B, C = "50:54:00:00:00:0a", "50:54:00:00:00:0b", "50:54:00:00:00:0c"
BCAST = "ff:ff:ff:ff:ff:ff"
PATCH = 10


class PatchedBridges:
    def __init__(self, link=True):
        self.clock = Clock()
        self.datapath = FakeDatapath()
        self.bridges = {name: Bridge(name, self.datapath, clock=self.clock)
                        for name in ("br0", "br1")}
        self.dp_port = {}                   # (bridge, ofport) -> datapath port
        for name, bridge in self.bridges.items():
            for ofport in (1, 2, LOCAL):
                port_name = name if ofport == LOCAL else "%s-p%d" % (name, ofport)
                bridge.add_port(ofport, port_name, FakeNetdev(port_name))
                self.dp_port[(name, ofport)] = max(self.datapath.ports)
        self.where = {dp: place for place, dp in self.dp_port.items()}
        self.patches = {}
        if link:
            self.patch("br0", PATCH, "pa", "pb")
            self.patch("br1", PATCH, "pb", "pa")

    def patch(self, bridge, ofport, name, peer):
        self.patches[name] = PatchNetdev(name, {"peer": peer})
        self.bridges[bridge].add_port(ofport, name, self.patches[name])

    def translate(self, bridge, ofport, frame, side_effects=True):
        key = extract_key(frame, self.dp_port[(bridge, ofport)])
        return self.bridges[bridge].translate(key, frame, side_effects=side_effects)

    def send(self, bridge, ofport, frame):
        actions, _mask = self.translate(bridge, ofport, frame)
        out = {}
        for dp_port, sent in apply_actions(frame, actions):
            place = self.where[dp_port]
            assert place not in out, "frame sent twice to %s" % (place,)
            out[place] = tag_of(sent)
        return out




EVERY_PORT_BUT_BR0_1 = {("br0", 2): None, ("br0", LOCAL): None,
                        ("br1", 1): None, ("br1", 2): None, ("br1", LOCAL): None}


def test_flood_crosses_into_the_peer_bridge_but_never_leaves_through_a_patch_port():
    sw = PatchedBridges()
    assert sw.send("br0", 1, eth(A, BCAST)) == EVERY_PORT_BUT_BR0_1
    assert sw.send("br1", 2, eth(B, BCAST)) == {("br1", 1): None, ("br1", LOCAL): None,
                                               ("br0", 1): None, ("br0", 2): None,
                                               ("br0", LOCAL): None}


def test_the_peer_bridge_learns_on_its_patch_port_and_forwards_by_its_own_table():
    sw = PatchedBridges()
    sw.send("br0", 1, eth(A, BCAST))
    assert [(e.port, e.mac) for e in sw.bridges["br1"].mac_entries()] == [(PATCH, 0x50540000000a)]
    # B answers from br1: br1 knows A behind its patch port, br0 knows A on port 1.
    assert sw.send("br1", 2, eth(B, A)) == {("br0", 1): None}
    assert sw.send("br0", 1, eth(A, B)) == {("br1", 2): None}
    assert sw.send("br0", 2, eth(C, A)) == {("br0", 1): None}


def test_vlans_cross_as_the_patch_port_sends_them():
    sw = PatchedBridges()
    sw.bridges["br0"].set_port_vlan(1, PortVlanConfig(tag=5))
    sw.bridges["br1"].set_port_vlan(1, PortVlanConfig(trunks=frozenset({5})))
    sw.bridges["br1"].set_port_vlan(2, PortVlanConfig(tag=5))
    sw.bridges["br1"].set_port_vlan(LOCAL, PortVlanConfig(tag=6))
    assert sw.send("br0", 1, eth(A, BCAST)) == {("br0", 2): (5, 0), ("br0", LOCAL): (5, 0),
                                                ("br1", 1): (5, 0), ("br1", 2): None}
    # An access patch port untags: the peer sees the frame in its VLAN 0.
    sw.bridges["br0"].set_port_vlan(PATCH, PortVlanConfig(tag=5))
    sw.bridges["br1"].set_port_vlan(LOCAL, PortVlanConfig())
    assert sw.send("br0", 1, eth(A, BCAST)) == {("br0", 2): (5, 0), ("br0", LOCAL): (5, 0),
                                                ("br1", LOCAL): None}
    # Tagged frames on a trunk cross tagged and are learned in their VLAN on the other side.
    sw.bridges["br0"].set_port_vlan(PATCH, PortVlanConfig())
    assert sw.send("br0", 2, eth(B, BCAST, vid=5, pcp=3)) == {
        ("br0", 1): None, ("br0", LOCAL): (5, 3),
        ("br1", 1): (5, 3), ("br1", 2): None, ("br1", LOCAL): (5, 3)}
    assert (PATCH, 5, 0x50540000000b) in [(e.port, e.vlan, e.mac)
                                          for e in sw.bridges["br1"].mac_entries()]


def test_openflow_actions_in_the_peer_do_not_leak_back_into_the_first_bridge():
    sw = PatchedBridges()
    set_flow_table(sw.bridges["br0"], table((0, [], [("output", PATCH), ("output", 2)])))
    set_flow_table(sw.bridges["br1"], table(
        (0, [], [("output", OFPP_NORMAL)]),
        (5, [("in_port", PATCH, 0xFFFFFFFF)], [("set_vlan_vid", 7), ("output", 1)])))
    assert sw.send("br0", 1, eth(A, B)) == {("br1", 1): (7, 0), ("br0", 2): None}
    # From br1's other ports the in_port=pb rule does not apply.
    assert sw.send("br1", 2, eth(B, A)) == {("br1", 1): None, ("br1", LOCAL): None,
                                           ("br0", 2): None}


def test_the_peer_sees_no_tunnel_metadata():
    sw = PatchedBridges()
    set_flow_table(sw.bridges["br1"], table(
        (0, [], [("output", 2)]),
        (5, [("tun_id", 0, (1 << 64) - 1)], [("output", 1)])))
    frame = eth(A, BCAST)
    key = key_set(extract_key(frame, sw.dp_port[("br0", 1)]), "tun_id", 7)
    actions, _mask = sw.bridges["br0"].translate(key, frame, side_effects=True)
    assert {sw.where[a[1]] for a in actions} == {("br0", 2), ("br0", LOCAL), ("br1", 1)}


def test_the_megaflow_mask_covers_what_both_bridges_consulted():
    sw = PatchedBridges()
    set_flow_table(sw.bridges["br1"], table(
        (0, [], [("output", OFPP_NORMAL)]),
        (5, [("nw_src", 0x0A000001, 0xFFFFFFFF)], [("output", 1)])))
    frame = bytes.fromhex("ffffffffffff50540000000a0800"
                          "4500001c00000000401100000a0000020a000001" "03e807d000080000")
    actions, mask = sw.translate("br0", 1, frame)
    # br1's rule: enough of nw_src to tell 10.0.0.2 from the rule's 10.0.0.1.
    nw_src = F.FIELDS["nw_src"]
    assert mask & ((0x0A000001 ^ 0x0A000002) << nw_src.shift)
    assert mask & F.FIELDS["dl_src"].mask == F.FIELDS["dl_src"].mask      # learning
    assert mask & F.FIELDS["dl_dst"].mask == F.FIELDS["dl_dst"].mask
    assert mask & F.FIELDS["nw_dst"].mask == 0                            # nobody looked
    assert {sw.where[a[1]] for a in actions if a[0] == "output"} == {
        ("br0", 2), ("br0", LOCAL), ("br1", 1), ("br1", 2), ("br1", LOCAL)}


def test_packets_are_counted_on_both_ends_of_the_patch():
    sw = PatchedBridges()
    frame = eth(A, BCAST)
    sw.send("br0", 1, frame)
    sw.translate("br0", 1, frame, side_effects=False)      # revalidation: no packet
    key = extract_key(frame, sw.dp_port[("br0", 1)])
    sw.bridges["br0"].account(key, 3, 3 * len(frame), sw.clock.now)
    tx, rx = sw.patches["pa"].get_stats(), sw.patches["pb"].get_stats()
    assert (tx.tx_packets, tx.tx_bytes, tx.rx_packets) == (4, 4 * len(frame), 0)
    assert (rx.rx_packets, rx.rx_bytes, rx.tx_packets) == (4, 4 * len(frame), 0)


def test_a_loop_of_patch_ports_drops_the_packet_and_counts_why():
    sw = PatchedBridges()
    sw.patch("br1", 11, "pc", "pd")
    sw.patch("br0", 11, "pd", "pc")
    before = coverage.read(xlate.DROP_TOO_DEEP)
    actions, _mask = sw.translate("br0", 1, eth(A, BCAST))
    assert actions == []
    assert coverage.read(xlate.DROP_TOO_DEEP) == before + 1
    assert sw.patches["pa"].get_stats().tx_packets == 0
    # Without the second pair there is no loop.
    sw.bridges["br0"].remove_port(11)
    assert sw.send("br0", 1, eth(A, BCAST)) == EVERY_PORT_BUT_BR0_1


def test_a_path_that_keeps_branching_is_cut_by_the_total_number_of_crossings():
    # Bridges in a row, each sending everything down both of two patch pairs to the next (the
    # last one sends it out of its port "out"): 2 + 4 + ... crossings, never very deep.
    datapath = FakeDatapath()
    bridges = [Bridge("br%d" % i, datapath) for i in range(13)]
    down = table((0, [], [("output", 1), ("output", 2)]))
    for i, (upper, lower) in enumerate(zip(bridges, bridges[1:])):
        set_flow_table(upper, down)
        for n in (1, 2):
            upper.add_port(n, "d%d-%d" % (i, n), PatchNetdev("d%d-%d" % (i, n),
                                                            {"peer": "u%d-%d" % (i, n)}))
            lower.add_port(n + 2, "u%d-%d" % (i, n), PatchNetdev("u%d-%d" % (i, n),
                                                                {"peer": "d%d-%d" % (i, n)}))
    bridges[0].add_port(5, "in", FakeNetdev("in"))
    in_port = max(datapath.ports)
    for bridge in bridges[11:]:
        bridge.add_port(5, "out-" + bridge.name, FakeNetdev("out-" + bridge.name))
        set_flow_table(bridge, table((0, [], [("output", 5)])))
    frame = eth(A, BCAST)
    key = extract_key(frame, in_port)
    # br11 is reached 2048 times, after 2 + 4 + ... + 2048 = 4094 crossings.
    actions, _mask = bridges[0].translate(key, frame, side_effects=True)
    assert len(actions) == 2048
    # One more bridge: 4094 + 4096 crossings are too many.
    set_flow_table(bridges[11], down)
    before = coverage.read(xlate.DROP_TOO_MANY)
    actions, _mask = bridges[0].translate(key, frame, side_effects=True)
    assert actions == []
    assert coverage.read(xlate.DROP_TOO_MANY) == before + 1


def test_patch_ports_link_only_in_pairs_of_the_same_datapath_type():
    sw = PatchedBridges(link=False)
    br0, br1 = sw.bridges["br0"], sw.bridges["br1"]
    sw.patch("br0", PATCH, "pa", "pb")
    assert br0.patch_error(PATCH) == "No usable peer 'pb' exists in 'system' datapath."
    assert sw.send("br0", 1, eth(A, BCAST)) == {("br0", 2): None, ("br0", LOCAL): None}
    sw.patch("br1", PATCH, "pb", "px")            # peer exists but points elsewhere
    assert br0.patch_error(PATCH) == "No usable peer 'pb' exists in 'system' datapath."
    assert br1.patch_error(PATCH) == "No usable peer 'px' exists in 'system' datapath."
    br1.remove_port(PATCH)
    invalidations = sw.datapath.invalidations
    sw.patch("br1", PATCH, "pb", "pa")
    assert sw.datapath.invalidations > invalidations
    assert br0.patch_error(PATCH) is None and br1.patch_error(PATCH) is None
    assert sw.send("br0", 1, eth(A, BCAST)) == EVERY_PORT_BUT_BR0_1
    br1.set_datapath_type("netdev")
    assert br0.patch_error(PATCH) == "No usable peer 'pb' exists in 'system' datapath."
    assert br1.patch_error(PATCH) == "No usable peer 'pa' exists in 'netdev' datapath."
    assert sw.send("br0", 1, eth(A, BCAST)) == {("br0", 2): None, ("br0", LOCAL): None}
    br0.set_datapath_type("netdev")
    assert sw.send("br0", 1, eth(A, BCAST)) == EVERY_PORT_BUT_BR0_1
    br1.destroy()
    assert br0.patch_error(PATCH) == "No usable peer 'pb' exists in 'netdev' datapath."
    assert br0.patch_ports() == {PATCH: "pb"} and br0.dp_ports().keys() == {1, 2, LOCAL}


def test_two_patch_ports_on_one_bridge_form_a_hairpin_through_the_bridge():
    sw = PatchedBridges(link=False)
    sw.patch("br0", 20, "loop-a", "loop-b")
    sw.patch("br0", 21, "loop-b", "loop-a")
    assert sw.bridges["br0"].patch_error(20) is None
    # The frame floods out loop-a, re-enters on loop-b and floods again: a loop, dropped.
    assert sw.send("br0", 1, eth(A, BCAST)) == {}


@pytest.mark.parametrize("options, error", [
    ({}, "pp0: patch type requires valid 'peer' argument"),
    ({"foo": "bar"}, "pp0: patch type requires valid 'peer' argument"),
    ({"peer": "pp0", "foo": "bar"}, "pp0: patch type takes only a 'peer' argument"),
    ({"peer": "pp0"}, "pp0: patch peer must not be self"),
])
def test_patch_options_are_checked_like_ovs(options, error):
    with pytest.raises(NetdevError) as raised:
        PatchNetdev("pp0", options)
    assert str(raised.value) == error


def test_a_patch_netdev_looks_like_ovs_one():
    netdev = PatchNetdev("pp0", {"peer": "pp1"})
    mac = netdev.get_mac()
    assert len(mac) == 6 and mac[0] & 3 == 2          # unicast, locally administered
    assert netdev.get_ifindex() == 0 and netdev.get_mtu() is None and netdev.fileno() is None
    assert PatchNetdev("pp0", {"peer": ""}).peer == ""
