"""OpenFlow messages as ovs-ofctl prints them (its `ofp-print` format).

`format_message(message)` renders a decoded message; `format_bytes(data)` renders raw bytes,
including the diagnostics ovs-ofctl prints for bytes it cannot decode (truncation, trailing
bytes, decode errors with a hex dump).  Every rendering ends with a newline.

Conventions followed from ovs-ofctl: a header line "NAME (OF1.x) (xid=0x..):" where the
version tag is omitted for OpenFlow 1.0; ports listed in port-number order; bit sets printed
as space-separated names in bit order, or "0" when empty; bits a version does not define are
not printed.
"""
from __future__ import annotations

from pyvswitch.ofproto import syntax
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, RESERVED_PORT_NAMES, PortDesc
from pyvswitch.ofproto.protocol.versions import DISPLAY_NAMES, OFP10, OFP13

_NAMES = {
    m.Hello: "OFPT_HELLO", m.Error: "OFPT_ERROR", m.EchoRequest: "OFPT_ECHO_REQUEST",
    m.EchoReply: "OFPT_ECHO_REPLY", m.FeaturesRequest: "OFPT_FEATURES_REQUEST",
    m.FeaturesReply: "OFPT_FEATURES_REPLY", m.GetConfigRequest: "OFPT_GET_CONFIG_REQUEST",
    m.GetConfigReply: "OFPT_GET_CONFIG_REPLY", m.SetConfig: "OFPT_SET_CONFIG",
    m.PortStatus: "OFPT_PORT_STATUS", m.BarrierRequest: "OFPT_BARRIER_REQUEST",
    m.BarrierReply: "OFPT_BARRIER_REPLY", m.DescRequest: "OFPST_DESC request",
    m.DescReply: "OFPST_DESC reply", m.PortDescRequest: "OFPST_PORT_DESC request",
    m.PortDescReply: "OFPST_PORT_DESC reply", m.SetFlowFormat: "NXT_SET_FLOW_FORMAT",
    m.FlowModTableId: "NXT_FLOW_MOD_TABLE_ID",
}

_CAPABILITY_NAMES = [(flag, flag.name) for flag in f.Capabilities]
_CONFIG_NAMES = [(flag, flag.name) for flag in f.PortConfig]
_STATE_NAMES = [(f.PortState.LINK_DOWN, "LINK_DOWN"), (f.PortState.BLOCKED, "BLOCKED"),
                (f.PortState.LIVE, "LIVE")]
_STP_STATE_NAMES = {f.PortState.STP_LEARN: "STP_LEARN", f.PortState.STP_FORWARD: "STP_FORWARD",
                    f.STP_BLOCK: "STP_BLOCK"}
_F = f.PortFeatures
_FEATURE_NAMES = [
    (_F.RATE_10MB_HD, "10MB-HD"), (_F.RATE_10MB_FD, "10MB-FD"), (_F.RATE_100MB_HD, "100MB-HD"),
    (_F.RATE_100MB_FD, "100MB-FD"), (_F.RATE_1GB_HD, "1GB-HD"), (_F.RATE_1GB_FD, "1GB-FD"),
    (_F.RATE_10GB_FD, "10GB-FD"), (_F.RATE_40GB_FD, "40GB-FD"), (_F.RATE_100GB_FD, "100GB-FD"),
    (_F.RATE_1TB_FD, "1TB-FD"), (_F.OTHER, "OTHER"), (_F.COPPER, "COPPER"),
    (_F.FIBER, "FIBER"), (_F.AUTONEG, "AUTO_NEG"), (_F.PAUSE, "AUTO_PAUSE"),
    (_F.PAUSE_ASYM, "AUTO_PAUSE_ASYM")]
# ovs-ofctl lists OpenFlow 1.0 actions in this order, not in bit order.
_A = f.Of10Actions
_ACTION_NAMES = [
    (_A.OUTPUT, "output"), (_A.ENQUEUE, "enqueue"), (_A.SET_VLAN_VID, "set_vlan_vid"),
    (_A.SET_VLAN_PCP, "set_vlan_pcp"), (_A.STRIP_VLAN, "strip_vlan"),
    (_A.SET_DL_SRC, "mod_dl_src"), (_A.SET_DL_DST, "mod_dl_dst"),
    (_A.SET_NW_SRC, "mod_nw_src"), (_A.SET_NW_DST, "mod_nw_dst"),
    (_A.SET_NW_TOS, "mod_nw_tos"), (_A.SET_TP_SRC, "mod_tp_src"),
    (_A.SET_TP_DST, "mod_tp_dst")]
_PORT_STATUS_REASONS = {m.OFPPR_ADD: "ADD", m.OFPPR_DELETE: "DEL", m.OFPPR_MODIFY: "MOD"}


def version_tag(version: int) -> str:
    """" (OF1.3)" for non-1.0 versions, "" for 1.0, as in ovs-ofctl's header lines."""
    if version == OFP10:
        return ""
    return " (%s)" % DISPLAY_NAMES.get(version, "OF 0x%02x" % version)


def _header(name: str, message: m.Message) -> str:
    return "%s%s (xid=%#x):" % (name, version_tag(message.version), message.xid)


