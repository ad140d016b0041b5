"""Flow-table requests on one OpenFlow connection, answered as ovs-vswitchd answers them.

What it owns: the per-connection state Open vSwitch keeps for flow tables (the Nicira flow
format chosen with NXT_SET_FLOW_FORMAT, whether OpenFlow 1.0 flow_mods carry a table id
(NXT_FLOW_MOD_TABLE_ID), open bundles) and the answers to FLOW_MOD, flow and aggregate
statistics and those two Nicira switches.  It is pure: a request and the bridge's tables (a
`FlowTables`) in, reply messages out.  The connection manager (pyvswitch.ofproto.connmgr)
moves the bytes and calls `FlowSession.answer` for every request it does not answer itself.

OpenFlow 1.0 table ids: a 1.0 or NXM flow_mod carries its table in the command's high byte
only after the client enabled NXT_FLOW_MOD_TABLE_ID; without it a nonzero high byte is an
unknown command, and the flow_mod applies to table 0 (ADD) or every table (MODIFY, DELETE).
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional, Protocol

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto.bundles import Bundles
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import OFP10


TABLE_FEATURES_EPERM = errors._numbered("OFPTFFC_EPERM", "OF1.3+(13,5)")


class FlowTables(Protocol):
    """A bridge's OpenFlow tables as the connection manager's thread may use them."""

    def apply_flow_mods(self, flow_mods: list):
        """Applies atomically; the result has `.error` (an ErrorCode or None) and `.index`
        (of the failing flow_mod)."""

    def apply_each(self, flow_mods: list) -> list:
        """Applies one after another, each on its own (one failing does not stop the
        others); one result per flow_mod."""

    def dump_flows(self, **filters) -> list:
        """Rules selected by table_id, match, strict, priority, out_port, out_group, cookie,
        cookie_mask."""

    def flow_now(self) -> float:
        """The clock rules' times are kept in."""

    def table_descriptions(self) -> list:
        """protocol.table_features.TableDesc of tables 0-253."""

    def table_mod(self, request: m.TableMod):
        """Applies an OFPT_TABLE_MOD; the ErrorCode if it cannot."""

    def packet_out(self, frame: bytes, in_port: int, actions: tuple):
        """Sends `frame` through `actions` (OFPT_PACKET_OUT); the ErrorCode if it cannot."""

    def group_table(self):
        """The bridge's groups (a pyvswitch.ofproto.group_table.BridgeGroups)."""

    def tlv_map(self):
        """The bridge's Geneve TLV map (a pyvswitch.ofproto.tlv_map.TlvMap)."""


def _as_of10(actions: tuple) -> tuple:
    """Actions as OpenFlow 1.0 can carry them: a push_vlan (which 1.0 lacks) followed by a
    set of vlan_vid or vlan_pcp is 1.0's mod_vlan_vid / mod_vlan_pcp, which pushes a tag
    itself (what a flow added as mod_vlan_vid at 1.1+ is made of); Open vSwitch's 1.0
    replies say it so too."""
    result, index = [], 0
    while index < len(actions):
        action = actions[index]
        following = actions[index + 1] if index + 1 < len(actions) else None
        if (type(action) is a.PushVlan and action.ethertype == F.ETH_TYPE_VLAN
                and type(following) is a.SetField and following.field in ("vlan_vid",
                                                                            "vlan_pcp")):
            if following.field == "vlan_vid":
                result.append(a.SetVlanVid(following.value & 0x0FFF, push=True))
            else:
                result.append(a.SetVlanPcp(following.value & 7, push=True))
            index += 2
            continue
        nested = getattr(action, "actions", None)
        if nested is not None:
            action = dataclasses.replace(action, actions=_as_of10(nested))
        result.append(action)
        index += 1
    return tuple(result)


def _flow_stats(rule, now: float, nxm: bool, version: int = 0) -> m.FlowStats:
    # Open vSwitch keeps rule times in milliseconds, so durations end in six zeros of
    # nanoseconds (ovs-ofctl then prints "duration=0.015s").
    age_ms = int(max(now - rule.created, 0.0) * 1000)
    return m.FlowStats(
        table_id=rule.table_id, duration_sec=age_ms // 1000,
        duration_nsec=age_ms % 1000 * 1000000, priority=rule.priority,
        idle_timeout=rule.idle_timeout, hard_timeout=rule.hard_timeout, cookie=rule.cookie,
        packet_count=rule.n_packets, byte_count=rule.n_bytes, match=rule.match,
        actions=_as_of10(rule.actions) if version == OFP10 else rule.actions,
        flags=rule.flags, importance=rule.importance,
        idle_age=int(max(rule.idle_age(now), 0)) if nxm else None,
        hard_age=_whole_seconds(rule.hard_age(now)) if nxm else None)


