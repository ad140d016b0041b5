"""A netdev that lives in memory: frames queued by `inject` are received, frames sent are kept.

It has a real descriptor (an eventfd, readable while frames wait), so the datapath thread can
poll it exactly like a device.
"""
from __future__ import annotations

import collections
import os
import threading

from pyvswitch.netdev.base import Netdev


class FakeNetdev(Netdev):
    def __init__(self, name: str, kind: str = "system", accepts_offloads: bool = False):
        super().__init__(name)
        self.kind = kind
        self.accepts_offloads = accepts_offloads
        self.sent: list = []                 # (frame, vnet) in send order
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._event = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def inject(self, frame: bytes, vnet=None) -> None:
        with self._lock:
            self._queue.append((frame, vnet))
        os.eventfd_write(self._event, 1)

    def fileno(self):
        return self._event

    def recv_batch(self, max_frames):
        try:
            os.eventfd_read(self._event)
        except BlockingIOError:
            pass
        with self._lock:
            batch = [self._queue.popleft() for _ in range(min(max_frames, len(self._queue)))]
            if self._queue:
                os.eventfd_write(self._event, 1)
        return batch

    def send_batch(self, frames):
        self.sent.extend(frames)

    def close(self):
        if self._event is not None:
            os.close(self._event)
            self._event = None

    def frames(self) -> list[bytes]:
        return [bytes(frame) for frame, _ in self.sent]
