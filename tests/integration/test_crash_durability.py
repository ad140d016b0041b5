"""Acceptance: a transaction the embedded OVSDB server acknowledged survives kill -9.

Four clients commit 1000 small transactions in total over raw JSON-RPC on db.sock;
the daemon is killed with SIGKILL mid-stream and restarted on the same files;
every transaction that got a successful reply must be in the database.
"""
import json
import socket
import threading
import time

from tests.harness import Daemon

CLIENTS = 4
PER_CLIENT = 250
KILL_AFTER = 400            # acknowledged transactions before the crash


class JsonRpcClient:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.buffer = ""
        self.next_id = 0
        self.decoder = json.JSONDecoder()

    def call(self, method, params):
        """The reply's (result, error); raises OSError/EOFError when the server is gone."""
        self.next_id += 1
        request_id = self.next_id
        self.sock.sendall(json.dumps({"id": request_id, "method": method,
                                      "params": params}).encode())
        while True:
            message = self._read_message()
            if message.get("method") == "echo":
                self.sock.sendall(json.dumps({"id": message["id"], "result": message["params"],
                                              "error": None}).encode())
            elif message.get("id") == request_id:
                return message.get("result"), message.get("error")

    def _read_message(self):
        while True:
            text = self.buffer.lstrip()
            if text:
                try:
                    message, end = self.decoder.raw_decode(text)
                    self.buffer = text[end:]
                    return message
                except ValueError:
                    pass
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buffer += chunk.decode()

    def close(self):
        self.sock.close()


def mutate_op(key):
    return {"op": "mutate", "table": "Open_vSwitch", "where": [],
            "mutations": [["external_ids", "insert", ["map", [[key, "1"]]]]]}


def test_acknowledged_transactions_survive_kill9():
    with Daemon() as daemon:
        daemon.vsctl("--no-wait", "init")
        acked: list[list[str]] = [[] for _ in range(CLIENTS)]

        def client(n):
            try:
                rpc = JsonRpcClient(daemon.paths.db_sock)
            except OSError:
                return
            try:
                for i in range(PER_CLIENT):
                    key = "c%d-%d" % (n, i)
                    result, error = rpc.call("transact", ["Open_vSwitch", mutate_op(key)])
                    if error is None and result and result[0].get("count") == 1:
                        acked[n].append(key)
            except (OSError, EOFError, ValueError):
                pass
            finally:
                rpc.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while sum(map(len, acked)) < KILL_AFTER and any(t.is_alive() for t in threads):
            assert time.monotonic() < deadline, "clients made no progress"
            time.sleep(0.001)
        daemon.kill9()
        for t in threads:
            t.join(30)
        committed = [key for keys in acked for key in keys]
        assert KILL_AFTER <= len(committed) < CLIENTS * PER_CLIENT, \
            "the crash did not happen mid-stream (%d acknowledged)" % len(committed)

        daemon.start()
        rpc = JsonRpcClient(daemon.paths.db_sock)
        try:
            result, error = rpc.call("transact", ["Open_vSwitch", {
                "op": "select", "table": "Open_vSwitch", "where": [], "columns": ["external_ids"]}])
        finally:
            rpc.close()
        assert error is None
        stored = {k for k, _ in result[0]["rows"][0]["external_ids"][1]}
        missing = [key for key in committed if key not in stored]
        assert not missing, "%d acknowledged transactions lost, e.g. %s" % (len(missing), missing[:5])
