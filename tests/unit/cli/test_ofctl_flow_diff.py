"""diff-flows' entry order and line format, as stock ovs-ofctl 3.1 printed them for
`diff-flows d.txt /dev/null` (d.txt in INPUT order) and `diff-flows a.txt b.txt`."""
from pyvswitch import fields as F
from pyvswitch.cli.flow_table_diff import FlowKey, FlowTableDiff, FlowVersion, describe_version
from pyvswitch.ofproto.match import Match

DEFAULT = 0x8000
IP = Match().with_field("dl_type", F.ETH_TYPE_IP)
TCP80 = IP.with_field("nw_proto", 6).with_field("tp_dst", 80)
UDP = IP.with_field("nw_proto", 17)


def port(number):
    return Match().with_field("in_port", number)


# (name, table, match, priority), the lines of d.txt in order.
INPUT = [("in3", 0, port(3), 5), ("in2", 0, port(2), 7), ("in1", 0, port(1), 7),
         ("t3", 3, Match(), 1), ("t1", 1, Match(), 9), ("tcp80", 0, TCP80, DEFAULT),
         ("udp", 0, UDP, DEFAULT), ("p100", 0, Match(), 100)]


def order(rows):
    diff = FlowTableDiff()
    names = {}
    for name, table, match, priority in rows:
        key = FlowKey(table, match, priority)
        names[key] = name
        diff.add(0, key, FlowVersion())
    return [names[key] for key, _, _ in diff.entries()]


def test_order_is_tables_then_subtables_by_max_priority_then_first_appearance():
    # Stock: tcp,tp_dst=80 / udp / priority=100 / priority=5,in_port=3 / priority=7,in_port=2
    # / priority=7,in_port=1 / table=1 priority=9 / table=3 priority=1
    assert order(INPUT) == ["tcp80", "udp", "p100", "in3", "in2", "in1", "t1", "t3"]
    # ... and for the file reversed: udp / tcp / priority=100 / in_port=1 / in_port=2 / in_port=3
    assert order(INPUT[::-1]) == ["udp", "tcp80", "p100", "in1", "in2", "in3", "t1", "t3"]


def describe(key, version):
    rule = {port(1).mask: "in_port=1", IP.mask: "priority=10,ip", 0: ""}[key.match.mask]
    return describe_version(key, version, rule, version.actions[0])


def test_differences_print_minus_then_plus_and_skip_equal_versions():
    diff = FlowTableDiff()
    a = [(FlowKey(0, port(1), DEFAULT), FlowVersion(actions=("drop",))),
         (FlowKey(1, port(1), DEFAULT), FlowVersion(actions=("drop",))),
         (FlowKey(0, IP.with_field("dl_type", 0x800), 10),
          FlowVersion(cookie=5, actions=("output:2",))),
         (FlowKey(0, Match(), DEFAULT), FlowVersion(idle_timeout=5, actions=("NORMAL",)))]
    b = [(FlowKey(0, port(1), DEFAULT), FlowVersion(actions=("output:3",))),
         (FlowKey(1, port(1), DEFAULT), FlowVersion(flags=1, actions=("drop",))),
         (FlowKey(0, IP, 10), FlowVersion(actions=("output:2",))),
         (FlowKey(2, port(1), DEFAULT), FlowVersion(hard_timeout=3, importance=4,
                                                    actions=("drop",)))]
    for key, version in a:
        diff.add(0, key, version)
    for key, version in b:
        diff.add(1, key, version)
    assert diff.differences(describe) == [
        "-in_port=1 actions=drop",
        "+in_port=1 actions=output:3",
        "- idle_timeout=5 actions=NORMAL",
        "-priority=10,ip cookie=0x5 actions=output:2",
        "+priority=10,ip actions=output:2",
        "+table=2 in_port=1 hard_timeout=3 importance=4 actions=drop",
    ]


def test_a_later_flow_with_the_same_key_replaces_the_earlier():
    diff = FlowTableDiff()
    key = FlowKey(0, port(1), DEFAULT)
    diff.add(0, key, FlowVersion(actions=("drop",)))
    diff.add(0, key, FlowVersion(actions=("output:3",)))
    diff.add(1, key, FlowVersion(actions=("output:3",)))
    assert diff.differences(describe) == []
