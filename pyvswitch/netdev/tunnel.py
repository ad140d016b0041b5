"""VXLAN and Geneve tunnel ports over the kernel's UDP/IP stack.

What it owns: parsing a tunnel Interface's options into a `TunnelConfig` (with the
validation and messages of ovs-vswitchd.conf.db(5) "Tunnel Options" as Open vSwitch
reports them), the UDP sockets tunnels send and receive on, and `TunnelNetdev`, the
netdev of one tunnel port.

Sockets: there is one UDP socket per (address family, local address, UDP port), bound to
the port's `local_ip` (or the wildcard address) and `dst_port`, shared by every tunnel port
that uses it, in the `TunnelRegistry` (one per process, `REGISTRY`).  All ports on one UDP
port form a `PortTable`, whichever socket they are bound to, because the kernel delivers a
datagram to the most specific socket bound to its destination, which need not be the one
bound by the port it belongs to.

Receive: any port's `recv_batch` drains the sockets it polls (datagrams, up to the batch
size, until EAGAIN), decodes each header (pyvswitch.netdev.tunnel_header) and finds the
receiving port in the table the way Open vSwitch matches tunnel packets to ports: a port
with a fixed key before one with in_key=flow, a fixed local_ip before any, a fixed
remote_ip before remote_ip=flow; the packet's key, destination and source must equal
what the port has configured.  The inner frame is queued on that port.  Each port polls
through its own epoll descriptor, which holds the sockets and an eventfd that is set while
the port's queue is not empty, so a frame queued for a port by another port's receive is
never left waiting for the next datagram.  A frame that matches no port is dropped.
Items from `recv_batch` are (frame, None, tunnel key bits): the packet's tun_id, tun_src
(the outer source) and tun_dst (the outer destination) laid out as in pyvswitch.fields,
for the datapath to add to the frame's flow key.  Geneve options are skipped.

Send: `send_batch` takes (frame, vnet, TunnelHeader) triples, the header coming from the
datapath's tunnel output action (so key=flow and remote_ip=flow values come from the
flow), or plain (frame, vnet) pairs, which use the port's own configuration.  Partial
checksums and GSO are completed in software first (a UDP payload carries finished
frames), then each frame is sent as one datagram to (remote_ip, dst_port) with the
header's TTL and TOS (inherited from the inner IP header when "inherit"), DF per
df_default and an outer UDP checksum only with csum=true.

Threads: the datapath thread alone receives and sends; the control thread opens and
closes ports.  The registry's lock covers the tables and the queues between them.
"""
from __future__ import annotations

import collections
import errno
import ipaddress
import logging
import os
import select
import socket
import struct
import threading
from typing import Iterable, NamedTuple, Optional, Union

from pyvswitch import fields as F
from pyvswitch.netdev import tunnel_header as th
from pyvswitch.netdev.base import (VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_NONE, Netdev, NetdevError,
                                   NetdevStats)
from pyvswitch.netdev.offload import OffloadError, software_offload
from pyvswitch.netdev.tunnel_header import TunnelHeader

log = logging.getLogger("netdev_vport")
tunnel_log = logging.getLogger("tunnel")

FLOW = "flow"
DEFAULT_TTL = 64
#: Received frames a port may hold before it drops more (its datapath polls it meanwhile).
RX_QUEUE_LIMIT = 4096

_KNOWN_OPTIONS = frozenset((
    "remote_ip", "local_ip", "key", "in_key", "out_key", "dst_port", "csum", "df_default",
    "tos", "ttl", "egress_pkt_mark", "packet_type", "exts",
))

# Linux socket options Python's socket module does not name.
_IP_PKTINFO = 8
_IP_MTU_DISCOVER = 10
_IPV6_MTU_DISCOVER = 23
_PMTUDISC_DONT = 0
_PMTUDISC_DO = 2
_SO_NO_CHECK = 11

_INT = struct.Struct("=i")
_MAX_DATAGRAM = 65535
_ETH_TYPE_IP = 0x0800
_ETH_TYPE_IPV6 = 0x86DD


