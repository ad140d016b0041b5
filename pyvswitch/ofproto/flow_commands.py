"""The OpenFlow tables' unixctl commands, answering as ovs-vswitchd does.

    ofproto/list                          the bridges, one name a line
    ofproto/trace BRIDGE FLOW [-generate | PACKET]
                                          a packet's path (pyvswitch.ofproto.trace)
    bridge/dump-flows BRIDGE              every flow, hidden ones included, with counters
    dpif/dump-flows BRIDGE                the datapath flows of the bridge's ports

`bridges()` is called on every request, so the commands always see the current bridges.
"""
from __future__ import annotations

from typing import Callable, Mapping

import ovs.unixctl

from pyvswitch import fields as F
from pyvswitch.datapath import dpctl
from pyvswitch.flow import extract_key
from pyvswitch.ofproto import trace as trace_text
from pyvswitch.ofproto.bridge import Bridge
from pyvswitch.ofproto.flow_table import HIDDEN_TABLE_ID
from pyvswitch.ofproto.syntax import (FlowSyntaxError, PortNames, format_actions, format_match,
                                      parse_match)


def port_names_of(bridge: Bridge) -> PortNames:
    names = bridge.port_names()
    return PortNames(by_name={name: number for number, name in names.items()},
                     by_number=names)


def trace(bridge: Bridge, flow: str, packet: str | None) -> str:
    """ofproto/trace's answer; raises ValueError with its error text."""
    ports = port_names_of(bridge)
    try:
        match, _priority = parse_match(flow, ports)
    except FlowSyntaxError as error:
        raise ValueError("Bad openflow flow syntax: %s" % error) from None
    of_key = match.value
    of_port = F.FIELDS["in_port"].get(of_key)
    dp_port = bridge.dp_ports().get(of_port, 0xFFFF)
    key = F.FIELDS["in_port"].set(of_key, dp_port)
    side_effects = packet is not None
    if packet not in (None, "-generate"):
        try:
            frame = bytes.fromhex(packet)
        except ValueError:
            raise ValueError("Trailing garbage in packet data") from None
        metadata = of_key & ~F.PACKET_KEY_MASK
        key = extract_key(frame, dp_port) | metadata
        of_key = F.FIELDS["in_port"].set(key, of_port)
    translation, view = bridge.trace(key, of_port, side_effects=side_effects)
    final_key = view.key                     # in_port there is the OpenFlow one
    return trace_text.format_trace(bridge.name, of_key, final_key, view.wc, translation.trace,
                                   translation.actions, key, ports)


def format_bridge_flows(bridge: Bridge) -> str:
    now = bridge.flow_now()
    ports = None
    lines = []
    rules = bridge.dump_flows(table_id=0xFF) + bridge.dump_flows(table_id=HIDDEN_TABLE_ID)
    for rule in sorted(rules, key=lambda rule: (rule.table_id, -rule.priority)):
        match = format_match(rule.match, ports=ports)
        lines.append("%sduration=%ds, n_packets=%d, n_bytes=%d, priority=%d,%sactions=%s" % (
            "table_id=%d, " % rule.table_id if rule.table_id else "",
            int(rule.duration(now)), rule.n_packets, rule.n_bytes, rule.priority,
            match + "," if match else "", format_actions(rule.actions, ports)))
    return "".join(line + "\n" for line in lines)


def format_dpif_flows(bridge: Bridge) -> str:
    """dpif/dump-flows: dpctl/dump-flows' lines for the flows whose in_port is the bridge's."""
    datapath = bridge.datapath
    ports = set(bridge.dp_ports().values())
    now = datapath.now()
    in_port = F.FIELDS["in_port"]
    return "".join(
        dpctl.format_flow(flow.key, flow.mask, flow.actions, flow.packets, flow.bytes,
                          flow.used, flow.tcp_flags, now) + "\n"
        for flow in datapath.dump_flows() if in_port.get(flow.key) in ports)


def register_unixctl_commands(bridges: Callable[[], Mapping[str, Bridge]]) -> None:
    def ofproto_list(conn, argv, _aux):
        conn.reply("".join(name + "\n" for name in sorted(bridges())))

    def ofproto_trace(conn, argv, _aux):
        bridge = bridges().get(argv[0])
        if bridge is None:
            conn.reply_error("Unknown bridge name")
            return
        if len(argv) < 2:
            conn.reply_error("Must specify bridge name")
            return
        try:
            conn.reply(trace(bridge, argv[1], argv[2] if len(argv) > 2 else None))
        except ValueError as error:
            conn.reply_error(str(error))

    def bridge_dump_flows(conn, argv, _aux):
        bridge = bridges().get(argv[-1])
        if bridge is None:
            conn.reply_error("Unknown bridge %s" % argv[-1])
            return
        conn.reply(format_bridge_flows(bridge))

    def dpif_dump_flows(conn, argv, _aux):
        bridge = bridges().get(argv[-1])
        if bridge is None:
            conn.reply_error("unknown bridge %s" % argv[-1])
            return
        conn.reply(format_dpif_flows(bridge))

    ovs.unixctl.command_register("dpif/dump-flows", "[-m] [--names | --no-names] bridge", 1, 3,
                                 dpif_dump_flows, None)
    ovs.unixctl.command_register("ofproto/list", "", 0, 0, ofproto_list, None)
    ovs.unixctl.command_register("ofproto/trace",
                                 "{[dp_name] odp_flow | bridge br_flow} [-generate|packet]",
                                 1, 3, ofproto_trace, None)
    ovs.unixctl.command_register("bridge/dump-flows", "[--offload-stats] bridge", 1, 2,
                                 bridge_dump_flows, None)
