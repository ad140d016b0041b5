"""The userspace datapath "ovs-netdev": the forwarding loop and its flow caches.

What it owns: the datapath ports (netdevs, numbered from 1; port 0 is the datapath itself),
an exact-match cache (EMC), the megaflow table, upcall handling, revalidation and the
lookup counters.  What flows in: frames from netdevs (epoll over their descriptors, or
`receive` for devices without one); a tunnel port's frames come with their tunnel
metadata as key bits (see pyvswitch.netdev.base), which join the frame's flow key.  What
flows out: frames to netdevs' `send_batch`, `userspace` actions to the in_port owner's
`userspace(frame, cookie, in_port)` hook, and megaflow statistics to the in_port owner's
`account(key, n_packets, n_bytes, used)` hook.

The forwarding thread sleeps in epoll when idle; after a round that had work it polls
without sleeping for SPIN (50 us) first.  Measured: iperf3 TCP 11.6-12.9 -> 12.8-13.2 Gbit/s
and new flows/s up about 10%, at a cost of at most 50 us of CPU per burst of traffic.
Per readable port:
    recv_batch -> extract_key per frame -> EMC (dict: full key -> Megaflow)
        -> on an EMC miss, the megaflow subtables (dict per mask, busiest mask first)
        -> on a megaflow miss, an upcall: the in_port owner's `translate(key, frame,
           side_effects=True)` runs right here, on the forwarding thread (simplest, and it
           keeps the per-packet order), and its answer is installed as a megaflow over the
           bits it consulted (an exact-match mask when megaflows are disabled)
    -> packets grouped by megaflow -> per-megaflow stats, actions executed per group
    -> one send_batch per output port (through pyvswitch.netdev.offload first when the port
       does not accept offloaded frames).
The packet that caused an upcall is executed with the translation's actions but, as in
Open vSwitch, not counted in the new megaflow's statistics.  Periodic work (below) runs in
rounds that found no packets, or once it is a TICK overdue: a frame sent out often makes an
answer that is already in a ring when the send returns (a ping's reply), and it goes next.
That took the median ping RTT through an idle switch, on one CPU, from 0.25 to 0.15-0.2 ms.

Freshness: `invalidate()` (any thread) bumps a generation counter.  Every megaflow carries
the generation it was translated in; one that is stale when a packet finds it is
re-translated before use (with that packet, side effects allowed) and is updated in place
when the new answer depends on no bit outside its mask, replaced otherwise.  So no packet is
ever forwarded by a stale translation.  When called from another thread, invalidate() also
waits for the batch in progress, if any, to finish, so once it returns nothing translated
before the call forwards anything.  A periodic revalidator pass (every 0.5 s, a few ms of
work at a time so forwarding never stalls) visits every megaflow once and
  * pushes its statistics: a megaflow that forwarded packets since its last push (and only
    such a one) has the packet and byte counts since then and its last-used time handed to
    the owner's `account` hook.  Cache hits run no translation, so this is how their side
    effects happen at all (a bridge refreshes the MAC entries of hosts whose traffic only
    hits caches; without it they would expire after mac-aging-time), as Open vSwitch's
    revalidators push stats through a re-translation.  It comes before the deletions below,
    so an idle or outdated megaflow's last packets are accounted too.  The hook must not
    change any translation's answer, so it needs no invalidation and cannot make a cached
    answer wrong.  Side effects that do change answers (learning a new address, a station
    move) stay with the translation of a packet: pushed statistics may predate the owner's
    latest change and must not undo it;
  * removes megaflows idle for max-idle ms;
  * re-translates stale live ones with side_effects=False and deletes those whose answer
    changed (the rest stay stale, so their next packet is still translated with its side
    effects).
Visiting costs one comparison per megaflow; hooks run only for megaflows used since the
previous pass.  A megaflow deleted between passes (replaced after a re-translation, flushed,
its port removed) loses its unpushed statistics: a replacement came from a translation with
side effects, and after a flush the next packet is an upcall.

Threading: the forwarding thread alone touches the tables and ports.  Control-plane
requests (ports, flushes, dumps, packet-outs) are queued to it and run between batches;
the caller waits only for that (sub-millisecond when idle, one batch when busy).  Before
`start()` (and after `stop()`) they run inline on the caller's thread, which is how unit
tests drive the datapath deterministically with an injected clock.

Every dropped packet is counted in pyvswitch.coverage under a named reason.
"""
from __future__ import annotations

