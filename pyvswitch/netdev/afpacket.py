"""`system` ports: an existing kernel device driven through one AF_PACKET socket.

What it owns: the packet socket bound to the device (ETH_P_ALL), its mmap'ed
receive ring, the device's promiscuous membership (held by the socket, so the
kernel drops it when the socket closes) and the counters only it can see
(frames lost at the ring, frames it could not send).

Offloads.  The socket has PACKET_VNET_HDR, so the kernel neither completes
checksums nor segments for us: a frame arrives with its struct virtio_net_hdr
(partial checksum, or a TSO/USO super-frame of up to 64 KB), and `send_batch`
hands a frame plus header back to the kernel, which finishes the work in the
output device or its driver.  Every offload is therefore accepted on output.

Receive path.  A TPACKET_V2 ring (PACKET_RX_RING) of fixed 2 KB slots takes
MTU-sized frames without a system call each: `recv_batch` walks slots the kernel
marked TP_STATUS_USER, copies frame and header out, and gives the slot back.
The kernel fills the virtio header into ring slots too (just before the MAC
header; PACKET_VNET_HDR must be set before the ring exists), but a super-frame
does not fit a 2 KB slot: with PACKET_COPY_THRESH the kernel then marks the slot
TP_STATUS_COPY and queues the whole frame on the socket, where one recv() (which
prepends the header as well) fetches it.  So small frames come in batches and
big ones cost one system call per 64 KB.  Measured on a 2-core VM with 64-byte
UDP: 1.15 us of CPU per received frame with the ring against 2.9 us with a
recv() per frame.  TPACKET_V3 was rejected: it hands a block to user space only
when the block is full or its retire timer (>= 1 ms) fires, which adds that
much latency per hop under light load, and it has no COPY fallback for frames
larger than a block's free space.

Keeping in step with the kernel.  The kernel fills slots strictly in ring order from its
own head and hands a slot over by its status word alone, so the cursor must sit on the
slot the kernel will fill next or on the oldest one it filled.  Under a 64-byte flood
(a ring overrun every lap) the cursor was seen, on kernel 6.18, to end up on a slot the
kernel had already passed: that slot stays TP_STATUS_KERNEL while frames wait in the
slots after it, the socket keeps polling readable (the slot before the kernel's head is
full) and recv_batch finds nothing at the cursor, for good once traffic stops.  So a
cursor that finds nothing at a slot for RESYNC_AFTER on end, while being asked to
receive, looks for the oldest full slot after it and moves there (coverage event
afpacket_rx_resync).  A slot the kernel is still writing takes microseconds; were one
ever that slow, skipping it would only deliver its frame a lap late.  The socket queue
is kept in step the same way: a TP_STATUS_COPY frame is matched to its slot by length, a
queued frame whose slot was skipped is dropped, and with the ring empty any frames left
queued (which would keep the socket readable) are dropped.  Frames the kernel could not put in a full ring
(PACKET_STATISTICS tp_drops) are `rx_overruns()`, included in rx_dropped.

PACKET_IGNORE_OUTGOING keeps our own transmissions (and the host's) out of the
ring.  A VLAN tag the kernel moved into metadata (tp_vlan_tci with
TP_STATUS_VLAN_VALID, tp_vlan_tpid for 802.1ad) is put back inline, and the
header's offsets move with it.

Send path: one non-blocking send per frame with the header in front (gathered
by sendmsg for big frames, which saves copying 64 KB).  A
PACKET_TX_RING was measured and rejected: filling slots from Python and kicking
the ring cost 1.9 us per 64-byte frame against 1.6 us for a send() each, because
the kernel's per-frame transmit work dominates either way.
"""
from __future__ import annotations

import errno
import mmap
import os
import socket
import struct
import threading
import time
from typing import Iterable, Optional

from pyvswitch import coverage
from pyvswitch.netdev import linkinfo
from pyvswitch.netdev.base import (
    VNET_HDR_F_NEEDS_CSUM,
    Netdev,
    NetdevError,
    NetdevStats,
    VnetHdr,
)
from pyvswitch.netdev.offload import VNET_HDR_SIZE, VNET_HDR_STRUCT, ZERO_VNET_HDR_BYTES, vnet_hdr_shifted

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_COPY_THRESH = 7
PACKET_VERSION = 10
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
TPACKET_V2 = 1
ETH_P_ALL = 0x0003
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33

