"""`system` ports: an existing kernel device driven through AF_PACKET sockets.

What it owns: two packet sockets bound to the device (ETH_P_ALL), their mmap'ed receive
rings, the device's promiscuous membership (held by a socket, so the kernel drops it when
the socket closes) and the counters only it can see (frames lost at the rings, frames it
could not send).

Offloads.  The sockets have PACKET_VNET_HDR, so the kernel neither completes checksums nor
segments for us: a frame arrives with its struct virtio_net_hdr (partial checksum, or a
TSO/USO super-frame of up to 64 KB), and `send_batch` hands a frame plus header back to the
kernel, which finishes the work in the output device or its driver.  Every offload is
therefore accepted on output.

Receive path: two TPACKET_V2 rings, one of 2 KB slots for MTU-sized frames and one of 68 KB
slots for super-frames, read in arrival order without a system call per frame; see
pyvswitch.netdev.packet_rings, which also says why.  Measured on the 2-core VM: 64-byte UDP
costs 1.15 us of CPU per received frame against 2.9 us with a recv() per frame, and iperf3
TCP through pyvswitchd went from 9.8 to 11.7-13.2 Gbit/s (stock OVS: 11.2-12.7) when
super-frames left the socket queue (one recv() each) for the big ring.  A 32-slot big ring
and a 1024-slot small ring (4.1 MB) gave 11.5-11.7.  TPACKET_V3 was rejected: it hands a
block to user space only when the block is full or its retire timer (>= 1 ms) fires, which
adds that much latency per hop under light load.  The rings take 8.25 MB of kernel memory per port.
Frames the kernel could not put in a full ring (PACKET_STATISTICS tp_drops of both sockets)
are `rx_overruns()`, included in rx_dropped.  PACKET_IGNORE_OUTGOING keeps our own
transmissions (and the host's) out of the rings.

Send path: one non-blocking send per frame with the header in front (gathered by sendmsg
for big frames, which saves copying 64 KB), on the small ring's socket.  A PACKET_TX_RING
was measured and rejected: filling slots from Python and kicking the ring cost 1.9 us per
64-byte frame against 1.6 us for a send() each, because the kernel's per-frame transmit
work dominates either way.
"""
from __future__ import annotations

import ctypes
import errno
import mmap
import os
import socket
import struct
import threading
from typing import Iterable, Optional

from pyvswitch.netdev import linkinfo
from pyvswitch.netdev.base import Netdev, NetdevError, NetdevStats, VnetHdr
from pyvswitch.netdev.offload import VNET_HDR_STRUCT, ZERO_VNET_HDR_BYTES
from pyvswitch.netdev.packet_rings import (
    BIG_SLOT_SIZE,
    BIG_SLOTS,
    SMALL_SLOT_SIZE,
    SMALL_SLOTS,
    Ring,
    RingPair,
    length_filter,
)

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_VERSION = 10
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
TPACKET_V2 = 1
ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
SO_SNDBUFFORCE = 32

_TPACKET_REQ = struct.Struct("=IIII")        # block size, block count, frame size, frame count
_PACKET_MREQ = struct.Struct("=iHH8s")
_TPACKET_STATS = struct.Struct("=II")         # packets, drops (reset by each read)
_SOCK_FPROG = struct.Struct("@HP")            # instruction count, pointer to the instructions
_SMALL_BLOCK = 1 << 16                        # 32 small slots per block
_SOCKET_BUFFER = 4 << 20
_GATHER_OVER = 2048                           # bytes of frame sent gathered, not joined
_SEND_DROPPED_ERRNOS = frozenset({errno.EAGAIN, errno.ENOBUFS, errno.ENETDOWN, errno.ENXIO})


def _no_device(name: str, err: int) -> NetdevError:
    return NetdevError("could not open network device %s (%s)" % (name, os.strerror(err)), err)