import collections
import errno
import itertools
import logging
import os
import re
import select
import threading
import time
from typing import Callable, NamedTuple, Optional, Protocol

from pyvswitch import coverage
from pyvswitch import fields as F
from pyvswitch.datapath.execute import execute as execute_actions
from pyvswitch.datapath.megaflow import DEAD, Megaflow, MegaflowTable
from pyvswitch.flow import extract_key
from pyvswitch.netdev import offload
from pyvswitch.netdev.base import (VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_NONE, Netdev,
                                   VnetHdr)

log = logging.getLogger("pyvswitch.dpif_netdev")

DATAPATH_NAME = "ovs-netdev"
BATCH_SIZE = 64
EMC_SIZE = 8192
TICK = 0.1                       # seconds between periodic-work checks when idle
#: Seconds the thread keeps polling, without sleeping, after a round that had work: the next
#: frame of a busy flow mostly comes sooner, and sleeping and waking up costs more.
SPIN = 50e-6
REVALIDATE_INTERVAL = 0.5
REVALIDATE_BUDGET = 0.005        # seconds of revalidation work per loop iteration
RANK_INTERVAL = 1.0
#: Open vSwitch starts its dynamic flow limit here and raises it while dumps stay fast.
INITIAL_FLOW_LIMIT = 10000
MAX_PORT_NO = 0xFFFF

DROP_UPCALL_ERROR = "datapath_drop_upcall_error"
DROP_PIPELINE = "drop_action_of_pipeline"
DROP_NO_PORT = "datapath_drop_no_port"
DROP_TX_ERROR = "datapath_drop_tx_error"
DROP_OFFLOAD_ERROR = "datapath_drop_offload_error"
DROP_USERSPACE = "datapath_drop_userspace_action_error"
FLOW_LIMIT_HIT = "upcall_flow_limit_hit"
coverage.define(DROP_UPCALL_ERROR, DROP_PIPELINE, DROP_NO_PORT, DROP_TX_ERROR,
                DROP_OFFLOAD_ERROR, DROP_USERSPACE, FLOW_LIMIT_HIT)

_ALWAYS_MATCHED = (F.FIELDS["in_port"].mask | F.FIELDS["dl_type"].mask
                   | F.FIELDS["recirc_id"].mask)
_IP_FRAG = F.FIELDS["ip_frag"].mask
_TCP_FLAGS = F.FIELDS["tcp_flags"].mask
_EXACT = F.DATAPATH_KEY_MASK & ~_TCP_FLAGS
_IP_TYPES = (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6)


class UpcallHandler(Protocol):
    """What owns a datapath port (a bridge).

    An owner may also define, both called on the forwarding thread and not to block:
      * `userspace(frame: bytes, cookie, in_port: int) -> None`, for ("userspace", cookie)
        actions;
      * `account(key: int, n_packets: int, n_bytes: int, used: float) -> None`, the
        revalidator's statistics push for a megaflow created from `key` that forwarded
        packets since its previous push (counts since then; `used` is the datapath clock's
        time of its last packet).  It must not change any translation's answer.
    """

    def translate(self, key: int, frame: bytes | None, *, side_effects: bool) -> tuple[list, int]:
        """Datapath actions and the wildcard mask (int over the key) of every field consulted.
        Called on a miss (side_effects=True: MAC learning may happen) and by revalidation
        (frame None, side_effects=False)."""


class DatapathStats(NamedTuple):
    hit: int
    missed: int
    lost: int
    mask_hit: int
    n_flows: int
    n_masks: int


