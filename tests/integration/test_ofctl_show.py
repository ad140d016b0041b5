"""pyvs-ofctl and stock ovs-ofctl against a bridge's management socket (ConnectionManager on a
private run directory, answering from a fake switch view)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.cli import ofctl
from pyvswitch.ofproto.connmgr import ConnectionManager, PortInfo
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import flags as f
from pyvswitch.ofproto.protocol import messages as m

STOCK_OFCTL = shutil.which("ovs-ofctl")
needs_stock = pytest.mark.skipif(STOCK_OFCTL is None, reason="stock ovs-ofctl not installed")
VETH = f.VIRTUAL_ETHERNET_FEATURES


class FakeView:
    def __init__(self, ports):
        self.port_list = ports

    def datapath_id(self):
        return 0x000072aad860ba4b

    def ports(self):
        return list(self.port_list)

    def flow_tables(self):
        return None             # a switch without OpenFlow tables: flow requests are refused


BRIDGE_PORTS = [
    PortInfo(0xfffe, "br0", bytes.fromhex("72aad860ba4b"), admin_down=True, link_down=True,
             curr=VETH),
    PortInfo(1, "port0", bytes.fromhex("aa55aa55000f"), curr=VETH),
    PortInfo(2, "veth11", bytes.fromhex("aa55aa550010"), link_down=True, curr=VETH),
    PortInfo(3, "p3", bytes.fromhex("aa55aa550011")),
]


@pytest.fixture
def bridge(monkeypatch):
    rundir = tempfile.mkdtemp(prefix="pyvs-ofctl-test-")
    monkeypatch.setenv("PYVS_RUNDIR", rundir)
    view = FakeView(BRIDGE_PORTS)
    manager = ConnectionManager("br0", rundir, view)
    manager.start()
    try:
        yield manager, view, rundir
    finally:
        manager.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def pyvs_ofctl(capsys, *args):
    code = ofctl.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stock_ofctl(rundir, *args):
    result = subprocess.run([STOCK_OFCTL, *args], capture_output=True, text=True, timeout=10,
                            env=dict(os.environ, OVS_RUNDIR=rundir))
    return result.returncode, result.stdout, result.stderr


PORT_LINES_10 = (
    " 1(port0): addr:aa:55:aa:55:00:0f\n     config:     0\n     state:      {live}\n"
    "     current:    10GB-FD COPPER\n     speed: 10000 Mbps now, 0 Mbps max\n"
    " 2(veth11): addr:aa:55:aa:55:00:10\n     config:     0\n     state:      LINK_DOWN\n"
    "     current:    10GB-FD COPPER\n     speed: 10000 Mbps now, 0 Mbps max\n"
    " 3(p3): addr:aa:55:aa:55:00:11\n     config:     0\n     state:      {live}\n"
    "     speed: 0 Mbps now, 0 Mbps max\n"
    " LOCAL(br0): addr:72:aa:d8:60:ba:4b\n     config:     PORT_DOWN\n"
    "     state:      LINK_DOWN\n     current:    10GB-FD COPPER\n"
    "     speed: 10000 Mbps now, 0 Mbps max\n")

SHOW_10 = (
    "OFPT_FEATURES_REPLY (xid=0x2): dpid:000072aad860ba4b\n"
    "n_tables:254, n_buffers:0\n"
    "capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP\n"
    "actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst "
    "mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst\n"
    + PORT_LINES_10.format(live="0") +
    "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0\n")

SHOW_13 = (
    "OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): dpid:000072aad860ba4b\n"
    "n_tables:254, n_buffers:0\n"
    "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS\n"
    "OFPST_PORT_DESC reply (OF1.3) (xid=0x3):\n"
    + PORT_LINES_10.format(live="LIVE") +
    "OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x5): frags=normal miss_send_len=0\n")


def test_show(bridge, capsys):
    assert pyvs_ofctl(capsys, "show", "br0") == (0, SHOW_10, "")
    assert pyvs_ofctl(capsys, "-O", "OpenFlow13", "show", "br0") == (0, SHOW_13, "")


@needs_stock
def test_stock_show_sees_the_same(bridge):
    rundir = bridge[2]
    assert stock_ofctl(rundir, "show", "br0") == (0, SHOW_10, "")
    assert stock_ofctl(rundir, "-O", "OpenFlow13", "show", "br0") == (0, SHOW_13, "")


@needs_stock
@pytest.mark.parametrize("args", [
    ["show", "br0"], ["-O", "OpenFlow11", "show", "br0"], ["-O", "OpenFlow12", "show", "br0"],
    ["-O", "OpenFlow14", "show", "br0"], ["-O", "OpenFlow15", "show", "br0"],
    ["-O", "OpenFlow10,OpenFlow13", "show", "br0"],
    ["dump-ports-desc", "br0"], ["-O", "OpenFlow13", "dump-ports-desc", "br0"],
    ["-O", "OpenFlow15", "dump-ports-desc", "br0", "veth11"],
    ["-O", "OpenFlow15", "dump-ports-desc", "br0", "LOCAL"],
    ["dump-ports-desc", "br0", "3"], ["dump-ports-desc", "br0", "nosuch"],
    ["dump-desc", "br0"], ["-O", "OpenFlow14", "dump-desc", "br0"],
    ["show", "br9"], ["show", "unix:br0.mgmt"], ["show"], ["show", "br0", "x"],
    ["-O", "OpenFlow16", "show", "br0"], ["frob", "br0"],
])
def test_pyvs_ofctl_prints_what_stock_ovs_ofctl_prints(bridge, capsys, args):
    stock_code, stock_out, stock_err = stock_ofctl(bridge[2], *args)
    code, out, err = pyvs_ofctl(capsys, *args)
    assert (code, out) == (stock_code, stock_out)
    assert err == stock_err.replace("ovs-ofctl:", "pyvs-ofctl:")


def test_more_ports_than_a_features_reply_holds(bridge, capsys):
    """1.0 features replies hold 1364 ports; the rest come from a port-description request,
    which itself spans two messages."""
    view = bridge[1]
    view.port_list = [PortInfo(n, "p%d" % n, bytes(6)) for n in range(1, 1601)]
    code, out, _ = pyvs_ofctl(capsys, "show", "br0")
    assert code == 0
    assert out.count("addr:") == 1600
    assert "OFPST_PORT_DESC reply (xid=0x3): flags=[more]\n" in out
    assert out.endswith("OFPT_GET_CONFIG_REPLY (xid=0x5): frags=normal miss_send_len=0\n")
    if STOCK_OFCTL:
        assert stock_ofctl(bridge[2], "show", "br0")[1] == out


def test_after_stop_the_bridge_is_gone(bridge, capsys):
    manager, _, rundir = bridge
    manager.stop()
    assert not os.path.exists(os.path.join(rundir, "br0.mgmt"))
    assert pyvs_ofctl(capsys, "show", "br0") == (
        1, "", "pyvs-ofctl: br0 is not a bridge or a socket\n")


class RawClient:
    """A hand-driven OpenFlow 1.3 client, to see exactly what the switch sends."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.buffer = b""
        self.sock.sendall(bytes.fromhex("04000010000000010001000800000010"))
        assert isinstance(self.receive(), m.Hello)

    def send(self, message):
        self.sock.sendall(codec.encode(message))

    def receive(self):
        while True:
            length = codec.message_length(self.buffer)
            if length is not None and len(self.buffer) >= length:
                data, self.buffer = self.buffer[:length], self.buffer[length:]
                return codec.decode(data)
            chunk = self.sock.recv(65536)
            assert chunk, "switch closed the connection"
            self.buffer += chunk

    def close(self):
        self.sock.close()


