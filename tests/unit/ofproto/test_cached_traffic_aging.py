"""MAC aging when traffic only hits the datapath's caches.

A host whose frames keep hitting a cached flow is never translated again, yet it is active:
its MAC entry must stay fresh (as `fdb/show` ages in Open vSwitch stay near zero), while a
silent host's entry expires after mac-aging-time.  The revalidator's statistics push does the
refreshing; it must never learn, move or revive an address, nor invalidate the caches.
"""
from pyvswitch.ofproto.bridge import LOCAL
from tests.unit.ofproto.fakeswitch import Clock, DatapathSwitch, Switch, eth

A, B, C = "50:54:00:00:00:0a", "50:54:00:00:00:0b", "50:54:00:00:00:0c"
A_INT, B_INT = 0x50540000000A, 0x50540000000B
UNTAGGED = None


def ages(bridge) -> dict:
    return {entry.mac: entry.age for entry in bridge.mac_entries()}


def names(sent) -> list:
    return [name for name, _frame in sent]


class CountingInvalidations:
    def __init__(self, datapath):
        self.count = 0
        self._invalidate = datapath.invalidate
        datapath.invalidate = self

    def __call__(self):
        self.count += 1
        self._invalidate()


def advance(clock, sw, seconds):
    """Let `seconds` pass the way the daemon does: revalidator pass, then the bridge's run."""
    clock.now += seconds
    sw.datapath.run_periodic()
    sw.bridge.run()


# ---- through the real datapath ----

def test_active_host_keeps_its_entry_while_a_silent_one_expires():
    clock = Clock()
    sw = DatapathSwitch(clock)
    sw.send(2, eth(B, A))                       # B learned on p2; floods
    sw.send(1, eth(A, B))                       # A learned on p1, then silent
    assert names(sw.send(2, eth(B, A))) == ["p1"]
    missed = sw.datapath.stats().missed
    for _ in range(80):                         # 400 s of B -> A, every 5 s
        clock.now += 5
        sw.send(2, eth(B, A))
        advance(clock, sw, 0)
        assert B_INT in ages(sw.bridge) and ages(sw.bridge)[B_INT] <= 5
    assert sw.datapath.stats().missed == missed  # B's frames only ever hit caches
    assert ages(sw.bridge) == {B_INT: 0}         # A expired after mac-aging-time
    assert names(sw.send(3, eth(C, B))) == ["p2"]
    assert names(sw.send(3, eth(C, A))) == ["p1", "p2", "p4", "p%d" % LOCAL]


def test_refreshing_active_hosts_leaves_the_caches_valid():
    clock = Clock()
    sw = DatapathSwitch(clock)
    sw.send(1, eth(A, B))
    sw.send(2, eth(B, A))
    sw.send(1, eth(A, B))
    invalidations = CountingInvalidations(sw.datapath)
    missed = sw.datapath.stats().missed
    for _ in range(40):                         # 400 s of A <-> B
        clock.now += 10
        assert names(sw.send(1, eth(A, B))) == ["p2"]
        assert names(sw.send(2, eth(B, A))) == ["p1"]
        advance(clock, sw, 0)
    assert ages(sw.bridge) == {A_INT: 0, B_INT: 0}
    assert invalidations.count == 0
    assert sw.datapath.stats().missed == missed


def test_entry_refreshed_by_cached_traffic_expires_once_the_traffic_stops():
    clock = Clock()
    sw = DatapathSwitch(clock)
    sw.send(2, eth(B, A))
    for _ in range(80):                         # 400 s of cached B -> A, then silence
        clock.now += 5
        sw.send(2, eth(B, A))
        advance(clock, sw, 0)
    advance(clock, sw, 299)
    assert ages(sw.bridge) == {B_INT: 299}
    advance(clock, sw, 1)
    assert ages(sw.bridge) == {}
    assert names(sw.send(1, eth(A, B))) == ["p2", "p3", "p4", "p%d" % LOCAL]


# ---- the bridge's side of the statistics push ----

def test_stats_push_refreshes_a_known_address_without_invalidating():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.clock.now += 200
    before = sw.datapath.invalidations
    sw.account(2, eth(B, A), n_packets=7)
    assert sw.datapath.invalidations == before
    assert ages(sw.bridge) == {B_INT: 0}
    sw.clock.now += 200
    assert sw.send(1, eth(A, B)) == {2: UNTAGGED}


def test_stats_push_never_learns_an_address():
    sw = Switch()
    sw.account(2, eth(B, A))
    assert sw.bridge.mac_entries() == []
    assert sw.datapath.invalidations == len(sw.dp_port)     # the port additions only


def test_stats_push_never_undoes_a_station_move():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.send(3, eth(B, A))                       # B moved to p3 after the cached p2 packets
    sw.account(2, eth(B, A))
    assert sw.send(1, eth(A, B)) == {3: UNTAGGED}


def test_stats_push_never_revives_an_expired_address():
    sw = Switch()
    sw.send(2, eth(B, A))
    sw.clock.now += 300                         # expired, not yet removed by run()
    sw.account(2, eth(B, A))
    assert sw.bridge.mac_entries() == []


def test_stats_push_refreshes_per_vlan():
    sw = Switch()
    sw.send(2, eth(B, A, vid=10))
    sw.send(2, eth(B, A, vid=20))
    sw.clock.now += 200
    sw.account(2, eth(B, A, vid=10))
    assert sorted((e.vlan, e.age) for e in sw.bridge.mac_entries()) == [(10, 0), (20, 200)]
