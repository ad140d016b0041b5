"""The datapath's caches and forwarding, driven through fake netdevs and fake upcall handlers."""
import struct
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvswitch import coverage
from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import FlowView, extract_key
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VnetHdr
from tests.unit.datapath.fake_netdev import FakeNetdev


def frame(dst=2, src=1, nw_src=0x0A000001, nw_dst=0x0A000002, proto=6, sport=1000, dport=80,
          vid=None, payload=b"") -> bytes:
    """A minimal Ethernet/IPv4/TCP-or-UDP frame (checksums are not the datapath's business here)."""
    eth = dst.to_bytes(6, "big") + src.to_bytes(6, "big")
    if vid is not None:
        eth += struct.pack("!HH", 0x8100, vid)
    l4 = struct.pack("!HHIIBBHHH", sport, dport, 0, 0, 0x50, 0x02, 0, 0, 0) if proto == 6 \
        else struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    l4 += payload
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, nw_src, nw_dst)
    return eth + b"\x08\x00" + ip + l4


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Handler:
    """Translation by a function of a FlowView; counts and records its calls."""

    def __init__(self, decide):
        self.decide = decide
        self.calls = []
        self.userspace_calls = []

    def translate(self, key, frame, *, side_effects):
        self.calls.append((key, frame, side_effects))
        view = FlowView(key)
        return self.decide(view), view.wc

    def userspace(self, frame, cookie, in_port):
        self.userspace_calls.append((frame, cookie, in_port))


class AccountingHandler(Handler):
    """A Handler that also takes the revalidator's statistics pushes."""

    def __init__(self, decide, fail=False):
        super().__init__(decide)
        self.pushes = []
        self.fail = fail

    def account(self, key, n_packets, n_bytes, used):
        self.pushes.append((key, n_packets, n_bytes, used))
        if self.fail:
            raise RuntimeError("boom")


def by_dl_dst(view):
    """A learning switch's shape: the output depends on dl_dst only."""
    return [dpa.output(view.get("dl_dst"))]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def dp(clock):
    return Datapath(clock=clock)


def add_ports(dp, handler, n=3):
    devs = [FakeNetdev("p%d" % i) for i in range(1, n + 1)]
    for dev in devs:
        dp.add_port(dev, handler)
    return devs


def send(dp, port_no, *frames):
    dp.receive(port_no, [(f, None) for f in frames])


def test_miss_then_hits(dp):
    handler = Handler(by_dl_dst)
    p1, p2, p3 = add_ports(dp, handler)
    send(dp, 1, frame(dst=2))
    assert len(handler.calls) == 1 and handler.calls[0][2] is True
    assert p2.frames() == [frame(dst=2)]
    send(dp, 1, frame(dst=2), frame(dst=2, sport=5), frame(dst=2, nw_src=7))
    assert len(handler.calls) == 1            # wildcarded differences hit the same megaflow
    assert len(p2.frames()) == 4
    stats = dp.stats()
    assert (stats.hit, stats.missed, stats.lost, stats.n_flows, stats.n_masks) == (3, 1, 0, 1, 1)
    send(dp, 1, frame(dst=3))
    assert len(handler.calls) == 2 and p3.frames() == [frame(dst=3)]
    assert dp.stats().n_flows == 2 and dp.stats().n_masks == 1


def test_upcalled_packet_not_counted_in_flow_stats(dp):
    add_ports(dp, Handler(by_dl_dst))
    send(dp, 1, frame(dst=2))
    (flow,) = dp.dump_flows()
    assert (flow.packets, flow.bytes, flow.used) == (0, 0, None)
    send(dp, 1, frame(dst=2), frame(dst=2, payload=b"xx"))
    (flow,) = dp.dump_flows()
    assert flow.packets == 2 and flow.bytes == 2 * len(frame()) + 2
    assert flow.tcp_flags == 0x02


def test_megaflow_mask_is_what_translation_read_plus_essentials(dp):
    add_ports(dp, Handler(by_dl_dst))
    send(dp, 1, frame(dst=2))
    (flow,) = dp.dump_flows()
    view = FlowView(0)
    for name in ("dl_dst", "in_port", "dl_type", "recirc_id", "ip_frag"):
        view.unwildcard(name)
    assert flow.mask == view.wc


