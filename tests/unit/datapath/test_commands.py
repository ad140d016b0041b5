"""The datapath's unixctl commands, called the way the unixctl server calls them."""
import ovs.unixctl
import ovs.util
import pytest

from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.commands import register_unixctl_commands
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import FlowView
from tests.unit.datapath.fake_netdev import FakeNetdev
from tests.unit.datapath.test_dpif import Clock, frame

NAMES = ("dpctl/show", "dpctl/dump-flows", "dpctl/del-flows", "dpif/show", "upcall/show",
         "upcall/disable-megaflows", "upcall/enable-megaflows", "upcall/set-flow-limit",
         "revalidator/purge", "revalidator/wait")


class Conn:
    def __init__(self):
        self.replies = []

    def reply(self, text):
        self.replies.append(("ok", text))

    def reply_error(self, text):
        self.replies.append(("error", text))


class Bridge:
    """What the commands need of a bridge: its name, ports and their OpenFlow numbers."""

    def __init__(self, datapath, ports):
        self.ports = {}
        for ofport, netdev in ports.items():
            self.ports[ofport] = (netdev.name, datapath.add_port(netdev, self))

    def translate(self, key, frame, *, side_effects):
        view = FlowView(key)
        return ([dpa.output(2)] if view.get("in_port") == 1 else []), view.wc

    def dp_ports(self):
        return {ofport: dp_port for ofport, (_, dp_port) in self.ports.items()}

    def port_name(self, ofport):
        return self.ports[ofport][0]

    def patch_ports(self):
        return {}


@pytest.fixture
def appctl(monkeypatch):
    monkeypatch.setattr(ovs.unixctl, "commands", {})
    monkeypatch.setattr(ovs.util, "PROGRAM_NAME", "ovs-vswitchd")
    clock = Clock()
    dp = Datapath(dummy=True, clock=clock)
    bridges = {"br0": Bridge(dp, {65534: FakeNetdev("br0", "internal"), 1: FakeNetdev("p1"),
                                  2: FakeNetdev("p2")})}
    register_unixctl_commands(dp, lambda: bridges)
    assert set(NAMES) <= set(ovs.unixctl.commands)

    def call(*argv):
        command = ovs.unixctl.commands[argv[0]]
        assert command.min_args <= len(argv) - 1 <= command.max_args
        conn = Conn()
        command.callback(conn, list(argv[1:]), command.aux)
        assert len(conn.replies) == 1
        status, text = conn.replies[0]
        return text if status == "ok" else ("error", text)
    call.dp = dp
    call.clock = clock
    return call


def test_show_and_dpif_show(appctl):
    assert appctl("dpctl/show") == (
        "netdev@ovs-netdev:\n"
        "  lookups: hit:0 missed:0 lost:0\n"
        "  flows: 0\n"
        "  masks: hit:0 total:0 hit/pkt:0.00\n"
        "  port 0: ovs-netdev (dummy-internal)\n"
        "  port 1: p1 (dummy)\n"
        "  port 2: p2 (dummy)\n"
        "  port 100: br0 (dummy-internal)\n")
    assert appctl("dpif/show") == (
        "netdev@ovs-netdev: hit:0 missed:0\n"
        "  br0:\n"
        "    br0 65534/100: (dummy-internal)\n"
        "    p1 1/1: (dummy)\n"
        "    p2 2/2: (dummy)\n")
    assert appctl("dpctl/show", "netdev@ovs-netdev").startswith("netdev@ovs-netdev:\n")
    assert appctl("dpctl/show", "bogus") == (
        "error", "ovs-vswitchd: opening datapath bogus failed (No such device)\n")
    assert appctl("dpctl/show", "ovs-netdev") == (
        "error", "ovs-vswitchd: opening datapath ovs-netdev failed (Invalid argument)\n")


def test_show_statistics(appctl):
    text = appctl("dpctl/show", "-s")
    assert "  port 1: p1 (dummy)\n    RX packets:0 errors:0 dropped:0 overruns:? frame:?\n" \
           "    TX packets:0 errors:0 dropped:0 aborted:? carrier:?\n    collisions:0\n" \
           "    RX bytes:0  TX bytes:0\n" in text


def test_dump_and_delete_flows(appctl):
    assert appctl("dpctl/dump-flows") == ""
    appctl.dp.receive(1, [(frame(), None)] * 3)
    appctl.clock.now += 0.25
    assert appctl("dpctl/dump-flows") == (
        "flow-dump from the main thread:\n"
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(frag=no), "
        "packets:2, bytes:108, used:0.250s, flags:S, actions:2\n")
    assert "in_port(p1)," in appctl("dpctl/dump-flows", "--names")
    assert appctl("dpctl/dump-flows", "-m").startswith("flow-dump from the main thread:\nufid:")
    assert appctl("dpctl/dump-flows", "filter=in_port=2") == ""
    assert appctl("dpctl/dump-flows", "filter=tcp,in_port=p1") != ""
    assert appctl("dpctl/dump-flows", "filter=foo=1")[0] == "error"
    assert appctl("dpctl/dump-flows", "netdev@x") == (
        "error", "ovs-vswitchd: opening datapath netdev@x failed (No such device)\n")
    assert appctl("dpctl/show").splitlines()[1:4] == ["  lookups: hit:2 missed:1 lost:0",
                                                      "  flows: 1",
                                                      "  masks: hit:1 total:1 hit/pkt:0.33"]
    assert appctl("dpctl/del-flows") == ""
    assert appctl("dpctl/dump-flows") == ""


def test_upcall_commands(appctl):
    appctl.dp.receive(1, [(frame(), None)])
    appctl("revalidator/wait")
    assert appctl("upcall/show") == (
        "netdev@ovs-netdev:\n"
        "  flows         : (current 1) (avg 0) (max 1) (limit 10000)\n"
        "  dump duration : 1ms\n"
        "  ufid enabled : true\n"
        "\n"
        "  1: (keys 1)\n")
    assert appctl("upcall/disable-megaflows") == "megaflows disabled\n"
    assert appctl.dp.stats().n_flows == 0 and not appctl.dp.megaflows_enabled
    assert appctl("upcall/enable-megaflows") == "megaflows enabled\n"
    assert appctl("upcall/set-flow-limit", "500") == "set flow_limit to 500\n"
    assert "(limit 500)" in appctl("upcall/show")
    appctl.dp.receive(1, [(frame(), None)])
    assert appctl("revalidator/purge") == ""
    assert appctl.dp.stats().n_flows == 0
