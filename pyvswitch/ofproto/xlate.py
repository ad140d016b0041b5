"""Translation: one flow key through a bridge's OpenFlow pipeline into datapath actions.

In: a `FlowView` over the key (in_port is a datapath port), the bridge's `Pipeline` (its
OpenFlow tables at one version, a `BridgeSnapshot` of its ports and options, its `MacTable`),
the time and what translation may do besides answering (`normal.Learning`: LEARN in a real
upcall, REFRESH when the revalidator pushes a cached flow's statistics, NONE for revalidation
and ofproto/trace).
Out, on the `Translation`: `actions`, a datapath action list ([] drops; see
pyvswitch.datapath.actions), with `view.wc` holding every key bit the result depends on, so the
datapath can cache it as a megaflow; and the side effects as data, for the bridge to apply:
`rules` (every rule the packet matched, to credit its statistics), `lookups` (each table
looked up and whether it matched, for table statistics), `groups` (the groups and buckets
it went through), `learned` (flow_mods from
learn actions, LEARN and REFRESH only), `table_changed` (NORMAL changed the MAC table) and
`learning_pending` (with NONE, NORMAL would have learned: the answer holds for this exact key
only).

The pipeline walk: table 0 first; a matching rule's actions run in order; `GotoTable` (always
last) continues in a later table and `Resubmit` looks up a table (with in_port optionally
replaced for the lookup only), each running the rule found one nesting level down, as Open
vSwitch does (which is also how ofproto/trace indents them); a resubmit then carries on.  A table without a
matching rule drops (the table-miss "drop"; "continue" goes on to the next table; packet-ins
on miss belong to the controller work).  `WriteActions` / `ClearActions` edit the action set,
which runs when the top-level walk ends (pyvswitch.ofproto.action_set).  Every lookup's
wildcards join `view.wc`, and so does every field an action reads: translation records what it
read, so a megaflow stays exact.

Packet changes: field-rewriting actions change the view; `xlate_commit.PacketChanges` emits
the datapath set actions before the next output.  The VLAN tag is kept the way OpenFlow 1.0
defines the tag actions (mod_vlan_vid on an untagged packet pushes a tag): the pipeline's tag
lives in the view's vlan_tci and `committed_tci` is the frame's tag as emitted so far; the
pops and pushes that reconcile them are emitted at each output.  NORMAL commits each output
port's own tagging and leaves the pipeline's view of the packet as it was.

Patch ports: output to a linked patch port (`BridgeSnapshot.patches`) emits nothing itself;
the packet, as it would leave that port, continues in the peer bridge's pipeline from table 0
as if it had arrived on the peer port (in_port the peer's OpenFlow port; tunnel metadata,
metadata and registers zeroed; an empty action set), within this same translation, so one
datapath flow serves the whole path.  Afterwards the pipeline's view of the packet is as it
was before the output, while the committed frame stays as the peer's outputs left it
(`PacketChanges` re-commits what differs).  `Clone` works the same way within one bridge.
Nesting (resubmits, gotos, patch crossings, clones) is at most MAX_DEPTH deep, and a
translation does at most MAX_RESUBMITS lookups; beyond either the whole translation drops
(`aborted` names the coverage counter and `abort_message` says why), as a loop would
otherwise never end.

Tunnel ports: output to a port in `BridgeSnapshot.tunnels` emits a tunnel output carrying the
whole encapsulation; values configured as "flow" come from the packet's tunnel metadata as the
pipeline sees it (out_key=flow: tun_id; remote_ip=flow: tun_dst, dropped while 0;
local_ip=flow: tun_src), then un-wildcarded.
"""
from __future__ import annotations

import dataclasses
import ipaddress
from typing import Callable, Mapping, NamedTuple, Optional, Protocol

from pyvswitch import coverage
from pyvswitch import fields as F
from pyvswitch.datapath import actions as dpa
from pyvswitch.fields import VLAN_CFI
from pyvswitch.flow import FlowView
from pyvswitch.netdev.base import Netdev
from pyvswitch.netdev.tunnel import TunnelConfig
from pyvswitch.netdev.tunnel_header import TunnelHeader
from pyvswitch.ofproto import normal
from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto import flow_hash
from pyvswitch.ofproto.action_set import ActionSet
from pyvswitch.ofproto.mac_learning import MacTable
from pyvswitch.ofproto.normal import Learning
from pyvswitch.ofproto.vlan import VlanPolicy
from pyvswitch.ofproto.xlate_commit import PacketChanges
from pyvswitch.ofproto.xlate_learn import learned_flow_mod

