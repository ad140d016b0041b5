"""A minimal fake OpenFlow switch on a Unix socket that records what a client sends.

It exists to capture the exact bytes stock `ovs-ofctl` puts on the wire, so golden tests can
replay them without Open vSwitch installed.  It deliberately does not use pyvswitch's codec,
so the captures do not depend on the code they test.  Each client connection is served by a
thread that frames messages, records every received message's raw bytes (HELLO included)
and answers just enough to keep a client talking:

  * HELLO              -> a bare HELLO of the highest version both sides allow
  * ECHO_REQUEST       -> ECHO_REPLY with the same body
  * FEATURES_REQUEST   -> FEATURES_REPLY (no ports); GET_CONFIG_REQUEST -> GET_CONFIG_REPLY
  * BARRIER_REQUEST    -> BARRIER_REPLY
  * multipart/stats requests, OpenFlow and Nicira forms -> an empty reply of the same
    statistics type (zero counters for aggregates, one empty table for table features)
  * ONF (OpenFlow 1.3) and OpenFlow 1.4+ bundle control -> acknowledged
  * anything else (FLOW_MOD, NXT_FLOW_MOD, NXT_SET_FLOW_FORMAT, NXT_FLOW_MOD_TABLE_ID, ...)
    -> no answer, as a switch does when a request succeeds

Use it as a context manager (from pytest or a regeneration script):

    with FakeSwitch(tmp_path / "sw.sock") as switch:
        subprocess.run(["ovs-ofctl", "add-flow", switch.target, "actions=drop"], check=True)
        flow_mod = switch.take(kinds=FLOW_MODS)[-1]

or as `FakeSwitch(path).start()` ... `close()`.  `take()` returns the raw messages recorded
so far and forgets them; `messages()` does the same as (version, type, hex) triples.  Run as a
script (`fake_switch.py SOCK`) it serves until killed and prints each message's hex.
"""
from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time
from typing import Iterable, Optional

_HEADER = struct.Struct("!BBHI")
_SUPPORTED = frozenset(range(1, 7))
_NX = 0x2320
_ONF = 0x4F4E4600
_ONFT_BUNDLE_CONTROL = 2300
_OFPT14_BUNDLE_CONTROL = 33
_NXT_FLOW_MOD = 13
_OFPT_VENDOR = 4
_OFPT_FLOW_MOD = 14
_OFPMP_TABLE_FEATURES = 12

#: The kinds `take(kinds=...)` filters on; `kind_of(message)` names a message's kind.
FLOW_MODS = frozenset({"OFPT_FLOW_MOD", "NXT_FLOW_MOD"})


def kind_of(message: bytes) -> str:
    """"OFPT_HELLO", "OFPT_FLOW_MOD", "NXT_FLOW_MOD", "NXT_<subtype>" or "OFPT_<type>"."""
    msg_type = message[1]
    if msg_type == 0:
        return "OFPT_HELLO"
    if msg_type == _OFPT_FLOW_MOD:
        return "OFPT_FLOW_MOD"
    if msg_type == _OFPT_VENDOR and len(message) >= 16:
        vendor, subtype = struct.unpack_from("!II", message, 8)
        if vendor == _NX:
            return "NXT_FLOW_MOD" if subtype == _NXT_FLOW_MOD else "NXT_%d" % subtype
    return "OFPT_%d" % msg_type


def _message(version: int, msg_type: int, xid: int, body: bytes = b"") -> bytes:
    return _HEADER.pack(version, msg_type, _HEADER.size + len(body), xid) + body


def _hello_versions(body: bytes, version: int) -> set[int]:
    """The versions a HELLO offers: its version-bitmap element, else 1..version."""
    if len(body) >= 8:
        element_type, _ = struct.unpack_from("!HH", body)
        if element_type == 1:
            (bitmap,) = struct.unpack_from("!I", body, 4)
            return {v for v in range(32) if bitmap >> v & 1}
    return set(range(1, version + 1))


def _features_reply(version: int, xid: int) -> bytes:
    if version >= 4:
        body = struct.pack("!QIBB2xII", 0x1234, 0, 254, 0, 0x4F, 0)
    else:
        body = struct.pack("!QIB3xII", 0x1234, 0, 254, 0xC7, 0xFFF if version == 1 else 0)
    return _message(version, 6, xid, body)


