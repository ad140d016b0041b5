"""Regenerates trace_flows.golden.json (run from the repository root with stock OVS):

    python tests/data/syntax/regenerate_trace_flows.py

"flows": for each flow of trace_flows.txt, the "Flow:" line stock ovs-vswitchd's
`ofproto/trace br0 FLOW` prints, on a dummy bridge with ports 1 and 2.
"frames": the same for a few raw frames (`ofproto/trace br0 in_port=1 HEX`).
"ip_frag": for every value/mask of ip_frag under an IP match, the match text stock
`ovs-ofctl ofp-print` shows for a flow_mod our codec encodes (OpenFlow 1.0 NXM, 1.3 OXM)."""
import dataclasses
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pyvswitch.ofproto.protocol import codec  # noqa: E402
from pyvswitch.ofproto.syntax import parse_flow  # noqa: E402
from stock_ovs import StockOVS  # noqa: E402

HERE = pathlib.Path(__file__).parent
FRAMES = {
    "tagged IPv4": "000000000002000000000001810020050800"
                   "450000140000000040000000" "0a000001" "0a000002",
    "untagged ARP": "ffffffffffff0000000000010806" "0001080006040001"
                    "000000000001" "0a000001" "000000000000" "0a000002",
}


def _flow_line(ovs: StockOVS, *args: str) -> str:
    result = subprocess.run(["ovs-appctl", "-t", ovs.dir + "/ovs-vswitchd.ctl",
                             "ofproto/trace", "br0", *args],
                            env=ovs.env, capture_output=True, text=True, check=True)
    return next(line[len("Flow: "):] for line in result.stdout.splitlines()
                if line.startswith("Flow: "))


def _ip_frag_cases():
    base = parse_flow("ip,actions=drop")
    for version in (1, 4):
        for mask in (1, 2, 3):
            for value in range(4):
                if value & ~mask:
                    continue
                flow_mod = dataclasses.replace(
                    base, version=version, match=base.match.with_field("ip_frag", value, mask))
                data = codec.encode(flow_mod).hex()
                text = subprocess.run(["ovs-ofctl", "ofp-print", data], capture_output=True,
                                      text=True, check=True).stdout
                match = text.split(": ADD ", 1)[1].split(" actions=", 1)[0]
                yield {"version": version, "value": value, "mask": mask, "stock": match}


def main() -> None:
    flows = [line for line in (HERE / "trace_flows.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    with StockOVS() as ovs:
        ovs.add_bridge("br0", {"p1": 1, "p2": 2})
        golden = {"flows": [{"flow": flow, "stock": _flow_line(ovs, flow)} for flow in flows],
                  "frames": [{"name": name, "hex": data,
                              "stock": _flow_line(ovs, "in_port=1", data)}
                             for name, data in FRAMES.items()]}
    golden["ip_frag"] = list(_ip_frag_cases())
    (HERE / "trace_flows.golden.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
