"""One OpenFlow channel as a state machine: fed bytes and the time, it yields messages and
bytes to send.  No I/O: an adapter (`connmgr` for the switch, `pyvswitch.cli.ofctl` for the
client) moves the bytes.

What it owns: framing of the byte stream, version negotiation, the connection-level messages
(HELLO, ECHO, errors for what cannot be decoded or is not implemented) and the optional
inactivity probe.  Switch and client sides behave alike; OpenFlow's HELLO is symmetric.

Flow:
  * `Connection(...)` queues our HELLO at once: the highest allowed version, with a version
    bitmap unless the allowed versions are exactly 1..highest.
  * `receive(data, now)` appends to the input buffer and returns the complete messages the
    application must handle, in order.  Handled here instead: the peer's HELLO (negotiation;
    on failure an OFPHFC_INCOMPATIBLE error and close), ECHO_REQUEST (answered), ECHO_REPLY
    (ends a probe), a message in another version (OFPBRC_BAD_VERSION), a second HELLO
    (OFPBRC_BAD_TYPE), undecodable or unsupported messages (the error their decoding names).
  * `send(message)` queues a message; `take_output()` hands queued bytes to the adapter.
  * `run(now)` drives the inactivity probe; `next_wakeup()` says when it next needs to run.

Invariants: nothing but HELLO is sent or delivered before negotiation; once `closed` is set
no further input is processed, but output queued before closing (e.g. the HELLO_FAILED
error) is still handed out so the adapter can flush it before closing the socket.
"""
from __future__ import annotations

from typing import Callable, Optional

from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import OFP10, is_contiguous_from_one


def describe_versions(versions: frozenset[int]) -> str:
    """Versions as Open vSwitch's HELLO_FAILED text words them."""
    if is_contiguous_from_one(versions) and len(versions) > 1:
        return "version 0x%02x and earlier" % max(versions)
    if len(versions) == 1:
        return "version 0x%02x" % max(versions)
    return "versions " + ", ".join("0x%02x" % v for v in sorted(versions))


class Connection:
    def __init__(self, allowed_versions: frozenset[int], next_xid: Callable[[], int],
                 now: float, probe_interval: Optional[float] = None):
        self.allowed_versions = frozenset(allowed_versions)
        self.version: Optional[int] = None  # negotiated version, once the peer's HELLO came
        self.closed = False
        self.close_reason: Optional[str] = None
        self._next_xid = next_xid
        self._probe_interval = probe_interval
        self._last_activity = now
        self._probe_sent_at: Optional[float] = None
        self._input = bytearray()
        self._output = bytearray()
        highest = max(self.allowed_versions)
        bitmap = None if is_contiguous_from_one(self.allowed_versions) else self.allowed_versions
        self._queue(m.Hello(version=highest, xid=next_xid(), versions=bitmap))

    @property
    def active(self) -> bool:
        """Negotiated and not closed: application messages may flow."""
        return self.version is not None and not self.closed

    def next_xid(self) -> int:
        return self._next_xid()

    def send(self, message: m.Message) -> None:
        if not self.active:
            raise RuntimeError("OpenFlow connection is not active")
        self._queue(message)

    def take_output(self) -> bytes:
        output = bytes(self._output)
        self._output.clear()
        return output

    def close(self, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.close_reason = reason

    def receive(self, data: bytes, now: float) -> list[m.Message]:
        if self.closed:
            return []
        if data:
            self._last_activity = now
            self._probe_sent_at = None
        self._input += data
        delivered = []
        while not self.closed:
            length = codec.message_length(self._input)
            if length is None:
                break
            if length < codec.HEADER.size:
                self.close("received message with invalid length %d" % length)
                break
            if len(self._input) < length:
                break
            raw = bytes(self._input[:length])
            del self._input[:length]
            message = self._handle(raw)
            if message is not None:
                delivered.append(message)
        return delivered

    def run(self, now: float) -> None:
        if not self.active or self._probe_interval is None:
            return
        if self._probe_sent_at is None:
            if now - self._last_activity >= self._probe_interval:
                self._queue(m.EchoRequest(version=self.version, xid=self._next_xid()))
                self._probe_sent_at = now
        elif now - self._probe_sent_at >= self._probe_interval:
            self.close("no response to inactivity probe after %g seconds, disconnecting"
                       % (now - self._last_activity))

    def next_wakeup(self) -> Optional[float]:
        if not self.active or self._probe_interval is None:
            return None
        if self._probe_sent_at is None:
            return self._last_activity + self._probe_interval
        return self._probe_sent_at + self._probe_interval

    def _queue(self, message: m.Message) -> None:
        self._output += codec.encode(message)

    def _reply_error(self, request: m.Message, error: errors.ErrorCode) -> None:
        self._queue(codec.error_reply(request, error))

    def _handle(self, raw: bytes) -> Optional[m.Message]:
        version = raw[0]
        if self.version is None:
            return self._negotiate(raw)
        if version != self.version:
            self._reply_error(m.Message(version=version, xid=_xid_of(raw), raw=raw),
                              errors.BAD_VERSION)
            return None
        try:
            message = codec.decode(raw)
        except errors.DecodeError as error:
            self._reply_error(m.Message(version=version, xid=_xid_of(raw), raw=raw),
                              error.error)
            return None
        if isinstance(message, m.Hello):
            self._reply_error(message, errors.BAD_TYPE)
        elif isinstance(message, m.UnsupportedMessage):
            self._reply_error(message, message.error)
        elif isinstance(message, m.EchoRequest):
            self._queue(m.EchoReply(version=version, xid=message.xid, data=message.data))
        elif not isinstance(message, m.EchoReply):
            return message
        return None

    def _negotiate(self, raw: bytes) -> None:
        try:
            hello = codec.decode(raw)
        except errors.DecodeError:
            hello = None
        if not isinstance(hello, m.Hello):
            self.close("received message before HELLO")
            return None
        peer_versions = hello.versions or frozenset(range(1, hello.version + 1))
        common = self.allowed_versions & peer_versions
        if not common:
            text = "We support %s, you support %s, no common versions." % (
                describe_versions(self.allowed_versions), describe_versions(peer_versions))
            # There is no agreed version to speak, so the error goes out as OpenFlow 1.0.
            self._queue(m.Error(version=OFP10, xid=0, type=errors.HELLO_INCOMPATIBLE.type,
                                code=errors.HELLO_INCOMPATIBLE.code, data=text.encode()))
            self.close(text)
            return None
        self.version = max(common)
        return None


def _xid_of(raw: bytes) -> int:
    return codec.HEADER.unpack_from(raw)[3]
