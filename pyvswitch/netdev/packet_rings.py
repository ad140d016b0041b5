"""Reading a system port's frames, in arrival order, out of two AF_PACKET receive rings.

A TPACKET_V2 ring (PACKET_RX_RING) is a row of equal slots in memory shared with the kernel:
the kernel fills the slot at its head and flips the slot's status word to TP_STATUS_USER,
the reader copies the frame out and flips it back to TP_STATUS_KERNEL.  No system call per
frame, which is what makes small frames cheap.  But slots are fixed-size, and with the
default offloads a veth hands over 64 KB TSO super-frames next to 66-byte ACKs.  One ring of
64 KB slots would hold few frames in a lot of memory; one of 2 KB slots (what pyvswitch had
first) leaves a super-frame to the socket queue (TP_STATUS_COPY, one recv() per frame),
which cost a quarter of the TCP throughput.

So a port has two packet sockets, each with a length filter (`length_filter`, classic BPF
on the frame length):
  * the small ring, 2 KB slots: every frame up to SMALL_MAX bytes whole, and of every longer
    frame its first MARKER_SNAP bytes, a *marker* that keeps its place in the arrival order;
  * the big ring, 68 KB slots: the frames longer than SMALL_MAX, whole.
`RingPair.read` walks the small ring and, at each marker, takes the frame it stands for
from the big ring.  The small ring's socket is the only one polled.

Matching a marker.  The kernel hands each frame to a device's packet sockets one after the
other, the newest first, so it writes the marker before it copies the frame into the big
ring (the small ring's socket is opened second).  The big frame is normally the one at the
big ring's cursor, and its first MARKER_SNAP bytes equal the marker.  Three things break
the lockstep, each measured on veths under iperf3 and handled here:
  * frames that two CPUs hand over at the same time can land in the two rings in different
    orders: the marker's frame is then a few slots on, and the frames before it are
    delivered first, ahead of their markers (which are remembered and skipped);
  * the copy into the big ring is still running (about 7 us for 64 KB): `read` stops at the
    marker and returns what it has; the socket stays readable, so it is asked again at once;
  * a ring was full.  A lost marker leaves a big frame no marker claims: it is delivered
    ahead, like a reordered one, when a later marker or an empty small ring finds it.  A lost
    big frame leaves a marker no big frame matches: it is counted as dropped once a big frame
    stamped LOST_AFTER_NS later than the marker is in, or nothing came for RESYNC_AFTER.

Keeping in step with the kernel.  The kernel fills slots strictly in ring order and hands a
slot over by its status word alone, so a cursor must sit on the slot the kernel fills next
or on the oldest full one.  On kernel 6.18, a 64-byte flood leaves now and then a slot the
kernel passed without filling: it was still empty 200 ms later, with the slots after it
full (two or three per 3-second flood; the cause was not found).  So a cursor that finds
nothing for RESYNC_AFTER (2 ms) while being asked to read moves to the oldest full slot
after it, if any (coverage event afpacket_rx_resync).  A slot the kernel is still filling
takes microseconds; were one ever slower, its frame would come a lap late.  With 20 ms, the
first pings after a flood took 20-70 ms.

VLAN tags the kernel moved into slot metadata (tp_vlan_tci with TP_STATUS_VLAN_VALID,
tp_vlan_tpid for 802.1ad) are put back inline, and the virtio header's offsets move with them.
"""
from __future__ import annotations

import struct
import time
from typing import Optional

from pyvswitch import coverage
from pyvswitch.netdev.base import VNET_HDR_F_NEEDS_CSUM, VnetHdr
from pyvswitch.netdev.offload import VNET_HDR_SIZE, VNET_HDR_STRUCT, vnet_hdr_shifted

TP_STATUS_KERNEL = 0
TP_STATUS_USER = 0x1
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40

TPACKET2_HDR = struct.Struct("=IIIHHIIHH")   # status, len, snaplen, mac, net, sec, nsec, vlan tci, tpid
_STATUS = struct.Struct("=I")
_VLAN_TAG = struct.Struct("!HH")
_SOCK_FILTER = struct.Struct("=HBBI")         # code, jt, jf, k

