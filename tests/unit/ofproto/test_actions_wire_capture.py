"""Stock ovs-ofctl, pointed at the fake switch, still sends what golden.json recorded, and our
encoder produces the same bytes from what our decoder makes of them.  Skips without
ovs-ofctl."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from pyvswitch.ofproto.protocol.actions_wire import decode_instructions, encode_instructions
from tests.golden.fake_switch import FakeSwitch

pytestmark = pytest.mark.skipif(shutil.which("ovs-ofctl") is None,
                                reason="stock ovs-ofctl not installed")

DATA = Path(__file__).resolve().parents[2] / "data" / "actions_wire"
RECORDS = json.loads((DATA / "golden.json").read_text())
SAMPLE = RECORDS[::7]
IP_PROTO = {"udp": 17, "sctp": 132}


def _regenerate_module():
    spec = importlib.util.spec_from_file_location("regenerate", DATA / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def switch(tmp_path_factory):
    with FakeSwitch(tmp_path_factory.mktemp("actions") / "sw.sock") as fake:
        yield fake


def test_stock_ovs_ofctl_still_sends_the_recorded_bytes(switch):
    regenerate = _regenerate_module()
    for record in SAMPLE:
        fresh = regenerate.capture(switch, record["version"], record["match"],
                                   record["actions"])
        assert fresh["hex"] == record["hex"], record
        if fresh["hex"] and fresh["printed"]:
            data = bytes.fromhex(fresh["hex"])
            decoded = decode_instructions(record["version"], data)
            ip_proto = IP_PROTO.get(record["match"].split(",")[0], 6)
            assert encode_instructions(record["version"], decoded, ip_proto=ip_proto) == data
