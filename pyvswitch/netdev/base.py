"""The netdev provider interface: what the datapath needs from a port, and nothing more.

A netdev is one network device the switch sends and receives frames on.  Providers
(`afpacket` for existing kernel devices, `tap` for internal ports, `patch`, `dummy` for
tests, `tunnel` for vxlan and geneve) implement this narrow interface; nothing here knows
OpenFlow or OVSDB.

Frames travel as `bytes`-like objects holding a whole Ethernet frame, VLAN tags inline.
A frame may carry offload metadata, a `VnetHdr` (the kernel's struct virtio_net_hdr):
its checksum may be partial (NEEDS_CSUM: csum_start/csum_offset say where the
checksum goes) or it may be a GSO super-frame (gso_type/gso_size) larger than the MTU.
A netdev that can take such frames as they are says so with `accepts_offloads`; for
one that cannot, `send_batch` must complete checksums and segment in software
(see `pyvswitch.netdev.offload`), so what reaches the wire is always correct.

Tunnel ports (`tunnel.TunnelNetdev`) extend this in two ways.  A netdev with `rx_metadata`
True returns (frame, vnet, metadata) triples from recv_batch, `metadata` being flow-key bits
(tun_id, tun_src, tun_dst as pyvswitch.fields lays them out) the datapath ORs into the
frame's key.  And send_batch of a tunnel port also takes (frame, vnet, TunnelHeader)
triples, from the datapath's tunnel output action (see pyvswitch.datapath.actions).

Threading: the datapath thread alone calls recv_batch/send_batch.  Control-plane
threads may call the read-only getters (stats, link state, mtu, mac).
"""
from __future__ import annotations

import abc
import dataclasses
import errno
from typing import Iterable, NamedTuple, Optional


class NetdevError(Exception):
    """Opening or configuring a device failed; str() is what goes in Interface:error,
    e.g. 'could not open network device p0 (No such device)'."""

    def __init__(self, message: str, errno: int = 0):
        super().__init__(message)
        self.errno = errno


class VnetHdr(NamedTuple):
    """struct virtio_net_hdr (without num_buffers), host byte order."""
    flags: int = 0          # VIRTIO_NET_HDR_F_NEEDS_CSUM = 1, DATA_VALID = 2
    gso_type: int = 0       # NONE 0, TCPV4 1, UDP 3 (UFO), TCPV6 4, UDP_L4 5 (USO), ECN 0x80
    hdr_len: int = 0
    gso_size: int = 0
    csum_start: int = 0
    csum_offset: int = 0


VNET_HDR_F_NEEDS_CSUM = 1
VNET_HDR_F_DATA_VALID = 2
VNET_HDR_GSO_NONE = 0
VNET_HDR_GSO_TCPV4 = 1
VNET_HDR_GSO_UDP = 3
VNET_HDR_GSO_TCPV6 = 4
VNET_HDR_GSO_UDP_L4 = 5
VNET_HDR_GSO_ECN = 0x80


@dataclasses.dataclass
class NetdevStats:
    rx_packets: int = 0
    rx_bytes: int = 0
    rx_dropped: int = 0
    rx_errors: int = 0
    tx_packets: int = 0
    tx_bytes: int = 0
    tx_dropped: int = 0
    tx_errors: int = 0
    collisions: int = 0


class Netdev(abc.ABC):
    """One device.  `kind` is the Interface `type` it serves ('system', 'internal', ...)."""

    kind: str = ""
    #: True when send_batch accepts frames with partial checksums / GSO as they are.
    accepts_offloads: bool = False

    def __init__(self, name: str):
        self.name = name

    @abc.abstractmethod
    def fileno(self) -> Optional[int]:
        """A descriptor that polls readable when recv_batch has frames, or None if the
        device never receives by itself (frames then arrive via the datapath directly)."""

    @abc.abstractmethod
    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        """Up to max_frames received frames, without blocking; [] when none are ready."""

    @abc.abstractmethod
    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        """Transmit frames.  Never raises for a full queue: count it in tx_dropped."""

    def clear_error(self) -> bool:
        """The descriptor polled with an error and nothing to receive.  Clear a transient error (a
        socket's pending error, e.g. after a flood) and return True to keep polling; False when the
        device is gone for good."""
        return True

    @abc.abstractmethod
    def close(self) -> None:
        """Release the device (a TAP created for an internal port is removed)."""

    # ---- read by the control plane ----
    def get_stats(self) -> NetdevStats:
        return NetdevStats()

    def rx_overruns(self) -> int:
        """Frames the device's receive queue lost because the datapath did not take them in
        time (e.g. a full AF_PACKET ring), since open; part of rx_dropped and of the
        datapath's `lost` count."""
        return 0

    def get_statistics(self) -> dict[str, int]:
        """Interface:statistics: the counters this device keeps, by OVSDB key."""
        return dataclasses.asdict(self.get_stats())

    def get_carrier_resets(self) -> Optional[int]:
        """Interface:link_resets: how often the link went down while open, None if unknown."""
        return None

    def get_mtu(self) -> Optional[int]:
        return None

    def get_mac(self) -> Optional[bytes]:
        return None

    def get_ifindex(self) -> Optional[int]:
        return None

    def get_link_state(self) -> str:
        """'up' or 'down' (carrier)."""
        return "up"

    def get_admin_state(self) -> str:
        """'up' or 'down' (IFF_UP)."""
        return "up"

    # ---- configured by the control plane ----
    def set_mtu(self, mtu: int) -> None:
        """Change the device's MTU (Interface mtu_request)."""
        raise NetdevError("%s: cannot set MTU (Operation not supported)" % self.name,
                          errno.EOPNOTSUPP)

    def set_mac(self, mac: bytes) -> None:
        """Change the device's Ethernet address (e.g. a bridge's local port)."""
        raise NetdevError("%s: cannot set Ethernet address (Operation not supported)"
                          % self.name, errno.EOPNOTSUPP)
