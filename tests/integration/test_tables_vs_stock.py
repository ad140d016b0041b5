"""pyvs-ofctl's table commands against stock ovs-ofctl, on a stock `ovs-vswitchd
--enable-dummy` and on pyvswitchd.

Each switch has bridge br0 with a flow in table 2 and table 3 named "fancy" (a Flow_Table
row), so the listings have counters that differ, a named table and ditto runs.  On each
switch, `pyvs-ofctl dump-tables` and `dump-table-features` must print what stock ovs-ofctl
prints, byte for byte, with the same exit status and stderr, in every OpenFlow version.
mod-table's refusals (settings a version cannot carry, unknown tables, bad vacancy ranges)
must be stock's too, and a table-miss mod at OpenFlow 1.1 must show in the stock switch's
table stats.  Against a FakeSwitch, pyvs-ofctl sends the requests stock sends, in its order.
Through a recording proxy in front of pyvswitchd, mod-table's messages (1.4+ table desc
requests included) are stock's byte for byte.  (Names show only where the stock switch reports them: table stats before 1.3,
table features from 1.3.)  Skipped without stock Open vSwitch.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.golden.fake_switch import FakeSwitch
from tests.harness import Daemon
from tests.stock_ovs import AVAILABLE, StockOVS, needs_stock_ovs

VERSIONS = ("OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14",
            "OpenFlow15")
NAME_TABLE_3 = ["--", "--id=@ft", "create", "Flow_Table", "name=fancy", "--", "set", "Bridge",
                "br0", "flow_tables:3=@ft"]
REFUSED_MODS = [
    ("OpenFlow10", "1", "drop"), ("OpenFlow13", "1", "controller"),
    ("OpenFlow12", "all", "evict"), ("OpenFlow11", "3", "vacancy:10,20"),
    ("OpenFlow13", "1", "novacancy"), ("OpenFlow11", "254", "continue"),
    ("OpenFlow11", "x", "drop"), ("OpenFlow11", "1", "bogus"),
    ("OpenFlow15", "1", "vacancy:30,20"), ("OpenFlow15", "1", "vacancy:10"),
    ("OpenFlow15", "1", "vacancy"), ("OpenFlow15", "1", "vacancy:101,102"),
    ("OpenFlow15", "1", "vac:x,2"), ("OpenFlow11", "300", "drop"), ("OpenFlow11", "-1", "drop"),
]


def _untimed(text: str) -> str:
    return re.sub(r"^\S+\|\d+\|", "", text, flags=re.M)


def _stock(env, target, version, *args):
    process = subprocess.run(["ovs-ofctl", "-O", version, args[0], target, *args[1:]],
                             env=env, capture_output=True, text=True, timeout=60)
    return process.returncode, process.stdout, _untimed(process.stderr)


def _ours(env, target, version, *args):
    process = subprocess.run([sys.executable, "-m", "pyvswitch.cli.ofctl", "-O", version,
                              args[0], target, *args[1:]],
                             env=env, capture_output=True, text=True, timeout=60)
    return (process.returncode, process.stdout,
            _untimed(process.stderr.replace("pyvs-ofctl:", "ovs-ofctl:")))


@pytest.fixture(scope="module")
def switches():
    if not AVAILABLE:
        pytest.skip("stock Open vSwitch not installed")
    with StockOVS() as stock, Daemon() as ours:
        stock.add_bridge("br0")
        stock.vsctl(*NAME_TABLE_3)
        ours.vsctl("add-br", "br0")
        ours.vsctl(*NAME_TABLE_3)
        switches = {"stock": (stock.env, "unix:" + stock.mgmt_socket("br0")),
                    "ours": (ours.env, "unix:" + os.path.join(ours.paths.rundir, "br0.mgmt"))}
        for env, target in switches.values():
            subprocess.run(["ovs-ofctl", "add-flow", target, "table=2,actions=drop"], env=env,
                           check=True, capture_output=True)
        yield switches


@needs_stock_ovs
@pytest.mark.parametrize("switch", ["stock", "ours"])
@pytest.mark.parametrize("command", ["dump-tables", "dump-table-features"])
@pytest.mark.parametrize("version", VERSIONS)
def test_dumps_print_what_stock_prints(switches, switch, command, version):
    env, target = switches[switch]
    expected = _stock(env, target, version, command)
    assert _ours(env, target, version, command) == expected
    assert expected[0] == (1 if command == "dump-table-features" and version < "OpenFlow13"
                           else 0)
    names_listed = (command == "dump-tables") == (version < "OpenFlow13")
    if switch == "stock" and names_listed:
        assert 'table 3 ("fancy")' in expected[1]


@needs_stock_ovs
@pytest.mark.parametrize("version,table,setting", REFUSED_MODS)
def test_mod_table_refuses_as_stock(switches, version, table, setting):
    env, target = switches["stock"]
    expected = _stock(env, target, version, "mod-table", table, setting)
    assert expected[0] == 1
    assert _ours(env, target, version, "mod-table", table, setting) == expected


@needs_stock_ovs
def test_table_miss_mods_reach_stock_switch(switches):
    env, target = switches["stock"]
    # Back to "controller", table 1 is again like table 0 and prints as "(same features)".
    for setting, shown in (("drop", "config=drop"), ("continue", "config=continue"),
                           ("controller", "(same features)")):
        assert _ours(env, target, "OpenFlow11", "mod-table", "1", setting) == (0, "", "")
        # OpenFlow 1.2: ovs-vswitchd's 1.1 table stats write the miss setting wrongly.
        listing = _stock(env, target, "OpenFlow12", "dump-tables")[1]
        table_1 = listing.split("\n  table 1:\n", 1)[1].split("\n\n", 1)[0]
        assert shown in table_1


def _requests(switch):
    """(version, type, multipart type or body) of each message sent to the FakeSwitch since
    the last call, HELLOs left out and transaction ids ignored."""
    return [(version, kind, body[16:24] if kind in (16, 18) else body[16:])
            for version, kind, body in switch.messages() if kind != 0]


@needs_stock_ovs
@pytest.mark.parametrize("version", ["OpenFlow10", "OpenFlow11", "OpenFlow13", "OpenFlow15"])
@pytest.mark.parametrize("args", [("--names", "dump-tables"), ("dump-tables",),
                                  ("--names", "dump-table-features"),
                                  ("mod-table", "1", "drop"), ("mod-table", "all", "continue"),
                                  ("--no-names", "mod-table", "2", "controller")])
def test_requests_are_stocks(tmp_path, version, args):
    options = [arg for arg in args if arg.startswith("--")]
    command, *rest = args[len(options):]
    results = []
    with FakeSwitch(tmp_path / "sw.sock") as switch:
        for tool in (["ovs-ofctl"], [sys.executable, "-m", "pyvswitch.cli.ofctl"]):
            subprocess.run([*tool, *options, "-O", version, command, switch.target, *rest],
                           capture_output=True, text=True, timeout=30)
            results.append(_requests(switch))
    assert results[0] == results[1]


class RecordingProxy:
    """A Unix socket in front of `upstream` that records what each client sends, as
    (version, type, bytes after the transaction id) per message, HELLOs left out."""

    def __init__(self, path, upstream: str):
        self.path, self.upstream = str(path), upstream
        self.sent: list = []
        self._listener = socket.socket(socket.AF_UNIX)
        self._listener.bind(self.path)
        self._listener.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.upstream)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False),
                             daemon=True).start()

    def _pump(self, source, sink, record):
        buffer = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                for end in (source, sink):
                    end.close()
                return
            if record:
                buffer += data
                while len(buffer) >= 8 and len(buffer) >= int.from_bytes(buffer[2:4], "big"):
                    length = int.from_bytes(buffer[2:4], "big")
                    if buffer[1] != 0:
                        self.sent.append((buffer[0], buffer[1], buffer[8:length].hex()))
                    buffer = buffer[length:]
            try:
                sink.sendall(data)
            except OSError:
                return

    def take(self) -> list:
        time.sleep(0.2)
        sent, self.sent = self.sent, []
        return sent

    def close(self):
        self._listener.close()


@needs_stock_ovs
@pytest.mark.parametrize("version,table,setting", [
    ("OpenFlow15", "1", "evict"), ("OpenFlow14", "2", "noevict"),
    ("OpenFlow15", "3", "vacancy:10,20"), ("OpenFlow15", "3", "novacancy"),
    ("OpenFlow15", "all", "evict"), ("OpenFlow11", "1", "continue"),
    ("OpenFlow11,OpenFlow15", "1", "drop")])
def test_table_mods_on_pyvswitchd_are_stocks(switches, tmp_path, version, table, setting):
    env, target = switches["ours"]
    proxy = RecordingProxy(tmp_path / "proxy.sock", target[len("unix:"):])
    try:
        results = []
        for run in (_stock, _ours):
            outcome = run(env, "unix:" + proxy.path, version, "mod-table", table, setting)
            results.append((outcome, proxy.take()))
    finally:
        proxy.close()
    assert results[0] == results[1]
    kinds = [kind for _version, kind, _body in results[0][1]]
    table_descs = [body for _version, kind, body in results[0][1]
                   if kind == 18 and body.startswith("000e")]
    assert (17 in kinds) == (results[0][0][0] == 0)
    # Every 1.4+ table mod follows a table desc request; "all" is 254 of each.
    mods_14 = [kind for version, kind, _body in results[0][1] if kind == 17 and version >= 5]
    assert len(table_descs) == len(mods_14) == (254 if table == "all" and "15" in version
                                                 else len(mods_14))
