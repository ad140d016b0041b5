"""Benchmark: a minimal two-port relay on pyvswitch netdevs, between two namespaces.

    python bench/netdev_relay.py [--kind system|internal] [--seconds N]

Builds ns A --veth-- (root) [relay] (root) --veth-- ns B with unique names,
runs the relay in its own process, measures TCP throughput with iperf3 and
64-byte UDP packets per second with a blaster in A and a counter in B, prints the
numbers, and removes everything it made.  With --kind internal, B's side is an
internal (TAP) port moved into B instead of a veth.

`relay(a, b, stop)` is the whole forwarding loop: wait for either port, move a
batch from it to the other.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import pyvswitch  # noqa: E402,F401
from pyvswitch.netdev import open_netdev  # noqa: E402

BATCH = 64


def relay(a, b, stop: threading.Event) -> None:
    poller = select.epoll()
    ends = {a.fileno(): (a, b), b.fileno(): (b, a)}
    for fd in ends:
        poller.register(fd, select.EPOLLIN)
    try:
        while not stop.is_set():
            for fd, _ in poller.poll(0.1):
                src, dst = ends[fd]
                frames = src.recv_batch(BATCH)
                if frames:
                    dst.send_batch(frames)
    finally:
        poller.close()


def _run_relay(port_a: str, kind_a: str, port_b: str, kind_b: str, netns_b: str) -> None:
    a = open_netdev(port_a, kind_a, {})
    b = open_netdev(port_b, kind_b, {})
    if netns_b:
        subprocess.run(["ip", "link", "set", port_b, "netns", netns_b], check=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    try:
        relay(a, b, stop)
    finally:
        a.close()
        b.close()


def _sh(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, **kwargs)


def _iperf(ns_client: str, ns_server: str, server_addr: str, seconds: float,
           extra: list[str]) -> tuple[float, int]:
    server = subprocess.Popen(["ip", "netns", "exec", ns_server, "iperf3", "-s", "-1", "-B", server_addr],
                              stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        out = _sh("ip", "netns", "exec", ns_client, "iperf3", "-c", server_addr, "-t", str(int(seconds)),
                  "-J", *extra, stdout=subprocess.PIPE, text=True).stdout
        server.wait(timeout=10)
    finally:
        server.kill()
        server.wait()
    result = json.loads(out)["end"]
    return result["sum_received"]["bits_per_second"] / 1e9, result["sum_sent"].get("retransmits", 0)


def _udp_pps(ns_tx: str, ns_rx: str, rx_addr: str, seconds: float) -> tuple[float, float]:
    """(sent, received) 64-byte-frame UDP packets per second (22-byte payload)."""
    counter = subprocess.Popen(
        ["ip", "netns", "exec", ns_rx, sys.executable, "-c", _UDP_COUNTER, rx_addr, str(seconds + 1.5)],
        stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    blaster = subprocess.run(
        ["ip", "netns", "exec", ns_tx, sys.executable, "-c", _UDP_BLASTER, rx_addr, str(seconds)],
        stdout=subprocess.PIPE, text=True, check=True)
    received = int(counter.communicate()[0])
    sent = int(blaster.stdout)
    return sent / seconds, received / seconds


_UDP_COUNTER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], 9999)); s.settimeout(0.2)
n = 0; end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        s.recv(2048); n += 1
    except socket.timeout:
        pass
print(n)
"""

_UDP_BLASTER = """
import os, socket, sys, time
# Several senders so the namespace side is not the bottleneck.
procs = 1
end = time.time() + float(sys.argv[2])
pipes = []
for _ in range(procs):
    r, w = os.pipe()
    if os.fork() == 0:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((sys.argv[1], 9999)); data = bytes(22); n = 0
        while time.time() < end:
            for _ in range(1000):
                try:
                    s.send(data); n += 1
                except OSError:
                    pass
        os.write(w, str(n).encode()); os._exit(0)
    pipes.append(r)
total = 0
for r in pipes:
    total += int(os.read(r, 64) or b"0")
    os.wait()
print(total)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("system", "internal"), default="system")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--relay", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        _run_relay(*args.relay)
        return

    tag = "pvb%d" % (os.getpid() % 100000)
    ns_a, ns_b = tag + "a", tag + "b"
    veth_a, peer_a = tag + "ra", tag + "xa"
    port_b = tag + "rb"
    relay_proc = None
    try:
        _sh("ip", "netns", "add", ns_a)
        _sh("ip", "netns", "add", ns_b)
        _sh("ip", "link", "add", veth_a, "type", "veth", "peer", "name", peer_a, "netns", ns_a)
        _sh("ip", "link", "set", veth_a, "up")
        _sh("ip", "-n", ns_a, "addr", "add", "10.201.0.1/24", "dev", peer_a)
        _sh("ip", "-n", ns_a, "link", "set", peer_a, "up")
        if args.kind == "system":
            peer_b = tag + "xb"
            _sh("ip", "link", "add", port_b, "type", "veth", "peer", "name", peer_b, "netns", ns_b)
            _sh("ip", "link", "set", port_b, "up")
            relay_args = [veth_a, "system", port_b, "system", ""]
        else:
            peer_b = port_b
            relay_args = [veth_a, "system", port_b, "internal", ns_b]
        relay_proc = subprocess.Popen([sys.executable, __file__, "--relay", *relay_args],
                                      stdout=subprocess.PIPE, text=True)
        if relay_proc.stdout.readline().strip() != "ready":
            raise SystemExit("relay failed to start")
        _sh("ip", "-n", ns_b, "addr", "add", "10.201.0.2/24", "dev", peer_b)
        _sh("ip", "-n", ns_b, "link", "set", peer_b, "up")
        _sh("ip", "netns", "exec", ns_a, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.201.0.2",
            stdout=subprocess.DEVNULL)

        for direction, reverse in (("A->B", []), ("B->A", ["-R"])):
            gbps, retransmits = _iperf(ns_a, ns_b, "10.201.0.2", args.seconds, reverse)
            print("TCP %s: %.2f Gbit/s (%d retransmits)" % (direction, gbps, retransmits))
        sent, received = _udp_pps(ns_a, ns_b, "10.201.0.2", args.seconds)
        print("UDP 64-byte frames: offered %.0f pps, relayed %.0f pps" % (sent, received))
    finally:
        if relay_proc is not None:
            relay_proc.terminate()
            relay_proc.wait(timeout=10)
        for ns in (ns_a, ns_b):
            _sh("ip", "netns", "del", ns, check=False, stderr=subprocess.DEVNULL)
        _sh("ip", "link", "del", veth_a, check=False, stderr=subprocess.DEVNULL)
        _sh("ip", "link", "del", port_b, check=False, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
