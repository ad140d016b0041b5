"""Run a whole pyvswitchd for a test, in private directories, and always clean up.

    from tests.harness import Daemon

    with Daemon() as d:                      # embedded OVSDB server, --enable-dummy=override
        d.vsctl("add-br", "br0")             # stock ovs-vsctl on d.db; raises on failure
        print(d.appctl("version").stdout)    # pyvs-appctl -t pyvswitchd version
    with Daemon() as (env, paths):           # the same, unpacked
        subprocess.run(["ovs-vsctl", "show"], env=env, check=True)

As a pytest fixture: `from tests.harness import pyvswitchd` in a test module, then
`def test_x(pyvswitchd): pyvswitchd.vsctl(...)`.

`Daemon(...)` options: `database="unix:PATH"` uses an external ovsdb-server
instead of the embedded one; `dummy=""` runs with real devices (system tests,
with `netns=NAME` to run the daemon inside that network namespace);
`args=[...]` adds daemon options.

Attributes: `env` (os.environ plus PYVS_RUNDIR/PYVS_DBDIR/PYVS_LOGDIR, the same
directories as OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR so stock ovs-vsctl and
`ovs-appctl -t pyvswitchd` find the daemon, and this checkout's bin/ first on
PATH); `paths` (rundir, dbdir, logdir, db_sock, db = "unix:" remote, pidfile,
log, ctl); `proc` (the Popen).  `start()` waits until db.sock (embedded mode)
and the control socket answer; `stop()` sends SIGTERM (SIGKILL after 10 s);
`kill9()` simulates a crash and `start()` again restarts on the same
directories.  Leaving the `with` block stops the daemon and removes the directories.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Iterator, Optional

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "bin")
START_TIMEOUT = 20.0


@dataclasses.dataclass
class Paths:
    rundir: str
    dbdir: str
    logdir: str

    @property
    def db_sock(self) -> str:
        return os.path.join(self.rundir, "db.sock")

    @property
    def db(self) -> str:
        return "unix:" + self.db_sock

    @property
    def pidfile(self) -> str:
        return os.path.join(self.rundir, "pyvswitchd.pid")

    @property
    def log(self) -> str:
        return os.path.join(self.logdir, "pyvswitchd.log")

    ctl: str = ""


def _env_for(paths: Paths) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYVS_RUNDIR=paths.rundir, PYVS_DBDIR=paths.dbdir, PYVS_LOGDIR=paths.logdir,
               OVS_RUNDIR=paths.rundir, OVS_DBDIR=paths.dbdir, OVS_LOGDIR=paths.logdir,
               OVS_SYSCONFDIR=paths.dbdir, PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


def _answers_jsonrpc(path: str, method: str, params: list) -> bool:
    """True when a JSON-RPC server on Unix socket `path` replies to `method`."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(path)
            s.sendall(json.dumps({"id": 0, "method": method, "params": params}).encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return False
                data += chunk
                try:
                    reply = json.loads(data)
                except ValueError:
                    continue
                return reply.get("id") == 0
    except OSError:
        return False


class Daemon:
    def __init__(self, *, database: Optional[str] = None, dummy: str = "override",
                 netns: Optional[str] = None, args: tuple[str, ...] = ()):
        self.database = database
        self.dummy = dummy
        self.netns = netns
        self.args = list(args)
        top = tempfile.mkdtemp(prefix="pyvs-")
        self.paths = Paths(top, top, top)
        self.env = _env_for(self.paths)
        self.proc: Optional[subprocess.Popen] = None

    def __iter__(self):
        return iter((self.env, self.paths))

    def command(self) -> list[str]:
        cmd = [sys.executable, os.path.join(BIN, "pyvswitchd"), "--pidfile", "--log-file",
               "-vsyslog:off", "-vconsole:warn"]
        if self.dummy:
            cmd += ["--enable-dummy=" + self.dummy, "--disable-system"]
        cmd += self.args
        if self.database:
            cmd.append(self.database)
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return cmd

    def start(self) -> "Daemon":
        stderr = open(os.path.join(self.paths.logdir, "pyvswitchd.stderr"), "ab")
        self.proc = subprocess.Popen(self.command(), env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=stderr, stderr=stderr, cwd=self.paths.rundir)
        stderr.close()
        self.paths.ctl = os.path.join(self.paths.rundir, "pyvswitchd.%d.ctl" % self.proc.pid)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("pyvswitchd exited with %s:\n%s"
                                   % (self.proc.returncode, self.stderr_text()))
            db_ok = self.database is not None or _answers_jsonrpc(self.paths.db_sock,
                                                                  "list_dbs", [])
            if db_ok and _answers_jsonrpc(self.paths.ctl, "version", []):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("pyvswitchd did not come up in %.0f s:\n%s"
                                   % (START_TIMEOUT, self.stderr_text()))
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> Optional[int]:
        """Stops the daemon; returns its exit status (negative: killed by that signal)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def kill9(self) -> None:
        """A crash: SIGKILL, no cleanup by the daemon."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> "Daemon":
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.paths.rundir, ignore_errors=True)

    # ---- conveniences -------------------------------------------------------------

    def run(self, *cmd: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(list(cmd), env=self.env, capture_output=True, text=True,
                              check=check, timeout=timeout)

    @property
    def db(self) -> str:
        """The database remote clients should use (external DATABASE or db.sock)."""
        return self.database or self.paths.db

    def vsctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Stock ovs-vsctl against this daemon's database."""
        return self.run("ovs-vsctl", "--timeout=20", "--db=" + self.db, *args, check=check)

    def appctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(sys.executable, os.path.join(BIN, "pyvs-appctl"), *args, check=check)

    def log_text(self) -> str:
        with contextlib.suppress(OSError), open(self.paths.log) as f:
            return f.read()
        return ""

    def stderr_text(self) -> str:
        with contextlib.suppress(OSError), open(os.path.join(self.paths.logdir,
                                                             "pyvswitchd.stderr")) as f:
            return f.read()
        return ""


@contextlib.contextmanager
def stock_ovsdb_server(directory: str, schema: str) -> Iterator[str]:
    """A stock ovsdb-server on a fresh database in `directory`; yields its "unix:" remote."""
    db = os.path.join(directory, "stock.db")
    sock = os.path.join(directory, "stock.sock")
    subprocess.run(["ovsdb-tool", "create", db, schema], check=True)
    proc = subprocess.Popen(["ovsdb-server", "--remote=punix:" + sock,
                             "--unixctl=" + os.path.join(directory, "stock.ctl"),
                             "--log-file=" + os.path.join(directory, "stock.log"), db],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_jsonrpc(sock, "list_dbs", []):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("stock ovsdb-server did not start")
            time.sleep(0.05)
        subprocess.run(["ovs-vsctl", "--db=unix:" + sock, "--no-wait", "init"], check=True)
        yield "unix:" + sock
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def pyvswitchd() -> Iterator[Daemon]:
    """A started Daemon() (embedded database, dummy ports), cleaned up after the test."""
    with Daemon() as daemon:
        yield daemon
