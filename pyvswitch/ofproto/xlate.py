"""Translation: one flow key through a bridge's OpenFlow table into datapath actions.

In: a `FlowView` over the key (in_port is a datapath port), the bridge's `FlowTable`, a
`BridgeSnapshot` of its ports and options, its `MacTable`, the time and what NORMAL may do to
the MAC table (`normal.Learning`).
Out: `Translation.actions`, a datapath action list (see pyvswitch.datapath.actions; [] drops),
with `view.wc` holding every key bit the result depends on, so the datapath can cache the
result as a megaflow; `Translation.table_changed` when NORMAL changed the MAC table; and
`Translation.learning_pending` when, translating without side effects (Learning.NONE), NORMAL
would have learned from the packet: a packet's translation would differ from this one (it
learns first), so the answer must not be cached beyond this exact key.

The OpenFlow table is an ordered list of (priority, match, actions) rules over key fields
(in_port as the OpenFlow port number); lookup scans in
priority order and un-wildcards each field it compares, up to the first field that differs,
which is exactly what a "does not match" answer depends on.  Until the OpenFlow layer installs
rules, each bridge has the single rule `priority=0 actions=NORMAL`.

OpenFlow actions are tuples:
    ("output", ofport)    ofport may be a reserved port: IN_PORT, NORMAL, FLOOD, ALL, LOCAL
    ("pop_vlan",)   ("set_vlan_vid", vid)   ("set_vlan_pcp", pcp)
(the last two as OpenFlow 1.0 defines them: they add a tag to an untagged packet).
VLAN actions change the packet as the pipeline sees it; the datapath actions that make the
frame match are only emitted ("committed") before an output, as a pop and/or a push.  NORMAL
commits each output port's own tagging and leaves the pipeline's view of the packet as it was.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

from pyvswitch.datapath import actions as dpa
from pyvswitch.fields import VLAN_CFI
from pyvswitch.flow import FlowView
from pyvswitch.ofproto import normal
from pyvswitch.ofproto.mac_learning import MacTable
from pyvswitch.ofproto.normal import Learning
from pyvswitch.ofproto.vlan import VlanPolicy

# OpenFlow reserved port numbers (16-bit OpenFlow 1.0 space, as Open vSwitch numbers them).
OFPP_IN_PORT = 0xFFF8
OFPP_NORMAL = 0xFFFA
OFPP_FLOOD = 0xFFFB
OFPP_ALL = 0xFFFC
OFPP_LOCAL = 0xFFFE
OFPP_NONE = 0xFFFF

_TCI_BITS = 0xEFFF          # a wire TCI without the DEI/CFI bit (which our keys use as "present")


@dataclasses.dataclass(frozen=True)
class Match:
    """A conjunction of (field, value, mask): the field's bits under mask equal value."""
    fields: tuple[tuple[str, int, int], ...] = ()

    def matches(self, view: FlowView) -> bool:
        for name, value, mask in self.fields:
            view.unwildcard(name, mask)
            if view.peek(name) & mask != value:
                return False
        return True


@dataclasses.dataclass(frozen=True)
class Rule:
    priority: int
    match: Match
    actions: tuple[tuple, ...]


class FlowTable:
    """Rules in lookup order: higher priority first, equal priorities in insertion order."""

    def __init__(self, rules: tuple[Rule, ...] = ()):
        self.rules: list[Rule] = sorted(rules, key=lambda r: -r.priority)

    @classmethod
    def normal_only(cls) -> "FlowTable":
        return cls((Rule(0, Match(), (("output", OFPP_NORMAL),)),))

    def lookup(self, view: FlowView) -> Optional[Rule]:
        for rule in self.rules:
            if rule.match.matches(view):
                return rule
        return None


@dataclasses.dataclass(frozen=True)
class BridgeSnapshot:
    """A bridge's ports and options as translation needs them (immutable: replaced on change)."""
    of_to_dp: Mapping[int, int]
    dp_to_of: Mapping[int, int]
    vlans: Mapping[int, VlanPolicy]
    forward_bpdu: bool = False


