"""The switching pieces the daemon drives, found at start-up.

What it owns: importing the netdev, datapath and ofproto modules (written and
owned elsewhere) and exposing exactly the calls the bridge layer needs.  Any of
them may be missing in a partial checkout; the daemon then still runs its
database, control socket and configuration bookkeeping, and says what is missing
in the log.  Flow out: a `Backends` value handed to `BridgeLayer`.
"""
from __future__ import annotations

import dataclasses
import importlib
import logging
from typing import Any, Callable, Optional

log = logging.getLogger("bridge")


@dataclasses.dataclass
class Backends:
    open_netdev: Optional[Callable[..., Any]] = None
    netdev_exists: Optional[Callable[[str], bool]] = None
    netdev_error: type = Exception
    datapath: Any = None                     # the one Datapath instance, started
    bridge_class: Optional[Callable[..., Any]] = None
    port_vlan_config: Optional[Callable[..., Any]] = None
    openflow_class: Optional[Callable[..., Any]] = None   # ofview.BridgeOpenFlow
    missing: list[str] = dataclasses.field(default_factory=list)


def _import(module: str, *names: str) -> Optional[list[Any]]:
    try:
        mod = importlib.import_module(module)
        return [getattr(mod, name) for name in names]
    except (ImportError, AttributeError) as e:
        log.debug("%s unavailable: %s", module, e)
        return None


def load() -> Backends:
    """Imports what exists.  Nothing is started here."""
    b = Backends()
    netdev = _import("pyvswitch.netdev", "open_netdev", "netdev_exists")
    if netdev:
        b.open_netdev, b.netdev_exists = netdev
    else:
        b.missing.append("pyvswitch.netdev.open_netdev")
    base = _import("pyvswitch.netdev.base", "NetdevError")
    if base:
        b.netdev_error = base[0]
    ofproto = _import("pyvswitch.ofproto.bridge", "Bridge", "PortVlanConfig")
    if ofproto:
        b.bridge_class, b.port_vlan_config = ofproto
    else:
        b.missing.append("pyvswitch.ofproto.bridge.Bridge")
    openflow = _import("pyvswitch.vswitchd.ofview", "BridgeOpenFlow")
    if openflow:
        b.openflow_class = openflow[0]
    else:
        b.missing.append("pyvswitch.ofproto.connmgr")
    return b


def start_datapath(b: Backends, dummy: str) -> None:
    """`dummy` is the --enable-dummy mode; with "override" the datapath numbers
    its ports the way OVS's dummy datapath does."""
    dpif = _import("pyvswitch.datapath.dpif", "Datapath")
    if dpif is None:
        b.missing.append("pyvswitch.datapath.dpif.Datapath")
        return
    b.datapath = dpif[0](dummy=dummy == "override")
    b.datapath.start()


def register_unixctl_commands(b: Backends, bridges: Callable[[], dict[str, Any]],
                              dummy: str) -> None:
    """The datapath's (dpctl/*, dpif/*, upcall/*), ofproto's (fdb/*) and, with
    --enable-dummy, the dummy netdevs' (netdev-dummy/*) own commands."""
    if dummy:
        register = _import("pyvswitch.netdev.dummy", "register_unixctl_commands")
        if register:
            register[0]()
        else:
            b.missing.append("pyvswitch.netdev.dummy")
    if b.datapath is not None:
        register = _import("pyvswitch.datapath.commands", "register_unixctl_commands")
        if register:
            register[0](b.datapath, bridges)
        else:
            b.missing.append("pyvswitch.datapath.commands")
    if b.bridge_class is not None:
        register = _import("pyvswitch.ofproto.commands", "register_unixctl_commands")
        if register:
            register[0](bridges)
        else:
            b.missing.append("pyvswitch.ofproto.commands")
