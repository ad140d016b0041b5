"""Big atomic flow changes (bundles) applied in steps: packets translated meanwhile see the old
rules or all the new ones, never a part, and learned flows made meanwhile are kept."""
import threading

from pyvswitch.ofproto import bridge as bridge_module
from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as m
from tests.unit.ofproto.fakeswitch import Switch, eth

A, B = "50:54:00:00:00:0a", "50:54:00:00:00:0b"


def test_a_stepwise_batch_is_seen_whole_or_not_at_all(monkeypatch):
    monkeypatch.setattr(bridge_module, "APPLY_STEP", 3)
    sw = Switch()
    mods = [m.FlowMod(version=4, xid=0, match=Match().with_field("in_port", 1),
                      priority=i + 1, actions=(a.Output(2 if i < 199 else 3),))
            for i in range(200)]
    seen = set()
    done = threading.Event()

    def apply():
        assert sw.bridge.apply_flow_mods(mods).error is None
        done.set()
    thread = threading.Thread(target=apply)
    thread.start()
    while not done.is_set():
        seen.add(tuple(sorted(sw.send(1, eth(A, B)))))
    thread.join()
    seen.add(tuple(sorted(sw.send(1, eth(A, B)))))
    flood = (2, 3, 4, 0xFFFE)
    assert seen <= {flood, (3,)} and (3,) in seen


def test_flows_learned_while_a_stepwise_batch_runs_are_all_kept(monkeypatch):
    monkeypatch.setattr(bridge_module, "APPLY_STEP", 3)
    sw = Switch()
    learn = a.Learn(specs=(a.LearnSpec("match", 48, dst=a.Subfield("dl_dst", 0, 48),
                                       src=a.Subfield("dl_src", 0, 48)),),
                    table_id=5, priority=7)
    assert sw.bridge.apply_flow_mods([m.FlowMod(version=4, xid=0, match=Match(),
                                                priority=9, actions=(learn,))]).error is None
    mods = [m.FlowMod(version=4, xid=0, table_id=1, match=Match().with_field("reg0", i),
                      actions=()) for i in range(300)]
    done = threading.Event()
    thread = threading.Thread(target=lambda: (sw.bridge.apply_flow_mods(mods), done.set()))
    sources = []
    thread.start()
    while not done.is_set() or not sources:
        source = "50:54:00:00:%02x:%02x" % divmod(len(sources), 256)
        sw.translate(1, eth(source, B))
        sources.append(source)
    thread.join()
    learned = {rule.match.get("dl_dst")[0] for rule in sw.bridge.dump_flows(table_id=5)}
    assert learned == {int(source.replace(":", ""), 16) for source in sources}
    assert len(sw.bridge.dump_flows(table_id=1)) == 300


def test_learning_the_same_flow_again_restarts_its_hard_timeout_without_invalidating():
    sw = Switch()
    learn = a.Learn(specs=(a.LearnSpec("match", 48, dst=a.Subfield("dl_dst", 0, 48),
                                       src=a.Subfield("dl_src", 0, 48)),),
                    table_id=5, priority=7, hard_timeout=10)
    sw.bridge.apply_flow_mods([m.FlowMod(version=4, xid=0, match=Match(), priority=9,
                                         actions=(learn,))])
    sw.translate(1, eth(A, B))
    (rule,) = sw.bridge.dump_flows(table_id=5)
    invalidations = sw.datapath.invalidations
    sw.clock.now += 8
    sw.translate(1, eth(A, B))                      # the same flow learned again
    assert sw.datapath.invalidations == invalidations
    sw.clock.now += 8                               # 16 s after it was first learned
    sw.bridge.run()
    assert sw.bridge.dump_flows(table_id=5) == [rule]
    sw.clock.now += 3                               # 11 s after it was learned again
    sw.bridge.run()
    assert sw.bridge.dump_flows(table_id=5) == []
