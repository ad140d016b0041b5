"""A private stock Open vSwitch for differential tests: ovsdb-server and
`ovs-vswitchd --enable-dummy`, in a fresh temporary directory.

`StockOVS()` creates the directory and points OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR and
OVS_SYSCONFDIR at it (in `env`, never in this process's environment), so the daemons, their
sockets and logs, and every stock client run with `env` stay inside it.  `start()` creates the
database, starts both daemons detached with pidfiles and waits for their sockets;
`add_bridge(name, ports)` creates a bridge with datapath_type=dummy and dummy ports with the
requested OpenFlow port numbers; `close()` kills both daemons by pidfile and removes the
directory, whatever state start() reached.  Use it as a context manager or through the
`stock_ovs` pytest fixture in conftest-less tests via `stock_ovs_or_skip()`.

`AVAILABLE` says whether the stock binaries are installed; tests that need them skip
otherwise (`needs_stock_ovs`).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

STOCK_BINARIES = ("ovsdb-server", "ovsdb-tool", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl")
AVAILABLE = all(shutil.which(name) for name in STOCK_BINARIES)
needs_stock_ovs = pytest.mark.skipif(not AVAILABLE, reason="stock Open vSwitch not installed")

_SCHEMA_PLACES = ("/usr/share/openvswitch/vswitch.ovsschema",
                  "/usr/local/share/openvswitch/vswitch.ovsschema")
_START_TIMEOUT = 10.0


def _schema() -> str:
    for path in _SCHEMA_PLACES:
        if os.path.exists(path):
            return path
    raise FileNotFoundError("vswitch.ovsschema not found in " + ", ".join(_SCHEMA_PLACES))


def _wait_for(path: str, timeout: float = _START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError("%s did not appear" % path)
        time.sleep(0.02)


def _kill_pidfile(path: str) -> None:
    try:
        with open(path) as pidfile:
            pid = int(pidfile.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class StockOVS:
    """One private stock OVS; see the module docstring."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="stock-ovs-")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir,
                        OVS_LOGDIR=self.dir, OVS_SYSCONFDIR=self.dir)
        self.db_sock = os.path.join(self.dir, "db.sock")
        self._pidfiles = []

    def __enter__(self) -> "StockOVS":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def start(self) -> None:
        subprocess.run(["ovsdb-tool", "create", self._path("conf.db"), _schema()],
                       check=True, env=self.env, capture_output=True)
        self._pidfiles.append(self._path("ovsdb-server.pid"))
        subprocess.run(["ovsdb-server", self._path("conf.db"), "--remote=punix:" + self.db_sock,
                        "--unixctl=" + self._path("ovsdb-server.ctl"),
                        "--pidfile=" + self._pidfiles[-1], "--detach", "--no-chdir",
                        "--log-file=" + self._path("ovsdb-server.log"), "-vconsole:off"],
                       check=True, env=self.env, capture_output=True)
        _wait_for(self.db_sock)
        self.vsctl("--no-wait", "init")
        self._pidfiles.insert(0, self._path("ovs-vswitchd.pid"))
        subprocess.run(["ovs-vswitchd", "--enable-dummy", "--disable-system", "--detach",
                        "--no-chdir", "--pidfile=" + self._pidfiles[0],
                        "--unixctl=" + self._path("ovs-vswitchd.ctl"),
                        "--log-file=" + self._path("ovs-vswitchd.log"), "-vconsole:off",
                        "unix:" + self.db_sock],
                       check=True, env=self.env, capture_output=True)
        _wait_for(self._path("ovs-vswitchd.ctl"))

    def close(self) -> None:
        for pidfile in self._pidfiles:
            _kill_pidfile(pidfile)
        self._pidfiles = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def vsctl(self, *args: str) -> str:
        result = subprocess.run(["ovs-vsctl", "--db=unix:" + self.db_sock, "--timeout=10",
                                 *args], check=True, env=self.env, capture_output=True,
                                text=True)
        return result.stdout

    def add_bridge(self, name: str, ports: dict[str, int] = None) -> None:
        """A dummy-datapath bridge with dummy ports {name: OpenFlow port number}."""
        command = ["add-br", name, "--", "set", "Bridge", name, "datapath_type=dummy"]
        for port, number in (ports or {}).items():
            command += ["--", "add-port", name, port, "--", "set", "Interface", port,
                        "type=dummy", "ofport_request=%d" % number]
        self.vsctl(*command)
        _wait_for(self.mgmt_socket(name))

    def mgmt_socket(self, bridge: str) -> str:
        return self._path(bridge + ".mgmt")

    def ofctl(self, *args: str, stdin: str = None) -> tuple[int, str, str]:
        """Stock ovs-ofctl with this OVS's environment: (exit status, stdout, stderr)."""
        result = subprocess.run(["ovs-ofctl", *args], env=self.env, capture_output=True,
                                text=True, input=stdin, timeout=30)
        return result.returncode, result.stdout, result.stderr
