"""ovs-ofctl's group syntax: groups parse to the group_mods stock ovs-ofctl sends
(tests/data/groups/stock_ofctl_sends.txt) and print as stock ovs-ofctl prints them; bad text
fails with ovs-ofctl's messages (the texts recorded from stock ovs-ofctl 3.1)."""
import pytest

from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax import FlowSyntaxError, PortNames
from pyvswitch.ofproto.syntax import group_text
from tests.unit.ofproto.test_group_codec import _lines

COMMANDS = {"add-group": m.OFPGC_ADD, "mod-group": m.OFPGC_MODIFY,
            "del-groups": m.OFPGC_DELETE, "insert-buckets": m.OFPGC_INSERT_BUCKET,
            "remove-buckets": m.OFPGC_REMOVE_BUCKET}
GROUP_MODS = [pytest.param(text, bytes.fromhex(wire), id=text) for text, wire in
              _lines("stock_ofctl_sends.txt") if text.split()[2] in COMMANDS
              and "selection_method" not in text]


@pytest.mark.parametrize("command, wire", GROUP_MODS)
def test_groups_parse_to_what_stock_sends(command, wire):
    _, version, name, *group = command.split()
    fields = group_text.parse_group(group[0] if group else "", COMMANDS[name])
    expected = codec.decode(wire)
    assert codec.encode(m.GroupMod(version=expected.version, xid=expected.xid,
                                   **fields)) == wire


@pytest.mark.parametrize("version, text, printed", [
    (4, "group_id=1,type=all,bucket=output:1,bucket=output:2",
     " ADD group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2\n"),
    (1, "group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:1,actions=output:2",
     " ADD group_id=2,type=select,bucket=bucket_id:0,weight:10,actions=output:1,"
     "bucket=bucket_id:1,actions=output:2\n"),
    (6, "group_id=4,type=fast_failover,bucket=watch_port:p1,output:1,"
     "bucket=watch_port:2,watch_group:3,output:2",
     " ADD group_id=4,type=ff,bucket=bucket_id:0,watch_port:1,actions=output:1,"
     "bucket=bucket_id:1,watch_port:2,watch_group:3,actions=output:2\n"),
    (3, "group_id=3,type=indirect,bucket=drop", " ADD group_id=3,type=indirect,"
     "bucket=actions=drop\n"),
])
def test_group_mods_print_as_stock_prints(version, text, printed):
    ports = PortNames.from_pairs([("p1", 1)])
    message = m.GroupMod(version=version, xid=1,
                         **group_text.parse_group(text, m.OFPGC_ADD, ports))
    assert group_text.format_group_mod(message) == printed


def test_bucket_commands_print_their_command_bucket():
    fields = group_text.parse_group(
        "group_id=2,command_bucket_id=5,bucket=bucket_id:6,weight:3,output:3",
        m.OFPGC_INSERT_BUCKET)
    assert group_text.format_group_mod(m.GroupMod(version=6, xid=6, **fields)) == \
        " INSERT_BUCKET command_bucket_id:5,group_id=2,bucket=bucket_id:6,weight:3," \
        "actions=output:3\n"
    fields = group_text.parse_group("group_id=2,command_bucket_id=first",
                                    m.OFPGC_REMOVE_BUCKET)
    assert group_text.format_group_mod(m.GroupMod(version=6, xid=6, **fields)) == \
        " REMOVE_BUCKET command_bucket_id:first,group_id=2\n"


@pytest.mark.parametrize("command, text, message", [
    (m.OFPGC_ADD, "group_id=1,bucket=output:1", "must specify a type"),
    (m.OFPGC_ADD, "type=all,bucket=output:1", "must specify a group_id"),
    (m.OFPGC_ADD, "group_id=1,type=bogus", "invalid group type bogus"),
    (m.OFPGC_ADD, "group_id=1,type=all,bucket=weight:x,output:1", 'invalid weight "x"'),
    (m.OFPGC_ADD, "group_id=1,type=all,bucket=weight:4,output:1",
     "Only select groups can have bucket weights."),
    (m.OFPGC_ADD, "group_id=1,type=all,foo=1", "unknown keyword foo"),
    (m.OFPGC_ADD, "group_id=0xffffff01,type=all", "invalid group id 4294967041"),
    (m.OFPGC_ADD, "group_id=1,type=ff,bucket=output:1",
     "fast failover bucket requires watch_port or watch_group"),
    (m.OFPGC_ADD, "group_id=1,type=all,command_bucket_id=1", "command bucket id is not needed"),
    (m.OFPGC_ADD, "group_id=1,type=all,bucket=watch_port:p9,output:1", "p9: invalid watch_port"),
    (m.OFPGC_ADD, "group_id=5,type=indirect,bucket=output:1,bucket=output:2",
     "Indirect groups can have at most one bucket."),
    (m.OFPGC_DELETE, "group_id=1,type=all", "type is not needed"),
    (m.OFPGC_INSERT_BUCKET, "group_id=1,bucket=output:1", "must specify a command bucket id"),
])
def test_bad_groups_fail_as_ovs_ofctl_does(command, text, message):
    with pytest.raises(FlowSyntaxError) as caught:
        group_text.parse_group(text, command)
    assert str(caught.value) == message


def test_stats_and_features_print_as_stock():
    stats = m.GroupStats(group_id=2, ref_count=1, packet_count=5, byte_count=100,
                         duration_sec=1, duration_nsec=5000000, bucket_counters=((1, 2),))
    assert group_text.format_group_stats(stats, 4) == \
        " group_id=2,duration=1.005s,ref_count=1,packet_count=5,byte_count=100," \
        "bucket0:packet_count=1,byte_count=2\n"
    assert group_text.format_group_stats(stats, 2) == \
        " group_id=2,ref_count=1,packet_count=5,byte_count=100," \
        "bucket0:packet_count=1,byte_count=2\n"
    reply = m.GroupFeaturesReply(version=4, xid=2, types=1, capabilities=7,
                                 max_groups=(0xffffff00,) * 4, actions=(0x3ff8001,) * 4)
    assert group_text.format_group_features(reply) == (
        "\n Group table:\n    Types:  0x1\n    Capabilities:  0x7\n    all group:\n"
        "       max_groups=0xffffff00\n       actions: output group set_field strip_vlan "
        "push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls "
        "set_queue\n")
