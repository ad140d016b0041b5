"""One OpenFlow rule, and the filters flow_mods and flow stats requests select rules by.

A `Rule` is what a flow table holds: match, priority, table and actions (with the
conjunction actions the classifier indexes pulled out), cookie, timeouts, importance and
flags, its creation, modification and last-use times (seconds on the caller's clock) and its
packet and byte counters.  Match, priority, table, actions and cookie never change (a modify
replaces the rule); counters, last-used time and, through fin_timeout, timeouts do.
`selected_by` is the cookie/out_port/out_group test of flow_mod and flow stats: an output,
enqueue or controller action to the port, or a group action, anywhere in the actions, nested
ones (clone, write_actions...) included, as Open vSwitch looks for them.
"""
from __future__ import annotations

from typing import Iterable, Optional

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.flow_timeouts import deadline
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as M


class Rule:
    """One OpenFlow rule; see the module docstring."""

    __slots__ = ("match", "priority", "actions", "cookie", "table_id", "idle_timeout",
                 "hard_timeout", "importance", "flags", "created", "modified", "used",
                 "n_packets", "n_bytes", "conjunctions", "live")

    def __init__(self, match: Match, priority: int, actions: tuple = (), *, cookie: int = 0,
                 table_id: int = 0, idle_timeout: int = 0, hard_timeout: int = 0,
                 importance: int = 0, flags: int = 0, now: float = 0.0):
        self.match = match
        self.priority = priority
        self.actions = actions
        self.cookie = cookie
        self.table_id = table_id
        self.idle_timeout = idle_timeout
        self.hard_timeout = hard_timeout
        self.importance = importance
        self.flags = flags
        self.created = self.modified = self.used = now
        self.n_packets = 0
        self.n_bytes = 0
        self.conjunctions = _conjunctions(actions)
        self.live = False           # True while the rule is in its table

    def __repr__(self) -> str:
        return (f"Rule(table={self.table_id}, priority={self.priority}, match={self.match}, "
                f"actions={self.actions}, cookie={self.cookie:#x})")

    @property
    def send_flow_rem(self) -> bool:
        return bool(self.flags & M.OFPFF_SEND_FLOW_REM)

    def expires_at(self) -> Optional[float]:
        return deadline(self)

    def duration(self, now: float) -> float:
        return now - self.created

    def idle_age(self, now: float) -> float:
        return now - self.used

    def hard_age(self, now: float) -> Optional[float]:
        """Seconds since the last modification, None if never modified (ovs-ofctl prints
        hard_age only then)."""
        return now - self.modified if self.modified != self.created else None


def _conjunctions(actions: tuple) -> tuple:
    found = [action for action in actions if type(action) is A.Conjunction]
    return tuple(found) if found else ()


def outputs_to_port(actions: Iterable, port: int) -> bool:
    """True if `actions` (nested lists included) output, enqueue or send to the controller
    through `port`, the out_port filter of flow_mod and flow stats."""
    for action in actions:
        kind = type(action)
        if kind is A.Output or kind is A.Enqueue or kind is A.OutputTrunc:
            if action.port == port:
                return True
        elif kind is A.Controller:
            if port == A.OFPP_CONTROLLER:
                return True
        else:
            nested = getattr(action, "actions", None)
            if nested and outputs_to_port(nested, port):
                return True
    return False


def outputs_to_group(actions: Iterable, group_id: int) -> bool:
    """True if `actions` (nested lists included) hold group `group_id`."""
    for action in actions:
        if type(action) is A.Group:
            if action.group_id == group_id:
                return True
        else:
            nested = getattr(action, "actions", None)
            if nested and outputs_to_group(nested, group_id):
                return True
    return False


def selected_by(rule: Rule, cookie: int, cookie_mask: int, out_port: int, out_group: int) -> bool:
    """True if `rule` passes the cookie/cookie_mask, out_port (OFPP_NONE: any) and out_group
    (OFPG_ANY: any) filters of a flow_mod or flow stats request."""
    if cookie_mask and (rule.cookie ^ cookie) & cookie_mask:
        return False
    if out_port != A.OFPP_NONE and not outputs_to_port(rule.actions, out_port):
        return False
    if out_group != A.OFPG_ANY and not outputs_to_group(rule.actions, out_group):
        return False
    return True
