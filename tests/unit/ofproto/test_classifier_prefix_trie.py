"""PrefixTrie against brute force: membership, and the leading bits that prove a value is not a
prefix in use (enough bits always; no more than needed while nothing was removed)."""
import random

from hypothesis import given, settings, strategies as st

from pyvswitch.ofproto.prefix_trie import PrefixTrie

WIDTH = 12


def _shares(a: int, b: int, length: int, bits: int) -> bool:
    return (a >> (length - bits)) == (b >> (length - bits))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, WIDTH), st.integers(0, (1 << WIDTH) - 1)),
                max_size=60),
       st.lists(st.tuples(st.integers(1, WIDTH), st.integers(0, (1 << WIDTH) - 1)), min_size=1,
                max_size=10))
def test_answers_match_brute_force(changes, probes):
    trie, in_use = PrefixTrie(WIDTH), []
    removed_any = False
    for add, length, value in changes:
        prefix = value >> (WIDTH - length)
        if add or (length, prefix) not in in_use:
            trie.add(length, prefix)
            in_use.append((length, prefix))
        else:
            trie.remove(length, prefix)
            in_use.remove((length, prefix))
            removed_any = True
    for length, value in probes:
        prefix = value >> (WIDTH - length)
        same_length = [p for n, p in in_use if n == length]
        assert trie.contains(length, prefix) == (prefix in same_length)
        if prefix in same_length:
            continue
        bits = trie.bits_to_tell_apart(length, prefix)
        assert 0 <= bits <= length
        assert not any(_shares(p, prefix, length, bits) for p in same_length)
        if not removed_any and bits:
            assert any(_shares(p, prefix, length, bits - 1) for p in same_length)


def test_many_prefixes_added_and_mostly_removed():
    rnd = random.Random(7)
    trie = PrefixTrie(32)
    values = rnd.sample(range(1 << 24), 12000)

    def check(kept):
        in_use = set(kept)
        for probe in rnd.sample(range(1 << 24), 100) + kept[:20]:
            assert trie.contains(24, probe) == (probe in in_use)
            if probe not in in_use:
                bits = trie.bits_to_tell_apart(24, probe)
                assert not any(_shares(p, probe, 24, bits) for p in kept)

    for v in values:
        trie.add(24, v)
    check(values)
    for v in values[:9000]:
        trie.remove(24, v)
    check(values[9000:])
