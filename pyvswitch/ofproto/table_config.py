"""Per-table configuration of an OpenFlow switch: what the `Flow_Table` OVSDB rows, OpenFlow
table_mod and ovs-ofctl mod-table can set, and how a full table picks a flow to evict.

`TableConfig` is one table's settings, frozen; the owner of the tables replaces it whole.
Two sources set the same things, and Open vSwitch ranks them:
  * the `Flow_Table` row (ovs-vswitchd.conf.db(5)): `name`, `flow_limit`, `overflow_policy`
    ("refuse", the default, or "evict"), `groups` (eviction groups) and `prefixes`;
  * table_mod (ovs-ofctl(8) mod-table): the table-miss behaviour (OpenFlow 1.1 and 1.2 only:
    "drop", "continue", "controller"; "default" leaves it to the OpenFlow version of the
    controllers, see `MISS_*`), a name (1.3+; ignored while the row sets one) and eviction
    on or off (1.4+, "evict"/"noevict"; either source turns eviction on).

Eviction (ovs-vswitchd.conf.db(5), Flow_Table): only flows with an idle or hard timeout may be
evicted.  They are divided into groups by the values their matches give the `groups`
subfields (an unmatched bit counts as 0; no groups means one group); among the flows of the
largest groups, the lowest importance goes first, then the flow that expires soonest.
`choose_victim` implements that choice over any iterable of rules.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable, Optional

from pyvswitch import fields as F

#: Table-miss settings.  "default" is Open vSwitch's OFPUTIL_TABLE_MISS_DEFAULT: a miss sends
#: the packet to the controller if some controller speaks OpenFlow 1.0-1.2 (where that is the
#: rule) and drops it otherwise (OpenFlow 1.3+).
MISS_DEFAULT = "default"
MISS_CONTROLLER = "controller"
MISS_CONTINUE = "continue"
MISS_DROP = "drop"
MISS_SETTINGS = (MISS_DEFAULT, MISS_CONTROLLER, MISS_CONTINUE, MISS_DROP)

OVERFLOW_REFUSE = "refuse"
OVERFLOW_EVICT = "evict"

#: What table stats report as max_entries for a table without a flow_limit (as Open vSwitch).
DEFAULT_MAX_ENTRIES = 1_000_000

#: Fields the classifier can track prefixes of (ovs-vswitchd.conf.db(5) `prefixes`), by the
#: names the column accepts; at most MAX_PREFIXES per table.
PREFIX_FIELD_NAMES = {
    "tun_id": "tun_id", "tun_src": "tun_src", "tun_dst": "tun_dst",
    "tun_ipv6_src": "tun_ipv6_src", "tun_ipv6_dst": "tun_ipv6_dst",
    "nw_src": "nw_src", "nw_dst": "nw_dst", "ip_src": "nw_src", "ip_dst": "nw_dst",
    "ipv6_src": "ipv6_src", "ipv6_dst": "ipv6_dst",
}
MAX_PREFIXES = 3
DEFAULT_PREFIXES = ("nw_dst", "nw_src")


@dataclasses.dataclass(frozen=True)
class GroupField:
    """Bits [ofs, ofs + n_bits) of a field, one part of an eviction group key."""
    field: str
    ofs: int
    n_bits: int

    def value_in(self, match) -> int:
        value, _mask = match.get(self.field)
        return (value >> self.ofs) & ((1 << self.n_bits) - 1)


_SUBFIELD = re.compile(r"^([A-Za-z0-9_]+)\[(?:(\d+)(?:\.\.(\d+))?)?\]$")


def _registry_field(name: str) -> Optional[F.Field]:
    """The registry field `name` denotes: canonical names, aliases and NXM/OXM names
    (NXM_OF_IN_PORT, OXM_OF_ETH_SRC)."""
    try:
        return F.field(name)
    except KeyError:
        pass
    upper = name.upper()
    for candidate in F.FIELDS.values():
        if upper in (getattr(candidate, "nxm_name", None), getattr(candidate, "oxm_name", None)):
            return candidate
    return None


def parse_group_field(text: str) -> Optional[GroupField]:
    """One `groups` entry ("NXM_OF_IN_PORT[]", "reg0[8..15]", "tun_id[3]"), or None when it is
    invalid (Open vSwitch ignores those)."""
    parsed = _SUBFIELD.match(text.strip())
    if not parsed:
        return None
    field = _registry_field(parsed.group(1))
    if field is None:
        return None
    if parsed.group(2) is None:
        return GroupField(field.name, 0, field.width)
    start = int(parsed.group(2))
    end = int(parsed.group(3)) if parsed.group(3) is not None else start
    if start > end or end >= field.width:
        return None
    return GroupField(field.name, start, end - start + 1)


def parse_prefixes(entries: Iterable[str]) -> tuple[str, ...]:
    """The prefix fields a `prefixes` column value names: "none" means none; unknown names,
    repeats and entries beyond MAX_PREFIXES are ignored, as Open vSwitch does (it logs them)."""
    chosen: list[str] = []
    for entry in entries:
        if entry == "none":
            return ()
        name = PREFIX_FIELD_NAMES.get(entry)
        if name is not None and name not in chosen and len(chosen) < MAX_PREFIXES:
            chosen.append(name)
    return tuple(chosen)


@dataclasses.dataclass(frozen=True)
class TableConfig:
    """One table's settings; see the module docstring for what sets each."""
    db_name: Optional[str] = None            # Flow_Table:name
    mod_name: Optional[str] = None           # table_mod name (OpenFlow 1.3+)
    flow_limit: Optional[int] = None         # Flow_Table:flow_limit; None = no limit
    overflow_policy: str = OVERFLOW_REFUSE
    groups: tuple[GroupField, ...] = ()
    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    miss: str = MISS_DEFAULT
    mod_eviction: bool = False               # eviction turned on by an OpenFlow 1.4+ table_mod

    @classmethod
    def from_flow_table_row(cls, base: "TableConfig", *, name=None, flow_limit=None,
                            overflow_policy=None, groups=(), prefixes=None) -> "TableConfig":
        """`base` with the columns of a Flow_Table row (each an OVSDB optional: None when
        unset; `prefixes` None means the column is empty, i.e. the default)."""
        return dataclasses.replace(
            base, db_name=name, flow_limit=flow_limit,
            overflow_policy=overflow_policy or OVERFLOW_REFUSE,
            groups=tuple(g for g in map(parse_group_field, groups) if g is not None),
            prefixes=DEFAULT_PREFIXES if not prefixes else parse_prefixes(prefixes))

    @property
    def name(self) -> Optional[str]:
        """The name table stats report: the Flow_Table row's, else the table_mod's."""
        return self.db_name if self.db_name is not None else self.mod_name or None

    @property
    def eviction(self) -> bool:
        return self.overflow_policy == OVERFLOW_EVICT or self.mod_eviction

    @property
    def max_entries(self) -> int:
        return self.flow_limit if self.flow_limit is not None else DEFAULT_MAX_ENTRIES

    def is_full(self, n_rules: int) -> bool:
        return self.flow_limit is not None and n_rules >= self.flow_limit

    def group_key(self, rule) -> tuple[int, ...]:
        return tuple(group.value_in(rule.match) for group in self.groups)


def choose_victim(config: TableConfig, rules: Iterable) -> Optional[object]:
    """The rule to evict from `rules` (one table's, those still present) under `config`, or
    None when none is evictable.  Rules need `.match`, `.importance` and `.expires_at()`
    (None for a permanent rule)."""
    by_group: dict[tuple, list] = {}
    for rule in rules:
        if rule.expires_at() is not None:
            by_group.setdefault(config.group_key(rule), []).append(rule)
    if not by_group:
        return None
    largest = max(len(members) for members in by_group.values())
    candidates = (rule for members in by_group.values() if len(members) == largest
                  for rule in members)
    return min(candidates, key=lambda rule: (rule.importance, rule.expires_at()))
