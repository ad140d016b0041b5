"""The group codec against stock Open vSwitch 3.1.

tests/data/groups/stock_ofctl_sends.txt holds what stock ovs-ofctl sends for the group
commands in OpenFlow 1.0 (Nicira forms), 1.3 and 1.5 (recorded with tests/golden/
fake_switch.py); tests/data/groups/stock_replies.txt what stock ovs-vswitchd answers to group
requests (tests/golden/capture_group_replies.py).  Each decodes to what the command says and
re-encodes byte for byte, and each group_mod stock refuses is refused by our group table with
exactly the OFPT_ERROR stock sent."""
import pathlib

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.group_table import GroupTable, features_reply
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.errors import DecodeError

DATA = pathlib.Path(__file__).parents[2] / "data" / "groups"


def _lines(name: str) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")]
            for line in (DATA / name).read_text().splitlines() if not line.startswith("#")]


SENT = [pytest.param(command, bytes.fromhex(wire), id=command) for command, wire in
        _lines("stock_ofctl_sends.txt")]
EXCHANGES = [(name, int(version), bytes.fromhex(request), bytes.fromhex(reply))
             for name, version, request, reply in _lines("stock_replies.txt")]
REPLIES = [pytest.param(reply, id="OF1.%d %s" % (version - 1, name))
           for name, version, _, reply in EXCHANGES if reply[1] != 1]
REFUSED = [pytest.param(request, reply, id="OF1.%d %s" % (version - 1, name))
           for name, version, request, reply in EXCHANGES if reply[1] == 1]


@pytest.mark.parametrize("command, wire", SENT)
def test_what_stock_ovs_ofctl_sends_round_trips(command, wire):
    message = codec.decode(wire)
    assert codec.encode(message) == wire
    expected = {"add-group": m.GroupMod, "mod-group": m.GroupMod, "del-groups": m.GroupMod,
                "insert-buckets": m.GroupMod, "remove-buckets": m.GroupMod,
                "dump-groups": m.GroupDescRequest, "dump-group-stats": m.GroupStatsRequest,
                "dump-group-features": m.GroupFeaturesRequest}[command.split()[2]]
    assert type(message) is expected


def _sent(command: str) -> m.Message:
    wires = dict(_lines("stock_ofctl_sends.txt"))
    return codec.decode(bytes.fromhex(wires[command]))


def test_decoded_group_mods_carry_what_the_command_says():
    add = _sent("-O OpenFlow13 add-group group_id=1,type=all,bucket=output:1,bucket=output:2")
    assert (add.command, add.type, add.group_id) == (m.OFPGC_ADD, m.OFPGT_ALL, 1)
    assert [bucket.actions for bucket in add.buckets] == [(A.Output(port=1),),
                                                         (A.Output(port=2),)]
    assert [bucket.bucket_id for bucket in add.buckets] == [0, 1]
    insert = _sent("-O OpenFlow10 insert-buckets group_id=1,command_bucket_id=first,"
                   "bucket=bucket_id:5,output:3")
    assert (insert.command, insert.command_bucket_id) == (m.OFPGC_INSERT_BUCKET,
                                                          m.OFPG_BUCKET_FIRST)
    assert insert.buckets[0].bucket_id == 5
    remove = _sent("-O OpenFlow15 remove-buckets group_id=1,command_bucket_id=5")
    assert (remove.command, remove.command_bucket_id, remove.buckets) == (
        m.OFPGC_REMOVE_BUCKET, 5, ())
    select = _sent("-O OpenFlow13 mod-group group_id=2,type=select,selection_method=hash,"
                   "fields=ip_src,bucket=weight:5,output:1")
    assert (select.type, select.buckets[0].weight) == (m.OFPGT_SELECT, 5)
    nx_select = _sent("-O OpenFlow10 mod-group group_id=2,type=select,selection_method=hash,"
                      "fields=ip_src,bucket=weight:5,output:1")
    assert nx_select.buckets[0].weight == 5 and b"hash" in nx_select.properties
    delete = _sent("-O OpenFlow15 del-groups")
    assert (delete.command, delete.group_id) == (m.OFPGC_DELETE, m.OFPG_ALL)
    assert _sent("-O OpenFlow15 dump-groups 5").group_id == 5


@pytest.mark.parametrize("reply", REPLIES)
def test_stock_replies_round_trip(reply):
    message = codec.decode(reply)
    assert isinstance(message, (m.GroupDescReply, m.GroupStatsReply, m.GroupFeaturesReply))
    assert codec.encode(message) == reply


def test_stock_descriptions_decode_to_the_groups_added():
    for name, version, _, reply in EXCHANGES:
        if name.startswith("group_desc"):
            groups = {group.group_id: group for group in codec.decode(reply).groups}
            assert sorted(groups) == [1, 2, 3, 4], version
            assert [b.weight for b in groups[2].buckets] == [10, 20]
            assert [(b.watch_port, b.watch_group) for b in groups[4].buckets] == [
                (1, m.OFPG_ANY), (2, 3)]
            assert groups[3].type == m.OFPGT_INDIRECT


def test_features_reply_is_what_stock_sends():
    for name, version, request, reply in EXCHANGES:
        if name.startswith("group_features"):
            assert codec.encode(features_reply(codec.decode(request))) == reply


def _stock_groups() -> GroupTable:
    """A table holding the groups the stock switch held when it answered."""
    description = next(reply for name, version, _, reply in EXCHANGES
                       if name == "group_desc" and version == 6)
    table = GroupTable()
    for group in codec.decode(description).groups:
        error = table.apply(m.GroupMod(version=6, xid=0, command=m.OFPGC_ADD, type=group.type,
                                       group_id=group.group_id, buckets=group.buckets), 0.0)
        assert error is None
    return table


@pytest.mark.parametrize("request_wire, reply", REFUSED)
def test_refused_group_mods_get_stock_errors(request_wire, reply):
    request = codec.decode(request_wire)
    error = _stock_groups().apply(request, 1.0)
    assert error is not None
    assert codec.encode(codec.error_reply(request, error)) == reply


def test_every_version_has_refusals_recorded():
    assert {version for _, version, _, reply in EXCHANGES if reply[1] == 1} == {2, 3, 4, 5}


@pytest.mark.parametrize("wire", [
    "040f000c00000006000000",                       # group_mod header cut short
    "040f001800000006000000000000000100200000ffffffff",   # bucket longer than the message
    "060f00180000000600000000000000010010000000000000",   # bucket array past the end
])
def test_malformed_group_mods_are_bad_len(wire):
    with pytest.raises(DecodeError) as caught:
        codec.decode(bytes.fromhex(wire))
    assert caught.value.error.name == "OFPBRC_BAD_LEN"


def test_group_statistics_have_no_standard_form_in_openflow_10():
    with pytest.raises(DecodeError) as caught:
        codec.decode(bytes.fromhex("0110000c000000020006000000000000"[:24]))
    assert caught.value.error.name == "OFPBRC_BAD_STAT"


def test_group_mod_travels_as_nicira_in_10_only():
    bucket = m.GroupBucket(actions=(A.Output(port=1),))
    for version, kind in ((1, 4), (2, 15), (4, 15), (6, 15)):
        wire = codec.encode(m.GroupMod(version=version, xid=1, group_id=1, buckets=(bucket,)))
        assert wire[1] == kind
        assert codec.decode(wire).buckets == (bucket,)
