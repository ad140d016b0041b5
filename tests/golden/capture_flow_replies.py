"""Records how stock `ovs-ofctl ofp-print` reads the flow-table replies our codec writes, for
tests/data/flow_codec/replies.json.

Run `python tests/golden/capture_flow_replies.py` with Open vSwitch installed.  REPLIES
below is the list of messages a switch sends (flow, aggregate and table statistics, flow
removed, bundle control replies) in every version; for each the file records our encoding
and what ofp-print prints for it.  Before committing a regenerated file, read the printed
text: it is the oracle the unit tests then hold our bytes to.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[2]))

from pyvswitch.ofproto import ofpact as A  # noqa: E402
from pyvswitch.ofproto.protocol import codec  # noqa: E402
from pyvswitch.ofproto.protocol import messages as m  # noqa: E402
from pyvswitch.ofproto.syntax.match_text import parse_match  # noqa: E402

OUTPUT = pathlib.Path(__file__).parents[1] / "data" / "flow_codec" / "replies.json"

TCP_MATCH = parse_match("tcp,nw_src=10.0.0.0/8,tp_dst=80")[0]
ARP_MATCH = parse_match("arp,arp_op=2,arp_tpa=192.168.0.1,in_port=3")[0]
REG_MATCH = parse_match("reg0=5,tun_id=0x10,ip,nw_ttl=4")[0]


def flow(match=TCP_MATCH, **fields) -> m.FlowStats:
    values = dict(table_id=1, duration_sec=5, duration_nsec=500000000, priority=100,
                  idle_timeout=10, hard_timeout=0, cookie=0x1234, packet_count=7,
                  byte_count=700, match=match, actions=(A.Output(2),), idle_age=3,
                  hard_age=4, flags=m.OFPFF_SEND_FLOW_REM)
    values.update(fields)
    return m.FlowStats(**values)


FLOWS = (flow(), flow(match=ARP_MATCH, table_id=0, priority=7, cookie=0, actions=()),)


def replies():
    """(name, message) of every reply recorded."""
    out = []
    for version in range(1, 7):
        forms = (False, True) if version == 1 else (False,)
        for nxm in forms:
            tag = "%d%s" % (version, "nx" if nxm else "")
            out += [
                ("flow_stats_" + tag, m.FlowStatsReply(version=version, xid=9, flows=FLOWS,
                                                       nxm=nxm)),
                ("flow_stats_more_" + tag, m.FlowStatsReply(
                    version=version, xid=9, flags=m.OFPMPF_REPLY_MORE, nxm=nxm,
                    flows=(flow(match=REG_MATCH if nxm or version > 2 else TCP_MATCH,
                                importance=3 if version >= 5 else 0),))),
                ("flow_stats_empty_" + tag, m.FlowStatsReply(version=version, xid=9,
                                                             nxm=nxm)),
                ("aggregate_" + tag, m.AggregateStatsReply(
                    version=version, xid=3, packet_count=10, byte_count=1000, flow_count=2,
                    nxm=nxm)),
                ("flow_removed_" + tag, m.FlowRemoved(
                    version=version, xid=0, match=TCP_MATCH, cookie=0x55, priority=7,
                    reason=m.OFPRR_IDLE_TIMEOUT, table_id=2, duration_sec=3,
                    duration_nsec=1000, idle_timeout=60,
                    hard_timeout=0 if version == 1 else 5, packet_count=4, byte_count=400,
                    nxm=nxm)),
            ]
        if version == 1 or version >= 4:
            out.append(("table_stats_%d" % version, m.TableStatsReply(
                version=version, xid=1, tables=tuple(
                    m.TableStats(table_id=t, active_count=3 - t, lookup_count=10,
                                 matched_count=8,
                                 name="classifier" if version == 1 else "",
                                 wildcards=0x3FFFFF if version == 1 else 0,
                                 max_entries=1000000 if version == 1 else 0)
                    for t in range(2)))))
        if version >= 4:
            for control in (m.OFPBCT_OPEN_REPLY, m.OFPBCT_COMMIT_REPLY):
                out.append(("bundle_%d_%d" % (control, version), m.BundleControl(
                    version=version, xid=4, bundle_id=7, type=control,
                    flags=m.OFPBF_ATOMIC | m.OFPBF_ORDERED)))
    return out


def main() -> None:
    records = []
    for name, message in replies():
        wire = codec.encode(message).hex()
        printed = subprocess.run(["ovs-ofctl", "ofp-print", wire], capture_output=True,
                                 text=True, check=True)
        records.append({"name": name, "hex": wire, "ofp_print": printed.stdout,
                        "stderr": printed.stderr})
    OUTPUT.write_text(json.dumps(records, indent=1) + "\n")
    print("%d replies recorded in %s" % (len(records), OUTPUT))


if __name__ == "__main__":
    main()