def _whole_seconds(age: Optional[float]) -> Optional[int]:
    return None if age is None else int(max(age, 0))


@dataclasses.dataclass
class FlowSession:
    flow_format: int = m.NXFF_OPENFLOW10
    table_id_enabled: bool = False
    bundles: Bundles = dataclasses.field(default_factory=Bundles)

    def answer_flow_mods(self, requests: list[m.FlowMod],
                         tables: FlowTables) -> list[m.Message]:
        """The error replies to consecutive FLOW_MODs, applied in one go (not atomically:
        each succeeds or fails on its own, as separate messages do)."""
        replies: list[m.Message] = []
        valid, originals = [], []
        for request in requests:
            flow_mod = self.normalized(request)
            if isinstance(flow_mod, errors.ErrorCode):
                replies.append(codec.error_reply(request, flow_mod))
            else:
                valid.append(flow_mod)
                originals.append(request)
        if valid:
            for request, result in zip(originals, tables.apply_each(valid)):
                if result.error is not None:
                    replies.append(codec.error_reply(request, result.error))
        return replies

    def answer(self, request: m.Message, tables: FlowTables) -> Optional[list[m.Message]]:
        """The replies to a flow-table request ([] when it has none), or None if `request`
        is not one."""
        if isinstance(request, m.FlowMod):
            return self.answer_flow_mods([request], tables)
        if isinstance(request, m.BundleControl):
            return self.bundles.control(request, lambda mods: self._commit(mods, tables))
        if isinstance(request, m.BundleAddMessage):
            return self.bundles.add(request)
        if isinstance(request, m.TableDescRequest):
            return [m.TableDescReply(version=request.version, xid=request.xid,
                                     tables=tuple(tables.table_descriptions()))]
        if isinstance(request, m.TableMod):
            error = tables.table_mod(request)
            return [] if error is None else [codec.error_reply(request, error)]
        if isinstance(request, m.PacketOut):
            if request.buffer_id != m.OFP_NO_BUFFER:
                return [codec.error_reply(request, errors.BUFFER_UNKNOWN)]
            error = tables.packet_out(request.data, request.in_port, request.actions)
            return [] if error is None else [codec.error_reply(request, error)]
        if isinstance(request, m.TableFeaturesRequest):
            return self._table_features(request, tables)
        if isinstance(request, m.TableStatsRequest):
            return [m.TableStatsReply(version=request.version, xid=request.xid,
                                      tables=tuple(tables.table_stats()))]
        if isinstance(request, m.SetFlowFormat):
            if request.format not in (m.NXFF_OPENFLOW10, m.NXFF_NXM):
                return [codec.error_reply(request, errors.BAD_REQUEST_EPERM)]
            self.flow_format = request.format
            return []
        if isinstance(request, m.FlowModTableId):
            self.table_id_enabled = request.enable
            return []
        if isinstance(request, m.FlowStatsRequest):
            return self._flow_stats(request, tables)
        if isinstance(request, m.AggregateStatsRequest):
            return self._aggregate(request, tables)
        # The Geneve TLV map (pyvswitch.ofproto.tlv_map), through tables.tlv_map().
        if isinstance(request, m.TlvTableMod):
            error = tables.tlv_map().modify(request.command, request.mappings)
            return [] if error is None else [codec.error_reply(request, error)]
        if isinstance(request, m.TlvTableRequest):
            return [tables.tlv_map().reply(request)]
        # OpenFlow groups (pyvswitch.ofproto.group_table), through tables.group_table().
        if isinstance(request, m.GroupMod) and request.command == m.OFPGC_DELETE:
            return self._delete_groups(request, tables)
        if isinstance(request, (m.GroupMod, m.GroupStatsRequest, m.GroupDescRequest,
                                m.GroupFeaturesRequest)):
            return tables.group_table().answer(request)
        return None

    # ---- FLOW_MOD ----
    def normalized(self, request: m.FlowMod) -> m.FlowMod | errors.ErrorCode:
        """The flow_mod as the tables take it: 1.0 table ids resolved (see the docstring)."""
        if request.version == OFP10 and not self.table_id_enabled:
            if request.table_id != 0:
                return errors.FLOW_MOD_BAD_COMMAND
            table_id = 0 if request.command == m.OFPFC_ADD else m.OFPTT_ALL
            return dataclasses.replace(request, table_id=table_id)
        return request

    def _commit(self, requests: list[m.FlowMod], tables: FlowTables) -> list[m.Message]:
        """Applies a bundle's flow_mods atomically; the failing one's error reply, if any."""
        flow_mods = []
        for request in requests:
            flow_mod = self.normalized(request)
            if isinstance(flow_mod, errors.ErrorCode):
                return [codec.error_reply(request, flow_mod)]
            flow_mods.append(flow_mod)
        result = tables.apply_flow_mods(flow_mods)
        if result.error is not None:
            return [codec.error_reply(requests[result.failed_index], result.error)]
        return []

    def _table_features(self, request: m.TableFeaturesRequest,
                        tables: FlowTables) -> list[m.Message]:
        if request.tables:
            # Open vSwitch does not let a controller reconfigure its tables this way.
            return [codec.error_reply(request, TABLE_FEATURES_EPERM)]
        room = codec.MAX_MESSAGE_LEN - codec.HEADER.size - 8
        replies, chunk, size = [], [], 0
        for features in tables.table_features(request.version):
            length = len(features.encode())
            if chunk and size + length > room:
                replies.append(chunk)
                chunk, size = [], 0
            chunk.append(features)
            size += length
        replies.append(chunk)
        return [m.TableFeaturesReply(version=request.version, xid=request.xid,
                                     flags=m.OFPMPF_REPLY_MORE if index < len(replies) - 1
                                     else 0, tables=tuple(part))
                for index, part in enumerate(replies)]

    def _delete_groups(self, request: m.GroupMod, tables: FlowTables) -> list[m.Message]:
        """A group that goes takes the flows that send to it, as in Open vSwitch."""
        groups = tables.group_table()
        doomed = [desc.group_id for desc in groups.table.descriptions(request.group_id)]
        replies = groups.answer(request)
        if not replies:
            tables.apply_flow_mods([
                m.FlowMod(version=request.version, xid=request.xid, command=m.OFPFC_DELETE,
                          table_id=m.OFPTT_ALL, out_group=group_id) for group_id in doomed])
        return replies

    # ---- statistics ----
    def _selected(self, request, tables: FlowTables) -> list:
        return tables.dump_flows(table_id=request.table_id, match=request.match,
                                 out_port=request.out_port, out_group=request.out_group,
                                 cookie=request.cookie, cookie_mask=request.cookie_mask)

    def _flow_stats(self, request: m.FlowStatsRequest, tables: FlowTables):
        """The replies, made lazily: the rules are chosen now, their entries encoded only as
        the connection manager asks for the next message (a dump of 100,000 flows streams)."""
        now = tables.flow_now()
        nxm = request.nxm
        # Table by table, higher priorities first: the order Open vSwitch's classifier
        # mostly dumps in (it visits subtables by priority).
        rules = sorted(self._selected(request, tables),
                       key=lambda rule: (rule.table_id, -rule.priority))
        return _streamed_replies(request, rules, now, nxm)

    def _aggregate(self, request: m.AggregateStatsRequest,
                   tables: FlowTables) -> list[m.Message]:
        rules = self._selected(request, tables)
        return [m.AggregateStatsReply(
            version=request.version, xid=request.xid, nxm=request.nxm,
            packet_count=sum(rule.n_packets for rule in rules),
            byte_count=sum(rule.n_bytes for rule in rules), flow_count=len(rules))]


#: Rules turned into entries per step of a streamed dump.
_STREAM_STEP = 256


def _streamed_replies(request: m.FlowStatsRequest, rules: list, now: float, nxm: bool):
    held = None
    for start in range(0, max(len(rules), 1), _STREAM_STEP):
        flows = [_flow_stats(rule, now, nxm, request.version)
                 for rule in rules[start:start + _STREAM_STEP]]
        for reply in codec.flow_stats_replies(request.version, request.xid, flows, nxm):
            if held is not None:
                yield dataclasses.replace(held, flags=held.flags | m.OFPMPF_REPLY_MORE)
            held = reply
    yield dataclasses.replace(held, flags=held.flags & ~m.OFPMPF_REPLY_MORE)


def flow_stats_of(rules: Iterable, now: float, nxm: bool) -> list[m.FlowStats]:
    """Rules as flow-stats entries (for bridge/dump-flows and tests)."""
    return [_flow_stats(rule, now, nxm) for rule in rules]
