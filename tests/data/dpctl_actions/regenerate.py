"""Refill the stock column of trace.txt from stock Open vSwitch: `python tests/data/dpctl_actions/regenerate.py`.

For each row, a private stock ovs-vswitchd (--enable-dummy) gets one flow, "match,actions=ACTIONS"
(added as OpenFlow 1.3 when an action has a mask, since ovs-ofctl would otherwise pick an
OpenFlow 1.0 action that drops it), and `ofproto/trace br0 FLOW` gives the "Datapath actions:" text.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))

from tests.stock_ovs import StockOVS  # noqa: E402

TABLE = os.path.join(HERE, "trace.txt")
PREFIX = "Datapath actions: "


def read_rows(path: str = TABLE):
    """(comment and alias lines kept as they are, rows as [match, flow, actions, datapath, stock],
    aliases by name)."""
    lines, aliases = [], {}
    for line in open(path).read().splitlines():
        if line.startswith("= "):
            name, flow = line[2:].split(" ", 1)
            aliases[name] = flow
        if line.startswith(("#", "= ")) or not line.strip():
            lines.append(line)
        else:
            lines.append([column.strip() for column in (line + " ").split(" | ")])
    return lines, aliases


def stock_datapath_actions(ovs: StockOVS, match: str, flow: str, actions: str) -> str:
    ovs.ofctl("del-flows", "br0")
    version = ["-O", "OpenFlow13"] if "/" in actions else []
    status, _, err = ovs.ofctl(*version, "add-flow", "br0", "%s,actions=%s" % (match, actions))
    if status:
        raise RuntimeError("add-flow %s,actions=%s: %s" % (match, actions, err))
    trace = subprocess.run(["ovs-appctl", "-t", os.path.join(ovs.dir, "ovs-vswitchd.ctl"),
                            "ofproto/trace", "br0", flow], env=ovs.env, capture_output=True,
                           text=True, check=True)
    for line in trace.stdout.splitlines():
        if line.startswith(PREFIX):
            return line[len(PREFIX):]
    raise RuntimeError("no datapath actions for %s:\n%s" % (flow, trace.stdout))


def main() -> None:
    lines, aliases = read_rows()
    with StockOVS() as ovs:
        ovs.add_bridge("br0", {"p1": 1, "p2": 2})
        out = []
        for line in lines:
            if isinstance(line, list):
                match, flow = (aliases.get(column, column) for column in line[:2])
                line = line[:4] + [stock_datapath_actions(ovs, match, flow, line[2])]
                line = " | ".join(line)
            out.append(line)
    with open(TABLE, "w") as table:
        table.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
