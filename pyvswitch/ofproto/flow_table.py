"""The OpenFlow tables of one bridge: rules, flow_mod semantics, counters, timeouts, eviction.

What it owns: 255 tables (0-254), each a classifier of `Rule`s (pyvswitch.ofproto.flow_rule)
plus its `TableConfig` and counters, and a version number.  Packets look rules up at
`version`; `apply` turns a list of FlowMod messages into one new version.  Every rule change
goes through a `_Batch`: the flow_mods are planned against the current rules plus the
batch's own earlier changes (so a bundle may add a flow and modify it), nothing touches a
classifier until the whole list has been planned, and then every removal and insertion is
made at `version + 1` and the version moves.  Packets therefore see all of a batch or none
of it, and a lookup at the version before still sees the rules as they were (the classifiers
forget removed rules one commit later, or at `forget_old_versions`).  With `atomic`
(bundles, and the default), the first failing flow_mod discards the batch and its error is
the result; without it (plain flow_mods, each judged on its own as Open vSwitch does),
failures are reported with their index and the rest still commit together.  A flow_mod that
fails changes nothing, because each one checks everything before it changes anything.

Semantics, as stock ovs-vswitchd 3.1 shows them (tests/unit/ofproto/test_flow_table*.py):
  * ADD puts a rule in the table (table 0xff means table 0), replacing one with the same
    match and priority: the new rule has the flow_mod's cookie, timeouts, importance and
    flags and a new creation time, keeps the old rule's last-used time, and keeps its
    counters unless the flow_mod has reset_counts.  check_overlap refuses (OFPFMFC_OVERLAP)
    a new rule that some other rule of the same priority in the table could match a packet
    with; a rule replacing an identical one is not checked.  A table already at its flow_limit refuses a new rule (OFPFMFC_TABLE_FULL) or,
    with eviction on, evicts as table_config says; replacing never needs room.
  * MODIFY changes every rule the match covers (MODIFY_STRICT: the rule with this match and
    priority), in one table or all (0xff), whose cookie agrees with cookie/cookie_mask: the
    actions are replaced; timeouts, importance, flags and creation time stay; the
    modification time (where the hard timeout counts from) becomes now; counters stay
    unless reset_counts; the cookie becomes `new_cookie` when the flow_mod sets one.  When
    no rule is selected, a flow_mod with a `new_cookie` and no cookie_mask adds the flow
    (that is OpenFlow 1.0 and NXM, where the cookie field is the new cookie; the codec
    leaves `new_cookie` None for 1.2+, whose modify never adds).
  * DELETE removes every rule the match covers (DELETE_STRICT: match and priority) that
    passes the cookie, out_port and out_group filters (an output, enqueue or controller
    action to the port, or a group action, anywhere in the actions, nested ones included).
    Removed rules come back in the result with reason OFPRR_DELETE.
  * A rule going away (deleted, replaced, expired, evicted) that has a
    learn(..., delete_learned) takes with it, once no remaining rule has such a learn for
    the same table and cookie, every rule of that table with that cookie.
  * Table 254 is Open vSwitch's hidden internal table: flow_mods naming it fail with
    OFPBRC_EPERM, and "all tables" (0xff) in a modify, delete or dump leaves it out; only
    the switch itself (`internal=True`) puts rules there.
  * goto_table must name a later table, up to 255 as Open vSwitch allows
    (OFPBIC_BAD_TABLE_ID); the owner checks what only it knows (groups, meters, ports)
    through `check_actions`.

Counters: `account` adds a packet batch to a rule (Open vSwitch counts even with
no_packet_counts/no_byte_counts, which are only echoed back) and moves its last-used time;
`count_lookup` feeds the per-table lookup/matched counters of table stats.  Timeouts:
`expire(now)` removes what flow_timeouts says has expired, `next_expiry()` says when to call
it next, `reduce_timeouts` is the fin_timeout action's effect.  The caller holds the bridge
lock around every method; nothing here reads a clock or starts a thread.  `apply_in_steps`
lets a big batch (a bundle of 100,000 flows takes seconds) be applied a slice at a time, the
lock dropped between slices, while packets go on at the old version.
"""
from __future__ import annotations

