"""The flow-table codec against stock ovs-vswitchd 3.1 (tests/data/flow_codec/
stock_replies.json, recorded by tests/golden/capture_stock_replies.py): its flow, aggregate
and table statistics replies in every version re-encode byte for byte, and for each
malformed flow_mod we answer with exactly the OFPT_ERROR it sent."""
import json
import pathlib

import pytest

from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import DecodeError

DATA = pathlib.Path(__file__).parents[2] / "data" / "flow_codec" / "stock_replies.json"
EXCHANGES = json.loads(DATA.read_text())
STATS = [pytest.param(reply, id="OF1.%d %s #%d" % (x["version"] - 1, x["name"], index))
         for x in EXCHANGES if not x["name"].startswith(("flow_mod", "nx_flow_mod"))
         for index, reply in enumerate(x["replies"])]
REJECTED = [pytest.param(x, id="OF1.%d %s" % (x["version"] - 1, x["name"]))
            for x in EXCHANGES if x["name"].startswith(("flow_mod", "nx_flow_mod"))]


def test_every_version_answered_every_statistics_request():
    answered = {(x["version"], x["name"]) for x in EXCHANGES if x["replies"]}
    for version in range(1, 7):
        for name in ("flow_stats", "aggregate", "table_stats"):
            assert (version, name) in answered
    assert {(1, "flow_stats_nx"), (1, "aggregate_nx")} <= answered


@pytest.mark.parametrize("hex_bytes", STATS)
def test_stock_statistics_reply_re_encodes_byte_for_byte(hex_bytes):
    data = bytes.fromhex(hex_bytes)
    reply = codec.decode(data)
    assert isinstance(reply, (m.FlowStatsReply, m.AggregateStatsReply, m.TableStatsReply))
    assert codec.encode(reply) == data


@pytest.mark.parametrize("exchange", REJECTED)
def test_we_reject_a_malformed_flow_mod_exactly_as_stock_ovs_does(exchange):
    request = bytes.fromhex(exchange["request"])
    (stock_reply,) = [bytes.fromhex(h) for h in exchange["replies"]]
    with pytest.raises(DecodeError) as info:
        codec.decode(request)
    header = m.Message(version=request[0], xid=int.from_bytes(request[4:8], "big"),
                       raw=request)
    assert codec.encode(codec.error_reply(header, info.value.error)) == stock_reply


def _replies(version: int, name: str) -> list:
    (exchange,) = [x for x in EXCHANGES if (x["version"], x["name"]) == (version, name)]
    return [codec.decode(bytes.fromhex(h)) for h in exchange["replies"]]


@pytest.mark.parametrize("version,name", [(1, "flow_stats_nx"), (4, "flow_stats"),
                                          (5, "flow_stats"), (6, "flow_stats")])
def test_stock_flow_stats_say_what_the_flows_were(version, name):
    (reply,) = _replies(version, name)
    # The bridge's own priority=0 NORMAL flow in table 0 and the seven we added.
    assert sorted(flow.priority for flow in reply.flows) == [0, 0, 10, 20, 30, 40, 50, 100]
    by_priority = {flow.priority: flow for flow in reply.flows}
    web = by_priority[100]
    assert (web.table_id, web.cookie, web.idle_timeout) == (0, 0x1234, 1000)
    assert web.match.get("tp_dst") == (80, 0xFFFF)
    assert web.match.get("nw_src") == (0x0A000000, 0xFF000000)
    assert by_priority[10].match.get("metadata") == (1, 0xFF)
    assert by_priority[30].match.get("reg0") == (5, 0xFFFFFFFF)
    if version >= 4:
        assert web.flags == m.OFPFF_SEND_FLOW_REM
    if version >= 5:
        assert by_priority[20].importance == 9


def test_stock_aggregate_and_table_stats():
    for version, name in ((1, "aggregate"), (1, "aggregate_nx"), (4, "aggregate"),
                          (6, "aggregate")):
        (reply,) = _replies(version, name)
        assert (reply.flow_count, reply.packet_count, reply.byte_count) == (8, 0, 0)
    for version in range(1, 7):
        (tables,) = _replies(version, "table_stats")
        assert len(tables.tables) == 254
        assert [t.active_count for t in tables.tables[:3]] == [6, 2, 0]
    (tables,) = _replies(1, "table_stats")
    assert (tables.tables[0].max_entries, tables.tables[0].wildcards) == (1000000, 0x3FFFFF)
    (tables,) = _replies(3, "table_stats")
    assert tables.tables[0].metadata_match == tables.tables[0].metadata_write == (1 << 64) - 1
    assert tables.tables[0].instructions == 62


def test_stock_error_numbering_matches_ours():
    names = {}
    for exchange in EXCHANGES:
        if exchange["name"].startswith(("flow_mod", "nx_flow_mod")):
            reply = codec.decode(bytes.fromhex(exchange["replies"][0]))
            error, quoted = errors.from_wire(reply.version, reply.type, reply.code, reply.data)
            assert quoted == bytes.fromhex(exchange["request"])
            names[exchange["version"], exchange["name"]] = error.name
    assert names[1, "nx_flow_mod_bad_prereq"] == names[4, "flow_mod_bad_prereq"] \
        == "OFPBMC_BAD_PREREQ"
    assert names[6, "flow_mod_bad_len"] == "OFPBMC_BAD_LEN"
    assert names[2, "flow_mod_bad_flags"] == "OFPFMFC_BAD_FLAGS"
