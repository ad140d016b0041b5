"""NORMAL switching in the whole daemon: dummy ports configured with stock ovs-vsctl, frames
injected with `netdev-dummy/receive`, what each port sent read back from its tx_pcap, and the
fdb/* commands answering like ovs-vswitchd 3.1.

One daemon (on a stock ovsdb-server) serves the module; each test makes its own bridge.
"""
import itertools
import os
import re
import time

import pytest

from pyvswitch import dirs
from pyvswitch.netdev.pcap import read_frames
from tests.harness import Daemon, stock_ovsdb_server
from tests.unit.ofproto.fakeswitch import eth, tag_of

A, B, C = "50:54:00:00:00:0a", "50:54:00:00:00:0b", "50:54:00:00:00:0c"
BCAST = "ff:ff:ff:ff:ff:ff"

_bridge_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("normal-db"))
    with stock_ovsdb_server(directory, dirs.schema_path()) as remote:
        with Daemon(database=remote) as d:
            yield d


class Bridge:
    """A bridge whose ports (named like the bridge plus p1, p2, ...) record what they send."""

    def __init__(self, daemon, nports, **port_settings):
        n = next(_bridge_numbers)
        self.daemon = daemon
        self.name = "nbr%d" % n
        self.ports = {"LOCAL": self.name}
        self.ports.update({i: "n%dp%d" % (n, i) for i in range(1, nports + 1)})
        self._seen = {port: 0 for port in self.ports}
        cmd = ["add-br", self.name, "--", "set", "interface", self.name,
               "options:tx_pcap=" + self._pcap("LOCAL")]
        for i in range(1, nports + 1):
            cmd += ["--", "add-port", self.name, self.ports[i],
                    "--", "set", "interface", self.ports[i], "ofport_request=%d" % i,
                    "options:tx_pcap=" + self._pcap(i)]
            for setting in port_settings.get("p%d" % i, ()):
                cmd += ["--", "set", "port", self.ports[i], setting]
        daemon.vsctl(*cmd)

    def _pcap(self, port):
        return os.path.join(self.daemon.paths.rundir, "%s.pcap" % self.ports[port])

    def sent(self, port):
        try:
            with open(self._pcap(port), "rb") as f:
                return read_frames(f.read())
        except FileNotFoundError:
            return []

    def receive(self, port, frame):
        self.daemon.appctl("netdev-dummy/receive", self.ports[port], frame.hex())

    def _lookups(self):
        """Frames the datapath has processed so far (every frame is one hit, miss or loss)."""
        show = self.daemon.appctl("dpctl/show").stdout
        counts = re.search(r"lookups: hit:(\d+) missed:(\d+) lost:(\d+)", show).groups()
        return sum(int(n) for n in counts)

    def send(self, port, frame):
        """Inject `frame` on `port`; {port: tag} for each port it left through, tag being
        None (untagged) or (vid, pcp)."""
        before = self._lookups()
        self.receive(port, frame)
        deadline = time.monotonic() + 10
        # dpctl/show runs between datapath batches, so once it counts the frame, the frame's
        # batch has been transmitted.
        while self._lookups() == before:
            assert time.monotonic() < deadline, "the datapath never processed the frame"
            time.sleep(0.01)
        result = {}
        for port in self.ports:
            frames = self.sent(port)
            new, self._seen[port] = frames[self._seen[port]:], len(frames)
            assert len(new) <= 1, "%d copies on port %s" % (len(new), port)
            if new:
                result[port] = tag_of(new[0])
        return result

    def appctl(self, *args, check=True):
        return self.daemon.appctl(*args, check=check)


def test_learning_flooding_and_no_hairpin(daemon):
    br = Bridge(daemon, 3)
    assert br.send(1, eth(A, B)) == {2: None, 3: None, "LOCAL": None}
    assert br.send(2, eth(B, A)) == {1: None}
    assert br.send(1, eth(A, B)) == {2: None}
    assert br.send(1, eth(A, BCAST)) == {2: None, 3: None, "LOCAL": None}
    assert br.send(2, eth(C, B)) == {}                   # B is on port 2 itself
    assert br.send(3, eth(B, C)) == {2: None}            # B moved to port 3, C is on 2
    assert br.send(1, eth(A, B)) == {3: None}


def test_vlans_and_reconfiguration(daemon):
    br = Bridge(daemon, 3, p1=["tag=10"], p2=["trunks=10,20"],
                p3=["vlan_mode=native-untagged", "tag=20", "trunks=10"])
    assert br.send(1, eth(A, BCAST)) == {2: (10, 0), 3: (10, 0), "LOCAL": (10, 0)}
    assert br.send(2, eth(B, BCAST, vid=20, pcp=5)) == {3: None, "LOCAL": (20, 5)}
    assert br.send(2, eth(B, BCAST, vid=30)) == {}
    assert br.send(1, eth(A, BCAST, vid=10)) == {}       # tagged frame on an access port
    assert br.send(3, eth(C, A, vid=10)) == {1: None}    # learned on port 1 in VLAN 10
    daemon.vsctl("set", "port", br.ports[1], "tag=20")
    assert br.send(1, eth(A, BCAST)) == {2: (20, 0), 3: None, "LOCAL": (20, 0)}
    assert br.send(3, eth(C, A)) == {1: None}            # A relearned in VLAN 20


def test_fdb_show_and_flush(daemon):
    br = Bridge(daemon, 2)
    br.send(1, eth(A, BCAST))
    br.send("LOCAL", eth(B, BCAST, vid=7))
    show = br.appctl("fdb/show", br.name).stdout
    assert show == (" port  VLAN  MAC                Age\n"
                    "    1     0  50:54:00:00:00:0a    0\n"
                    "LOCAL     7  50:54:00:00:00:0b    0\n")
    stats = br.appctl("fdb/stats-show", br.name).stdout
    assert stats.startswith('Statistics for bridge "%s":\n'
                            "  Current/maximum MAC entries in the table: 2/8192\n" % br.name)
    assert br.appctl("fdb/flush", br.name).stdout == "table successfully flushed\n"
    assert br.appctl("fdb/show", br.name).stdout == " port  VLAN  MAC                Age\n"
    br.send(1, eth(A, BCAST))
    assert br.appctl("fdb/flush").stdout == "table successfully flushed\n"
    assert br.appctl("fdb/show", br.name).stdout == " port  VLAN  MAC                Age\n"
    assert br.send(2, eth(B, A)) == {1: None, "LOCAL": None}


def test_fdb_errors(daemon):
    for command in (["fdb/show", "nosuchbr"], ["fdb/flush", "nosuchbr"],
                    ["fdb/stats-show", "nosuchbr"]):
        result = daemon.appctl(*command, check=False)
        assert result.returncode == 2
        assert result.stderr.startswith("no such bridge\n")
    result = daemon.appctl("fdb/show", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith('"fdb/show" command requires at least 1 arguments\n')


def test_mac_table_size_from_other_config(daemon):
    br = Bridge(daemon, 2)
    daemon.vsctl("set", "bridge", br.name, "other_config:mac-table-size=3")
    for n in range(12):
        br.send(1 + n % 2, eth("50:54:00:00:01:%02x" % n, BCAST))
    rows = br.appctl("fdb/show", br.name).stdout.splitlines()[1:]
    assert len(rows) == 10                               # forced up to the minimum, 10
    assert rows[-1].split()[2] == "50:54:00:00:01:0b"
