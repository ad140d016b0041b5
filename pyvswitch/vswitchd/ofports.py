"""OpenFlow port numbers of one bridge, allocated the way ovs-vswitchd does.

Pure bookkeeping, no I/O.  The bridge's own interface (named like the bridge)
is always LOCAL (65534).  Any other interface gets its Interface:ofport_request
when that is a valid number (1..65279) not held by another interface, otherwise
the lowest free number >= 1.  A number stays with its interface for as long as
the interface exists; only a changed ofport_request moves it.

An interface new to us may carry a hint, the number its Interface:ofport column
still holds (e.g. from before a restart); like ovs-vswitchd we reuse it when it
is free, so port numbers survive daemon restarts.

`plan()` decides numbers for a whole batch so that explicit requests and hints
are honoured before automatic numbers are handed out in the same batch.
"""
from __future__ import annotations

from typing import Optional

LOCAL = 65534
MAX_PORT = 0xff00 - 1     # 65279: numbers above are reserved by OpenFlow


def valid_request(request: Optional[int]) -> bool:
    return request is not None and 1 <= request <= MAX_PORT


class OfportTable:
    def __init__(self, bridge_name: str):
        self.bridge_name = bridge_name
        self._by_iface: dict[str, int] = {}

    def get(self, iface: str) -> Optional[int]:
        return self._by_iface.get(iface)

    def release(self, iface: str) -> None:
        self._by_iface.pop(iface, None)

    def plan(self, wanted: dict[str, Optional[int]],
             hints: Optional[dict[str, int]] = None) -> dict[str, int]:
        """Numbers for the interfaces in `wanted` (name -> ofport_request or None),
        which must already exclude interfaces that have been released; `hints`
        maps names to previously used numbers.  Records and returns the full
        mapping for these names."""
        hints = hints or {}
        used = {n for name, n in self._by_iface.items() if name not in wanted}
        result: dict[str, int] = {}
        # 1. The local port, and interfaces keeping their numbers.
        for name, request in wanted.items():
            current = self._by_iface.get(name)
            if name == self.bridge_name:
                result[name] = LOCAL
            elif current is not None and (not valid_request(request) or request == current):
                result[name] = current
        used |= set(result.values())
        # 2. Explicit requests, when free.
        for name, request in wanted.items():
            if name not in result and valid_request(request) and request not in used:
                result[name] = request
                used.add(request)
        # 3. Numbers interfaces had before we knew them.
        for name in wanted:
            hint = hints.get(name)
            if name not in result and name not in self._by_iface and valid_request(hint) \
                    and hint not in used:
                result[name] = hint
                used.add(hint)
        # 4. Everything else: the lowest free number.
        next_free = 1
        for name in wanted:
            if name in result:
                continue
            current = self._by_iface.get(name)
            if current is not None and current not in used:
                result[name] = current       # its request was taken; keep what it had
            else:
                while next_free in used:
                    next_free += 1
                result[name] = next_free
            used.add(result[name])
        self._by_iface.update(result)
        return result
