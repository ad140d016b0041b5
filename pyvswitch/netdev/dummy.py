"""`dummy` netdevs: in-memory ports for tests (ovs-vswitchd --enable-dummy).

What it owns: a queue of frames waiting to be received, a bounded history of
transmitted frames, optional pcap files (Interface options tx_pcap=FILE for what
the port sent, rxq_pcap=FILE for what it received) and an eventfd that polls
readable while received frames wait.  A module-level registry maps the names
of open dummies to their netdevs so `netdev-dummy/receive NAME PACKET...` (hex
bytes, as OVS takes them) can inject frames from the unixctl thread and
`netdev-dummy/set-admin-state [NAME] up|down` can take ports down (admin and
link state together, as in OVS); `receive` is safe to call from any thread while
the datapath thread calls recv_batch.

A dummy takes no offloads, so frames sent to it are checksummed and segmented
in software first, exactly as for a real device without offloads.  Addresses
follow OVS's dummies: aa:55:aa:55:00:NN, NN counting up per netdev opened.
Interface statistics carry the counters OVS's dummies report: packets and bytes
each way, the same per queue (a dummy has one queue, 0) and two "custom"
receive counters.
"""
from __future__ import annotations

import collections
import os
import re
import threading
import time
from typing import Iterable, Optional

import ovs.unixctl

from pyvswitch.netdev.base import Netdev, NetdevError, NetdevStats, VnetHdr
from pyvswitch.netdev.offload import OffloadError, software_offload
from pyvswitch.netdev.pcap import PcapWriter

TX_HISTORY = 1024
_ETH_HEADER_LEN = 14
_HEX_PACKET = re.compile(r"(?:\s*[0-9a-fA-F]{2})+\s*")

_registry: dict[str, "DummyNetdev"] = {}
_registry_lock = threading.Lock()
_next_mac = 0


def _allocate_mac() -> bytes:
    global _next_mac
    with _registry_lock:
        n = _next_mac
        _next_mac = (_next_mac + 1) & 0xFFFF
    return bytes((0xAA, 0x55, 0xAA, 0x55, n >> 8, n & 0xFF))


def lookup(name: str) -> Optional["DummyNetdev"]:
    """The open dummy netdev called `name`, if any."""
    with _registry_lock:
        return _registry.get(name)