import dataclasses
import gc
from typing import Callable, Generator, Iterable, Iterator, Optional

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.classifier import Classifier
from pyvswitch.ofproto.flow_rule import Rule, selected_by
from pyvswitch.ofproto.flow_timeouts import ExpiryQueue, reduced_timeout
from pyvswitch.ofproto.match import CATCH_ALL, Match
from pyvswitch.ofproto.protocol import errors as E
from pyvswitch.ofproto.protocol import messages as M
from pyvswitch.ofproto.protocol.versions import OFP10, OFP11
from pyvswitch.ofproto.table_config import TableConfig, choose_victim

N_TABLES = 255
HIDDEN_TABLE_ID = 254
#: Batches of at least this many flow_mods run with the garbage collector paused (`apply`).
GC_PAUSE_BATCH = 1000


def _named_error(name: str, error_type: int, code: int, since: int = OFP10) -> E.ErrorCode:
    """The ErrorCode protocol/errors.py declares as `name`.  Workaround until errors.py
    declares every error used here (OFPBIC_BAD_TABLE_ID is missing): fall back to one
    numbering, (error_type, code) from OpenFlow version `since` on."""
    for value in vars(E).values():
        if isinstance(value, E.ErrorCode) and value.name == name:
            return value
    return E.ErrorCode(name, error_type, code, since)


BAD_TABLE_ID = _named_error("OFPBRC_BAD_TABLE_ID", 1, 9, OFP11)
EPERM = _named_error("OFPBRC_EPERM", 1, 5)
TABLE_FULL = _named_error("OFPFMFC_TABLE_FULL", 5, 1, OFP11)
OVERLAP = _named_error("OFPFMFC_OVERLAP", 5, 3, OFP11)
BAD_COMMAND = _named_error("OFPFMFC_BAD_COMMAND", 5, 6, OFP11)
BAD_GOTO_TABLE = _named_error("OFPBIC_BAD_TABLE_ID", 3, 2, OFP11)


def _goto_error(table_id: int, actions: tuple) -> Optional[E.ErrorCode]:
    for action in actions:
        if type(action) is A.GotoTable and not table_id < action.table_id <= N_TABLES:
            return BAD_GOTO_TABLE
    return None


@dataclasses.dataclass
class ApplyResult:
    """What `apply` did.  `errors` pairs a flow_mod's index with its error (at most one, and
    nothing applied, in atomic mode).  `removed` holds every rule the batch took out
    (OFPRR_DELETE or OFPRR_EVICTION), in the order they went."""
    version: int
    errors: tuple[tuple[int, E.ErrorCode], ...] = ()
    removed: tuple[tuple[Rule, int], ...] = ()
    changed_tables: frozenset[int] = frozenset()

    @property
    def error(self) -> Optional[E.ErrorCode]:
        return self.errors[0][1] if self.errors else None

    @property
    def failed_index(self) -> Optional[int]:
        return self.errors[0][0] if self.errors else None

    def flow_removed(self) -> list[tuple[Rule, int]]:
        """The removals to announce with FLOW_REMOVED: those of rules with send_flow_rem."""
        return [(rule, reason) for rule, reason in self.removed if rule.send_flow_rem]


class OpenFlowTable:
    """One table: its classifier (made when first needed: most of the 255 tables of most
    bridges stay empty), config and counters."""

    __slots__ = ("table_id", "config", "n_rules", "lookup_count", "matched_count",
                 "_classifier", "_new_classifier")

    def __init__(self, table_id: int, new_classifier, config: TableConfig):
        self.table_id = table_id
        self.config = config
        self.n_rules = 0
        self.lookup_count = 0
        self.matched_count = 0
        self._classifier = None
        self._new_classifier = new_classifier

    @property
    def classifier(self):
        classifier = self._classifier
        if classifier is None:
            classifier = self._classifier = self._new_classifier(self.config.prefixes)
        return classifier

    @property
    def active_count(self) -> int:
        return self.n_rules

    def configure(self, config: TableConfig) -> None:
        if config.prefixes != self.config.prefixes and self._classifier is not None:
            self._classifier.set_prefix_fields(config.prefixes)
        self.config = config

    # The two below serve the current version only: they skip a table with no rules in it.
    def rules(self, version: int) -> Iterable[Rule]:
        return self.classifier.rules(version) if self.n_rules else ()

    def find_exact(self, match: Match, priority: int, version: int) -> Optional[Rule]:
        return self.classifier.find_exact(match, priority, version) if self.n_rules else None


