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
