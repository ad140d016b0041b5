"""A bridge's OpenFlow management socket: `$PYVS_RUNDIR/<bridge>.mgmt`, as ovs-vswitchd's.

What it owns: the listening Unix socket, one `Connection` per client, the thread that moves
their bytes (a selector loop), and the answers to the switch-level requests: FEATURES,
GET_CONFIG/SET_CONFIG, BARRIER, DESC and PORT_DESC statistics.  Flow-table requests go to
the client's `flow_requests.FlowSession` over the view's `flow_tables()`.  Everything else
gets the error its decoding names (see `Connection`), so clients never hang.

Flow in: client bytes; the bridge's state through a `SwitchView` (read in this module's
thread, so the view must be safe to call from it: return snapshots); port changes through
`port_status()`, callable from any thread.
Flow out: replies; PORT_STATUS messages to every client that asked for asynchronous messages
by setting a nonzero miss_send_len (as ovs-vswitchd treats management connections).

Wiring (done by the bridge layer, once per bridge):
    manager = ConnectionManager("br0", pyvswitch.dirs.rundir(), view)
    manager.start()
    manager.port_status(OFPPR_ADD, port_info)      # whenever a port appears/changes/goes
    manager.stop()                                 # when the bridge is destroyed

Switch-wide settings follow ovs-vswitchd: 254 tables, no packet buffers, OpenFlow 1.0-1.5
(0x01-0x06) accepted, fragment handling per bridge ("normal" or "drop" or "nx-match";
"reassemble" is not supported and ignored), miss_send_len per connection starting at 0.
"""
from __future__ import annotations

import collections
import dataclasses
import itertools
import logging
import os
import queue
import selectors
import socket
import threading
import time
from typing import Iterator, Optional, Protocol, Sequence

import pyvswitch
from pyvswitch.ofproto.connection import Connection
from pyvswitch.ofproto.flow_requests import FlowSession, FlowTables
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, PortDesc
from pyvswitch.ofproto.protocol.versions import ALL_VERSIONS, OFP13

log = logging.getLogger("connmgr")

N_TABLES = 254
CAPABILITIES = (f.Capabilities.FLOW_STATS | f.Capabilities.TABLE_STATS
                | f.Capabilities.PORT_STATS | f.Capabilities.GROUP_STATS
                | f.Capabilities.QUEUE_STATS | f.Capabilities.ARP_MATCH_IP
                | f.Capabilities.BUNDLES)
OF10_ACTIONS = f.Of10Actions(sum(f.Of10Actions))
SWITCH_DESCRIPTION = dict(mfr_desc="Nicira, Inc.", hw_desc="Open vSwitch",
                          sw_desc=pyvswitch.OVS_COMPAT_VERSION, serial_num="None",
                          dp_desc="None")
_FRAG_REASSEMBLE = 2
#: FLOW_MODs applied under one lock hold: small enough that forwarding, which needs the lock
#: for upcalls, never waits long for a flood of them.
FLOW_MOD_BATCH = 64
#: Bytes of unsent output past which a client's requests wait (and its socket is not read):
#: a client that does not read its replies cannot make the switch queue without bound, and
#: a large dump is encoded only as fast as the client takes it.
OUTPUT_LIMIT = 1 << 20


@dataclasses.dataclass(frozen=True)
class PortInfo:
    """What the switch view reports about one port (including the bridge's own LOCAL port,
    ofport 0xfffe).  Features are `PortFeatures` flags as the device reports them: for
    virtual Ethernet devices `flags.VIRTUAL_ETHERNET_FEATURES`, for dummy devices none."""
    ofport: int
    name: str
    hw_addr: bytes
    admin_down: bool = False   # the device is administratively down (config PORT_DOWN)
    link_down: bool = False    # the device has no carrier (state LINK_DOWN)
    curr: f.PortFeatures = f.PortFeatures(0)
    advertised: f.PortFeatures = f.PortFeatures(0)
    supported: f.PortFeatures = f.PortFeatures(0)
    peer: f.PortFeatures = f.PortFeatures(0)