def _rule_key(match: Match, priority: int) -> tuple[int, int, int]:
    return (match.value, match.mask, priority)


class _Batch:
    """The changes a list of flow_mods makes, planned over the tables at their current
    version; see the module docstring."""

    def __init__(self, tables: list[OpenFlowTable], version: int):
        self.tables = tables
        self.version = version
        self.added: dict[int, dict[tuple[int, int, int], Rule]] = {}
        self.dropped: dict[int, Rule] = {}            # id(rule) -> committed rule
        self.delta: dict[int, int] = {}
        self.removed: list[tuple[Rule, int]] = []
        # (new rule, the rule it replaces, whether it keeps its counters), in planning order:
        # counters and last use pass on when the batch is published, so that packets
        # counted while a stepwise batch is committed are not lost.
        self.inherits: list[tuple[Rule, Rule, bool]] = []

    def find_exact(self, table_id: int, match: Match, priority: int) -> Optional[Rule]:
        pending = self.added.get(table_id)
        if pending:
            rule = pending.get(_rule_key(match, priority))
            if rule is not None:
                return rule
        rule = self.tables[table_id].find_exact(match, priority, self.version)
        if rule is not None and id(rule) not in self.dropped:
            return rule
        return None

    def rules(self, table_id: int) -> Iterator[Rule]:
        dropped = self.dropped
        for rule in self.tables[table_id].rules(self.version):
            if not dropped or id(rule) not in dropped:
                yield rule
        pending = self.added.get(table_id)
        if pending:
            yield from list(pending.values())

    def count(self, table_id: int) -> int:
        return self.tables[table_id].n_rules + self.delta.get(table_id, 0)

    def add(self, rule: Rule) -> None:
        table_id = rule.table_id
        self.added.setdefault(table_id, {})[_rule_key(rule.match, rule.priority)] = rule
        self.delta[table_id] = self.delta.get(table_id, 0) + 1

    def drop(self, rule: Rule, reason: Optional[int] = None) -> None:
        table_id = rule.table_id
        pending = self.added.get(table_id)
        key = _rule_key(rule.match, rule.priority)
        if pending and pending.get(key) is rule:
            del pending[key]
        else:
            self.dropped[id(rule)] = rule
        self.delta[table_id] = self.delta.get(table_id, 0) - 1
        if reason is not None:
            self.removed.append((rule, reason))

    def replace(self, old: Rule, new: Rule, keep_counts: bool) -> None:
        self.drop(old)
        self.add(new)
        self.inherits.append((new, old, keep_counts))

    def select(self, match: Optional[Match], priority: int, strict: bool, table_ids,
               cookie: int, cookie_mask: int, out_port: int = A.OFPP_NONE,
               out_group: int = A.OFPG_ANY) -> list[Rule]:
        """The rules a modify, delete or flow stats request addresses, in table order: those
        `match` covers (with `strict`: the one with exactly `match` and `priority`) that pass
        the cookie, out_port and out_group filters."""
        query = match if match is not None else CATCH_ALL
        chosen = []
        for table_id in table_ids:
            if strict:
                rule = self.find_exact(table_id, query, priority)
                candidates = (rule,) if rule is not None else ()
            elif query.mask:
                candidates = (rule for rule in self.rules(table_id) if query.covers(rule.match))
            else:
                candidates = self.rules(table_id)
            chosen.extend(rule for rule in candidates
                          if selected_by(rule, cookie, cookie_mask, out_port, out_group))
        return chosen

    def changed_tables(self) -> frozenset[int]:
        return frozenset({rule.table_id for rule in self.dropped.values()}
                         | {table_id for table_id, pending in self.added.items() if pending})


def _learn_keys(actions) -> set[tuple[int, int]]:
    """(table, cookie) of every learn action with delete_learned in `actions`, nested too."""
    keys = set()
    for action in actions:
        if type(action) is A.Learn:
            if action.flags & A.LEARN_DELETE_LEARNED:
                keys.add((action.table_id, action.cookie))
        else:
            nested = getattr(action, "actions", None)
            if nested:
                keys |= _learn_keys(nested)
    return keys


