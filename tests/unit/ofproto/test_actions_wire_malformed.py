"""Malformed, truncated and unsupported action/instruction lists: the decoder raises
DecodeError (with the code Open vSwitch sends) and nothing else; misuse of the encoder
raises ValueError."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.actions_wire import (DecodeError, decode_actions,
                                                     decode_instructions, encode_actions,
                                                     encode_instructions)

DATA = Path(__file__).resolve().parents[2] / "data" / "actions_wire"
CAPTURED = [r for r in json.loads((DATA / "golden.json").read_text()) if r["hex"]]


def _decodes_or_raises_decode_error(version: int, data: bytes) -> None:
    try:
        decode_instructions(version, data)
    except DecodeError:
        pass


@pytest.mark.parametrize("record", CAPTURED[::3],
                         ids=lambda r: "OF1%d:%s" % (r["version"] - 1, r["actions"]))
def test_truncation_at_every_offset_raises_decode_error(record):
    data = bytes.fromhex(record["hex"])
    for end in range(1, len(data)):
        if end % 8 == 0:
            _decodes_or_raises_decode_error(record["version"], data[:end])
        else:
            with pytest.raises(DecodeError):
                decode_instructions(record["version"], data[:end])


def test_byte_flips_and_trailing_garbage_only_raise_decode_error():
    chooser = random.Random(7)
    for record in CAPTURED:
        data = bytearray.fromhex(record["hex"])
        for _ in range(20):
            mutated = bytearray(data)
            mutated[chooser.randrange(len(mutated))] ^= 1 << chooser.randrange(8)
            _decodes_or_raises_decode_error(record["version"], bytes(mutated))
        garbage = bytes(chooser.randrange(256) for _ in range(chooser.randrange(1, 24)))
        _decodes_or_raises_decode_error(record["version"], bytes(data) + garbage)


def test_random_bytes_only_raise_decode_error():
    chooser = random.Random(11)
    for _ in range(3000):
        version = chooser.randrange(1, 7)
        length = chooser.choice((16, 24, 32, 48))
        data = bytearray(chooser.randrange(256) for _ in range(length))
        data[2:4] = length.to_bytes(2, "big")
        if chooser.random() < 0.5:
            data[0:2] = b"\xff\xff"
            data[4:8] = bytes.fromhex("00002320")
            data[8] = 0
        _decodes_or_raises_decode_error(version, bytes(data))


def _error_name(version: int, data: str, instructions: bool = False) -> str:
    decode = decode_instructions if instructions else decode_actions
    with pytest.raises(DecodeError) as raised:
        decode(version, bytes.fromhex(data))
    return raised.value.error.name


@pytest.mark.parametrize("version,data,name", [
    (1, "0063000800000000", "OFPBAC_BAD_TYPE"),                     # unknown type
    (3, "000b000800000000", "OFPBAC_BAD_TYPE"),                     # copy_ttl_out
    (4, "001d000800000001", "OFPBAC_BAD_TYPE"),                     # meter action before 1.5
    (1, "0000000c00010000", "OFPBAC_BAD_LEN"),                      # length beyond the data
    (1, "0000000400010000", "OFPBAC_BAD_LEN"),                      # length below 8
    (1, "00000010000100000000000000000000", "OFPBAC_BAD_LEN"),      # output with 12-byte body
    (1, "ffff0010deadbeef0001000000000000", "OFPBAC_BAD_VENDOR"),
    (1, "ffff001000002320007f000000000000", "OFPBAC_BAD_VENDOR_TYPE"),
    (1, "ffff001000002320000e0003ff000001", "OFPBAC_BAD_ARGUMENT"),  # resubmit, nonzero pad
    (1, "ffff001800002320001b0000000100040020000004000000",
     "NXBRC_MUST_BE_ZERO"),                                         # push, nonzero pad
    (1, "ffff0018000023200007001f000100040000000100000005",
     "OFPBAC_BAD_ARGUMENT"),                                        # load value > 32 bits
    (1, "ffff0018000023200007001f7f7f00040000000000000005",
     "OFPBAC_BAD_SET_TYPE"),                                        # unknown field header
    (1, "ffff0018000023200007003f800001080000000000001234",
     "OFPBAC_BAD_SET_LEN"),                                         # in_port, 8 bytes
    (1, "ffff001800002320000600200000000000000a0400001004",
     "OFPBMC_BAD_FIELD"),                                           # move from NXM_OF_IP_TOS/4
    (1, "00000008ff000000", "OFPBAC_BAD_OUT_PORT"),
    (4, "00000010ffffff010000000000000000", "OFPBAC_BAD_OUT_PORT"),
    (3, "00190010000100030000050000000000", "OFPBAC_BAD_SET_LEN"),  # reg0 with 3 bytes
    (3, "0019000c80001a02", "OFPBAC_BAD_LEN"),                      # length 12
    (3, "00190018000101080000000500000005", "OFPBAC_BAD_LEN"),
    (3, "001900180001010800000005000000050000000000000000",
     "OFPBAC_BAD_SET_ARGUMENT"),                                    # masked set_field in 1.2
    (3, "0019001080000c02200a000000000000", "OFPBAC_BAD_SET_ARGUMENT"),  # vlan_vid 0x200a
    (2, "00010008100a0000", "OFPBAC_BAD_ARGUMENT"),                 # set_vlan_vid 4106
    (1, "ffff0010000023200022010100000001", "OFPBAC_BAD_ARGUMENT"),  # conjunction 2/1
    (1, "ffff001000002320002700010000000d", "OFPBAC_BAD_ARGUMENT"),  # output_trunc to 13
    (4, "ffff0010000023200027000100000000", "OFPBAC_BAD_ARGUMENT"),  # output_trunc to 0
    (1, "ffff0010000023200027ffff00000014", "OFPBAC_BAD_OUT_PORT"),  # output_trunc to ANY
    (4, "ffff0010000023200027ff0000000014", "OFPBAC_BAD_OUT_PORT"),  # output_trunc to 0xff00
    (1, "ffff0010000023200027fff700000014", "OFPBAC_BAD_OUT_PORT"),  # output_trunc to UNSET
])
def test_malformed_actions_get_ovs_error_codes(version, data, name):
    assert _error_name(version, data) == name


@pytest.mark.parametrize("version,data,name", [
    (4, "0063000800000000", "OFPBIC_UNKNOWN_INST"),
    (4, "000100040500", "OFPBIC_BAD_LEN"),
    (4, "0001000c05000000", "OFPBIC_BAD_LEN"),
    (4, "00010008050000000001000806000000", "OFPBIC_DUP_INST"),
    (4, "0005000c0000000000000000", "OFPBIC_BAD_LEN"),
    (4, "00040010000000000063000800000000", "OFPBAC_BAD_TYPE"),     # inside apply_actions
])
def test_malformed_instructions_get_ovs_error_codes(version, data, name):
    assert _error_name(version, data, instructions=True) == name


def test_instructions_in_any_wire_order_decode_in_openflow_order():
    goto_then_apply = bytes.fromhex("0001000805000000"
                                    "000400180000000000000010000000010000000000000000")
    assert decode_instructions(4, goto_then_apply) == (A.Output(1), A.GotoTable(5))


@pytest.mark.parametrize("actions", [
    (A.GotoTable(1), A.Output(1)),
    (A.GotoTable(1), A.ClearActions()),
    (A.Output(1), A.Meter(1)),
    (A.WriteMetadata(1), A.WriteMetadata(2)),
])
def test_instructions_out_of_order_are_refused(actions):
    with pytest.raises(ValueError):
        encode_instructions(4, actions)


@pytest.mark.parametrize("action", [A.GotoTable(1), A.ClearActions(), A.WriteMetadata(1),
                                    A.WriteActions(()), A.Meter(1)])
def test_instructions_are_not_actions_in_openflow_11_and_later(action):
    with pytest.raises(ValueError):
        encode_actions(4, (action,))
