"""The embedded OVSDB server end to end: real engine, real sockets, stock OVS clients.

Each test gets a private directory under pytest's tmp_path for its database file and sockets;
every server and client process started here is stopped before the test ends."""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

import pyvswitch  # noqa: F401  (must precede any ovs import)
import ovs.db.idl
import ovs.poller

from pyvswitch.dirs import schema_path
from pyvswitch.ovsdb.database import Database
from pyvswitch.ovsdb.server import OvsdbServer

HAVE_STOCK_CLIENT = shutil.which("ovsdb-client") is not None
needs_stock = pytest.mark.skipif(not HAVE_STOCK_CLIENT, reason="stock ovsdb-client missing")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    db = Database.open_file(str(tmp_path / "conf.db"), schema_path())
    srv = OvsdbServer([db], ["punix:" + str(tmp_path / "db.sock")])
    srv.start()
    srv.remote = "unix:" + str(tmp_path / "db.sock")
    srv.db = db
    yield srv
    srv.stop()


def client(*args, timeout=10, check=True):
    proc = subprocess.run(["ovsdb-client", "--timeout=%d" % timeout, *args],
                          capture_output=True, text=True, timeout=timeout + 5)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def transact(remote, *ops):
    out = client("transact", remote, json.dumps(["Open_vSwitch", *ops])).stdout
    return json.loads(out)


