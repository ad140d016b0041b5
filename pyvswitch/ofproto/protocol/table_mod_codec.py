"""OFPT_TABLE_MOD (OpenFlow 1.1+): the body codec and what a table mod asks for.

Body: table_id (1; 255 = OFPTT_ALL), 3 pad bytes, config (4).  OpenFlow 1.4 and later
append properties, each type (2), length (2, excluding padding) and a payload padded to a
multiple of 8: OFPTMPT_EVICTION (2) carries eviction flags (4 bytes), OFPTMPT_VACANCY (3)
vacancy_down, vacancy_up and vacancy (1 byte each) and a pad byte.

What `config` means depends on the version, as Open vSwitch reads it:
  * 1.1 and 1.2: the table-miss behaviour in its low two bits (0 controller, 1 continue,
    2 drop; anything else counts as controller);
  * 1.3: nothing (the miss bits were withdrawn);
  * 1.4+: OFPTC14_EVICTION (bit 2) and OFPTC14_VACANCY_EVENTS (bit 3).
`table_miss`, `eviction` and `vacancy_events` decode it; `for_setting` builds a message
from ovs-ofctl's mod-table words.  The codec keeps every property it knows and refuses the
rest with OFPBRC_BAD_TYPE; judging the values (vacancy thresholds above 100, down above up)
is the switch's.
"""
from __future__ import annotations

import struct
from typing import Optional

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import BAD_LEN, BAD_TYPE, DecodeError
from pyvswitch.ofproto.protocol.versions import OFP11, OFP12, OFP14

OFPT_TABLE_MOD = 17
OFPTT_ALL = 0xFF

OFPTC11_TABLE_MISS_CONTROLLER = 0
OFPTC11_TABLE_MISS_CONTINUE = 1
OFPTC11_TABLE_MISS_DROP = 2
OFPTC11_TABLE_MISS_MASK = 3
OFPTC14_EVICTION = 1 << 2
OFPTC14_VACANCY_EVENTS = 1 << 3

OFPTMPT_EVICTION = 2
OFPTMPT_VACANCY = 3

# Table-miss settings, named as pyvswitch.ofproto.table_config names them.
MISS_DEFAULT = "default"
_MISS_BY_CONFIG = {OFPTC11_TABLE_MISS_CONTROLLER: "controller",
                   OFPTC11_TABLE_MISS_CONTINUE: "continue", OFPTC11_TABLE_MISS_DROP: "drop"}
_CONFIG_BY_MISS = {name: config for config, name in _MISS_BY_CONFIG.items()}

_BODY = struct.Struct("!B3xI")
_PROPERTY = struct.Struct("!HH")
_EVICTION = struct.Struct("!I")
_VACANCY = struct.Struct("!BBBx")


def decode_table_mod(version: int, body: bytes) -> dict:
    if version < OFP11:
        raise DecodeError(BAD_TYPE, "no table mod in OpenFlow 1.0")
    if len(body) < _BODY.size or (version < OFP14 and len(body) != _BODY.size):
        raise DecodeError(BAD_LEN, "table mod of %d bytes" % len(body))
    table_id, config = _BODY.unpack_from(body)
    fields = {"table_id": table_id, "config": config}
    at = _BODY.size
    while at < len(body):
        if len(body) - at < _PROPERTY.size:
            raise DecodeError(BAD_LEN, "table mod property too short")
        kind, length = _PROPERTY.unpack_from(body, at)
        if length < _PROPERTY.size or at + length > len(body):
            raise DecodeError(BAD_LEN, "table mod property length %d" % length)
        payload = body[at + _PROPERTY.size:at + length]
        if kind == OFPTMPT_EVICTION and len(payload) == _EVICTION.size:
            fields["eviction_flags"] = _EVICTION.unpack(payload)[0]
        elif kind == OFPTMPT_VACANCY and len(payload) == _VACANCY.size:
            fields["vacancy"] = _VACANCY.unpack(payload)
        elif kind in (OFPTMPT_EVICTION, OFPTMPT_VACANCY):
            raise DecodeError(BAD_LEN, "table mod property %d of %d bytes" % (kind, length))
        else:
            raise DecodeError(BAD_TYPE, "unknown table mod property %d" % kind)
        at += (length + 7) // 8 * 8
    return fields


def _property(kind: int, payload: bytes) -> bytes:
    data = _PROPERTY.pack(kind, _PROPERTY.size + len(payload)) + payload
    return data + b"\0" * (-len(data) % 8)


def encode_table_mod(message: m.TableMod) -> bytes:
    body = _BODY.pack(message.table_id, message.config)
    if message.version >= OFP14:
        if message.eviction_flags is not None:
            body += _property(OFPTMPT_EVICTION, _EVICTION.pack(message.eviction_flags))
        if message.vacancy is not None:
            body += _property(OFPTMPT_VACANCY, _VACANCY.pack(*message.vacancy))
    return body


def table_miss(message: m.TableMod) -> str:
    """"controller", "continue" or "drop" in 1.1 and 1.2; MISS_DEFAULT in other versions."""
    if message.version not in (OFP11, OFP12):
        return MISS_DEFAULT
    return _MISS_BY_CONFIG.get(message.config & OFPTC11_TABLE_MISS_MASK, "controller")


def eviction(message: m.TableMod) -> Optional[bool]:
    """Whether the table mod turns eviction on (1.4+); None before 1.4."""
    return bool(message.config & OFPTC14_EVICTION) if message.version >= OFP14 else None


def vacancy_events(message: m.TableMod) -> Optional[bool]:
    """Whether the table mod turns vacancy events on (1.4+); None before 1.4."""
    return bool(message.config & OFPTC14_VACANCY_EVENTS) if message.version >= OFP14 else None


def config_for(version: int, miss: str = MISS_DEFAULT, evict: Optional[bool] = None,
               vacancy: Optional[bool] = None) -> int:
    """The config word Open vSwitch writes for these settings in `version` (a default miss
    is written as controller in 1.1 and 1.2)."""
    if version in (OFP11, OFP12):
        return _CONFIG_BY_MISS.get(miss, OFPTC11_TABLE_MISS_CONTROLLER)
    if version < OFP14:
        return 0
    return (OFPTC14_EVICTION if evict else 0) | (OFPTC14_VACANCY_EVENTS if vacancy else 0)
