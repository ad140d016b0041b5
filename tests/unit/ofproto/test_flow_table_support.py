"""Builders shared by the test_flow_table*.py tests (no tests here): flow_mods written the way
ovs-ofctl would send them, and a summary of a table's rules to compare against what stock
ovs-vswitchd's dump-flows showed for the same flow_mods."""
from __future__ import annotations

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.flow_table import OpenFlowTables
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as M

COMMANDS = {"add": M.OFPFC_ADD, "modify": M.OFPFC_MODIFY, "modify_strict": M.OFPFC_MODIFY_STRICT,
            "delete": M.OFPFC_DELETE, "delete_strict": M.OFPFC_DELETE_STRICT}


def match(**fields) -> Match:
    """A match from field=value or field=(value, mask) keywords."""
    built = Match()
    for name, value in fields.items():
        if isinstance(value, tuple):
            built = built.with_field(name, value[0], value[1])
        else:
            built = built.with_field(name, value)
    return built


def ip(**fields) -> Match:
    return match(dl_type=0x0800, **fields)


def flow_mod(command: str = "add", *, actions=(), **fields) -> M.FlowMod:
    return M.FlowMod(version=4, xid=0, command=COMMANDS[command], actions=tuple(actions), **fields)


def add(m: Match = Match(), actions=(A.Output(2),), **fields) -> M.FlowMod:
    return flow_mod("add", match=m, actions=actions, **fields)


def modify(m: Match = Match(), actions=(), strict=False, **fields) -> M.FlowMod:
    return flow_mod("modify_strict" if strict else "modify", match=m, actions=actions, **fields)


def delete(m: Match = Match(), strict=False, table_id=M.OFPTT_ALL, **fields) -> M.FlowMod:
    return flow_mod("delete_strict" if strict else "delete", match=m, table_id=table_id, **fields)


def new_tables(classifier=None) -> OpenFlowTables:
    """Tables over the real classifier, or over `classifier` (a class taking prefix_fields)."""
    if classifier is None:
        return OpenFlowTables()
    return OpenFlowTables(lambda prefixes: classifier(prefix_fields=prefixes))


def ok(tables: OpenFlowTables, *flow_mods: M.FlowMod, now: float = 0.0, **options):
    """Apply `flow_mods`, which must succeed, and return the result."""
    result = tables.apply(flow_mods, now, **options)
    assert result.errors == (), result.errors
    return result


def summary(rule) -> tuple:
    """What dump-flows --no-stats shows of a rule, as a comparable tuple."""
    return (rule.table_id, rule.priority, rule.match, rule.actions, rule.cookie,
            rule.idle_timeout, rule.hard_timeout, rule.importance, rule.flags)


def flows(tables: OpenFlowTables, **filters) -> list[tuple]:
    """The summaries of the rules `tables.dump(**filters)` gives, by table, priority, match."""
    return sorted(map(summary, tables.dump(**filters)),
                  key=lambda s: (s[0], s[1], s[2].mask, s[2].value, repr(s[3:])))


def only_rule(tables: OpenFlowTables, **filters):
    rules = list(tables.dump(**filters))
    assert len(rules) == 1, rules
    return rules[0]
