"""The classifier's behaviour on hand-made tables: priorities, versions, conjunctive matches as
ovs-fields(7) describes them, and how narrow the returned wildcards stay."""
import ipaddress

import pytest

from pyvswitch import fields as F
from pyvswitch.ofproto.classifier import Classifier
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.ofpact import Conjunction


class Rule:
    def __init__(self, priority, conjunctions=(), **fields):
        match = Match()
        for name, value in fields.items():
            value, mask = value if isinstance(value, tuple) else (value, None)
            match = match.with_field(name, _value(name, value), mask)
        self.match, self.priority, self.conjunctions = match, priority, tuple(conjunctions)

    def __repr__(self):
        return "Rule(%d, %r)" % (self.priority, self.match)


def _value(name, value):
    return int(ipaddress.ip_address(value)) if isinstance(value, str) else value


def key(**fields) -> int:
    k = 0
    for name, value in fields.items():
        k = F.field(name).set(k, _value(name, value))
    return k


def wildcards(wc: int) -> dict:
    """wc as {field: mask} over the canonical storage fields it touches."""
    storage = ("in_port", "dl_type", "dl_src", "dl_dst", "vlan_tci", "nw_src", "nw_dst",
               "nw_proto", "tp_src", "tp_dst", "ipv6_src", "ipv6_dst", "tcp_flags", "conj_id", "reg0",
               "metadata")
    out = {}
    for name in storage:
        field = F.FIELDS[name]
        bits = (wc >> field.shift) & field.value_mask
        if bits:
            out[name] = bits
            wc &= ~(bits << field.shift)
    assert not wc, "wc has bits outside the fields above"
    return out


def table(*rules, version=1, **kwargs) -> Classifier:
    cls = Classifier(**kwargs)
    for rule in rules:
        cls.insert(rule, version)
    return cls


IP = dict(dl_type=0x0800)


# ---- which rule ----
def test_highest_priority_wins_and_equal_priorities_go_to_the_first_inserted():
    low = Rule(1, **IP)
    first = Rule(5, in_port=1)
    second = Rule(5, nw_src="10.0.0.1", **IP)
    high_elsewhere = Rule(9, in_port=2)
    cls = table(low, first, second, high_elsewhere)
    assert cls.lookup(key(in_port=1, nw_src="10.0.0.1", **IP), 1)[0] is first
    assert cls.lookup(key(in_port=3, nw_src="10.0.0.1", **IP), 1)[0] is second
    assert cls.lookup(key(in_port=3, **IP), 1)[0] is low
    assert cls.lookup(key(in_port=2, nw_src="10.0.0.1", **IP), 1)[0] is high_elsewhere
    assert cls.lookup(key(in_port=3, dl_type=0x0806), 1) == (None, cls.lookup(
        key(in_port=3, dl_type=0x0806), 1)[1])


def test_identical_matches_keep_insertion_order_within_a_priority():
    a, b = Rule(5, in_port=1), Rule(5, in_port=1)
    cls = table(a, b)
    assert cls.lookup(key(in_port=1), 1)[0] is a
    assert cls.find_exact(a.match, 5, 1) is a
    assert cls.find_exact(a.match, 4, 1) is None
    cls.remove(a, 2)
    assert cls.lookup(key(in_port=1), 2)[0] is b
    assert cls.find_exact(a.match, 5, 2) is b


def test_an_empty_table_matches_nothing_and_depends_on_nothing():
    assert Classifier().lookup(key(in_port=1), 1) == (None, 0)


# ---- versions ----
def test_a_rule_removed_at_v_is_visible_before_v_only():
    rule = Rule(5, in_port=1)
    cls = table(rule, version=3)
    cls.remove(rule, 7)
    k = key(in_port=1)
    assert [cls.lookup(k, v)[0] is rule for v in (2, 3, 6, 7, 8)] == [False, True, True, False, False]
    assert list(cls.rules(6)) == [rule] and list(cls.rules(7)) == []
    assert len(cls) == 0