class SwitchView(Protocol):
    """The bridge as OpenFlow sees it."""

    def datapath_id(self) -> int: ...

    def ports(self) -> Sequence[PortInfo]: ...

    def flow_tables(self) -> Optional[FlowTables]: ...


def port_desc(port: PortInfo) -> PortDesc:
    """A port's OpenFlow description: LIVE when it is up with carrier; speeds follow from
    its current and supported link modes."""
    config = f.PortConfig.PORT_DOWN if port.admin_down else f.PortConfig(0)
    if port.link_down:
        state = f.PortState.LINK_DOWN
    elif port.admin_down:
        state = f.PortState(0)
    else:
        state = f.PortState.LIVE
    return PortDesc(port.ofport, port.hw_addr, port.name, config, state, port.curr,
                    port.advertised, port.supported, port.peer,
                    f.features_speed_kbps(port.curr), f.features_speed_kbps(port.supported))


@dataclasses.dataclass
class _Client:
    name: str                  # "unix#N", for log messages
    sock: socket.socket
    connection: Connection
    miss_send_len: int = 0
    invalid_ttl_to_controller: bool = False
    flows: FlowSession = dataclasses.field(default_factory=FlowSession)
    # Output the socket has not taken yet: chunks, the bytes of the first already sent, and
    # the total still to send.
    out_chunks: collections.deque = dataclasses.field(default_factory=collections.deque)
    out_offset: int = 0
    out_bytes: int = 0
    # Requests received but not answered yet (answering waits while output is backed up),
    # and the rest of a reply being streamed (a large flow dump).
    backlog: collections.deque = dataclasses.field(default_factory=collections.deque)
    streaming: Optional[Iterator[m.Message]] = None


