"""Whole flows in ovs-ofctl syntax: add-flow/mod-flows/del-flows lines in, ofp-print and
dump-flows text out.

`parse_flow(text, command)` splits the line at `actions=` (ovs-ofctl finds the first
"action"), reads flow properties (table, priority, cookie[/mask], timeouts, importance,
flags, out_port/out_group), match items (match_text) and the actions (actions_text).  Which
properties a command takes follows ovs-ofctl: timeouts and flags for add and modify,
importance for add, out_port/out_group for delete, priority for all but non-strict delete.
The counters dump-flows prints (duration, n_packets, n_bytes, idle_age, hard_age) are
accepted and ignored, so a dump-flows line reads back as a flow.

After parsing, the actions are checked against the match as ovs-ofctl checks them: a
set_field/load/move/learn operand or output:field needs its field's prerequisites in the
flow (a pushed VLAN tag or MPLS label counts from the action that pushes it), resubmit(..,ct)
needs a tracked ct_state, meter 0 does not exist.

`format_flow_mod` gives ofp-print's body after the header ("ADD table:2 priority=1,ip
actions=..."); `format_flow_stats` one dump-flows line with its leading space.
"""
from __future__ import annotations

import dataclasses

from typing import Optional

from pyvswitch import fields as F
from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import OFP13
from pyvswitch.ofproto.syntax import values
from pyvswitch.ofproto.syntax.actions_print import format_actions
from pyvswitch.ofproto.syntax.actions_text import parse_actions
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames, split_items
from pyvswitch.ofproto.syntax.match_text import (
    drop_unmet_prereqs, format_match, parse_match_item, parse_priority)

_FLAG_WORDS = (("send_flow_rem", m.OFPFF_SEND_FLOW_REM), ("check_overlap", m.OFPFF_CHECK_OVERLAP),
               ("reset_counts", m.OFPFF_RESET_COUNTS), ("no_packet_counts", m.OFPFF_NO_PKT_COUNTS),
               ("no_byte_counts", m.OFPFF_NO_BYT_COUNTS))
_IGNORED_WORDS = ("duration", "n_packets", "n_bytes", "idle_age", "hard_age",
                  "allow_hidden_fields", "no_readonly_table")
_COMMAND_NAMES = {m.OFPFC_ADD: "ADD", m.OFPFC_MODIFY: "MOD", m.OFPFC_MODIFY_STRICT: "MOD_STRICT",
                  m.OFPFC_DELETE: "DEL", m.OFPFC_DELETE_STRICT: "DEL_STRICT"}
_ALL_ONES_64 = 0xFFFFFFFFFFFFFFFF
#: Fields no OpenFlow match can carry; ovs-ofctl refuses a flow that constrains one.
_UNENCODABLE_FIELDS = ("skb_priority",)
_INCONSISTENT = "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)"


def _split_actions(text: str) -> tuple[str, Optional[str]]:
    at = text.find("action")
    if at < 0:
        return text, None
    equals = text.find("=", at)
    if equals < 0:
        raise FlowSyntaxError("must specify an action")
    return text[:at], text[equals + 1:]


def _uint(text: str, key: str, bits: int) -> int:
    value = values.parse_int(text)
    if value is None or value >> bits:
        raise FlowSyntaxError('invalid %s "%s"' % (key, text))
    return value