def test_replacement_is_atomic():
    old, new = Rule(5, in_port=1), Rule(5, in_port=1)
    cls = table(old)
    cls.insert(new, 4)
    cls.remove(old, 4)
    assert cls.lookup(key(in_port=1), 3)[0] is old
    assert cls.lookup(key(in_port=1), 4)[0] is new
    assert cls.find_exact(old.match, 5, 3) is old and cls.find_exact(old.match, 5, 4) is new
    assert len(cls) == 1


def test_purge_forgets_rules_no_lookup_can_see_and_keeps_the_others():
    gone, kept, later = Rule(5, in_port=1), Rule(4, in_port=1), Rule(3, in_port=2)
    cls = table(gone, kept, later)
    cls.remove(gone, 2)
    cls.remove(later, 6)
    cls.purge(4)
    assert cls.lookup(key(in_port=1), 1)[0] is kept      # older versions are no longer served
    assert cls.lookup(key(in_port=2), 5)[0] is later
    assert sorted(map(id, cls.rules(5))) == sorted(map(id, (kept, later)))
    cls.purge(6)
    assert list(cls.rules(5)) == [kept]
    cls.remove(kept, 7)
    cls.purge(7)
    assert cls.lookup(key(in_port=1), 7) == (None, 0)    # no subtables left to examine
    assert cls.n_subtables == 0


def test_reinserting_at_the_removal_version_undoes_the_removal():
    first, second = Rule(5, in_port=1), Rule(5, in_port=1)
    cls = table(first, second)
    cls.remove(first, 3)
    cls.insert(first, 3)                 # a bundle that removed it was aborted
    assert all(cls.lookup(key(in_port=1), v)[0] is first for v in (1, 3, 9))
    assert len(cls) == 2
    cls.purge(9)
    assert cls.lookup(key(in_port=1), 9)[0] is first


def test_reinserting_later_is_a_new_insertion():
    first, second = Rule(5, in_port=1), Rule(5, in_port=1)
    cls = table(first, second)
    cls.remove(first, 3)
    cls.insert(first, 5)
    assert cls.lookup(key(in_port=1), 4)[0] is second
    assert cls.lookup(key(in_port=1), 5)[0] is second     # now inserted after `second`
    assert cls.lookup(key(in_port=1), 2)[0] is first


def test_inserting_a_live_rule_twice_or_removing_an_absent_one_is_refused():
    rule = Rule(5, in_port=1)
    cls = table(rule)
    with pytest.raises(ValueError):
        cls.insert(rule, 2)
    cls.remove(rule, 2)
    with pytest.raises(KeyError):
        cls.remove(rule, 3)


# ---- conjunctive matches (ovs-fields(7) "Conjunctive Match Fields") ----
def _man_page_example(extra=()):
    rules = [Rule(10, conj_id=1234)]
    rules += [Rule(5, [Conjunction(1234, 0, 2)], nw_src=a, **IP)
              for a in ("10.0.0.1", "10.0.0.4", "10.0.0.6", "10.0.0.7")]
    rules += [Rule(5, [Conjunction(1234, 1, 2)], nw_dst=a, **IP)
              for a in ("10.0.0.2", "10.0.0.5", "10.0.0.7", "10.0.0.8")]
    return rules[0], table(*rules, *extra)


def test_the_man_page_example():
    target, cls = _man_page_example()
    assert cls.lookup(key(nw_src="10.0.0.4", nw_dst="10.0.0.5", **IP), 1)[0] is target
    assert cls.lookup(key(nw_src="10.0.0.7", nw_dst="10.0.0.7", **IP), 1)[0] is target
    assert cls.lookup(key(nw_src="10.0.0.4", nw_dst="10.0.0.4", **IP), 1)[0] is None
    assert cls.lookup(key(nw_src="10.0.0.2", nw_dst="10.0.0.5", **IP), 1)[0] is None