def test_different_masks_make_different_subtables(dp):
    def decide(view):
        if view.get("nw_proto") == 6:
            return [dpa.output(2 if view.get("tp_dst") == 80 else 3)]
        return [dpa.output(3)]
    handler = Handler(decide)
    add_ports(dp, handler)
    send(dp, 1, frame(proto=6, dport=80), frame(proto=17, dport=80), frame(proto=6, dport=81))
    assert dp.stats().n_masks == 2 and len(handler.calls) == 3
    send(dp, 1, frame(proto=17, dport=99, sport=1), frame(proto=6, dport=80, sport=2))
    assert len(handler.calls) == 3


def test_emc_disabled_still_uses_megaflows(dp):
    handler = Handler(by_dl_dst)
    _, p2, _ = add_ports(dp, handler)
    dp.set_config(emc_enabled=False)
    send(dp, 1, *[frame(dst=2, sport=i) for i in range(10)])
    assert len(handler.calls) == 1 and len(p2.frames()) == 10
    assert dp.stats().mask_hit == 9            # every hit went through a subtable


def test_megaflows_disabled_means_exact_match(dp):
    handler = Handler(by_dl_dst)
    add_ports(dp, handler)
    dp.set_megaflows_enabled(False)
    send(dp, 1, frame(dst=2, sport=1), frame(dst=2, sport=2), frame(dst=2, sport=1))
    assert len(handler.calls) == 2
    dp.set_megaflows_enabled(True)
    assert dp.stats().n_flows == 0             # switching flushes
    send(dp, 1, frame(dst=2, sport=3), frame(dst=2, sport=4))
    assert len(handler.calls) == 3


def test_idle_flows_expire(dp, clock):
    add_ports(dp, Handler(by_dl_dst))
    dp.set_config(max_idle_ms=2000)
    send(dp, 1, frame(dst=2), frame(dst=3))
    clock.now += 1.5
    send(dp, 1, frame(dst=2))                  # keeps dst=2 busy
    clock.now += 1.0
    dp.run_periodic()
    flows = dp.dump_flows()
    assert len(flows) == 1 and flows[0].key & 0xFFFF << 96 == 2 << 96
    clock.now += 2.5
    dp.run_periodic()
    assert dp.dump_flows() == []


def test_flow_limit(dp):
    coverage_before = coverage.read("upcall_flow_limit_hit")
    handler = Handler(by_dl_dst)
    _, p2, p3 = add_ports(dp, handler)
    dp.set_config(flow_limit=1)
    send(dp, 1, frame(dst=2), frame(dst=3), frame(dst=3))
    assert dp.stats().n_flows == 1
    assert len(p3.frames()) == 2               # forwarded anyway, one upcall each
    assert len(handler.calls) == 3
    assert coverage.read("upcall_flow_limit_hit") == coverage_before + 2


def test_invalidate_retranslates_before_use(dp):
    table = {"out": 2}
    handler = Handler(lambda view: [dpa.output(table["out"])] if view.get("dl_dst") else [])
    _, p2, p3 = add_ports(dp, handler)
    send(dp, 1, frame(), frame())
    table["out"] = 3
    send(dp, 1, frame())                       # no invalidate yet: cached answer stands
    assert len(p2.frames()) == 3
    dp.invalidate()
    send(dp, 1, frame(), frame())
    assert len(p2.frames()) == 3 and len(p3.frames()) == 2
    assert len(handler.calls) == 2 and handler.calls[1][2] is True
    (flow,) = dp.dump_flows()
    assert flow.actions == [dpa.output(3)] and flow.packets == 4   # updated in place


def test_stale_flow_whose_new_answer_reads_more_is_replaced(dp):
    table = {"fine": False}

    def decide(view):
        if table["fine"]:
            return [dpa.output(2 if view.get("tp_dst") == 80 else 3)]
        return [dpa.output(2)]
    handler = Handler(decide)
    _, p2, p3 = add_ports(dp, handler)
    send(dp, 1, frame(dport=80))
    table["fine"] = True
    dp.invalidate()
    send(dp, 1, frame(dport=81), frame(dport=80))
    assert len(p3.frames()) == 1 and len(p2.frames()) == 2
    assert len(dp.dump_flows()) == 2


