"""A system port's two receive rings, read against a fake kernel that fills slots the way
Linux's TPACKET_V2 does: frames must come out once each, in arrival order, and what a full
ring lost must be counted, never stall the port."""
import mmap

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.netdev import packet_rings
from pyvswitch.netdev.packet_rings import (
    MARKER_SNAP,
    SMALL_MAX,
    TP_STATUS_USER,
    TP_STATUS_VLAN_VALID,
    TPACKET2_HDR,
    Ring,
    RingPair,
)

MAC_OFFSET = 76          # where the kernel puts the Ethernet header in a slot (virtio header before it)


class FakeKernelRing:
    """The kernel's side of one ring: it fills the slot at its head, or drops when that
    slot still belongs to the reader."""

    def __init__(self, slot_size, n_slots):
        self.mem = mmap.mmap(-1, slot_size * n_slots)      # slices are bytes, as from the kernel's ring
        self.slot_size = slot_size
        self.n_slots = n_slots
        self.head = 0
        self.drops = 0

    def put(self, frame, ts, snap=None, status=TP_STATUS_USER, tci=0):
        offset = self.head * self.slot_size
        if TPACKET2_HDR.unpack_from(self.mem, offset)[0] & TP_STATUS_USER:
            self.drops += 1
            return
        data = frame[:snap] if snap is not None else frame
        start = offset + MAC_OFFSET
        self.mem[start - 10:start] = bytes(10)
        self.mem[start:start + len(data)] = data
        TPACKET2_HDR.pack_into(self.mem, offset, status, len(frame), len(data), MAC_OFFSET,
                               MAC_OFFSET + 14, ts // 10**9, ts % 10**9, tci, 0)
        self.head = (self.head + 1) % self.n_slots


class FakePort:
    """Both rings of a port and the kernel's length split between them."""

    def __init__(self, small_slots=64, big_slots=8):
        self.small = FakeKernelRing(2048, small_slots)
        self.big = FakeKernelRing(70000, big_slots)
        self.reader = RingPair(Ring(self.small.mem, 2048, small_slots), Ring(self.big.mem, 70000, big_slots))
        self.now = 1_700_000_000 * 10**9

    def tick(self, ns=1000):
        self.now += ns
        return self.now

    def arrive(self, frame, *, big_first=False, lose_marker=False, lose_big=False):
        """The kernel hands `frame` to both sockets: the newest (small) first, unless big_first."""
        if len(frame) <= SMALL_MAX:
            self.small.put(frame, self.tick())
            return
        steps = [("big", lose_big), ("small", lose_marker)]
        for ring, lost in (steps if big_first else steps[::-1]):
            ts = self.tick()
            if lost:
                continue
            if ring == "big":
                self.big.put(frame, ts)
            else:
                self.small.put(frame, ts, snap=MARKER_SNAP)

    def read_all(self, batch=64):
        out = []
        while True:
            frames = self.reader.read(batch)
            if not frames:
                return out
            out.extend(bytes(frame) for frame, _ in frames)


def frame(n, size):
    """An Ethernet frame whose first bytes (what a marker keeps) tell it from any other."""
    head = bytes.fromhex("020000000002020000000001" "0800") + n.to_bytes(4, "big")
    return head + bytes(size - len(head))


SIZES = (60, 1500, 1920, 1921, 9000, 65000, 100)


def test_mixed_sizes_come_out_in_arrival_order():
    port = FakePort()
    sent = [frame(i, SIZES[i % len(SIZES)]) for i in range(40)]
    received = []
    for i, f in enumerate(sent):
        port.arrive(f)
        if i % 3 == 2:
            received.extend(port.read_all(batch=2))
    received.extend(port.read_all())
    assert received == sent
    assert port.reader.dropped == 0


@pytest.mark.parametrize("big_first", [False, True])
def test_each_frame_once_whichever_socket_the_kernel_serves_first(big_first):
    port = FakePort()
    sent = [frame(i, SIZES[i % len(SIZES)]) for i in range(30)]
    received = []
    for f in sent:
        port.arrive(f, big_first=big_first)
        received.extend(port.read_all())     # a read between a big frame and its marker, too
    received.extend(port.read_all())
    assert sorted(received) == sorted(sent) and len(received) == len(sent)
    assert [f for f in received if len(f) <= SMALL_MAX] == [f for f in sent if len(f) <= SMALL_MAX]
    assert [f for f in received if len(f) > SMALL_MAX] == [f for f in sent if len(f) > SMALL_MAX]
    assert port.reader.dropped == 0


def test_a_frame_read_before_its_marker_is_in_is_delivered_once():
    port = FakePort()
    big = frame(1, 30000)
    port.big.put(big, port.tick())          # a kernel that serves the big ring first
    assert port.read_all() == [big]
    port.small.put(big, port.tick(), snap=MARKER_SNAP)
    port.arrive(frame(2, 64))
    assert port.read_all() == [frame(2, 64)]
    assert port.reader.dropped == 0


def test_a_marker_waits_for_its_frame_while_the_kernel_copies_it():
    port = FakePort()
    first, big = frame(1, 100), frame(2, 60000)
    port.arrive(first)
    port.small.put(big, port.tick(), snap=MARKER_SNAP)       # marker in, copy still running
    assert port.read_all() == [first]
    port.big.put(big, port.tick())
    port.arrive(frame(3, 100))
    assert port.read_all() == [big, frame(3, 100)]
    assert port.reader.dropped == 0


def test_frames_two_cpus_handed_over_at_once_are_all_delivered():
    port = FakePort()
    x, y = frame(1, 30000), frame(2, 40000)
    # Markers in the order x, y; the big ring got y first.
    port.small.put(x, port.tick(), snap=MARKER_SNAP)
    port.small.put(y, port.tick(), snap=MARKER_SNAP)
    port.big.put(y, port.tick())
    port.big.put(x, port.tick())
    port.arrive(frame(3, 64))
    assert port.read_all() == [y, x, frame(3, 64)]
    assert port.reader.dropped == 0


def test_a_frame_whose_marker_was_lost_is_still_delivered():
    port = FakePort()
    orphan, after = frame(1, 20000), frame(2, 20000)
    port.arrive(orphan, lose_marker=True)
    port.arrive(after)
    port.arrive(frame(3, 64))
    assert port.read_all() == [orphan, after, frame(3, 64)]
    # And alone, with no later marker: once the small ring is read to its end.
    port.arrive(frame(4, 20000), lose_marker=True)
    assert port.read_all() == [frame(4, 20000)]
    assert port.reader.dropped == 0


def test_a_marker_whose_frame_was_lost_is_counted_when_later_frames_are_in():
    port = FakePort()
    lost, later = frame(1, 20000), frame(2, 20000)
    port.arrive(lost, lose_big=True)
    port.tick(5_000_000)
    port.arrive(later)
    assert port.read_all() == [later]
    assert port.reader.dropped == 1


def test_a_marker_whose_frame_was_lost_stalls_the_port_briefly_at_most(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(packet_rings.time, "monotonic", lambda: clock[0])
    port = FakePort()
    port.arrive(frame(1, 20000), lose_big=True)
    port.arrive(frame(2, 64))
    assert port.read_all() == []
    clock[0] += 2 * packet_rings.RESYNC_AFTER
    assert port.read_all() == [frame(2, 64)]
    assert port.reader.dropped == 1


def test_a_full_big_ring_loses_frames_without_losing_step(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(packet_rings.time, "monotonic", lambda: clock[0])
    port = FakePort(big_slots=4)
    sent = [frame(i, 30000) for i in range(10)]
    for f in sent:
        port.arrive(f)
    assert port.big.drops == 6
    assert port.read_all() == sent[:4]
    clock[0] += 2 * packet_rings.RESYNC_AFTER
    assert port.read_all() == []            # one wait for all six lost frames
    assert port.reader.dropped == 6
    more = [frame(i, 30000) for i in range(10, 14)]
    for f in more:
        port.arrive(f)
    assert port.read_all() == more
    assert port.reader.dropped == 6


def test_super_frames_longer_than_a_big_slot_are_dropped_not_cut():
    port = FakePort()
    port.small.put(frame(1, 80000), port.tick(), snap=MARKER_SNAP)
    port.big.put(frame(1, 80000), port.tick(), snap=70000 - MAC_OFFSET)
    port.arrive(frame(2, 64))
    assert port.read_all() == [frame(2, 64)]
    assert port.reader.dropped == 1


def test_vlan_tag_from_slot_metadata_is_put_back_inline():
    port = FakePort()
    for size in (100, 5000):
        f = frame(size, size)
        if size > SMALL_MAX:
            port.small.put(f, port.tick(), snap=MARKER_SNAP, status=TP_STATUS_USER | TP_STATUS_VLAN_VALID, tci=10)
            port.big.put(f, port.tick(), status=TP_STATUS_USER | TP_STATUS_VLAN_VALID, tci=10)
        else:
            port.small.put(f, port.tick(), status=TP_STATUS_USER | TP_STATUS_VLAN_VALID, tci=10)
    received = port.read_all()
    assert [f[12:16] for f in received] == [bytes.fromhex("8100000a")] * 2
    assert [len(f) for f in received] == [104, 5004]