class TunnelConfig(NamedTuple):
    """A tunnel port's options, validated.  `in_key`/`out_key` None means "flow"."""
    kind: str
    remote_ip: str                 # "" with remote_ip=flow
    local_ip: str                  # "" when unset or local_ip=flow
    remote_from_flow: bool
    local_from_flow: bool
    in_key: Optional[int]
    out_key: Optional[int]
    dst_port: int
    tos: Optional[int]             # None: inherit
    ttl: Optional[int]             # None: inherit
    df: bool
    csum: bool

    @property
    def family(self) -> int:
        address = self.remote_ip or self.local_ip
        return socket.AF_INET6 if ":" in address else socket.AF_INET

    @property
    def header(self) -> TunnelHeader:
        """The encapsulation for output with no flow-based values filled in."""
        return TunnelHeader(self.kind, self.out_key or 0, self.remote_ip, self.local_ip,
                            self.dst_port, self.tos, self.ttl, self.df, self.csum)

    @property
    def match(self) -> tuple:
        """What identifies the port among the ports on its UDP port (see PortTable)."""
        return (self.in_key, FLOW if self.local_from_flow else self.local_ip,
                FLOW if self.remote_from_flow else self.remote_ip)


def _parse_address(text: str) -> Union[ipaddress.IPv4Address, ipaddress.IPv6Address, None]:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _c_number(text: str) -> tuple[int, bool]:
    """strtoull(text, &end, 0): the value of the longest prefix that is a number in C notation
    (0 if none), and whether that prefix is the whole text."""
    body = text.lstrip()
    if body[:2].lower() == "0x" and len(body) > 2:
        base, digits = 16, body[2:]
    elif body.startswith("0"):
        base, digits = 8, body[1:] or "0"
    else:
        base, digits = 10, body
    valid = "0123456789abcdef"[:base]
    end = 0
    while end < len(digits) and digits[end].lower() in valid:
        end += 1
    return (int(digits[:end], base) if end else 0), bool(body) and end == len(digits)


def _c_atoi(text: str) -> int:
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    end = 0
    while end < len(text) and text[end].isdigit():
        end += 1
    return sign * int(text[:end]) if end else 0


def _key(options: dict[str, str], name: str) -> Optional[int]:
    """in_key/out_key falling back to key; None for "flow", 0 when neither is given."""
    value = options.get(name, options.get("key"))
    if value is None:
        return 0
    if value == FLOW:
        return None
    return _c_number(value)[0] & 0xFFFFFFFFFFFFFFFF


def parse_options(name: str, kind: str, options: dict[str, str]) -> TunnelConfig:
    """Validate a tunnel port's options; NetdevError (the Interface's error text) if they
    cannot work.  Problems that do not stop the port are logged as warnings."""
    problems: list[str] = []
    remote = local = None
    remote_flow = local_flow = False
    tos: Optional[int] = 0
    ttl: Optional[int] = DEFAULT_TTL
    for option, value in sorted(options.items()):
        if option in ("remote_ip", "local_ip"):
            if value == FLOW:
                if option == "remote_ip":
                    remote_flow = True
                else:
                    local_flow = True
                continue
            address = _parse_address(value)
            if address is None:
                problems.append("%s: bad %s '%s'" % (name, kind, option))
            elif option == "remote_ip" and address.is_multicast:
                problems.append("%s: multicast remote_ip=%s not allowed" % (name, value))
                raise _error(problems)
            elif option == "remote_ip":
                remote = address
            else:
                local = address
        elif option == "tos":
            if value == "inherit":
                tos = None
            else:
                number, whole = _c_number(value)
                if whole and number == number & 0xFC:
                    tos = number
                else:
                    log.warning("%s: invalid TOS %s", name, value)
        elif option == "ttl":
            ttl = None if value == "inherit" else (_c_atoi(value) & 0xFF) or DEFAULT_TTL
        elif option not in _KNOWN_OPTIONS:
            problems.append("%s: unknown %s argument '%s'" % (name, kind, option))
    if remote is None and not remote_flow:
        problems.append("%s: %s type requires valid 'remote_ip' argument" % (name, kind))
        raise _error(problems)
    if remote is not None and local is not None and remote.version != local.version:
        problems.append("%s: 'remote_ip' and 'local_ip' has to be of the same address family"
                        % name)
        raise _error(problems)
    if local_flow and not remote_flow:
        problems.append("%s: %s type requires 'remote_ip=flow' with 'local_ip=flow'"
                        % (name, kind))
        raise _error(problems)
    if problems:
        log.warning("%s", "\n".join(problems))
    dst_port = _c_atoi(options.get("dst_port", "")) & 0xFFFF or th.DEFAULT_PORTS[kind]
    return TunnelConfig(kind, "" if remote is None else str(remote),
                        "" if local is None else str(local), remote_flow, local_flow,
                        _key(options, "in_key"), _key(options, "out_key"), dst_port, tos, ttl,
                        options.get("df_default") != "false", options.get("csum") == "true")