SMALL_SLOT_SIZE = 2048
SMALL_SLOTS = 2048                            # 4 MB
#: Frames up to this many bytes go whole to the small ring; a small slot holds 1972 (2048
#: less 76 bytes of slot header, address and virtio header before an Ethernet header).
SMALL_MAX = 1920
#: Bytes of a longer frame the small ring keeps as its marker: the Ethernet, IP and the
#: start of the TCP or UDP header, which tell one super-frame from the next.
MARKER_SNAP = 64
BIG_SLOT_SIZE = 17 * 4096                     # a 64 KB super-frame with its headers
BIG_SLOTS = 64                                # 4.25 MB
#: A big frame stamped this much after a marker came in after the marker's own frame.
LOST_AFTER_NS = 1_000_000
#: Seconds a cursor may find nothing, while asked to read, before it looks further.
RESYNC_AFTER = 0.002
RESYNC_EVENT = "afpacket_rx_resync"
coverage.define(RESYNC_EVENT)
_MAX_EARLY = 256
_WHOLE = 0x40000
_NS = 1_000_000_000


def length_filter(big: bool) -> bytes:
    """The classic BPF program (struct sock_filter array) of a port's big ring (big=True:
    frames longer than SMALL_MAX, whole, and nothing else) or small ring (frames up to
    SMALL_MAX whole, longer ones cut to a MARKER_SNAP-byte marker)."""
    longer, shorter = (_WHOLE, 0) if big else (MARKER_SNAP, _WHOLE)
    program = (
        (0x80, 0, 0, 0),                      # ld len
        (0x25, 0, 1, SMALL_MAX),              # jgt #SMALL_MAX, longer, shorter
        (0x06, 0, 0, longer),                 # ret #longer
        (0x06, 0, 0, shorter),                # ret #shorter
    )
    return b"".join(_SOCK_FILTER.pack(*insn) for insn in program)


class Ring:
    """One TPACKET_V2 receive ring's memory (an mmap of the socket, or any writable buffer
    laid out the same way) and the reader's cursor in it."""

    __slots__ = ("cursor", "mem", "n_slots", "slot_size", "stalled_since", "view")

    def __init__(self, mem, slot_size: int, n_slots: int):
        self.mem = mem
        self.view = memoryview(mem)
        self.slot_size = slot_size
        self.n_slots = n_slots
        self.cursor = 0
        self.stalled_since: Optional[float] = None

    def full_at_cursor(self) -> bool:
        return bool(_STATUS.unpack_from(self.mem, self.cursor * self.slot_size)[0] & TP_STATUS_USER)

    def give_back(self) -> None:
        """Return the slot at the cursor to the kernel and move on."""
        _STATUS.pack_into(self.view, self.cursor * self.slot_size, TP_STATUS_KERNEL)
        self.cursor = self.cursor + 1 if self.cursor + 1 < self.n_slots else 0

    def stalled(self) -> bool:
        """The cursor found nothing while asked to read: True once that has lasted
        RESYNC_AFTER since the reader last cleared `stalled_since` (on progress)."""
        now = time.monotonic()
        if self.stalled_since is None:
            self.stalled_since = now
            return False
        return now - self.stalled_since >= RESYNC_AFTER

    def resync(self) -> bool:
        """Move the cursor to the first full slot after it; False if there is none."""
        for step in range(1, self.n_slots):
            slot = (self.cursor + step) % self.n_slots
            if _STATUS.unpack_from(self.mem, slot * self.slot_size)[0] & TP_STATUS_USER:
                self.cursor = slot
                coverage.inc(RESYNC_EVENT)
                return True
        return False

    def release(self) -> None:
        self.view.release()


def insert_vlan(frame: bytes, hdr: Optional[VnetHdr], tci: int, tpid: int):
    """The frame with the tag the kernel took out put back after the Ethernet addresses."""
    frame = b"".join((frame[:12], _VLAN_TAG.pack(tpid, tci), frame[12:]))
    return frame, (vnet_hdr_shifted(hdr, 4) if hdr is not None else None)


