"""A bridge as its OpenFlow management socket ($PYVS_RUNDIR/<bridge>.mgmt) shows it.

What it owns: the bridge's `ConnectionManager` (pyvswitch.ofproto.connmgr, which runs
its own thread) and the `SwitchView` that manager reads: the datapath ID and one
`PortInfo` per attached port.  The bridge layer reports ports as it attaches,
detaches and refreshes them; each change is published as a new copy of the
port map, never modified afterwards (so the manager's thread never sees a
half-made one), and announced to OpenFlow clients as a PORT_STATUS
add/delete/modify.  The manager's thread orders the ports when it asks for them.
"""
from __future__ import annotations

from typing import Any

from pyvswitch.ofproto.connmgr import ConnectionManager, PortInfo
from pyvswitch.ofproto.protocol import flags
from pyvswitch.ofproto.protocol import messages


def port_info(ofport: int, name: str, netdev: Any) -> PortInfo:
    """Kernel devices (veth, TAP) report what ethtool says of virtual Ethernet;
    dummy devices report no features, as in Open vSwitch."""
    is_kernel_device = bool(netdev.get_ifindex())
    return PortInfo(ofport, name, netdev.get_mac() or bytes(6),
                    admin_down=netdev.get_admin_state() == "down",
                    link_down=netdev.get_link_state() == "down",
                    curr=flags.VIRTUAL_ETHERNET_FEATURES if is_kernel_device
                    else flags.PortFeatures(0))


class BridgeOpenFlow:
    def __init__(self, bridge_name: str, rundir: str, flow_tables: Any = None):
        self._dpid = 0
        self._flow_tables = flow_tables
        self._ports: dict[int, PortInfo] = {}
        self._published: dict[int, PortInfo] = {}
        self._manager = ConnectionManager(bridge_name, rundir, self)

    # ---- SwitchView, read from the manager's thread ----
    def datapath_id(self) -> int:
        return self._dpid

    def ports(self) -> tuple[PortInfo, ...]:
        return tuple(sorted(self._published.values(), key=lambda p: p.ofport))

    def flow_tables(self) -> Any:
        """The bridge (pyvswitch.ofproto.bridge.Bridge): it serializes its own access."""
        return self._flow_tables

    # ---- from the bridge layer ----
    def start(self) -> None:
        self._manager.start()

    def stop(self) -> None:
        self._manager.stop()

    def set_datapath_id(self, dpid: int) -> None:
        self._dpid = dpid

    def port_added(self, ofport: int, name: str, netdev: Any) -> None:
        self._publish(ofport, port_info(ofport, name, netdev), messages.OFPPR_ADD)

    def port_removed(self, ofport: int) -> None:
        info = self._ports.pop(ofport, None)
        if info is not None:
            self._published = dict(self._ports)
            self._manager.port_status(messages.OFPPR_DELETE, info)

    def refresh(self, ofport: int, name: str, netdev: Any) -> None:
        """Re-reads the device; announces a change (link up/down, address)."""
        info = port_info(ofport, name, netdev)
        if self._ports.get(ofport) != info:
            self._publish(ofport, info, messages.OFPPR_MODIFY)

    def _publish(self, ofport: int, info: PortInfo, reason: int) -> None:
        self._ports[ofport] = info
        self._published = dict(self._ports)
        self._manager.port_status(reason, info)