class IdlClient:
    """A python-ovs IDL over every table, spun until a condition holds."""

    def __init__(self, remote, lock=None):
        helper = ovs.db.idl.SchemaHelper(location=schema_path())
        helper.register_all()
        self.idl = ovs.db.idl.Idl(remote, helper)
        if lock:
            self.idl.set_lock(lock)

    def spin_until(self, condition, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.idl.run()
            if condition():
                return True
            poller = ovs.poller.Poller()
            self.idl.wait(poller)
            poller.timer_wait(50)
            poller.block()
        return False

    def commit(self, mutate):
        """Runs `mutate(txn)` in an IDL transaction and commits it, retrying on TRY_AGAIN."""
        for _ in range(20):
            assert self.spin_until(lambda: self.idl.has_ever_connected())
            txn = ovs.db.idl.Transaction(self.idl)
            mutate(txn)
            status = txn.commit_block()
            if status != ovs.db.idl.Transaction.TRY_AGAIN:
                return status
        raise AssertionError("transaction kept failing with TRY_AGAIN")

    def bridges(self):
        return sorted(row.name for row in self.idl.tables["Bridge"].rows.values())

    def close(self):
        self.idl.close()


@pytest.fixture
def idl_clients():
    made = []

    def make(remote, lock=None):
        made.append(IdlClient(remote, lock))
        return made[-1]
    yield make
    for c in made:
        c.close()


# ---- python-ovs IDL ----------------------------------------------------------------------

def test_idl_client_sees_inserts_updates_and_deletes(server, idl_clients):
    writer, reader = idl_clients(server.remote), idl_clients(server.remote)

    def add_bridge(txn):
        root = txn.insert(writer.idl.tables["Open_vSwitch"])
        bridge = txn.insert(writer.idl.tables["Bridge"])
        bridge.name = "br0"
        root.bridges = [bridge]
    assert writer.commit(add_bridge) == ovs.db.idl.Transaction.SUCCESS
    assert reader.spin_until(lambda: reader.bridges() == ["br0"])

    def set_ids(txn):
        bridge = next(iter(writer.idl.tables["Bridge"].rows.values()))
        bridge.external_ids = {"owner": "test"}
    writer.commit(set_ids)
    assert reader.spin_until(lambda: [dict(b.external_ids) for b in
                                      reader.idl.tables["Bridge"].rows.values()]
                             == [{"owner": "test"}])

    def drop_bridges(txn):
        root = next(iter(writer.idl.tables["Open_vSwitch"].rows.values()))
        root.bridges = []
    writer.commit(drop_bridges)
    assert reader.spin_until(lambda: reader.bridges() == [])


def test_idl_resynchronises_after_reconnect(server, idl_clients):
    reader = idl_clients(server.remote)
    assert reader.spin_until(lambda: reader.idl.has_ever_connected())
    transact(server.remote, {"op": "insert", "table": "Open_vSwitch", "row": {}})
    assert reader.spin_until(lambda: len(reader.idl.tables["Open_vSwitch"].rows) == 1)
    reader.idl._session.force_reconnect()
    transact(server.remote, {"op": "update", "table": "Open_vSwitch", "where": [],
                             "row": {"external_ids": ["map", [["phase", "2"]]]}})
    assert reader.spin_until(lambda: [dict(r.external_ids) for r in
                                      reader.idl.tables["Open_vSwitch"].rows.values()]
                             == [{"phase": "2"}])
    assert reader.idl.last_id != "00000000-0000-0000-0000-000000000000"


def test_two_idl_clients_contend_for_a_lock(server, idl_clients):
    first = idl_clients(server.remote, lock="leader")
    assert first.spin_until(lambda: first.idl.has_lock)
    second = idl_clients(server.remote, lock="leader")
    assert second.spin_until(lambda: second.idl.is_lock_contended)
    assert not second.idl.has_lock
    first.close()
    assert second.spin_until(lambda: second.idl.has_lock)


# ---- stock clients -------------------------------------------------------------------------

@needs_stock
def test_ovsdb_client_dump_transact_and_list(server):
    assert client("list-dbs", server.remote).stdout.split() == ["Open_vSwitch", "_Server"]
    version = json.load(open(schema_path()))["version"]
    assert client("get-schema-version", server.remote).stdout.strip() == version
    result = transact(server.remote,
                      {"op": "insert", "table": "Bridge", "row": {"name": "br0"},
                       "uuid-name": "b"},
                      {"op": "insert", "table": "Open_vSwitch",
                       "row": {"bridges": ["named-uuid", "b"]}})
    assert [list(r) for r in result] == [["uuid"], ["uuid"]]
    server.compact()
    dump = client("dump", server.remote, "Open_vSwitch", "Bridge", "name").stdout
    assert dump.split() == ["Bridge", "table", "name", "----", "br0"]
    server_db = client("dump", server.remote, "_Server", "Database", "name", "model",
                       "connected", "leader").stdout
    assert "standalone" in server_db and "Open_vSwitch" in server_db
    refused = json.loads(client("transact", server.remote, json.dumps(
        ["_Server", {"op": "delete", "table": "Database", "where": []}])).stdout)
    assert refused == [{"details": "delete operation not allowed on table in reserved "
                                   "database _Server", "error": "not allowed"}]


@needs_stock
def test_ovs_vsctl_no_wait_against_our_server(server):
    def vsctl(*args):
        proc = subprocess.run(["ovs-vsctl", "--timeout=10", "--no-wait",
                               "--db=" + server.remote, *args],
                              capture_output=True, text=True, timeout=15)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout
    vsctl("init")
    vsctl("add-br", "br0")
    vsctl("add-port", "br0", "p1", "--", "set", "Interface", "p1", "type=internal")
    assert vsctl("list-br") == "br0\n"
    assert vsctl("list-ports", "br0") == "p1\n"
    show = vsctl("show")
    assert 'Bridge br0' in show and 'Port p1' in show and "type: internal" in show
    vsctl("del-br", "br0")
    assert vsctl("list-br") == ""


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _normalize(text):
    seen = {}
    return _UUID_RE.sub(lambda m: "<%d>" % seen.setdefault(m.group(0), len(seen)), text)


def _canonical_monitor(text):
    """ovsdb-client monitor output with row UUIDs hidden and rows sorted within each update
    (servers list a notification's rows in no particular order)."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        rows, header = [], lines[:2]
        for line in lines[2:]:
            if _UUID_RE.match(line):
                rows.append([_UUID_RE.sub("<uuid>", line, count=1)])
            elif rows:
                rows[-1].append(line)
        blocks.append(header + sorted("\n".join(row) for row in rows))
    return blocks


class _Watcher:
    """Runs an ovsdb-client monitor command, collecting its output on a thread."""

    def __init__(self, *args):
        # Line-buffered, or ovsdb-client holds its output until it exits.
        self.proc = subprocess.Popen(["stdbuf", "-oL", "ovsdb-client", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, word, count=1, timeout=10.0):
        deadline = time.monotonic() + timeout
        while "".join(self.lines).count(word) < count:
            assert time.monotonic() < deadline, "".join(self.lines)
            time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        return "".join(self.lines)


def _client_script(remote):
    """One fixed sequence of ovsdb-client commands; returns each command's output."""
    def transact_step(*ops):
        proc = subprocess.run(["ovsdb-client", "transact", remote,
                               json.dumps(["Open_vSwitch", *ops])],
                              capture_output=True, text=True, timeout=10)
        outputs.append(proc.stdout + proc.stderr)

    outputs = []
    transact_step(
        {"op": "insert", "table": "Bridge", "row": {"name": "br0"}, "uuid-name": "b0"},
        {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["named-uuid", "b0"]}})
    watchers = [
        _Watcher("monitor", remote, "Open_vSwitch", "Bridge", "name,external_ids,fail_mode"),
        _Watcher("monitor-cond", remote, "Open_vSwitch", '[["name","!=","br2"]]', "Bridge",
                 "name,fail_mode"),
    ]
    try:
        for watcher in watchers:
            watcher.wait_for("br0")
        transact_step(
            {"op": "insert", "table": "Bridge", "row": {"name": "br1",
             "external_ids": ["map", [["a", "1"]]]}, "uuid-name": "b1"},
            {"op": "insert", "table": "Bridge", "row": {"name": "br2"}, "uuid-name": "b2"},
            {"op": "mutate", "table": "Open_vSwitch", "where": [], "mutations": [
                ["bridges", "insert", ["set", [["named-uuid", "b1"], ["named-uuid", "b2"]]]]]})
        transact_step({"op": "update", "table": "Bridge", "where": [["name", "==", "br1"]],
                       "row": {"fail_mode": "secure", "external_ids": ["map", [["b", "2"]]]}})
        transact_step({"op": "mutate", "table": "Bridge", "where": [], "mutations": [
            ["external_ids", "insert", ["map", [["c", "3"]]]]]})
        transact_step({"op": "select", "table": "Bridge", "where": [["name", "==", "br1"]],
                       "columns": ["name", "fail_mode", "external_ids"]})
        transact_step({"op": "update", "table": "Open_vSwitch", "where": [],
                       "row": {"bridges": ["set", []]}})
        for args in (["list-tables", remote, "Open_vSwitch"],
                     ["list-columns", remote, "Open_vSwitch", "Manager"],
                     ["dump", remote, "Open_vSwitch", "Open_vSwitch", "bridges"]):
            outputs.append(client(*args).stdout)
        watchers[0].wait_for("delete", 3)
        watchers[1].wait_for("delete", 2)
    finally:
        watched = [_canonical_monitor(watcher.stop()) for watcher in watchers]
    return [_normalize(text) for text in outputs] + watched


