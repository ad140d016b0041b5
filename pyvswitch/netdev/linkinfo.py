"""Kernel link facts (index, flags, MTU, MAC, counters) over rtnetlink.

One RTM_GETLINK round trip answers every getter a netdev has, which keeps the
control plane's periodic polling (every few seconds per port) cheap; RTM_NEWLINK
changes MTU, MAC and the administrative state.

The codec is pure: `encode_getlink`/`encode_setlink` build requests and
`decode_reply` turns the kernel's answer into a `LinkInfo` or raises the OSError
the kernel reported.  `query_link` and `set_link` are the thin I/O adapter: a
short-lived NETLINK_ROUTE socket per call, so nothing is left open between polls
and every answer comes from the calling thread's own network namespace.
"""
from __future__ import annotations

import errno
import os
import socket
import struct
from typing import NamedTuple, Optional

from pyvswitch.netdev.base import NetdevStats

IFF_UP = 0x1
IFF_RUNNING = 0x40

_NLMSG_HDR = struct.Struct("=IHHII")
_IFINFOMSG = struct.Struct("=BxHiII")
_NLATTR = struct.Struct("=HH")
_NLMSG_ERROR = 2
_RTM_NEWLINK = 16
_RTM_GETLINK = 18
_NLM_F_REQUEST = 0x1
_NLM_F_ACK = 0x4
_IFLA_ADDRESS = 1
_IFLA_IFNAME = 3
_IFLA_MTU = 4
_IFLA_STATS64 = 23
_STATS64_FIELDS = 10  # rx/tx packets, rx/tx bytes, rx/tx errors, rx/tx dropped, multicast, collisions
_RECV_SIZE = 65536


class LinkInfo(NamedTuple):
    ifindex: int
    name: str
    flags: int
    mtu: Optional[int]
    mac: Optional[bytes]
    stats: Optional[NetdevStats]

    @property
    def admin_state(self) -> str:
        return "up" if self.flags & IFF_UP else "down"

    @property
    def link_state(self) -> str:
        return "up" if self.flags & IFF_RUNNING else "down"


def _attr(kind: int, payload: bytes) -> bytes:
    length = _NLATTR.size + len(payload)
    return _NLATTR.pack(length, kind) + payload + bytes(-length % 4)


def _message(kind: int, flags: int, seq: int, body: bytes) -> bytes:
    return _NLMSG_HDR.pack(_NLMSG_HDR.size + len(body), kind, flags, seq, 0) + body


def encode_getlink(seq: int, *, ifindex: int = 0, name: Optional[str] = None) -> bytes:
    body = _IFINFOMSG.pack(socket.AF_UNSPEC, 0, ifindex, 0, 0)
    if name is not None:
        body += _attr(_IFLA_IFNAME, name.encode() + b"\0")
    return _message(_RTM_GETLINK, _NLM_F_REQUEST, seq, body)


def encode_setlink(seq: int, ifindex: int, *, mtu: Optional[int] = None,
                   mac: Optional[bytes] = None, up: Optional[bool] = None) -> bytes:
    flags = change = 0
    if up is not None:
        change = IFF_UP
        flags = IFF_UP if up else 0
    body = _IFINFOMSG.pack(socket.AF_UNSPEC, 0, ifindex, flags, change)
    if mtu is not None:
        body += _attr(_IFLA_MTU, struct.pack("=I", mtu))
    if mac is not None:
        body += _attr(_IFLA_ADDRESS, bytes(mac))
    return _message(_RTM_NEWLINK, _NLM_F_REQUEST | _NLM_F_ACK, seq, body)


def _decode_stats(payload) -> NetdevStats:
    (rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors,
     rx_dropped, tx_dropped, _multicast, collisions) = struct.unpack_from(
        "=%dQ" % _STATS64_FIELDS, payload)
    return NetdevStats(rx_packets=rx_packets, rx_bytes=rx_bytes, rx_dropped=rx_dropped,
                       rx_errors=rx_errors, tx_packets=tx_packets, tx_bytes=tx_bytes,
                       tx_dropped=tx_dropped, tx_errors=tx_errors, collisions=collisions)


def decode_reply(data: bytes, seq: int) -> Optional[LinkInfo]:
    """The link described by the first message answering `seq` in `data`; None
    for a bare acknowledgement.  A kernel error is raised as OSError."""
    offset = 0
    while offset + _NLMSG_HDR.size <= len(data):
        length, kind, _, msg_seq, _ = _NLMSG_HDR.unpack_from(data, offset)
        if length < _NLMSG_HDR.size:
            break
        body = offset + _NLMSG_HDR.size
        end = offset + length
        offset += (length + 3) & ~3
        if msg_seq != seq:
            continue
        if kind == _NLMSG_ERROR:
            (error,) = struct.unpack_from("=i", data, body)
            if error:
                raise OSError(-error, os.strerror(-error))
            return None
        if kind != _RTM_NEWLINK:
            continue
        _, _, ifindex, flags, _ = _IFINFOMSG.unpack_from(data, body)
        name, mtu, mac, stats = "", None, None, None
        attr = body + _IFINFOMSG.size
        while attr + _NLATTR.size <= end:
            attr_len, attr_kind = _NLATTR.unpack_from(data, attr)
            if attr_len < _NLATTR.size:
                break
            payload = data[attr + _NLATTR.size:attr + attr_len]
            attr_kind &= 0x3FFF
            if attr_kind == _IFLA_IFNAME:
                name = payload.rstrip(b"\0").decode()
            elif attr_kind == _IFLA_MTU:
                (mtu,) = struct.unpack_from("=I", payload)
            elif attr_kind == _IFLA_ADDRESS:
                mac = bytes(payload)
            elif attr_kind == _IFLA_STATS64:
                stats = _decode_stats(payload)
            attr += (attr_len + 3) & ~3
        return LinkInfo(ifindex, name, flags, mtu, mac, stats)
    raise OSError(errno.EPROTO, "no netlink reply")


def _round_trip(request: bytes, seq: int) -> Optional[LinkInfo]:
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.settimeout(2.0)
        sock.send(request)
        return decode_reply(sock.recv(_RECV_SIZE), seq)


_next_seq = 0


def _seq() -> int:
    global _next_seq
    _next_seq = (_next_seq + 1) & 0x7FFFFFFF
    return _next_seq


def query_link(*, ifindex: int = 0, name: Optional[str] = None) -> LinkInfo:
    """The link with index `ifindex` or name `name`; OSError(ENODEV) if none."""
    seq = _seq()
    return _round_trip(encode_getlink(seq, ifindex=ifindex, name=name), seq)


def set_link(ifindex: int, *, mtu: Optional[int] = None, mac: Optional[bytes] = None,
             up: Optional[bool] = None) -> None:
    seq = _seq()
    _round_trip(encode_setlink(seq, ifindex, mtu=mtu, mac=mac, up=up), seq)