def _packet_socket(program: bytes) -> socket.socket:
    """A packet socket with virtio headers, TPACKET_V2, no outgoing frames and `program` as
    its filter; all of which must be set before the socket has a ring and is bound."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
        sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, _SOCKET_BUFFER)
        code = ctypes.create_string_buffer(program, len(program))
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                        _SOCK_FPROG.pack(len(program) // 8, ctypes.addressof(code)))  # 8-byte sock_filter
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _map_ring(sock: socket.socket, slot_size: int, n_slots: int, block_size: int) -> mmap.mmap:
    sock.setsockopt(SOL_PACKET, PACKET_RX_RING,
                    _TPACKET_REQ.pack(block_size, slot_size * n_slots // block_size, slot_size, n_slots))
    return mmap.mmap(sock.fileno(), slot_size * n_slots, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)


class AfPacketNetdev(Netdev):
    """An existing kernel device (Interface type "" or "system")."""

    kind = "system"
    accepts_offloads = True

    def __init__(self, name: str):
        super().__init__(name)
        try:
            self._ifindex = socket.if_nametoindex(name)
        except OSError:
            raise _no_device(name, errno.ENODEV) from None
        self._sockets: list[socket.socket] = []
        self._mapped: list[Ring] = []           # each ring's view and mmap, for close()
        try:
            self._sock = self._open()
        except OSError as e:
            self.close()
            raise _no_device(name, e.errno or errno.EIO) from None
        self._ring_drops = 0
        self._ring_drops_lock = threading.Lock()
        self._tx_dropped = 0
        self._tx_errors = 0

    def _open(self) -> socket.socket:
        """The two ring sockets (see pyvswitch.netdev.packet_rings); returns the small one,
        which is polled and sends.  It is bound second so that the kernel, which hands a
        frame to the newest socket first, writes a marker before the frame it stands for."""
        for program, slot_size, n_slots, block_size in (
                (length_filter(big=True), BIG_SLOT_SIZE, BIG_SLOTS, BIG_SLOT_SIZE),
                (length_filter(big=False), SMALL_SLOT_SIZE, SMALL_SLOTS, _SMALL_BLOCK)):
            sock = _packet_socket(program)
            self._sockets.append(sock)
            self._mapped.append(Ring(_map_ring(sock, slot_size, n_slots, block_size), slot_size, n_slots))
            sock.bind((self.name, ETH_P_ALL))
        big, small = self._mapped
        self._rings = RingPair(small, big)
        small_sock = self._sockets[1]
        small_sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                              _PACKET_MREQ.pack(self._ifindex, PACKET_MR_PROMISC, 0, b""))
        return small_sock

    def fileno(self) -> Optional[int]:
        return self._sock.fileno()

    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        return self._rings.read(max_frames)

    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        send = self._sock.send
        sendmsg = self._sock.sendmsg
        pack_vnet = VNET_HDR_STRUCT.pack
        for frame, hdr in frames:
            header = ZERO_VNET_HDR_BYTES if hdr is None else pack_vnet(*hdr)
            try:
                # Gathering saves copying a big frame; joining is cheaper for small ones.
                if len(frame) > _GATHER_OVER:
                    sendmsg((header, frame))
                else:
                    send(header + frame)
            except OSError as e:
                if e.errno in _SEND_DROPPED_ERRNOS:
                    self._tx_dropped += 1
                else:
                    self._tx_errors += 1

    def clear_error(self) -> bool:
        # Reading SO_ERROR clears the socket's pending error (ENOBUFS and the like under load).
        self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return True

    def close(self) -> None:
        # Also after a failed _open: whatever rings were mapped by then are unmapped.
        for ring in self._mapped:
            ring.release()
            ring.mem.close()
        self._mapped.clear()
        for sock in self._sockets:
            sock.close()

    # ---- control plane ----
    def _link(self) -> Optional[linkinfo.LinkInfo]:
        try:
            return linkinfo.query_link(ifindex=self._ifindex)
        except OSError:
            return None

    def rx_overruns(self) -> int:
        # PACKET_STATISTICS counts since its previous read, so the reads are summed here.
        with self._ring_drops_lock:
            for sock in self._sockets:
                try:
                    self._ring_drops += _TPACKET_STATS.unpack(
                        sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, _TPACKET_STATS.size))[1]
                except OSError:       # closed
                    pass
            return self._ring_drops

    def get_stats(self) -> NetdevStats:
        link = self._link()
        stats = link.stats if link is not None and link.stats is not None else NetdevStats()
        stats.rx_dropped += self._rings.dropped + self.rx_overruns()
        stats.tx_dropped += self._tx_dropped
        stats.tx_errors += self._tx_errors
        return stats

    def get_mtu(self) -> Optional[int]:
        link = self._link()
        return link.mtu if link is not None else None

    def get_mac(self) -> Optional[bytes]:
        link = self._link()
        return link.mac if link is not None else None

    def get_ifindex(self) -> Optional[int]:
        return self._ifindex

    def get_link_state(self) -> str:
        link = self._link()
        return link.link_state if link is not None else "down"

    def get_admin_state(self) -> str:
        link = self._link()
        return link.admin_state if link is not None else "down"

    def set_mtu(self, mtu: int) -> None:
        self._set_link(mtu=mtu)

    def set_mac(self, mac: bytes) -> None:
        self._set_link(mac=mac)

    def _set_link(self, **change) -> None:
        try:
            linkinfo.set_link(self._ifindex, **change)
        except OSError as e:
            raise NetdevError("%s: %s" % (self.name, os.strerror(e.errno)), e.errno) from None
