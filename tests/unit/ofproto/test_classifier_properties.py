"""The classifier against the linear reference: random tables of random rules (random registry
fields and masks, priorities, conjunctions, versions) and random keys give the same rule, and the
wildcards a lookup returns are sufficient: keys that agree with the probe on them get its rule."""
from hypothesis import given, settings, strategies as st, HealthCheck

from pyvswitch import fields as F
from pyvswitch.ofproto.classifier import CONJ_ID, Classifier
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.ofpact import Conjunction
from tests.unit.ofproto.linear_classifier import LinearClassifier

# Fields a rule may match: every registry field, so views that share storage (nw_src/arp_spa,
# tp_src/icmp_type...) and every stage appear.  conj_id is matched only by the conj_id rules below.
_FIELDS = sorted(name for name in F.FIELDS if name != "conj_id")
_CONJ_IDS = (1, 2, 3)


class Rule:
    def __init__(self, match, priority, conjunctions=()):
        self.match, self.priority, self.conjunctions = match, priority, tuple(conjunctions)

    def __repr__(self):
        return "Rule(%r, %d, %r)" % (self.match, self.priority, self.conjunctions)


@st.composite
def _universe(draw, max_fields=5):
    """A few fields, each with a few values and masks, so rules and keys often collide."""
    names = draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=max_fields, unique=True))
    if draw(st.booleans()):
        names.append(draw(st.sampled_from(("nw_src", "nw_dst", "ipv6_dst"))))
    universe = []
    for name in names:
        field = F.FIELDS[name]
        full = field.value_mask
        values = draw(st.lists(st.integers(0, full), min_size=1, max_size=max_fields - 2))
        if field.maskable:
            prefix = full ^ ((1 << draw(st.integers(0, field.width))) - 1)
            masks = [full, prefix, draw(st.integers(0, full))]
        else:
            masks = [full]
        universe.append((field, values, masks))
    return universe


@st.composite
def _key(draw, universe, exotic=3):
    key = 0
    for field, values, _ in universe:
        value = draw(st.sampled_from(values) if draw(st.integers(0, exotic)) else
                     st.integers(0, field.value_mask))
        key = field.set(key, value)
    if draw(st.integers(0, 9)) == 0:
        key = CONJ_ID.set(key, draw(st.sampled_from(_CONJ_IDS)))
    return key


@st.composite
def _rule(draw, universe, max_priority=4, conj_kind=None):
    match = Match()
    for field, values, masks in universe:
        if draw(st.integers(0, 3 if conj_kind == 1 else 1)) == 0:
            match = match.with_field(field.name, draw(st.sampled_from(values)),
                                     draw(st.sampled_from(masks)))
    kind = draw(st.integers(0, 3)) if conj_kind is None else conj_kind
    conjunctions = ()
    if kind == 0:       # the flow a complete conjunction looks up
        match = match.with_field("conj_id", draw(st.sampled_from(_CONJ_IDS)))
    elif kind == 1:     # a clause of one or more conjunctions
        conjunctions = []
        ids = _CONJ_IDS if conj_kind is None else (1, 1, 2)
        for conj_id in draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2)):
            # Mostly n = 2 (3 for id 2), sometimes disagreeing with the other flows of that id.
            usual = 3 if conj_id == 2 else 2
            n_clauses = draw(st.sampled_from((usual, usual, usual, 5 - usual)))
            conjunctions.append(Conjunction(conj_id, draw(st.integers(0, n_clauses - 1)),
                                            n_clauses))
    # Conjunctive tables rank clause flows a little higher, so that they often count.
    priorities = st.sampled_from((2, 2, 2, 1)) if conj_kind == 1 else st.integers(0, max_priority)
    return Rule(match, draw(priorities), conjunctions)


def _vary(key: int, wc: int, other: int) -> int:
    return (key & wc) | (other & ~wc)


def _neighbours(key, universe):
    """`key` with one field changed to another of its values: the keys most likely to expose a
    bit missing from a wc."""
    return [field.set(key, value) for field, values, _ in universe for value in values]


