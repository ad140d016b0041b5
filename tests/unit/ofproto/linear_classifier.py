"""The obviously correct classifier: a list scanned in full, with the same API and semantics as
pyvswitch.ofproto.classifier.Classifier (see its docstring), against which that one is tested.
Its wildcard mask is every bit, which is always sufficient."""
from pyvswitch.ofproto.classifier import CONJ_ID

_NEVER = float("inf")


class LinearClassifier:
    def __init__(self, prefix_fields=("nw_src", "nw_dst")):
        self._entries = []  # [rule, inserted at, removed at], in insertion order

    def insert(self, rule, version):
        assert not any(e[0] is rule and e[2] == _NEVER for e in self._entries)
        for entry in self._entries:
            if entry[0] is rule and entry[2] == version:
                entry[2] = _NEVER
                return
        self._entries.append([rule, version, _NEVER])

    def remove(self, rule, version):
        next(e for e in self._entries if e[0] is rule and e[2] == _NEVER)[2] = version

    def purge(self, oldest_version):
        self._entries = [e for e in self._entries if e[2] > oldest_version]

    def rules(self, version):
        return [rule for rule, added, removed in self._entries if added <= version < removed]

    def __len__(self):
        return sum(1 for e in self._entries if e[2] == _NEVER)

    def find_exact(self, match, priority, version):
        return next((r for r in self.rules(version) if r.match == match and r.priority == priority),
                    None)

    def lookup(self, key, version):
        return self._search(key, version, True), -1

    def _search(self, key, version, with_conjunctions):
        matching = [r for r in self.rules(version) if r.match.matches(key)]
        hard = max((r for r in matching if not r.conjunctions), key=lambda r: r.priority,
                   default=None)  # max() keeps the first of equal priorities
        hard_priority = hard.priority if hard else float("-inf")
        soft = [r for r in matching if r.conjunctions and with_conjunctions]
        for priority in sorted({r.priority for r in soft if r.priority > hard_priority}, reverse=True):
            clauses = {}
            for rule in soft:
                for c in rule.conjunctions if rule.priority == priority else ():
                    clauses.setdefault((c.conj_id, c.n_clauses), set()).add(c.clause)
            for conj_id in sorted({i for (i, n), got in clauses.items() if got >= set(range(n))}):
                found = self._search(CONJ_ID.set(key, conj_id), version, False)
                if found is not None:
                    return found
        return hard
