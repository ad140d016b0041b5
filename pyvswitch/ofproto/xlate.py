"""Translation: one flow key through a bridge's OpenFlow table into datapath actions.

In: a `FlowView` over the key (in_port is a datapath port), the bridge's `Pipeline` (its
`FlowTable`, a `BridgeSnapshot` of its ports and options, its `MacTable`), the time and what
NORMAL may do to the MAC table (`normal.Learning`).
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

Patch ports: output to a linked patch port (`BridgeSnapshot.patches`) emits nothing; the
packet, tagged as it would leave that port, continues through the peer bridge's pipeline as
if it had arrived on the peer port (in_port is the peer's OpenFlow port, no tunnel metadata;
NORMAL learns and looks up in the peer's MAC table), within this same translation: the
wildcards cover every field both bridges consulted, so one datapath flow serves the whole
path.  Afterwards the pipeline's view of the packet (tag, in_port, tunnel metadata) is as it
was before the output, while the committed frame stays as the peer's outputs left it.  The
links crossed are listed in `Translation.crossed` (the bridge counts the packets on the patch
ports).  Crossings nest at most MAX_DEPTH deep and number at most MAX_CROSSINGS per
translation; beyond either the whole translation drops (`Translation.aborted` names the
coverage counter and `abort_message` says why), as a loop of patch ports would otherwise
never end.

Tunnel ports: output to a port in `BridgeSnapshot.tunnels` (its netdev's TunnelConfig) emits
a tunnel output carrying the whole encapsulation.  Values configured as "flow" come from the
packet's tunnel metadata as the pipeline sees it (out_key=flow: tun_id; remote_ip=flow:
tun_dst, and the output is dropped while that is 0; local_ip=flow: tun_src) and are then
un-wildcarded; fixed values come from the port's options and depend on nothing.
"""
from __future__ import annotations

import dataclasses
import ipaddress
from typing import Callable, Mapping, NamedTuple, Optional

from pyvswitch import coverage
from pyvswitch.datapath import actions as dpa
from pyvswitch.fields import VLAN_CFI
from pyvswitch.flow import FlowView
from pyvswitch.netdev.base import Netdev
from pyvswitch.netdev.tunnel import TunnelConfig
from pyvswitch.netdev.tunnel_header import TunnelHeader
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

MAX_DEPTH = 64                         # nested patch port crossings
MAX_CROSSINGS = MAX_DEPTH * MAX_DEPTH  # patch port crossings in all
DROP_TOO_DEEP = "drop_action_recursion_too_deep"
DROP_TOO_MANY = "drop_action_too_many_resubmit"
coverage.define(DROP_TOO_DEEP, DROP_TOO_MANY)
# A packet enters the peer of a patch port without the tunnel metadata it had, as in OVS.
_TUNNEL_METADATA = ("tun_id", "tun_src", "tun_dst")
_SET_BY_PATCH_CROSSING = ("in_port", "vlan_tci") + _TUNNEL_METADATA


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


class PatchLink(NamedTuple):
    """A linked patch port: where output to it continues, and the two ends' netdevs."""
    peer_pipeline: Callable[[], "Pipeline"]      # the peer bridge's, read at the crossing
    peer_ofport: int
    tx: Netdev                                   # this end (a pyvswitch.netdev.patch netdev)
    rx: Netdev                                   # the peer's end


@dataclasses.dataclass(frozen=True)
class BridgeSnapshot:
    """A bridge's ports and options as translation needs them (immutable: replaced on change)."""
    of_to_dp: Mapping[int, int]
    dp_to_of: Mapping[int, int]
    vlans: Mapping[int, VlanPolicy]
    forward_bpdu: bool = False
    patches: Mapping[int, PatchLink] = dataclasses.field(default_factory=dict)
    tunnels: Mapping[int, TunnelConfig] = dataclasses.field(default_factory=dict)


class Pipeline(NamedTuple):
    """What translation reads of one bridge (under the bridge's lock)."""
    name: str
    table: FlowTable
    ports: BridgeSnapshot
    mac_table: MacTable


class _Aborted(Exception):
    def __init__(self, counter: str, message: str):
        super().__init__(message)
        self.counter = counter


