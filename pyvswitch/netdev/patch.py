"""`patch` netdevs: one end of a patch port pair, a wire between two bridges.

A patch port has no device and no datapath port: frames never pass through this object.
The bridge it is attached to links it to the patch port its `peer` option names (see
pyvswitch.ofproto.patch); translation then carries a frame sent to it straight into the
peer's bridge.

What it owns: the validated `peer` option, an Ethernet address (random, locally
administered, as ovs-vswitchd gives its patch ports) and packet/byte counters, the only
statistics a patch port has.  Translation bumps them (`count_tx`/`count_rx`) for the
packets it carries across, under the bridge's lock; the control plane only reads them.
The bridge recognizes a patch port by its class (`kind` is "patch").

Options are checked as ovs-vswitchd checks them; a bad configuration raises NetdevError
with its exact text (it becomes Interface:error):
  * no `peer`:             "NAME: patch type requires valid 'peer' argument"
  * anything besides peer: "NAME: patch type takes only a 'peer' argument"
  * peer is NAME itself:   "NAME: patch peer must not be self"
"""
from __future__ import annotations

import errno
import os
from typing import Iterable, Optional

from pyvswitch.netdev.base import Netdev, NetdevError, NetdevStats, VnetHdr

KIND = "patch"


def _random_local_mac() -> bytes:
    octets = bytearray(os.urandom(6))
    octets[0] = octets[0] & 0xFE | 0x02          # unicast, locally administered
    return bytes(octets)


class PatchNetdev(Netdev):
    kind = KIND

    def __init__(self, name: str, options: dict[str, str]):
        super().__init__(name)
        peer = options.get("peer")
        if peer is None:
            raise NetdevError("%s: patch type requires valid 'peer' argument" % name, errno.EINVAL)
        if len(options) > 1:
            raise NetdevError("%s: patch type takes only a 'peer' argument" % name, errno.EINVAL)
        if peer == name:
            raise NetdevError("%s: patch peer must not be self" % name, errno.EINVAL)
        self.peer = peer
        self._mac = _random_local_mac()
        self._rx_packets = self._rx_bytes = self._tx_packets = self._tx_bytes = 0

    def count_tx(self, n_packets: int, n_bytes: int) -> None:
        self._tx_packets += n_packets
        self._tx_bytes += n_bytes

    def count_rx(self, n_packets: int, n_bytes: int) -> None:
        self._rx_packets += n_packets
        self._rx_bytes += n_bytes

    def fileno(self) -> Optional[int]:
        return None

    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        return []

    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        raise NetdevError("%s: a patch port is not a datapath port" % self.name)

    def close(self) -> None:
        pass

    def get_stats(self) -> NetdevStats:
        return NetdevStats(rx_packets=self._rx_packets, rx_bytes=self._rx_bytes,
                           tx_packets=self._tx_packets, tx_bytes=self._tx_bytes)

    def get_statistics(self) -> dict[str, int]:
        return {"rx_packets": self._rx_packets, "rx_bytes": self._rx_bytes,
                "tx_packets": self._tx_packets, "tx_bytes": self._tx_bytes}

    def get_carrier_resets(self) -> Optional[int]:
        return 0

    def get_mac(self) -> Optional[bytes]:
        return self._mac

    def get_ifindex(self) -> Optional[int]:
        return 0
