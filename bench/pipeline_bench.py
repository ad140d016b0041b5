"""Forwarding through OpenFlow pipelines: pyvswitchd against stock OVS's userspace datapath, same flows, same run.

Run as root:  python bench/pipeline_bench.py [--seconds 5] [--reps 3] [--only pyvswitch,stock-ovs]
              [--pipelines ten-tables,br-tun] [--setup-frames 20000] [--save-flows DIR] [--show-megaflows]

Each repetition builds, for each pipeline and each switch in turn, a fresh pair of namespaces (bench/topology.py)
whose root-side veths are the bridge's only ports, makes the bridge `fail_mode=secure`, and loads the pipeline with
stock `ovs-ofctl del-flows` + `add-flows`, one flow file for both switches (-O OpenFlow13 for ten-tables'
goto_table; OpenFlow 1.0 + NXM for br-tun, whose learn of NXM_OF_VLAN_TCI has no OpenFlow 1.3 form).  The pipelines:

  ten-tables  10,000 flows in tables 0-9, ~1,000 a table, matching IPv4 source/destination prefixes and addresses
              (UDP/TCP ports too in tables 2, 5 and 8), each a resubmit (even tables) or goto_table (odd tables) to
              the next table, some loading a register; table 9 outputs to the peer by in_port.  Tables 3 and 6 hold
              1,000 host addresses each (sources 10.201/16, destinations 10.202/16): the setup test's frames
              come from those hosts, so each frame needs a megaflow of its own.  Everything else, the namespaces'
              own traffic included, goes through every table by its prefix, address and fallback flows.
  br-tun      shared/SCENARIOS.md story 3's br-tun tables on one bridge: the first veth (ofport 2) plays patch-int
              and gets br-int's VLAN 1 pushed in table 0; the second veth (ofport 3) plays the VXLAN port, its
              frames get the VNI as tun_id in table 0 (what decapsulation would set).  Table 10 learns the source
              into table 20 and strips the VLAN towards the first veth; table 21 answers ARP for the second host;
              tables 20/22 strip the VLAN towards the second veth.  The setup test's frames come into the second
              veth from new source MACs, so each is a new megaflow and a learned flow.

Figures per switch and pipeline (each repetition's figure printed, then min/median/max):
  add_s       ovs-ofctl add-flows of the pipeline's flow file
  tcp_gbps    iperf3 TCP from the first namespace to the second
  setup_kps   thousands of frames a second received at the peer, each of a flow the datapath has no megaflow for
  setup_mf    megaflows the setup test left in the datapath (how many of its frames were really new flows)
  mf_per_1k   megaflows made by 1,000 UDP frames of distinct 5-tuples (ports and addresses outside the hosts
              tables) sent the setup test's way after a warm-up ping, counted as lines of stock
              `ovs-appctl dpctl/dump-flows` before and after (0: all 1,000 hit the ping's megaflows)
  mf_rx       how many of those 1,000 frames reached the peer
  learned     flows in the tables after the run beyond those loaded (br-tun: table 20's learned MACs)
and, on each repetition's line, tables_hit: the tables with a flow whose n_packets grew (ten-tables: all of 0-9).
Ratios are pyvswitch / stock medians; the targets printed beside them are tcp and setup >= 1.0x, megaflows <= stock.
Figures are printed, never asserted.  A switch that fails a step gets the error printed and '-' for the rest.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topology import Pyvswitch, StockOvs, TwoHosts, in_ns, sh  # noqa: E402

MAC_A, MAC_B = "0e:00:00:00:00:0a", "0e:00:00:00:00:0b"
N_HOSTS = 1000
TUN_ID = 0x138F


def _go(table: int) -> str:
    """The rewrite-free way on to the next table: resubmit from even tables, goto_table from odd ones."""
    return "goto_table:%d" % (table + 1) if table % 2 else "resubmit(,%d)" % (table + 1)


def _host(net: int, k: int) -> str:
    return "10.%d.%d.%d" % (net, k >> 8, k & 255)


def ten_table_flows(port_a: int = 1, port_b: int = 2, n_other: int = 995) -> list[str]:
    """The 10-table pipeline; `n_other` flows a table are other tenants' traffic that the bench never sends."""
    lines = []
    for t in range(9):
        go = _go(t)
        kind = ("prefix", "address", "ports", "hosts-src", "prefix", "ports", "hosts-dst", "address", "ports")[t]
        if kind == "prefix":
            for j in range(n_other):
                lines.append("table=%d,priority=200,ip,nw_src=10.%d.%d.%d/26,nw_dst=172.%d.%d.0/24,actions=%s"
                             % (t, 10 + t, j >> 2, (j & 3) * 64, 16 + t, j & 255, go))
            lines.append("table=%d,priority=100,ip,nw_src=10.200.0.0/24,nw_dst=10.200.0.0/24,actions=%s" % (t, go))
        elif kind == "address":
            for j in range(n_other):
                lines.append("table=%d,priority=200,ip,nw_src=%s,nw_dst=%s,actions=load:%d->NXM_NX_REG0[],%s"
                             % (t, _host(10 + t, j), _host(110 + t, j), j, go))
            for src, dst in (("10.200.0.1", "10.200.0.2"), ("10.200.0.2", "10.200.0.1")):
                lines.append("table=%d,priority=100,ip,nw_src=%s,nw_dst=%s,actions=load:%d->NXM_NX_REG0[],%s"
                             % (t, src, dst, 0xffff, go))
        elif kind == "ports":
            proto, port_field = {2: ("udp", "tp_dst"), 5: ("tcp", "tp_dst"), 8: ("udp", "tp_src")}[t]
            for j in range(n_other):
                lines.append("table=%d,priority=200,%s,nw_src=10.%d.%d.0/24,nw_dst=172.%d.0.0/16,%s=%d,actions=%s"
                             % (t, proto, 10 + t, j & 255, 16 + t, port_field, 1000 + j, go))
            lines.append("table=%d,priority=150,tcp,nw_dst=10.200.0.2,tp_dst=5201,actions=%s" % (t, go))
            lines.append("table=%d,priority=150,tcp,nw_src=10.200.0.2,tp_src=5201,actions=%s" % (t, go))
        elif kind == "hosts-src":
            for k in range(N_HOSTS):
                lines.append("table=%d,priority=200,ip,nw_src=%s,actions=load:%d->NXM_NX_REG1[],%s"
                             % (t, _host(201, k), k, go))
        elif kind == "hosts-dst":
            for k in range(N_HOSTS):
                lines.append("table=%d,priority=200,ip,nw_dst=%s,actions=load:%d->NXM_NX_REG2[],%s"
                             % (t, _host(202, k), k, go))
        lines.append("table=%d,priority=1,ip,actions=%s" % (t, go))
        lines.append("table=%d,priority=1,arp,actions=%s" % (t, go))
    for j in range(n_other):
        into, out = (port_a, port_b) if j % 2 == 0 else (port_b, port_a)
        lines.append("table=9,priority=200,in_port=%d,ip,nw_src=%s,nw_dst=10.119.0.0/16,actions=output:%d"
                     % (into, _host(19, j), out))
    lines.append("table=9,priority=100,in_port=%d,ip,nw_dst=10.200.0.2,actions=output:%d" % (port_a, port_b))
    lines.append("table=9,priority=100,in_port=%d,ip,nw_dst=10.200.0.1,actions=output:%d" % (port_b, port_a))
    lines.append("table=9,priority=50,in_port=%d,actions=output:%d" % (port_a, port_b))
    lines.append("table=9,priority=50,in_port=%d,actions=output:%d" % (port_b, port_a))
    return lines


