"""ofproto/trace: a packet's path through a bridge's OpenFlow pipeline, as ovs-vswitchd prints it.

    ofproto/trace BRIDGE FLOW [-generate | PACKET]

FLOW is ovs-ofctl match syntax naming the packet's fields exactly (unnamed fields are 0,
in_port an OpenFlow port number or name); PACKET, hex, is a frame whose fields replace the
packet ones.  Without -generate or a PACKET the translation has no side effects (no MAC
learning, no learned flows: "suppressing side effects"); with one it runs as a real packet's
upcall would (learning included), though nothing is sent.

The output is Open vSwitch's:
    Flow: <the packet as a flow>

    bridge("br0")
    -------------
     0. <rule's match>, priority N
        <action>
    ...
    Final flow: unchanged | <the flow after the pipeline's rewrites>
    Megaflow: <the datapath flow translation would install>
    Datapath actions: <its actions>
Translation records `TraceEvent`s (pyvswitch.ofproto.xlate); this module turns them into
Open vSwitch's node tree and indents it its way: a table visited while running an action
list is a sibling that follows the action, its actions are its children, and a node is
printed 4 spaces per level, one level further in when it is a leaf or has later siblings
(so the last table of a list lines its number up with the actions above it).
"""
from __future__ import annotations

from typing import Optional

from pyvswitch import fields as F
from pyvswitch.datapath.dpctl import format_actions as format_datapath_actions
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.syntax import PortNames, format_match
from pyvswitch.ofproto.syntax.actions_print import format_action
from pyvswitch.ofproto.syntax.values import format_value
from pyvswitch.ofproto.xlate import TraceEvent

_ETH_FIELDS = ("in_port", "vlan_tci", "dl_src", "dl_dst", "dl_type")
_IP_FIELDS = ("nw_src", "nw_dst", "nw_proto", "nw_tos", "nw_ecn", "nw_ttl", "ip_frag")
_IPV6_FIELDS = ("ipv6_src", "ipv6_dst", "ipv6_label", "nw_proto", "nw_tos", "nw_ecn",
                "nw_ttl", "ip_frag")
_ARP_FIELDS = ("arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha")
_PORT_PROTOCOLS = (F.IPPROTO_TCP, F.IPPROTO_UDP, F.IPPROTO_SCTP)
# Metadata a flow shows only when it is set.
_METADATA = (["tun_id", "tun_src", "tun_dst", "tun_flags", "metadata", "pkt_mark",
              "skb_priority"] + ["reg%d" % i for i in range(16)])
_TERMINAL = ("action", "detail", "warn", "error")
_LEAF_FORMATS = {"detail": " -> %s", "warn": " >> %s", "error": " >>>> %s <<<<"}


def flow_match(key: int) -> Match:
    """The packet `key` describes as an exact match over the fields that apply to it, as
    Open vSwitch's flow printer chooses them."""
    names = list(_ETH_FIELDS)
    match = Match()
    tci = F.FIELDS["vlan_tci"].get(key)
    if tci & F.VLAN_CFI:
        names.append("vlan_tci1")
    dl_type = F.FIELDS["dl_type"].get(key)
    proto = F.FIELDS["nw_proto"].get(key)
    later_fragment = F.FIELDS["ip_frag"].get(key) & F.FRAG_LATER
    if dl_type in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6):
        names += _IP_FIELDS if dl_type == F.ETH_TYPE_IP else _IPV6_FIELDS
        if not later_fragment:
            if proto in _PORT_PROTOCOLS:
                names += ["tp_src", "tp_dst"]
                if proto == F.IPPROTO_TCP:
                    names.append("tcp_flags")
            elif proto == F.IPPROTO_ICMP and dl_type == F.ETH_TYPE_IP:
                names += ["icmp_type", "icmp_code"]
            elif proto == F.IPPROTO_ICMPV6 and dl_type == F.ETH_TYPE_IPV6:
                names += ["icmpv6_type", "icmpv6_code"]
                if F.FIELDS["icmpv6_type"].get(key) in (135, 136):
                    names += ["nd_target", "nd_sll", "nd_tll"]
    elif dl_type in (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP):
        names += _ARP_FIELDS
    for name in _METADATA:
        if F.FIELDS[name].get(key):
            names.append(name)
    for name in names:
        match = match.with_field(name, F.FIELDS[name].get(key))
    return match


def format_flow(key: int, ports: Optional[PortNames] = None) -> str:
    return format_match(flow_match(key), ports=ports)


