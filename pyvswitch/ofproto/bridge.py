"""One OpenFlow switch on the shared datapath: its ports, flow table and MAC learning table.

The daemon's bridge layer drives a `Bridge` from the database (ports, Port VLAN columns,
Bridge other_config); the datapath calls back into it through the `UpcallHandler` interface:
  * `translate(key, frame, side_effects=...)` turns a flow key whose in_port is one of this
    bridge's datapath ports into datapath actions plus the wildcard mask of every key bit the
    answer depends on (see pyvswitch.ofproto.xlate);
  * `account(key, n_packets, n_bytes, used)` is the datapath's revalidator pushing the statistics
    of a cached flow (created from `key`) that forwarded packets since its last push: the key
    is translated again with Learning.REFRESH, so an active host's MAC entry stays fresh while
    its traffic only hits caches, as Open vSwitch's revalidators do.  The entry counts as
    seen at the push (at most a revalidator interval after the packet), not at `used`: the
    table stays in refresh order that way.  The counts are credited to every OpenFlow rule
    the translation matched, and learn actions refresh the flows they learned.

OpenFlow tables (pyvswitch.ofproto.flow_table) hold the rules; `apply_flow_mods` changes them
atomically (a batch is seen by packets all at once or, when any flow_mod fails, not at all),
and the side effects a packet's translation hands back (learned flows, rule statistics) are
applied here, under the lock, right after it.  The bridge's own rule follows Open vSwitch's
connection manager: in fail_mode standalone with no controller, a bridge starts with, and
after a fail-mode change is flushed back to, the single visible flow `priority=0
actions=NORMAL`; in secure mode it starts empty and forwards nothing on its own.

Ports have two numbers: the OpenFlow port number the database and controllers use (LOCAL,
65534, is the bridge's own internal port) and the datapath port number the datapath assigns
in `add_port`; translation speaks OpenFlow internally and datapath numbers at its edges.
A tunnel port's netdev also hands its `tunnel_config` to translation, which builds the
port's tunnel output actions from it.
Patch ports (a pyvswitch.netdev.patch netdev) have only the OpenFlow number: they are
plugged into the datapath's `PatchPanel` (pyvswitch.ofproto.patch) instead, which links
them to their peers; translation crosses a linked one into the peer bridge, and the packets
crossing are counted on both ends' netdevs (as the packet's translation runs, and as the
revalidator pushes a cached flow's statistics through `account`).  Only patch ports of
bridges with the same `datapath_type` link.

Invariants:
  * every state change that can alter a translation (ports, VLAN config, flow table, MAC
    table contents, bridge options) is followed by `datapath.invalidate()`, called without
    holding the bridge's lock, so cached datapath flows never outlive the state they came from;
  * changing a port's VLAN config or removing it forgets the addresses learned on it;
  * MAC learning happens only in translations with side_effects=True; `account` only
    refreshes entries, which alters no translation, so it never invalidates; expiry is done
    by `run` (which the daemon calls periodically) and by learning, and lookups already ignore
    entries past their age, so a translation never forwards by an expired entry;
  * a translation without side effects (revalidation, trace) of a packet that would have
    taught the table something answers with an exact-match mask: the datapath's revalidator
    then drops the cached flow, so the next such packet is an upcall that learns (otherwise a
    flow revalidated after `fdb/flush` would keep its source unlearned for as long as it hits).

Threads: translate runs on the datapath's threads, everything else on the control thread;
one lock serializes them, shared by every bridge on the datapath (the panel's), since a
translation may read any of them.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Callable, Optional

from pyvswitch import coverage
from pyvswitch.datapath.dpctl import format_key
from pyvswitch import fields as F
from pyvswitch.fields import DATAPATH_KEY_MASK, KEY_BITS
from pyvswitch.flow import FlowView, extract_key
from pyvswitch.netdev.base import Netdev
from pyvswitch.netdev.patch import PatchNetdev
from pyvswitch.netdev.tunnel import TunnelConfig
from pyvswitch.ofproto import ofpact, table_features, xlate
from pyvswitch.ofproto.flow_table import ApplyResult, OpenFlowTables
from pyvswitch.ofproto.group_table import BridgeGroups  # OpenFlow groups (group_table's owner)
from pyvswitch.ofproto.protocol import action_errors, errors, table_mod_codec
from pyvswitch.ofproto.protocol.table_features import TableDesc
from pyvswitch.ofproto.protocol.versions import OFP11, OFP12
from pyvswitch.ofproto.table_config import MISS_CONTINUE, TableConfig
from pyvswitch.ofproto.tlv_map import TlvMap  # Geneve TLV map (tlv_map's owner)
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.patch import PatchPanel
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.mac_learning import (DEFAULT_AGING_TIME, DEFAULT_MAX_ENTRIES, MacEntry,
                                            MacTable, MacTableStats)
from pyvswitch.ofproto.normal import Learning
from pyvswitch.ofproto.vlan import PortVlanConfig, VlanPolicy

__all__ = ["Bridge", "PortVlanConfig", "LOCAL"]

#: OpenFlow port number of the bridge's own internal port.
LOCAL = xlate.OFPP_LOCAL

_TRUNK_ALL = VlanPolicy.from_config(PortVlanConfig())
_EXACT = (1 << KEY_BITS) - 1
_ABORT_WARNING_INTERVAL = 1.0     # seconds between warnings about translations that looped

log = logging.getLogger("ofproto_dpif_xlate")


class Bridge:
    def __init__(self, name: str, datapath, *, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.datapath = datapath
        self.datapath_id = 0
        self._clock = clock
        self._panel = PatchPanel.of(datapath)
        self._lock = self._panel.lock
        self.datapath_type = "system"
        self._macs = MacTable()
        self._tables = OpenFlowTables()
        # Serializes changes of the tables made by the control plane, one of which may be
        # under way, in steps, while translations hold `_lock` in between (see
        # apply_flow_mods); always taken before `_lock`.
        self._changes = threading.Lock()
        self._deferred_learned: list = []
        self._lookup = _TablesForTranslation(self._tables)
        self._fail_mode = "standalone"
        self._flow_table_rows: tuple = ()
        self._has_controllers = False
        self._forward_bpdu = False
        self._names: dict[int, str] = {}              # ofport -> port name
        self._of_to_dp: dict[int, int] = {}
        self._vlan_configs: dict[int, PortVlanConfig] = {}
        self._vlans: dict[int, VlanPolicy] = {}
        self._patch_netdevs: dict[int, PatchNetdev] = {}     # ofport -> patch port
        self._patch_links: dict[int, xlate.PatchLink] = {}   # ofport -> link, if linked
        self._tunnels: dict[int, TunnelConfig] = {}          # ofport -> tunnel port config
        self._snapshot = xlate.BridgeSnapshot({}, {}, {})
        self._next_abort_warning = 0.0
        # The Geneve TLV map (NXT_TLV_TABLE_MOD): it reads the rules (taking the lock) to
        # refuse unmapping a field flows use, and invalidates the datapath after a change,
        # outside the lock.
        self._tlv = TlvMap(rules=self.dump_flows,
                           on_change=lambda: self.datapath.invalidate())
        # OpenFlow groups: each request under the lock, the datapath invalidated after a
        # change, outside the lock (pyvswitch.ofproto.group_table).
        self._groups = BridgeGroups(self._lock, clock,
                                    on_change=lambda: self.datapath.invalidate())
        self._flush_to_default()

    # ---- UpcallHandler ----
    def translate(self, key: int, frame: bytes | None, *, side_effects: bool) -> tuple[list, int]:
        view = FlowView(key)
        with self._lock:
            now = self._clock()
            translation = xlate.translate(view, self.pipeline(), now,
                                          Learning.LEARN if side_effects else Learning.NONE)
            flows_changed = False
            if side_effects:
                n_bytes = len(frame) if frame is not None else 0
                if frame is not None:
                    _count_crossings(translation, 1, n_bytes)
                flows_changed = self._apply_side_effects(translation, 1, n_bytes, now)
        if side_effects and translation.aborted is not None:
            self._note_abort(translation, key)
        if translation.table_changed or flows_changed:
            self.datapath.invalidate()
        return translation.actions, _EXACT if translation.learning_pending else view.wc

    def account(self, key: int, n_packets: int, n_bytes: int, used: float) -> None:
        """A cached flow created from `key` forwarded `n_packets` packets (`n_bytes` bytes, the
        last at datapath time `used`) since the previous call for it."""
        with self._lock:
            now = self._clock()
            translation = xlate.translate(FlowView(key), self.pipeline(), now,
                                          Learning.REFRESH)
            _count_crossings(translation, n_packets, n_bytes)
            flows_changed = self._apply_side_effects(translation, n_packets, n_bytes, now)
        if flows_changed:
            self.datapath.invalidate()

    def packet_out(self, frame: bytes, in_port: int, actions: tuple) -> Optional[errors.ErrorCode]:
        """OFPT_PACKET_OUT: `frame` through `actions` as if received on OpenFlow port `in_port`
        (OFPP_CONTROLLER / OFPP_NONE: from no port), with a packet's side effects, then sent
        by the datapath.  The error to answer with, if it cannot be done."""
        of_to_dp = self._snapshot.of_to_dp
        # As Open vSwitch: any port number (the bridge need not have it), or LOCAL,
        # CONTROLLER or NONE; other reserved ports are refused.
        if in_port >= ofpact.OFPP_MAX and in_port not in (
                ofpact.OFPP_CONTROLLER, ofpact.OFPP_NONE, ofpact.OFPP_LOCAL):
            return errors.BAD_PORT
        error = self._check_actions(0, actions)
        if error is not None:
            return error
        dp_port = of_to_dp.get(in_port, 0)
        view = FlowView(extract_key(frame, dp_port))
        with self._lock:
            now = self._clock()
            translation = xlate.Translation(view, self.pipeline(), now, Learning.LEARN)
            translation.run_actions(tuple(actions), in_port)
            flows_changed = self._apply_side_effects(translation, 1, len(frame), now)
        if translation.table_changed or flows_changed:
            self.datapath.invalidate()
        if translation.actions:
            self.datapath.execute(frame, None, translation.actions, dp_port)
        return None

    def trace(self, key: int, of_in_port: int, *,
              side_effects: bool) -> tuple[xlate.Translation, FlowView]:
        """ofproto/trace's translation of `key` arriving on OpenFlow port `of_in_port` (a
        patch port or a port the bridge lacks too), with its events; with side effects it
        learns as an upcall would, though nothing is sent."""
        view = FlowView(key)
        events: list = []
        with self._lock:
            now = self._clock()
            translation = xlate.translate(view, self.pipeline(), now,
                                          Learning.LEARN if side_effects else Learning.NONE,
                                          events, of_in_port)
            flows_changed = side_effects and self._apply_side_effects(translation, 0, 0, now)
        if translation.table_changed or flows_changed:
            self.datapath.invalidate()
        translation.trace = events
        return translation, view

    def pipeline(self) -> xlate.Pipeline:
        """What translation reads of this bridge; call with the lock held."""
        return xlate.Pipeline(self.name, self._lookup, self._tables.version, self._snapshot,
                              self._macs, self._groups.table)

    def _check_actions(self, table_id: int, actions: tuple) -> Optional[errors.ErrorCode]:
        """What the flow table asks before taking a flow: the actions translation cannot
        carry out, groups that do not exist (OFPBAC_BAD_OUT_GROUP) and tun_metadata fields
        the TLV map does not map (NXFMFC_INVALID_TLV_FIELD), as OVS refuses them."""
        return (_unsupported_action(actions) or self._groups.check_actions(actions)
                or self._unmapped_tlv_fields(_fields_written(actions)))

    def _unmapped_tlv_fields(self, names) -> Optional[errors.ErrorCode]:
        for name in names:
            if name.startswith("tun_metadata") and self._tlv.mapping(int(name[12:])) is None:
                return errors.FLOW_MOD_INVALID_TLV_FIELD
        return None

    def _match_error(self, flow_mod) -> Optional[errors.ErrorCode]:
        """A match on a tun_metadata field the TLV map does not map is refused."""
        match = flow_mod.match
        if match is None or not match.mask & _TUN_METADATA_BITS:
            return None
        return self._unmapped_tlv_fields(
            name for name in _TUN_METADATA_NAMES if not match.is_wild(name))

    def _apply_side_effects(self, translation: xlate.Translation, n_packets: int,
                            n_bytes: int, now: float) -> bool:
        """Credits the matched rules and installs learned flows; True if the tables changed."""
        if translation.aborted is not None:
            return False
        for rule in translation.rules:
            self._tables.account(rule, n_packets, n_bytes, now)
        for table_id, matched in translation.lookups:
            self._tables.count_lookup(table_id, matched, n_packets)
        for group_id, buckets in translation.groups:
            self._groups.table.credit(group_id, buckets, n_packets, n_bytes)
        if not translation.learned:
            return False
        if self._tables.busy:
            self._deferred_learned.extend(translation.learned)
            return False
        # Learning again what is already there only restarts its hard timeout: no new
        # version, so the datapath's cached flows (made from it) stay valid.
        learned = [fm for fm in translation.learned if not self._tables.refresh_learned(fm, now)]
        if not learned:
            return False
        result = self._tables.apply(learned, now, atomic=False,
                                    check_actions=self._check_actions)
        for _index, error in result.errors:
            log.warning("%s: learn action failed to add a flow (%s)", self.name, error.name)
        return bool(result.changed_tables)

    def _note_abort(self, translation: xlate.Translation, key: int) -> None:
        coverage.inc(translation.aborted)
        now = self._clock()
        if now >= self._next_abort_warning:
            self._next_abort_warning = now + _ABORT_WARNING_INTERVAL
            log.warning("%s while processing %s", translation.abort_message,
                        format_key(key, DATAPATH_KEY_MASK))

    # ---- configuration ----
    def set_config(self, *, mac_aging_time: int = DEFAULT_AGING_TIME,
                   mac_table_size: int = DEFAULT_MAX_ENTRIES, forward_bpdu: bool = False) -> None:
        """Bridge other_config: mac-aging-time, mac-table-size, forward-bpdu."""
        with self._lock:
            changed = self._macs.set_aging_time(mac_aging_time)
            changed |= self._macs.set_max_entries(mac_table_size)
            changed |= self._macs.expire(self._clock())
            if forward_bpdu != self._forward_bpdu:
                self._forward_bpdu = forward_bpdu
                self._rebuild_snapshot()
                changed = True
        if changed:
            self.datapath.invalidate()

    # ---- OpenFlow tables ----
    def apply_flow_mods(self, flow_mods) -> ApplyResult:
        """Applies FlowMod messages atomically (see pyvswitch.ofproto.flow_table): packets see
        all of them or none.  A big batch (a bundle) is applied APPLY_STEP changes at a time
        with the lock released in between, so translations go on at the old version
        meanwhile and forwarding never waits long; learned flows arriving then are applied
        right after."""
        flow_mods = list(flow_mods)
        for index, flow_mod in enumerate(flow_mods):
            error = self._match_error(flow_mod)
            if error is not None:
                return ApplyResult(self._tables.version, ((index, error),))
        with self._changes:
            with self._lock:
                steps = self._tables.apply_in_steps(flow_mods, self._clock(), step=APPLY_STEP,
                                                    check_actions=self._check_actions)
                result = _next_step(steps)
            while result is None:
                with self._lock:
                    result = _next_step(steps)
            with self._lock:
                learned_changed = self._apply_deferred_learned()
        if result.changed_tables or learned_changed:
            self.datapath.invalidate()
        return result

    def _apply_deferred_learned(self) -> bool:
        learned, self._deferred_learned = self._deferred_learned, []
        if not learned:
            return False
        result = self._tables.apply(learned, self._clock(), atomic=False,
                                    check_actions=self._check_actions)
        return bool(result.changed_tables)

    def apply_each(self, flow_mods) -> list[ApplyResult]:
        """Applies flow_mods each on its own (a failure does not undo the others), all
        visible to packets at once; one result per flow_mod."""
        flow_mods = list(flow_mods)
        refused = {index: error for index, error in
                   ((index, self._match_error(fm)) for index, fm in enumerate(flow_mods))
                   if error is not None}
        kept = [index for index in range(len(flow_mods)) if index not in refused]
        with self._changes, self._lock:
            result = self._tables.apply([flow_mods[index] for index in kept], self._clock(),
                                        atomic=False, check_actions=self._check_actions)
        if result.changed_tables:
            self.datapath.invalidate()
        failed = dict(refused)
        failed.update((kept[index], error) for index, error in result.errors)
        return [ApplyResult(result.version, ((0, failed[index]),) if index in failed else ())
                for index in range(len(flow_mods))]

    def dump_flows(self, **filters) -> list:
        """The rules a flow-stats request selects (filters as OpenFlowTables.dump takes)."""
        with self._lock:
            return list(self._tables.dump(**filters))

    def group_table(self) -> BridgeGroups:
        """The bridge's OpenFlow groups (pyvswitch.ofproto.group_table)."""
        return self._groups

    def tlv_map(self) -> TlvMap:
        """The bridge's Geneve option -> tun_metadata map (pyvswitch.ofproto.tlv_map)."""
        return self._tlv

    def table_features(self, version: int) -> list:
        """protocol.table_features.TableFeatures of tables 0-253, with the names and limits
        the tables' configuration gives them."""
        with self._lock:
            configs = [table.config for table in self._tables.tables]
        names = {t: c.name for t, c in enumerate(configs) if c.name}
        limits = {t: c.flow_limit for t, c in enumerate(configs) if c.flow_limit is not None}
        return table_features.table_features(version, names, limits)

    def table_stats(self) -> list:
        """messages.TableStats for every visible table (0-253)."""
        with self._lock:
            # What OpenFlow 1.0 table stats also carry: every 1.0 wildcard and the limit.
            return [m.TableStats(table_id=table.table_id, active_count=table.n_rules,
                                 lookup_count=table.lookup_count,
                                 matched_count=table.matched_count,
                                 name=table.config.name or "",
                                 wildcards=_OFPFW10_ALL,
                                 max_entries=table.config.max_entries)
                    for table in self._tables.tables[:xlate.N_TABLES - 1]]

    def flow_now(self) -> float:
        return self._clock()

    def set_fail_mode(self, fail_mode: str, has_controllers: bool) -> None:
        """Bridge fail_mode ("standalone" when empty) and whether controllers are configured;
        a change flushes every flow, as ovs-vswitchd does, and a standalone bridge without
        controllers gets its NORMAL flow back."""
        fail_mode = fail_mode or "standalone"
        with self._changes, self._lock:
            if (fail_mode, has_controllers) == (self._fail_mode, self._has_controllers):
                return
            self._fail_mode, self._has_controllers = fail_mode, has_controllers
            self._flush_to_default()
        self.datapath.invalidate()

    def set_flow_table_rows(self, rows: tuple) -> None:
        """Bridge:flow_tables, as (table id, name, flow_limit, overflow_policy, groups,
        prefixes) with None for unset optionals (see ovs-vswitchd.conf.db(5) Flow_Table);
        tables without a row get the defaults back.  A lower flow_limit with eviction evicts
        at once, as ovs-vswitchd does."""
        if rows == self._flow_table_rows:
            return
        wanted = {row[0]: row for row in rows if 0 <= row[0] < xlate.N_TABLES - 1}
        with self._changes, self._lock:
            now = self._clock()
            for table_id in set(wanted) | set(row[0] for row in self._flow_table_rows):
                current = self._tables.tables[table_id].config
                row = wanted.get(table_id)
                _, name, flow_limit, policy, groups, prefixes = (
                    row if row is not None else (table_id, None, None, None, (), None))
                config = TableConfig.from_flow_table_row(
                    current, name=name, flow_limit=flow_limit, overflow_policy=policy,
                    groups=groups, prefixes=prefixes)
                if config != current:
                    self._tables.configure_table(table_id, config, now)
            self._flow_table_rows = rows
        self.datapath.invalidate()

    def table_descriptions(self) -> list:
        """OFPMP_TABLE_DESC: each visible table's eviction setting, as a config word."""
        with self._lock:
            configs = [table.config for table in self._tables.tables[:xlate.N_TABLES - 1]]
        return [TableDesc(table_id=table_id,
                          config=table_mod_codec.OFPTC14_EVICTION if config.eviction else 0)
                for table_id, config in enumerate(configs)]

    def table_mod(self, request) -> Optional[errors.ErrorCode]:
        """OFPT_TABLE_MOD: the table-miss setting (1.1, 1.2) and eviction (1.4+) of one table
        or of every visible one (255), as ovs-ofctl mod-table sets them."""
        miss = table_mod_codec.table_miss(request)
        evict = table_mod_codec.eviction(request)
        if request.table_id == m.OFPTT_ALL:
            table_ids = range(xlate.N_TABLES - 1)
        elif request.table_id < xlate.N_TABLES - 1:
            table_ids = (request.table_id,)
        else:
            return errors.BAD_TABLE_ID
        with self._changes, self._lock:
            now = self._clock()
            for table_id in table_ids:
                current = self._tables.tables[table_id].config
                config = dataclasses.replace(
                    current, miss=miss if request.version in (OFP11, OFP12) else current.miss,
                    mod_eviction=current.mod_eviction if evict is None else evict)
                if config != current:
                    self._tables.configure_table(table_id, config, now)
        self.datapath.invalidate()
        return None

    def _flush_to_default(self) -> None:
        """Empties every table, then adds the connection manager's flow (lock held)."""
        now = self._clock()
        flush = m.FlowMod(version=0, xid=0, command=m.OFPFC_DELETE, match=Match(),
                          table_id=m.OFPTT_ALL)
        mods = [flush]
        if self._fail_mode == "standalone" and not self._has_controllers:
            mods.append(m.FlowMod(version=0, xid=0, command=m.OFPFC_ADD, match=Match(),
                                  priority=0, actions=(ofpact.Output(ofpact.OFPP_NORMAL),)))
        result = self._tables.apply(mods, now, internal=True)
        if result.error is not None:
            raise RuntimeError("flushing %s's flow tables failed: %s"
                               % (self.name, result.error.name))

    def add_port(self, ofport: int, name: str, netdev: Netdev) -> None:
        with self._lock:
            if ofport in self._names:
                raise ValueError("%s: OpenFlow port %d already in use" % (self.name, ofport))
        is_patch = isinstance(netdev, PatchNetdev)
        dp_port = None if is_patch else self.datapath.add_port(netdev, self)
        with self._lock:
            self._names[ofport] = name
            if is_patch:
                self._patch_netdevs[ofport] = netdev
                self._panel.plug(self, ofport, netdev)
            else:
                self._of_to_dp[ofport] = dp_port
            tunnel = getattr(netdev, "tunnel_config", None)
            if tunnel is not None:
                self._tunnels[ofport] = tunnel
            self._vlan_configs[ofport] = PortVlanConfig()
            self._vlans[ofport] = _TRUNK_ALL
            self._rebuild_snapshot()
        self.datapath.invalidate()

    def remove_port(self, ofport: int) -> None:
        with self._lock:
            if ofport not in self._names:
                return
            dp_port = self._of_to_dp.pop(ofport, None)
            self._tunnels.pop(ofport, None)
            patch_netdev = self._patch_netdevs.pop(ofport, None)
            if patch_netdev is not None:
                self._panel.unplug(self, patch_netdev.name)
            del self._names[ofport], self._vlan_configs[ofport], self._vlans[ofport]
            self._macs.flush_port(ofport)
            self._rebuild_snapshot()
        if dp_port is not None:
            self.datapath.remove_port(dp_port)
        self.datapath.invalidate()

    def set_port_vlan(self, ofport: int, cfg: PortVlanConfig) -> None:
        with self._lock:
            if ofport not in self._names or self._vlan_configs[ofport] == cfg:
                return
            self._vlan_configs[ofport] = cfg
            self._vlans[ofport] = VlanPolicy.from_config(cfg)
            self._macs.flush_port(ofport)
            self._rebuild_snapshot()
        self.datapath.invalidate()

    def set_datapath_type(self, datapath_type: str) -> None:
        """Bridge:datapath_type, "system" when empty: patch ports link only within a type."""
        with self._lock:
            if datapath_type == self.datapath_type:
                return
            self.datapath_type = datapath_type
            self._panel.relink()
        self.datapath.invalidate()

    def set_patch_links(self, links: dict[int, xlate.PatchLink]) -> None:
        """From the panel, with the lock held: the linked patch ports, by OpenFlow port."""
        self._patch_links = dict(links)
        self._rebuild_snapshot()

    def destroy(self) -> None:
        for ofport in list(self._names):
            self.remove_port(ofport)

    def run(self) -> None:
        """Periodic work: expire MAC entries and OpenFlow rules past their age."""
        with self._lock:
            now = self._clock()
            changed = self._macs.expire(now)
            changed |= bool(self._tables.expire(now))
        if changed:
            self.datapath.invalidate()

    def next_run(self) -> float | None:
        """Clock time at which `run` next has work, None if none is pending."""
        with self._lock:
            times = [t for t in (self._macs.next_expiry(), self._tables.next_expiry())
                     if t is not None]
        return min(times) if times else None

    # ---- for the unixctl commands (fdb/*, dpif/show) ----
    def port_name(self, ofport: int) -> str | None:
        return self._names.get(ofport)

    def port_names(self) -> dict[int, str]:
        """OpenFlow port number -> name, for every port."""
        with self._lock:
            return dict(self._names)

    def dp_ports(self) -> dict[int, int]:
        """OpenFlow port number -> datapath port number, for every port but patch ports."""
        with self._lock:
            return dict(self._of_to_dp)

    def patch_ports(self) -> dict[int, str]:
        """OpenFlow port number -> peer option, for every patch port."""
        with self._lock:
            return {ofport: netdev.peer for ofport, netdev in self._patch_netdevs.items()}

    def patch_error(self, ofport: int) -> Optional[str]:
        """Why patch port `ofport` is not linked to its peer (None if it is, or is no patch)."""
        with self._lock:
            netdev = self._patch_netdevs.get(ofport)
            return self._panel.error(netdev.name) if netdev is not None else None

    def mac_entries(self) -> list[MacEntry]:
        """The learned addresses, least recently refreshed first."""
        self.run()
        with self._lock:
            return list(self._macs.entries(self._clock()))

    def mac_stats(self) -> tuple[int, int, MacTableStats]:
        """(entries, maximum entries, counters)."""
        self.run()
        with self._lock:
            return len(self._macs), self._macs.max_entries, self._macs.stats

    def clear_mac_stats(self) -> None:
        with self._lock:
            self._macs.stats = MacTableStats()

    def flush_macs(self) -> None:
        with self._lock:
            changed = self._macs.flush()
        if changed:
            self.datapath.invalidate()

    def _rebuild_snapshot(self) -> None:
        self._snapshot = xlate.BridgeSnapshot(
            dict(self._of_to_dp), {dp: of for of, dp in self._of_to_dp.items()},
            dict(self._vlans), self._forward_bpdu, dict(self._patch_links), dict(self._tunnels))


