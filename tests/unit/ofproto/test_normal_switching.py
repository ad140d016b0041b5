"""NORMAL switching: which ports a frame leaves through, and with which 802.1Q tag.

Results are {ofport: None (untagged) or (vid, pcp)}.  The VLAN expectations were taken from
stock ovs-vswitchd 3.1 (ofproto/trace) with the same port configuration.
"""
import pytest

from tests.unit.ofproto.fakeswitch import Switch, eth
from pyvswitch.ofproto.bridge import LOCAL, PortVlanConfig

A, B, C = "50:54:00:00:00:0a", "50:54:00:00:00:0b", "50:54:00:00:00:0c"
BCAST = "ff:ff:ff:ff:ff:ff"
UNTAGGED = None
EVERYONE_BUT_1 = {2: UNTAGGED, 3: UNTAGGED, 4: UNTAGGED, LOCAL: UNTAGGED}


# ---- learning, flooding, hairpin, station moves ----

def test_unknown_destination_floods_to_every_port_but_the_input():
    sw = Switch()
    assert sw.send(1, eth(A, B)) == EVERYONE_BUT_1


def test_broadcast_floods_even_when_learned():
    sw = Switch()
    sw.send(2, eth(B, A))
    assert sw.send(1, eth(A, BCAST)) == EVERYONE_BUT_1


def test_learned_destination_goes_only_to_its_port():
    sw = Switch()
    sw.send(2, eth(B, A))
    assert sw.send(1, eth(A, B)) == {2: UNTAGGED}
    assert sw.send(2, eth(B, A)) == {1: UNTAGGED}


def test_learning_from_local_port():
    sw = Switch()
    sw.send(LOCAL, eth(B, A))
    assert sw.send(1, eth(A, B)) == {LOCAL: UNTAGGED}


def test_no_hairpin_destination_on_input_port_is_dropped():
    sw = Switch()
    sw.send(1, eth(B, A))
    assert sw.send(1, eth(A, B)) == {}


def test_station_move_follows_the_latest_port():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.send(3, eth(B, A))
    assert sw.send(1, eth(A, B)) == {3: UNTAGGED}


def test_multicast_source_is_not_learned():
    sw = Switch()
    group = "01:00:5e:00:00:01"
    sw.send(2, eth(group, A))
    assert sw.bridge.mac_entries() == []
    assert sw.send(1, eth(A, group)) == EVERYONE_BUT_1


@pytest.mark.parametrize("dst", ["01:80:c2:00:00:00", "01:80:c2:00:00:0e", "01:00:0c:cc:cc:cc",
                                 "01:00:0c:cc:cc:c7", "00:e0:2b:00:00:04"])
def test_reserved_destinations_are_not_forwarded_unless_forward_bpdu(dst):
    sw = Switch()
    assert sw.send(1, eth(A, dst)) == {}
    assert sw.bridge.mac_entries() == []
    sw.bridge.set_config(forward_bpdu=True)
    assert sw.send(1, eth(A, dst)) == EVERYONE_BUT_1


def test_addresses_are_learned_per_vlan():
    sw = Switch()
    sw.send(2, eth(B, A, vid=10))
    assert sw.send(1, eth(A, B, vid=10)) == {2: (10, 0)}
    assert sw.send(1, eth(A, B, vid=20)) == {2: (20, 0), 3: (20, 0), 4: (20, 0), LOCAL: (20, 0)}
    assert sw.send(1, eth(A, B)) == EVERYONE_BUT_1


def test_revalidation_without_side_effects_does_not_learn():
    sw = Switch()
    sw.translate(2, eth(B, A), side_effects=False)
    assert sw.bridge.mac_entries() == []
    assert sw.send(1, eth(A, B)) == EVERYONE_BUT_1


def test_changes_that_alter_forwarding_invalidate_the_datapath():
    sw = Switch()
    before = sw.datapath.invalidations
    sw.send(2, eth(B, A))                       # new address
    assert sw.datapath.invalidations == before + 1
    sw.send(2, eth(B, A))                       # refresh only
    assert sw.datapath.invalidations == before + 1
    sw.send(3, eth(B, A))                       # station move
    assert sw.datapath.invalidations == before + 2
    sw.bridge.flush_macs()
    assert sw.datapath.invalidations == before + 3
    sw.bridge.set_port_vlan(1, PortVlanConfig(tag=5))
    assert sw.datapath.invalidations == before + 4


