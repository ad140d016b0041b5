"""Packet-path benchmark: two namespaces through pyvswitchd, stock OVS's userspace datapath and a Linux bridge.

Run as root:  python bench/packet_bench.py [--seconds 5] [--only pyvswitch,stock-ovs,linux-bridge]

Each switch is measured in the same run on the same topology (bench/topology.py), one after another:
  tcp_gbps    iperf3 TCP, veth offloads left at their defaults
  udp64_kpps  64-byte frames (18-byte UDP payload) received per second, iperf3 -u unlimited rate
  rtt_ms      ping average round-trip time, 50 pings 50 ms apart (an idle switch wakes for each)
  setup_kps   new flows per second: frames each from a new source MAC (each a datapath miss) received at the peer
  mf_hit      megaflow hit rate (datapath lookups hit / (hit + missed)) over the whole run
Ratios are against stock OVS.  Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from topology import LinuxBridge, Pyvswitch, StockOvs, TwoHosts, in_ns  # noqa: E402


def iperf3(hosts: TwoHosts, seconds: float, *extra: str) -> dict:
    server = subprocess.Popen(["ip", "netns", "exec", hosts.ns_b, "iperf3", "-s", "-1", "-B", hosts.IP_B],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        out = in_ns(hosts.ns_a, "iperf3", "-c", hosts.IP_B, "-t", str(seconds), "-J", *extra,
                    timeout=seconds + 30)
        return json.loads(out)
    finally:
        server.kill()
        server.wait()


def tcp_gbps(hosts, seconds):
    result = iperf3(hosts, seconds)
    return result["end"]["sum_received"]["bits_per_second"] / 1e9


def udp64_kpps(hosts, seconds):
    result = iperf3(hosts, seconds, "-u", "-b", "0", "-l", "18")
    s = result["end"]["sum"]
    received = s["packets"] - s["lost_packets"]
    return received / s["seconds"] / 1e3


def rtt_ms(hosts):
    out = in_ns(hosts.ns_a, "ping", "-c", "50", "-i", "0.05", "-q", hosts.IP_B)
    m = re.search(r"= [\d.]+/([\d.]+)/", out)
    return float(m.group(1)) if m else float("nan")


_SETUP_SENDER = r"""
import socket, struct, sys, time
n, dst = int(sys.argv[1]), bytes.fromhex(sys.argv[2].replace(':', ''))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0', 0))
payload = b'\x88\xb5' + bytes(46)  # local experimental ethertype: pure L2
frames = [dst + struct.pack('!HI', 0x0200, i + 1) + payload for i in range(n)]
t0 = time.time()
for i, f in enumerate(frames):
    s.send(f)
    if i % 200 == 199: time.sleep(0.001)
print(time.time() - t0)
"""
_SETUP_RECEIVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5)); s.bind(('eth0', 0))
s.settimeout(10.0); n = 0; first = last = None
while True:
    try:
        f = s.recv(2048)
    except socket.timeout:
        break
    if f[6:8] == b'\x02\x00':
        now = time.time(); first = first or now; last = now; n += 1
        s.settimeout(1.0)
print(n, (last - first) if first else 0)
"""


def setup_kps(hosts, count=20000):
    mac_b = in_ns(hosts.ns_b, "cat", "/sys/class/net/eth0/address").strip()
    receiver = subprocess.Popen(["ip", "netns", "exec", hosts.ns_b, sys.executable, "-c", _SETUP_RECEIVER],
                                stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    in_ns(hosts.ns_a, sys.executable, "-c", _SETUP_SENDER, str(count), mac_b, timeout=120)
    out, _ = receiver.communicate(timeout=120)
    received, span = out.split()
    return int(received) / max(float(span), 1e-3) / 1e3


def measure(switch_cls, seconds):
    with TwoHosts() as hosts, switch_cls([hosts.port_a, hosts.port_b]) as switch:
        in_ns(hosts.ns_a, "ping", "-c", "3", "-i", "0.2", "-W", "2", hosts.IP_B, check=False)  # learn MACs
        row = {
            "tcp_gbps": tcp_gbps(hosts, seconds),
            "udp64_kpps": udp64_kpps(hosts, seconds),
            "rtt_ms": rtt_ms(hosts),
            "setup_kps": setup_kps(hosts),
        }
        stats = switch.megaflow_stats()
        if stats and stats.get("hit", 0) + stats.get("missed", 0):
            row["mf_hit"] = stats["hit"] / (stats["hit"] + stats["missed"])
        return row


def main():
    if os.geteuid() != 0:
        sys.exit("packet_bench: run as root (it makes network namespaces)")
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--only", default="pyvswitch,stock-ovs,linux-bridge")
    args = parser.parse_args()
    wanted = args.only.split(",")
    switches = [s for s in (Pyvswitch, StockOvs, LinuxBridge) if s.name in wanted]
    if StockOvs in switches and not StockOvs.available():
        print("stock OVS not installed: no reference column")
        switches.remove(StockOvs)
    rows = {}
    for s in switches:
        try:
            rows[s.name] = measure(s, args.seconds)
        except Exception as e:  # one switch failing must not hide the others' figures
            print(f"{s.name}: failed: {e}")
    metrics = ("tcp_gbps", "udp64_kpps", "rtt_ms", "setup_kps", "mf_hit")
    print(f"{'switch':<14}" + "".join(f"{m:>12}" for m in metrics))
    for name, row in rows.items():
        print(f"{name:<14}" + "".join(f"{row[m]:>12.3f}" if m in row else f"{'-':>12}" for m in metrics))
    ref = rows.get("stock-ovs")
    if ref and "pyvswitch" in rows:
        ours = rows["pyvswitch"]
        print(f"{'pyvs/stock':<14}" + "".join(
            f"{ours[m] / ref[m]:>12.2f}" if m in ours and ref.get(m) else f"{'-':>12}" for m in metrics))


if __name__ == "__main__":
    main()