class _TablesForTranslation:
    """OpenFlowTables as translation reads them (xlate.TableLookup)."""

    __slots__ = ("_tables",)

    def __init__(self, tables: OpenFlowTables):
        self._tables = tables

    def lookup(self, table_id: int, key: int, version: int):
        if table_id >= xlate.N_TABLES:
            return None, 0          # goto_table:255 is accepted, as by OVS, and misses
        return self._tables.lookup(table_id, key, version)

    def miss_continues(self, table_id: int) -> bool:
        return self._tables.tables[table_id].config.miss == MISS_CONTINUE


_OFPFW10_ALL = (1 << 22) - 1
#: Flow changes applied per hold of the bridge lock in a big atomic batch.
APPLY_STEP = 500


def _next_step(steps):
    """Advances a stepwise apply; its ApplyResult once it is done, else None."""
    try:
        next(steps)
    except StopIteration as done:
        return done.value
    return None


_TUN_METADATA_NAMES = tuple("tun_metadata%d" % n for n in range(64))
_TUN_METADATA_BITS = 0
for _name in _TUN_METADATA_NAMES:
    _TUN_METADATA_BITS |= F.FIELDS[_name].mask
del _name


def _fields_written(actions) -> list[str]:
    """The fields set_field, load, move (either end) and learn name, nested actions too."""
    names = []
    for action in actions:
        kind = type(action)
        if kind is ofpact.SetField:
            names.append(action.field)
        elif kind is ofpact.Load:
            names.append(action.dst.field)
        elif kind is ofpact.Move:
            names += [action.src.field, action.dst.field]
        elif kind is ofpact.Learn:
            for spec in action.specs:
                names += [sub.field for sub in (spec.src, spec.dst) if sub is not None]
        nested = getattr(action, "actions", None)
        if nested:
            names += _fields_written(nested)
    return names


def _unsupported_action(actions: tuple) -> Optional[errors.ErrorCode]:
    """OFPBAC_BAD_TYPE for an action translation cannot carry out (nested ones included)."""
    for action in actions:
        if type(action) not in xlate.SUPPORTED_ACTIONS:
            return action_errors.BAD_ACTION_TYPE
        nested = getattr(action, "actions", None)
        if nested:
            error = _unsupported_action(nested)
            if error is not None:
                return error
    return None


def _count_crossings(translation: xlate.Translation, n_packets: int, n_bytes: int) -> None:
    """Counts packets that crossed patch ports on both ends (nothing crossed if it dropped)."""
    if translation.aborted is None:
        for link in translation.crossed:
            link.tx.count_tx(n_packets, n_bytes)
            link.rx.count_rx(n_packets, n_bytes)
