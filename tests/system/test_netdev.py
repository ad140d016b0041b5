"""Netdevs on real kernel devices: AF_PACKET system ports and TAP internal ports.

Two namespaces, each with a veth whose other end stays in the root namespace under a
unique name; a small relay loop built only on the netdev API joins the root-side ends
(or a TAP moved into a namespace).  Everything a test makes is removed afterwards.
"""
import errno
import json
import select
import subprocess
import sys
import threading
import time
import uuid

import pytest

import pyvswitch  # noqa: F401
from pyvswitch.netdev import NetdevError, netdev_exists, open_netdev
from pyvswitch.netdev.offload import software_offload

pytestmark = pytest.mark.system

ADDR_A, ADDR_B = "10.203.0.1", "10.203.0.2"


def sh(*args, check=True, **kwargs):
    return subprocess.run(list(args), check=check, timeout=60, **kwargs)


def in_ns(ns, *args, **kwargs):
    return sh("ip", "netns", "exec", ns, *args, **kwargs)


class Lab:
    def __init__(self):
        self.tag = "pn" + uuid.uuid4().hex[:7]
        self.ns_a, self.ns_b = self.tag + "a", self.tag + "b"
        self.root_a, self.root_b = self.tag + "ra", self.tag + "rb"
        self.links = [self.root_a, self.root_b]

    def build(self):
        for ns, root, inner, addr in ((self.ns_a, self.root_a, "xa", ADDR_A),
                                      (self.ns_b, self.root_b, "xb", ADDR_B)):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", root, "type", "veth", "peer", "name", inner, "netns", ns)
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % root)
            sh("ip", "link", "set", root, "up")
            self.configure(ns, inner, addr)

    @staticmethod
    def configure(ns, dev, addr):
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")

    def destroy(self):
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "del", ns, check=False, stderr=subprocess.DEVNULL)
        for link in self.links:
            sh("ip", "link", "del", link, check=False, stderr=subprocess.DEVNULL)


@pytest.fixture
def lab():
    lab = Lab()
    try:
        lab.build()
        yield lab
    finally:
        lab.destroy()