class UpcallStats(NamedTuple):
    """What upcall/show reports."""
    n_flows: int
    avg_flows: int
    max_flows: int
    flow_limit: int
    dump_duration_ms: int


class PortInfo(NamedTuple):
    port_no: int
    name: str
    type: str
    netdev: Optional[Netdev]


class DumpedFlow(NamedTuple):
    key: int
    mask: int
    actions: list
    packets: int
    bytes: int
    used: Optional[float]       # clock time of the last packet, None if never used
    tcp_flags: int


class _Port:
    __slots__ = ("port_no", "netdev", "owner", "fd", "userspace", "account", "accepts_offloads",
                 "rx_metadata")

    def __init__(self, port_no: int, netdev: Netdev, owner: UpcallHandler):
        self.port_no = port_no
        self.netdev = netdev
        self.owner = owner
        self.fd = None
        self.userspace = getattr(owner, "userspace", None)
        self.account = getattr(owner, "account", None)
        self.accepts_offloads = bool(getattr(netdev, "accepts_offloads", False))
        self.rx_metadata = bool(getattr(netdev, "rx_metadata", False))


def port_type(netdev: Netdev, dummy: bool) -> str:
    """The type dpctl/show prints for a port: what Open vSwitch's netdev datapath calls it."""
    explicit = getattr(netdev, "dpif_type", None)
    if explicit:
        return explicit
    kind = getattr(netdev, "kind", "") or "system"
    if kind == "internal":
        return "dummy-internal" if dummy else "tap"
    if dummy and kind == "system":
        return "dummy"
    return kind


