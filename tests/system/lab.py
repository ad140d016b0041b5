"""A throwaway network lab for system tests: namespaces, veths and a pyvswitchd running inside a "host" namespace.

Everything a `Lab` makes carries a unique suffix and is removed on exit, even after a failure.  The daemon runs in
the lab's own host namespace, so the TAP devices it creates (br0, internal ports) and any address a test puts on
them never appear in the root namespace; the clients reach it through its unix sockets, like the OVS tools do.
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

_RUN_TIMEOUT = 60


class Lab(contextlib.AbstractContextManager):
    def __init__(self):
        self.tag = uuid.uuid4().hex[:6]
        self.host = f"pyvs-host-{self.tag}"
        self.namespaces: list[str] = []
        self.dir = tempfile.mkdtemp(prefix=f"pyvs-lab-{self.tag}-")
        self.env = dict(os.environ, PYVS_RUNDIR=self.dir, PYVS_DBDIR=self.dir, PYVS_LOGDIR=self.dir,
                        OVS_RUNDIR=self.dir)
        self.daemon: subprocess.Popen | None = None

    def name(self, base: str) -> str:
        """A device or namespace name unique to this lab (≤ 15 characters for devices)."""
        return f"{base}{self.tag}"[:15]

    # ---- namespaces and links ----
    def add_ns(self, base: str) -> str:
        ns = f"pyvs-{base}-{self.tag}"
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def veth_into(self, ns: str, inner: str, outer: str, address: str | None = None) -> None:
        """A veth pair: `outer` in the host namespace (for the switch), `inner` in ns, up, with an address."""
        run("ip", "-n", self.host, "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", ns)
        run("ip", "-n", self.host, "link", "set", outer, "up")
        if address:
            run("ip", "-n", ns, "addr", "add", address, "dev", inner)
        run("ip", "-n", ns, "link", "set", inner, "up")

    def join(self, other: "Lab", address: str, other_address: str) -> tuple[str, str]:
        """An "underlay" veth between this lab's host namespace and `other`'s, each end up with
        its address (CIDR); returns the two device names (this end first)."""
        mine, theirs = self.name("und"), other.name("und")
        run("ip", "-n", self.host, "link", "add", mine, "type", "veth", "peer", "name", theirs,
            "netns", other.host)
        for lab, dev, cidr in ((self, mine, address), (other, theirs, other_address)):
            run("ip", "-n", lab.host, "addr", "add", cidr, "dev", dev)
            run("ip", "-n", lab.host, "link", "set", dev, "up")
        return mine, theirs

    def in_ns(self, ns: str, *args: str, check: bool = True, timeout: float = _RUN_TIMEOUT):
        return run("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)

    # ---- the switch ----
    def start_daemon(self, *options: str) -> None:
        self.console = open(self.path("console.txt"), "w+")
        self.daemon = subprocess.Popen(
            ["ip", "netns", "exec", self.host, "pyvswitchd", "--pidfile", "--log-file", *options],
            env=self.env, stdout=self.console, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not (os.path.exists(self.path("db.sock")) and os.path.exists(self.path("pyvswitchd.pid"))):
            if self.daemon.poll() is not None:
                self.console.seek(0)
                raise RuntimeError(f"pyvswitchd exited: {self.console.read()}")
            if time.time() > deadline:
                raise RuntimeError("pyvswitchd did not start")
            time.sleep(0.05)

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a client (pyvs-vsctl, ovs-vsctl, pyvs-ofctl, ...) against this lab's daemon."""
        if args[0].startswith("ovs-vsctl"):
            args = (args[0], f"--db=unix:{self.path('db.sock')}", *args[1:])
        return run(*args, env=self.env, check=check)

    def log(self) -> str:
        with contextlib.suppress(OSError), open(self.path("pyvswitchd.log")) as f:
            return f.read()
        return ""

    def __enter__(self):
        run("ip", "netns", "add", self.host)
        self.namespaces.append(self.host)
        run("ip", "-n", self.host, "link", "set", "lo", "up")
        return self

    def __exit__(self, *exc):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if self.daemon:
            self.console.close()
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        return False


def run(*args: str, check: bool = True, env=None, timeout: float = _RUN_TIMEOUT) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\n"
                             f"stderr: {result.stderr}")
    return result


@contextlib.contextmanager
def capture(lab: Lab, ns: str, device: str, bpf: str):
    """tcpdump on `device` in namespace `ns` while the block runs; yields the pcap file's path (in the lab's run
    dir) to read afterwards.  The block starts once tcpdump has opened the device."""
    path = lab.path("capture-%d.pcap" % time.monotonic_ns())
    proc = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "-Z", "root", "--immediate-mode", "-U", "-n",
                             "-i", device, "-w", path, bpf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(path) and time.time() < deadline:
            time.sleep(0.05)
        yield path
    finally:
        time.sleep(0.3)
        proc.terminate()
        proc.wait(10)


def have(program: str) -> bool:
    return shutil.which(program) is not None