def _error(problems: list[str]) -> NetdevError:
    message = "\n".join(problems)
    log.warning("%s", message)
    return NetdevError(message, errno.EINVAL)


def _ipv4_bits(address: str) -> int:
    try:
        return int.from_bytes(socket.inet_aton(address), "big")
    except OSError:
        return 0


class PortTable:
    """The tunnel ports on one (address family, UDP port), by what they match."""

    def __init__(self, kind: str):
        self.kind = kind
        self.ports: dict[tuple, "TunnelNetdev"] = {}
        self._cache: dict[tuple, tuple] = {}

    def add(self, netdev: "TunnelNetdev") -> None:
        self.ports[netdev.config.match] = netdev
        self._cache.clear()

    def remove(self, netdev: "TunnelNetdev") -> None:
        if self.ports.get(netdev.config.match) is netdev:
            del self.ports[netdev.config.match]
        self._cache.clear()

    def lookup(self, vni: int, local: str, remote: str) -> Optional[tuple]:
        """(port, tunnel key bits) of a packet with this key, destination and source."""
        cache_key = (vni, local, remote)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        ports = self.ports
        for key in (vni, None):
            for local_match in (local, "", FLOW):
                for remote_match in (remote, FLOW):
                    netdev = ports.get((key, local_match, remote_match))
                    if netdev is not None:
                        found = (netdev, vni << F.SHIFT_TUN_ID
                                 | _ipv4_bits(local) << F.SHIFT_TUN_DST
                                 | _ipv4_bits(remote) << F.SHIFT_TUN_SRC)
                        if len(self._cache) >= 4096:
                            self._cache.clear()
                        self._cache[cache_key] = found
                        return found
        return None


class UdpSocket:
    """One bound UDP socket: receives datagrams for its PortTable, sends for its ports."""

    def __init__(self, family: int, local: str, port: int, table: PortTable):
        self.family = family
        self.local = local
        self.table = table
        self.users = 0
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
            else:
                sock.setsockopt(socket.IPPROTO_IP, _IP_PKTINFO, 1)
            sock.bind((local or ("::" if family == socket.AF_INET6 else "0.0.0.0"), port))
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self._buffer = bytearray(_MAX_DATAGRAM)
        self._ancillary = socket.CMSG_SPACE(20)
        self._df: Optional[bool] = None
        self._csum: Optional[bool] = None

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self, max_datagrams: int) -> list[tuple["TunnelNetdev", bytes, int]]:
        """Up to max_datagrams received frames as (port, inner frame, tunnel key bits)."""
        result = []
        buffer = self._buffer
        view = memoryview(buffer)
        table = self.table
        kind = table.kind
        decode = th.decode
        default_local = self.local
        for _ in range(max_datagrams):
            try:
                n, ancillary, _flags, source = self.sock.recvmsg_into([buffer], self._ancillary)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                # A pending ICMP error surfaced on the socket: it concerns no datagram.
                continue
            decoded = decode(kind, view[:n])
            if decoded is None:
                continue
            found = table.lookup(decoded.vni, _destination(ancillary) or default_local, source[0])
            if found is None:
                continue
            result.append((found[0], bytes(view[decoded.offset:n]), found[1]))
        return result

    def send(self, header: TunnelHeader, frame) -> int:
        """Encapsulate and send one frame; 0 on success, else the errno."""
        ipv6 = self.family == socket.AF_INET6
        if header.df != self._df:
            self.sock.setsockopt(socket.IPPROTO_IPV6 if ipv6 else socket.IPPROTO_IP,
                                 _IPV6_MTU_DISCOVER if ipv6 else _IP_MTU_DISCOVER,
                                 _PMTUDISC_DO if header.df else _PMTUDISC_DONT)
            self._df = header.df
        if header.csum != self._csum and not ipv6:
            self.sock.setsockopt(socket.SOL_SOCKET, _SO_NO_CHECK, 0 if header.csum else 1)
            self._csum = header.csum
        ttl, tos = header.ttl, header.tos
        if ttl is None or tos is None:
            inner_ttl, inner_tos = _inner_ttl_tos(frame)
            ttl = inner_ttl if ttl is None else ttl
            tos = inner_tos if tos is None else tos
        if ipv6:
            ancillary = [(socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, _INT.pack(ttl)),
                         (socket.IPPROTO_IPV6, socket.IPV6_TCLASS, _INT.pack(tos))]
            if header.ip_src and not self.local:
                ancillary.append((socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
                                  socket.inet_pton(socket.AF_INET6, header.ip_src) + bytes(4)))
        else:
            ancillary = [(socket.IPPROTO_IP, socket.IP_TTL, _INT.pack(ttl)),
                         (socket.IPPROTO_IP, socket.IP_TOS, _INT.pack(tos))]
            if header.ip_src and not self.local:
                ancillary.append((socket.IPPROTO_IP, _IP_PKTINFO,
                                  bytes(4) + socket.inet_aton(header.ip_src) + bytes(4)))
        try:
            self.sock.sendmsg([th.encode(header.kind, header.tun_id), frame], ancillary, 0,
                              (header.ip_dst, header.dst_port))
        except OSError as error:
            return error.errno or errno.EIO
        return 0

    def close(self) -> None:
        self.sock.close()


