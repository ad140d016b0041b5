"""Differential decoding against stock Open vSwitch: captures from golden.json, each with one
byte changed, wrapped in a flow_mod and given to `ovs-ofctl ofp-print`.  Whatever OVS
decodes we decode, and whatever it refuses as malformed we refuse.  Refusals for
OFPBAC_MATCH_INCONSISTENT and OFPBIC_BAD_TABLE_ID are left out: they check the actions
against the flow's match or table (goto_table must go to a later table), which is the flow
table's job, not the codec's.  Skips without ovs-ofctl."""
from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from pyvswitch.ofproto.protocol.actions_wire import DecodeError, decode_instructions

pytestmark = pytest.mark.skipif(shutil.which("ovs-ofctl") is None,
                                reason="stock ovs-ofctl not installed")

DATA = Path(__file__).resolve().parents[2] / "data" / "actions_wire"
RECORDS = [r for r in json.loads((DATA / "golden.json").read_text())
           if r["hex"] and r["printed"] and r["version"] in (1, 4, 6)]
_OF10_WILDCARD_ALL = 0x3FFFFF
_FLOW_CONTEXT_ERRORS = ("OFPBAC_MATCH_INCONSISTENT", "OFPBIC_BAD_TABLE_ID")


def _flow_mod(version: int, actions: bytes) -> bytes:
    """An add flow_mod matching everything, with `actions` as its actions (1.0) or
    instructions (1.1+)."""
    if version == 1:
        body = (struct.pack("!I", _OF10_WILDCARD_ALL) + bytes(36)
                + struct.pack("!QHHHHIHH", 0, 0, 0, 0, 0x8000, 0xFFFFFFFF, 0xFFFF, 0))
    else:
        body = (struct.pack("!QQBBHHHIIIHH", 0, 0, 0, 0, 0, 0, 0x8000, 0xFFFFFFFF, 0xFFFFFFFF,
                            0xFFFFFFFF, 0, 0)
                + struct.pack("!HH4x", 1, 4))
    return struct.pack("!BBHI", version, 14, 8 + len(body) + len(actions), 1) + body + actions


def _ovs_verdict(message: bytes):
    """None if ofp-print decodes the message, else the error name it prints."""
    out = subprocess.run(["ovs-ofctl", "ofp-print", message.hex()], capture_output=True,
                         text=True, check=True).stdout
    if "decode error: " in out:
        return out.split("decode error: ", 1)[1].split("*", 1)[0]
    assert " actions=" in out, out
    return None


def _mutations(count: int, seed: int):
    chooser = random.Random(seed)
    for _ in range(count):
        record = chooser.choice(RECORDS)
        data = bytearray.fromhex(record["hex"])
        index = chooser.randrange(len(data))
        data[index] = chooser.choice((0, 1, 0xFF, data[index] ^ 1 << chooser.randrange(8)))
        yield record, bytes(data)


def test_we_accept_and_refuse_what_stock_ovs_accepts_and_refuses():
    disagreements = []
    for record, data in _mutations(300, seed=0):
        verdict = _ovs_verdict(_flow_mod(record["version"], data))
        if verdict in _FLOW_CONTEXT_ERRORS:
            continue
        try:
            decode_instructions(record["version"], data)
            ours = None
        except DecodeError as error:
            ours = error.error.name
        if (verdict is None) != (ours is None):
            disagreements.append((record["version"], record["actions"], data.hex(), verdict,
                                  ours))
    assert disagreements == [], "\n".join(map(str, disagreements))
