"""A flood of 64-byte frames overruns a system port's receive ring; the port must keep forwarding.

pyvswitchd runs in a lab host namespace with two veth ports into two namespaces.  Blasters in
one namespace send minimum-size UDP frames as fast as they can, far beyond what the datapath
takes in, so the port's AF_PACKET ring overruns lap after lap.  Afterwards ping must still
cross the switch at once (on kernel 6.18 the ring's cursor used to end up out of step with
the kernel's and the port never forwarded again), and dpctl/show counts the overrun frames
as lost.
"""
import re
import sys

from tests.system.lab import Lab

ADDR_A, ADDR_B = "10.207.0.1", "10.207.0.2"
FLOOD_SECONDS = 3

# Senders in separate processes so the namespace side outruns the switch.
UDP_BLASTER = """
import os, socket, sys, time
end = time.time() + float(sys.argv[2])
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect((sys.argv[1], 9))
        payload = bytes(18)
        while time.time() < end:
            for _ in range(2000):
                try:
                    sock.send(payload)
                except OSError:
                    pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""


def lost(lab):
    dpctl = lab.cli("pyvs-appctl", "dpctl/show").stdout
    return int(re.search(r"lookups: hit:\d+ missed:\d+ lost:(\d+)", dpctl).group(1))


def test_system_port_forwards_after_a_64_byte_flood():
    with Lab() as lab:
        lab.start_daemon()
        br, port_a, port_b = lab.name("br"), lab.name("fa"), lab.name("fb")
        ns_a, ns_b = lab.add_ns("fa"), lab.add_ns("fb")
        lab.veth_into(ns_a, "eth0", port_a, ADDR_A + "/24")
        lab.veth_into(ns_b, "eth0", port_b, ADDR_B + "/24")
        lab.cli("pyvs-vsctl", "add-br", br, "--", "add-port", br, port_a, "--", "add-port", br, port_b)
        ping = lab.in_ns(ns_a, "ping", "-c", "2", "-i", "0.2", "-W", "2", ADDR_B, check=False)
        assert " 0% packet loss" in ping.stdout, ping.stdout + lab.log()
        before = lost(lab)

        lab.in_ns(ns_a, sys.executable, "-c", UDP_BLASTER, ADDR_B, str(FLOOD_SECONDS))

        ping = lab.in_ns(ns_a, "ping", "-c", "3", "-i", "0.2", "-W", "1", ADDR_B, check=False)
        assert " 0% packet loss" in ping.stdout, ping.stdout + lab.log()
        # The flood did overrun the ring, and the frames it lost there are counted.
        assert lost(lab) > before, lab.cli("pyvs-appctl", "dpctl/show").stdout
