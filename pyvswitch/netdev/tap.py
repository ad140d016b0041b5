"""`internal` ports: a TAP device we create, named after the port.

What it owns: the /dev/net/tun descriptor.  The device lives exactly as long as
that descriptor (it is not made persistent), so `close` removes it, wherever it
is; and because frames flow through the descriptor, the port keeps working
after someone moves the device into another network namespace
(`ip link set X netns NS`).

Offloads.  The TAP is opened with IFF_VNET_HDR and a 10-byte header
(TUNSETVNETHDRSZ), and TUNSETOFFLOAD tells the kernel it may hand us partial
checksums and TSO (v4, v6, ECN) super-frames, plus USO (UDP GSO) where the kernel
knows it.  Writes accept a partial checksum and the same GSO types; a UDP GSO
frame for a kernel without USO is segmented in software first.

The kernel gives the device a random locally administered MAC, as OVS's
internal ports get.  Like OVS's internal ports, the device is left down: the
user brings it up (`ip link set br0 up`).

Receive reads the descriptor until it would block or the batch is full (the
kernel has no batched read for TAPs).  Counters are kept here, from the switch's
point of view (rx = frames the host sent into the port), because the kernel's own
counters vanish from view once the device moves to another namespace.  Link
facts come from the kernel while the device is visible in our namespace, and
from the last answer after it moved.
"""
from __future__ import annotations

import errno
import fcntl
import os
import struct
from typing import Iterable, Optional

from pyvswitch.netdev import linkinfo
from pyvswitch.netdev.base import (
    VNET_HDR_F_NEEDS_CSUM,
    VNET_HDR_GSO_ECN,
    VNET_HDR_GSO_NONE,
    VNET_HDR_GSO_TCPV4,
    VNET_HDR_GSO_TCPV6,
    VNET_HDR_GSO_UDP_L4,
    Netdev,
    NetdevError,
    NetdevStats,
    VnetHdr,
)
from pyvswitch.netdev.offload import (
    VNET_HDR_SIZE,
    VNET_HDR_STRUCT,
    ZERO_VNET_HDR_BYTES,
    OffloadError,
    software_offload,
)

TUNSETIFF = 0x400454CA
TUNSETOFFLOAD = 0x400454D0
TUNSETVNETHDRSZ = 0x400454D8
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
TUN_F_CSUM = 0x01
TUN_F_TSO4 = 0x02
TUN_F_TSO6 = 0x04
TUN_F_TSO_ECN = 0x08
TUN_F_USO4 = 0x20
TUN_F_USO6 = 0x40

_IFREQ = struct.Struct("16sH22x")
_MAX_FRAME = 65536 + 1024
_IFNAMSIZ = 16
_TCP_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN
_SEND_DROPPED_ERRNOS = frozenset({errno.EAGAIN, errno.ENOBUFS, errno.EIO})


def _open_error(name: str, err: int) -> NetdevError:
    return NetdevError("could not open network device %s (%s)" % (name, os.strerror(err)), err)