class Relay:
    """Moves frames between two netdevs on a thread; counts what it saw."""

    def __init__(self, a, b, *, software=False):
        self.ends = {a.fileno(): (a, b), b.fileno(): (b, a)}
        self.software = software
        self.gso_frames = 0
        self.frames = 0
        self.seen = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        poller = select.epoll()
        for fd in self.ends:
            poller.register(fd, select.EPOLLIN)
        while not self.stop.is_set():
            for fd, _ in poller.poll(0.05):
                src, dst = self.ends[fd]
                frames = src.recv_batch(64)
                self.frames += len(frames)
                self.seen.extend(frame for frame, _ in frames if len(frame) < 100)
                self.gso_frames += sum(1 for _, hdr in frames if hdr is not None and hdr.gso_type)
                if self.software:
                    frames = [(f, None) for frame, hdr in frames for f in software_offload(frame, hdr)]
                dst.send_batch(frames)
        poller.close()

    def wait_for(self, condition, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "relay never saw the expected frames"
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        for dev, _ in self.ends.values():
            dev.close()


SEND_RAW = """
import socket, sys
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((sys.argv[1], 0))
for frame in sys.argv[2:]:
    sock.send(bytes.fromhex(frame))
"""

TCP_SERVER = """
import hashlib, socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5001)); srv.listen(1); srv.settimeout(20)
print("listening", flush=True)
conn, _ = srv.accept(); conn.settimeout(20)
digest, total = hashlib.sha256(), 0
while True:
    data = conn.recv(1 << 20)
    if not data:
        break
    digest.update(data); total += len(data)
print(total, digest.hexdigest())
"""

TCP_CLIENT = """
import hashlib, socket, sys
block = hashlib.sha512(b"pyvswitch").digest() * 4096
sock = socket.create_connection((sys.argv[1], 5001), timeout=20)
digest, total = hashlib.sha256(), 0
for i in range(int(sys.argv[2])):
    data = bytes([i & 0xFF]) + block[1:]
    sock.sendall(data); digest.update(data); total += len(data)
sock.close()
print(total, digest.hexdigest())
"""


def tcp_transfer(ns_from, ns_to, addr_to, blocks=100):
    """Send blocks x 256 KB from ns_from to addr_to in ns_to; both ends' (bytes, sha256)."""
    server = subprocess.Popen(["ip", "netns", "exec", ns_to, sys.executable, "-c", TCP_SERVER, addr_to],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "listening"
        sent = in_ns(ns_from, sys.executable, "-c", TCP_CLIENT, addr_to, str(blocks),
                     stdout=subprocess.PIPE, text=True).stdout.split()
        received = server.communicate(timeout=30)[0].split()
    finally:
        server.kill()
        server.wait()
    return sent, received


def ping(ns, addr):
    in_ns(ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", addr, stdout=subprocess.DEVNULL)


def test_system_ports_relay_ping_tcp_with_offloads_and_vlan_tags_inline(lab):
    a = open_netdev(lab.root_a, "system", {})
    b = open_netdev(lab.root_b, "", {})
    assert a.accepts_offloads and a.kind == "system"
    with Relay(a, b) as relay:
        ping(lab.ns_a, ADDR_B)
        ping(lab.ns_b, ADDR_A)
        sent, received = tcp_transfer(lab.ns_a, lab.ns_b, ADDR_B)
        assert sent == received and int(sent[0]) == 100 * 256 * 1024
        # The stacks in both namespaces kept their offloads: super-frames crossed the relay.
        assert relay.gso_frames > 0
        # The kernel moves a received VLAN tag into metadata; the port puts it back inline.
        tagged = [bytes.fromhex("ffffffffffff" "020000000001" + tpid + "a00a" "88b5") + b"tagged".ljust(46, b"\0")
                  for tpid in ("8100", "88a8")]
        in_ns(lab.ns_a, sys.executable, "-c", SEND_RAW, "xa", *(f.hex() for f in tagged))
        relay.wait_for(lambda: all(f in relay.seen for f in tagged))


UDP_SEQUENCE_SERVER = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((sys.argv[1], 5002)); sock.settimeout(3)
print("listening", flush=True)
order = []
try:
    while True:
        data = sock.recv(65536)
        order.append("%d:%d" % (int.from_bytes(data[:4], "big"), len(data)))
except socket.timeout:
    pass
print(" ".join(order))
"""

UDP_SEQUENCE_CLIENT = """
import socket, sys, time
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect((sys.argv[1], 5002))
for i, size in enumerate(int(s) for s in sys.argv[2:]):
    sock.send(i.to_bytes(4, "big") + bytes(size - 4))
    if i % 16 == 15:
        time.sleep(0.002)
"""


def test_small_and_big_frames_keep_their_order(lab):
    """Frames up to about 1.9 KB and longer ones travel through different receive rings of a
    system port; the datagrams of one sender must still arrive in the order they were sent."""
    for ns, root, inner in ((lab.ns_a, lab.root_a, "xa"), (lab.ns_b, lab.root_b, "xb")):
        sh("ip", "link", "set", root, "mtu", "9000")
        sh("ip", "-n", ns, "link", "set", inner, "mtu", "9000")
    sizes = [(64, 1800, 1950, 5000, 8900, 100)[(i * 7) % 6] for i in range(600)]
    a = open_netdev(lab.root_a, "system", {})
    b = open_netdev(lab.root_b, "system", {})
    with Relay(a, b):
        ping(lab.ns_a, ADDR_B)
        server = subprocess.Popen(["ip", "netns", "exec", lab.ns_b, sys.executable, "-c",
                                   UDP_SEQUENCE_SERVER, ADDR_B], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout.readline().strip() == "listening"
            in_ns(lab.ns_a, sys.executable, "-c", UDP_SEQUENCE_CLIENT, ADDR_B, *map(str, sizes))
            received = server.communicate(timeout=30)[0].split()
        finally:
            server.kill()
            server.wait()
    assert received == ["%d:%d" % (i, size) for i, size in enumerate(sizes)]


def test_software_offload_keeps_the_wire_correct(lab):
    a = open_netdev(lab.root_a, "system", {})
    b = open_netdev(lab.root_b, "system", {})
    with Relay(a, b, software=True) as relay:
        ping(lab.ns_a, ADDR_B)
        sent, received = tcp_transfer(lab.ns_a, lab.ns_b, ADDR_B, blocks=40)
        assert sent == received
        assert relay.gso_frames > 0


def test_internal_port_keeps_working_in_another_namespace(lab):
    tap_name = lab.tag + "t"
    lab.links.append(tap_name)
    a = open_netdev(lab.root_a, "system", {})
    tap = open_netdev(tap_name, "internal", {})
    assert tap.kind == "internal" and netdev_exists(tap_name)
    assert tap.get_admin_state() == "down"  # left down, like OVS internal ports
    mac = tap.get_mac()
    assert mac[0] & 0x02 and not mac[0] & 0x01  # random, locally administered, unicast
    sh("ip", "link", "set", tap_name, "netns", lab.ns_b)
    lab.configure(lab.ns_b, tap_name, "10.205.0.2")
    lab.configure(lab.ns_a, "xa", "10.205.0.1")
    with Relay(a, tap) as relay:
        ping(lab.ns_b, "10.205.0.1")
        for ns_from, ns_to, addr in ((lab.ns_b, lab.ns_a, "10.205.0.1"), (lab.ns_a, lab.ns_b, "10.205.0.2")):
            sent, received = tcp_transfer(ns_from, ns_to, addr, blocks=40)
            assert sent == received
        assert relay.gso_frames > 0
        stats = tap.get_stats()
        assert stats.rx_packets > 10 and stats.tx_packets > 10
        assert stats.rx_bytes > 10 * 1024 * 1024 and stats.tx_bytes > 10 * 1024 * 1024
        assert tap.get_mac() == mac and tap.get_mtu() == 1500 and tap.get_link_state() == "up"
    # Closing the port removed the device from the namespace it was moved to.
    shown = sh("ip", "-n", lab.ns_b, "link", "show", tap_name, check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert shown.returncode != 0


def test_internal_port_is_removed_on_close_and_reports_kernel_facts(lab):
    tap_name = lab.tag + "u"
    lab.links.append(tap_name)
    tap = open_netdev(tap_name, "internal", {})
    try:
        tap.set_mtu(1400)
        tap.set_mac(bytes.fromhex("02aabbccddee"))
        link = json.loads(sh("ip", "-j", "link", "show", tap_name, stdout=subprocess.PIPE).stdout)[0]
        assert (link["mtu"], link["address"], link["ifindex"]) == (1400, "02:aa:bb:cc:dd:ee", tap.get_ifindex())
        assert (tap.get_mtu(), tap.get_mac()) == (1400, bytes.fromhex("02aabbccddee"))
        sh("ip", "link", "set", tap_name, "down")
        assert tap.get_admin_state() == "down"
        with pytest.raises(NetdevError):
            open_netdev(tap_name, "internal", {})
    finally:
        tap.close()
    assert not netdev_exists(tap_name)


def test_system_port_link_facts_promiscuity_and_own_frames(lab):
    port = open_netdev(lab.root_a, "system", {})
    try:
        link = json.loads(sh("ip", "-d", "-j", "link", "show", lab.root_a, stdout=subprocess.PIPE).stdout)[0]
        assert link["promiscuity"] == 1
        assert port.get_ifindex() == link["ifindex"] and port.get_mtu() == link["mtu"]
        assert port.get_mac() == bytes.fromhex(link["address"].replace(":", ""))
        assert (port.get_link_state(), port.get_admin_state()) == ("up", "up")
        before = port.get_stats()
        frame = bytes.fromhex("ffffffffffff" "020000000001" "88b5") + b"own frame".ljust(46, b"\0")
        port.send_batch([(frame, None)] * 5)
        poller = select.poll()
        poller.register(port.fileno(), select.POLLIN)
        poller.poll(200)
        assert frame not in [f for f, _ in port.recv_batch(64)]  # never our own transmissions
        assert port.get_stats().tx_packets >= before.tx_packets + 5
        in_ns(lab.ns_a, "ip", "link", "set", "xa", "down")
        assert port.get_link_state() == "down"
        sh("ip", "link", "set", lab.root_a, "down")
        assert port.get_admin_state() == "down"
    finally:
        port.close()
    link = json.loads(sh("ip", "-d", "-j", "link", "show", lab.root_a, stdout=subprocess.PIPE).stdout)[0]
    assert link["promiscuity"] == 0


def test_missing_device():
    name = "pn" + uuid.uuid4().hex[:8]
    assert not netdev_exists(name)
    assert netdev_exists("lo")
    with pytest.raises(NetdevError) as e:
        open_netdev(name, "system", {})
    assert str(e.value) == "could not open network device %s (No such device)" % name
    assert e.value.errno == errno.ENODEV