OFPP_IN_PORT = a.OFPP_IN_PORT
OFPP_TABLE = a.OFPP_TABLE
OFPP_NORMAL = a.OFPP_NORMAL
OFPP_FLOOD = a.OFPP_FLOOD
OFPP_ALL = a.OFPP_ALL
OFPP_CONTROLLER = a.OFPP_CONTROLLER
OFPP_LOCAL = a.OFPP_LOCAL
OFPP_NONE = a.OFPP_NONE

_TCI_BITS = 0xEFFF          # a wire TCI without the DEI/CFI bit (which our keys use as "present")
N_TABLES = 255

MAX_DEPTH = 64
MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH
DROP_TOO_DEEP = "drop_action_recursion_too_deep"
DROP_TOO_MANY = "drop_action_too_many_resubmit"
DROP_STACK_TOO_DEEP = "drop_action_stack_too_deep"
coverage.define(DROP_TOO_DEEP, DROP_TOO_MANY, DROP_STACK_TOO_DEEP)
MAX_STACK = 1024 * 8            # bytes of the push/pop field stack, as ovs-actions(7)

_CLEARED_BY_PATCH_CROSSING = (F.TUNNEL_KEY_MASK | F.OPENFLOW_METADATA_MASK
                              | F.CONNTRACK_KEY_MASK)


class TableLookup(Protocol):
    """A bridge's OpenFlow tables as translation reads them."""

    def lookup(self, table_id: int, key: int, version: int) -> tuple[Optional[object], int]:
        """The matching rule (with .actions) in table `table_id` at `version`, and the
        wildcards of the lookup."""

    def miss_continues(self, table_id: int) -> bool:
        """True if the table's miss configuration is "continue"."""


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
    """What translation reads of one bridge (under the bridge's lock).  `groups` is the
    bridge's pyvswitch.ofproto.group_table.GroupTable (None: the bridge has no groups)."""
    name: str
    tables: TableLookup
    version: int
    ports: BridgeSnapshot
    mac_table: MacTable
    groups: Optional[object] = None


class _Aborted(Exception):
    def __init__(self, counter: str, message: str):
        super().__init__(message)
        self.counter = counter


class _StopActions(Exception):
    """Ends every action list being run, as the exit action does."""


class _StopList(Exception):
    """Ends the action list being run (dec_ttl on an expiring packet); enclosing lists go on."""


class TraceEvent(NamedTuple):
    """What ofproto/trace prints: `kind` is "table" (data: (table_id, rule or None)),
    "action" (data: the ofpact), "bridge" (data: bridge name), "subfield" (data: (a move,
    the value it wrote)), or "detail", "warn" and "error" (data: text, where "{in_port}"
    stands for the input port's name)."""
    depth: int
    kind: str
    data: object