class RingPair:
    """The reader of one port's small and big rings.  `dropped` counts frames it could not
    deliver (cut short, or lost in one ring)."""

    def __init__(self, small: Ring, big: Ring):
        self.small = small
        self.big = big
        self.dropped = 0
        self._early: dict[bytes, int] = {}     # markers of frames delivered ahead of them

    def read(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        """Up to max_frames (frame, vnet header or None) pairs, in arrival order."""
        small = self.small
        ring = small.mem
        view = small.view
        slot_size = small.slot_size
        unpack_slot = TPACKET2_HDR.unpack_from
        unpack_vnet = VNET_HDR_STRUCT.unpack_from
        make_hdr = tuple.__new__  # VnetHdr(*raw_hdr) without the argument parsing
        release = _STATUS.pack_into
        slot = small.cursor
        n_slots = small.n_slots
        frames = []
        waiting = False
        while len(frames) < max_frames:
            offset = slot * slot_size
            status, length, snaplen, mac, _, sec, nsec, tci, tpid = unpack_slot(ring, offset)
            if not status & TP_STATUS_USER:
                break
            start = offset + mac
            if snaplen == length:
                frame = ring[start:start + snaplen]
                raw_hdr = unpack_vnet(ring, start - VNET_HDR_SIZE)
                hdr = make_hdr(VnetHdr, raw_hdr) if raw_hdr[0] & VNET_HDR_F_NEEDS_CSUM or raw_hdr[1] else None
                if status & TP_STATUS_VLAN_VALID:
                    frame, hdr = insert_vlan(frame, hdr, tci,
                                             tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100)
                frames.append((frame, hdr))
            elif snaplen == MARKER_SNAP and length > SMALL_MAX:
                if not self._take_marked(ring[start:start + MARKER_SNAP], length, sec * _NS + nsec, frames):
                    waiting = True
                    break
            else:
                self.dropped += 1
            release(view, offset, TP_STATUS_KERNEL)
            slot = slot + 1 if slot + 1 < n_slots else 0
        if slot != small.cursor:
            small.cursor = slot
            small.stalled_since = None
        elif not waiting and small.stalled():
            small.stalled_since = None
            small.resync()
        if not waiting:
            # With the small ring read to its end, big frames nobody marked go out now.
            big = self.big
            while len(frames) < max_frames and big.full_at_cursor():
                self._deliver_early(frames)
        return frames

    def _take_marked(self, marker: bytes, length: int, marker_ts: int, frames: list) -> bool:
        """Deliver the big frame behind `marker` (or count it lost); False if it is not in yet."""
        early = self._early
        if early and marker in early:
            if early[marker] > 1:
                early[marker] -= 1
            else:
                del early[marker]
            return True
        big = self.big
        mem = big.mem
        unpack_slot = TPACKET2_HDR.unpack_from
        n_slots = big.n_slots
        slot = big.cursor
        for ahead in range(n_slots):
            offset = slot * big.slot_size
            status, blen, _, mac, _, sec, nsec, _, _ = unpack_slot(mem, offset)
            if not status & TP_STATUS_USER:
                break
            start = offset + mac
            if blen == length and mem[start:start + MARKER_SNAP] == marker:
                for _ in range(ahead):
                    self._deliver_early(frames)
                self._take_big(frames)
                return True
            if sec * _NS + nsec > marker_ts + LOST_AFTER_NS:
                self.dropped += 1
                return True
            slot = slot + 1 if slot + 1 < n_slots else 0
        # Nothing in the big ring for RESYNC_AFTER (and the cursor is not out of step):
        # this marker's frame is lost, and so are those of the markers after it that find
        # the big ring still empty.
        if not big.stalled():
            return False
        if big.resync():
            big.stalled_since = None
            return False
        self.dropped += 1
        return True

    def _deliver_early(self, frames: list) -> None:
        """Deliver the big frame at the cursor ahead of its marker, which is remembered."""
        big = self.big
        offset = big.cursor * big.slot_size
        start = offset + TPACKET2_HDR.unpack_from(big.mem, offset)[3]
        early = self._early
        if len(early) >= _MAX_EARLY:           # markers lost with their ring full
            early.clear()
        marker = big.mem[start:start + MARKER_SNAP]
        early[marker] = early.get(marker, 0) + 1
        self._take_big(frames)

    def _take_big(self, frames: list) -> None:
        """Append the big ring's frame at the cursor to `frames` (a BIG TCP super-frame cut
        short by the slot is dropped) and give the slot back."""
        big = self.big
        mem = big.mem
        offset = big.cursor * big.slot_size
        status, length, snaplen, mac, _, _, _, tci, tpid = TPACKET2_HDR.unpack_from(mem, offset)
        if snaplen == length:
            start = offset + mac
            raw_hdr = VNET_HDR_STRUCT.unpack_from(mem, start - VNET_HDR_SIZE)
            frame = mem[start:start + snaplen]
            hdr = VnetHdr(*raw_hdr) if raw_hdr[0] & VNET_HDR_F_NEEDS_CSUM or raw_hdr[1] else None
            if status & TP_STATUS_VLAN_VALID:
                frame, hdr = insert_vlan(frame, hdr, tci,
                                         tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100)
            frames.append((frame, hdr))
        else:
            self.dropped += 1
        big.give_back()
        big.stalled_since = None