class Translation:
    """One translation (see the module docstring); `run` fills `actions`.

    The pipeline's idea of the packet's outer tag lives in the view's vlan_tci (VLAN actions
    rewrite it there, so NORMAL and later reads see it); `committed_tci` is the tag of the frame
    as the datapath actions emitted so far leave it (a wire TCI, None when untagged).
    """

    def __init__(self, view: FlowView, bridge: BridgeSnapshot, mac_table: MacTable,
                 now: float, learning: Learning):
        self.view = view
        self.bridge = bridge
        self.mac_table = mac_table
        self.now = now
        self.learning = learning
        self.actions: list = []
        self.table_changed = False
        self.learning_pending = False
        self.in_port: Optional[int] = None
        self.committed_tci = self._pipeline_tci()
        # While no VLAN action has run, the pipeline's tag is the original one, and so is the
        # frame's while no tag action has been emitted.
        self._tag_rewritten = False
        self._committed_original = True

    def run(self, table: FlowTable) -> "Translation":
        view = self.view
        self.in_port = self.bridge.dp_to_of.get(view.get("in_port"))
        # Rules match OpenFlow port numbers.  The key's in_port bits are all consulted already,
        # so the megaflow still matches exactly the datapath port that maps to this number.
        view.set("in_port", OFPP_NONE if self.in_port is None else self.in_port)
        rule = table.lookup(view)
        if rule is not None:
            for action in rule.actions:
                self._execute(action)
        return self

    def _pipeline_tci(self) -> Optional[int]:
        tci = self.view.peek("vlan_tci")
        return tci & _TCI_BITS if tci & VLAN_CFI else None

    def _execute(self, action: tuple) -> None:
        kind = action[0]
        if kind == "output":
            self._output(action[1])
        elif kind == "pop_vlan":
            self._rewrite_tag(None)
        elif kind == "set_vlan_vid":
            current = self.view.get("vlan_tci") & _TCI_BITS
            self._rewrite_tag(current & 0xE000 | action[1] & 0x0FFF)
        elif kind == "set_vlan_pcp":
            current = self.view.get("vlan_tci") & _TCI_BITS
            self._rewrite_tag(current & 0x0FFF | (action[1] & 7) << 13)
        else:
            raise ValueError("unsupported OpenFlow action %r" % (kind,))

    def _rewrite_tag(self, tci: Optional[int]) -> None:
        self.view.set("vlan_tci", 0 if tci is None else tci | VLAN_CFI)
        self._tag_rewritten = True

    def _output(self, port: int) -> None:
        if port == OFPP_NORMAL:
            self._normal()
        elif port == OFPP_FLOOD or port == OFPP_ALL:
            for out in sorted(self.bridge.of_to_dp):
                if out != self.in_port:
                    self._emit(out, self._pipeline_tci(), True)
        elif port == OFPP_IN_PORT:
            if self.in_port is not None:
                self._emit(self.in_port, self._pipeline_tci(), True)
        elif port != self.in_port:
            self._emit(port, self._pipeline_tci(), True)

    def _normal(self) -> None:
        if self.in_port is None:
            return
        result = normal.switch(self.view, self.in_port, self.bridge.vlans, self.mac_table,
                               now=self.now, learning=self.learning,
                               forward_bpdu=self.bridge.forward_bpdu)
        self.table_changed |= result.table_changed
        self.learning_pending |= result.learning_pending
        for port, tci in result.outputs:
            self._emit(port, tci, False)

    def _emit(self, ofport: int, tci: Optional[int], from_pipeline: bool) -> None:
        """Output to `ofport` with tag `tci` (the pipeline's tag if `from_pipeline`)."""
        dp_port = self.bridge.of_to_dp.get(ofport)
        if dp_port is None:
            return
        if (from_pipeline and not self._tag_rewritten) != self._committed_original:
            # One side of the comparison below is the original tag: the actions depend on
            # whether it is present and, when the tag to output is present, on all of it.
            self.view.unwildcard("vlan_tci", VLAN_CFI if tci is None else None)
        if tci != self.committed_tci:
            if self.committed_tci is not None:
                self.actions.append(dpa.pop_vlan())
            if tci is not None:
                self.actions.append(dpa.push_vlan(tci))
            self.committed_tci = tci
            self._committed_original = False
        self.actions.append(dpa.output(dp_port))


def translate(view: FlowView, table: FlowTable, bridge: BridgeSnapshot, mac_table: MacTable,
              now: float, learning: Learning) -> Translation:
    return Translation(view, bridge, mac_table, now, learning).run(table)