def _delete_learned(batch: _Batch) -> None:
    """learn(..., delete_learned): once no rule with such a learn for a (table, cookie) is
    left, the rules in that table with that cookie go too (what the learns made), as Open
    vSwitch does; those may hold such learns in turn."""
    examined: set[int] = set()
    while True:
        keys = set()
        for key, rule in list(batch.dropped.items()):
            if key not in examined:
                examined.add(key)
                keys |= _learn_keys(rule.actions)
        for pending in batch.added.values():
            for rule in pending.values():
                keys -= _learn_keys(rule.actions)
        if keys:
            for table in batch.tables:
                if not keys:
                    break
                for rule in batch.rules(table.table_id):
                    keys -= _learn_keys(rule.actions)
        if not keys:
            return
        for table_id, cookie in keys:
            for rule in list(batch.rules(table_id)):
                if rule.cookie == cookie:
                    batch.drop(rule, M.OFPRR_DELETE)


class OpenFlowTables:
    """Tables 0-254 of one bridge; see the module docstring."""

    def __init__(self, new_classifier: Callable[[tuple[str, ...]], object] = Classifier):
        """`new_classifier(prefix_fields)` makes a table's classifier."""
        config = TableConfig()
        self.tables = [OpenFlowTable(table_id, new_classifier, config)
                       for table_id in range(N_TABLES)]
        self.version = 0
        self._expiry = ExpiryQueue(lambda rule: rule.live)
        self._unpurged: set[int] = set()     # tables with rules removed at `version`
        self._in_progress = False            # an apply_in_steps has not returned yet

    @property
    def busy(self) -> bool:
        """An apply_in_steps is under way: nothing else may change the tables."""
        return self._in_progress

    # ---- flow_mods ----------------------------------------------------------------------

    def apply(self, flow_mods: Iterable[M.FlowMod], now: float, *, atomic: bool = True,
              internal: bool = False,
              check_actions: Optional[Callable[[int, tuple], Optional[E.ErrorCode]]] = None,
              ) -> ApplyResult:
        """Apply `flow_mods` as one new version (see the module docstring).  `internal`
        lets the switch itself write the hidden table; `check_actions(table_id, actions)`
        returns the error for actions the owner cannot carry out (unknown group, meter...).

        A big batch runs with Python's cyclic garbage collector paused: it makes only acyclic
        objects, and collections triggered by its own allocations took 60% of the time of a
        100,000-flow batch."""
        flow_mods = flow_mods if isinstance(flow_mods, (list, tuple)) else list(flow_mods)
        pause_gc = len(flow_mods) >= GC_PAUSE_BATCH and gc.isenabled()
        if pause_gc:
            gc.disable()
        try:
            steps = self.apply_in_steps(flow_mods, now, step=None, atomic=atomic,
                                        internal=internal, check_actions=check_actions)
            while True:
                next(steps)
        except StopIteration as done:
            return done.value
        finally:
            if pause_gc:
                gc.enable()

    def apply_in_steps(self, flow_mods: Iterable[M.FlowMod], now: float, *,
                       step: Optional[int] = 1000, atomic: bool = True,
                       internal: bool = False,
                       check_actions=None) -> Generator[None, None, ApplyResult]:
        """`apply`, as a generator that pauses after every `step` flow_mods planned and every
        `step` rules inserted or removed (None: never), and returns the ApplyResult
        (StopIteration.value).
        Until it returns, nothing is visible: packets keep looking up and counting at the
        old version between steps, so the caller can drop the bridge lock between them.  It
        must not change the tables any other way meanwhile: `apply`, `apply_in_steps` and
        `configure_table` raise RuntimeError, and `expire` waits (returns nothing)."""
        if self._in_progress:
            raise RuntimeError("a stepwise apply is in progress")
        self._in_progress = True
        try:
            batch = _Batch(self.tables, self.version)
            errors = []
            for index, flow_mod in enumerate(flow_mods, 1):
                error = self._plan(batch, flow_mod, now, internal, check_actions)
                if error is not None:
                    errors.append((index - 1, error))
                    if atomic:
                        return ApplyResult(self.version, tuple(errors))
                if step and index % step == 0:
                    yield
            yield from self._commit_steps(batch, step)
            return ApplyResult(self.version, tuple(errors), tuple(batch.removed),
                               batch.changed_tables())
        finally:
            self._in_progress = False

    def _plan(self, batch: _Batch, fm: M.FlowMod, now: float, internal: bool,
              check_actions) -> Optional[E.ErrorCode]:
        command = fm.command
        if command == M.OFPFC_ADD:
            table_id = 0 if fm.table_id == M.OFPTT_ALL else fm.table_id
            error = (self._table_error(table_id, internal)
                     or self._actions_error(table_id, fm.actions, check_actions))
            if error is not None:
                return error
            cookie = fm.new_cookie if fm.new_cookie is not None else fm.cookie
            return self._plan_add(batch, fm, table_id, cookie, now)
        if command in (M.OFPFC_MODIFY, M.OFPFC_MODIFY_STRICT):
            return self._plan_modify(batch, fm, now, internal, check_actions)
        if command in (M.OFPFC_DELETE, M.OFPFC_DELETE_STRICT):
            return self._plan_delete(batch, fm, internal)
        return BAD_COMMAND

    @staticmethod
    def _table_error(table_id: int, internal: bool) -> Optional[E.ErrorCode]:
        if not 0 <= table_id < N_TABLES:
            return BAD_TABLE_ID
        if table_id == HIDDEN_TABLE_ID and not internal:
            return EPERM
        return None

    @staticmethod
    def _table_ids(table_id: int) -> range | tuple[int]:
        """The tables a modify, delete or dump addresses (0xff: every visible one)."""
        return range(HIDDEN_TABLE_ID) if table_id == M.OFPTT_ALL else (table_id,)

    @staticmethod
    def _actions_error(table_id: int, actions: tuple, check_actions) -> Optional[E.ErrorCode]:
        error = _goto_error(table_id, actions)
        if error is None and check_actions is not None:
            error = check_actions(table_id, actions)
        return error

    def _plan_add(self, batch: _Batch, fm: M.FlowMod, table_id: int, cookie: int,
                  now: float) -> Optional[E.ErrorCode]:
        match = fm.match if fm.match is not None else CATCH_ALL
        old = batch.find_exact(table_id, match, fm.priority)
        # As in Open vSwitch, a flow that replaces an identical one is not checked.
        if old is None and fm.flags & M.OFPFF_CHECK_OVERLAP and self._overlaps(
                batch, table_id, match, fm.priority, old):
            return OVERLAP
        victims = []
        if old is None:
            victims = self._room_for_one(batch, table_id)
            if victims is None:
                return TABLE_FULL
        rule = Rule(match, fm.priority, fm.actions, cookie=cookie, table_id=table_id,
                    idle_timeout=fm.idle_timeout, hard_timeout=fm.hard_timeout,
                    importance=fm.importance, flags=fm.flags, now=now)
        for victim in victims:
            batch.drop(victim, M.OFPRR_EVICTION)
        if old is None:
            batch.add(rule)
        else:
            batch.replace(old, rule, keep_counts=not fm.flags & M.OFPFF_RESET_COUNTS)
        return None

    def _room_for_one(self, batch: _Batch, table_id: int) -> Optional[list[Rule]]:
        """The rules to evict so that table `table_id` can take one more (none when it has
        room), or None when it is full and cannot evict enough."""
        config = self.tables[table_id].config
        victims: list[Rule] = []
        while config.is_full(batch.count(table_id) - len(victims)):
            victim = config.eviction and choose_victim(
                config, (rule for rule in batch.rules(table_id) if rule not in victims))
            if not victim:
                return None
            victims.append(victim)
        return victims

    @staticmethod
    def _overlaps(batch: _Batch, table_id: int, match: Match, priority: int,
                  identical: Optional[Rule]) -> bool:
        value, mask = match.value, match.mask
        for rule in batch.rules(table_id):
            if rule.priority == priority and rule is not identical:
                other = rule.match
                if not (value ^ other.value) & mask & other.mask:
                    return True
        return False

    def _plan_modify(self, batch: _Batch, fm: M.FlowMod, now: float, internal: bool,
                     check_actions) -> Optional[E.ErrorCode]:
        table_id = fm.table_id
        if table_id != M.OFPTT_ALL:
            error = self._table_error(table_id, internal)
            if error is not None:
                return error
        rules = batch.select(fm.match, fm.priority, fm.command == M.OFPFC_MODIFY_STRICT,
                             self._table_ids(table_id), fm.cookie, fm.cookie_mask)
        if not rules:
            if fm.new_cookie is None or fm.cookie_mask:
                return None
            add_table = 0 if table_id == M.OFPTT_ALL else table_id
            error = self._actions_error(add_table, fm.actions, check_actions)
            return error or self._plan_add(batch, fm, add_table, fm.new_cookie, now)
        for table_id in {rule.table_id for rule in rules}:
            error = self._actions_error(table_id, fm.actions, check_actions)
            if error is not None:
                return error
        keep_counts = not fm.flags & M.OFPFF_RESET_COUNTS
        for old in rules:
            new = Rule(old.match, old.priority, fm.actions,
                       cookie=old.cookie if fm.new_cookie is None else fm.new_cookie,
                       table_id=old.table_id, idle_timeout=old.idle_timeout,
                       hard_timeout=old.hard_timeout, importance=old.importance,
                       flags=old.flags, now=now)
            new.created = old.created
            batch.replace(old, new, keep_counts)
        return None

    def _plan_delete(self, batch: _Batch, fm: M.FlowMod, internal: bool) -> Optional[E.ErrorCode]:
        if fm.table_id != M.OFPTT_ALL:
            error = self._table_error(fm.table_id, internal)
            if error is not None:
                return error
        rules = batch.select(fm.match, fm.priority, fm.command == M.OFPFC_DELETE_STRICT,
                             self._table_ids(fm.table_id), fm.cookie, fm.cookie_mask,
                             fm.out_port, fm.out_group)
        for rule in rules:
            batch.drop(rule, M.OFPRR_DELETE)
        return None

    def _commit(self, batch: _Batch) -> None:
        for _ in self._commit_steps(batch, None):
            pass

    def _commit_steps(self, batch: _Batch, step: Optional[int]) -> Iterator[None]:
        """Make `batch`'s removals and insertions at the next version, pausing after every
        `step` of them (None: never), then publish it."""
        _delete_learned(batch)
        version = self.version + 1
        tables = self.tables
        expiry = self._expiry
        done = 0
        for rule in batch.dropped.values():
            tables[rule.table_id].classifier.remove(rule, version)
            done += 1
            if step and done % step == 0:
                yield
        for table_id, pending in batch.added.items():
            classifier = tables[table_id].classifier
            for rule in pending.values():
                classifier.insert(rule, version)
                done += 1
                if step and done % step == 0:
                    yield
        for rule in batch.dropped.values():
            rule.live = False
            if rule.idle_timeout or rule.hard_timeout:
                expiry.forget()
        for new, old, keep_counts in batch.inherits:
            new.used = old.used
            if keep_counts:
                new.n_packets, new.n_bytes = old.n_packets, old.n_bytes
        for pending in batch.added.values():
            for rule in pending.values():
                rule.live = True
                if rule.idle_timeout or rule.hard_timeout:
                    expiry.push(rule)
        for table_id, delta in batch.delta.items():
            tables[table_id].n_rules += delta
        self.version = version
        for table_id in self._unpurged:
            tables[table_id].classifier.purge(version - 1)
        self._unpurged = {rule.table_id for rule in batch.dropped.values()}

    def forget_old_versions(self) -> None:
        """Free the rules only lookups at versions before the current one can still see (each
        commit keeps the previous version whole, for lookups that began before it)."""
        for table_id in self._unpurged:
            self.tables[table_id].classifier.purge(self.version)
        self._unpurged = set()

    # ---- packets and stats --------------------------------------------------------------

    def lookup(self, table_id: int, key: int, version: Optional[int] = None):
        """(rule or None, wildcards) of table `table_id` for flow key `key`."""
        return self.tables[table_id].classifier.lookup(
            key, self.version if version is None else version)

    def count_lookup(self, table_id: int, matched: bool, n: int = 1) -> None:
        table = self.tables[table_id]
        table.lookup_count += n
        if matched:
            table.matched_count += n

    @staticmethod
    def account(rule: Rule, n_packets: int, n_bytes: int, now: float) -> None:
        rule.n_packets += n_packets
        rule.n_bytes += n_bytes
        if now > rule.used:
            rule.used = now

    def dump(self, match: Optional[Match] = None, table_id: int = M.OFPTT_ALL,
             out_port: int = A.OFPP_NONE, out_group: int = A.OFPG_ANY, cookie: int = 0,
             cookie_mask: int = 0, strict: bool = False,
             priority: int = M.OFP_DEFAULT_PRIORITY) -> Iterator[Rule]:
        """The rules a flow stats or aggregate request selects (see `_Batch.select`), chosen
        when called, so that they are one version's even if the tables change while the
        caller streams them out (Open vSwitch collects the rules first too); their counters
        are read as the caller goes."""
        return iter(_Batch(self.tables, self.version).select(
            match, priority, strict, self._table_ids(table_id), cookie, cookie_mask, out_port,
            out_group))

    def n_rules(self, table_id: int = M.OFPTT_ALL) -> int:
        return sum(self.tables[tid].n_rules for tid in self._table_ids(table_id))

    # ---- timeouts -----------------------------------------------------------------------

    def next_expiry(self) -> Optional[float]:
        """When `expire` may next have work (possibly early), None if no rule has a timeout."""
        return self._expiry.next_deadline()

    def expire(self, now: float) -> list[tuple[Rule, int]]:
        """Remove every rule expired at `now` (one new version), with OFPRR_IDLE_TIMEOUT or
        OFPRR_HARD_TIMEOUT."""
        if self._in_progress:
            return []
        expired = self._expiry.pop_expired(now)
        if expired:
            batch = _Batch(self.tables, self.version)
            for rule, reason in expired:
                batch.drop(rule, reason)
            self._commit(batch)
        return expired

    def refresh_learned(self, fm: M.FlowMod, now: float) -> bool:
        """A learn action's ADD that would replace an identical rule (same match, priority,
        actions, cookie, timeouts and flags): the rule's hard timeout restarts, as if it had
        been replaced, without a new version, so cached flows stay valid.  False when there
        is no such rule (the caller then applies the flow_mod)."""
        if self._in_progress or fm.command != M.OFPFC_ADD:
            return False
        table_id = 0 if fm.table_id == M.OFPTT_ALL else fm.table_id
        if not 0 <= table_id < N_TABLES:
            return False
        rule = self.tables[table_id].find_exact(fm.match if fm.match is not None else CATCH_ALL,
                                                fm.priority, self.version)
        cookie = fm.new_cookie if fm.new_cookie is not None else fm.cookie
        if rule is None or (rule.actions, rule.cookie, rule.idle_timeout, rule.hard_timeout,
                            rule.importance, rule.flags) != (
                                fm.actions, cookie, fm.idle_timeout, fm.hard_timeout,
                                fm.importance, fm.flags):
            return False
        rule.modified = now
        if rule.hard_timeout:
            self._expiry.requeue(rule)
        return True

    def reduce_timeouts(self, rule: Rule, idle_timeout: int, hard_timeout: int) -> None:
        """fin_timeout's effect on `rule` (see flow_timeouts)."""
        idle = reduced_timeout(rule.idle_timeout, idle_timeout)
        hard = reduced_timeout(rule.hard_timeout, hard_timeout)
        if (idle, hard) != (rule.idle_timeout, rule.hard_timeout):
            rule.idle_timeout, rule.hard_timeout = idle, hard
            if rule.live:
                self._expiry.requeue(rule)

    # ---- table configuration ------------------------------------------------------------

    def configure_table(self, table_id: int, config: TableConfig,
                        now: float) -> list[tuple[Rule, int]]:
        """Give table `table_id` `config`; when that leaves it over its flow_limit with
        eviction on, evict down to the limit (one new version) and return those rules."""
        if self._in_progress:
            raise RuntimeError("a stepwise apply is in progress")
        table = self.tables[table_id]
        table.configure(config)
        if not (config.eviction and config.flow_limit is not None
                and table.n_rules > config.flow_limit):
            return []
        batch = _Batch(self.tables, self.version)
        while batch.count(table_id) > config.flow_limit:
            victim = choose_victim(config, batch.rules(table_id))
            if victim is None:
                break
            batch.drop(victim, M.OFPRR_EVICTION)
        self._commit(batch)
        return batch.removed