class Translation:
    """One translation (see the module docstring); `run` fills `actions`."""

    def __init__(self, view: FlowView, pipeline: Pipeline, now: float, learning: Learning,
                 trace: Optional[list] = None):
        self.view = view
        self.pipeline = pipeline
        self.bridge = pipeline.ports
        self.mac_table = pipeline.mac_table
        self.now = now
        self.learning = learning
        self.trace = trace
        self.actions: list = []
        self.rules: list = []
        self.lookups: list[tuple[int, bool]] = []     # (table, matched) per lookup
        self.groups: list[tuple[int, list]] = []      # (group id, buckets) per group action
        self.learned: list = []
        self.table_changed = False
        self.learning_pending = False
        self.in_port: Optional[int] = None
        self.crossed: list[PatchLink] = []
        self.aborted: Optional[str] = None
        self.abort_message = ""
        self.changes = PacketChanges()
        self.action_set = ActionSet()
        self.table_id = 0
        self._depth = 0
        self._lookups = 0
        self._stack: list[tuple[int, int]] = []
        self._truncate_next: Optional[int] = None     # an output(port=,max_len=) under way
        self._packet_out = False
        self.committed_tci = self._pipeline_tci()
        self.committed_tpid = view.peek("vlan_tpid") or F.ETH_TYPE_VLAN
        # While no VLAN action has run, the pipeline's tag is the original one, and so is the
        # frame's while no tag action has been emitted.
        self._tag_rewritten = False
        self._committed_original = True

    # ---- the walk ----
    def run(self, of_in_port: Optional[int] = None) -> "Translation":
        """Translates the packet; `of_in_port`, when given, is its OpenFlow in_port (a trace
        of a packet from a patch port or a port the bridge lacks), else the key's datapath
        port says."""
        view = self.view
        if of_in_port is None:
            self.in_port = self.bridge.dp_to_of.get(view.get("in_port"))
            of_in_port = OFPP_NONE if self.in_port is None else self.in_port
        else:
            view.get("in_port")
            known = of_in_port in self.bridge.of_to_dp or of_in_port in self.bridge.patches
            self.in_port = of_in_port if known else None
        # Rules match OpenFlow port numbers.  The key's in_port bits are all consulted already,
        # so the megaflow still matches exactly the datapath port that maps to this number.
        view.set("in_port", of_in_port)
        tunneled = view.peek("tun_dst") or view.peek("tun_src")
        if view.get("dl_type") in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6):
            # Fragments may be handled apart (the bridge's frag mode), so as in Open vSwitch
            # every IP megaflow says whether it holds fragments.
            view.unwildcard("ip_frag")
        try:
            try:
                self._run_pipeline(0)
            except _StopActions:
                pass
            self._run_action_set()
        except _Aborted as abort:
            self.actions = []
            self.aborted, self.abort_message = abort.counter, str(abort)
        if not tunneled:
            # A packet that came in on no tunnel has no tunnel metadata, in every key of its
            # port: reading it (after set_tunnel, say) tells nothing (OVS leaves it out too).
            view.wc &= ~F.TUNNEL_KEY_MASK
        return self

    def run_actions(self, actions: tuple, in_port: int) -> "Translation":
        """A packet-out: `actions` run on the packet as if it came in on OpenFlow port
        `in_port` (OFPP_CONTROLLER or OFPP_NONE: from no port); an output to OFPP_TABLE runs
        it through the pipeline from table 0."""
        view = self.view
        self.in_port = in_port if in_port in self.bridge.of_to_dp or \
            in_port in self.bridge.patches else None
        view.set("in_port", in_port)
        self._packet_out = True
        try:
            try:
                self._depth += 1
                self._execute_list(actions)
            except (_StopActions, _StopList):
                pass
            finally:
                self._depth -= 1
            self._run_action_set()
        except _Aborted as abort:
            self.actions = []
            self.aborted, self.abort_message = abort.counter, str(abort)
        return self

    def _run_pipeline(self, table_id: int) -> None:
        """Looks up table `table_id` (honouring its miss configuration) and runs the rule."""
        rule = self._lookup(table_id, honor_miss=True)
        if rule is not None:
            self._run_rule(rule)

    def _lookup(self, table_id: int, honor_miss: bool):
        """The rule the packet matches in `table_id` (and, when the table's miss says
        "continue", the tables after it); None on a miss."""
        tables = self.pipeline.tables
        first = table_id
        while True:
            self._count_lookup()
            rule, wc = tables.lookup(table_id, self.view.key, self.pipeline.version)
            self.view.wc |= wc
            self.table_id = table_id
            self.lookups.append((table_id, rule is not None))
            if rule is not None:
                # A trace names the table the lookup started in, as Open vSwitch's does.
                self._trace("table", (first, rule))
                self.rules.append(rule)
                return rule
            if not (honor_miss and table_id + 1 < N_TABLES and tables.miss_continues(table_id)):
                self._trace("table", (first, None))
                return None
            table_id += 1

    def _run_rule(self, rule) -> None:
        """Runs a rule's actions, one nesting level down; goto_table continues, nested as
        Open vSwitch nests it, in the later table."""
        self._depth += 1
        try:
            for action in rule.actions:
                if type(action) is a.GotoTable:
                    self._trace("action", action)
                    self._run_pipeline(action.table_id)
                else:
                    self._execute(action)
        except _StopList:
            pass
        finally:
            self._depth -= 1

    def _count_lookup(self) -> None:
        self._lookups += 1
        if self._depth >= MAX_DEPTH:
            raise _Aborted(DROP_TOO_DEEP, "over max translation depth %d on bridge %s"
                           % (MAX_DEPTH, self.pipeline.name))
        if self._lookups > MAX_RESUBMITS:
            raise _Aborted(DROP_TOO_MANY, "over %d resubmit actions on bridge %s"
                           % (MAX_RESUBMITS, self.pipeline.name))

    def _run_action_set(self) -> None:
        if self.action_set:
            ordered = self.action_set.ordered()
            self.action_set.clear()
            try:
                self._execute_list(ordered)
            except _StopActions:
                pass

    def _execute_list(self, actions) -> None:
        for action in actions:
            self._execute(action)

    def _trace(self, kind: str, data) -> None:
        if self.trace is not None:
            self.trace.append(TraceEvent(self._depth, kind, data))

    # ---- actions ----
    def _execute(self, action) -> None:
        self._trace("action", action)
        handler = _HANDLERS.get(type(action))
        if handler is None:
            raise ValueError("unsupported OpenFlow action %r" % (action,))
        handler(self, action)

    def _write(self, name: str, value: int, mask: Optional[int] = None) -> None:
        """A field rewrite by an action (mask: the field's bits to change, all if None)."""
        field = F.field(name)
        bits = field.value_mask if mask is None else mask & field.value_mask
        view = self.view
        key_bits = bits << field.shift
        view.key = (view.key & ~key_bits) | ((value & bits) << field.shift)
        if key_bits & F.FIELDS["vlan_tci"].mask:
            self._tag_rewritten = True
        self.changes.record_write(key_bits)

    def _prereqs_hold(self, name: str) -> bool:
        """Reads (and so un-wildcards) the field's prerequisites."""
        for pre_name, allowed in F.field(name).prereqs:
            if self.view.get(pre_name) not in allowed or not self._prereqs_hold(pre_name):
                return False
        return True

    def _read_subfield(self, sub: a.Subfield) -> int:
        field = F.field(sub.field)
        bits = ((1 << sub.n_bits) - 1) << sub.ofs
        self.view.unwildcard(field.name, bits)
        return (self.view.peek(field.name) & bits) >> sub.ofs

    def _write_subfield(self, sub: a.Subfield, value: int) -> None:
        bits = ((1 << sub.n_bits) - 1) << sub.ofs
        self._write(sub.field, value << sub.ofs, bits)

    def _set_if_applicable(self, name: str, value: int, mask: Optional[int] = None) -> None:
        if self._prereqs_hold(name):
            self._write(name, value, mask)

    def _output(self, port: int, max_len: int = 0) -> None:
        if port == OFPP_NORMAL:
            self._normal()
        elif port == OFPP_FLOOD or port == OFPP_ALL:
            for out in sorted(self.bridge.of_to_dp.keys() | self.bridge.patches.keys()):
                if out != self.in_port:
                    self._emit(out, self._pipeline_tci(), True)
        elif port == OFPP_IN_PORT:
            if self.in_port is not None:
                self._emit(self.in_port, self._pipeline_tci(), True)
        elif port == OFPP_CONTROLLER:
            self._controller(a.Controller(max_len=max_len))
        elif port == OFPP_TABLE:
            if self._packet_out:          # flows may not output to TABLE; packet-outs may
                self._run_pipeline(0)
        elif port != self.in_port:
            self._emit(port, self._pipeline_tci(), True)
        else:
            self._trace("warn", "skipping output to input port")

    def _controller(self, action: a.Controller) -> None:
        self._commit_all()
        rule = self.rules[-1] if self.rules else None
        cookie = ("controller", action.reason, action.max_len, action.controller_id,
                  self.table_id, getattr(rule, "cookie", 0), action.userdata)
        self.actions.append(dpa.userspace(cookie))

    def _normal(self) -> None:
        if self.in_port is None:
            return
        self.changes.commit(self.view, self.actions)
        result = normal.switch(self.view, self.in_port, self.bridge.vlans, self.mac_table,
                               now=self.now, learning=self.learning,
                               forward_bpdu=self.bridge.forward_bpdu)
        self.table_changed |= result.table_changed
        self.learning_pending |= result.learning_pending
        for kind, text in result.notes:
            self._trace(kind, text)
        for port, tci in result.outputs:
            self._emit(port, tci, False)

    # ---- committing and emitting ----
    def _pipeline_tci(self) -> Optional[int]:
        tci = self.view.peek("vlan_tci")
        return tci & _TCI_BITS if tci & VLAN_CFI else None

    def _commit_all(self) -> None:
        self._commit_tag(self._pipeline_tci(), True)
        self.changes.commit(self.view, self.actions)

    def _commit_tag(self, tci: Optional[int], from_pipeline: bool) -> None:
        if (from_pipeline and not self._tag_rewritten) != self._committed_original:
            # One side of the comparison below is the original tag: the actions depend on
            # whether it is present and, when the tag to output is present, on all of it.
            self.view.unwildcard("vlan_tci", VLAN_CFI if tci is None else None)
        # The tag's TPID: push_vlan's (0x88a8 for 802.1ad) or the packet's, for the
        # pipeline's tag; NORMAL's port tags are 802.1Q.
        tpid = (self.view.get("vlan_tpid") or F.ETH_TYPE_VLAN) if (
            tci is not None and from_pipeline) else F.ETH_TYPE_VLAN
        if tci != self.committed_tci or (tci is not None and tpid != self.committed_tpid):
            if self.committed_tci is not None:
                self.actions.append(dpa.pop_vlan())
            if tci is not None:
                self.actions.append(dpa.push_vlan(tci, tpid))
            self.committed_tci = tci
            self.committed_tpid = tpid
            self._committed_original = False

    def _emit(self, ofport: int, tci: Optional[int], from_pipeline: bool) -> None:
        """Output to `ofport` with tag `tci` (the pipeline's tag if `from_pipeline`)."""
        dp_port = self.bridge.of_to_dp.get(ofport)
        if dp_port is None:
            link = self.bridge.patches.get(ofport)
            if link is not None:
                self._cross(link, tci, from_pipeline and not self._tag_rewritten)
            return
        self.changes.commit(self.view, self.actions)
        self._commit_tag(tci, from_pipeline)
        if self._truncate_next is not None:
            self.actions.append(dpa.trunc(self._truncate_next))
        tunnel = self.bridge.tunnels.get(ofport)
        if tunnel is None:
            self.actions.append(dpa.output(dp_port))
            return
        header = tunnel_header(self.view, tunnel)
        if header is not None:
            self.actions.append(dpa.tunnel_output(dp_port, header))

    # ---- nesting ----
    def _saved_state(self) -> tuple:
        changes = self.changes
        outer_committed, changes.committed = changes.committed, 0
        return (self.view.key, changes.written, outer_committed, self._tag_rewritten,
                self.table_id)

    def _restore_state(self, saved: tuple) -> None:
        key, written, outer_committed, tag_rewritten, table_id = saved
        changes = self.changes
        # The frame keeps what was committed inside; where that differs from the restored
        # packet, it must be committed again.
        changes.dirty |= changes.committed
        changes.committed |= outer_committed
        changes.written = written
        self.view.key = key
        self._tag_rewritten = tag_rewritten
        self.table_id = table_id

    def _cross(self, link: PatchLink, tci: Optional[int], tag_is_original: bool) -> None:
        """Continue in the peer bridge with the packet leaving through `link` tagged `tci`
        (the packet's original tag, unconsulted, when `tag_is_original`)."""
        peer = link.peer_pipeline()
        if self._depth >= MAX_DEPTH:
            raise _Aborted(DROP_TOO_DEEP, "over max translation depth %d on bridge %s"
                           % (MAX_DEPTH, peer.name))
        self.crossed.append(link)
        view = self.view
        saved = self._saved_state()
        saved_bridge = (self.pipeline, self.bridge, self.mac_table, self.in_port,
                        self.action_set)
        self.pipeline, self.bridge, self.mac_table = peer, peer.ports, peer.mac_table
        self.in_port = link.peer_ofport
        self.action_set = ActionSet()
        view.set("in_port", link.peer_ofport)
        view.set("vlan_tci", 0 if tci is None else tci | VLAN_CFI)
        # The peer sees no tunnel, register, metadata or connection tracking state.
        view.key &= ~_CLEARED_BY_PATCH_CROSSING
        self._tag_rewritten = not tag_is_original
        self._trace("bridge", peer.name)
        self._depth += 1
        try:
            try:
                self._run_pipeline(0)
            except _StopActions:
                pass
            self._run_action_set()
        finally:
            self._depth -= 1
        (self.pipeline, self.bridge, self.mac_table, self.in_port,
         self.action_set) = saved_bridge
        self._restore_state(saved)

    # ---- action handlers (one per ofpact class; see _HANDLERS) ----
    def _do_output(self, action: a.Output) -> None:
        self._output(action.port, action.max_len)

    def _do_output_trunc(self, action: a.OutputTrunc) -> None:
        """The packet leaves cut to max_len bytes; the trunc applies to the next datapath
        output alone, so each output of a flood gets its own."""
        self._truncate_next = action.max_len
        try:
            self._output(action.port)
        finally:
            self._truncate_next = None

    def _do_output_reg(self, action: a.OutputReg) -> None:
        self._output(self._read_subfield(action.src), action.max_len)

    def _do_enqueue(self, action: a.Enqueue) -> None:
        self._output(action.port)

    def _do_controller(self, action: a.Controller) -> None:
        self._controller(action)

    def _do_set_vlan_vid(self, action: a.SetVlanVid) -> None:
        current = self.view.get("vlan_tci")
        if not current & VLAN_CFI and not action.push:
            return
        self._write("vlan_tci", (current & 0xE000) | VLAN_CFI | (action.vid & 0x0FFF))

    def _do_set_vlan_pcp(self, action: a.SetVlanPcp) -> None:
        current = self.view.get("vlan_tci")
        if not current & VLAN_CFI and not action.push:
            return
        self._write("vlan_tci", (current & 0x0FFF) | VLAN_CFI | (action.pcp & 7) << 13)

    def _do_strip_vlan(self, action: a.StripVlan) -> None:
        self._write("vlan_tci", 0)

    def _do_push_vlan(self, action: a.PushVlan) -> None:
        # A new outermost tag (802.1Q or, with 0x88a8, 802.1ad); the packet's earlier tag
        # (if any) is not kept as an inner one in the pipeline's view: only single tags are
        # supported by the commit.
        current = self.view.get("vlan_tci")
        self._write("vlan_tci", (current & _TCI_BITS) | VLAN_CFI if current & VLAN_CFI
                    else VLAN_CFI)
        self._write("vlan_tpid", action.ethertype)

    def _do_set_header_field(self, action) -> None:
        """The OpenFlow 1.0-style rewrites (mod_dl_src, mod_nw_dst, ...): see _HEADER_SETS."""
        name, attribute, needs_prereqs = _HEADER_SETS[type(action)]
        value = getattr(action, attribute)
        if needs_prereqs:
            self._set_if_applicable(name, value)
        else:
            self._write(name, value)

    def _do_dec_ttl(self, action: a.DecTtl) -> None:
        if not self._prereqs_hold("nw_ttl"):
            return
        ttl = self.view.get("nw_ttl")
        if ttl > 1:
            self._write("nw_ttl", ttl - 1)
            return
        for controller_id in action.controller_ids:
            self._controller(a.Controller(reason=a.OFPR_INVALID_TTL,
                                          controller_id=controller_id))
        raise _StopList()

    def _do_set_l4_src(self, action: a.SetL4SrcPort) -> None:
        if self._l4_ports_apply():
            self._write("tp_src", action.port)

    def _do_set_l4_dst(self, action: a.SetL4DstPort) -> None:
        if self._l4_ports_apply():
            self._write("tp_dst", action.port)

    def _l4_ports_apply(self) -> bool:
        if self.view.get("dl_type") not in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6):
            return False
        if self.view.get("nw_proto") not in (F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP):
            return False
        return not self.view.get("ip_frag") & F.FRAG_LATER

    def _do_set_field(self, action: a.SetField) -> None:
        self._set_if_applicable(action.field, action.value, action.mask)

    def _do_load(self, action: a.Load) -> None:
        if self._prereqs_hold(action.dst.field):
            self._write_subfield(action.dst, action.value)

    def _do_move(self, action: a.Move) -> None:
        if self._prereqs_hold(action.src.field) and self._prereqs_hold(action.dst.field):
            value = self._read_subfield(action.src)
            self._write_subfield(action.dst, value)
            self._trace("subfield", (action, value))

    def _do_set_tunnel(self, action: a.SetTunnel) -> None:
        self._write("tun_id", action.tun_id)

    def _do_set_queue(self, action: a.SetQueue) -> None:
        pass        # queues need QoS, which the userspace datapath does not configure

    def _do_pop_queue(self, action: a.PopQueue) -> None:
        pass

    def _do_resubmit(self, action: a.Resubmit) -> None:
        table_id = self.table_id if action.table_id is None else action.table_id
        view = self.view
        saved_table = self.table_id
        if action.in_port != a.OFPP_UNSET:
            # The lookup sees the given in_port; the actions see the packet's own again.
            old_in_port = view.peek("in_port")
            view.set("in_port", action.in_port)
            rule = self._lookup(table_id, honor_miss=False)
            view.set("in_port", old_in_port)
        else:
            rule = self._lookup(table_id, honor_miss=False)
        if rule is not None:
            self._run_rule(rule)
        self.table_id = saved_table

    def _do_clone(self, action: a.Clone) -> None:
        saved = self._saved_state()
        saved_set = self.action_set.copy()
        self._depth += 1
        try:
            self._execute_list(action.actions)
        except _StopList:
            pass
        finally:
            self._depth -= 1
        self.action_set = saved_set
        self._restore_state(saved)

    def _do_stack_push(self, action: a.StackPush) -> None:
        if sum(n for n, _ in self._stack) + action.src.n_bits > MAX_STACK * 8:
            raise _Aborted(DROP_STACK_TOO_DEEP, "stack overflow on bridge %s"
                           % self.pipeline.name)
        self._stack.append((action.src.n_bits, self._read_subfield(action.src)))

    def _do_stack_pop(self, action: a.StackPop) -> None:
        if self._stack:
            _, value = self._stack.pop()
            self._write_subfield(action.dst, value)

    def _do_exit(self, action: a.Exit) -> None:
        raise _StopActions()

    def _do_nothing(self, action) -> None:
        pass

    def _do_fin_timeout(self, action: a.FinTimeout) -> None:
        # Applies to the rule when a TCP FIN or RST is seen (the flow table does it when
        # crediting statistics); the answer depends on the flags.
        if self.view.get("dl_type") in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6) and \
                self.view.get("nw_proto") == F.IPPROTO_TCP:
            self.view.get("tcp_flags")

    def _do_write_actions(self, action: a.WriteActions) -> None:
        self.action_set.write(action.actions)

    def _do_clear_actions(self, action: a.ClearActions) -> None:
        self.action_set.clear()

    def _do_write_metadata(self, action: a.WriteMetadata) -> None:
        self._write("metadata", action.value, action.mask)

    def _do_learn(self, action: a.Learn) -> None:
        flow_mod = learned_flow_mod(action, self._read_subfield)
        if self.learning is not Learning.NONE:
            self.learned.append(flow_mod)
        else:
            self._trace("warn", "suppressing side effects, so learn action ignored")

    def _do_conjunction(self, action: a.Conjunction) -> None:
        pass        # a conjunctive rule is never the one a lookup returns

    def _do_multipath(self, action: a.Multipath) -> None:
        value = flow_hash.flow_hash(self.view, action.fields, action.basis)
        link = flow_hash.choose_link(action.algorithm, value, action.max_link + 1, action.arg)
        self._write_subfield(action.dst, link)

    def _do_bundle(self, action: a.Bundle) -> None:
        # A member is live while the bridge has it (link state is not consulted).
        ports = self.bridge
        value = flow_hash.flow_hash(self.view, action.fields, action.basis)
        member = flow_hash.choose_member(
            action.algorithm, value, action.members,
            lambda port: port in ports.of_to_dp or port in ports.patches)
        if action.dst is not None:
            self._write_subfield(action.dst, OFPP_NONE if member is None else member)
        elif member is not None:
            self._output(member)

    def _do_group(self, action: a.Group) -> None:
        """Each chosen bucket runs as a clone would: it sees the packet as the group got it.
        A select group chooses by a symmetric hash of the flow's L2-L4 fields (Open vSwitch's
        default "hash" selection), which joins the megaflow's mask."""
        groups = self.pipeline.groups
        if groups is None or not groups.exists(action.group_id):
            return
        ports = self.bridge
        value = flow_hash.flow_hash(self.view, "symmetric_l4", 0)
        buckets = groups.select(action.group_id, value,
                                lambda port: port in ports.of_to_dp or port in ports.patches)
        self.groups.append((action.group_id, buckets))
        for bucket in buckets:
            self._do_clone(a.Clone(tuple(bucket.actions)))