def _arp_responder(ip: str, mac: str) -> str:
    """Table 21's proxy ARP answer for `ip`, sent back untagged (br-int would strip the VLAN)."""
    octets = [int(o) for o in ip.split(".")]
    return ("table=21,priority=1,arp,dl_vlan=1,arp_tpa=%s,actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
            "mod_dl_src:%s,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
            "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0x%s->NXM_NX_ARP_SHA[],load:0x%08x->NXM_OF_ARP_SPA[],"
            "strip_vlan,IN_PORT"
            % (ip, mac, mac.replace(":", ""), octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]))


def br_tun_flows(patch: int = 2, tunnel: int = 3) -> list[str]:
    """Story 3's br-tun, the tunnel port replaced by a veth and br-int's tagging done in table 0."""
    learn = ("learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
             "load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])")
    return [
        "table=0,priority=1,in_port=%d,actions=mod_vlan_vid:1,resubmit(,1)" % patch,
        "table=0,priority=1,in_port=%d,actions=set_tunnel:0x%x,resubmit(,4)" % (tunnel, TUN_ID),
        "table=0,priority=0,actions=drop",
        "table=1,priority=0,actions=resubmit(,2)",
        "table=2,priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff,actions=resubmit(,21)",
        "table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,20)",
        "table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,22)",
        "table=4,priority=1,tun_id=0x%x,actions=mod_vlan_vid:1,resubmit(,9)" % TUN_ID,
        "table=4,priority=0,actions=drop",
        "table=9,priority=0,actions=resubmit(,10)",
        "table=10,priority=1,actions=%s,strip_vlan,output:%d" % (learn, patch),
        "table=20,priority=2,dl_vlan=1,dl_dst=fa:16:3e:d3:4f:c1,actions=strip_vlan,set_tunnel:0x%x,output:%d"
        % (TUN_ID, tunnel),
        "table=20,priority=0,actions=resubmit(,22)",
        _arp_responder("192.168.1.6", "fa:16:3e:d3:4f:c1"),
        _arp_responder(TwoHosts.IP_B, MAC_B),
        "table=21,priority=0,actions=resubmit(,22)",
        "table=22,priority=1,dl_vlan=1,actions=strip_vlan,set_tunnel:0x%x,output:%d" % (TUN_ID, tunnel),
        "table=22,priority=0,actions=drop",
    ]