@needs_stock
@pytest.mark.skipif(not shutil.which("ovsdb-server"), reason="stock ovsdb-server missing")
def test_ovsdb_client_output_matches_stock_ovsdb_server(server, tmp_path):
    stock_dir = tmp_path / "stock"
    stock_dir.mkdir()
    subprocess.run(["ovsdb-tool", "create", str(stock_dir / "conf.db"), schema_path()],
                   check=True)
    stock = subprocess.Popen(
        ["ovsdb-server", str(stock_dir / "conf.db"), "--remote=punix:%s" % (stock_dir / "sock"),
         "--unixctl=%s" % (stock_dir / "ctl"), "--no-chdir", "--log-file=/dev/null"],
        stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(stock_dir / "sock"):
                break
            time.sleep(0.05)
        expected = _client_script("unix:%s" % (stock_dir / "sock"))
    finally:
        stock.terminate()
        stock.wait(timeout=10)
    assert _client_script(server.remote) == expected


# ---- remotes -------------------------------------------------------------------------------

@needs_stock
def test_manager_rows_open_and_close_listeners(tmp_path):
    db = Database.open_file(str(tmp_path / "conf.db"), schema_path())
    sock = str(tmp_path / "db.sock")
    srv = OvsdbServer([db], ["punix:" + sock], ["db:Open_vSwitch,Open_vSwitch,manager_options"])
    srv.start()
    try:
        port = free_port()
        tcp = "tcp:127.0.0.1:%d" % port
        transact("unix:" + sock,
                 {"op": "insert", "table": "Manager", "uuid-name": "m",
                  "row": {"target": "ptcp:%d:127.0.0.1" % port}},
                 {"op": "insert", "table": "Open_vSwitch",
                  "row": {"manager_options": ["named-uuid", "m"]}})
        assert client("list-dbs", tcp).stdout.split() == ["Open_vSwitch", "_Server"]
        transact("unix:" + sock, {"op": "update", "table": "Open_vSwitch", "where": [],
                                  "row": {"manager_options": ["set", []]}})
        assert client("list-dbs", tcp, timeout=2, check=False).returncode != 0
    finally:
        srv.stop()


@needs_stock
def test_active_unix_remote_connects_out_and_serves(server, tmp_path):
    listen = str(tmp_path / "active.sock")
    peer = subprocess.Popen(["ovsdb-client", "--timeout=10", "list-dbs", "punix:" + listen],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for _ in range(100):
            if os.path.exists(listen):
                break
            time.sleep(0.05)
        srv = OvsdbServer([server.db], ["unix:" + listen])
        srv.start()
        try:
            out, _ = peer.communicate(timeout=15)
        finally:
            srv.stop()
    finally:
        if peer.poll() is None:
            peer.kill()
            peer.wait()
    assert out.split() == ["Open_vSwitch", "_Server"]


def test_listen_failure_is_a_clear_oserror(tmp_path):
    db = Database.open_file(str(tmp_path / "conf.db"), schema_path())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        srv = OvsdbServer([db], ["ptcp:%d:127.0.0.1" % port])
        with pytest.raises(OSError, match="ptcp:%d:127.0.0.1: listen failed" % port):
            srv.start()


def test_slow_reader_does_not_stall_other_clients(server):
    path = server.remote[len("unix:"):]
    slow = socket.socket(socket.AF_UNIX)
    slow.connect(path)
    try:
        slow.sendall(json.dumps({"method": "monitor", "id": 1, "params": [
            "Open_vSwitch", None, {"Open_vSwitch": {}}]}).encode())
        big = ["map", [["k%d" % i, "v" * 200] for i in range(200)]]
        transact(server.remote, {"op": "insert", "table": "Open_vSwitch", "row": {}})
        start = time.monotonic()
        for _ in range(30):
            transact(server.remote, {"op": "update", "table": "Open_vSwitch", "where": [],
                                     "row": {"external_ids": big}})
            big[1][0][1] += "x"
        assert time.monotonic() - start < 20
        assert server.stats()["sessions"] >= 1
    finally:
        slow.close()