def bit_names(value: int, names) -> str:
    words = [name for bit, name in names if value & bit]
    return " ".join(words) if words else "0"


def hex_dump(data: bytes) -> str:
    """Hex and ASCII, 16 bytes a line, as ovs-ofctl dumps undecodable bytes."""
    lines = []
    for start in range(0, len(data), 16):
        chunk = data[start:start + 16]
        cells = "".join("%02x%s" % (byte, "-" if index == 7 else " ")
                        for index, byte in enumerate(chunk))
        cells += "   " * (16 - len(chunk))
        text = "".join(chr(byte) if 0x20 <= byte < 0x7f else "." for byte in chunk)
        lines.append("%08x  %s|%-16s|\n" % (start, cells, text))
    return "".join(lines)


def format_port_number(port_no: int) -> str:
    return RESERVED_PORT_NAMES.get(port_no, str(port_no))


def _printable_name(name: str) -> str:
    for index, char in enumerate(name):
        if not 0x20 <= ord(char) < 0x7f:
            return name[:index]
    return name


def _format_state(state: int) -> str:
    stp_state = state & f.STP_STATE_MASK
    others = state & ~f.STP_STATE_MASK
    if not stp_state:
        return bit_names(others, _STATE_NAMES)
    # ovs-ofctl writes the STP state and the remaining bits with nothing between them.
    return _STP_STATE_NAMES[stp_state] + (bit_names(others, _STATE_NAMES) if others else "")