class Pipeline:
    """A flow file, the ofports it assumes, and which way the setup test's new flows go."""

    def __init__(self, name, flows, protocols, ofport_a, ofport_b, setup_from_b, setup_kind):
        self.name, self.flows, self.protocols = name, flows, protocols
        self.ofport_a, self.ofport_b = ofport_a, ofport_b
        self.setup_from_b, self.setup_kind = setup_from_b, setup_kind


PIPELINES = {
    "ten-tables": lambda: Pipeline("ten-tables", ten_table_flows(1, 2), "OpenFlow13", 1, 2, False, "hosts"),
    "br-tun": lambda: Pipeline("br-tun", br_tun_flows(2, 3), "OpenFlow10", 2, 3, True, "new-macs"),
}

# Frames are built here rather than by the kernel so that nothing but them (and the warm-up ping) reaches the switch.
_SENDER = r"""
import socket, struct, sys, time
n, dst_mac, own_ip, kind, per_ms = sys.argv[1:]
n, dst_mac, per_ms = int(n), bytes.fromhex(dst_mac.replace(':', '')), int(per_ms)
own_mac = bytes.fromhex(open('/sys/class/net/eth0/address').read().strip().replace(':', ''))
def ip(s): return socket.inet_aton(s)
def host(net, k): return ip('10.%d.%d.%d' % (net, k >> 8, k & 255))
def new_mac(i): return b'\x02\x00' + struct.pack('!I', i + 1)
def checksum(data):
    words = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while words >> 16: words = (words & 0xffff) + (words >> 16)
    return ~words & 0xffff
def frame(i):
    if kind == 'hosts':       # each frame a new (source host, destination host) pair of tables 3 and 6
        src_mac, src, dst, sport, dport = new_mac(i), host(201, i % 1000), host(202, i // 1000 % 1000), 10000, 9
    elif kind == 'new-macs':  # each frame from a new source MAC, towards an address no namespace owns
        src_mac, src, dst, sport, dport = new_mac(i), ip(own_ip), ip('10.200.0.99'), 10000, 9
    else:                     # 'tuples': the sender's own MAC and address, a new pair of UDP ports each frame
        src_mac, src, dst, sport, dport = own_mac, ip(own_ip), ip('10.200.0.99'), 20000 + i, 40000 + i
    udp = struct.pack('!HHHH', sport, dport, 8 + 18, 0) + bytes(18)
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack('!H', checksum(hdr)) + hdr[12:]
    return dst_mac + src_mac + b'\x08\x00' + hdr + udp
frames = [frame(i) for i in range(n)]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0', 0))
t0 = time.time()
for i, f in enumerate(frames):
    s.send(f)
    if i % per_ms == per_ms - 1: time.sleep(0.001)
print(time.time() - t0)
"""
_RECEIVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)); s.bind(('eth0', 0))
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: a burst must not overflow the counter itself
s.settimeout(15.0); n = 0; first = last = None
while True:
    try:
        f = s.recv(2048)
    except socket.timeout:
        break
    sport = int.from_bytes(f[34:36], 'big')
    if f[23] == 17 and (sport == 10000 or 20000 <= sport < 21000):  # the sender's UDP source ports
        now = time.time(); first = first or now; last = now; n += 1
        s.settimeout(3.0)