def test_port_status_goes_to_clients_that_asked(bridge):
    manager, _, rundir = bridge
    path = os.path.join(rundir, "br0.mgmt")
    listening, quiet = RawClient(path), RawClient(path)
    try:
        listening.send(m.SetConfig(version=4, xid=2, flags=0, miss_send_len=0xffff))
        listening.send(m.BarrierRequest(version=4, xid=3))
        assert listening.receive() == m.BarrierReply(version=4, xid=3)
        new_port = PortInfo(9, "p9", bytes.fromhex("020000000009"), curr=VETH)
        manager.port_status(m.OFPPR_ADD, new_port)
        status = listening.receive()
        assert isinstance(status, m.PortStatus) and status.xid == 0
        assert status.reason == m.OFPPR_ADD
        assert (status.port.port_no, status.port.name, status.port.state) == (
            9, "p9", f.PortState.LIVE)
        assert status.port.curr_speed == 10_000_000
        time.sleep(0.1)
        quiet.send(m.BarrierRequest(version=4, xid=4))
        assert quiet.receive() == m.BarrierReply(version=4, xid=4)
    finally:
        listening.close()
        quiet.close()


def test_switch_config_and_unsupported_requests(bridge):
    path = os.path.join(bridge[2], "br0.mgmt")
    client, other = RawClient(path), RawClient(path)
    try:
        client.send(m.SetConfig(version=4, xid=2, flags=1, miss_send_len=128))
        client.send(m.GetConfigRequest(version=4, xid=3))
        assert client.receive() == m.GetConfigReply(version=4, xid=3, flags=1,
                                                    miss_send_len=128)
        # Fragment handling is the bridge's, miss_send_len the connection's.
        other.send(m.GetConfigRequest(version=4, xid=5))
        assert other.receive() == m.GetConfigReply(version=4, xid=5, flags=1,
                                                   miss_send_len=0)
        client.send(m.SetConfig(version=4, xid=6, flags=4, miss_send_len=0))
        error = client.receive()
        assert (error.type, error.code, error.xid) == (10, 0, 6)
        truncated_flow_mod = bytes.fromhex("040e000800000007")
        client.sock.sendall(truncated_flow_mod)
        error = client.receive()
        assert (error.type, error.code, error.data) == (1, 6, truncated_flow_mod)   # BAD_LEN
        meter_mod = bytes.fromhex("041d000800000007")       # not implemented yet
        client.sock.sendall(meter_mod)
        error = client.receive()
        assert (error.type, error.code, error.data) == (1, 1, meter_mod)            # BAD_TYPE
        client.send(m.FeaturesReply(version=4, xid=8, datapath_id=1))
        assert client.receive().code == 1
        client.send(m.BarrierRequest(version=4, xid=9))
        assert client.receive() == m.BarrierReply(version=4, xid=9)
    finally:
        client.close()
        other.close()


def test_console_script_runs(bridge):
    result = subprocess.run(["pyvs-ofctl", "-O", "OpenFlow13", "show", "br0"],
                            capture_output=True, text=True, timeout=10)
    assert (result.returncode, result.stdout) == (0, SHOW_13)