def format_port(port: PortDesc) -> str:
    lines = [" %s(%s): addr:%s\n" % (format_port_number(port.port_no),
                                     _printable_name(port.name),
                                     ":".join("%02x" % byte for byte in port.hw_addr)),
             "     config:     %s\n" % bit_names(port.config, _CONFIG_NAMES),
             "     state:      %s\n" % _format_state(port.state)]
    for label, features in (("current:   ", port.curr), ("advertised:", port.advertised),
                            ("supported: ", port.supported), ("peer:      ", port.peer)):
        if features:
            lines.append("     %s %s\n" % (label, bit_names(features, _FEATURE_NAMES)))
    lines.append("     speed: %d Mbps now, %d Mbps max\n"
                 % (port.curr_speed // 1000, port.max_speed // 1000))
    return "".join(lines)


def format_ports(ports) -> str:
    return "".join(format_port(port) for port in sorted(ports, key=lambda p: p.port_no))


def _format_hello(message: m.Hello) -> str:
    versions = message.versions
    if versions is None:
        versions = range(1, message.version + 1)
    return "\n version bitmap: %s\n" % ", ".join("0x%02x" % v for v in sorted(versions))


def _format_echo(message) -> str:
    return " %d bytes of payload\n%s" % (len(message.data), hex_dump(message.data))


def _escape_text(data: bytes) -> str:
    return "".join(chr(byte) if 0x20 <= byte < 0x7f else "\\%03o" % byte for byte in data)


def _format_error(message: m.Error) -> str:
    error = errors.lookup(message.version, message.type, message.code)
    if error is None:
        return " ***decode error: %s***\n%s" % (errors.BAD_LEN.name, hex_dump(message.raw))
    text = " %s\n" % error.name
    if error.type == errors.OFPET_HELLO_FAILED:
        return text + _escape_text(message.data) + "\n"
    return text + _format_quoted(message.data)


def _format_quoted(data: bytes) -> str:
    """The request an error message quotes."""
    if not data:
        return "OpenFlow message is empty\n"
    if len(data) < codec.HEADER.size:
        return "OpenFlow packet too short (only %d bytes):\n%s" % (len(data), hex_dump(data))
    return format_bytes(data)


def _format_features_reply(message: m.FeaturesReply) -> str:
    text = " dpid:%016x\nn_tables:%d, n_buffers:%d" % (message.datapath_id, message.n_tables,
                                                       message.n_buffers)
    if message.auxiliary_id:
        text += ", auxiliary_id:%d" % message.auxiliary_id
    text += "\ncapabilities: %s\n" % bit_names(message.capabilities, _CAPABILITY_NAMES)
    if message.version == OFP10 and message.actions:
        text += "actions: %s\n" % bit_names(message.actions, _ACTION_NAMES)
    if message.version < OFP13:
        text += format_ports(message.ports)
    return text


def _format_switch_config(message) -> str:
    text = " frags=%s" % m.FRAG_MODES[message.flags & m.OFPC_FRAG_MASK]
    if message.version < OFP13 and message.flags & m.OFPC_INVALID_TTL_TO_CONTROLLER:
        text += " invalid_ttl_to_controller"
    return text + " miss_send_len=%d\n" % message.miss_send_len


def _format_port_status(message: m.PortStatus) -> str:
    reason = _PORT_STATUS_REASONS.get(message.reason, "reason %d" % message.reason)
    return " %s:%s" % (reason, format_port(message.port))


def _multipart_flags(message) -> str:
    return " flags=[more]" if message.flags & m.OFPMPF_REPLY_MORE else ""


def _format_desc_reply(message: m.DescReply) -> str:
    return ("%s\nManufacturer: %s\nHardware: %s\nSoftware: %s\nSerial Num: %s\n"
            "DP Description: %s\n" % (_multipart_flags(message), message.mfr_desc,
                                      message.hw_desc, message.sw_desc, message.serial_num,
                                      message.dp_desc))


def _format_port_desc_request(message: m.PortDescRequest) -> str:
    return "%s port=%s\n" % (_multipart_flags(message), format_port_number(message.port_no))


def _format_port_desc_reply(message: m.PortDescReply) -> str:
    return _multipart_flags(message) + "\n" + format_ports(message.ports)


def _format_nothing(message) -> str:
    return "\n"


# ---- flow tables -----------------------------------------------------------------------

_FLOW_FORMATS = {m.NXFF_OPENFLOW10: "openflow10", m.NXFF_NXM: "nxm"}
_REMOVED_REASONS = {m.OFPRR_IDLE_TIMEOUT: "idle", m.OFPRR_HARD_TIMEOUT: "hard",
                    m.OFPRR_DELETE: "delete", m.OFPRR_GROUP_DELETE: "group_delete",
                    m.OFPRR_EVICTION: "eviction", m.OFPRR_METER_DELETE: "meter_delete"}


def _flow_name(message) -> str:
    """NXT_/NXST_ for messages in the Nicira flow format, OFPT_/OFPST_ otherwise."""
    nicira = getattr(message, "wire", None) == "nxm" or getattr(message, "nxm", False)
    return {m.FlowMod: ("OFPT_FLOW_MOD", "NXT_FLOW_MOD"),
            m.FlowRemoved: ("OFPT_FLOW_REMOVED", "NXT_FLOW_REMOVED"),
            m.FlowStatsRequest: ("OFPST_FLOW request", "NXST_FLOW request"),
            m.FlowStatsReply: ("OFPST_FLOW reply", "NXST_FLOW reply"),
            m.AggregateStatsRequest: ("OFPST_AGGREGATE request", "NXST_AGGREGATE request"),
            m.AggregateStatsReply: ("OFPST_AGGREGATE reply", "NXST_AGGREGATE reply"),
            }[type(message)][nicira]


def _format_flow_mod(message: m.FlowMod) -> str:
    return " %s\n" % syntax.format_flow_mod(message)


def _format_flow_removed(message: m.FlowRemoved) -> str:
    text = " " + syntax.format_match(message.match or Match(), message.priority)
    text += " reason=" + _REMOVED_REASONS.get(message.reason, str(message.reason))
    # OpenFlow 1.0's ofp_flow_removed has no table id; NXT_FLOW_REMOVED's 255 is "unknown".
    if message.table_id != m.OFPTT_ALL and (message.version != OFP10 or message.nxm):
        text += " table_id=%d" % message.table_id
    if message.cookie:
        text += " cookie:0x%x" % message.cookie
    text += " duration" + syntax.format_duration(message.duration_sec, message.duration_nsec)
    text += " idle%d" % message.idle_timeout
    if message.hard_timeout:
        text += " hard%d" % message.hard_timeout
    return text + " pkts%d bytes%d\n" % (message.packet_count, message.byte_count)


def _format_stats_request(message) -> str:
    parts = []
    if message.table_id != m.OFPTT_ALL:
        parts.append("table=%d" % message.table_id)
    if message.out_port != OFPP_ANY:
        parts.append("out_port=" + syntax.values.format_port(message.out_port))
    match_text = syntax.format_match(message.match or Match())
    if match_text:
        parts.append(match_text)
    return _multipart_flags(message) + "".join(" " + part for part in parts) + "\n"


def _format_flow_stats_reply(message: m.FlowStatsReply) -> str:
    return _multipart_flags(message) + "".join(
        "\n" + syntax.format_flow_stats(flow) for flow in message.flows) + "\n"


def _format_aggregate_reply(message: m.AggregateStatsReply) -> str:
    return "%s packet_count=%d byte_count=%d flow_count=%d\n" % (
        _multipart_flags(message), message.packet_count, message.byte_count,
        message.flow_count)


_BODY_FORMATTERS = {
    m.Hello: _format_hello, m.Error: _format_error, m.EchoRequest: _format_echo,
    m.EchoReply: _format_echo, m.FeaturesRequest: _format_nothing,
    m.FeaturesReply: _format_features_reply, m.GetConfigRequest: _format_nothing,
    m.GetConfigReply: _format_switch_config, m.SetConfig: _format_switch_config,
    m.PortStatus: _format_port_status, m.BarrierRequest: _format_nothing,
    m.BarrierReply: _format_nothing, m.DescRequest: lambda msg: _multipart_flags(msg) + "\n",
    m.DescReply: _format_desc_reply, m.PortDescRequest: _format_port_desc_request,
    m.PortDescReply: _format_port_desc_reply,
    m.FlowMod: _format_flow_mod, m.FlowRemoved: _format_flow_removed,
    m.FlowStatsRequest: _format_stats_request, m.AggregateStatsRequest: _format_stats_request,
    m.FlowStatsReply: _format_flow_stats_reply, m.AggregateStatsReply: _format_aggregate_reply,
    m.SetFlowFormat: lambda msg: " format=%s\n" % _FLOW_FORMATS.get(msg.format, msg.format),
    m.FlowModTableId: lambda msg: " %s\n" % ("enable" if msg.enable else "disable"),
}
_FLOW_MESSAGES = (m.FlowMod, m.FlowRemoved, m.FlowStatsRequest, m.FlowStatsReply,
                  m.AggregateStatsRequest, m.AggregateStatsReply)


def format_message(message: m.Message) -> str:
    if isinstance(message, m.UnsupportedMessage):
        return "***decode error: %s***\n%s" % (message.error.name, hex_dump(message.raw))
    name = _flow_name(message) if isinstance(message, _FLOW_MESSAGES) else _NAMES[type(message)]
    return _header(name, message) + _BODY_FORMATTERS[type(message)](message)


def format_bytes(data: bytes) -> str:
    """Renders raw bytes holding one message, diagnosing what cannot be decoded."""
    length = codec.message_length(data)
    if length is not None and length > len(data):
        return "(***truncated to %d bytes from %d***)\n%s" % (len(data), length,
                                                              hex_dump(data))
    if length is not None and length < len(data):
        return "(***only uses %d bytes out of %d***)\n%s" % (length, len(data),
                                                             hex_dump(data))
    try:
        return format_message(codec.decode(data))
    except errors.DecodeError as error:
        return "***decode error: %s***\n%s" % (error.error.name, hex_dump(data))


# ---- table statistics and table features -----------------------------------------------------
#
# ovs-ofctl reads table stats (every version) and table features (1.3+) into one description
# per table, then prints each table against the one before it: a table whose counters and
# features equal its predecessor's (and that has no name) joins a "tables A...B: ditto" run,
# and a part equal to the predecessor's prints as "(same features)", "(same instructions)",
# "(same actions)" or "(same matching)".  Fields print in Open vSwitch's field order with
# its names (ovs_field_names), shared prefixes folded ("eth_{src,dst}") and numbered runs
# shortened ("reg0...reg15").

import dataclasses as _dataclasses
import re as _re
import struct as _struct

from pyvswitch.ofproto.ovs_field_names import FIELD_NAMES as _FIELD_NAMES
from pyvswitch.ofproto.protocol import table_features as _tf
from pyvswitch.ofproto.protocol import table_mod_codec as tm
from pyvswitch.ofproto.protocol.versions import OFP11, OFP12, OFP14, OFP15

_FIELD_INDEX = {key: index for index, (_name, keys) in enumerate(_FIELD_NAMES)
                for key in keys}
_FIELD_BY_NAME = {name: index for index, (name, _keys) in enumerate(_FIELD_NAMES)}
_OXM_BASIC = 0x8000
_OF12_OXM_FIELDS = 36
_EXPERIMENTER_CLASS = 0xFFFF

# OpenFlow 1.0 wildcard bits and OpenFlow 1.1 match-field bits, as the fields they stand for.
_OF10_WILDCARD_FIELDS = (
    (1 << 0, "in_port"), (1 << 1, "vlan_vid"), (1 << 2, "eth_src"), (1 << 3, "eth_dst"),
    (1 << 4, "eth_type"), (1 << 5, "nw_proto"), (1 << 6, "tcp_src"), (1 << 7, "tcp_dst"),
    (0x3F << 8, "ip_src"), (0x3F << 14, "ip_dst"), (1 << 20, "vlan_pcp"), (1 << 21, "nw_tos"))
_OF11_MATCH_FIELDS = (
    (1 << 0, "in_port"), (1 << 1, "vlan_vid"), (1 << 2, "vlan_pcp"), (1 << 3, "eth_type"),
    (1 << 4, "nw_tos"), (1 << 5, "nw_proto"), (1 << 6, "tcp_src"), (1 << 7, "tcp_dst"),
    (1 << 8, "mpls_label"), (1 << 9, "mpls_tc"), (1 << 11, "eth_src"), (1 << 12, "eth_dst"),
    (1 << 13, "ip_src"), (1 << 14, "ip_dst"), (1 << 15, "metadata"))

# Instructions by OFPIT_* type, and the order ovs-ofctl lists them in.
_INSTRUCTION_NAMES = {1: "goto_table", 2: "write_metadata", 3: "write_actions",
                      4: "apply_actions", 5: "clear_actions", 6: "meter"}
_INSTRUCTION_ORDER = ("meter", "apply_actions", "clear_actions", "write_actions",
                      "write_metadata", "goto_table")

# Actions by OFPAT_* type in each version (types Open vSwitch cannot execute are left out),
# and the order ovs-ofctl lists them in.
_OF10_ACTIONS = {0: "output", 1: "set_vlan_vid", 2: "set_vlan_pcp", 3: "strip_vlan",
                 4: "mod_dl_src", 5: "mod_dl_dst", 6: "mod_nw_src", 7: "mod_nw_dst",
                 8: "mod_nw_tos", 9: "mod_tp_src", 10: "mod_tp_dst", 11: "enqueue"}
_OF11_ACTIONS = {0: "output", 1: "set_vlan_vid", 2: "set_vlan_pcp", 3: "mod_dl_src",
                 4: "mod_dl_dst", 5: "mod_nw_src", 6: "mod_nw_dst", 7: "mod_nw_tos",
                 8: "mod_nw_ecn", 9: "mod_tp_src", 10: "mod_tp_dst", 13: "set_mpls_label",
                 14: "set_mpls_tc", 15: "set_mpls_ttl", 16: "dec_mpls_ttl", 17: "push_vlan",
                 18: "strip_vlan", 19: "push_mpls", 20: "pop_mpls", 21: "set_queue",
                 22: "group", 23: "mod_nw_ttl", 24: "dec_ttl"}
_OF12_ACTIONS = {0: "output", 15: "set_mpls_ttl", 16: "dec_mpls_ttl", 17: "push_vlan",
                 18: "strip_vlan", 19: "push_mpls", 20: "pop_mpls", 21: "set_queue",
                 22: "group", 23: "mod_nw_ttl", 24: "dec_ttl", 25: "set_field"}
_OF15_ACTIONS = {**_OF12_ACTIONS, 29: "meter"}
_ACTION_ORDER = (
    "output", "group", "enqueue", "set_field", "set_vlan_vid", "set_vlan_pcp", "strip_vlan",
    "push_vlan", "mod_dl_src", "mod_dl_dst", "mod_nw_src", "mod_nw_dst", "mod_nw_tos",
    "mod_nw_ecn", "mod_nw_ttl", "mod_tp_src", "mod_tp_dst", "dec_ttl", "set_mpls_label",
    "set_mpls_tc", "set_mpls_ttl", "dec_mpls_ttl", "push_mpls", "pop_mpls", "set_queue",
    "meter")

_MISS_CONFIGS = {0: "controller", 1: "continue", 2: "drop"}
_OFPTC11_TABLE_MISS_MASK = 3
_OFPTC14_EVICTION = 1 << 2
_OFPTC14_VACANCY_EVENTS = 1 << 3
_LAST_TABLE = 254
_PROPERTY_ENTRY = _struct.Struct("!HH")
_TRAILING_NUMBER = _re.compile(r"^(.*?)(\d+)$")


@_dataclasses.dataclass(frozen=True)
class _ActionFeatures:
    actions: frozenset = frozenset()
    set_fields: frozenset = frozenset()


@_dataclasses.dataclass(frozen=True)
class _InstructionFeatures:
    next_tables: frozenset = frozenset()
    instructions: frozenset = frozenset()
    write: _ActionFeatures = _ActionFeatures()
    apply: _ActionFeatures = _ActionFeatures()


@_dataclasses.dataclass(frozen=True)
class TableDescription:
    """One table as ovs-ofctl describes it, from table stats or table features: sets of
    field indexes into ovs_field_names.FIELD_NAMES, of instruction and action names.
    `miss_config`, `eviction` and `vacancy` are None where the version has no such thing."""
    table_id: int
    name: str = ""
    metadata_match: int = 0
    metadata_write: int = 0
    miss_config: str = None
    eviction: bool = None
    vacancy: bool = None
    max_entries: int = 0
    nonmiss: _InstructionFeatures = _InstructionFeatures()
    miss: _InstructionFeatures = _InstructionFeatures()
    match: frozenset = frozenset()
    mask: frozenset = frozenset()
    wildcard: frozenset = frozenset()


def _named_bits(value: int, table) -> frozenset:
    return frozenset(_FIELD_BY_NAME[name] for bits, name in table if value & bits)


def _oxm_bits(value: int) -> frozenset:
    """The fields of an OpenFlow 1.2 bitmap of OXM field numbers; bits for fields 1.2 does
    not define (MPLS_BOS and later) are ignored, as ovs-ofctl ignores them."""
    return frozenset(_FIELD_INDEX[key] for key in
                     ((_OXM_BASIC, bit, None) for bit in range(_OF12_OXM_FIELDS)
                      if value >> bit & 1)
                     if key in _FIELD_INDEX)


def _action_bits(value: int, names) -> frozenset:
    return frozenset(name for bit, name in names.items() if value >> bit & 1)


def _instruction_bits(value: int) -> frozenset:
    return frozenset(name for bit, name in _INSTRUCTION_NAMES.items() if value >> bit & 1)


def _actions_for(version: int) -> dict:
    return {OFP10: _OF10_ACTIONS, OFP11: _OF11_ACTIONS}.get(
        version, _OF15_ACTIONS if version >= OFP15 else _OF12_ACTIONS)


def describe_table_stats(version: int, stats: m.TableStats) -> TableDescription:
    """What a table-stats entry says about its table's features (1.0-1.2; nothing but the
    table id from 1.3 on)."""
    if version >= OFP13:
        return TableDescription(table_id=stats.table_id)
    if version == OFP10:
        fields = _named_bits(stats.wildcards, _OF10_WILDCARD_FIELDS)
        return TableDescription(table_id=stats.table_id, name=stats.name,
                                max_entries=stats.max_entries, match=fields, wildcard=fields)
    miss_config = _MISS_CONFIGS.get(stats.config & _OFPTC11_TABLE_MISS_MASK, "controller")
    actions = _actions_for(version)
    if version == OFP11:
        # As ovs-ofctl, which reads the apply actions from write_actions in OpenFlow 1.1.
        write = apply = _ActionFeatures(_action_bits(stats.write_actions, actions))
        wildcard = _named_bits(stats.wildcards, _OF11_MATCH_FIELDS)
        match = _named_bits(stats.match, _OF11_MATCH_FIELDS) | wildcard
        metadata_match = metadata_write = 0
    else:
        write = _ActionFeatures(_action_bits(stats.write_actions, actions),
                                _oxm_bits(stats.write_setfields))
        apply = _ActionFeatures(_action_bits(stats.apply_actions, actions),
                                _oxm_bits(stats.apply_setfields))
        wildcard = _oxm_bits(stats.wildcards)
        match = _oxm_bits(stats.match) | wildcard
        metadata_match, metadata_write = stats.metadata_match, stats.metadata_write
    features = _InstructionFeatures(instructions=_instruction_bits(stats.instructions),
                                    write=write, apply=apply)
    return TableDescription(
        table_id=stats.table_id, name=stats.name, metadata_match=metadata_match,
        metadata_write=metadata_write, miss_config=miss_config,
        max_entries=stats.max_entries, nonmiss=features, miss=features, match=match,
        wildcard=wildcard)


def _type_ids(payload: bytes) -> list[int]:
    """The types of a run of (type, length, ...) entries, each at least 4 bytes."""
    types, at = [], 0
    while at + _PROPERTY_ENTRY.size <= len(payload):
        kind, length = _PROPERTY_ENTRY.unpack_from(payload, at)
        types.append(kind)
        at += max(length, _PROPERTY_ENTRY.size)
    return types


def _headers(payload: bytes) -> tuple[frozenset, frozenset]:
    """(fields, masked fields) a run of OXM/NXM headers names; unknown headers are skipped."""
    fields, masked, at = set(), set(), 0
    while at + 4 <= len(payload):
        oxm_class, field = _struct.unpack_from("!HB", payload, at)
        experimenter = None
        if oxm_class == _EXPERIMENTER_CLASS:
            experimenter = _struct.unpack_from("!I", payload, at + 4)[0] \
                if at + 8 <= len(payload) else None
            at += 8
        else:
            at += 4
        index = _FIELD_INDEX.get((oxm_class, field >> 1, experimenter))
        if index is not None:
            fields.add(index)
            if field & 1:
                masked.add(index)
    return frozenset(fields), frozenset(masked)


def describe_table_features(version: int, entry: _tf.TableFeatures) -> TableDescription:
    """A table-features entry (1.3+) as ovs-ofctl reads it."""
    properties = {}
    for kind, payload in entry.properties:
        properties.setdefault(kind, payload)
    actions = _actions_for(version)

    def instruction_features(miss: int) -> _InstructionFeatures:
        def action_features(actions_type, setfield_type):
            kinds = _type_ids(properties.get(actions_type + miss, b""))
            return _ActionFeatures(
                frozenset(actions[kind] for kind in kinds if kind in actions),
                _headers(properties.get(setfield_type + miss, b""))[0])
        instructions = _type_ids(properties.get(_tf.OFPTFPT_INSTRUCTIONS + miss, b""))
        return _InstructionFeatures(
            next_tables=frozenset(table for table in
                                  properties.get(_tf.OFPTFPT_NEXT_TABLES + miss, b"")
                                  if table < 255),
            instructions=frozenset(_INSTRUCTION_NAMES[kind] for kind in instructions
                                   if kind in _INSTRUCTION_NAMES),
            write=action_features(_tf.OFPTFPT_WRITE_ACTIONS, _tf.OFPTFPT_WRITE_SETFIELD),
            apply=action_features(_tf.OFPTFPT_APPLY_ACTIONS, _tf.OFPTFPT_APPLY_SETFIELD))

    match, mask = _headers(properties.get(_tf.OFPTFPT_MATCH, b""))
    wildcard = _headers(properties.get(_tf.OFPTFPT_WILDCARDS, b""))[0]
    eviction = vacancy = None
    if version >= OFP14:
        eviction = bool(entry.config & _OFPTC14_EVICTION)
        vacancy = bool(entry.config & _OFPTC14_VACANCY_EVENTS)
    return TableDescription(
        table_id=entry.table_id, name=entry.name, metadata_match=entry.metadata_match,
        metadata_write=entry.metadata_write, eviction=eviction, vacancy=vacancy,
        max_entries=entry.max_entries, nonmiss=instruction_features(0),
        miss=instruction_features(1), match=match | mask,
        wildcard=(wildcard | mask) & (match | mask), mask=mask)


def fold_names(names: list[str]) -> list[str]:
    """Consecutive names folded as ovs-ofctl lists fields: numbered runs as "reg0...reg15",
    names sharing the text up to their first underscore as "eth_{src,dst}" (recursively)."""
    folded, at = [], 0
    while at < len(names):
        number = _TRAILING_NUMBER.match(names[at])
        end = at + 1
        if number:
            stem, first = number.group(1), int(number.group(2))
            while end < len(names) and names[end] == "%s%d" % (stem, first + end - at):
                end += 1
            if end - at > 1:
                folded.append("%s...%s" % (names[at], names[end - 1]))
                at = end
                continue
        if "_" in names[at]:
            prefix = names[at][:names[at].index("_") + 1]
            end = at + 1
            while end < len(names) and names[end].startswith(prefix):
                end += 1
            if end - at > 1:
                inner = fold_names([name[len(prefix):] for name in names[at:end]])
                folded.append("%s{%s}" % (prefix, ",".join(inner)))
                at = end
                continue
        folded.append(names[at])
        at += 1
    return folded


def _field_list(indexes) -> str:
    return " ".join(fold_names([_FIELD_NAMES[index][0] for index in sorted(indexes)]))


def _next_tables_equal(a: frozenset, a_table: int, b: frozenset, b_table: int) -> bool:
    """As ovs-ofctl: the next tables of consecutive tables are the same if they differ only
    in the later table, which the earlier may name and the later may not."""
    if b_table == a_table + 1 and b_table in a and b_table not in b:
        return a - {b_table} == b
    if a_table == b_table + 1:
        return _next_tables_equal(b, b_table, a, a_table)
    return a == b


def _instructions_equal(a: _InstructionFeatures, a_table: int, b: _InstructionFeatures,
                        b_table: int) -> bool:
    return (_next_tables_equal(a.next_tables, a_table, b.next_tables, b_table)
            and a.instructions == b.instructions and a.write == b.write
            and a.apply == b.apply)


def _instructions_empty(features: _InstructionFeatures) -> bool:
    return features == _InstructionFeatures()


def _features_equal(a: TableDescription, b: TableDescription) -> bool:
    return (a.metadata_match == b.metadata_match and a.metadata_write == b.metadata_write
            and a.miss_config == b.miss_config and a.eviction == b.eviction
            and a.vacancy == b.vacancy and a.max_entries == b.max_entries
            and _instructions_equal(a.nonmiss, a.table_id, b.nonmiss, b.table_id)
            and _instructions_equal(a.miss, a.table_id, b.miss, b.table_id)
            and a.match == b.match)


def _features_empty(table: TableDescription) -> bool:
    return _dataclasses.replace(table, table_id=0, name="") == TableDescription(table_id=0)


def _format_action_features(features: _ActionFeatures) -> str:
    text = ""
    if features.actions:
        text += "        actions: %s\n" % " ".join(
            name for name in _ACTION_ORDER if name in features.actions)
    if features.set_fields:
        text += "        supported on Set-Field: %s\n" % _field_list(features.set_fields)
    return text


def _format_instruction_features(features: _InstructionFeatures,
                                 previous: _InstructionFeatures = None) -> str:
    text = ""
    if features.next_tables:
        runs, tables = [], sorted(features.next_tables)
        start = tables[0]
        for index, table in enumerate(tables):
            if index + 1 == len(tables) or tables[index + 1] != table + 1:
                runs.append(str(start) if start == table else "%d-%d" % (start, table))
                if index + 1 < len(tables):
                    start = tables[index + 1]
        text += "      next tables: %s\n" % ",".join(runs)
    if features.instructions:
        if previous is not None and features.instructions == previous.instructions:
            text += "      (same instructions)\n"
        else:
            text += "      instructions: %s\n" % " ".join(
                name for name in _INSTRUCTION_ORDER if name in features.instructions)
    if (previous is not None and features.write == previous.write
            and features.apply == previous.apply and features.write.set_fields):
        text += "      (same actions)\n"
    elif features.write != features.apply:
        text += ("      Write-Actions features:\n" + _format_action_features(features.write)
                 + "      Apply-Actions features:\n"
                 + _format_action_features(features.apply))
    elif features.write.actions or features.write.set_fields:
        text += ("      Write-Actions and Apply-Actions features:\n"
                 + _format_action_features(features.write))
    return text


def _format_matching(table: TableDescription) -> str:
    kinds = (("arbitrary mask", table.mask),
             ("exact match or wildcard", table.wildcard - table.mask),
             ("must exact match", table.match - table.wildcard - table.mask))
    return "    matching:\n" + "".join("      %s: %s\n" % (title, _field_list(fields))
                                     for title, fields in kinds if fields)


def _format_table(table: TableDescription, previous: TableDescription, stats) -> str:
    text = "\n  table %d%s:\n" % (table.table_id,
                                  ' ("%s")' % table.name if table.name else "")
    same_features = previous is not None and _features_equal(table, previous)
    if stats is not None:
        text += "    active=%d, lookup=%d, matched=%d\n" % (
            stats.active_count, stats.lookup_count, stats.matched_count)
    if same_features:
        return text + ("" if _features_empty(table) else "    (same features)\n")
    if table.metadata_match or table.metadata_write:
        text += "    metadata: match=%s write=%s\n" % (_c_hex(table.metadata_match),
                                                       _c_hex(table.metadata_write))
    if table.miss_config is not None:
        text += "    config=%s\n" % table.miss_config
    if table.eviction is not None:
        text += "    eviction: %ssupported\n" % ("" if table.eviction else "not ")
    if table.vacancy is not None:
        text += "    vacancy events: %ssupported\n" % ("" if table.vacancy else "not ")
    if table.max_entries:
        text += "    max_entries=%d\n" % table.max_entries
    prev_nonmiss = previous.nonmiss if previous is not None else None
    prev_miss = previous.miss if previous is not None else None
    if (previous is not None
            and _instructions_equal(table.nonmiss, table.table_id, prev_nonmiss,
                                    previous.table_id)
            and _instructions_equal(table.miss, table.table_id, prev_miss,
                                    previous.table_id)):
        if not _instructions_empty(table.nonmiss):
            text += "    (same instructions)\n"
    elif not _instructions_equal(table.nonmiss, table.table_id, table.miss, table.table_id):
        text += ("    instructions (other than table miss):\n"
                 + _format_instruction_features(table.nonmiss, prev_nonmiss)
                 + "    instructions (table miss):\n"
                 + _format_instruction_features(table.miss, prev_miss))
    elif not _instructions_empty(table.nonmiss):
        text += ("    instructions (table miss and others):\n"
                 + _format_instruction_features(table.nonmiss, prev_nonmiss))
    if table.match:
        if previous is not None and table.match == previous.match:
            text += "    (same matching)\n"
        else:
            text += _format_matching(table)
    return text


def _c_hex(value: int) -> str:
    return "%#x" % value if value else "0"


def format_tables(tables, stats=None) -> str:
    """Tables (TableDescriptions) as ovs-ofctl prints them, each after "\\n", runs of tables
    the same as their predecessor folded into "tables A...B: ditto"; `stats`, when given,
    are the table-stats entries that go with `tables`."""
    text, previous, previous_stats, ditto = "", None, None, None
    for index, table in enumerate(tables):
        entry = stats[index] if stats is not None else None
        same_stats = entry is None or (previous_stats is not None and (
            entry.active_count, entry.lookup_count, entry.matched_count) == (
            previous_stats.active_count, previous_stats.lookup_count,
            previous_stats.matched_count))
        same_features = previous is not None and _features_equal(table, previous)
        if same_stats and same_features and not table.name:
            ditto = (ditto[0] if ditto else table.table_id, table.table_id)
        else:
            text += _format_ditto(ditto)
            ditto = None
            if same_stats and same_features:
                text += "\n  table %d (\"%s\"): ditto" % (table.table_id, table.name)
            else:
                text += _format_table(table, previous, entry)
        previous, previous_stats = table, entry
    return text + _format_ditto(ditto)


def _format_ditto(ditto) -> str:
    if ditto is None:
        return ""
    if ditto[0] == ditto[1]:
        return "\n  table %d: ditto\n" % ditto[0]
    return "\n  tables %d...%d: ditto\n" % ditto


def _format_table_stats_reply(message: m.TableStatsReply) -> str:
    tables = [describe_table_stats(message.version, entry) for entry in message.tables]
    return _multipart_flags(message) + format_tables(tables, list(message.tables))


def _format_table_features_reply(message: m.TableFeaturesReply) -> str:
    tables = [describe_table_features(message.version, entry) for entry in message.tables]
    return _multipart_flags(message) + format_tables(tables)


_NAMES.update({
    m.TableStatsRequest: "OFPST_TABLE request", m.TableStatsReply: "OFPST_TABLE reply",
    m.TableFeaturesRequest: "OFPST_TABLE_FEATURES request",
    m.TableFeaturesReply: "OFPST_TABLE_FEATURES reply",
})
_BODY_FORMATTERS.update({
    m.TableStatsRequest: lambda message: _multipart_flags(message) + "\n",
    m.TableStatsReply: _format_table_stats_reply,
    m.TableFeaturesRequest: _format_table_features_reply,
    m.TableFeaturesReply: _format_table_features_reply,
})


# ---- table mod ---------------------------------------------------------------------------------

# ovs-ofctl reads an OpenFlow 1.4+ eviction property's flags as its eviction setting.
_EVICTION_FLAG_WORDS = {0: "default", 1: "on", 2: "off"}


def _format_table_mod(message: m.TableMod) -> str:
    text = (" table_id: ALL_TABLES" if message.table_id == tm.OFPTT_ALL
            else " table_id=%d" % message.table_id)
    if message.version in (OFP11, OFP12):
        return text + ", flow_miss_config=%s\n" % tm.table_miss(message)
    if message.version < OFP14:
        return text + "\n"
    if message.eviction_flags is not None:
        eviction = _EVICTION_FLAG_WORDS.get(message.eviction_flags, "***error***")
    else:
        eviction = "on" if tm.eviction(message) else "off"
    text += ", eviction=%s, vacancy=" % eviction
    if not tm.vacancy_events(message):
        return text + "off\n"
    down, up, _vacancy = message.vacancy or (0, 0, 0)
    return text + "on vacancy:%d,%d\n" % (down, up)


_NAMES[m.TableMod] = "OFPT_TABLE_MOD"
_BODY_FORMATTERS[m.TableMod] = _format_table_mod
