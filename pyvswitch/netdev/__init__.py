"""Opening ports: maps an Interface `type` to the netdev provider that serves it.

  ""/"system" -> `afpacket.AfPacketNetdev` on an existing kernel device
  "internal"  -> `tap.TapNetdev`, a TAP device created for the port ("tap" too)
  "dummy"     -> `dummy.DummyNetdev`, in memory, only with --enable-dummy
  "patch"     -> `patch.PatchNetdev`, one end of a patch port pair (no device at all)
  "vxlan", "geneve" -> `tunnel.TunnelNetdev`, over a UDP socket shared per local address
                and UDP port

The daemon's --enable-dummy mode is passed as `dummy`: "system" (plain
--enable-dummy) adds the dummy type; "override" also serves system, internal and
tunnel ports with dummies (so, as in OVS, tunnel options are not checked then), so
whole-daemon tests need neither root nor kernel devices.
Any other type fails the way OVS reports an unknown type.
"""
from __future__ import annotations

import errno
import os
import socket

from pyvswitch.netdev.base import Netdev, NetdevError

_KERNEL_KINDS = {"": "system", "system": "system", "internal": "internal", "tap": "tap"}
# The tunnel types Open vSwitch knows; --enable-dummy=override serves all of them with dummies.
_TUNNEL_KINDS = frozenset(("vxlan", "geneve", "gre", "lisp", "stt", "erspan", "ip6erspan",
                           "ip6gre", "gtpu", "bareudp", "srv6"))


def open_netdev(name: str, kind: str, options: dict[str, str], *, dummy: str = "") -> Netdev:
    """Open port `name` of Interface type `kind`; raises NetdevError."""
    if (kind in _KERNEL_KINDS or kind in _TUNNEL_KINDS) and dummy == "override" \
            or kind == "dummy" and dummy:
        from pyvswitch.netdev.dummy import DummyNetdev
        return DummyNetdev(name, _KERNEL_KINDS.get(kind, kind), options)
    if kind in ("", "system"):
        from pyvswitch.netdev.afpacket import AfPacketNetdev
        return AfPacketNetdev(name)
    if kind in ("internal", "tap"):
        from pyvswitch.netdev.tap import TapNetdev
        return TapNetdev(name, kind)
    if kind == "patch":
        from pyvswitch.netdev.patch import PatchNetdev
        return PatchNetdev(name, options)
    if kind in ("vxlan", "geneve"):
        from pyvswitch.netdev.tunnel import TunnelNetdev
        return TunnelNetdev(name, kind, options)
    raise NetdevError("could not open network device %s (%s)"
                      % (name, os.strerror(errno.EAFNOSUPPORT)), errno.EAFNOSUPPORT)


def iface_types(dummy: str = "") -> list[str]:
    """The Interface types open_netdev serves, for Open_vSwitch:iface_types."""
    kinds = {"system", "internal", "tap", "patch", "vxlan", "geneve"}
    if dummy:
        kinds.add("dummy")
    if dummy == "override":
        kinds |= _TUNNEL_KINDS
    return sorted(kinds)


def netdev_exists(name: str) -> bool:
    """Whether a kernel device called `name` exists in our network namespace."""
    try:
        socket.if_nametoindex(name)
    except OSError:
        return False
    return True
