"""Records how stock ovs-vswitchd splits a flow-statistics reply too big for one message,
for tests/data/flow_codec/stock_split.json.

Run `python tests/golden/capture_stock_split.py` with Open vSwitch installed.  It starts a
private stock OVS with one bridge, adds FLOW_COUNT flows with a few actions each (about
100 KB of flow statistics), and records every reply message to a flow statistics request
in NXST_FLOW form (OpenFlow 1.0) and in OpenFlow 1.3, zlib-compressed and base64-encoded
(the flows repeat themselves, so the file stays small).
"""
from __future__ import annotations

import base64
import json
import pathlib
import sys
import zlib

sys.path.insert(0, str(pathlib.Path(__file__).parents[2]))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).parent))

from capture_stock_replies import _Client  # noqa: E402
from pyvswitch.ofproto.match import Match  # noqa: E402
from pyvswitch.ofproto.protocol import codec  # noqa: E402
from pyvswitch.ofproto.protocol import messages as m  # noqa: E402
from stock_ovs import StockOVS  # noqa: E402

OUTPUT = pathlib.Path(__file__).parents[1] / "data" / "flow_codec" / "stock_split.json"
FLOW_COUNT = 900


def main() -> None:
    flows = "".join("priority=%d,tcp,tp_dst=%d,actions=mod_vlan_vid:%d,output:1,output:2\n"
                    % (i + 1, i, i % 4000 + 1) for i in range(FLOW_COUNT))
    records = []
    with StockOVS() as ovs:
        ovs.add_bridge("br0", {"p1": 1, "p2": 2})
        status, _, error = ovs.ofctl("add-flows", "br0", "-", stdin=flows)
        if status:
            raise SystemExit(error)
        for version, nxm in ((1, True), (4, False)):
            client = _Client(ovs.mgmt_socket("br0"), version)
            request = codec.encode(m.FlowStatsRequest(version=version, xid=0, match=Match(),
                                                      nxm=nxm))
            _, replies = client.transact(request)
            records.append({"version": version, "nxm": nxm, "replies": [
                base64.b64encode(zlib.compress(reply, 9)).decode() for reply in replies]})
    OUTPUT.write_text(json.dumps(records, indent=1) + "\n")
    print("recorded %s" % [len(r["replies"]) for r in records])


if __name__ == "__main__":
    main()