def format_megaflow(key: int, wc: int, ports: Optional[PortNames] = None) -> str:
    """The datapath flow's match, as Open vSwitch prints it in a trace: it always matches
    recirc_id, the packet type (Ethernet: "eth"), in_port and dl_type."""
    wc |= F.FIELDS["in_port"].mask | F.FIELDS["dl_type"].mask
    wc &= F.DATAPATH_KEY_MASK & ~F.FIELDS["recirc_id"].mask
    vlan = F.FIELDS["vlan_tci"]
    if not vlan.get(key) & F.VLAN_CFI:
        # Untagged: the datapath flow says so by having no VLAN, which OVS does not print.
        wc &= ~vlan.mask
    text = format_match(Match(key & wc, wc), ports=ports)
    return "recirc_id=0,eth" + ("," + text if text else "")


class _Node:
    __slots__ = ("kind", "text", "subs")

    def __init__(self, kind: str, text: str):
        self.kind, self.text, self.subs = kind, text, []


def _subfield_result(move, value: int) -> str:
    """What a move wrote, as Open vSwitch's trace says it: "NXM_OF_ETH_DST[] is now ..."."""
    destination = format_action(move).split("->", 1)[1]
    field = F.field(move.dst.field)
    if move.dst.ofs == 0 and move.dst.n_bits == field.width:
        text = format_value(field, value)
    else:
        text = "%#x" % value
    return "%s is now %s" % (destination, text)


def _table_text(table_id: int, rule, ports: Optional[PortNames]) -> str:
    if rule is None:
        return "%2d. No match." % table_id
    match = format_match(rule.match, ports=ports)
    return "%2d. %spriority %d" % (table_id, match + ", " if match else "", rule.priority)


def _tree(events: list[TraceEvent], bridge: str, ports, in_port_name: str) -> list[_Node]:
    root = _Node("bridge", 'bridge("%s")' % bridge)
    containers = {0: root}         # depth d's nodes go into containers[d]
    for event in events:
        parent = containers.get(event.depth, root)
        if event.kind == "table":
            table_id, rule = event.data
            node = _Node("table", _table_text(table_id, rule, ports))
            if rule is None or not rule.actions:
                node.subs.append(_Node("action", "drop"))
            parent.subs.append(node)
            containers[event.depth + 1] = node
        elif event.kind == "bridge":
            node = _Node("bridge", 'bridge("%s")' % event.data)
            parent.subs.append(node)
            containers[event.depth + 1] = node
        elif event.kind == "action":
            parent.subs.append(_Node("action", format_action(event.data, ports)))
        elif event.kind == "subfield":
            parent.subs.append(_Node("detail", _LEAF_FORMATS["detail"]
                                     % _subfield_result(*event.data)))
        else:
            text = str(event.data).replace("{in_port}", in_port_name)
            parent.subs.append(_Node(event.kind, _LEAF_FORMATS[event.kind] % text))
    return [root]


def _print(nodes: list[_Node], level: int, lines: list[str]) -> None:
    for index, node in enumerate(nodes):
        more = 1 if index + 1 < len(nodes) or node.kind in _TERMINAL else 0
        indent = " " * ((level + more) * 4)
        if node.kind == "bridge":
            lines.append("")
            lines.append(indent + node.text)
            lines.append(indent + "-" * len(node.text))
        else:
            lines.append(indent + node.text)
        _print(node.subs, level + 2 * more, lines)


def format_trace(bridge: str, initial_key: int, final_key: int, wc: int,
                 events: list[TraceEvent], datapath_actions: list, datapath_key: int,
                 ports: Optional[PortNames] = None, dp_names=None) -> str:
    """The whole ofproto/trace answer.  Keys carry OpenFlow port numbers as in_port, except
    `datapath_key` (what the datapath actions are formatted against)."""
    in_port = F.FIELDS["in_port"].get(initial_key)
    in_port_name = (ports.by_number.get(in_port) if ports is not None else None) or str(in_port)
    # Open vSwitch's trace prints port numbers; names only in what NORMAL says.
    lines = ["Flow: " + format_flow(initial_key)]
    _print(_tree(events, bridge, None, in_port_name), 0, lines)
    lines.append("")
    final = "unchanged" if final_key == initial_key else format_flow(final_key)
    lines.append("Final flow: " + final)
    lines.append("Megaflow: " + format_megaflow(initial_key, wc))
    lines.append("Datapath actions: "
                 + format_datapath_actions(datapath_actions, datapath_key, names=dp_names))
    return "\n".join(lines) + "\n"

