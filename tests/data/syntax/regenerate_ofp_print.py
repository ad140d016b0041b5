"""Regenerates ofp_print.golden.json: flow-table messages encoded by pyvswitch's codec and
printed by stock `ovs-ofctl ofp-print HEX` (run from the repository root with stock OVS):

    python tests/data/syntax/regenerate_ofp_print.py

The messages: every flow of flows.txt as an ADD at OpenFlow 1.0, 1.3 and 1.5, modify and
delete flow_mods, flow-removed, flow and aggregate statistics requests and replies, the
Nicira flow-format messages, and error replies quoting a flow_mod."""
import dataclasses
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[3]))

from pyvswitch.ofproto.match import Match  # noqa: E402
from pyvswitch.ofproto.protocol import codec, errors  # noqa: E402
from pyvswitch.ofproto.protocol.action_errors import UnencodableAction  # noqa: E402
from pyvswitch.ofproto.protocol import messages as m  # noqa: E402
from pyvswitch.ofproto.syntax import FlowSyntaxError, parse_flow, parse_match  # noqa: E402

HERE = pathlib.Path(__file__).parent
VERSIONS = (1, 4, 6)
COMMANDS = ((m.OFPFC_MODIFY, "cookie=0x1/0x1,actions=drop"), (m.OFPFC_MODIFY, "cookie=5,ip,actions=1"),
            (m.OFPFC_MODIFY_STRICT, "priority=4,tcp,tp_dst=80,actions=output:3"),
            (m.OFPFC_DELETE, "in_port=1"), (m.OFPFC_DELETE, "table=3,cookie=0x5/0xff,out_port=1"),
            (m.OFPFC_DELETE_STRICT, "priority=5,ip,out_port=2"), (m.OFPFC_DELETE, ""),
            (m.OFPFC_DELETE, "table=0,dl_vlan=9"))


def _flow_mods():
    lines = [line for line in (HERE / "flows.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    for command, text in [(m.OFPFC_ADD, line) for line in lines] + list(COMMANDS):
        try:
            flow_mod = parse_flow(text, command)
        except FlowSyntaxError:
            continue
        for version in VERSIONS:
            yield dataclasses.replace(flow_mod, version=version, xid=1)


def _others():
    match, _ = parse_match("tcp,in_port=3,tp_dst=22")
    for version, nxm in ((1, False), (1, True), (4, False), (6, False)):
        for reason, nsec, table, hard in ((0, 0, 0, 0), (1, 123000000, 2, 20), (2, 5000, 255, 0),
                                          (3, 7, 1, 5), (5, 999999999, 9, 1)):
            yield m.FlowRemoved(version=version, xid=0, match=match, cookie=reason * 7,
                                priority=0x8000 if reason else 9, reason=reason,
                                table_id=table, duration_sec=5, duration_nsec=nsec,
                                idle_timeout=10, hard_timeout=hard, packet_count=3,
                                byte_count=180, nxm=nxm)
        for kind in (m.FlowStatsRequest, m.AggregateStatsRequest):
            yield kind(version=version, xid=4, match=Match(), nxm=nxm)
            yield kind(version=version, xid=4, match=match, table_id=1, out_port=2, nxm=nxm)
        flows = tuple(m.FlowStats(table_id=table, duration_sec=5, duration_nsec=123456789,
                                  priority=priority, idle_timeout=idle, hard_timeout=0,
                                  cookie=cookie, packet_count=1, byte_count=60,
                                  match=flow_match, actions=actions,
                                  idle_age=2 if nxm else None, hard_age=5 if nxm else None)
                      for table, priority, idle, cookie, flow_match, actions in (
                          (0, 0, 0, 0, Match(), parse_flow("actions=NORMAL").actions),
                          (3, 5, 60, 0x10, match, parse_flow("actions=output:1").actions)))
        yield m.FlowStatsReply(version=version, xid=4, flows=flows, nxm=nxm)
        yield m.FlowStatsReply(version=version, xid=4, flows=(), nxm=nxm)
        yield m.AggregateStatsReply(version=version, xid=4, packet_count=7, byte_count=420,
                                    flow_count=2, nxm=nxm)
    yield m.SetFlowFormat(version=1, xid=2, format=m.NXFF_NXM)
    yield m.SetFlowFormat(version=1, xid=2, format=m.NXFF_OPENFLOW10)
    yield m.FlowModTableId(version=1, xid=3, enable=True)
    yield m.FlowModTableId(version=1, xid=3, enable=False)
    for version in VERSIONS:
        request = dataclasses.replace(parse_flow("table=254,ip,actions=group:77"),
                                      version=version, xid=6)
        raw = codec.encode(request)
        for error in (errors.BAD_REQUEST_EPERM, errors.BAD_LEN):
            yield codec.error_reply(dataclasses.replace(request, raw=raw), error)


def main():
    cases = []
    for message in list(_flow_mods()) + list(_others()):
        try:
            data = codec.encode(message)
        except (UnencodableAction, errors.DecodeError, OverflowError) as error:
            print("skipped (our codec cannot encode it): %r: %s" % (message, error),
                  file=sys.stderr)
            continue
        run = subprocess.run(["ovs-ofctl", "ofp-print", data.hex()], capture_output=True,
                             text=True)
        cases.append({"hex": data.hex(), "stock": run.stdout})
    (HERE / "ofp_print.golden.json").write_text(json.dumps(cases, indent=1) + "\n")


if __name__ == "__main__":
    main()