def test_conjunctive_flows_never_match_themselves_and_fall_back_to_lower_priorities():
    fallback = Rule(1, **IP)
    _, cls = _man_page_example([fallback])
    assert cls.lookup(key(nw_src="10.0.0.4", nw_dst="10.0.0.9", **IP), 1)[0] is fallback


def test_an_ordinary_flow_at_the_same_or_higher_priority_wins():
    same = Rule(5, nw_proto=6, **IP)
    _, cls = _man_page_example([same])
    assert cls.lookup(key(nw_src="10.0.0.4", nw_dst="10.0.0.5", nw_proto=6, **IP), 1)[0] is same


def test_the_conj_id_lookup_is_an_ordinary_lookup_of_the_whole_table():
    target = Rule(1, conj_id=7)
    clauses = (Rule(5, [Conjunction(7, 0, 2)], in_port=1),
               Rule(5, [Conjunction(7, 1, 2)], nw_proto=17, **IP))
    # An ordinary flow that the key with conj_id=7 still matches outranks the conj_id flow...
    lower_ordinary = Rule(3, **IP)
    cls = table(lower_ordinary, target, *clauses)
    assert cls.lookup(key(in_port=1, nw_proto=17, **IP), 1)[0] is lower_ordinary
    # ...but one that only matches conj_id=0 does not, whatever the conj_id flow's priority.
    only_without_conj = Rule(3, conj_id=0, **IP)
    cls = table(only_without_conj, target, *clauses)
    assert cls.lookup(key(in_port=1, nw_proto=17, **IP), 1)[0] is target
    assert cls.lookup(key(in_port=2, nw_proto=17, **IP), 1)[0] is only_without_conj


def test_a_missing_conj_id_flow_means_the_conjunction_did_not_match():
    fallback = Rule(1, **IP)
    cls = table(fallback, Rule(5, [Conjunction(7, 0, 2)], in_port=1),
                Rule(5, [Conjunction(7, 1, 2)], nw_proto=17, **IP))
    assert cls.lookup(key(in_port=1, nw_proto=17, **IP), 1)[0] is fallback


def test_the_conj_id_lookup_ignores_conjunctive_flows():
    # The conj_id=7 lookup must not match the conjunctive flow that also matches conj_id=7.
    cls = table(Rule(5, [Conjunction(7, 0, 2)], in_port=1),
                Rule(5, [Conjunction(7, 1, 2)], in_port=1),
                Rule(9, [Conjunction(8, 0, 2)], conj_id=7))
    assert cls.lookup(key(in_port=1), 1)[0] is None


def test_a_lower_priority_conjunction_is_tried_when_a_higher_one_fails():
    target = Rule(1, conj_id=2)
    cls = table(target,
                Rule(9, [Conjunction(1, 0, 2)], in_port=1), Rule(9, [Conjunction(1, 1, 2)], **IP),
                Rule(5, [Conjunction(2, 0, 2)], in_port=1), Rule(5, [Conjunction(2, 1, 2)], **IP))
    assert cls.lookup(key(in_port=1, **IP), 1)[0] is target


def test_one_flow_may_serve_several_conjunctions():
    one, two = Rule(1, conj_id=1), Rule(1, conj_id=2)
    shared = Rule(5, [Conjunction(1, 0, 2), Conjunction(2, 0, 2)], in_port=1)
    cls = table(one, two, shared, Rule(5, [Conjunction(1, 1, 2)], nw_proto=6, **IP),
                Rule(5, [Conjunction(2, 1, 2)], nw_proto=17, **IP))
    assert cls.lookup(key(in_port=1, nw_proto=6, **IP), 1)[0] is one
    assert cls.lookup(key(in_port=1, nw_proto=17, **IP), 1)[0] is two