def test_revalidator_deletes_stale_flows_whose_answer_changed(dp, clock):
    table = {"out": 2, "read_sport": False}

    def decide(view):
        dst = view.get("dl_dst")
        if dst == 3 and table["read_sport"]:
            view.get("tp_src")
        return [dpa.output(table["out"] if dst == 2 else 3)]
    handler = Handler(decide)
    add_ports(dp, handler)
    send(dp, 1, frame(dst=2), frame(dst=3), frame(dst=4))
    table.update(out=1, read_sport=True)
    dp.invalidate()
    clock.now += 1
    dp.run_periodic()
    revalidations = handler.calls[3:]
    assert len(revalidations) == 3
    assert all(frame_ is None and side_effects is False for _, frame_, side_effects in revalidations)
    # dst=2: new actions; dst=3: now depends on more bits; both deleted.  dst=4: unchanged, kept.
    (flow,) = dp.dump_flows()
    assert flow.key >> 96 & 0xFFFFFFFFFFFF == 4
    dp.run_periodic()
    assert len(handler.calls) == 6             # not checked again until the next invalidate()
    send(dp, 1, frame(dst=4))                  # still stale: its packet is translated for real
    assert handler.calls[-1][2] is True and len(handler.calls) == 7
    send(dp, 1, frame(dst=4))
    assert len(handler.calls) == 7


def test_revalidator_pushes_stats_of_flows_used_since_the_last_pass(dp, clock):
    handler = AccountingHandler(by_dl_dst)
    add_ports(dp, handler)
    send(dp, 1, frame(dst=2), frame(dst=3))    # upcalls: their packets are not in flow stats
    send(dp, 1, frame(dst=2), frame(dst=2, payload=b"xx"))
    key2, key3 = handler.calls[0][0], handler.calls[1][0]
    clock.now += 1
    dp.run_periodic()
    assert handler.pushes == [(key2, 2, 2 * len(frame()) + 2, clock.now - 1)]
    clock.now += 1
    dp.run_periodic()
    assert len(handler.pushes) == 1            # nothing used since: nothing pushed
    send(dp, 1, frame(dst=3))
    clock.now += 1
    dp.run_periodic()
    assert handler.pushes[1:] == [(key3, 1, len(frame()), clock.now - 1)]
    assert len(handler.calls) == 2             # pushing is no translation
    assert dp.stats().n_flows == 2


def test_idle_flow_has_its_last_packets_pushed_before_removal(dp, clock):
    handler = AccountingHandler(by_dl_dst)
    add_ports(dp, handler)
    dp.set_config(max_idle_ms=2000)
    send(dp, 1, frame(dst=2), frame(dst=2))
    clock.now += 5
    dp.run_periodic()
    assert dp.dump_flows() == []
    assert [push[1] for push in handler.pushes] == [1]


def test_outdated_flow_has_its_last_packets_pushed_before_deletion(dp, clock):
    table = {"out": 2}
    handler = AccountingHandler(lambda view: [dpa.output(table["out"])] if view.get("dl_dst")
                                else [])
    add_ports(dp, handler)
    send(dp, 1, frame(), frame(), frame())
    table["out"] = 3
    dp.invalidate()
    clock.now += 1
    dp.run_periodic()
    assert dp.dump_flows() == []
    assert [push[1] for push in handler.pushes] == [2]


def test_failing_stats_push_does_not_stop_the_pass(dp, clock):
    handler = AccountingHandler(by_dl_dst, fail=True)
    _, p2, p3 = add_ports(dp, handler)
    dp.set_config(max_idle_ms=2000)
    send(dp, 1, frame(dst=2), frame(dst=2), frame(dst=3), frame(dst=3))
    clock.now += 5
    dp.run_periodic()
    assert len(handler.pushes) == 2 and dp.dump_flows() == []
    send(dp, 1, frame(dst=2))
    assert len(p2.frames()) == 3


def test_translation_error_drops_and_counts(dp):
    def decide(view):
        raise RuntimeError("boom")
    before = coverage.read("datapath_drop_upcall_error")
    _, p2, _ = add_ports(dp, Handler(decide))
    send(dp, 1, frame(), frame())
    assert p2.frames() == [] and dp.stats().lost == 2
    assert coverage.read("datapath_drop_upcall_error") == before + 2