def _destination(ancillary) -> str:
    """The destination address of a received datagram, from its IP(V6)_PKTINFO."""
    for level, kind, data in ancillary:
        if level == socket.IPPROTO_IP and kind == _IP_PKTINFO and len(data) >= 12:
            return socket.inet_ntoa(data[8:12])
        if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO and len(data) >= 16:
            return socket.inet_ntop(socket.AF_INET6, data[:16])
    return ""


def _inner_ttl_tos(frame) -> tuple[int, int]:
    """(TTL, TOS) of the inner IP header, for ttl/tos=inherit; (64, 0) when not IP."""
    off = 12
    while len(frame) >= off + 2 and frame[off] << 8 | frame[off + 1] in (0x8100, 0x88A8):
        off += 4
    if len(frame) < off + 10:
        return DEFAULT_TTL, 0
    eth_type = frame[off] << 8 | frame[off + 1]
    l3 = off + 2
    if eth_type == _ETH_TYPE_IP:
        return frame[l3 + 8], frame[l3 + 1]
    if eth_type == _ETH_TYPE_IPV6:
        return frame[l3 + 7], (frame[l3] << 4 | frame[l3 + 1] >> 4) & 0xFF
    return DEFAULT_TTL, 0


class TunnelRegistry:
    """The shared sockets and port tables of one process."""

    def __init__(self):
        self.lock = threading.Lock()
        self._sockets: dict[tuple, UdpSocket] = {}
        self._tables: dict[tuple, PortTable] = {}

    def attach(self, netdev: "TunnelNetdev") -> UdpSocket:
        """Register a port: its socket (bound now if it is the first user) and its match.
        NetdevError if another port already matches the same packets."""
        config = netdev.config
        family = config.family
        with self.lock:
            table = self._tables.get((family, config.dst_port))
            if table is None:
                table = PortTable(config.kind)
            other = table.ports.get(config.match)
            if other is not None or table.kind != config.kind:
                if other is not None:
                    tunnel_log.warning("%s: attempting to add tunnel port with same config as "
                                       "port '%s'", netdev.name, other.name)
                code = errno.EEXIST if other is not None else errno.EADDRINUSE
                raise NetdevError("could not add network device %s to ofproto (%s)"
                                  % (netdev.name, os.strerror(code)), code)
            sock_key = (family, config.local_ip, config.dst_port)
            sock = self._sockets.get(sock_key)
            if sock is None:
                try:
                    sock = UdpSocket(family, config.local_ip, config.dst_port, table)
                except OSError as error:
                    raise NetdevError("could not open network device %s (%s)"
                                      % (netdev.name, os.strerror(error.errno)),
                                      error.errno) from None
                self._sockets[sock_key] = sock
            self._tables[(family, config.dst_port)] = table
            sock.users += 1
            table.add(netdev)
            return sock

    def detach(self, netdev: "TunnelNetdev", sock: UdpSocket) -> None:
        config = netdev.config
        with self.lock:
            table = self._tables.get((config.family, config.dst_port))
            if table is not None:
                table.remove(netdev)
                if not table.ports:
                    del self._tables[(config.family, config.dst_port)]
            sock.users -= 1
            if sock.users == 0:
                self._sockets.pop((sock.family, sock.local, config.dst_port), None)
                sock.close()


