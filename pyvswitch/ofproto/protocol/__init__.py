"""The OpenFlow wire protocol: a pure codec between bytes and frozen message objects.

Nothing here does I/O or keeps state.  Layers, bottom up:
  * `versions`: wire version numbers, their names, HELLO version bitmaps;
  * `flags`: bit fields whose layout changes between versions (capabilities, port config,
    state and features), each with one abstract IntFlag and per-version wire maps;
  * `ports`: port numbers (16-bit, Open vSwitch style, in every version) and port
    descriptions for 1.0, 1.1-1.3 and 1.4-1.5;
  * `errors`: error type/code pairs and `DecodeError`;
  * `messages`: the message objects;
  * `codec`: header framing, type numbering tables, `decode` and `encode`.

Invariant: for every message object `msg` the codec can express,
`decode(encode(msg)) == msg`; decoding drops bits and properties the version does not define.
"""
from pyvswitch.ofproto.protocol.codec import decode, encode, error_reply, message_length
from pyvswitch.ofproto.protocol.errors import DecodeError

__all__ = ["decode", "encode", "error_reply", "message_length", "DecodeError"]
