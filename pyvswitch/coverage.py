"""Process-wide event counters, shown by the `coverage/show` unixctl command.

What it owns: one total per named event, and the history needed for OVS's three
average rates (last 5 seconds, last minute, last hour).

Any thread bumps a counter with `inc("name")` (a dict update under a lock, so it
is cheap and never loses counts); `define("name", ...)` lists events up front so
the "events never hit" line counts them.  The daemon's control loop calls
`run(now)` at least every 5 seconds; each elapsed 5-second slot records how much
every counter grew, 12 slots make a minute, 60 minutes make the hour window.

Output format (`show()`), as ovs-vswitchd prints it:
    Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=1a2b3c4d:
    bridge_reconfigure         0.0/sec     0.000/sec        0.0000/sec   total: 11
    ...
    116 events never hit
"""
from __future__ import annotations

import collections
import threading
import zlib
from typing import Optional

SLOT_SECONDS = 5
SLOTS_PER_MINUTE = 12
MINUTES_PER_HOUR = 60


class _History:
    __slots__ = ("last_total", "slots", "minutes")

    def __init__(self, total: int):
        self.last_total = total
        self.slots: collections.deque[int] = collections.deque(maxlen=SLOTS_PER_MINUTE)
        self.minutes: collections.deque[int] = collections.deque(maxlen=MINUTES_PER_HOUR)


_lock = threading.Lock()
_totals: dict[str, int] = {}
_history: dict[str, _History] = {}
_slot_count = 0
_next_slot_at: Optional[float] = None


def define(*names: str) -> None:
    with _lock:
        for name in names:
            _totals.setdefault(name, 0)


def inc(name: str, n: int = 1) -> None:
    with _lock:
        _totals[name] = _totals.get(name, 0) + n


def read(name: str) -> int:
    return _totals.get(name, 0)


def run(now: float) -> float:
    """Close every 5-second slot that has ended by `now` (seconds, monotonic).
    Returns when the next slot ends, for the caller's poll timeout."""
    global _next_slot_at, _slot_count
    if _next_slot_at is None:
        _next_slot_at = now + SLOT_SECONDS
    while now >= _next_slot_at:
        with _lock:
            totals = dict(_totals)
        _slot_count += 1
        for name, total in totals.items():
            history = _history.get(name)
            if history is None:
                history = _history[name] = _History(0)
            history.slots.append(total - history.last_total)
            history.last_total = total
            if _slot_count % SLOTS_PER_MINUTE == 0:
                history.minutes.append(sum(history.slots))
        _next_slot_at += SLOT_SECONDS
    return _next_slot_at


def _rates(name: str) -> tuple[float, float, float]:
    history = _history.get(name)
    if history is None or not history.slots:
        return 0.0, 0.0, 0.0
    last_slot = history.slots[-1] / SLOT_SECONDS
    last_minute = sum(history.slots) / (SLOT_SECONDS * SLOTS_PER_MINUTE)
    # The hour = finished minutes plus the slots of the minute in progress.
    in_progress = list(history.slots)[-(_slot_count % SLOTS_PER_MINUTE):] \
        if _slot_count % SLOTS_PER_MINUTE else []
    hour_seconds = SLOT_SECONDS * SLOTS_PER_MINUTE * MINUTES_PER_HOUR
    last_hour = (sum(history.minutes) + sum(in_progress)) / hour_seconds
    return last_slot, last_minute, last_hour


def show() -> str:
    with _lock:
        totals = dict(_totals)
    hit = [(name, total) for name, total in totals.items() if total]
    digest = zlib.crc32(" ".join(name for name, _ in hit).encode())
    lines = ["Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=%08x:"
             % digest]
    for name, total in hit:
        per_slot, per_minute, per_hour = _rates(name)
        lines.append("%-24s %5.1f/sec %9.3f/sec %13.4f/sec   total: %d"
                     % (name, per_slot, per_minute, per_hour, total))
    lines.append("%d events never hit" % (len(totals) - len(hit)))
    return "\n".join(lines) + "\n"


def register_unixctl_commands() -> None:
    import ovs.unixctl

    def coverage_show(conn, _argv, _aux):
        conn.reply(show())

    def coverage_read_counter(conn, argv, _aux):
        if argv[0] not in _totals:
            conn.reply_error("No such counter")
            return
        conn.reply("%d\n" % read(argv[0]))

    ovs.unixctl.command_register("coverage/show", "", 0, 0, coverage_show, None)
    ovs.unixctl.command_register("coverage/read-counter", "COUNTER", 1, 1,
                                 coverage_read_counter, None)