REGISTRY = TunnelRegistry()


class TunnelNetdev(Netdev):
    """One vxlan or geneve port (see the module docstring)."""

    #: send_batch completes offloaded inner frames itself, before encapsulating them.
    accepts_offloads = True
    #: recv_batch items are (frame, None, tunnel key bits).
    rx_metadata = True

    def __init__(self, name: str, kind: str, options: dict[str, str],
                 registry: TunnelRegistry = REGISTRY):
        super().__init__(name)
        self.kind = kind
        self.config = parse_options(name, kind, options)
        #: What translation needs to build this port's tunnel output actions.
        self.tunnel_config = self.config
        self._registry = registry
        self._rx: collections.deque = collections.deque()
        self._stats = NetdevStats()
        # Like Open vSwitch's tunnel vports: a random, locally administered unicast address.
        self._mac = bytes([os.urandom(1)[0] & 0xFC | 0x02]) + os.urandom(5)
        self._wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._poll = select.epoll()
        self._signalled = False          # the eventfd is set
        self._closed = False
        try:
            self._socket = registry.attach(self)
        except NetdevError:
            self._poll.close()
            os.close(self._wake_fd)
            raise
        self._poll.register(self._wake_fd, select.EPOLLIN)
        self._poll.register(self._socket.fileno(), select.EPOLLIN)

    def fileno(self) -> Optional[int]:
        return self._poll.fileno()

    def recv_batch(self, max_frames: int) -> list:
        rx = self._rx
        if not rx:
            received = self._socket.drain(max_frames)
            if received:
                with self._registry.lock:
                    for netdev, frame, bits in received:
                        netdev._deliver(frame, bits, netdev is self)
        batch = [rx.popleft() for _ in range(min(max_frames, len(rx)))]
        # Keep the port readable exactly while frames wait in its queue.
        if rx and not self._signalled:
            os.eventfd_write(self._wake_fd, 1)
            self._signalled = True
        elif not rx and self._signalled:
            try:
                os.eventfd_read(self._wake_fd)
            except BlockingIOError:
                pass
            self._signalled = False
        if batch:
            self._stats.rx_packets += len(batch)
            self._stats.rx_bytes += sum([len(item[0]) for item in batch])
        return batch

    def _deliver(self, frame: bytes, bits: int, own: bool) -> None:
        """Queue a received frame; called on the datapath thread with the registry lock held.
        A port receiving for itself sets its eventfd afterwards, as needed."""
        if self._closed:
            return
        rx = self._rx
        if len(rx) >= RX_QUEUE_LIMIT:
            self._stats.rx_dropped += 1
            return
        rx.append((frame, None, bits))
        if not own and not self._signalled:
            os.eventfd_write(self._wake_fd, 1)
            self._signalled = True

    def send_batch(self, frames: Iterable[tuple]) -> None:
        default = None
        sock = self._socket
        stats = self._stats
        for item in frames:
            frame, vnet = item[0], item[1]
            if len(item) > 2:
                header = item[2]
            else:
                if default is None:
                    default = self.config.header
                header = default
            if not header.ip_dst:
                stats.tx_dropped += 1
                continue
            if vnet is not None and (vnet.flags & VNET_HDR_F_NEEDS_CSUM
                                     or vnet.gso_type != VNET_HDR_GSO_NONE):
                try:
                    inner = software_offload(frame, vnet)
                except OffloadError:
                    stats.tx_errors += 1
                    continue
            else:
                inner = (frame,)
            for segment in inner:
                failure = sock.send(header, segment)
                if not failure:
                    stats.tx_packets += 1
                    stats.tx_bytes += len(segment)
                elif failure in (errno.EAGAIN, errno.ENOBUFS, errno.EMSGSIZE):
                    stats.tx_dropped += 1
                else:
                    stats.tx_errors += 1

    def get_stats(self) -> NetdevStats:
        return NetdevStats(**vars(self._stats))

    def get_mac(self) -> Optional[bytes]:
        return self._mac

    def close(self) -> None:
        if self._closed:
            return
        with self._registry.lock:
            self._closed = True
            self._rx.clear()
        self._registry.detach(self, self._socket)
        self._poll.close()
        os.close(self._wake_fd)
