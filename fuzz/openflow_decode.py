"""Fuzz harness: the OpenFlow message decoder, `pyvswitch.ofproto.protocol.codec.decode`.

Contract checked on every input: the input, framed as one message (its header's length
field rewritten to the input's length, inputs cut to the 65535 bytes a header can announce),
either decodes to a message or raises DecodeError, the error a switch would answer with;
any other exception is a crash.  A decoded message other than UnsupportedMessage must also
encode, decode again, and be stable from there: the re-decoded message encodes to the same
bytes and decodes to itself.  The first encoding may normalize (an OpenFlow 1.1 set_dl_dst
read in 1.5 is written as set_field, as Open vSwitch does); `check_strict` also requires
the re-decoded message to equal the first one, to list such normalizations.

Seeds: every message in tests/data/flow_codec (requests ovs-ofctl sent, replies stock
ovs-vswitchd sent) and every golden action list of tests/data/actions_wire placed in an
add-flow of its version.  `python -m fuzz.openflow_decode --write-corpus` writes them to
fuzz/corpus/openflow_decode/; `python -m fuzz.openflow_decode [libFuzzer flags] [corpus dir]`
runs atheris (coverage-guided) on `check`.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
import struct
import sys

from fuzz.instrumented import instrumented_when_main, run_as_program

with instrumented_when_main(__name__):
    from pyvswitch.ofproto.protocol import codec
    from pyvswitch.ofproto.protocol import messages as m
    from pyvswitch.ofproto.protocol.errors import DecodeError

ROOT = pathlib.Path(__file__).resolve().parents[1]
FLOW_CODEC = ROOT / "tests" / "data" / "flow_codec"
ACTIONS_WIRE = ROOT / "tests" / "data" / "actions_wire" / "golden.json"
CORPUS = ROOT / "fuzz" / "corpus" / "openflow_decode"
VERSION_NAMES = {"OpenFlow1%d" % n: n + 1 for n in range(6)}


class RoundTripError(AssertionError):
    """A message that decoded did not come back equal from encode and decode.  `signature`,
    the innermost class and field that differ (("FlowMod", "table_id") also when the flow_mod
    travels in a bundle), tells one such bug from another."""

    def __init__(self, decoded: m.Message, again: m.Message, encoded: bytes):
        self.signature = _first_difference(decoded, again)
        super().__init__("%r\nre-decoded as\n%r\nfrom %s" % (decoded, again, encoded.hex()))


def _first_difference(one, other) -> tuple:
    if type(one) is not type(other):
        return type(one).__name__, type(other).__name__
    if dataclasses.is_dataclass(one):
        for field in dataclasses.fields(one):
            mine, theirs = getattr(one, field.name), getattr(other, field.name)
            if field.compare and mine != theirs:
                inner = _first_difference(mine, theirs)
                return inner if inner else (type(one).__name__, field.name)
    elif isinstance(one, tuple) and len(one) == len(other):
        for mine, theirs in zip(one, other):
            if mine != theirs:
                return _first_difference(mine, theirs)
    return ()


def framed(data: bytes) -> bytes:
    """`data` as one message: at most 65535 bytes, its length field saying how long it is."""
    data = data[:codec.MAX_MESSAGE_LEN]
    if len(data) < codec.HEADER.size:
        return data
    return data[:2] + struct.pack("!H", len(data)) + data[4:]


def check(data: bytes) -> None:
    """The contract: DecodeError or a message, and encode/decode reaching a fixed point."""
    _check(data, strict=False)


def check_strict(data: bytes) -> None:
    """`check`, and the message decoded again from its encoding equals the first decoding
    (no normalization on the way, such as deprecated actions becoming set_field)."""
    _check(data, strict=True)


def _check(data: bytes, strict: bool) -> None:
    message = framed(data)
    try:
        decoded = codec.decode(message)
    except DecodeError:
        return
    if isinstance(decoded, m.UnsupportedMessage):
        return
    encoded = codec.encode(decoded)
    again = codec.decode(encoded)
    if strict and again != decoded:
        raise RoundTripError(decoded, again, encoded)
    encoded_again = codec.encode(again)
    if encoded_again != encoded or codec.decode(encoded_again) != again:
        raise RoundTripError(again, codec.decode(encoded_again), encoded_again)


def _split(stream: bytes) -> list[bytes]:
    messages = []
    while len(stream) >= codec.HEADER.size:
        length = codec.message_length(stream)
        if length < codec.HEADER.size:
            break
        messages.append(stream[:length])
        stream = stream[length:]
    return messages


def seeds() -> list[bytes]:
    found: list[bytes] = []
    for entry in json.loads((FLOW_CODEC / "requests.json").read_text()):
        for text in entry.get("messages", ()):
            found += _split(bytes.fromhex(text))
    for entry in json.loads((FLOW_CODEC / "replies.json").read_text()):
        found += _split(bytes.fromhex(entry["hex"]))
    for entry in json.loads((FLOW_CODEC / "stock_replies.json").read_text()):
        found += _split(bytes.fromhex(entry["request"]))
        for text in entry.get("replies", ()):
            found += _split(bytes.fromhex(text))
    empty_add = {}
    for entry in json.loads((FLOW_CODEC / "requests.json").read_text()):
        if entry["command"] == "add-flow" and entry["arguments"] == ["actions=drop"]:
            empty_add[VERSION_NAMES[entry["version"]]] = bytes.fromhex(entry["messages"][0])
    for entry in json.loads(ACTIONS_WIRE.read_text()):
        if entry.get("hex") and entry["version"] in empty_add:
            found.append(framed(empty_add[entry["version"]] + bytes.fromhex(entry["hex"])))
    return list(dict.fromkeys(found))


if __name__ == "__main__":
    run_as_program(sys.argv, check, seeds, CORPUS)