class TapNetdev(Netdev):
    """A TAP device created for an internal port (Interface type "internal")."""

    accepts_offloads = True

    def __init__(self, name: str, kind: str = "internal"):
        super().__init__(name)
        self.kind = kind
        if not name or len(name.encode()) >= _IFNAMSIZ or "/" in name:
            raise _open_error(name, errno.EINVAL)
        try:
            self._fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        except OSError as e:
            raise _open_error(name, e.errno) from None
        try:
            fcntl.ioctl(self._fd, TUNSETIFF,
                        _IFREQ.pack(name.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
            fcntl.ioctl(self._fd, TUNSETVNETHDRSZ, struct.pack("i", VNET_HDR_SIZE))
            self._gso_types = self._set_offloads()
            self._ifindex = linkinfo.query_link(name=name).ifindex
            self._link = linkinfo.query_link(ifindex=self._ifindex)
        except OSError as e:
            os.close(self._fd)
            raise _open_error(name, e.errno or errno.EIO) from None
        self._buffer = bytearray(_MAX_FRAME + VNET_HDR_SIZE)
        self._view = memoryview(self._buffer)
        self._stats = NetdevStats()

    def _set_offloads(self) -> frozenset[int]:
        """Enable what the kernel supports; returns the GSO types writes accept."""
        tcp = {VNET_HDR_GSO_TCPV4, VNET_HDR_GSO_TCPV6}
        try:
            fcntl.ioctl(self._fd, TUNSETOFFLOAD, _TCP_OFFLOADS | TUN_F_USO4 | TUN_F_USO6)
        except OSError as e:
            if e.errno != errno.EINVAL:
                raise
            fcntl.ioctl(self._fd, TUNSETOFFLOAD, _TCP_OFFLOADS)
            return frozenset(tcp)
        return frozenset(tcp | {VNET_HDR_GSO_UDP_L4})

    def fileno(self) -> Optional[int]:
        return self._fd

    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        readv = os.readv
        fd = self._fd
        buffers = [self._buffer]
        view = self._view
        unpack_vnet = VNET_HDR_STRUCT.unpack_from
        make_hdr = tuple.__new__  # VnetHdr(*raw_hdr) without the argument parsing
        frames = []
        n_bytes = 0
        while len(frames) < max_frames:
            try:
                n = readv(fd, buffers)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._stats.rx_errors += 1
                break
            if n <= VNET_HDR_SIZE:
                self._stats.rx_errors += 1
                continue
            raw_hdr = unpack_vnet(view)
            hdr = make_hdr(VnetHdr, raw_hdr) if raw_hdr[0] & VNET_HDR_F_NEEDS_CSUM or raw_hdr[1] else None
            frames.append((bytes(view[VNET_HDR_SIZE:n]), hdr))
            n_bytes += n - VNET_HDR_SIZE
        if frames:
            self._stats.rx_packets += len(frames)
            self._stats.rx_bytes += n_bytes
        return frames

    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        write = os.write
        fd = self._fd
        pack_vnet = VNET_HDR_STRUCT.pack
        stats = self._stats
        for frame, hdr in frames:
            if hdr is None:
                data = [ZERO_VNET_HDR_BYTES + frame]
            elif hdr.gso_type == VNET_HDR_GSO_NONE or hdr.gso_type & ~VNET_HDR_GSO_ECN in self._gso_types:
                data = [pack_vnet(*hdr) + frame]
            else:
                try:
                    data = [ZERO_VNET_HDR_BYTES + f for f in software_offload(frame, hdr)]
                except OffloadError:
                    stats.tx_errors += 1
                    continue
            for packet in data:
                try:
                    write(fd, packet)
                except OSError as e:
                    if e.errno in _SEND_DROPPED_ERRNOS:
                        stats.tx_dropped += 1
                    else:
                        stats.tx_errors += 1
                    continue
                stats.tx_packets += 1
                stats.tx_bytes += len(packet) - VNET_HDR_SIZE

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    # ---- control plane ----
    def _current_link(self) -> Optional[linkinfo.LinkInfo]:
        """The device as the kernel shows it now, or None once it left our namespace."""
        try:
            link = linkinfo.query_link(ifindex=self._ifindex)
        except OSError:
            return None
        if link.name != self.name:
            return None
        self._link = link
        return link

    def get_stats(self) -> NetdevStats:
        return NetdevStats(**vars(self._stats))

    def get_mtu(self) -> Optional[int]:
        self._current_link()
        return self._link.mtu

    def get_mac(self) -> Optional[bytes]:
        self._current_link()
        return self._link.mac

    def get_ifindex(self) -> Optional[int]:
        return self._ifindex

    def get_link_state(self) -> str:
        link = self._current_link()
        return link.link_state if link is not None else "up"

    def get_admin_state(self) -> str:
        self._current_link()
        return self._link.admin_state

    def set_mtu(self, mtu: int) -> None:
        self._set_link(mtu=mtu)

    def set_mac(self, mac: bytes) -> None:
        self._set_link(mac=mac)

    def _set_link(self, **change) -> None:
        if self._current_link() is None:
            raise NetdevError("%s: %s" % (self.name, os.strerror(errno.ENODEV)), errno.ENODEV)
        try:
            linkinfo.set_link(self._ifindex, **change)
        except OSError as e:
            raise NetdevError("%s: %s" % (self.name, os.strerror(e.errno)), e.errno) from None
        self._current_link()
