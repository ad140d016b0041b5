"""Opening ports: maps an Interface `type` to the netdev provider that serves it.

  ""/"system" -> `afpacket.AfPacketNetdev` on an existing kernel device
  "internal"  -> `tap.TapNetdev`, a TAP device created for the port ("tap" too)
  "dummy"     -> `dummy.DummyNetdev`, in memory, only with --enable-dummy

The daemon's --enable-dummy mode is passed as `dummy`: "system" (plain
--enable-dummy) adds the dummy type; "override" also serves system and internal
ports with dummies, so whole-daemon tests need neither root nor kernel devices.
Any other type fails the way OVS reports an unknown type.
"""
from __future__ import annotations

import errno
import os
import socket

from pyvswitch.netdev.base import Netdev, NetdevError

_KERNEL_KINDS = {"": "system", "system": "system", "internal": "internal", "tap": "tap"}


def open_netdev(name: str, kind: str, options: dict[str, str], *, dummy: str = "") -> Netdev:
    """Open port `name` of Interface type `kind`; raises NetdevError."""
    if kind in _KERNEL_KINDS and dummy == "override" or kind == "dummy" and dummy:
        from pyvswitch.netdev.dummy import DummyNetdev
        return DummyNetdev(name, _KERNEL_KINDS.get(kind, kind), options)
    if kind in ("", "system"):
        from pyvswitch.netdev.afpacket import AfPacketNetdev
        return AfPacketNetdev(name)
    if kind in ("internal", "tap"):
        from pyvswitch.netdev.tap import TapNetdev
        return TapNetdev(name, kind)
    raise NetdevError("could not open network device %s (%s)"
                      % (name, os.strerror(errno.EAFNOSUPPORT)), errno.EAFNOSUPPORT)


def netdev_exists(name: str) -> bool:
    """Whether a kernel device called `name` exists in our network namespace."""
    try:
        socket.if_nametoindex(name)
    except OSError:
        return False
    return True