def test_a_three_clause_conjunction_needs_all_three():
    target = Rule(1, conj_id=3)
    cls = table(target, *(Rule(5, [Conjunction(3, k, 3)], **{f: 1}) for k, f in
                          enumerate(("in_port", "reg0", "metadata"))))
    assert cls.lookup(key(in_port=1, reg0=1, metadata=1), 1)[0] is target
    assert cls.lookup(key(in_port=1, reg0=1, metadata=2), 1)[0] is None


def test_conjunctive_wildcards_include_the_conj_id_lookup():
    target = Rule(1, conj_id=7, nw_src="10.0.0.1", **IP)
    cls = table(target, Rule(5, [Conjunction(7, 0, 2)], in_port=1),
                Rule(5, [Conjunction(7, 1, 2)], nw_proto=17, **IP), prefix_fields=())
    rule, wc = cls.lookup(key(in_port=1, nw_proto=17, nw_src="10.0.0.1", **IP), 1)
    assert rule is target
    assert wildcards(wc)["nw_src"] == 0xFFFFFFFF
    assert cls.lookup(key(in_port=1, nw_proto=17, nw_src="10.0.0.2", **IP), 1)[0] is None


# ---- how narrow the wildcards stay ----
def test_a_miss_on_an_ip_prefix_unwildcards_only_the_bits_that_prove_it():
    cls = table(Rule(5, nw_dst=("10.0.0.0", 0xFF000000), **IP))
    rule, wc = cls.lookup(key(nw_dst="192.168.1.1", **IP), 1)
    assert rule is None
    assert wildcards(wc) == {"nw_dst": 0x80000000}      # 192.168.1.1 is not in 0.0.0.0/1
    rule, wc = cls.lookup(key(nw_dst="11.1.1.1", **IP), 1)
    assert wildcards(wc) == {"nw_dst": 0xFF000000}      # 11 and 10 differ in the 8th bit only


def test_without_prefix_tracking_the_miss_costs_the_whole_stage():
    cls = table(Rule(5, nw_dst=("10.0.0.0", 0xFF000000), nw_proto=6, **IP), prefix_fields=())
    _, wc = cls.lookup(key(nw_dst="192.168.1.1", nw_proto=6, **IP), 1)
    assert wildcards(wc) == {"dl_type": 0xFFFF, "nw_dst": 0xFF000000, "nw_proto": 0xFF}