def test_removed_port_is_forgotten():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.bridge.remove_port(2)
    assert sw.send(1, eth(A, B)) == {3: UNTAGGED, 4: UNTAGGED, LOCAL: UNTAGGED}
    assert [e.mac for e in sw.bridge.mac_entries()] == [0x50540000000A]


def test_vlan_reconfiguration_forgets_the_port_addresses():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.bridge.set_port_vlan(2, PortVlanConfig(vlan_mode="trunk", trunks=frozenset({0, 9})))
    assert sw.send(1, eth(A, B)) == EVERYONE_BUT_1


# ---- aging and table size ----

def test_entries_age_out_after_mac_aging_time():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.clock.now += 299
    assert sw.send(1, eth(A, B)) == {2: UNTAGGED}
    sw.clock.now += 1
    assert sw.send(3, eth(C, B)) == {1: UNTAGGED, 2: UNTAGGED, 4: UNTAGGED, LOCAL: UNTAGGED}


def test_run_expires_entries_and_invalidates():
    sw = Switch()
    sw.send(2, eth(B, A))
    assert sw.bridge.next_run() == sw.clock.now + 300
    sw.clock.now += 300
    before = sw.datapath.invalidations
    sw.bridge.run()
    assert sw.datapath.invalidations == before + 1
    assert sw.bridge.mac_entries() == []
    assert sw.bridge.next_run() is None


def test_traffic_refreshes_an_entry():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.clock.now += 200
    sw.send(2, eth(B, A))
    sw.clock.now += 200
    assert sw.send(1, eth(A, B)) == {2: UNTAGGED}


@pytest.mark.parametrize("configured,effective", [(1, 15), (60, 60), (100000, 3600)])
def test_mac_aging_time_is_forced_into_range(configured, effective):
    sw = Switch()
    sw.bridge.set_config(mac_aging_time=configured)
    sw.send(2, eth(B, A))
    sw.clock.now += effective - 1
    assert sw.send(1, eth(A, B)) == {2: UNTAGGED}
    sw.clock.now += 1
    assert sw.send(1, eth(A, B)) == EVERYONE_BUT_1


def test_shorter_aging_time_applies_to_existing_entries():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.clock.now += 100
    sw.bridge.set_config(mac_aging_time=60)
    assert sw.bridge.mac_entries() == []


def _mac_n(n: int) -> str:
    return "50:54:00:00:01:%02x" % n


def test_full_table_evicts_the_oldest_entry_of_the_port_with_most_entries():
    sw = Switch()
    sw.bridge.set_config(mac_table_size=3)          # forced up to 10
    for n in range(3):
        sw.send(LOCAL, eth(_mac_n(n), BCAST))
        sw.clock.now += 1
    for n in range(3, 10):
        sw.send(3, eth(_mac_n(n), BCAST))
        sw.clock.now += 1
    sw.send(4, eth(_mac_n(10), BCAST))
    learned = [e.mac & 0xFF for e in sw.bridge.mac_entries()]
    assert learned == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]
    count, maximum, stats = sw.bridge.mac_stats()
    assert (count, maximum, stats.learned, stats.evicted) == (10, 10, 11, 1)


def test_shrinking_the_table_evicts():
    sw = Switch()
    for n in range(20):
        sw.send(1 + n % 2, eth(_mac_n(n), BCAST))
    sw.bridge.set_config(mac_table_size=10)
    assert len(sw.bridge.mac_entries()) == 10


# ---- VLANs ----
# Ports: 1 trunk of 5,6; 2 native-untagged 10 trunking 20; 3 native-tagged 10; 4 access 10;
# LOCAL trunk of everything.

MIXED = {
    1: PortVlanConfig(trunks=frozenset({5, 6})),
    2: PortVlanConfig(vlan_mode="native-untagged", tag=10, trunks=frozenset({20})),
    3: PortVlanConfig(vlan_mode="native-tagged", tag=10),
    4: PortVlanConfig(tag=10),
}


