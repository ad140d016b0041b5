"""The OpenFlow NORMAL action: a learning Ethernet switch with VLANs, as ovs-vswitchd does it.

In: the flow being translated (read through a `FlowView`, so every field consulted joins the
megaflow mask), the OpenFlow port it came in on, the bridge's ports with their `VlanPolicy`,
the bridge's `MacTable`, the time, and what this translation may do to the table (`Learning`):
  * LEARN, a packet's own translation (a datapath upcall): learn, move or refresh the source;
  * REFRESH, accounting for packets a cached translation already forwarded (the datapath's
    revalidator pushing a megaflow's statistics): refresh the source's entry if it is live on
    this port, nothing more.  Learning or moving would apply packets that may be older than
    the table's latest change (a station move, a flush), and is not needed: such a change
    invalidates the cached translations, so the next packet is translated with LEARN;
  * NONE, no side effects (revalidation, trace).
Out: `NormalResult`: the ports the frame leaves through, each with the 802.1Q TCI it must
carry (None: no header); whether the MAC table changed in a way that can alter other
forwarding decisions (the caller then invalidates cached translations; never with REFRESH);
and, with NONE, whether learning from this frame is pending, i.e. a real packet would have
changed the table (the answer then holds for this exact key only).

The decision, in order:
  1. the frame's VLAN is the input port's reading of its outer 802.1Q header (`input_vlan`);
     a VLAN the port does not carry drops the frame;
  2. a frame to a reserved multicast address (STP and other bridge control protocols) is
     dropped unless the bridge has other_config:forward-bpdu=true;
  3. the source address is learned on the input port in that VLAN (never a multicast source);
  4. a known unicast destination goes to its port, unless that is the input port (no
     hairpin: dropped); anything else floods to every other port carrying the VLAN.
Only VID and the tag-present bit of the TCI decide; the priority is read (and so becomes
part of the megaflow) only when an output header carries it.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Mapping, Optional

from pyvswitch.fields import VLAN_CFI
from pyvswitch.flow import FlowView
from pyvswitch.ofproto.mac_learning import MacTable
from pyvswitch.ofproto.vlan import VlanPolicy


def _mac(text: str) -> int:
    return int(text.replace(":", ""), 16)


#: Destinations NORMAL never forwards without forward-bpdu (man 5 ovs-vswitchd.conf.db).
RESERVED_MACS = frozenset(
    [_mac("01:80:c2:00:00:%02x" % i) for i in range(16)]                  # 802.1D, pause, ...
    + [_mac(m) for m in ("00:e0:2b:00:00:00", "00:e0:2b:00:00:04", "00:e0:2b:00:00:06",
                         "01:00:0c:cc:cc:cc", "01:00:0c:cc:cc:cd", "01:00:0c:cd:cd:cd",
                         "01:00:0c:00:00:00")]                             # EDP, EAPS, Cisco
    + [_mac("01:00:0c:cc:cc:c%x" % i) for i in range(8)])                  # Cisco CFM


class Learning(enum.Enum):
    """What a translation may do to the MAC table (see the module docstring)."""
    LEARN = "learn"
    REFRESH = "refresh"
    NONE = "none"


@dataclasses.dataclass
class NormalResult:
    outputs: list[tuple[int, Optional[int]]]      # (OpenFlow port, output TCI or None)
    table_changed: bool = False
    learning_pending: bool = False
    # What ofproto/trace says about the decision, as Open vSwitch words it: ("detail" or
    # "warn", text) in order; "{port}" stands for a port's name, filled in by the trace.
    notes: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def switch(view: FlowView, in_port: int, ports: Mapping[int, VlanPolicy], table: MacTable, *,
           now: float, learning: Learning, forward_bpdu: bool) -> NormalResult:
    """Run NORMAL for the frame in `view` received on OpenFlow port `in_port` at time `now`.
    `ports` maps every port of the bridge to its VLAN policy."""
    dst = view.get("dl_dst")
    src = view.get("dl_src")
    view.unwildcard("vlan_tci", VLAN_CFI | 0x0FFF)
    in_policy = ports.get(in_port)
    if in_policy is None:
        return NormalResult([], notes=[("error", "received packet on unknown port %d" % in_port),
                                       ("warn", "no input bundle, dropping")])
    tag = view.peek("dl_vlan") if view.peek("vlan_tci") & VLAN_CFI else 0
    vlan = in_policy.input_vlan(view.peek("dl_vlan"))
    if vlan is None:
        return NormalResult([], notes=[("warn", "dropping VLAN %d packet received on port "
                                        "{in_port} not configured for trunking VLAN %d"
                                        % (tag, tag))])
    if not forward_bpdu and dst in RESERVED_MACS:
        return NormalResult([], notes=[("warn", "must not forward reserved multicast "
                                        "packets, dropping")])

    changed = pending = False
    notes: list[tuple[str, str]] = []
    if learning is Learning.LEARN:
        changed = table.learn(src, vlan, in_port, now)
        if changed:
            notes.append(("detail", "learned that %s is on port {in_port} in VLAN %d"
                          % (_mac_text(src), vlan)))
    elif learning is Learning.REFRESH:
        table.refresh(src, vlan, in_port, now)
    else:
        pending = table.would_learn(src, vlan, in_port, now)

    learned_port = table.lookup(dst, vlan, now)
    if learned_port is None:
        targets = [port for port in sorted(ports)
                   if port != in_port and ports[port].carries(vlan)]
        notes.append(("detail", "no learned MAC for destination, flooding"))
    elif learned_port != in_port and learned_port in ports:
        targets = [learned_port]
        notes.append(("detail", "forwarding to learned port"))
    else:
        targets = []
        notes.append(("detail", "learned port is input port, dropping"))

    def pcp_of() -> int:
        return view.get("dl_vlan_pcp")

    return NormalResult([(port, ports[port].output_tci(vlan, pcp_of)) for port in targets],
                        changed, pending, notes)


def _mac_text(mac: int) -> str:
    return ":".join("%02x" % byte for byte in mac.to_bytes(6, "big"))
