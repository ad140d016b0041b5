"""The replies a switch sends (flow, aggregate and table statistics, flow removed, bundle
control) as stock `ovs-ofctl ofp-print` reads them: tests/data/flow_codec/replies.json holds
our encoding of each message of tests/golden/capture_flow_replies.py and what ofp-print
printed for it."""
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax.match_text import parse_match

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "golden"))
from capture_flow_replies import FLOWS, flow, replies  # noqa: E402

DATA = pathlib.Path(__file__).parents[2] / "data" / "flow_codec" / "replies.json"
RECORDS = {record["name"]: record for record in json.loads(DATA.read_text())}


def test_every_reply_is_recorded():
    assert {name for name, _ in replies()} == set(RECORDS)


@pytest.mark.parametrize("name,message", replies(), ids=[name for name, _ in replies()])
def test_reply_encodes_as_recorded_and_decodes_back(name, message):
    wire = codec.encode(message)
    assert wire.hex() == RECORDS[name]["hex"]
    decoded = codec.decode(wire)
    assert type(decoded) is type(message)
    assert codec.encode(decoded) == wire


@pytest.mark.skipif(shutil.which("ovs-ofctl") is None, reason="needs stock ovs-ofctl")
@pytest.mark.parametrize("name", sorted(RECORDS))
def test_stock_ofp_print_reads_the_recorded_reply(name):
    printed = subprocess.run(["ovs-ofctl", "ofp-print", RECORDS[name]["hex"]],
                             capture_output=True, text=True, check=True)
    assert printed.stdout == RECORDS[name]["ofp_print"]
    assert "decode error" not in printed.stdout and not printed.stderr


def test_recorded_text_shows_the_fields_we_set():
    assert "cookie=0x1234, duration=5.500s, table=1, n_packets=7, n_bytes=700" \
        in RECORDS["flow_stats_4"]["ofp_print"]
    assert "idle_age=3, hard_age=4" in RECORDS["flow_stats_1nx"]["ofp_print"]
    assert "importance=3" in RECORDS["flow_stats_more_6"]["ofp_print"]
    assert "flags=[more]" in RECORDS["flow_stats_more_3"]["ofp_print"]
    assert "table_id=2" in RECORDS["flow_removed_1nx"]["ofp_print"]
    assert "type=COMMIT_REPLY flags=atomic ordered" in RECORDS["bundle_5_4"]["ofp_print"]


@pytest.mark.parametrize("version,nxm", [(1, False), (1, True), (2, False), (4, False),
                                         (5, False), (6, False)])
def test_decoded_flow_stats_keep_what_the_version_carries(version, nxm):
    reply = codec.decode(codec.encode(m.FlowStatsReply(version=version, xid=1, flows=FLOWS,
                                                       nxm=nxm)))
    first = reply.flows[0]
    assert (first.table_id, first.cookie, first.packet_count, first.byte_count) == (
        1, 0x1234, 7, 700)
    assert (first.duration_sec, first.duration_nsec, first.priority) == (5, 500000000, 100)
    assert first.match == FLOWS[0].match and first.actions == (A.Output(2),)
    assert first.flags == (m.OFPFF_SEND_FLOW_REM if version >= 4 else 0)
    assert first.idle_age == (3 if nxm or version == 6 else None)
    assert first.hard_age == (4 if nxm else None)


@pytest.mark.parametrize("version,nxm", [(1, False), (1, True), (4, False), (6, False)])
def test_flow_stats_replies_split_at_64k_with_the_more_flag(version, nxm):
    flows = [flow(match=parse_match("tcp,tp_dst=%d" % port)[0], cookie=port,
                  actions=(A.Output(1),) * 8)
             for port in range(1500)]
    messages = codec.flow_stats_replies(version, 77, flows, nxm)
    assert len(messages) > 1
    assert [message.flags for message in messages] == (
        [m.OFPMPF_REPLY_MORE] * (len(messages) - 1) + [0])
    wires = [codec.encode(message) for message in messages]
    assert all(len(wire) <= 0xFFFF for wire in wires)
    assert sum(len(wire) for wire in wires[:-1]) / (len(wires) - 1) > 0xFFFF - 300
    decoded = [f for wire in wires for f in codec.decode(wire).flows]
    assert [f.cookie for f in decoded] == list(range(1500))
    assert all(message.xid == 77 and message.nxm == nxm for message in messages)


def test_no_flows_is_one_empty_reply():
    (only,) = codec.flow_stats_replies(4, 1, [], False)
    assert only.flows == () and only.flags == 0
