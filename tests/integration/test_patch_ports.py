"""Patch ports in the whole daemon, configured with stock ovs-vsctl: frames injected with
`netdev-dummy/receive` on one bridge leave the other bridge's ports (read back from their
tx_pcap), and the Interface columns, `ovs-vsctl show`, `dpif/show` and `ovs-ofctl show` say
what stock ovs-vswitchd 3.1 says (checked against it with --enable-dummy=override).

One daemon serves the module; each test makes its own bridges and patch ports.
"""
import itertools
import os
import re
import time

import pytest

from pyvswitch.netdev.pcap import read_frames
from tests.harness import Daemon
from tests.unit.ofproto.fakeswitch import eth, tag_of

A, B = "50:54:00:00:00:0a", "50:54:00:00:00:0b"
BCAST = "ff:ff:ff:ff:ff:ff"

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def daemon():
    with Daemon() as d:
        yield d


def columns(daemon, iface, *names):
    out = daemon.vsctl("--bare", "--columns=" + ",".join(names), "list", "interface",
                       iface).stdout
    return out.split("\n")[:len(names)]


def patch_cmd(bridge, port, peer, *settings):
    return ["--", "add-port", bridge, port, "--", "set", "interface", port, "type=patch",
            "options:peer=" + peer, *settings]


class Pair:
    """Bridges xbrN and ybrN, ports xNp1/xNp2 and yNp1/yNp2 (OpenFlow ports 1 and 2) that
    record what they send, joined by patch ports xNpatch (port 10) and yNpatch (port 10)."""

    def __init__(self, daemon, **port_settings):
        n = next(_numbers)
        self.daemon = daemon
        self.bridges = ("xbr%d" % n, "ybr%d" % n)
        self.patch = {"x": "x%dpatch" % n, "y": "y%dpatch" % n}
        self.ports = {}
        cmd = []
        for side, bridge in zip("xy", self.bridges):
            cmd += ["--", "add-br", bridge, "--", "set", "interface", bridge,
                    "options:tx_pcap=" + self._pcap(bridge)]
            self.ports[side + "L"] = bridge
            for i in (1, 2):
                name = self.ports["%s%d" % (side, i)] = "%s%dp%d" % (side, n, i)
                cmd += ["--", "add-port", bridge, name, "--", "set", "interface", name,
                        "ofport_request=%d" % i, "options:tx_pcap=" + self._pcap(name)]
                cmd += [arg for setting in port_settings.get("%s%d" % (side, i), ())
                        for arg in ("--", "set", "port", name, setting)]
        cmd += patch_cmd(self.bridges[0], self.patch["x"], self.patch["y"], "ofport_request=10")
        cmd += patch_cmd(self.bridges[1], self.patch["y"], self.patch["x"], "ofport_request=10")
        daemon.vsctl(*cmd[1:])
        self._seen = {port: 0 for port in self.ports}

    def _pcap(self, name):
        return os.path.join(self.daemon.paths.rundir, "%s.pcap" % name)

    def _lookups(self):
        show = self.daemon.appctl("dpctl/show").stdout
        return sum(int(n) for n in re.search(r"lookups: hit:(\d+) missed:(\d+) lost:(\d+)",
                                             show).groups())

    def send(self, port, frame):
        """Inject `frame` on `port` ("x1", "y2", ...): {port: tag} where it left."""
        before = self._lookups()
        self.daemon.appctl("netdev-dummy/receive", self.ports[port], frame.hex())
        deadline = time.monotonic() + 10
        while self._lookups() == before:
            assert time.monotonic() < deadline, "the datapath never processed the frame"
            time.sleep(0.01)
        result = {}
        for port, name in self.ports.items():
            try:
                with open(self._pcap(name), "rb") as f:
                    frames = read_frames(f.read())
            except FileNotFoundError:
                frames = []
            new, self._seen[port] = frames[self._seen[port]:], len(frames)
            assert len(new) <= 1, "%d copies on port %s" % (len(new), port)
            if new:
                result[port] = tag_of(new[0])
        return result


def test_frames_cross_from_one_bridge_to_the_other(daemon):
    pair = Pair(daemon)
    assert pair.send("x1", eth(A, BCAST)) == {"x2": None, "xL": None,
                                              "y1": None, "y2": None, "yL": None}
    assert pair.send("y2", eth(B, A)) == {"x1": None}
    assert pair.send("x1", eth(A, B)) == {"y2": None}
    fdb = daemon.appctl("fdb/show", pair.bridges[1]).stdout
    assert "   10     0  50:54:00:00:00:0a" in fdb
    # One datapath flow covers the whole path, with outputs on both bridges.
    flows = daemon.appctl("dpctl/dump-flows").stdout
    assert any("eth(src=%s,dst=%s)" % (A, BCAST) in line and len(line.split("actions:")[1]
                                                                  .split(",")) == 5
               for line in flows.splitlines()), flows


