"""mod-flows / del-flows lines as the flow_mods ovs-ofctl sends for them.  Expected texts
are what stock ovs-ofctl 3.1 logged (`-vvconn`) sending each command to a stock
ovs-vswitchd: which properties each command takes, cookie filters, out_port, table 255;
the refusals are its error messages for the same lines."""
import dataclasses

import pytest

from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax import FlowSyntaxError, format_flow_mod, parse_flow

STOCK = [
    (1, m.OFPFC_DELETE, "in_port=1", "DEL in_port=1 actions=drop"),
    (1, m.OFPFC_DELETE_STRICT, "priority=5,ip,out_port=2",
     "DEL_STRICT priority=5,ip out_port:2 actions=drop"),
    (1, m.OFPFC_MODIFY, "cookie=0x1/0x1,actions=drop", "MOD cookie:0x1/0x1 actions=drop"),
    (1, m.OFPFC_MODIFY_STRICT, "priority=4,actions=drop", "MOD_STRICT priority=4 actions=drop"),
    (1, m.OFPFC_DELETE, "table=3,cookie=0x5/0xff,out_port=1",
     "DEL table:3 cookie:0x5/0xff out_port:1 actions=drop"),
    (1, m.OFPFC_MODIFY, "in_port=1,actions=output:2", "MOD in_port=1 actions=output:2"),
    (4, m.OFPFC_DELETE, "out_group=5", "DEL table:255 actions=drop"),
    (5, m.OFPFC_ADD, "table=3,priority=0,cookie=0x10,idle_timeout=5,hard_timeout=6,"
     "importance=7,send_flow_rem,check_overlap,reset_counts,no_packet_counts,no_byte_counts,"
     "actions=NORMAL",
     "ADD table:3 priority=0 cookie:0x10 idle:5 hard:6 importance:7 send_flow_rem "
     "check_overlap reset_counts no_packet_counts no_byte_counts actions=NORMAL"),
    (1, m.OFPFC_ADD, "in_port=1,table=255,actions=drop", "ADD in_port=1 actions=drop"),
]


@pytest.mark.parametrize("version,command,text,expected", STOCK)
def test_command_prints_as_stock_sent_it(version, command, text, expected):
    flow_mod = dataclasses.replace(parse_flow(text, command), version=version)
    assert format_flow_mod(flow_mod) == expected
    assert format_flow_mod(codec.decode(codec.encode(flow_mod))) == expected


@pytest.mark.parametrize("command,text,message", [
    (m.OFPFC_ADD, "cookie=1/1,actions=drop", "flow additions cannot use a cookie mask"),
    (m.OFPFC_ADD, "out_port=1,actions=drop", "unknown keyword out_port"),
    (m.OFPFC_DELETE, "idle_timeout=5", "unknown keyword idle_timeout"),
    (m.OFPFC_DELETE, "priority=5", "unknown keyword priority"),
    (m.OFPFC_MODIFY, "in_port=1", "must specify an action"),
    (m.OFPFC_DELETE, "out_port=bogus", "bogus is not a valid OpenFlow port"),
    (m.OFPFC_DELETE, "in_port=1,actions=drop", "unknown keyword actions"),
])
def test_command_refuses_what_it_does_not_take(command, text, message):
    with pytest.raises(FlowSyntaxError, match="^%s$" % message):
        parse_flow(text, command)


def test_modify_without_a_mask_sets_a_new_cookie():
    flow_mod = parse_flow("cookie=5,actions=drop", m.OFPFC_MODIFY)
    assert (flow_mod.new_cookie, flow_mod.cookie_mask) == (5, 0)
    assert format_flow_mod(flow_mod) == "MOD cookie:0x5 actions=drop"