class Translation:
    """One translation (see the module docstring); `run` fills `actions`.

    The pipeline's idea of the packet's outer tag lives in the view's vlan_tci (VLAN actions
    rewrite it there, so NORMAL and later reads see it); `committed_tci` is the tag of the frame
    as the datapath actions emitted so far leave it (a wire TCI, None when untagged).
    """

    def __init__(self, view: FlowView, pipeline: Pipeline, now: float, learning: Learning):
        self.view = view
        self.pipeline = pipeline
        self.bridge = pipeline.ports
        self.mac_table = pipeline.mac_table
        self.now = now
        self.learning = learning
        self.actions: list = []
        self.table_changed = False
        self.learning_pending = False
        self.in_port: Optional[int] = None
        self.crossed: list[PatchLink] = []
        self.aborted: Optional[str] = None
        self.abort_message = ""
        self._depth = 0
        self.committed_tci = self._pipeline_tci()
        # While no VLAN action has run, the pipeline's tag is the original one, and so is the
        # frame's while no tag action has been emitted.
        self._tag_rewritten = False
        self._committed_original = True

    def run(self) -> "Translation":
        view = self.view
        self.in_port = self.bridge.dp_to_of.get(view.get("in_port"))
        # Rules match OpenFlow port numbers.  The key's in_port bits are all consulted already,
        # so the megaflow still matches exactly the datapath port that maps to this number.
        view.set("in_port", OFPP_NONE if self.in_port is None else self.in_port)
        try:
            self._run_table(self.pipeline.table)
        except _Aborted as abort:
            self.actions = []
            self.aborted, self.abort_message = abort.counter, str(abort)
        return self

    def _run_table(self, table: FlowTable) -> None:
        rule = table.lookup(self.view)
        if rule is not None:
            for action in rule.actions:
                self._execute(action)

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
            for out in sorted(self.bridge.of_to_dp.keys() | self.bridge.patches.keys()):
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
            link = self.bridge.patches.get(ofport)
            if link is not None:
                self._cross(link, tci, from_pipeline and not self._tag_rewritten)
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
        tunnel = self.bridge.tunnels.get(ofport)
        if tunnel is None:
            self.actions.append(dpa.output(dp_port))
            return
        header = tunnel_header(self.view, tunnel)
        if header is not None:
            self.actions.append(dpa.tunnel_output(dp_port, header))

    def _cross(self, link: PatchLink, tci: Optional[int], tag_is_original: bool) -> None:
        """Continue in the peer bridge with the packet leaving through `link` tagged `tci`
        (the packet's original tag, unconsulted, when `tag_is_original`)."""
        peer = link.peer_pipeline()
        if self._depth >= MAX_DEPTH:
            raise _Aborted(DROP_TOO_DEEP, "over max translation depth %d on bridge %s"
                           % (MAX_DEPTH, peer.name))
        if len(self.crossed) >= MAX_CROSSINGS:
            raise _Aborted(DROP_TOO_MANY, "over %d resubmit actions on bridge %s"
                           % (MAX_CROSSINGS, peer.name))
        self.crossed.append(link)
        view = self.view
        saved = (self.pipeline, self.bridge, self.mac_table, self.in_port, self._tag_rewritten)
        saved_fields = [(name, view.peek(name)) for name in _SET_BY_PATCH_CROSSING]
        self.pipeline, self.bridge, self.mac_table = peer, peer.ports, peer.mac_table
        self.in_port = link.peer_ofport
        view.set("in_port", link.peer_ofport)
        view.set("vlan_tci", 0 if tci is None else tci | VLAN_CFI)
        for name in _TUNNEL_METADATA:
            view.set(name, 0)
        self._tag_rewritten = not tag_is_original
        self._depth += 1
        self._run_table(peer.table)
        self._depth -= 1
        (self.pipeline, self.bridge, self.mac_table, self.in_port, self._tag_rewritten) = saved
        for name, value in saved_fields:
            view.set(name, value)


def tunnel_header(view: FlowView, config: TunnelConfig) -> Optional[TunnelHeader]:
    """The encapsulation for output to a tunnel port; None if its remote is the flow's and the
    flow has none."""
    header = config.header
    if config.out_key is None:
        header = header._replace(tun_id=view.get("tun_id"))
    if config.remote_from_flow:
        remote = view.get("tun_dst")
        if not remote:
            return None
        header = header._replace(ip_dst=str(ipaddress.IPv4Address(remote)))
    if config.local_from_flow:
        local = view.get("tun_src")
        header = header._replace(ip_src=str(ipaddress.IPv4Address(local)) if local else "")
    return header


def translate(view: FlowView, pipeline: Pipeline, now: float, learning: Learning) -> Translation:
    return Translation(view, pipeline, now, learning).run()