def _check_lookups(cls, ref, keys, version, variants, universe=()):
    for key in keys:
        got, wc = cls.lookup(key, version)
        assert got is ref.lookup(key, version)[0], (hex(key), got)
        for other in variants + _neighbours(key, universe):
            varied = _vary(key, wc, other)
            assert ref.lookup(varied, version)[0] is got, ("wc insufficient", hex(key), hex(wc),
                                                           hex(varied))
            assert cls.lookup(varied, version)[0] is got


@st.composite
def _table(draw):
    universe = draw(_universe())
    # Few priorities make complete conjunctions, ties and shadowing common.
    rules = draw(st.lists(_rule(universe, draw(st.sampled_from((1, 4)))), max_size=25))
    keys = draw(st.lists(_key(universe), min_size=1, max_size=8))
    variants = draw(st.lists(_key(universe), min_size=1, max_size=6))
    return universe, rules, keys, variants


@st.composite
def _conjunctive_table(draw):
    """Tables where conjunctions complete often: few fields, values and priorities, and flows for
    every conj_id."""
    universe = draw(_universe(max_fields=4))
    rules = [draw(_rule(universe, 2, kind)) for kind in draw(
        st.lists(st.sampled_from((0, 1, 1, 1, 2)), min_size=4, max_size=20))]
    keys = draw(st.lists(_key(universe, exotic=9), min_size=1, max_size=8))
    variants = draw(st.lists(_key(universe), min_size=1, max_size=6))
    return universe, rules, keys, variants


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_table(), _conjunctive_table()), st.sampled_from([(), ("nw_src", "nw_dst"), ("nw_dst", "ipv6_dst", "tun_id")]))
def test_same_rule_as_linear_and_sufficient_wildcards(table, prefix_fields):
    universe, rules, keys, variants = table
    cls, ref = Classifier(prefix_fields), LinearClassifier()
    for rule in rules:
        cls.insert(rule, 1)
        ref.insert(rule, 1)
    # Random bits outside the universe's fields vary too: the wc must cover whatever mattered.
    variants = variants + [v ^ (0x5A5A5A5A << (37 * i)) for i, v in enumerate(variants)]
    _check_lookups(cls, ref, keys, 1, variants, universe)
    _check_lookups(cls, ref, keys, 0, variants[:1])


_OPS = st.lists(st.tuples(st.sampled_from(["insert", "insert", "remove", "replace", "purge",
                                           "reinsert"]),
                          st.integers(0, 1000)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_versioned_changes_match_linear(data):
    """Inserts, removals, replacements, undone removals and purges over increasing versions: every
    version still visible gives the same rules and lookups as the reference."""
    universe = data.draw(_universe())
    keys = data.draw(st.lists(_key(universe), min_size=1, max_size=5))
    cls, ref = Classifier(), LinearClassifier()
    live, removed_at = [], {}
    version, oldest = 1, 1
    for op, pick in data.draw(_OPS):
        if op in ("insert", "replace") or not live:
            rule = data.draw(_rule(universe))
            if op == "replace" and live:
                old = live.pop(pick % len(live))
                cls.remove(old, version)
                ref.remove(old, version)
                removed_at[id(old)] = (old, version)
            cls.insert(rule, version)
            ref.insert(rule, version)
            live.append(rule)
        elif op == "remove":
            old = live.pop(pick % len(live))
            cls.remove(old, version)
            ref.remove(old, version)
            removed_at[id(old)] = (old, version)
        elif op == "reinsert":   # undo the latest removals made at this version (bundle abort)
            for rule, at in [v for v in removed_at.values() if v[1] == version]:
                cls.insert(rule, version)
                ref.insert(rule, version)
                live.append(rule)
                del removed_at[id(rule)]
        else:
            oldest = max(oldest, version - pick % 3)
            cls.purge(oldest)
            ref.purge(oldest)
        if pick % 2:
            version += 1
        assert len(cls) == len(ref)
        for v in range(oldest, version + 1):
            assert sorted(map(id, cls.rules(v))) == sorted(map(id, ref.rules(v)))
            _check_lookups(cls, ref, keys, v, keys)
    for rule in live:
        assert cls.find_exact(rule.match, rule.priority, version) is \
            ref.find_exact(rule.match, rule.priority, version)