def test_many_host_routes_keep_a_far_miss_wide():
    cls = table(*(Rule(5, nw_dst="10.0.%d.%d" % (i // 256, i % 256), **IP) for i in range(1000)))
    _, wc = cls.lookup(key(nw_dst="192.168.1.1", **IP), 1)
    assert wildcards(wc) == {"nw_dst": 0x80000000}
    _, wc = cls.lookup(key(nw_dst="10.0.200.1", **IP), 1)
    assert wildcards(wc) == {"nw_dst": 0xFFFF8000}      # 10.0.200/17 holds no rule
    hit = cls.lookup(key(nw_dst="10.0.3.7", **IP), 1)
    assert wildcards(hit[1]) == {"dl_type": 0xFFFF, "nw_dst": 0xFFFFFFFF}


def test_a_prefix_present_elsewhere_falls_back_to_the_stage_check():
    # 10.1/16 is in use (by the /16 rule), so the trie cannot rule the /16 subtable out for
    # 10.1.2.3 when it has another in_port; the in_port stage does, without touching nw_dst.
    cls = table(Rule(5, in_port=1, nw_dst=("10.1.0.0", 0xFFFF0000), **IP),
                Rule(4, in_port=2, nw_dst=("10.1.0.0", 0xFFFF0000), nw_proto=6, **IP))
    rule, wc = cls.lookup(key(in_port=3, nw_dst="10.1.2.3", **IP), 1)
    assert rule is None
    assert wildcards(wc) == {"in_port": 0xFFFFFFFF}


def test_a_miss_at_an_early_stage_leaves_later_stages_wildcarded():
    cls = table(Rule(5, in_port=1, nw_proto=6, tp_dst=80, **IP))
    rule, wc = cls.lookup(key(in_port=2, nw_proto=6, tp_dst=80, **IP), 1)
    assert rule is None and wildcards(wc) == {"in_port": 0xFFFFFFFF}
    _, wc = cls.lookup(key(in_port=1, nw_proto=17, tp_dst=80, **IP), 1)
    assert wildcards(wc) == {"in_port": 0xFFFFFFFF, "dl_type": 0xFFFF, "nw_proto": 0xFF}


def test_a_miss_on_the_ports_unwildcards_only_the_port_bits_that_prove_it():
    cls = table(*(Rule(5, in_port=1, nw_proto=6, tp_dst=port, **IP) for port in (80, 443)))
    _, wc = cls.lookup(key(in_port=1, nw_proto=6, tp_dst=22, **IP), 1)
    assert wildcards(wc) == {"tp_dst": 0xFFC0}          # no rule's port is below 64
    _, wc = cls.lookup(key(in_port=1, nw_proto=6, tp_dst=81, **IP), 1)
    assert wildcards(wc) == {"tp_dst": 0xFFFF}
    # When some rule has the key's ports, the miss is elsewhere in the last stage: all of it.
    cls = table(Rule(5, nw_proto=6, tp_dst=80, tcp_flags=2, **IP))
    _, wc = cls.lookup(key(nw_proto=6, tp_dst=80, **IP), 1)
    assert wildcards(wc) == {"dl_type": 0xFFFF, "nw_proto": 0xFF, "tp_dst": 0xFFFF,
                             "tcp_flags": 0xFFF}


def test_lower_priority_subtables_are_not_examined_once_a_match_outranks_them():
    high = Rule(10, in_port=1)
    cls = table(high, Rule(5, nw_proto=6, **IP), Rule(1, tp_dst=80, nw_proto=6, **IP))
    rule, wc = cls.lookup(key(in_port=1, nw_proto=6, tp_dst=80, **IP), 1)
    assert rule is high and wildcards(wc) == {"in_port": 0xFFFFFFFF}


def test_changing_the_prefix_fields_applies_to_rules_already_in():
    rule = Rule(5, ipv6_dst=("2001:db8::", (0xFFFFFFFF << 96)), dl_type=0x86DD)
    cls = table(rule)
    probe = key(ipv6_dst="fe80::1", dl_type=0x86DD)
    assert wildcards(cls.lookup(probe, 1)[1])["ipv6_dst"] == 0xFFFFFFFF << 96
    cls.set_prefix_fields(["ipv6_dst"])
    assert wildcards(cls.lookup(probe, 1)[1]) == {"ipv6_dst": 1 << 127}
    assert cls.lookup(key(ipv6_dst="2001:db8::5", dl_type=0x86DD), 1)[0] is rule
    with pytest.raises(ValueError):
        cls.set_prefix_fields(["nw_proto"])


def test_a_large_table_agrees_with_a_full_scan_through_removals():
    import random
    rnd = random.Random(3)
    rules = [Rule(rnd.randrange(3), nw_dst=0x0A000000 | rnd.getrandbits(16), **IP)
             for _ in range(6000)]
    rules += [Rule(1, nw_dst=(0x0A000000 | rnd.getrandbits(16), 0xFFFFFF00), nw_proto=6, **IP)
              for _ in range(300)]
    cls = table(*rules)
    for rule in rules[:4500]:
        cls.remove(rule, 2)
    cls.purge(2)
    visible = rules[4500:]

    def scan(k):
        return max((r for r in visible if r.match.matches(k)), key=lambda r: r.priority,
                   default=None)

    for _ in range(40):
        probe = key(nw_dst=0x0A000000 | rnd.getrandbits(16), nw_proto=rnd.choice((6, 17)), **IP)
        got, wc = cls.lookup(probe, 2)
        assert got is scan(probe)
        for _ in range(3):
            other = key(nw_dst=0x0A000000 | rnd.getrandbits(16), nw_proto=6, **IP)
            assert scan((probe & wc) | (other & ~wc)) is got