def _stats_reply(version: int, xid: int, body: bytes) -> Optional[bytes]:
    if len(body) < (4 if version == 1 else 8):
        return None
    (stats_type,) = struct.unpack_from("!H", body)
    if version == 1:
        header, rest, reply_type = struct.pack("!HH", stats_type, 0), body[4:], 17
    else:
        header, rest, reply_type = struct.pack("!HH4x", stats_type, 0), body[8:], 19
    zero_aggregate = bytes(24)
    if stats_type == 0xFFFF:
        if len(rest) < 8:
            return None
        vendor, subtype = struct.unpack_from("!II", rest)
        header += rest[:8] + (bytes(4) if vendor == _NX else b"")
        if vendor == _NX and subtype == 1:   # NXST_AGGREGATE
            header += zero_aggregate
    elif stats_type == 2:                    # OFPST_AGGREGATE
        header += zero_aggregate
    elif stats_type == _OFPMP_TABLE_FEATURES and version >= 4:
        # A table-features reply must describe at least one table with the eight required
        # properties (instructions, next tables, write/apply actions, match, wildcards,
        # write/apply set-field), each empty here.
        properties = b"".join(struct.pack("!HH4x", prop_type, 4) for prop_type in range(0, 16, 2))
        header += struct.pack("!HB5x32sQQII", 64 + len(properties), 0, b"", 0, 0, 0, 1000000)
        header += properties
    return _message(version, reply_type, xid, header)


def _answer(version: int, msg_type: int, xid: int, body: bytes) -> Optional[bytes]:
    if msg_type == 2:
        return _message(version, 3, xid, body)
    if msg_type == 5:
        return _features_reply(version, xid)
    if msg_type == 7:
        return _message(version, 8, xid, struct.pack("!HH", 0, 128))
    if (version == 1 and msg_type == 18) or (version > 1 and msg_type == 20):
        return _message(version, msg_type + 1, xid)
    if (version == 1 and msg_type == 16) or (version > 1 and msg_type == 18):
        return _stats_reply(version, xid, body)
    if msg_type == _OFPT_VENDOR and len(body) >= 16:
        experimenter, exp_type, bundle_id, control = struct.unpack_from("!IIIH", body)
        if experimenter == _ONF and exp_type == _ONFT_BUNDLE_CONTROL:
            reply = struct.pack("!IIIH", experimenter, exp_type, bundle_id, control + 1)
            return _message(version, _OFPT_VENDOR, xid, reply + body[14:16])
    if version >= 5 and msg_type == _OFPT14_BUNDLE_CONTROL and len(body) >= 8:
        bundle_id, control = struct.unpack_from("!IH", body)
        reply = struct.pack("!IH", bundle_id, control + 1) + body[6:8]
        return _message(version, msg_type, xid, reply)
    return None


class FakeSwitch:
    """A listening fake switch; see the module docstring."""

    def __init__(self, path):
        self.path = str(path)
        self._lock = threading.Lock()
        self._recorded: list[bytes] = []
        if os.path.exists(self.path):
            os.unlink(self.path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(8)

    @property
    def target(self) -> str:
        """The ovs-ofctl target naming this switch."""
        return "unix:" + self.path

    def start(self) -> "FakeSwitch":
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def close(self) -> None:
        self._listener.close()
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self) -> "FakeSwitch":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def take(self, kinds: Optional[Iterable[str]] = None) -> list[bytes]:
        """The raw messages received so far (only those of `kinds`, if given); forgets all."""
        with self._lock:
            recorded, self._recorded = self._recorded, []
        if kinds is None:
            return recorded
        wanted = frozenset(kinds)
        return [raw for raw in recorded if kind_of(raw) in wanted]

    def messages(self) -> list[tuple[int, int, str]]:
        """Like take(), as (version, type, hex) triples."""
        return [(raw[0], raw[1], raw.hex()) for raw in self.take()]

    def _accept_loop(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while True:
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 8:
                    version, msg_type, length, xid = _HEADER.unpack_from(buffer)
                    if length < 8:
                        return
                    if len(buffer) < length:
                        break
                    raw, buffer = buffer[:length], buffer[length:]
                    body = raw[8:]
                    with self._lock:
                        self._recorded.append(raw)
                    if msg_type == 0:
                        common = _hello_versions(body, version) & _SUPPORTED
                        reply = _message(max(common) if common else version, 0, xid)
                    else:
                        reply = _answer(version, msg_type, xid, body)
                    if reply is not None:
                        try:
                            connection.sendall(reply)
                        except OSError:
                            return


if __name__ == "__main__":
    switch = FakeSwitch(sys.argv[1]).start()
    while True:
        time.sleep(0.2)
        for version, msg_type, hex_bytes in switch.messages():
            print(version, msg_type, hex_bytes, flush=True)
