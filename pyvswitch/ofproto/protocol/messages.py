"""The OpenFlow messages pyvswitch understands, as frozen, version-independent objects.

Every message carries the header's `version` and `xid`; the codec picks the wire layout from
`version`.  Fields hold abstract values (see `flags` and `ports`), never wire bits, except
where the value means the same in every version (SET_CONFIG flags, error type/code).  A
decoded message also keeps the bytes it came from in `raw` (ignored by equality), because an
error reply quotes the request it rejects.

`UnsupportedMessage` stands for a well-formed message of a type (or multipart type, or
experimenter) we do not implement; its `error` is the reply a switch owes the sender.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from pyvswitch.ofproto.protocol.errors import ErrorCode
from pyvswitch.ofproto.protocol.flags import Capabilities, Of10Actions
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, PortDesc

_message = dataclasses.dataclass(frozen=True, kw_only=True)

# SET_CONFIG / GET_CONFIG_REPLY flags (same bits in every version).
OFPC_FRAG_MASK = 3
OFPC_INVALID_TTL_TO_CONTROLLER = 4
FRAG_MODES = {0: "normal", 1: "drop", 2: "reassemble", 3: "nx-match"}
OFP_DEFAULT_MISS_SEND_LEN = 128

# Multipart reply flag: more replies follow.
OFPMPF_REPLY_MORE = 1

# PORT_STATUS reasons.
OFPPR_ADD = 0
OFPPR_DELETE = 1
OFPPR_MODIFY = 2


@_message
class Message:
    version: int
    xid: int
    raw: bytes = dataclasses.field(default=b"", compare=False, repr=False)


@_message
class Hello(Message):
    # The versions of a version-bitmap element, or None when the HELLO has none.
    versions: Optional[frozenset[int]] = None


@_message
class Error(Message):
    type: int
    code: int
    data: bytes = b""


@_message
class EchoRequest(Message):
    data: bytes = b""


@_message
class EchoReply(Message):
    data: bytes = b""


@_message
class FeaturesRequest(Message):
    pass


@_message
class FeaturesReply(Message):
    datapath_id: int
    n_buffers: int = 0
    n_tables: int = 254
    auxiliary_id: int = 0                   # 1.3+
    capabilities: Capabilities = Capabilities(0)
    actions: Of10Actions = Of10Actions(0)   # 1.0 only
    ports: tuple[PortDesc, ...] = ()        # 1.0-1.2 only


@_message
class GetConfigRequest(Message):
    pass


@_message
class GetConfigReply(Message):
    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@_message
class SetConfig(Message):
    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@_message
class BarrierRequest(Message):
    pass


@_message
class BarrierReply(Message):
    pass


@_message
class PortStatus(Message):
    reason: int
    port: PortDesc


@_message
class DescRequest(Message):
    flags: int = 0


@_message
class DescReply(Message):
    flags: int = 0
    mfr_desc: str = ""
    hw_desc: str = ""
    sw_desc: str = ""
    serial_num: str = ""
    dp_desc: str = ""


@_message
class PortDescRequest(Message):
    flags: int = 0
    port_no: int = OFPP_ANY                 # carried on the wire by 1.5 only


@_message
class PortDescReply(Message):
    flags: int = 0
    ports: tuple[PortDesc, ...] = ()


@_message
class UnsupportedMessage(Message):
    type: int
    error: ErrorCode
