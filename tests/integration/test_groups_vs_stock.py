"""pyvswitchd's OpenFlow groups against stock Open vSwitch, through stock ovs-ofctl.

One script of add-group / add-groups / mod-group / insert-buckets / remove-buckets /
del-groups runs against a stock `ovs-vswitchd --enable-dummy` and against pyvswitchd (same
bridge, same port numbers); after every step the exit status, stderr and stdout (errors
included) must be the same, and so must `dump-groups` at OpenFlow 1.0 (NXST_GROUP_DESC),
1.1, 1.3 and 1.5 — sorted, since each switch dumps its groups in its own hash order.  Then
group statistics (durations masked) and features, and flows naming missing groups.
Skips without stock OVS.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.harness import Daemon
from tests.stock_ovs import AVAILABLE, StockOVS
from tests.twin_switches import Switches

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="stock Open vSwitch not installed")

PORTS = {"p1": 1, "p2": 2, "p3": 3}
DUMP_VERSIONS = ("OpenFlow10", "OpenFlow11", "OpenFlow13", "OpenFlow15")
GROUPS_FILE = """\
group_id=10,type=all,bucket=output:1,bucket=mod_dl_src:00:00:00:00:00:01,output:2
group_id=11,type=select,bucket=weight:1,output:3
"""

# (ovs-ofctl command, option, argument...): each run on both switches.
SCRIPT = [
    ("add-group", "-OOpenFlow13", "group_id=1,type=all,bucket=output:1,bucket=output:2"),
    ("add-group", "-OOpenFlow13",
     "group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,actions=output:2"),
    ("add-group", "-OOpenFlow11", "group_id=3,type=indirect,bucket=actions=output:3"),
    ("add-group", "-OOpenFlow15", "group_id=4,type=fast_failover,bucket=watch_port:1,"
     "output:1,bucket=watch_port:2,watch_group:3,output:2"),
    ("add-group", "-OOpenFlow10", "group_id=5,type=all,bucket=output:1,bucket=drop"),
    ("add-group", "-OOpenFlow13", "group_id=6,type=all,bucket=group:1,bucket=output:3"),
    ("add-groups", "-OOpenFlow13", "-"),
    # Refused by the switch.
    ("add-group", "-OOpenFlow13", "group_id=1,type=all,bucket=output:1"),
    ("add-group", "-OOpenFlow13", "group_id=7,type=all,bucket=group:77"),
    ("mod-group", "-OOpenFlow13", "group_id=9,type=all,bucket=output:1"),
    ("insert-buckets", "-OOpenFlow15",
     "group_id=2,command_bucket_id=5,bucket=bucket_id:6,weight:3,output:3"),
    ("insert-buckets", "-OOpenFlow15",
     "group_id=2,command_bucket_id=first,bucket=bucket_id:1,weight:3,output:3"),
    ("remove-buckets", "-OOpenFlow15", "group_id=2,command_bucket_id=77"),
    ("insert-buckets", "-OOpenFlow15", "group_id=99,command_bucket_id=first,"
     "bucket=bucket_id:1,output:3"),
    # Changes.
    ("mod-group", "-OOpenFlow13", "group_id=1,type=select,bucket=weight:7,output:3"),
    ("insert-buckets", "-OOpenFlow15",
     "group_id=2,command_bucket_id=first,bucket=bucket_id:5,weight:3,output:3"),
    ("insert-buckets", "-OOpenFlow15",
     "group_id=2,command_bucket_id=last,bucket=bucket_id:8,weight:4,output:1"),
    ("insert-buckets", "-OOpenFlow10",
     "group_id=2,command_bucket_id=0,bucket=bucket_id:9,weight:4,output:2"),
    ("remove-buckets", "-OOpenFlow15", "group_id=2,command_bucket_id=1"),
    ("remove-buckets", "-OOpenFlow15", "group_id=2,command_bucket_id=first"),
    ("remove-buckets", "-OOpenFlow10", "group_id=4,command_bucket_id=last"),
    ("remove-buckets", "-OOpenFlow15", "group_id=5,command_bucket_id=all"),
    ("mod-group", "-OOpenFlow13", "--may-create", "group_id=12,type=indirect,bucket=output:2"),
    ("del-groups", "-OOpenFlow13", "group_id=3"),
    ("del-groups", "-OOpenFlow13", "group_id=3"),
    ("del-groups", "-OOpenFlow10", "group_id=11"),
]


@pytest.fixture(scope="module")
def switches():
    with StockOVS() as stock, Daemon() as ours:
        yield Switches(stock, ours, PORTS)


def _same(stock, ours, what) -> None:
    assert (ours.returncode, ours.stderr, ours.stdout) == \
        (stock.returncode, stock.stderr, stock.stdout), what


def _same_sorted(stock, ours, what) -> None:
    ours_lines, stock_lines = set(ours.stdout.splitlines()), set(stock.stdout.splitlines())
    assert (ours.returncode, sorted(ours.stdout.splitlines())) == \
        (stock.returncode, sorted(stock.stdout.splitlines())), \
        (what, "ours only", ours_lines - stock_lines, "stock only", stock_lines - ours_lines)


def _without_durations(text: str) -> list[str]:
    return sorted(re.sub(r"duration=[0-9.]+s", "duration=?", text).splitlines())


def test_group_script_prints_alike(switches):
    for step in SCRIPT:
        stdin = GROUPS_FILE if step[-1] == "-" else None
        stock, ours = switches.both(*step, stdin=stdin)
        _same(stock, ours, step)
        for version in DUMP_VERSIONS:
            stock, ours = switches.both("dump-groups", "-O" + version)
            assert stock.returncode == 0, stock.stderr
            _same_sorted(stock, ours, (step, version))
    stock, ours = switches.both("dump-groups", "-OOpenFlow15", "2")
    _same(stock, ours, "dump-groups 2")
    assert "group_id=2," in stock.stdout


@pytest.mark.parametrize("version", ["OpenFlow10", "OpenFlow13", "OpenFlow15"])
def test_group_stats_and_features_print_alike(switches, version):
    for result in switches.both("add-group", "-O" + version,
                                "group_id=100,type=all,bucket=output:1,bucket=output:2"):
        assert result.returncode in (0, 1)
    stock, ours = switches.both("dump-group-stats", "-O" + version)
    assert stock.returncode == ours.returncode == 0
    assert "group_id=100," in stock.stdout
    assert _without_durations(ours.stdout) == _without_durations(stock.stdout)
    stock, ours = switches.both("dump-group-stats", "-O" + version, "group_id=100")
    assert _without_durations(ours.stdout) == _without_durations(stock.stdout)
    stock, ours = switches.both("dump-group-features", "-O" + version)
    _same(stock, ours, "dump-group-features")


def test_flows_naming_missing_groups_are_refused_alike(switches):
    switches.both("add-group", "-OOpenFlow13", "group_id=200,type=all,bucket=output:1")
    stock, ours = switches.both("add-flow", "-OOpenFlow13", "actions=group:200")
    _same(stock, ours, "existing group")
    stock, ours = switches.both("add-flow", "-OOpenFlow13", "actions=group:201")
    assert stock.returncode == 1 and "OFPBAC_BAD_OUT_GROUP" in stock.stderr
    _same(stock, ours, "missing group")


def test_deleting_every_group_empties_the_table(switches):
    stock, ours = switches.both("del-groups", "-OOpenFlow13")
    _same(stock, ours, "del-groups")
    for version in DUMP_VERSIONS:
        stock, ours = switches.both("dump-groups", "-O" + version)
        _same(stock, ours, version)
        assert len(stock.stdout.splitlines()) == 1


# ---- pyvs-ofctl against stock ovs-ofctl --------------------------------------------------

class Clients:
    """Two stock OVSs with the same bridge br0: one driven by stock ovs-ofctl, the other by
    pyvs-ofctl; switch names in their output are blanked."""

    def __init__(self, for_stock: StockOVS, for_ours: StockOVS):
        self.switches = {"stock": for_stock, "ours": for_ours}
        for switch in self.switches.values():
            switch.add_bridge("br0", PORTS)

    def run(self, which: str, command: str, *rest: str, stdin: str | None = None):
        options = [a for a in rest if a.startswith("-") and a != "-"]
        operands = [a for a in rest if not a.startswith("-") or a == "-"]
        switch = self.switches[which]
        if which == "stock":
            program, env = ["ovs-ofctl"], switch.env
        else:
            program = [sys.executable, "-m", "pyvswitch.cli.ofctl"]
            env = dict(switch.env, PYVS_RUNDIR=switch.dir)
        target = "unix:" + switch.mgmt_socket("br0")
        result = subprocess.run([*program, *options, command, target, *operands], env=env,
                                input=stdin, capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout.replace(target, "SWITCH"), re.sub(
            r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d+\|ofp_group\|WARN\|", "",
            result.stderr.replace(target, "SWITCH").replace("pyvs-ofctl:", "ovs-ofctl:"))

    def both(self, *args: str, stdin: str | None = None):
        return self.run("stock", *args, stdin=stdin), self.run("ours", *args, stdin=stdin)


@pytest.fixture(scope="module")
def clients():
    with StockOVS() as for_stock, StockOVS() as for_ours:
        yield Clients(for_stock, for_ours)


# mod-group --may-create is left out: pyvs-ofctl's option parser does not know it yet.
CLIENT_SCRIPT = [step for step in SCRIPT if "--may-create" not in step] + [
    ("add-group", "-OOpenFlow13", "group_id=1,bucket=output:1"),
    ("add-group", "-OOpenFlow13", "type=all,bucket=output:1"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=bogus"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=all,bucket=weight:x,output:1"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=all,foo=1"),
    ("add-group", "-OOpenFlow13", "group_id=0xffffff01,type=all"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=ff,bucket=output:1"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=all,command_bucket_id=1"),
    ("add-group", "-OOpenFlow13", "group_id=30,type=indirect,bucket=output:1,bucket=output:2"),
    ("add-group", "-OOpenFlow13", "group_id=31,type=all,bucket=watch_port:p2,output:p3"),
    ("add-group", "-OOpenFlow13", "group_id=32,type=all"),
    ("del-groups", "-OOpenFlow15", "group_id=1,type=all"),
    ("insert-buckets", "-OOpenFlow15", "group_id=1,bucket=output:1"),
    ("insert-buckets", "-OOpenFlow13", "group_id=1,command_bucket_id=first,bucket=output:1"),
]


def test_pyvs_ofctl_group_commands_match_stock(clients):
    for step in CLIENT_SCRIPT:
        stdin = GROUPS_FILE if step[-1] == "-" else None
        stock, ours = clients.both(*step, stdin=stdin)
        assert ours == stock, step
        for version in DUMP_VERSIONS:
            for names in ("--no-names", "--names"):
                stock, ours = clients.both("dump-groups", "-O" + version, names)
                assert stock[0] == 0, stock
                assert (ours[0], sorted(ours[1].splitlines()), ours[2]) == \
                    (stock[0], sorted(stock[1].splitlines()), stock[2]), (step, version)
    for args in (("dump-groups", "-OOpenFlow15", "2"), ("dump-groups", "-OOpenFlow13", "2"),
                 ("dump-groups", "-OOpenFlow13", "group_id=1"),
                 ("dump-group-features", "-OOpenFlow10"),
                 ("dump-group-features", "-OOpenFlow13"),
                 ("dump-group-features", "-OOpenFlow15")):
        stock, ours = clients.both(*args)
        assert (ours[0], sorted(ours[1].splitlines()), ours[2]) == \
            (stock[0], sorted(stock[1].splitlines()), stock[2]), args
    for version in ("OpenFlow10", "OpenFlow11", "OpenFlow13", "OpenFlow15"):
        for extra in ((), ("group_id=2",)):
            stock, ours = clients.both("dump-group-stats", "-O" + version, *extra)
            assert stock[0] == ours[0] == 0, (stock, ours)
            assert _without_durations(ours[1]) == _without_durations(stock[1]), version
