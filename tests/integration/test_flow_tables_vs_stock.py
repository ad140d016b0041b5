"""pyvswitchd's OpenFlow tables against stock Open vSwitch, through stock ovs-ofctl.

The same flows go into a stock `ovs-vswitchd --enable-dummy` and into pyvswitchd (same bridge,
same port numbers); what stock `ovs-ofctl` then prints must be the same text for both:
`dump-flows --no-stats` line by line (sorted: the order of a dump is each switch's classifier
order, which OpenFlow leaves open), `dump-flows --sort`, and the errors and exit statuses of
flows one switch refuses.  The corpus is tests/data/syntax/flows.txt (flows stock accepts and
prints), at OpenFlow 1.0 (NXM), 1.3 and 1.5.  Skips without stock OVS.
"""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.harness import Daemon
from tests.stock_ovs import AVAILABLE, StockOVS

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="stock Open vSwitch not installed")

CORPUS = os.path.join(os.path.dirname(__file__), "..", "data", "syntax", "flows.txt")
PORTS = {"p1": 1, "p2": 2, "p3": 3, "p4": 4}
VERSIONS = ("OpenFlow10", "OpenFlow13", "OpenFlow15")


def corpus() -> list[str]:
    with open(CORPUS) as lines:
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class Switches:
    """A stock OVS and a pyvswitchd with the same bridge br0."""

    def __init__(self, stock: StockOVS, ours: Daemon):
        self.stock, self.ours = stock, ours
        stock.add_bridge("br0", PORTS)
        command = ["add-br", "br0"]
        for name, number in PORTS.items():
            command += ["--", "add-port", "br0", name, "--", "set", "Interface", name,
                        "ofport_request=%d" % number]
        ours.vsctl(*command)
        self.targets = {"stock": (stock.env, "unix:" + stock.mgmt_socket("br0")),
                        "ours": (ours.env, "unix:" + os.path.join(ours.paths.rundir,
                                                                   "br0.mgmt"))}

    def ofctl(self, which: str, *args: str, stdin: str | None = None):
        env, target = self.targets[which]
        command, rest = args[0], args[1:]
        options = [a for a in rest if a.startswith("-")]
        operands = [a for a in rest if not a.startswith("-")]
        return subprocess.run(["ovs-ofctl", *options, command, target, *operands], env=env,
                              input=stdin, capture_output=True, text=True, timeout=60)

    def both(self, *args: str, stdin: str | None = None):
        return self.ofctl("stock", *args, stdin=stdin), self.ofctl("ours", *args, stdin=stdin)


@pytest.fixture(scope="module")
def switches():
    with StockOVS() as stock, Daemon() as ours:
        yield Switches(stock, ours)


def _sorted_lines(text: str) -> list[str]:
    return sorted(text.splitlines())


@pytest.mark.parametrize("version", VERSIONS)
def test_the_corpus_dumps_the_same(switches, version):
    flows = "\n".join(corpus()) + "\n"
    for result in switches.both("del-flows"):
        assert result.returncode == 0, result.stderr
    stock, ours = switches.both("add-flows", "-O" + version, "-", stdin=flows)
    assert (ours.returncode, ours.stderr) == (stock.returncode, stock.stderr)
    stock, ours = switches.both("dump-flows", "-O" + version, "--no-stats")
    assert stock.returncode == 0
    assert _sorted_lines(ours.stdout) == _sorted_lines(stock.stdout)
    stock, ours = switches.both("dump-flows", "-O" + version, "--no-stats", "--sort")
    assert ours.stdout == stock.stdout


@pytest.mark.parametrize("flow", [
    "table=3,actions=goto_table:2",
    "actions=goto_table:255",
    "table=253,actions=goto_table:254",
    "table=254,actions=drop",
    "table=255,actions=drop",
])
def test_flows_the_switch_refuses_fail_alike(switches, flow):
    stock, ours = switches.both("add-flow", "-OOpenFlow13", flow)
    assert (ours.returncode, ours.stderr) == (stock.returncode, stock.stderr)


def test_modify_delete_and_counters_print_alike(switches):
    script = [("del-flows",), ("add-flow", "priority=5,in_port=1,actions=output:2"),
              ("add-flow", "table=1,priority=6,ip,nw_src=10.0.0.0/8,actions=drop"),
              ("mod-flows", "in_port=1,actions=output:3"),
              ("mod-flows", "--strict", "table=1,priority=6,ip,nw_src=10.0.0.0/8,actions=drop,"
               "note:01"),
              ("del-flows", "--strict", "priority=5,in_port=1"),
              ("add-flow", "cookie=0x5,priority=1,actions=NORMAL"),
              ("del-flows", "cookie=0x5/-1")]
    for step in script:
        stock, ours = switches.both(*step)
        assert (ours.returncode, ours.stderr) == (stock.returncode, stock.stderr), step
        stock, ours = switches.both("dump-flows", "--no-stats", "--sort")
        assert ours.stdout == stock.stdout, step
    stock, ours = switches.both("dump-aggregate")
    assert ours.stdout == stock.stdout


@pytest.mark.parametrize("version", ["OpenFlow13", "OpenFlow14", "OpenFlow15"])
def test_bundles_commit_all_or_nothing_alike(switches, version):
    good = "table=0,priority=10,in_port=1,actions=output:2\ntable=2,priority=10,actions=drop\n"
    bad = good + "table=0,priority=11,in_port=2,actions=goto_table:0\n"
    for step, stdin in ((("del-flows",), None),
                        (("add-flows", "-O" + version, "--bundle", "-"), good),
                        (("add-flows", "-O" + version, "--bundle", "-"), bad),
                        (("replace-flows", "-O" + version, "--bundle", "-"),
                         "priority=1,actions=NORMAL\n")):
        stock, ours = switches.both(*step, stdin=stdin)
        assert (ours.returncode, ours.stderr) == (stock.returncode, stock.stderr), step
        stock, ours = switches.both("dump-flows", "--no-stats", "--sort")
        assert ours.stdout == stock.stdout, step


def test_table_features_differ_only_in_fields_we_lack(switches):
    stock, ours = switches.both("dump-table-features", "-OOpenFlow13")
    assert stock.returncode == ours.returncode == 0
    # Those lines list fields, and stock has NSH, ERSPAN and GTP-U fields we do not.
    listing = ("supported on Set-Field:", "arbitrary mask:", "exact match or wildcard:")

    def without_field_lists(text):
        return [line for line in text.splitlines() if not line.strip().startswith(listing)]
    assert without_field_lists(ours.stdout) == without_field_lists(stock.stdout)
