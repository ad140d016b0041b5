"""Two-host test topologies for benchmarks and system tests: namespaces on veths behind one switch.

`TwoHosts` makes two uniquely named network namespaces, each with one veth whose peer stays in the root
namespace for a switch to take; everything it made is removed on exit, even after a failure.  The
switches (`LinuxBridge`, `StockOvs`, `Pyvswitch`) each join those root-side ends into one L2 segment.
Addresses live only inside the namespaces this module made.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid


def sh(*args: str, check: bool = True, env=None, timeout: float = 60) -> str:
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def in_ns(ns: str, *args: str, **kw) -> str:
    return sh("ip", "netns", "exec", ns, *args, **kw)


class TwoHosts(contextlib.AbstractContextManager):
    """ns_a (IP_A) and ns_b (IP_B); root-side veth ends port_a and port_b."""

    IP_A, IP_B = "10.200.0.1", "10.200.0.2"

    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.ns_a, self.ns_b = f"pyvs-a-{tag}", f"pyvs-b-{tag}"
        self.port_a, self.port_b = f"pva{tag}", f"pvb{tag}"

    def __enter__(self):
        try:
            for ns, port, ip in ((self.ns_a, self.port_a, self.IP_A), (self.ns_b, self.port_b, self.IP_B)):
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
                sh("ip", "link", "set", port, "up")
                in_ns(ns, "ip", "addr", "add", ip + "/24", "dev", "eth0")
                in_ns(ns, "ip", "link", "set", "eth0", "up")
                in_ns(ns, "ip", "link", "set", "lo", "up")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for port in (self.port_a, self.port_b):
            sh("ip", "link", "del", port, check=False)
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "del", ns, check=False)
        return False


class LinuxBridge(contextlib.AbstractContextManager):
    name = "linux-bridge"

    def __init__(self, ports):
        self.ports = ports
        self.bridge = "pvbr" + uuid.uuid4().hex[:6]

    def __enter__(self):
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "link", "set", self.bridge, "up")
        for p in self.ports:
            sh("ip", "link", "set", p, "master", self.bridge)
        return self

    def __exit__(self, *exc):
        sh("ip", "link", "del", self.bridge, check=False)
        return False

    def megaflow_stats(self):
        return None


class _DaemonSwitch(contextlib.AbstractContextManager):
    """Common run-dir bookkeeping for the two OVS-like switches."""

    def __init__(self, ports):
        self.ports = ports
        self.dir = tempfile.mkdtemp(prefix="pyvs-bench-")
        self.bridge = "pvbr" + uuid.uuid4().hex[:6]
        self.procs: list[subprocess.Popen] = []

    def _wait_for(self, path, timeout=20):
        deadline = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > deadline:
                raise RuntimeError(f"{self.name}: {path} did not appear")
            time.sleep(0.05)

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sh("ip", "link", "del", self.bridge, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


class StockOvs(_DaemonSwitch):
    """Stock ovsdb-server + ovs-vswitchd with a userspace (netdev) datapath and userspace TSO."""

    name = "stock-ovs"

    @staticmethod
    def available() -> bool:
        return all(shutil.which(p) or os.path.exists("/usr/sbin/" + p) for p in ("ovsdb-server", "ovs-vswitchd"))

    def __enter__(self):
        d = self.dir
        self.env = dict(os.environ, OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d, OVS_SYSCONFDIR=d)
        # The netdev datapath makes an "ovs-netdev" tap in this namespace; remove it afterwards
        # only if it was not there before (a real ovs-vswitchd on this host may own it).
        self.made_datapath_tap = not os.path.exists("/sys/class/net/ovs-netdev")
        sh("ovsdb-tool", "create", f"{d}/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
        self.procs.append(subprocess.Popen(
            ["ovsdb-server", f"{d}/conf.db", f"--remote=punix:{d}/db.sock", f"--pidfile={d}/ovsdb-server.pid",
             f"--unixctl={d}/ovsdb-server.ctl", "--no-chdir"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self._wait_for(f"{d}/db.sock")
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:userspace-tso-enable=true")
        self.procs.append(subprocess.Popen(
            ["ovs-vswitchd", f"unix:{d}/db.sock", "--disable-system", f"--pidfile={d}/ovs-vswitchd.pid",
             f"--unixctl={d}/ovs-vswitchd.ctl", f"--log-file={d}/ovs-vswitchd.log", "--no-chdir"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self._wait_for(f"{d}/ovs-vswitchd.ctl")
        self.vsctl("add-br", self.bridge, "--", "set", "Bridge", self.bridge, "datapath_type=netdev")
        for p in self.ports:
            self.vsctl("add-port", self.bridge, p)
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self.appctl("exit", "--cleanup")        # deletes the datapath, and with it the tap
        super().__exit__(*exc)
        if self.made_datapath_tap:
            sh("ip", "link", "del", "ovs-netdev", check=False)
        return False

    def vsctl(self, *args):
        return sh("ovs-vsctl", f"--db=unix:{self.dir}/db.sock", "--timeout=20", *args, env=self.env)

    def appctl(self, *args):
        return sh("ovs-appctl", "-t", f"{self.dir}/ovs-vswitchd.ctl", *args, env=self.env)

    def megaflow_stats(self):
        return parse_dpctl_show(self.appctl("dpctl/show"))


class Pyvswitch(_DaemonSwitch):
    """pyvswitchd with its embedded database, the same bridge and ports."""

    name = "pyvswitch"

    def __enter__(self):
        d = self.dir
        self.env = dict(os.environ, PYVS_RUNDIR=d, PYVS_DBDIR=d, PYVS_LOGDIR=d)
        self.procs.append(subprocess.Popen(
            ["pyvswitchd", "--pidfile", "--log-file"], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self._wait_for(f"{d}/db.sock")
        self._wait_for(f"{d}/pyvswitchd.pid")
        self.vsctl("add-br", self.bridge)
        for p in self.ports:
            self.vsctl("add-port", self.bridge, p)
        return self

    def vsctl(self, *args):
        return sh("pyvs-vsctl", "--timeout=20", *args, env=self.env)

    def appctl(self, *args):
        return sh("pyvs-appctl", *args, env=self.env)

    def megaflow_stats(self):
        return parse_dpctl_show(self.appctl("dpctl/show"))


def parse_dpctl_show(text: str) -> dict:
    """{'hit': N, 'missed': N, 'lost': N, 'flows': N} from dpctl/show's first lines."""
    stats = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("lookups:"):
            for part in line.split()[1:]:
                k, v = part.split(":")
                stats[k] = int(v)
        elif line.startswith("flows:"):
            stats["flows"] = int(line.split()[1])
    return stats