class Datapath:
    """One per daemon.  `dummy` mirrors ovs-vswitchd --enable-dummy=override: port numbers
    follow the digits in port names ("p3" -> 3, "br0" -> 100) and port 0 is dummy-internal."""

    name = DATAPATH_NAME

    def __init__(self, *, dummy: bool = False, clock: Callable[[], float] = time.monotonic):
        self.dummy = dummy
        self._clock = clock
        # Configuration (plain assignments: read by the forwarding thread).
        self._max_idle = 10.0
        self._flow_limit = 200000
        self._emc_enabled = True
        self._megaflows_enabled = True
        # Forwarding-thread state.
        self._ports: dict[int, _Port] = {}
        self._fd_ports: dict[int, _Port] = {}
        self._emc: dict[int, Megaflow] = {}
        self._megaflows = MegaflowTable()
        self._hit = self._missed = self._lost = self._mask_hit = 0
        self._dynamic_limit = INITIAL_FLOW_LIMIT
        self._avg_flows = 0
        self._max_flows = 0
        self._dump_duration_ms = 0
        self._next_error_log = 0.0           # owner errors are logged at most once a second
        self._reval_queue: Optional[list[Megaflow]] = None
        self._reval_index = 0
        self._reval_started = 0.0
        self._next_reval = 0.0
        self._next_rank = 0.0
        # Generation of translations: any thread bumps it.
        self._gen_counter = itertools.count(1)
        self._gen = 0
        # Thread and control-plane plumbing.
        self._thread: Optional[threading.Thread] = None
        self._thread_ident: Optional[int] = None
        self._stopping = False
        self._commands: collections.deque = collections.deque()
        self._epoll: Optional[select.epoll] = None
        self._wake_fd: Optional[int] = None
        self._round = 0                      # odd while a batch is being processed
        self._quiesce = threading.Condition()
        self._quiesce_wanted = False

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._thread is not None:
            return
        self._epoll = select.epoll()
        self._wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._epoll.register(self._wake_fd, select.EPOLLIN)
        for port in self._ports.values():
            self._watch(port)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="pmd-" + DATAPATH_NAME, daemon=True)
        self._thread.start()
        self._thread_ident = self._thread.ident

    def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake()
        thread.join()
        self._thread = None
        self._thread_ident = None
        self._run_commands()
        self._epoll.close()
        os.close(self._wake_fd)
        self._epoll = None
        self._wake_fd = None
        for port in self._ports.values():
            port.fd = None
        self._fd_ports.clear()

    def set_config(self, *, max_idle_ms: int = 10000, flow_limit: int = 200000,
                   emc_enabled: bool = True, megaflows_enabled: bool = True) -> None:
        def apply():
            self._max_idle = max(max_idle_ms, 100) / 1000.0
            self._flow_limit = max(flow_limit, 0)
            self._dynamic_limit = min(max(self._dynamic_limit, INITIAL_FLOW_LIMIT), self._flow_limit)
            if not emc_enabled:
                self._emc.clear()
            self._emc_enabled = emc_enabled
            if megaflows_enabled != self._megaflows_enabled:
                self._megaflows_enabled = megaflows_enabled
                self._flush()
        self._call(apply)

    def set_megaflows_enabled(self, enabled: bool) -> None:
        """upcall/enable-megaflows, upcall/disable-megaflows: flushes the flow table."""
        def apply():
            self._megaflows_enabled = enabled
            self._flush()
        self._call(apply)

    def set_flow_limit(self, flow_limit: int) -> None:
        """upcall/set-flow-limit."""
        def apply():
            self._flow_limit = max(flow_limit, 0)
            self._dynamic_limit = min(max(self._dynamic_limit, INITIAL_FLOW_LIMIT), self._flow_limit)
        self._call(apply)

    @property
    def megaflows_enabled(self) -> bool:
        return self._megaflows_enabled

    # ------------------------------------------------------------------ ports
    def add_port(self, netdev: Netdev, owner: UpcallHandler, port_no: Optional[int] = None) -> int:
        """Attach `netdev`, whose packets `owner` translates; returns its datapath port number."""
        def apply():
            number = port_no if port_no is not None else self._choose_port_no(netdev.name)
            if number in self._ports or not 0 < number <= MAX_PORT_NO:
                raise ValueError("datapath port %d is in use or invalid" % number)
            port = _Port(number, netdev, owner)
            self._ports[number] = port
            if self._epoll is not None:
                self._watch(port)
            return number
        number = self._call(apply)
        self.invalidate()
        return number

    def remove_port(self, port_no: int) -> None:
        def apply():
            port = self._ports.pop(port_no, None)
            if port is None:
                return
            self._unwatch(port)
            for flow in list(self._megaflows):
                if flow.key & 0xFFFFFFFF == port_no:
                    self._megaflows.remove(flow)
            self._emc.clear()
        self._call(apply)
        self.invalidate()

    def ports(self) -> list[PortInfo]:
        """Port 0 (the datapath itself) and every attached port, by number."""
        internal = "dummy-internal" if self.dummy else "tap"
        result = [PortInfo(0, DATAPATH_NAME, internal, None)]
        for number, port in sorted(dict(self._ports).items()):
            result.append(PortInfo(number, port.netdev.name, port_type(port.netdev, self.dummy),
                                   port.netdev))
        return result

    def _choose_port_no(self, name: str) -> int:
        if self.dummy:
            # Predictable numbers for tests: the first number in the name, plus 100 for "br*".
            digits = re.search(r"\d+", name)
            if digits:
                wanted = int(digits.group()) + (100 if name.startswith("br") else 0)
                if 0 < wanted <= MAX_PORT_NO and wanted not in self._ports:
                    return wanted
        for number in range(1, MAX_PORT_NO + 1):
            if number not in self._ports:
                return number
        raise ValueError("no free datapath port number")

    def _watch(self, port: _Port) -> None:
        fd = port.netdev.fileno()
        if fd is None:
            return
        try:
            self._epoll.register(fd, select.EPOLLIN)
        except OSError as error:
            log.warning("%s: cannot poll device (%s)", port.netdev.name, os.strerror(error.errno))
            return
        port.fd = fd
        self._fd_ports[fd] = port

    def _unwatch(self, port: _Port) -> None:
        if port.fd is None:
            return
        self._fd_ports.pop(port.fd, None)
        try:
            self._epoll.unregister(port.fd)
        except (OSError, ValueError):
            pass            # the owner closed the descriptor first: epoll forgot it already
        port.fd = None

    # ------------------------------------------------------------------ control plane
    def invalidate(self) -> None:
        """Translations may have changed: no packet is forwarded, after this returns, by a
        megaflow translated before the call."""
        self._gen = next(self._gen_counter)
        if self._thread is None or threading.get_ident() == self._thread_ident:
            return
        in_progress = self._round
        if not in_progress & 1:
            return
        with self._quiesce:
            self._quiesce_wanted = True
            while self._round == in_progress and self._thread is not None:
                self._quiesce.wait(0.05)

    def receive(self, port_no: int, packets: list) -> None:
        """Process (frame, vnet) pairs as if port `port_no` had received them (devices
        without a descriptor, e.g. netdev-dummy/receive)."""
        def apply():
            port = self._ports.get(port_no)
            if port is not None and packets:
                self._process(port, packets)
        self._call(apply)

    def execute(self, frame: bytes, vnet: Optional[VnetHdr], actions: list, in_port: int) -> None:
        """Run `actions` on one control-plane packet (packet-out)."""
        def apply():
            port = self._ports.get(in_port)
            out: dict = {}
            self._execute_packet((frame, vnet), actions, in_port,
                                 port.userspace if port is not None else None, out)
            self._transmit(out)
        self._call(apply)

    def del_flows(self) -> None:
        self._call(self._flush)

    def stats(self) -> DatapathStats:
        """`lost` counts failed upcalls and the frames ports' receive queues overran."""
        overruns = sum(port.netdev.rx_overruns() for port in list(self._ports.values()))
        return DatapathStats(self._hit, self._missed, self._lost + overruns, self._mask_hit,
                             self._megaflows.n_flows, self._megaflows.n_masks)

    def upcall_stats(self) -> UpcallStats:
        return UpcallStats(self._megaflows.n_flows, self._avg_flows, self._max_flows,
                           self._dynamic_limit, self._dump_duration_ms)

    def dump_flows(self) -> list[DumpedFlow]:
        def apply():
            flows = sorted(self._megaflows, key=lambda f: f.created)
            return [DumpedFlow(f.key, f.mask, f.actions, f.packets, f.bytes, f.used, f.tcp_flags)
                    for f in flows]
        return self._call(apply)

    def revalidate_now(self) -> None:
        """Run a whole revalidator pass (expiry included) before returning (revalidator/wait)."""
        def apply():
            now = self._clock()
            self._reval_queue = list(self._megaflows)
            self._reval_index = 0
            self._reval_started = time.monotonic()
            self._revalidate_some(now, budget=None)
        self._call(apply)

    def now(self) -> float:
        return self._clock()

    def run_periodic(self) -> None:
        """Idle expiry, revalidation and subtable ranking; the forwarding thread does this by
        itself, tests without the thread call it."""
        self._call(lambda: self._periodic(self._clock()))

    # ------------------------------------------------------------------ the thread
    def _call(self, fn):
        """Run fn on the forwarding thread (or inline when there is none) and return its result."""
        if self._thread is None or threading.get_ident() == self._thread_ident:
            return fn()
        done = threading.Event()
        box: list = []
        self._commands.append((fn, done, box))
        self._wake()
        while not done.wait(0.5):
            if self._thread is None or not self._thread.is_alive():
                self._run_commands()
                break
        if box and box[0] == "error":
            raise box[1]
        return box[1] if box else None

    def _run_commands(self) -> None:
        commands = self._commands
        while commands:
            try:
                fn, done, box = commands.popleft()
            except IndexError:
                return
            try:
                box[:] = ["ok", fn()]
            except Exception as error:       # handed back to the waiting caller
                box[:] = ["error", error]
            done.set()

    def _wake(self) -> None:
        if self._wake_fd is not None:
            os.eventfd_write(self._wake_fd, 1)

    def _run(self) -> None:
        epoll = self._epoll
        wake_fd = self._wake_fd
        next_periodic = 0.0
        spin_until = 0.0
        monotonic = time.monotonic
        while not self._stopping:
            busy = self._reval_queue is not None or self._commands or monotonic() < spin_until
            try:
                events = epoll.poll(0 if busy else TICK, 2 * BATCH_SIZE)
            except InterruptedError:
                continue
            if events:
                spin_until = monotonic() + SPIN
            self._round += 1
            try:
                self._run_commands()
                for fd, mask in events:
                    if fd == wake_fd:
                        try:
                            os.eventfd_read(wake_fd)
                        except BlockingIOError:
                            pass
                        continue
                    port = self._fd_ports.get(fd)
                    if port is not None:
                        self._poll_port(port, mask)
                now = self._clock()
                # Periodic work waits while packets come in (a reply may already sit in a
                # ring), but not for more than a TICK.
                if now >= next_periodic and (not events or now >= next_periodic + TICK):
                    self._periodic(now)
                    next_periodic = now + TICK if self._reval_queue is None else now
            except Exception:
                log.exception("datapath thread: unexpected error")
            finally:
                self._round += 1
                if self._quiesce_wanted:
                    with self._quiesce:
                        self._quiesce_wanted = False
                        self._quiesce.notify_all()

    def _poll_port(self, port: _Port, events: int) -> None:
        try:
            packets = port.netdev.recv_batch(BATCH_SIZE)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EINTR):
                return
            log.warning("%s: receive failed (%s), no longer polling it", port.netdev.name,
                        os.strerror(error.errno) if error.errno else error)
            self._unwatch(port)
            return
        if packets:
            self._process(port, packets)
        elif events & select.EPOLLHUP or (events & select.EPOLLERR and not port.netdev.clear_error()):
            self._unwatch(port)

    # ------------------------------------------------------------------ forwarding
    def _process(self, port: _Port, packets: list) -> None:
        now = self._clock()
        in_port = port.port_no
        emc = self._emc if self._emc_enabled else None
        gen = self._gen
        groups: dict[Megaflow, list] = {}
        out: dict[int, list] = {}
        emc_hits = 0
        tunneled = port.rx_metadata
        for packet in packets:
            key = extract_key(packet[0], in_port)
            if tunneled:
                key |= packet[2]
                packet = packet[:2]
            flow = emc.get(key) if emc is not None else None
            if flow is not None and flow.gen == gen:
                emc_hits += 1
            else:
                flow = self._lookup(key, packet, port, now, out)
                gen = self._gen
                if flow is None:
                    continue
            group = groups.get(flow)
            if group is None:
                groups[flow] = [packet]
            else:
                group.append(packet)
            if flow.is_tcp:
                flow.tcp_flags |= (key >> F.SHIFT_TCP_FLAGS) & 0xFFF
        self._hit += emc_hits
        for flow, group in groups.items():
            flow.packets += len(group)
            flow.bytes += sum([len(packet[0]) for packet in group])
            flow.used = now
            outputs = flow.outputs
            if outputs is None:
                self._execute_group(group, flow.actions, in_port, port.userspace, out)
            elif not outputs:
                coverage.inc(DROP_PIPELINE, len(group))
            else:
                for port_no in outputs:
                    queue = out.get(port_no)
                    if queue is None:
                        out[port_no] = list(group)
                    else:
                        queue.extend(group)
        if out:
            self._transmit(out)

    def _lookup(self, key: int, packet, port: _Port, now: float, out: dict) -> Optional[Megaflow]:
        """The megaflow for `key` after an EMC miss, or None when the packet was handled (or
        dropped) by an upcall."""
        flow, searched = self._megaflows.lookup(key)
        if flow is None:
            self._missed += 1
            self._upcall(key, packet, port, now, out)
            return None
        self._mask_hit += searched
        if flow.gen != self._gen:
            flow = self._refresh(flow, key, packet, port, now)
            if flow is None:
                return None
        self._hit += 1
        if self._emc_enabled:
            emc = self._emc
            if len(emc) >= EMC_SIZE:
                emc.clear()
            emc[key] = flow
        return flow

    def _translate(self, port: _Port, key: int, frame, side_effects: bool):
        """(actions, mask) from the owner, or None if translation failed."""
        try:
            actions, wc = port.owner.translate(key, frame, side_effects=side_effects)
        except Exception:
            self._log_owner_error(port, "translation")
            return None
        return list(actions), self._mask(wc, key)

    def _log_owner_error(self, port: _Port, what: str) -> None:
        now = time.monotonic()
        if now >= self._next_error_log:
            self._next_error_log = now + 1.0
            log.exception("%s: %s failed", port.netdev.name, what)

    def _mask(self, wc: int, key: int) -> int:
        if not self._megaflows_enabled:
            return _EXACT | (wc & _TCP_FLAGS)
        mask = (wc & F.DATAPATH_KEY_MASK) | _ALWAYS_MATCHED
        if (key >> F.SHIFT_DL_TYPE) & 0xFFFF in _IP_TYPES:
            mask |= _IP_FRAG
        return mask

    def _upcall(self, key: int, packet, port: _Port, now: float, out: dict) -> None:
        gen = self._gen
        result = self._translate(port, key, packet[0], True)
        if result is None:
            self._lost += 1
            coverage.inc(DROP_UPCALL_ERROR)
            return
        actions, mask = result
        self._install(key, mask, actions, gen, port, now)
        self._execute_packet(packet, actions, port.port_no, port.userspace, out)

    def _install(self, key: int, mask: int, actions: list, gen: int, port: _Port,
                 now: float) -> Optional[Megaflow]:
        if self._megaflows.n_flows >= min(self._dynamic_limit, self._flow_limit):
            coverage.inc(FLOW_LIMIT_HIT)
            return None
        flow = Megaflow(key, mask, actions, gen, port.owner, now)
        self._megaflows.insert(flow)
        return flow

    def _refresh(self, flow: Megaflow, key: int, packet, port: _Port,
                 now: float) -> Optional[Megaflow]:
        """Re-translate a stale megaflow with the packet that found it."""
        gen = self._gen
        result = self._translate(port, key, packet[0], True)
        if result is None:
            self._megaflows.remove(flow)
            self._lost += 1
            coverage.inc(DROP_UPCALL_ERROR)
            return None
        actions, mask = result
        if not mask & ~flow.mask:
            if actions != flow.actions:
                flow.set_actions(actions)
            flow.gen = gen
            return flow
        self._megaflows.remove(flow)
        new = self._install(key, mask, actions, gen, port, now)
        if new is None:
            # Over the flow limit: forward this packet anyway, uncached.
            new = Megaflow(key, mask, actions, gen, port.owner, now)
        return new

    def _execute_packet(self, packet, actions: list, in_port: int, userspace, out: dict) -> None:
        if not actions:
            coverage.inc(DROP_PIPELINE)
            return
        self._execute_group([packet], actions, in_port, userspace, out)

    def _execute_group(self, group: list, actions: list, in_port: int, userspace,
                       out: dict) -> None:
        if not actions:
            coverage.inc(DROP_PIPELINE, len(group))
            return
        try:
            execute_actions(group, actions, in_port, out, self._userspace_guard(userspace))
        except Exception:
            log.exception("executing datapath actions %r failed", actions)
            coverage.inc(DROP_UPCALL_ERROR, len(group))

    @staticmethod
    def _userspace_guard(hook):
        def deliver(frame: bytes, cookie, in_port: int) -> None:
            if hook is None:
                coverage.inc(DROP_USERSPACE)
                return
            try:
                hook(frame, cookie, in_port)
            except Exception:
                log.exception("userspace action failed")
                coverage.inc(DROP_USERSPACE)
        return deliver

    def _transmit(self, out: dict) -> None:
        for port_no, packets in out.items():
            port = self._ports.get(port_no)
            if port is None:
                coverage.inc(DROP_NO_PORT, len(packets))
                continue
            if not port.accepts_offloads:
                packets = self._software_offload(packets)
            try:
                port.netdev.send_batch(packets)
            except Exception:
                log.exception("%s: send failed", port.netdev.name)
                coverage.inc(DROP_TX_ERROR, len(packets))

    @staticmethod
    def _software_offload(packets: list) -> list:
        result = []
        for frame, vnet in packets:
            if vnet is None or (not vnet.flags & VNET_HDR_F_NEEDS_CSUM
                                and vnet.gso_type == VNET_HDR_GSO_NONE):
                result.append((frame, None))
                continue
            try:
                result.extend((segment, None) for segment in offload.software_offload(frame, vnet))
            except offload.OffloadError:
                coverage.inc(DROP_OFFLOAD_ERROR)
        return result

    # ------------------------------------------------------------------ periodic work
    def _flush(self) -> None:
        self._megaflows.clear()
        self._emc.clear()
        self._reval_queue = None

    def _periodic(self, now: float) -> None:
        if now >= self._next_rank:
            self._megaflows.rank()
            self._next_rank = now + RANK_INTERVAL
        if self._reval_queue is None:
            if now < self._next_reval:
                return
            self._reval_queue = list(self._megaflows)
            self._reval_index = 0
            self._reval_started = time.monotonic()
        self._revalidate_some(now)

    def _revalidate_some(self, now: float, budget: Optional[float] = REVALIDATE_BUDGET) -> None:
        queue = self._reval_queue
        deadline = time.monotonic() + budget if budget is not None else float("inf")
        max_idle = self._max_idle
        limit = min(self._dynamic_limit, self._flow_limit)
        if self._megaflows.n_flows > limit:
            max_idle = min(max_idle, 0.1)
        gen = self._gen
        index = self._reval_index
        while index < len(queue):
            flow = queue[index]
            index += 1
            if flow.gen == DEAD:
                continue
            if flow.packets != flow.pushed_packets:
                self._push_stats(flow)
            last = flow.used if flow.used is not None else flow.created
            if now - last >= max_idle:
                self._megaflows.remove(flow)
            elif flow.gen != gen:
                self._revalidate(flow, gen)
            if index % 32 == 0 and time.monotonic() > deadline:
                self._reval_index = index
                return
        self._finish_revalidation(now)

    def _push_stats(self, flow: Megaflow) -> None:
        n_packets = flow.packets - flow.pushed_packets
        n_bytes = flow.bytes - flow.pushed_bytes
        flow.pushed_packets = flow.packets
        flow.pushed_bytes = flow.bytes
        port = self._ports.get(flow.key & 0xFFFFFFFF)
        if port is None or port.account is None:
            return
        try:
            port.account(flow.key, n_packets, n_bytes, flow.used)
        except Exception:
            self._log_owner_error(port, "statistics push")

    def _revalidate(self, flow: Megaflow, gen: int) -> None:
        """Delete a stale megaflow whose translation changed.  One whose translation did not
        change stays stale all the same: a side-effect-free translation cannot stand in for the
        side effects (MAC learning) the next packet's own translation will have."""
        if flow.checked_gen == gen:
            return
        port = self._ports.get(flow.key & 0xFFFFFFFF)
        result = self._translate(port, flow.key, None, False) if port is not None else None
        if result is None or result[1] & ~flow.mask or result[0] != flow.actions:
            self._megaflows.remove(flow)
        else:
            flow.checked_gen = gen

    def _finish_revalidation(self, now: float) -> None:
        duration = time.monotonic() - self._reval_started
        n_flows = self._megaflows.n_flows
        self._dump_duration_ms = max(1, int(duration * 1000))
        self._avg_flows = (self._avg_flows + n_flows) // 2
        self._max_flows = max(self._max_flows, n_flows)
        if n_flows > 2000 and duration < 1.0:
            self._dynamic_limit = min(self._dynamic_limit + 1000, self._flow_limit)
        self._reval_queue = None
        self._next_reval = now + REVALIDATE_INTERVAL
        self._emc_drop_dead()

    def _emc_drop_dead(self) -> None:
        if len(self._emc) > EMC_SIZE // 2:
            gen = self._gen
            self._emc = {key: flow for key, flow in self._emc.items() if flow.gen == gen}
