"""dump-flows lines as stock ovs-ofctl prints them, from a stock ovs-vswitchd on a dummy
datapath (tests/data/syntax/dump_flows.golden.json, made by regenerate_dump.py): OpenFlow
1.0 (NXST, idle_age), 1.3 (no ages), 1.5, `--names` with quoted port names, `--no-stats`.

Each stock line is read back with our parser (dump-flows lines are valid flows; the
counters are ignored), its counters are taken from the line, and our printer must give the
same line.  A `--names` line names a port "my port", which no ovs-ofctl flow can spell
(flows split at white space, quotes or not), so it is read from the same version's
numeric dump instead."""
import json
import pathlib
import re

import pytest

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax import PortNames, format_flow_stats, parse_flow

DATA = pathlib.Path(__file__).parents[3] / "data" / "syntax"
GOLDEN = json.loads((DATA / "dump_flows.golden.json").read_text())
PORTS = PortNames.from_pairs(GOLDEN["ports"].items())
CASES = [(dump["version"], tuple(dump["options"]), index, line)
         for dump in GOLDEN["dumps"]
         for index, line in enumerate(l for l in dump["lines"] if l.startswith(" "))]
NUMERIC = {(version, index): line for version, options, index, line in CASES if not options}


def _number(pattern: str, line: str, default=None):
    found = re.search(pattern, line)
    return int(found.group(1)) if found else default


@pytest.mark.parametrize("version,options,index,line", CASES,
                         ids=["%s%s:%d" % (v, "".join(o), i) for v, o, i, _ in CASES])
def test_dump_flows_line(version, options, index, line):
    ports = PORTS if "--names" in options else None
    source = NUMERIC[version, index] if ports else line
    flow_mod = parse_flow(source.strip())
    duration = re.search(r"duration=(\d+)\.(\d+)s", line)
    stats = m.FlowStats(
        table_id=flow_mod.table_id, priority=flow_mod.priority, cookie=flow_mod.cookie,
        idle_timeout=flow_mod.idle_timeout, hard_timeout=flow_mod.hard_timeout,
        duration_sec=int(duration.group(1)) if duration else 0,
        duration_nsec=int(duration.group(2)) * 1000000 if duration else 0,
        packet_count=_number(r"n_packets=(\d+)", line, 0),
        byte_count=_number(r"n_bytes=(\d+)", line, 0),
        match=flow_mod.match, actions=flow_mod.actions, flags=flow_mod.flags,
        importance=flow_mod.importance, idle_age=_number(r"idle_age=(\d+)", line),
        hard_age=_number(r"hard_age=(\d+)", line))
    assert format_flow_stats(stats, ports, show_stats="--no-stats" not in options) == line


def test_hard_age_is_printed_only_when_it_differs_from_the_duration():
    flow = parse_flow("actions=drop")
    common = dict(table_id=0, duration_nsec=0, priority=flow.priority, idle_timeout=0,
                  hard_timeout=0, cookie=0, packet_count=0, byte_count=0, match=flow.match,
                  actions=(), idle_age=1)
    same = m.FlowStats(duration_sec=7, hard_age=7, **common)
    older = m.FlowStats(duration_sec=7, hard_age=3, **common)
    assert "hard_age" not in format_flow_stats(same)
    assert format_flow_stats(older).endswith("idle_age=1, hard_age=3, actions=drop")
