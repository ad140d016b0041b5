"""The Geneve TLV map end to end, against stock Open vSwitch.

  * pyvswitchd and a stock `ovs-vswitchd --enable-dummy`, each with bridge br0, driven by
    stock ovs-ofctl through the same steps (STEPS: add-tlv-map, dump-tlv-map, del-tlv-map,
    every error OVS answers, flows holding a field): the same stdout, stderr and exit status
    at every step, in OpenFlow 1.0, 1.3 and 1.5;
  * pyvs-ofctl and stock ovs-ofctl, each on its own bridge of one stock switch: the same;
  * where the two switches differ by design: this one refuses options longer than its
    16-byte tun_metadata fields (NXTTMFC_BAD_OPT_LEN), stock takes up to 124 bytes;
  * pyvs-ofctl sends the bytes stock ovs-ofctl sent (tests/data/tlv/golden.json) to a fake
    switch.
Skipped without stock OVS (the fake-switch test runs anyway).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import pytest

from pyvswitch.cli import ofctl
from tests.golden.fake_switch import FakeSwitch
from tests.harness import Daemon
from tests.stock_ovs import AVAILABLE, StockOVS, needs_stock_ovs

VERSIONS = ("OpenFlow10", "OpenFlow13", "OpenFlow15")
OVN = "{class=0x102,type=0x80,len=4}->tun_metadata0"
FILL = ",".join("{class=0x10,type=%d,len=16}->tun_metadata%d" % (n, n) for n in range(20, 34))
STEPS = [
    ("dump-tlv-map",),
    ("add-tlv-map", OVN),
    ("dump-tlv-map",),
    ("add-tlv-map", OVN),                                                    # ALREADY_MAPPED
    ("add-tlv-map", "{class=0x102,type=0x81,len=4}->tun_metadata0"),         # ALREADY_MAPPED
    ("add-tlv-map", "{class=0x102,type=0x80,len=8}->tun_metadata1"),         # DUP_ENTRY
    ("add-tlv-map", "{class=0xffff,type=3,len=5}->tun_metadata2"),           # BAD_OPT_LEN
    ("add-tlv-map", "{class=1,type=9,len=8}->tun_metadata64"),               # BAD_FIELD_IDX
    ("add-tlv-map", "{class=0x1,type=5,len=8}->tun_metadata5,"
                    "{class=0x2,type=6,len=12}->tun_metadata6"),
    ("add-tlv-map", "{class=1,type=7,len=8}->tun_metadata7,"
                    "{class=1,type=7,len=8}->tun_metadata8"),                 # DUP_ENTRY, whole
    ("add-tlv-map", "{class=1,type=8,len=4}->tun_metadata8,"
                    "{class=1,type=9,len=4}->tun_metadata8"),                 # ALREADY_MAPPED
    ("add-tlv-map", FILL),
    ("add-tlv-map", "{class=0x10,type=40,len=8}->tun_metadata40"),           # 256 bytes
    ("add-tlv-map", "{class=0x10,type=41,len=4}->tun_metadata41"),           # TABLE_FULL
    ("add-tlv-map", "{class=0x10,type=42,len=0}->tun_metadata42"),
    ("dump-tlv-map",),
    ("add-flow", "tun_metadata5=0x1,actions=drop"),
    ("add-flow", "tun_metadata6=0x2/0xff,tun_metadata0=0x3,actions=drop"),
    ("del-tlv-map", "{class=0x1,type=5,len=8}->tun_metadata5"),              # INVALID_TLV_DEL
    ("del-tlv-map",),                                                        # INVALID_TLV_DEL
    ("del-tlv-map", "{class=9,type=9,len=4}->tun_metadata20,"
                    "{class=9,type=9,len=4}->tun_metadata6"),                 # INVALID_TLV_DEL
    ("del-tlv-map", "{class=9,type=9,len=4}->tun_metadata20"),               # by index
    ("del-tlv-map", "{class=9,type=9,len=4}->tun_metadata50"),               # unmapped
    ("dump-tlv-map",),
    ("del-flows", "tun_metadata5=0x1"),
    ("del-tlv-map", "{class=0x1,type=5,len=8}->tun_metadata5"),
    ("dump-tlv-map",),
    ("del-flows",),
    ("del-tlv-map",),
    ("dump-tlv-map",),
    ("add-tlv-map", ""),
    ("add-tlv-map", "garbage"),
    ("add-tlv-map", ",{class=-1,type=0377,len= 16}->tun_metadata63"),
    ("dump-tlv-map",),
    ("del-tlv-map",),
]


def _untimed(text: str) -> str:
    return re.sub(r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|\d+\|", "LOG|", text)


def _result(process: subprocess.CompletedProcess) -> tuple:
    return (process.returncode, process.stdout,
            _untimed(process.stderr.replace("pyvs-ofctl:", "ovs-ofctl:")))


def _stock_ofctl(env, target, version, step):
    return _result(subprocess.run(["ovs-ofctl", "-O", version, step[0], target, *step[1:]],
                                  env=env, capture_output=True, text=True, timeout=30))


def _pyvs_ofctl(target, version, step):
    """pyvs-ofctl, run in this process (it is the same code as the command, without a
    second's worth of interpreter start-up per step)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = ofctl.main(["-O", version, step[0], target, *step[1:]])
        except SystemExit as exit:
            status = exit.code
    return _result(subprocess.CompletedProcess((), status, stdout.getvalue(),
                                               stderr.getvalue()))


def _pyvs_ofctl_process(target, version, step, *options):
    return _result(subprocess.run([sys.executable, "-m", "pyvswitch.cli.ofctl", *options,
                                   "-O", version, step[0], target, *step[1:]],
                                  capture_output=True, text=True, timeout=30))


@pytest.fixture(scope="module")
def switches():
    if not AVAILABLE:
        pytest.skip("stock Open vSwitch not installed")
    with StockOVS() as stock, Daemon() as ours:
        stock.add_bridge("br0")
        stock.add_bridge("br1")
        ours.vsctl("add-br", "br0")
        yield {"stock": (stock.env, "unix:" + stock.mgmt_socket("br0")),
               "stock-br1": (stock.env, "unix:" + stock.mgmt_socket("br1")),
               "ours": (ours.env, "unix:" + os.path.join(ours.paths.rundir, "br0.mgmt"))}


def _outcomes(step_results) -> set:
    return {result[0] for result in step_results}


@needs_stock_ovs
@pytest.mark.parametrize("version", VERSIONS)
def test_pyvswitchd_answers_as_stock_ovs_vswitchd(switches, version):
    stock, ours = switches["stock"], switches["ours"]
    results = []
    for step in STEPS:
        expected = _stock_ofctl(*stock, version, step)
        assert _stock_ofctl(*ours, version, step) == expected, step
        results.append(expected)
    # The corpus exercises refusals and successes, and errors printed with their requests.
    assert _outcomes(results) == {0, 1}
    errors = "".join(result[2] for result in results)
    for name in ("ALREADY_MAPPED", "DUP_ENTRY", "BAD_OPT_LEN", "BAD_FIELD_IDX", "TABLE_FULL",
                 "INVALID_TLV_DEL"):
        assert "NXTTMFC_" + name in errors


@needs_stock_ovs
@pytest.mark.parametrize("version", VERSIONS)
def test_pyvs_ofctl_prints_as_stock_ovs_ofctl(switches, version):
    env, target = switches["stock"]
    _, ours = switches["stock-br1"]
    for step in STEPS:
        expected = _stock_ofctl(env, target, version, step)
        assert _pyvs_ofctl(ours, version, step) == expected, step


@needs_stock_ovs
def test_options_longer_than_a_tun_metadata_field_are_refused_here_only(switches):
    step = ("add-tlv-map", "{class=0xffff,type=4,len=20}->tun_metadata3")
    stock = _stock_ofctl(*switches["stock"], "OpenFlow13", step)
    ours = _stock_ofctl(*switches["ours"], "OpenFlow13", step)
    assert stock == (0, "", "")
    assert ours[0] == 1
    assert ours[2].startswith("OFPT_ERROR (OF1.3) (xid=0x2): NXTTMFC_BAD_OPT_LEN\n")
    assert "\n 0xffff   0x4      20  tun_metadata3\n" in ours[2]
    for target in (switches["stock"], switches["ours"]):
        assert _stock_ofctl(*target, "OpenFlow13", ("del-tlv-map",))[0] == 0


GOLDEN = json.loads((pathlib.Path(__file__).parents[1] / "data" / "tlv" /
                     "golden.json").read_text())


def test_pyvs_ofctl_sends_the_bytes_stock_ovs_ofctl_sends():
    cases = [entry for entry in GOLDEN["requests"] if entry["status"] != 1]
    with tempfile.TemporaryDirectory() as directory, \
            FakeSwitch(directory + "/switch.sock") as switch:
        for entry in cases:
            step = (entry["command"], *entry["arguments"])
            if entry["command"] == "dump-tlv-map":
                # The fake switch never answers: the run ends by its --timeout.
                result = _pyvs_ofctl_process(switch.target, entry["version"], step,
                                             "--timeout=1")
            else:
                result = _pyvs_ofctl(switch.target, entry["version"], step)
            time.sleep(0.05)
            sent = [hex_bytes for _, msg_type, hex_bytes in switch.messages() if msg_type == 4]
            assert sent == entry["messages"], step
            if entry["command"] != "dump-tlv-map":
                assert result == (0, "", ""), step
