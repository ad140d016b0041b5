"""Tunnel ports as a bridge and the datapath see them: NORMAL through tunnel ports, the tunnel
output actions translation builds, received tunnel metadata in flow keys and megaflows."""
from pyvswitch import fields as F
from pyvswitch.datapath import actions as dpa
from pyvswitch.datapath.dpctl import format_actions, format_key
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.netdev.tunnel import parse_options
from pyvswitch.ofproto.bridge import Bridge
from tests.unit.datapath.fake_netdev import FakeNetdev
from tests.unit.ofproto.fakeswitch import eth

VM1, VM2, FAR = "00:00:00:00:00:01", "00:00:00:00:00:02", "00:00:00:00:00:03"
BCAST = "ff:ff:ff:ff:ff:ff"


class FakeTunnel(FakeNetdev):
    """A tunnel port without sockets: received frames carry tunnel key bits, sent ones a header."""
    rx_metadata = True

    def __init__(self, name, kind, options):
        super().__init__(name, kind, accepts_offloads=True)
        self.tunnel_config = parse_options(name, kind, options)


def metadata(tun_id, src, dst):
    return (tun_id << F.SHIFT_TUN_ID | int.from_bytes(bytes(map(int, src.split("."))), "big")
            << F.SHIFT_TUN_SRC | int.from_bytes(bytes(map(int, dst.split("."))), "big")
            << F.SHIFT_TUN_DST)


class Host:
    """br-int with a VM port (ofport 1) and tunnel ports (ofports 2, 3, ...)."""

    def __init__(self, *tunnels):
        self.clock = lambda: 1000.0
        self.dp = Datapath(clock=self.clock)
        self.bridge = Bridge("br-int", self.dp, clock=self.clock)
        self.vm = FakeNetdev("vm")
        self.bridge.add_port(1, "vm", self.vm)
        self.tunnels = []
        for ofport, (kind, options) in enumerate(tunnels, start=2):
            tunnel = FakeTunnel("t%d" % ofport, kind, options)
            self.bridge.add_port(ofport, tunnel.name, tunnel)
            self.tunnels.append(tunnel)
        self.dp_ports = self.bridge.dp_ports()

    def from_vm(self, frame):
        self.dp.receive(self.dp_ports[1], [(frame, None)])

    def from_tunnel(self, index, frame, bits):
        self.dp.receive(self.dp_ports[index + 2], [(frame, None, bits)])


GENEVE = ("geneve", {"remote_ip": "10.1.1.42", "key": "1", "csum": "true"})


def test_normal_floods_into_a_tunnel_with_its_header_and_learns_from_it():
    host = Host(GENEVE)
    tunnel = host.tunnels[0]
    host.from_vm(eth(VM1, BCAST))
    [(frame, vnet, header)] = tunnel.sent
    assert frame == eth(VM1, BCAST)
    assert (header.kind, header.tun_id, header.ip_dst, header.dst_port, header.csum, header.df,
            header.ttl) == ("geneve", 1, "10.1.1.42", 6081, True, True, 64)
    # The reply arrives through the tunnel, is learned there and goes to the VM only ...
    host.from_tunnel(0, eth(VM2, VM1), metadata(1, "10.1.1.42", "10.1.1.41"))
    assert host.vm.frames() == [eth(VM2, VM1)]
    # ... and unicast to VM2 now leaves through the tunnel alone.
    host.from_vm(eth(VM1, VM2))
    assert len(tunnel.sent) == 2 and tunnel.sent[1][0] == eth(VM1, VM2)
    assert host.vm.frames() == [eth(VM2, VM1)]


def test_tunnel_metadata_reaches_the_flow_key_and_key_flow_outputs_depend_on_it():
    host = Host(("vxlan", {"remote_ip": "flow", "key": "flow"}),
                ("vxlan", {"remote_ip": "10.0.0.9", "key": "flow"}))
    flow_port, fixed_remote = host.tunnels
    host.from_tunnel(0, eth(FAR, BCAST), metadata(0x138F, "10.0.0.7", "10.0.0.1"))
    # Flooded to the VM and to the other key=flow tunnel, which keeps the packet's tun_id.
    assert host.vm.frames() == [eth(FAR, BCAST)]
    [(_, _, header)] = fixed_remote.sent
    assert (header.tun_id, header.ip_dst, header.dst_port) == (0x138F, "10.0.0.9", 4789)
    [flow] = host.dp.dump_flows()
    assert F.FIELDS["tun_id"].get(flow.key) == 0x138F
    assert F.FIELDS["tun_id"].get(flow.mask) == (1 << 64) - 1     # the VNI sent depends on it
    assert format_key(flow.key, flow.mask).startswith("tunnel(tun_id=0x138f),recirc_id(0),")
    assert "set(tunnel(tun_id=0x138f,dst=10.0.0.9,ttl=64,tp_dst=4789,flags(df|key))),%d" \
        % host.dp_ports[3] in format_actions(flow.actions, flow.key)
    # Another VNI is another megaflow, sent with its own VNI.
    host.from_tunnel(0, eth(FAR, BCAST), metadata(7, "10.0.0.7", "10.0.0.1"))
    assert fixed_remote.sent[1][2].tun_id == 7 and len(host.dp.dump_flows()) == 2


def test_remote_ip_flow_needs_a_destination_from_the_flow():
    host = Host(("geneve", {"remote_ip": "flow", "key": "5"}))
    host.from_vm(eth(VM1, BCAST))        # the VM's packet has no tun_dst: nothing to send to
    assert host.tunnels[0].sent == []
    bridge_actions, _ = host.bridge.translate(
        host.dp_ports[1] | metadata(0, "0.0.0.0", "10.0.0.5") | (0xFFFFFFFFFFFF << F.SHIFT_DL_DST),
        None, side_effects=False)
    [action] = [a for a in bridge_actions if a[0] == dpa.TUNNEL_OUTPUT]
    assert (action[2].ip_dst, action[2].tun_id) == ("10.0.0.5", 5)


def test_tunnel_port_removal_stops_output():
    host = Host(GENEVE)
    host.bridge.remove_port(2)
    host.from_vm(eth(VM1, BCAST))
    assert host.tunnels[0].sent == []