print(n, (last - first) if first else 0)
"""


def send_and_count(hosts: TwoHosts, from_b: bool, kind: str, count: int, per_ms: int) -> tuple[int, float]:
    """Frames of `kind` from one namespace; (how many the other received, seconds from first to last)."""
    src_ns, dst_ns = (hosts.ns_b, hosts.ns_a) if from_b else (hosts.ns_a, hosts.ns_b)
    src_ip, dst_mac = (hosts.IP_B, MAC_A) if from_b else (hosts.IP_A, MAC_B)
    receiver = subprocess.Popen(["ip", "netns", "exec", dst_ns, sys.executable, "-c", _RECEIVER],
                                stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        in_ns(src_ns, sys.executable, "-c", _SENDER, str(count), dst_mac, src_ip, kind, str(per_ms), timeout=180)
        out, _ = receiver.communicate(timeout=180)
    finally:
        if receiver.poll() is None:
            receiver.kill()
            receiver.wait()
    if receiver.returncode:
        raise RuntimeError("receiver in %s exited %d" % (dst_ns, receiver.returncode))
    received, span = out.split()
    return int(received), float(span)


def dump_megaflows(switch) -> str:
    """Stock `ovs-appctl dpctl/dump-flows` against the switch's control socket."""
    if isinstance(switch, StockOvs):
        target = os.path.join(switch.dir, "ovs-vswitchd.ctl")
    else:
        target = glob.glob(os.path.join(switch.dir, "pyvswitchd.*.ctl"))[0]
    return sh("ovs-appctl", "-t", target, "dpctl/dump-flows", env=switch.env, timeout=120)


def megaflow_count(switch) -> int:
    """How many megaflows dpctl/dump-flows lists (its flow-dump header lines left out)."""
    return sum(1 for line in dump_megaflows(switch).splitlines() if line.strip() and not line.startswith("flow-dump"))


