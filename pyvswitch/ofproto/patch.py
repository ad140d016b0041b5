"""Patch ports: which patch ports are joined, among all the bridges of one datapath.

What it owns: every patch port plugged into a bridge on one datapath, the links between
them, and the one re-entrant lock all those bridges share.  A translation that crosses a
patch port goes on reading the peer bridge's tables under the lock it already holds, so
no thread ever holds one bridge's lock while waiting for another's.
`PatchPanel.of(datapath)` finds (or makes) a datapath's panel.

The linking rule is ovs-vswitchd's: patch port A on bridge X and patch port B on bridge Y
(X may be Y) are linked when A's peer is B, B's peer is A, and X and Y have the same
datapath type.  A port without such a partner stays plugged (it keeps its OpenFlow port
number and output to it goes nowhere) and `error(name)` says why, in ovs-vswitchd's words:
"No usable peer 'B' exists in 'system' datapath."

Flow in: `plug`, `unplug` and `relink` (after a bridge's datapath type changed) from the
bridges, on the control thread with the lock held.  Flow out: after each change, every
bridge whose links changed gets `set_patch_links({ofport: xlate.PatchLink})`, still under
the lock; the bridge invalidates the datapath once it has released the lock.

Bridges are duck-typed here: `datapath_type` (str), `pipeline()` and `set_patch_links()`.
"""
from __future__ import annotations

import dataclasses
import threading
import weakref
from typing import Any, Optional

from pyvswitch.netdev.patch import PatchNetdev
from pyvswitch.ofproto.xlate import PatchLink

_panels: "weakref.WeakKeyDictionary[Any, PatchPanel]" = weakref.WeakKeyDictionary()
_panels_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class _Plug:
    bridge: Any
    ofport: int
    netdev: PatchNetdev


class PatchPanel:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._plugs: dict[str, _Plug] = {}          # patch port name -> where it is plugged
        self._pushed: dict[Any, dict[int, PatchLink]] = {}   # bridge -> links it was given

    @classmethod
    def of(cls, datapath: Any) -> "PatchPanel":
        """The panel shared by every bridge on `datapath`."""
        with _panels_lock:
            panel = _panels.get(datapath)
            if panel is None:
                panel = _panels[datapath] = cls()
            return panel

    def plug(self, bridge: Any, ofport: int, netdev: PatchNetdev) -> None:
        """Patch port `netdev` is now OpenFlow port `ofport` of `bridge`."""
        self._plugs[netdev.name] = _Plug(bridge, ofport, netdev)
        self.relink()

    def unplug(self, bridge: Any, name: str) -> None:
        plug = self._plugs.get(name)
        if plug is not None and plug.bridge is bridge:
            del self._plugs[name]
            self.relink()

    def error(self, name: str) -> Optional[str]:
        """Why plugged patch port `name` is not linked; None when it is (or is not plugged)."""
        plug = self._plugs.get(name)
        if plug is None or self._partner(plug) is not None:
            return None
        return "No usable peer '%s' exists in '%s' datapath." % (plug.netdev.peer,
                                                                plug.bridge.datapath_type)

    def relink(self) -> None:
        """Recomputes every link and hands each bridge whose links changed its new ones."""
        links: dict[Any, dict[int, PatchLink]] = {}
        for plug in self._plugs.values():
            partner = self._partner(plug)
            if partner is not None:
                links.setdefault(plug.bridge, {})[plug.ofport] = PatchLink(
                    partner.bridge.pipeline, partner.ofport, plug.netdev, partner.netdev)
        for bridge in self._pushed.keys() | links.keys():
            new = links.get(bridge, {})
            if self._pushed.get(bridge, {}) != new:
                bridge.set_patch_links(new)
        self._pushed = links

    def _partner(self, plug: _Plug) -> Optional[_Plug]:
        partner = self._plugs.get(plug.netdev.peer)
        if partner is None or partner.netdev.peer != plug.netdev.name \
                or partner.bridge.datapath_type != plug.bridge.datapath_type:
            return None
        return partner