@pytest.mark.parametrize("in_port,vid,pcp,expected", [
    (1, None, 0, {}),                                            # trunk without VLAN 0
    (1, 5, 2, {3: (5, 2), LOCAL: (5, 2)}),
    (1, 7, 0, {}),                                               # VLAN not trunked
    (2, None, 0, {3: (10, 0), 4: UNTAGGED, LOCAL: (10, 0)}),     # native VLAN
    (2, 0, 3, {3: (10, 3), 4: UNTAGGED, LOCAL: (10, 3)}),        # priority-tagged = native
    (2, 10, 3, {3: (10, 3), 4: UNTAGGED, LOCAL: (10, 3)}),
    (2, 20, 3, {3: (20, 3), LOCAL: (20, 3)}),
    (2, 5, 0, {}),
    (3, None, 0, {2: UNTAGGED, 4: UNTAGGED, LOCAL: (10, 0)}),
    (3, 0, 0, {2: UNTAGGED, 4: UNTAGGED, LOCAL: (10, 0)}),
    (4, None, 0, {2: UNTAGGED, 3: (10, 0), LOCAL: (10, 0)}),     # access
    (4, 0, 5, {2: UNTAGGED, 3: (10, 5), LOCAL: (10, 5)}),        # access keeps the priority
    (4, 10, 0, {}),                                              # tagged input on access port
    (LOCAL, 0, 5, {}),                                           # nobody else carries VLAN 0
    (LOCAL, 10, 5, {2: UNTAGGED, 3: (10, 5), 4: UNTAGGED}),
    (LOCAL, 6, 1, {1: (6, 1), 3: (6, 1)}),
])
def test_vlan_modes(in_port, vid, pcp, expected):
    sw = Switch(vlans=MIXED)
    assert sw.send(in_port, eth(A, BCAST, vid=vid, pcp=pcp)) == expected


def test_802_1ad_outer_tag_is_read_as_the_vlan():
    sw = Switch(vlans=MIXED)
    assert sw.send(1, eth(A, BCAST, vid=5, tpid=0x88A8)) == {3: (5, 0), LOCAL: (5, 0)}


# Ports: 1 access 7 (trunks ignored); 2 access 7 priority-tags=if-nonzero; 3 access 7
# priority-tags=always; 4 access without tag (VLAN 0); LOCAL native-untagged without tag
# (native VLAN 0, not trunked) trunking 7.
IMPLICIT = {
    1: PortVlanConfig(tag=7, trunks=frozenset({5, 6})),
    2: PortVlanConfig(tag=7, priority_tags="if-nonzero"),
    3: PortVlanConfig(tag=7, priority_tags="always"),
    4: PortVlanConfig(vlan_mode="access"),
    LOCAL: PortVlanConfig(vlan_mode="native-untagged", trunks=frozenset({7})),
}


@pytest.mark.parametrize("in_port,vid,pcp,expected", [
    (1, None, 0, {2: UNTAGGED, 3: UNTAGGED, LOCAL: (7, 0)}),
    (1, 0, 4, {2: (0, 4), 3: (0, 4), LOCAL: (7, 4)}),
    (1, 7, 0, {}),
    (4, None, 0, {}),
    (LOCAL, 0, 2, {4: UNTAGGED}),
    (LOCAL, 7, 2, {1: UNTAGGED, 2: (0, 2), 3: (0, 2)}),
])
def test_implicit_modes_and_priority_tags(in_port, vid, pcp, expected):
    sw = Switch(vlans=IMPLICIT)
    assert sw.send(in_port, eth(A, BCAST, vid=vid, pcp=pcp)) == expected


def test_learned_destination_gets_its_port_tagging():
    sw = Switch(vlans=MIXED)
    sw.send(4, eth(B, A))                               # B is on access port 4, VLAN 10
    assert sw.send(3, eth(A, B, vid=10, pcp=6)) == {4: UNTAGGED}
    assert sw.send(LOCAL, eth(C, B, vid=10)) == {4: UNTAGGED}
    sw.send(3, eth(C, A, vid=10, pcp=1))                # C is on native-tagged port 3
    assert sw.send(4, eth(B, C)) == {3: (10, 0)}
    assert sw.send(2, eth(A, C, vid=0, pcp=2)) == {3: (10, 2)}