def parse_flow(text: str, command: int = m.OFPFC_ADD, ports: PortNames = PortNames()
               ) -> m.FlowMod:
    """One flow line as the flow_mod ovs-ofctl would send for `command`."""
    takes_actions = command in (m.OFPFC_ADD, m.OFPFC_MODIFY, m.OFPFC_MODIFY_STRICT)
    takes_priority = command != m.OFPFC_DELETE
    takes_out_port = command in (m.OFPFC_DELETE, m.OFPFC_DELETE_STRICT)
    match_text, actions_text = (_split_actions(text) if takes_actions else (text, None))
    if takes_actions and actions_text is None:
        raise FlowSyntaxError("must specify an action")
    props: dict = {"command": command,
                   "table_id": 0 if command == m.OFPFC_ADD else m.OFPTT_ALL}
    flags = 0
    cookie = cookie_mask = None
    match = Match()
    for key, value in split_items(match_text):
        if key == "table":
            table = values.parse_int(value)
            if table is None or table > 255:
                raise FlowSyntaxError('unknown table "%s"' % value)
            props["table_id"] = table
        elif key == "priority" and takes_priority:
            props["priority"] = parse_priority(value)
        elif key in ("idle_timeout", "hard_timeout") and takes_actions:
            props[key] = _uint(value, key, 16)
        elif key == "importance" and command == m.OFPFC_ADD:
            props["importance"] = _uint(value, key, 16)
        elif key == "cookie":
            cookie_text, slash, mask_text = value.partition("/")
            cookie = _uint(cookie_text, "cookie", 64)
            if slash:
                if command == m.OFPFC_ADD:
                    raise FlowSyntaxError("flow additions cannot use a cookie mask")
                cookie_mask = _uint(mask_text, "cookie mask", 64)
        elif key == "out_port" and takes_out_port:
            port = values.parse_port(value, ports)
            if port is None:
                raise FlowSyntaxError("%s is not a valid OpenFlow port" % value)
            props["out_port"] = port
        elif key == "out_group" and takes_out_port:
            props["out_group"] = _uint(value, "out_group", 32)
        elif takes_actions and key in dict(_FLAG_WORDS):
            flags |= dict(_FLAG_WORDS)[key]
        elif key in _IGNORED_WORDS:
            continue
        else:
            match = parse_match_item(match, key, value, ports)
    if cookie is not None:
        if command == m.OFPFC_ADD:
            props["cookie"] = cookie
        elif cookie_mask is not None:
            props["cookie"], props["cookie_mask"] = cookie, cookie_mask
        else:
            props["new_cookie"] = cookie
    match = drop_unmet_prereqs(match)
    if any(match.get(name)[1] for name in _UNENCODABLE_FIELDS if name in F.FIELDS):
        raise FlowSyntaxError(_INCONSISTENT)
    actions = parse_actions(actions_text, ports) if actions_text is not None else ()
    check_actions(match, actions)
    actions = settle_vlan_pushes(match, actions)
    return m.FlowMod(version=1, xid=0, match=match, flags=flags, actions=actions, **props)


# ---- consistency of actions with the match ---------------------------------------------

_VLAN_FIELDS = ("vlan_vid", "vlan_pcp", "dl_vlan", "dl_vlan_pcp")


def _field_ok(match: Match, name: str) -> bool:
    if name not in F.FIELDS:
        return False
    if name in _VLAN_FIELDS:
        tci, mask = match.get("vlan_tci")
        return bool(mask & tci & F.VLAN_CFI)
    return match.prereqs_hold(name)


def _subfield_ok(match: Match, subfield: Optional[A.Subfield]) -> bool:
    return subfield is None or _field_ok(match, subfield.field)


def _tagged(match: Match) -> Match:
    tci, mask = match.get("vlan_tci")
    return match.with_field("vlan_tci", tci | F.VLAN_CFI, mask | F.VLAN_CFI)


def _walk(match: Match, actions) -> Match:
    """`match` as the flow looks after `actions`; FlowSyntaxError if one does not fit."""
    for action in actions:
        operands: list = []
        if isinstance(action, A.SetField):
            operands = [A.Subfield(action.field, 0, 0)]
        elif isinstance(action, A.Load):
            operands = [action.dst]
        elif isinstance(action, A.Move):
            operands = [action.src, action.dst]
        elif isinstance(action, (A.OutputReg, A.StackPush)):
            operands = [action.src]
        elif isinstance(action, (A.StackPop, A.CheckPktLarger, A.Multipath)):
            operands = [action.dst]
        elif isinstance(action, A.Bundle):
            operands = [action.dst]
        elif isinstance(action, A.Learn):
            operands = [spec.src for spec in action.specs] + [action.result_dst]
        if not all(_subfield_ok(match, operand) for operand in operands):
            raise FlowSyntaxError(_INCONSISTENT)
        if isinstance(action, A.Resubmit) and action.with_ct_orig:
            if "ct_state" not in F.FIELDS:
                raise FlowSyntaxError(_INCONSISTENT)
            state, mask = match.get("ct_state")
            if not state & mask & 0x20:
                raise FlowSyntaxError(_INCONSISTENT)
        elif isinstance(action, A.Meter) and action.meter_id == 0:
            raise FlowSyntaxError("actions are invalid with specified match "
                                  "(OFPMMFC_INVALID_METER)")
        elif isinstance(action, (A.PushVlan, A.SetVlanVid, A.SetVlanPcp)):
            match = _tagged(match)
        elif isinstance(action, A.StripVlan):
            match = match.with_field("vlan_tci", 0, 0xFFFF)
        elif isinstance(action, (A.PushMpls, A.PopMpls)):
            match = drop_unmet_prereqs(match.with_field("dl_type", action.ethertype))
        elif isinstance(action, (A.Clone, A.WriteActions)):
            _walk(match, action.actions)
    return match


def check_actions(match: Match, actions) -> None:
    _walk(match, actions)


def settle_vlan_pushes(match: Match, actions) -> tuple:
    """`actions` with each mod_vlan_vid/mod_vlan_pcp that meets a packet already tagged
    (by `match` or an earlier action) marked as not pushing one, as Open vSwitch decides
    when it checks the actions against the match (1.1+ then sends no push_vlan for them)."""
    return _settled(_field_ok(match, "vlan_vid"), actions)