def test_vlans_cross_as_the_patch_port_sends_them(daemon):
    pair = Pair(daemon, x1=["tag=5"], y1=["trunks=5"], y2=["tag=5"])
    assert pair.send("x1", eth(A, BCAST)) == {"x2": (5, 0), "xL": (5, 0),
                                              "y1": (5, 0), "y2": None, "yL": (5, 0)}
    daemon.vsctl("set", "port", pair.patch["x"], "tag=5")
    assert pair.send("x1", eth(A, BCAST)) == {"x2": (5, 0), "xL": (5, 0), "yL": None}


def test_a_patch_loop_drops_and_counts(daemon):
    pair = Pair(daemon)
    x, y = pair.bridges
    loop = "loop%s" % x
    daemon.vsctl(*(patch_cmd(x, loop + "a", loop + "b") + patch_cmd(y, loop + "b", loop + "a"))[1:])
    assert pair.send("x1", eth(A, BCAST)) == {}
    coverage = daemon.appctl("coverage/show").stdout
    assert re.search(r"^drop_action_recursion_too_deep .* total: [1-9]", coverage, re.M), coverage
    assert "over max translation depth 64 on bridge" in daemon.log_text()
    daemon.vsctl("del-port", loop + "a")
    assert pair.send("x1", eth(A, BCAST)) == {"x2": None, "xL": None,
                                              "y1": None, "y2": None, "yL": None}


def test_interface_columns_and_errors_as_stock_writes_them(daemon):
    n = next(_numbers)
    br, other, pa, pb, pc = ("ebr%d" % n, "fbr%d" % n, "e%da" % n, "e%db" % n, "e%dc" % n)
    daemon.vsctl("add-br", br, "--", "add-br", other, *patch_cmd(br, pa, pb))
    ofport, error, mac, *status = columns(
        daemon, pa, "ofport", "error", "mac_in_use", "ifindex", "mtu", "link_state",
        "admin_state", "link_resets", "statistics")
    assert (ofport, error) == ("1", "No usable peer '%s' exists in 'system' datapath." % pb)
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) and int(mac[:2], 16) & 3 == 2
    assert status == ["0", "", "up", "up", "0",
                      "rx_bytes=0 rx_packets=0 tx_bytes=0 tx_packets=0"]
    show = daemon.vsctl("show").stdout
    assert ('            Interface %s\n                type: patch\n'
            '                options: {peer=%s}\n'
            '                error: "No usable peer \'%s\' exists in \'system\' datapath."\n'
            % (pa, pb, pb)) in show
    # The peer appears (on another bridge): both are linked, no error on either.
    daemon.vsctl(*patch_cmd(other, pb, pa)[1:])
    assert columns(daemon, pa, "error", "ofport") == ["", "1"]
    assert columns(daemon, pb, "error", "ofport") == ["", "1"]
    dpif = daemon.appctl("dpif/show").stdout
    assert "    %s 1/none: (patch: peer=%s)\n" % (pa, pb) in dpif
    assert "    %s 1/none: (patch: peer=%s)\n" % (pb, pa) in dpif
    ofctl = daemon.run("ovs-ofctl", "show", br).stdout
    assert (" 1(%s): addr:%s\n     config:     0\n     state:      0\n"
            "     speed: 0 Mbps now, 0 Mbps max\n" % (pa, mac)) in ofctl
    # Different datapath types never link.
    daemon.vsctl("set", "bridge", other, "datapath_type=netdev")
    assert columns(daemon, pb, "error") == ["No usable peer '%s' exists in 'netdev' datapath."
                                            % pa]
    daemon.vsctl("set", "bridge", other, "datapath_type=system")
    assert columns(daemon, pb, "error") == [""]
    # The peer goes away: the error is back.
    daemon.vsctl("del-port", pb)
    assert columns(daemon, pa, "error") == ["No usable peer '%s' exists in 'system' datapath."
                                            % pb]
    # Bad options: the port is not added at all.
    added = daemon.vsctl("add-port", br, pc, "--", "set", "interface", pc, "type=patch")
    assert ("Error detected while setting up '%s': %s: patch type requires valid 'peer' "
            "argument.  See ovs-vswitchd log for details." % (pc, pc)) in added.stderr
    assert columns(daemon, pc, "ofport", "error") == [
        "-1", "%s: patch type requires valid 'peer' argument" % pc]
    daemon.vsctl("set", "interface", pc, "options:peer=" + pc)
    assert columns(daemon, pc, "ofport", "error") == ["-1", "%s: patch peer must not be self"
                                                      % pc]
    daemon.vsctl("set", "interface", pc, "options:peer=" + pa, "options:key=1")
    assert columns(daemon, pc, "ofport", "error") == [
        "-1", "%s: patch type takes only a 'peer' argument" % pc]
    daemon.vsctl("remove", "interface", pc, "options", "key")
    assert columns(daemon, pc, "error") == ["No usable peer '%s' exists in 'system' datapath."
                                            % pa]
    assert "patch" in daemon.vsctl("get", "open_vswitch", ".", "iface_types").stdout