class DummyNetdev(Netdev):
    accepts_offloads = False

    def __init__(self, name: str, kind: str = "dummy", options: Optional[dict[str, str]] = None):
        super().__init__(name)
        self.kind = kind
        options = options or {}
        self._mac = _allocate_mac()
        self._mtu = 1500
        self._up = True
        self._rx_queue: collections.deque[bytes] = collections.deque()
        self._tx_history: collections.deque[bytes] = collections.deque(maxlen=TX_HISTORY)
        self._stats = NetdevStats()
        self._tx_pcap = self._rxq_pcap = None
        try:
            if options.get("tx_pcap"):
                self._tx_pcap = PcapWriter(options["tx_pcap"])
            if options.get("rxq_pcap"):
                self._rxq_pcap = PcapWriter(options["rxq_pcap"])
        except OSError as e:
            self._close_pcaps()
            raise NetdevError("%s: could not open pcap file (%s)" % (name, os.strerror(e.errno)),
                              e.errno) from None
        self._event = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._rx_lock = threading.Lock()
        with _registry_lock:
            _registry[name] = self

    def receive(self, frame: bytes) -> None:
        """Inject `frame` as if it had arrived on the wire."""
        with self._rx_lock:
            if self._event < 0:
                return
            if self._rxq_pcap is not None:
                self._rxq_pcap.write(frame, time.time())
            self._rx_queue.append(bytes(frame))
            os.eventfd_write(self._event, 1)

    def sent(self) -> list[bytes]:
        """The most recently transmitted frames (up to TX_HISTORY), oldest first."""
        return list(self._tx_history)

    def fileno(self) -> Optional[int]:
        return self._event

    def recv_batch(self, max_frames: int) -> list[tuple[bytes, Optional[VnetHdr]]]:
        # Clear the event before taking frames: a frame queued meanwhile then
        # leaves the event set, so no wake-up is lost.
        try:
            os.eventfd_read(self._event)
        except BlockingIOError:
            pass
        queue = self._rx_queue
        frames = []
        while queue and len(frames) < max_frames:
            frames.append((queue.popleft(), None))
        if queue:
            os.eventfd_write(self._event, 1)
        if frames:
            self._stats.rx_packets += len(frames)
            self._stats.rx_bytes += sum(len(frame) for frame, _ in frames)
        return frames

    def send_batch(self, frames: Iterable[tuple[bytes, Optional[VnetHdr]]]) -> None:
        stats = self._stats
        for frame, hdr in frames:
            try:
                packets = software_offload(frame, hdr)
            except OffloadError:
                stats.tx_errors += 1
                continue
            for packet in packets:
                packet = bytes(packet)
                self._tx_history.append(packet)
                if self._tx_pcap is not None:
                    self._tx_pcap.write(packet, time.time())
                stats.tx_packets += 1
                stats.tx_bytes += len(packet)

    def close(self) -> None:
        with _registry_lock:
            if _registry.get(self.name) is self:
                del _registry[self.name]
        with self._rx_lock:
            if self._event >= 0:
                os.close(self._event)
                self._event = -1
            self._close_pcaps()

    def _close_pcaps(self) -> None:
        for writer in (self._tx_pcap, self._rxq_pcap):
            if writer is not None:
                writer.close()
        self._tx_pcap = self._rxq_pcap = None

    def set_admin_state(self, up: bool) -> None:
        self._up = up

    def get_stats(self) -> NetdevStats:
        return NetdevStats(**vars(self._stats))

    def get_statistics(self) -> dict[str, int]:
        stats = self._stats
        return {"rx_packets": stats.rx_packets, "rx_bytes": stats.rx_bytes,
                "tx_packets": stats.tx_packets, "tx_bytes": stats.tx_bytes,
                "rx_q0_packets": stats.rx_packets, "rx_q0_bytes": stats.rx_bytes,
                "tx_q0_packets": stats.tx_packets, "tx_q0_bytes": stats.tx_bytes,
                "rx_custom_packets_1": stats.rx_packets, "rx_custom_packets_2": stats.rx_packets}

    def get_carrier_resets(self) -> Optional[int]:
        return 0     # as OVS's dummies, which count none even across set-admin-state

    def get_link_state(self) -> str:
        return "up" if self._up else "down"

    def get_admin_state(self) -> str:
        return "up" if self._up else "down"

    def get_mtu(self) -> Optional[int]:
        return self._mtu

    def get_mac(self) -> Optional[bytes]:
        return self._mac

    def set_mtu(self, mtu: int) -> None:
        self._mtu = mtu

    def set_mac(self, mac: bytes) -> None:
        self._mac = bytes(mac)


def parse_hex_packet(text: str) -> Optional[bytes]:
    """The frame spelled by `text` in hex (whitespace between bytes allowed), or
    None if it is not hex or shorter than an Ethernet header."""
    if not _HEX_PACKET.fullmatch(text):
        return None
    frame = bytes.fromhex(text)
    return frame if len(frame) >= _ETH_HEADER_LEN else None


def _unixctl_receive(conn, argv, _aux) -> None:
    netdev = lookup(argv[0])
    if netdev is None:
        conn.reply_error("no such dummy netdev")
        return
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--qid":
        match = re.match(r"\s*[-+]?\d+", args[1])
        if (int(match.group()) if match else 0) != 0:
            conn.reply_error("bad rx queue id.")
            return
        args = args[2:]
    for arg in args:
        frame = parse_hex_packet(arg)
        if frame is None:
            conn.reply_error("syntax error at %s" % arg)
            return
        netdev.receive(frame)
    conn.reply(None)


def _unixctl_set_admin_state(conn, argv, _aux) -> None:
    state = argv[-1].lower()
    if state not in ("up", "down"):
        conn.reply_error("Invalid Admin State")
        return
    if len(argv) > 1:
        netdev = lookup(argv[0])
        if netdev is None:
            conn.reply_error("Unknown Dummy Interface")
            return
        netdevs = [netdev]
    else:
        with _registry_lock:
            netdevs = list(_registry.values())
    for netdev in netdevs:
        netdev.set_admin_state(state == "up")
    conn.reply("OK")


def register_unixctl_commands() -> None:
    ovs.unixctl.command_register(
        "netdev-dummy/receive", "name [--qid queue_id] packet|flow [--len packet_len]",
        2, 2**31 - 1, _unixctl_receive, None)
    ovs.unixctl.command_register(
        "netdev-dummy/set-admin-state", "[netdev] up|down", 1, 2, _unixctl_set_admin_state, None)