def iperf3_tcp_gbps(hosts: TwoHosts, seconds: float) -> float:
    server = subprocess.Popen(["ip", "netns", "exec", hosts.ns_b, "iperf3", "-s", "-1", "-B", hosts.IP_B],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        out = in_ns(hosts.ns_a, "iperf3", "-c", hosts.IP_B, "-t", str(seconds), "-J", "--connect-timeout", "5000",
                    timeout=seconds + 30, check=False)
        result = json.loads(out)
        if "error" in result:
            raise RuntimeError("iperf3: " + result["error"])
        return result["end"]["sum_received"]["bits_per_second"] / 1e9
    finally:
        server.kill()
        server.wait()


def quiet_namespace(ns: str, mac: str) -> None:
    """A fixed MAC (the flow files name it) and no IPv6, so only the bench's own frames reach the switch."""
    in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
    in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.disable_ipv6=1")
    in_ns(ns, "ip", "link", "set", "eth0", "address", mac)


def program(switch, hosts: TwoHosts, pipeline: Pipeline, flow_file: str) -> float:
    """Secure bridge, ports renumbered to the pipeline's ofports, flows loaded; returns add-flows seconds."""
    switch.vsctl("set", "Bridge", switch.bridge, "fail_mode=secure")
    for port, ofport in ((hosts.port_a, pipeline.ofport_a), (hosts.port_b, pipeline.ofport_b)):
        switch.vsctl("del-port", switch.bridge, port)
        switch.vsctl("add-port", switch.bridge, port, "--", "set", "Interface", port, "ofport_request=%d" % ofport)
    deadline = time.time() + 20
    for port, ofport in ((hosts.port_a, pipeline.ofport_a), (hosts.port_b, pipeline.ofport_b)):
        while switch.vsctl("get", "Interface", port, "ofport").strip() != str(ofport):
            if time.time() > deadline:
                raise RuntimeError("%s did not get ofport %d" % (port, ofport))
            time.sleep(0.1)
    target = "unix:%s/%s.mgmt" % (switch.dir, switch.bridge)
    ofctl = ("ovs-ofctl", "-O", pipeline.protocols, "--timeout=600")
    sh(*ofctl, "del-flows", target, env=switch.env)
    start = time.monotonic()
    sh(*ofctl, "add-flows", target, flow_file, env=switch.env, timeout=900)
    add_s = time.monotonic() - start
    loaded = len(dump_flows(switch, pipeline))
    if loaded != len(pipeline.flows):
        raise RuntimeError("%d flows loaded of %d" % (loaded, len(pipeline.flows)))
    return add_s


def dump_flows(switch, pipeline: Pipeline) -> list[tuple[int, int]]:
    """(table, n_packets) of every flow, from stock `ovs-ofctl dump-flows`."""
    target = "unix:%s/%s.mgmt" % (switch.dir, switch.bridge)
    out = sh("ovs-ofctl", "-O", pipeline.protocols, "--timeout=600", "dump-flows", target, env=switch.env,
             timeout=900)
    flows = []
    for line in out.splitlines():
        fields = dict(part.split("=", 1) for part in line.strip().rstrip(",").split(", ") if "=" in part)
        if "n_packets" in fields:
            flows.append((int(fields.get("table", 0)), int(fields["n_packets"])))
    return flows


def measure(switch_cls, pipeline: Pipeline, flow_file: str, seconds: float, setup_frames: int,
            show_megaflows: bool) -> dict:
    row = {}
    with TwoHosts() as hosts:
        quiet_namespace(hosts.ns_a, MAC_A)
        quiet_namespace(hosts.ns_b, MAC_B)
        with switch_cls([hosts.port_a, hosts.port_b]) as switch:
            row["add_s"] = program(switch, hosts, pipeline, flow_file)
            ping = subprocess.run(["ip", "netns", "exec", hosts.ns_a, "ping", "-c", "3", "-i", "0.2", "-W", "2",
                                   hosts.IP_B], capture_output=True, text=True)
            if ping.returncode != 0:
                raise RuntimeError("warm-up ping failed: " + (ping.stdout.splitlines() or ["?"])[-1])
            before = megaflow_count(switch)
            row["mf_rx"], _ = send_and_count(hosts, pipeline.setup_from_b, "tuples", 1000, 20)
            time.sleep(0.5)
            row["mf_per_1k"] = megaflow_count(switch) - before
            if show_megaflows:
                print("-- %s %s: dpctl/dump-flows after the 1,000 5-tuples\n%s"
                      % (pipeline.name, switch.name, dump_megaflows(switch)), flush=True)
            row["tcp_gbps"] = iperf3_tcp_gbps(hosts, seconds)
            before = megaflow_count(switch)
            received, span = send_and_count(hosts, pipeline.setup_from_b, pipeline.setup_kind, setup_frames, 200)
            row["setup_kps"] = received / max(span, 1e-3) / 1e3
            row["setup_rx"] = received
            row["setup_mf"] = megaflow_count(switch) - before
            time.sleep(2)  # OpenFlow counters follow the megaflows' with a lag (OVS: its revalidators')
            flows = dump_flows(switch, pipeline)
            row["tables_hit"] = sorted({table for table, packets in flows if packets})
            row["learned"] = len(flows) - len(pipeline.flows)
    return row


METRICS = ("add_s", "tcp_gbps", "setup_kps", "setup_rx", "setup_mf", "learned", "mf_per_1k", "mf_rx")
TARGETS = {"tcp_gbps": ">= 1.0", "setup_kps": ">= 1.0", "mf_per_1k": "<= 1.0"}


def summarize(results: dict) -> None:
    """results[pipeline][switch] = list of rows (one a repetition)."""
    for pipeline, by_switch in results.items():
        print("\n== %s: each repetition, then min / median / max" % pipeline)
        print("%-22s" % "switch" + "".join("%12s" % m for m in METRICS))
        medians = {}
        for name, rows in by_switch.items():
            for i, row in enumerate(rows):
                print("%-22s" % ("%s #%d" % (name, i + 1)) + "".join(
                    "%12.3f" % row[m] if m in row else "%12s" % "-" for m in METRICS))
            medians[name] = {}
            for label, pick in (("min", min), ("median", statistics.median), ("max", max)):
                values = {m: pick([r[m] for r in rows if m in r]) for m in METRICS if any(m in r for r in rows)}
                if label == "median":
                    medians[name] = values
                print("%-22s" % ("%s %s" % (name, label)) + "".join(
                    "%12.3f" % values[m] if m in values else "%12s" % "-" for m in METRICS))
        ours, ref = medians.get("pyvswitch"), medians.get("stock-ovs")
        if ours and ref:
            print("%-22s" % "pyvs/stock (median)" + "".join(
                "%12.2f" % (ours[m] / ref[m]) if m in ours and ref.get(m) else "%12s" % "-" for m in METRICS))
            print("%-22s" % "target" + "".join("%12s" % TARGETS.get(m, "") for m in METRICS))
            if "mf_per_1k" in ours and "mf_per_1k" in ref:
                print("megaflows per 1,000 flows: pyvswitch %d, stock %d" % (ours["mf_per_1k"], ref["mf_per_1k"]))


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("pipeline_bench: run as root (it makes network namespaces)")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="pyvswitch,stock-ovs")
    parser.add_argument("--pipelines", default="ten-tables,br-tun")
    parser.add_argument("--setup-frames", type=int, default=20000)
    parser.add_argument("--save-flows", metavar="DIR", help="also write each pipeline's flow file into DIR")
    parser.add_argument("--show-megaflows", action="store_true",
                        help="print each switch's megaflows after the 5-tuple test of the first repetition")
    args = parser.parse_args()
    switches = [s for s in (Pyvswitch, StockOvs) if s.name in args.only.split(",")]
    if StockOvs in switches and not StockOvs.available():
        print("stock OVS not installed: no reference column")
        switches.remove(StockOvs)
    pipelines = [PIPELINES[name]() for name in args.pipelines.split(",")]
    files = {}
    for p in pipelines:
        directory = args.save_flows or tempfile.gettempdir()
        files[p.name] = os.path.join(directory, "pipeline-%s-%d.flows" % (p.name, os.getpid()))
        with open(files[p.name], "w") as out:
            out.write("\n".join(p.flows) + "\n")
    results = {p.name: {s.name: [] for s in switches} for p in pipelines}
    try:
        for rep in range(args.reps):
            for p in pipelines:
                for s in switches:
                    try:
                        row = measure(s, p, files[p.name], args.seconds, args.setup_frames,
                                      args.show_megaflows and rep == 0)
                    except Exception as e:  # one switch failing must not hide the others' figures
                        print("%s %s #%d: failed: %s" % (p.name, s.name, rep + 1, e), flush=True)
                        continue
                    results[p.name][s.name].append(row)
                    print("%s %s #%d: %s  tables_hit=%s" % (p.name, s.name, rep + 1, "  ".join(
                        "%s=%.3f" % (m, row[m]) for m in METRICS if m in row),
                        ",".join(map(str, row["tables_hit"]))), flush=True)
    finally:
        if not args.save_flows:
            for path in files.values():
                os.unlink(path)
    summarize({p: {s: rows for s, rows in by.items() if rows} for p, by in results.items()})


if __name__ == "__main__":
    main()
