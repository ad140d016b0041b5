"""Micro-benchmark of the datapath's per-packet path, in process, without the thread or real I/O.

    python bench/datapath_micro.py [--seconds S]

Reports, for 64-frame batches of 64-byte TCP frames spread over 256 flows:
  * flow-key extraction alone (ns/packet),
  * EMC hits (Mpps),
  * megaflow hits with the EMC disabled, with 1 and with 8 masks (Mpps),
  * upcalls per second with a trivial handler (every packet a new flow, megaflows off),
  * packets with a set-field + output action list (Mpps).
"""
from __future__ import annotations

import argparse
import struct
import time

import pyvswitch  # noqa: F401  (import order: before python-ovs)
from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import FlowView, extract_key
from pyvswitch.netdev.base import Netdev

BATCH = 64


class Sink(Netdev):
    def __init__(self, name):
        super().__init__(name)
        self.count = 0

    def fileno(self):
        return None

    def recv_batch(self, max_frames):
        return []

    def send_batch(self, frames):
        self.count += len(frames)

    def close(self):
        pass


def tcp_frame(flow: int) -> bytes:
    eth = (0x020000000000 | flow % 16).to_bytes(6, "big") + (0x020000000100 | flow).to_bytes(6, "big")
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 40, 0, 0, 64, 6, 0, 0x0A000000 | flow, 0x0A010000 | flow)
    tcp = struct.pack("!HHIIBBHHH", 10000 + flow, 80, 0, 0, 0x50, 0x10, 0, 0, 0)
    return eth + b"\x08\x00" + ip + tcp + bytes(10)


class Handler:
    def __init__(self, decide):
        self.decide = decide

    def translate(self, key, frame, *, side_effects):
        view = FlowView(key)
        return self.decide(view), view.wc


def by_dst(view):
    return [dpa.output(2 + view.get("dl_dst") % 2)]


def by_dst_and_mask(view):
    # Eight masks: the set of fields read depends on the low bits of dl_dst.
    dst = view.get("dl_dst")
    for name in ("nw_src", "tp_src", "nw_dst")[: dst % 4]:
        view.get(name)
    if dst & 4:
        view.get("dl_src")
    return [dpa.output(2 + dst % 2)]


def rewrite(view):
    view.get("dl_dst")
    return [dpa.set_field("nw_ttl", 9), dpa.output(2)]


def make(decide, **config):
    dp = Datapath()
    handler = Handler(decide)
    sinks = [Sink("p%d" % i) for i in range(1, 4)]
    for sink in sinks:
        dp.add_port(sink, handler)
    dp.set_config(**config)
    return dp, sinks


def run(dp, batches, seconds):
    packets = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for batch in batches:
            dp.receive(1, batch)
        packets += BATCH * len(batches)
    return packets / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    frames = [tcp_frame(i) for i in range(256)]
    batches = [[(frames[(b * BATCH + i) % 256], None) for i in range(BATCH)] for b in range(4)]

    n = 200000
    start = time.perf_counter()
    for i in range(n):
        extract_key(frames[i & 255], 1)
    print("extract_key:            %7.0f ns/packet" % ((time.perf_counter() - start) / n * 1e9))

    dp, _ = make(by_dst)
    run(dp, batches, 0.1)
    print("EMC hits:               %7.3f Mpps" % (run(dp, batches, seconds) / 1e6))

    dp, _ = make(by_dst, emc_enabled=False)
    run(dp, batches, 0.1)
    print("megaflow hits, 1 mask:  %7.3f Mpps" % (run(dp, batches, seconds) / 1e6))

    dp, _ = make(by_dst_and_mask, emc_enabled=False)
    run(dp, batches, 0.1)
    print("megaflow hits, %d masks: %7.3f Mpps" % (dp.stats().n_masks, run(dp, batches, seconds) / 1e6))

    dp, _ = make(rewrite)
    run(dp, batches, 0.1)
    print("set nw_ttl + output:    %7.3f Mpps" % (run(dp, batches, seconds) / 1e6))

    dp, _ = make(lambda view: [dpa.output(2)], megaflows_enabled=False, flow_limit=10 ** 9)
    upcall_frames = [tcp_frame(i & 255)[:30] + struct.pack("!I", i) + tcp_frame(0)[34:]
                     for i in range(9000)]
    start = time.perf_counter()
    for i in range(0, len(upcall_frames), BATCH):
        dp.receive(1, [(f, None) for f in upcall_frames[i:i + BATCH]])
    elapsed = time.perf_counter() - start
    print("upcalls (trivial):      %7.0f /s  (%d flows installed)"
          % (dp.stats().missed / elapsed, dp.stats().n_flows))


if __name__ == "__main__":
    main()