#: ofpact class -> (field written, the action's attribute holding the value, whether the
#: field's prerequisites are checked on the packet first: an IPv4 rewrite leaves ARP alone).
_HEADER_SETS = {
    a.SetEthSrc: ("dl_src", "mac", False), a.SetEthDst: ("dl_dst", "mac", False),
    a.SetIpv4Src: ("nw_src", "ip", True), a.SetIpv4Dst: ("nw_dst", "ip", True),
    a.SetIpDscp: ("nw_tos", "tos", True), a.SetIpEcn: ("nw_ecn", "ecn", True),
    a.SetIpTtl: ("nw_ttl", "ttl", True),
}
_T = Translation
_HANDLERS = {
    a.Output: _T._do_output, a.OutputReg: _T._do_output_reg, a.Enqueue: _T._do_enqueue,
    a.OutputTrunc: _T._do_output_trunc,
    a.Controller: _T._do_controller,
    a.SetVlanVid: _T._do_set_vlan_vid, a.SetVlanPcp: _T._do_set_vlan_pcp,
    a.StripVlan: _T._do_strip_vlan, a.PushVlan: _T._do_push_vlan,
    **{cls: _T._do_set_header_field for cls in _HEADER_SETS},
    a.DecTtl: _T._do_dec_ttl,
    a.SetL4SrcPort: _T._do_set_l4_src, a.SetL4DstPort: _T._do_set_l4_dst,
    a.SetField: _T._do_set_field, a.Load: _T._do_load, a.Move: _T._do_move,
    a.SetTunnel: _T._do_set_tunnel, a.SetQueue: _T._do_set_queue,
    a.PopQueue: _T._do_pop_queue,
    a.Resubmit: _T._do_resubmit, a.Clone: _T._do_clone,
    a.StackPush: _T._do_stack_push, a.StackPop: _T._do_stack_pop, a.Exit: _T._do_exit,
    a.Note: _T._do_nothing, a.Sample: _T._do_nothing, a.FinTimeout: _T._do_fin_timeout,
    a.Conjunction: _T._do_conjunction,
    a.Multipath: _T._do_multipath, a.Bundle: _T._do_bundle, a.Group: _T._do_group,
    a.WriteActions: _T._do_write_actions, a.ClearActions: _T._do_clear_actions,
    a.WriteMetadata: _T._do_write_metadata, a.Learn: _T._do_learn,
}
del _T
#: The ofpact classes translation executes; a flow with any other is refused when added
#: (OFPBAC_BAD_TYPE): MPLS pushes, pops and rewrites (pop_mpls needs recirculation to see the
#: inner packet), meters, and check_pkt_larger (the datapath has no packet-length check, and
#: a megaflow cannot depend on the length).
SUPPORTED_ACTIONS = frozenset(_HANDLERS) | {a.GotoTable}


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


def translate(view: FlowView, pipeline: Pipeline, now: float, learning: Learning,
              trace: Optional[list] = None, of_in_port: Optional[int] = None) -> Translation:
    return Translation(view, pipeline, now, learning, trace).run(of_in_port)