def test_drop_and_missing_port_are_counted(dp):
    drops = coverage.read("drop_action_of_pipeline")
    no_port = coverage.read("datapath_drop_no_port")
    add_ports(dp, Handler(lambda view: [dpa.output(9)] if view.get("dl_dst") == 9 else []))
    send(dp, 1, frame(dst=1), frame(dst=1), frame(dst=9), frame(dst=9))
    assert coverage.read("drop_action_of_pipeline") == drops + 2
    assert coverage.read("datapath_drop_no_port") == no_port + 2


def test_remove_port_flushes_its_flows_and_stops_output(dp):
    handler = Handler(by_dl_dst)
    p1, p2, p3 = add_ports(dp, handler)
    send(dp, 1, frame(dst=2))
    send(dp, 3, frame(dst=2))
    dp.remove_port(3)
    assert [f.key & 0xFFFFFFFF for f in dp.dump_flows()] == [1]
    send(dp, 1, frame(dst=3))
    assert p3.frames() == []
    assert [p.name for p in dp.ports()] == ["ovs-netdev", "p1", "p2"]


def test_port_numbers(clock):
    plain = Datapath(clock=clock)
    handler = Handler(by_dl_dst)
    assert [plain.add_port(FakeNetdev(n), handler) for n in ("br0", "p7", "eth1")] == [1, 2, 3]
    plain.remove_port(2)
    assert plain.add_port(FakeNetdev("x"), handler) == 2
    dummy = Datapath(clock=clock, dummy=True)
    numbers = [dummy.add_port(FakeNetdev(n, kind), handler)
               for n, kind in (("br0", "internal"), ("p7", "system"), ("p1", "system"),
                               ("q7", "system"), ("br-int", "internal"))]
    assert numbers == [100, 7, 1, 2, 3]
    assert [(p.port_no, p.type) for p in dummy.ports()][:2] == [(0, "dummy-internal"), (1, "dummy")]
    assert plain.ports()[0].type == "tap"


def test_userspace_action_reaches_the_in_port_owner(dp):
    handler = Handler(lambda view: [dpa.userspace(("controller", 7)), dpa.output(2)])
    add_ports(dp, handler)
    send(dp, 3, frame())
    assert handler.userspace_calls == [(frame(), ("controller", 7), 3)]


def test_offloaded_frames_are_completed_for_ports_that_cannot_take_them(dp):
    handler = Handler(lambda view: [dpa.output(2), dpa.output(3)])
    dp.add_port(FakeNetdev("p1"), handler)
    plain = FakeNetdev("p2", accepts_offloads=False)
    capable = FakeNetdev("p3", accepts_offloads=True)
    dp.add_port(plain, handler)
    dp.add_port(capable, handler)
    packet = frame()
    vnet = VnetHdr(VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16)
    dp.receive(1, [(packet, vnet)])
    assert capable.sent == [(packet, vnet)]
    (sent, sent_vnet), = plain.sent
    assert sent_vnet is None and sent[50:52] != packet[50:52]    # checksum filled in


def test_execute_packet_out(dp):
    _, p2, _ = add_ports(dp, Handler(by_dl_dst))
    dp.execute(frame(), None, [dpa.push_vlan(5), dpa.output(2)], 1)
    assert p2.frames()[0][12:16] == b"\x81\x00\x00\x05"


def test_del_flows(dp):
    add_ports(dp, Handler(by_dl_dst))
    send(dp, 1, frame(dst=2), frame(dst=3))
    dp.del_flows()
    assert dp.dump_flows() == [] and dp.stats().n_flows == 0