TP_STATUS_KERNEL = 0
TP_STATUS_USER = 0x1
TP_STATUS_COPY = 0x2
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40

_TPACKET2_HDR = struct.Struct("=IIIHHIIHH")   # status, len, snaplen, mac, net, sec, nsec, vlan tci, tpid
_TPACKET_REQ = struct.Struct("=IIII")        # block size, block count, frame size, frame count
_PACKET_MREQ = struct.Struct("=iHH8s")
_TPACKET_STATS = struct.Struct("=II")         # packets, drops (reset by each read)
_STATUS = struct.Struct("=I")
_VLAN_TAG = struct.Struct("!HH")

FRAME_SIZE = 2048
BLOCK_SIZE = 1 << 16
BLOCK_COUNT = 64
_MAX_FRAME = 65536 + 1024
_SOCKET_BUFFER = 4 << 20
#: Seconds the cursor may find nothing at one slot, while asked to receive, before it
#: looks for full slots after it.
RESYNC_AFTER = 0.02
RESYNC_EVENT = "afpacket_rx_resync"
coverage.define(RESYNC_EVENT)
_SEND_DROPPED_ERRNOS = frozenset({errno.EAGAIN, errno.ENOBUFS, errno.ENETDOWN, errno.ENXIO})


def _no_device(name: str, err: int) -> NetdevError:
    return NetdevError("could not open network device %s (%s)" % (name, os.strerror(err)), err)


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
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        try:
            self._ring = self._setup_socket()
        except OSError as e:
            self._sock.close()
            raise _no_device(name, e.errno or errno.EIO) from None
        self._ring_view = memoryview(self._ring)
        self._n_slots = BLOCK_SIZE // FRAME_SIZE * BLOCK_COUNT
        self._next_slot = 0
        self._stalled_since: Optional[float] = None
        self._copy_buffer = bytearray(_MAX_FRAME + VNET_HDR_SIZE)
        self._copy_view = memoryview(self._copy_buffer)
        self._rx_dropped = 0
        self._ring_drops = 0
        self._ring_drops_lock = threading.Lock()
        self._tx_dropped = 0
        self._tx_errors = 0

    def _setup_socket(self) -> mmap.mmap:
        sock = self._sock
        # Header, version and ring must be configured before the socket is bound
        # and starts receiving; the kernel refuses PACKET_VNET_HDR on a ring'd socket.
        sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
        sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        sock.setsockopt(SOL_PACKET, PACKET_COPY_THRESH, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, _SOCKET_BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, _SOCKET_BUFFER)
        n_slots = BLOCK_SIZE // FRAME_SIZE * BLOCK_COUNT
        sock.setsockopt(SOL_PACKET, PACKET_RX_RING,
                        _TPACKET_REQ.pack(BLOCK_SIZE, BLOCK_COUNT, FRAME_SIZE, n_slots))
        ring = mmap.mmap(sock.fileno(), BLOCK_SIZE * BLOCK_COUNT, mmap.MAP_SHARED,
                         mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            sock.bind((self.name, ETH_P_ALL))
            sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                            _PACKET_MREQ.pack(self._ifindex, PACKET_MR_PROMISC, 0, b""))
        except OSError:
            ring.close()
            raise
        sock.setblocking(False)
        return ring

    def fileno(self) -> Optional[int]:
        return self._sock.fileno()

    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        ring = self._ring
        view = self._ring_view
        unpack_slot = _TPACKET2_HDR.unpack_from
        unpack_vnet = VNET_HDR_STRUCT.unpack_from
        make_hdr = tuple.__new__  # VnetHdr(*raw_hdr) without the argument parsing
        release = _STATUS.pack_into
        slot = self._next_slot
        n_slots = self._n_slots
        frames = []
        while len(frames) < max_frames:
            offset = slot * FRAME_SIZE
            status, length, snaplen, mac, _, _, _, tci, tpid = unpack_slot(ring, offset)
            if not status & TP_STATUS_USER:
                break
            if status & TP_STATUS_COPY:
                received = self._recv_copy(length)
            elif snaplen == length:
                start = offset + mac
                received = (ring[start:start + snaplen], unpack_vnet(ring, start - VNET_HDR_SIZE))
            else:
                received = None
            release(view, offset, TP_STATUS_KERNEL)
            slot = slot + 1 if slot + 1 < n_slots else 0
            if received is None:
                self._rx_dropped += 1
                continue
            frame, raw_hdr = received
            hdr = make_hdr(VnetHdr, raw_hdr) if raw_hdr[0] & VNET_HDR_F_NEEDS_CSUM or raw_hdr[1] else None
            if status & TP_STATUS_VLAN_VALID:
                frame, hdr = self._insert_vlan(frame, hdr, tci,
                                               tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100)
            frames.append((frame, hdr))
        if slot != self._next_slot:
            self._next_slot = slot
            self._stalled_since = None
        else:
            self._note_stall()
        return frames

    def _note_stall(self) -> None:
        """Asked to receive (the socket polled readable), the cursor found nothing."""
        now = time.monotonic()
        if self._stalled_since is None:
            self._stalled_since = now
        elif now - self._stalled_since >= RESYNC_AFTER:
            self._stalled_since = None
            self._resync()

    def _resync(self) -> None:
        """Move the cursor to the first full slot after it; with none, empty the socket queue."""
        ring = self._ring
        n_slots = self._n_slots
        cursor = self._next_slot
        for step in range(1, n_slots):
            slot = (cursor + step) % n_slots
            if _STATUS.unpack_from(ring, slot * FRAME_SIZE)[0] & TP_STATUS_USER:
                self._next_slot = slot
                coverage.inc(RESYNC_EVENT)
                return
        while self._recv_queued() is not None:
            self._rx_dropped += 1

    def _recv_queued(self) -> Optional[int]:
        """Take the next frame off the socket queue into the copy buffer: its length with the
        header (MSG_TRUNC: the full length, even beyond the buffer), -1 when the kernel
        failed it, None when the queue is empty."""
        try:
            return self._sock.recv_into(self._copy_buffer, 0, socket.MSG_TRUNC)
        except BlockingIOError:
            return None
        except OSError:
            return -1

    def _recv_copy(self, length: int):
        """The frame of `length` bytes behind a TP_STATUS_COPY slot, from the socket queue,
        or None.  Queued frames before it belong to slots skipped by a resync."""
        while True:
            n = self._recv_queued()
            if n is None or n < 0:
                return None
            if n == length + VNET_HDR_SIZE:
                break
            self._rx_dropped += 1
        if n > len(self._copy_buffer):
            return None           # a BIG TCP super-frame: dropped, not cut
        return bytes(self._copy_view[VNET_HDR_SIZE:n]), VNET_HDR_STRUCT.unpack_from(self._copy_buffer)

    @staticmethod
    def _insert_vlan(frame: bytes, hdr: Optional[VnetHdr], tci: int, tpid: int):
        frame = b"".join((frame[:12], _VLAN_TAG.pack(tpid, tci), frame[12:]))
        return frame, (vnet_hdr_shifted(hdr, 4) if hdr is not None else None)

    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        send = self._sock.send
        sendmsg = self._sock.sendmsg
        pack_vnet = VNET_HDR_STRUCT.pack
        for frame, hdr in frames:
            header = ZERO_VNET_HDR_BYTES if hdr is None else pack_vnet(*hdr)
            try:
                # Gathering saves copying a big frame; joining is cheaper for small ones.
                if len(frame) > FRAME_SIZE:
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
        if self._sock.fileno() < 0:
            return
        self._ring_view.release()
        self._copy_view.release()
        self._ring.close()
        self._sock.close()

    # ---- control plane ----
    def _link(self) -> Optional[linkinfo.LinkInfo]:
        try:
            return linkinfo.query_link(ifindex=self._ifindex)
        except OSError:
            return None

    def rx_overruns(self) -> int:
        # PACKET_STATISTICS counts since its previous read, so the reads are summed here.
        with self._ring_drops_lock:
            try:
                _, ring_drops = _TPACKET_STATS.unpack(
                    self._sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, _TPACKET_STATS.size))
            except OSError:       # closed
                ring_drops = 0
            self._ring_drops += ring_drops
            return self._ring_drops

    def get_stats(self) -> NetdevStats:
        link = self._link()
        stats = link.stats if link is not None and link.stats is not None else NetdevStats()
        stats.rx_dropped += self._rx_dropped + self.rx_overruns()
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