def _settled(tagged: bool, actions) -> tuple:
    settled = []
    for action in actions:
        if isinstance(action, (A.SetVlanVid, A.SetVlanPcp)):
            if tagged and action.push:
                action = dataclasses.replace(action, push=False)
            tagged = True
        elif isinstance(action, A.PushVlan):
            tagged = True
        elif isinstance(action, A.StripVlan):
            tagged = False
        elif isinstance(action, A.WriteActions):
            action = A.WriteActions(_settled(tagged, action.actions))
        settled.append(action)
    return tuple(settled)


# ---- printing --------------------------------------------------------------------------

def _flag_words(flags: int) -> list[str]:
    return [word for word, bit in _FLAG_WORDS if flags & bit]


def format_flow_mod(flow_mod: m.FlowMod, ports: Optional[PortNames] = None) -> str:
    """ofp-print's text for a flow_mod, after "OFPT_FLOW_MOD (xid=...):"."""
    parts = [_COMMAND_NAMES.get(flow_mod.command, "***unknown command %d***" % flow_mod.command)]
    table = flow_mod.table_id
    if table and not (table == m.OFPTT_ALL and flow_mod.version == 1):
        parts.append("table:%d" % table)
    match_text = format_match(flow_mod.match or Match(), flow_mod.priority, ports)
    if match_text:
        parts.append(match_text)
    if flow_mod.command == m.OFPFC_ADD:
        if flow_mod.cookie not in (0, _ALL_ONES_64):
            parts.append("cookie:%#x" % flow_mod.cookie)
    else:
        if flow_mod.new_cookie not in (None, 0, _ALL_ONES_64):
            parts.append("cookie:%#x" % flow_mod.new_cookie)
        if flow_mod.cookie_mask:
            parts.append("cookie:%#x/%#x" % (flow_mod.cookie, flow_mod.cookie_mask))
    if flow_mod.idle_timeout:
        parts.append("idle:%d" % flow_mod.idle_timeout)
    if flow_mod.hard_timeout:
        parts.append("hard:%d" % flow_mod.hard_timeout)
    if flow_mod.importance:
        parts.append("importance:%d" % flow_mod.importance)
    if flow_mod.buffer_id != m.OFP_NO_BUFFER:
        parts.append("buf:%#x" % flow_mod.buffer_id)
    if flow_mod.out_port != A.OFPP_NONE:
        parts.append("out_port:" + values.format_port(flow_mod.out_port, ports))
    flags = flow_mod.flags
    if flow_mod.version < OFP13:
        # Before OpenFlow 1.3 every add resets counters, so the flag is implied, not shown.
        flags &= ~m.OFPFF_RESET_COUNTS
    parts.extend(_flag_words(flags))
    parts.append("actions=" + format_actions(flow_mod.actions, ports))
    return " ".join(parts)


def format_duration(seconds: int, nanoseconds: int) -> str:
    """"5s", "5.123s", "5.000001s": milli-, micro- or nanoseconds as far as needed, as
    ovs-ofctl prints a flow's age."""
    if not nanoseconds:
        return "%ds" % seconds
    if nanoseconds % 1000000 == 0:
        return "%d.%03ds" % (seconds, nanoseconds // 1000000)
    if nanoseconds % 1000 == 0:
        return "%d.%06ds" % (seconds, nanoseconds // 1000)
    return "%d.%09ds" % (seconds, nanoseconds)


def format_flow_stats(stats: m.FlowStats, ports: Optional[PortNames] = None, *,
                      show_stats: bool = True) -> str:
    """One dump-flows line, with the leading space ovs-ofctl prints."""
    text = " "
    if show_stats or stats.cookie:
        text += "cookie=0x%x, " % stats.cookie
    if show_stats:
        text += "duration=%s, " % format_duration(stats.duration_sec, stats.duration_nsec)
    if show_stats or stats.table_id:
        text += "table=%d, " % stats.table_id
    if show_stats:
        text += "n_packets=%d, n_bytes=%d, " % (stats.packet_count, stats.byte_count)
    if stats.idle_timeout:
        text += "idle_timeout=%d, " % stats.idle_timeout
    if stats.hard_timeout:
        text += "hard_timeout=%d, " % stats.hard_timeout
    for word in _flag_words(stats.flags):
        text += word + " "
    if stats.importance:
        text += "importance=%d, " % stats.importance
    if show_stats and stats.idle_age is not None:
        text += "idle_age=%d, " % stats.idle_age
    if show_stats and stats.hard_age is not None and stats.hard_age != stats.duration_sec:
        text += "hard_age=%d, " % stats.hard_age
    text += format_match(stats.match, stats.priority, ports)
    if not text.endswith(" "):
        text += " "
    return text + "actions=" + format_actions(stats.actions, ports)