# ---------------------------------------------------------------- the thread
def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_forwarding_thread_end_to_end():
    dp = Datapath()
    table = {"out": 2}
    handler = Handler(lambda view: [dpa.output(table["out"])] if view.get("dl_dst") else [])
    p1, p2, p3 = add_ports(dp, handler)
    dp.start()
    try:
        for i in range(300):
            p1.inject(frame(sport=i))
        wait_for(lambda: len(p2.sent) == 300)
        assert dp.stats().hit == 299 and dp.stats().missed == 1
        # Control-plane calls from this thread while traffic flows.
        stop = threading.Event()

        def pump():
            while not stop.is_set():
                p1.inject(frame())
                time.sleep(0.0005)
        pumper = threading.Thread(target=pump)
        pumper.start()
        try:
            time.sleep(0.05)
            table["out"] = 3
            dp.invalidate()
            # Everything after invalidate() returned reached p3.
            before = len(p2.sent)
            time.sleep(0.05)
            assert len(p2.sent) == before and len(p3.sent) > 0
            assert len(dp.dump_flows()) == 1
        finally:
            stop.set()
            pumper.join()
        dp.set_config(max_idle_ms=100)
        wait_for(lambda: dp.stats().n_flows == 0)      # the thread's own revalidator pass
        p4 = FakeNetdev("p4")
        assert dp.add_port(p4, handler) == 4
        dp.remove_port(4)
    finally:
        dp.stop()
    send(dp, 1, frame())                               # stopped: runs inline
    assert dp.stats().missed == 2


def test_forwarding_thread_pushes_stats_by_itself():
    dp = Datapath()
    handler = AccountingHandler(by_dl_dst)
    p1, p2, _ = add_ports(dp, handler)
    dp.start()
    try:
        p1.inject(frame(dst=2))
        wait_for(lambda: len(p2.sent) == 1)
        p1.inject(frame(dst=2))
        wait_for(lambda: handler.pushes)
        p1.inject(frame(dst=2))
        p1.inject(frame(dst=2))
        wait_for(lambda: sum(push[1] for push in handler.pushes) == 3)
    finally:
        dp.stop()


# ---------------------------------------------------------------- property
FIELD_CHOICES = [("dl_src", None), ("dl_dst", None), ("dl_dst", 0x010000000000), ("nw_src", None),
                 ("nw_src", 0xFFFF0000), ("nw_dst", None), ("nw_proto", None), ("tp_src", None),
                 ("tp_dst", None), ("tp_dst", 0xFF00), ("in_port", None), ("vlan_tci", None)]

packets = st.builds(
    lambda port, dst, src, nw_src, nw_dst, proto, sport, dport, vid: (
        port, frame(dst=dst, src=src, nw_src=nw_src, nw_dst=nw_dst, proto=proto, sport=sport,
                    dport=dport, vid=vid)),
    st.integers(1, 3), st.sampled_from([1, 2, 3, 0x010000000002]), st.integers(1, 3),
    st.sampled_from([0x0A000001, 0x0A000102, 0x0B000001]), st.integers(1, 3),
    st.sampled_from([6, 17]), st.integers(1, 3), st.sampled_from([80, 81, 0x1050]),
    st.sampled_from([None, 5, 6]))

rules = st.lists(st.tuples(st.sampled_from(FIELD_CHOICES), st.integers(0, 3), st.integers(1, 3)),
                 max_size=5)


def rule_handler(rule_list):
    def decide(view):
        for (name, mask), bit, port in rule_list:
            if mask is None:
                value = view.get(name)
            else:
                view.unwildcard(name, mask)
                value = view.peek(name) & mask
            if value & 3 == bit:
                return [dpa.output(port)]
        return [dpa.output(1)] if view.get("tp_src") & 1 else []
    return decide


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules, rules, st.lists(packets, min_size=1, max_size=40), st.booleans(), st.integers(0, 40))
def test_cached_answers_equal_full_translation(rules_a, rules_b, stream, emc, switch_at):
    dp = Datapath(clock=Clock())
    dp.set_config(emc_enabled=emc)
    current = {"decide": rule_handler(rules_a)}
    handler = Handler(lambda view: current["decide"](view))
    devs = add_ports(dp, handler)
    for index, (port, packet) in enumerate(stream):
        if index == switch_at:
            current["decide"] = rule_handler(rules_b)
            dp.invalidate()
        for dev in devs:
            dev.sent.clear()
        send(dp, port, packet)
        expected = current["decide"](FlowView(extract_key(packet, port)))
        got = [(dev_no, f) for dev_no, dev in enumerate(devs, 1) for f, _ in dev.sent]
        assert got == [(action[1], packet) for action in expected]
