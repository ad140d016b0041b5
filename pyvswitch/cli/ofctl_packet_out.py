"""pyvs-ofctl packet-out: ovs-ofctl(8)'s "packet-out SWITCH PACKET-OUT" command.

PACKET-OUT is "in_port=PORT packet=HEX actions=ACTIONS" (words separated by spaces or
commas; `actions=` takes the rest of the text).  The packet-out goes to the switch followed by
a barrier, as ovs-ofctl sends it; an error reply is printed and the exit status is 1.
"""
from __future__ import annotations

import re
from typing import Optional

from pyvswitch.cli import ofctl_flows
from pyvswitch.ofproto import ofpact, syntax
from pyvswitch.ofproto.protocol import messages as m

_WORD = re.compile(r"\s*([a-z_]+)=")
_VALUE = re.compile(r"([^\s,]*)[\s,]*")


class PacketOutError(Exception):
    """Bad PACKET-OUT text; str() is ovs-ofctl's message."""


def parse_packet_out(text: str, ports: syntax.PortNames) -> tuple[int, bytes, tuple]:
    """(in_port, frame, actions) of a PACKET-OUT argument."""
    in_port: Optional[int] = None
    packet: Optional[bytes] = None
    actions: tuple = ()
    rest = text.strip()
    while rest:
        word = _WORD.match(rest)
        if word is None:
            raise PacketOutError("%s: unknown keyword" % rest.split()[0])
        key, rest = word.group(1), rest[word.end():]
        if key == "actions":
            try:
                actions = syntax.parse_actions(rest, ports)
            except syntax.FlowSyntaxError as error:
                raise PacketOutError(str(error)) from None
            break
        value_end = _VALUE.match(rest)
        value, rest = value_end.group(1), rest[value_end.end():]
        if key == "in_port":
            in_port = _port(value, ports)
        elif key == "packet":
            try:
                packet = bytes.fromhex(value)
            except ValueError:
                raise PacketOutError("%s: invalid packet" % value) from None
        else:
            raise PacketOutError("%s: unknown keyword %s" % (text, key))
    if packet is None:
        raise PacketOutError("must specify packet")
    return (ofpact.OFPP_NONE if in_port is None else in_port), packet, actions


def _port(value: str, ports: syntax.PortNames) -> int:
    reserved = {"LOCAL": ofpact.OFPP_LOCAL, "CONTROLLER": ofpact.OFPP_CONTROLLER,
                "NONE": ofpact.OFPP_NONE, "ANY": ofpact.OFPP_NONE}
    if value.upper() in reserved:
        return reserved[value.upper()]
    if value.isdigit():
        return int(value)
    if value in ports.by_name:
        return ports.by_name[value]
    raise PacketOutError("%s: invalid or unknown port for in_port" % value)


def cmd_packet_out(session, switch: str, text: str) -> None:
    ports = ofctl_flows.Names(session).for_parsing(switch)
    try:
        in_port, packet, actions = parse_packet_out(text, ports)
    except PacketOutError as error:
        session.fatal(str(error))
    channel = session.open(switch)
    try:
        message = m.PacketOut(version=channel.version, xid=channel.next_xid(),
                              in_port=in_port, actions=actions, data=packet)
        ofctl_flows._transact_noreply(channel, [message])
    finally:
        channel.close()


COMMANDS = {"packet-out": (cmd_packet_out, 2, 2)}