class ConnectionManager:
    def __init__(self, bridge_name: str, rundir: str, view: SwitchView):
        self.bridge_name = bridge_name
        self.socket_path = os.path.join(rundir, bridge_name + ".mgmt")
        self._view = view
        self._frag_mode = 0
        self._xids = itertools.count(1)
        self._client_numbers = itertools.count(1)
        self._clients: dict[int, _Client] = {}
        self._selector: Optional[selectors.BaseSelector] = None
        self._listener: Optional[socket.socket] = None
        self._wakeup_r: Optional[socket.socket] = None
        self._wakeup_w: Optional[socket.socket] = None
        self._port_events: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = False
        self._thread: Optional[threading.Thread] = None

    # ---- control, from the bridge layer's thread ----

    def start(self) -> None:
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.socket_path)
        self._listener.listen(64)
        self._listener.setblocking(False)
        self._wakeup_r, self._wakeup_w = socket.socketpair()
        self._wakeup_r.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "listener")
        self._selector.register(self._wakeup_r, selectors.EVENT_READ, "wakeup")
        self._thread = threading.Thread(target=self._loop, name="connmgr-" + self.bridge_name,
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping = True
        self._wake()
        self._thread.join()
        self._thread = None
        for client in list(self._clients.values()):
            self._drop(client, None)
        self._selector.close()
        self._listener.close()
        self._wakeup_r.close()
        self._wakeup_w.close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass

    def port_status(self, reason: int, port: PortInfo) -> None:
        """Announces a port change (messages.OFPPR_ADD/DELETE/MODIFY); any thread."""
        self._port_events.put((reason, port))
        self._wake()

    def _wake(self) -> None:
        if self._wakeup_w is None:  # not started: events wait for the loop
            return
        try:
            self._wakeup_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass

    # ---- the I/O thread ----

    def _loop(self) -> None:
        while not self._stopping:
            timeout = self._timeout()
            for key, events in self._selector.select(timeout):
                if key.data == "listener":
                    self._accept()
                elif key.data == "wakeup":
                    self._drain_wakeup()
                else:
                    client = self._clients.get(key.fd)
                    if client is not None:
                        self._service(client, events)
            self._send_port_events()
            now = time.monotonic()
            for client in list(self._clients.values()):
                client.connection.run(now)
                self._flush(client)

    def _timeout(self) -> Optional[float]:
        wakeups = [w for w in (c.connection.next_wakeup() for c in self._clients.values())
                   if w is not None]
        return max(0.0, min(wakeups) - time.monotonic()) if wakeups else None

    def _drain_wakeup(self) -> None:
        try:
            while self._wakeup_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _accept(self) -> None:
        try:
            sock, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        sock.setblocking(False)
        connection = Connection(ALL_VERSIONS, lambda: next(self._xids) & 0xffffffff,
                                time.monotonic())
        client = _Client("unix#%d" % next(self._client_numbers), sock, connection)
        self._clients[sock.fileno()] = client
        self._selector.register(sock, selectors.EVENT_READ, "client")
        self._flush(client)

    def _service(self, client: _Client, events: int) -> None:
        if events & selectors.EVENT_READ:
            try:
                data = client.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError as error:
                self._drop(client, "receive failed (%s)" % os.strerror(error.errno))
                return
            if data == b"":
                self._drop(client, None)
                return
            if data:
                client.backlog.extend(client.connection.receive(data, time.monotonic()))
        self._flush(client)

    def _collect(self, client: _Client) -> None:
        data = client.connection.take_output()
        if data:
            client.out_chunks.append(data)
            client.out_bytes += len(data)

    def _work(self, client: _Client) -> bool:
        """Answers backlogged requests and streams replies while output stays under
        OUTPUT_LIMIT; False if the client had to be dropped."""
        while client.out_bytes < OUTPUT_LIMIT and not client.connection.closed:
            if client.streaming is not None:
                try:
                    message = next(client.streaming, None)
                    if message is not None:
                        client.connection.send(message)
                except Exception:  # a reply that cannot be encoded must not stop the thread
                    log.exception("%s<->%s: failed to send a reply", self.bridge_name,
                                  client.name)
                    self._drop(client, None)
                    return False
                if message is None:
                    client.streaming = None
                else:
                    self._collect(client)
                continue
            if not client.backlog:
                break
            try:
                self._answer_next(client)
            except Exception:  # a failing view must not take the socket down
                log.exception("%s<->%s: failed to answer", self.bridge_name, client.name)
                self._drop(client, None)
                return False
            self._collect(client)
        self._collect(client)
        return True

    def _flush(self, client: _Client) -> None:
        if not self._work(client):
            return
        while client.out_chunks:
            chunk = client.out_chunks[0]
            try:
                sent = client.sock.send(memoryview(chunk)[client.out_offset:])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as error:
                self._drop(client, "send failed (%s)" % os.strerror(error.errno))
                return
            client.out_bytes -= sent
            client.out_offset += sent
            if client.out_offset == len(chunk):
                client.out_chunks.popleft()
                client.out_offset = 0
                if client.out_bytes < OUTPUT_LIMIT and (client.backlog or client.streaming):
                    if not self._work(client):
                        return
        waiting = bool(client.out_chunks)
        if client.connection.closed and not waiting:
            self._drop(client, client.connection.close_reason)
            return
        busy = client.backlog or client.streaming is not None or client.out_bytes >= OUTPUT_LIMIT
        events = (0 if busy else selectors.EVENT_READ) | (selectors.EVENT_WRITE if waiting else 0)
        if events:
            self._selector.modify(client.sock, events, "client")
        else:
            # Nothing to send yet answers are waiting: cannot happen (waiting answers are
            # worked on until output backs up); keep reading so the client is never stuck.
            self._selector.modify(client.sock, selectors.EVENT_READ, "client")

    def _drop(self, client: _Client, reason: Optional[str]) -> None:
        if reason:
            log.info("%s<->%s: %s", self.bridge_name, client.name, reason)
        self._clients.pop(client.sock.fileno(), None)
        try:
            self._selector.unregister(client.sock)
        except (KeyError, ValueError):
            pass
        client.sock.close()

    def _send_port_events(self) -> None:
        while True:
            try:
                reason, port = self._port_events.get_nowait()
            except queue.Empty:
                return
            description = port_desc(port)
            for client in list(self._clients.values()):
                connection = client.connection
                if connection.active and client.miss_send_len:
                    connection.send(m.PortStatus(version=connection.version, xid=0,
                                                 reason=reason, port=description))
                    self._flush(client)

    # ---- answers ----

    def _answer_next(self, client: _Client) -> None:
        """Answers the next backlogged request; a run of FLOW_MODs is applied FLOW_MOD_BATCH
        at a time, so a flood of them costs one lock and one cache invalidation per batch."""
        backlog = client.backlog
        tables = self._view.flow_tables()
        if isinstance(backlog[0], m.FlowMod) and tables is not None:
            batch = []
            while backlog and len(batch) < FLOW_MOD_BATCH and isinstance(backlog[0], m.FlowMod):
                batch.append(backlog.popleft())
            for reply in client.flows.answer_flow_mods(batch, tables):
                client.connection.send(reply)
            return
        self._answer(client, backlog.popleft())

    def _answer(self, client: _Client, request: m.Message) -> None:
        connection = client.connection
        version, xid = request.version, request.xid
        if isinstance(request, m.FeaturesRequest):
            connection.send(self._features_reply(version, xid))
        elif isinstance(request, m.GetConfigRequest):
            flags = self._frag_mode
            if client.invalid_ttl_to_controller:
                flags |= m.OFPC_INVALID_TTL_TO_CONTROLLER
            connection.send(m.GetConfigReply(version=version, xid=xid, flags=flags,
                                             miss_send_len=client.miss_send_len))
        elif isinstance(request, m.SetConfig):
            self._set_config(client, request)
        elif isinstance(request, m.BarrierRequest):
            connection.send(m.BarrierReply(version=version, xid=xid))
        elif isinstance(request, m.DescRequest):
            connection.send(m.DescReply(version=version, xid=xid, **SWITCH_DESCRIPTION))
        elif isinstance(request, m.PortDescRequest):
            ports = [port_desc(port) for port in self._view.ports()]
            if request.port_no != OFPP_ANY:
                ports = [port for port in ports if port.port_no == request.port_no]
            for reply in codec.port_desc_replies(version, xid, ports):
                connection.send(reply)
        else:
            tables = self._view.flow_tables()
            replies = client.flows.answer(request, tables) if tables is not None else None
            if replies is None:
                # Replies and asynchronous messages are a switch's to send, not to receive.
                connection.send(codec.error_reply(request, errors.BAD_TYPE))
            else:
                client.streaming = iter(replies)

    def _features_reply(self, version: int, xid: int) -> m.FeaturesReply:
        ports: tuple = ()
        if version < OFP13:
            room = codec.features_reply_port_room(version)
            ports = tuple(port_desc(port) for port in self._view.ports())[:room]
        return m.FeaturesReply(version=version, xid=xid,
                               datapath_id=self._view.datapath_id(), n_buffers=0,
                               n_tables=N_TABLES, capabilities=CAPABILITIES,
                               actions=OF10_ACTIONS, ports=ports)

    def _set_config(self, client: _Client, request: m.SetConfig) -> None:
        valid = m.OFPC_FRAG_MASK
        if request.version < OFP13:
            valid |= m.OFPC_INVALID_TTL_TO_CONTROLLER
        elif request.flags & ~valid:
            client.connection.send(codec.error_reply(request, errors.SWITCH_CONFIG_BAD_FLAGS))
            return
        frag_mode = request.flags & m.OFPC_FRAG_MASK
        if frag_mode != _FRAG_REASSEMBLE:
            self._frag_mode = frag_mode
        client.invalid_ttl_to_controller = bool(
            request.flags & valid & m.OFPC_INVALID_TTL_TO_CONTROLLER)
        client.miss_send_len = request.miss_send_len
