"""OVSDB benchmark: pyvswitchd's embedded server against stock ovsdb-server, in the same run.

Run:  python bench/ovsdb_bench.py [--txns 2000] [--ports 1000] [--clients 4]

  txn/s 1 client   sequential small transactions (insert one Open_vSwitch external_ids mutation), one in flight
  txn/s N clients  the same from N concurrent clients
  add-port x N     N separate `ovs-vsctl --no-wait add-port` processes (the stock client against both servers)
  pyvs-vsctl ms    mean wall time of one `pyvs-vsctl --no-wait add-port` process (our client), over 50 runs
Figures are printed, never asserted.  pyvswitchd runs with --enable-dummy=override so ports need no devices.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def wait_for(path, timeout=20):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.05)


class JsonRpcClient:
    """Just enough JSON-RPC to time transactions: one request in flight."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""
        self.decoder = json.JSONDecoder()
        self.next_id = 0

    def call(self, method, params):
        self.next_id += 1
        self.sock.sendall(json.dumps({"method": method, "params": params, "id": self.next_id}).encode())
        while True:
            text = self.buf.decode()
            try:
                msg, end = self.decoder.raw_decode(text)
            except ValueError:
                self.buf += self.sock.recv(65536)
                continue
            self.buf = text[end:].lstrip().encode()
            if msg.get("id") == self.next_id:
                return msg
            # ignore notifications and echo requests


def time_transactions(sock_path, n, clients):
    def worker(count, tag):
        c = JsonRpcClient(sock_path)
        for i in range(count):
            reply = c.call("transact", ["Open_vSwitch", {
                "op": "mutate", "table": "Open_vSwitch", "where": [],
                "mutations": [["external_ids", "insert", ["map", [[f"k{tag}-{i}", "v"]]]]]}])
            result = reply.get("result")
            if not result or "error" in result[0]:
                raise RuntimeError(f"transaction failed: {reply}")

    threads = [threading.Thread(target=worker, args=(n // clients, t)) for t in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (n // clients * clients) / (time.perf_counter() - t0)


class Target:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pyvs-ovsdb-bench-")
        self.procs = []

    def close(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class StockServer(Target):
    name = "stock ovsdb-server"

    def start(self):
        d = self.dir
        subprocess.run(["ovsdb-tool", "create", f"{d}/conf.db", "/usr/share/openvswitch/vswitch.ovsschema"], check=True)
        self.procs.append(subprocess.Popen(
            ["ovsdb-server", f"{d}/conf.db", f"--remote=punix:{d}/db.sock", f"--unixctl={d}/ovsdb-server.ctl",
             "--no-chdir"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{d}/db.sock")
        self.sock = f"{d}/db.sock"
        self.env = dict(os.environ, OVS_RUNDIR=d)
        return self


class Pyvswitchd(Target):
    name = "pyvswitchd"

    def start(self):
        d = self.dir
        self.env = dict(os.environ, PYVS_RUNDIR=d, PYVS_DBDIR=d, PYVS_LOGDIR=d)
        self.procs.append(subprocess.Popen(["pyvswitchd", "--enable-dummy=override", "--pidfile"], env=self.env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{d}/db.sock")
        wait_for(f"{d}/pyvswitchd.pid")
        self.sock = f"{d}/db.sock"
        return self


def vsctl(prog, sock, *args, env=None):
    subprocess.run([prog, f"--db=unix:{sock}", "--no-wait", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def measure(target, args):
    row = {}
    vsctl("ovs-vsctl", target.sock, "init")
    vsctl("ovs-vsctl", target.sock, "add-br", "br0")
    row["txn/s 1 client"] = time_transactions(target.sock, args.txns, 1)
    row[f"txn/s {args.clients} clients"] = time_transactions(target.sock, args.txns, args.clients)
    t0 = time.perf_counter()
    for i in range(args.ports):
        vsctl("ovs-vsctl", target.sock, "add-port", "br0", f"p{i}")
    row[f"add-port x{args.ports} s"] = time.perf_counter() - t0
    if isinstance(target, Pyvswitchd) and shutil.which("pyvs-vsctl"):
        t0 = time.perf_counter()
        for i in range(50):
            vsctl("pyvs-vsctl", target.sock, "add-port", "br0", f"q{i}", env=target.env)
        row["pyvs-vsctl ms/cmd"] = (time.perf_counter() - t0) / 50 * 1e3
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--txns", type=int, default=2000)
    parser.add_argument("--ports", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    targets = [Pyvswitchd]
    if shutil.which("ovsdb-server") or os.path.exists("/usr/sbin/ovsdb-server"):
        targets.append(StockServer)
    rows = {}
    for cls in targets:
        t = cls()
        try:
            rows[t.name] = measure(t.start(), args)
        except Exception as e:
            print(f"{t.name}: failed: {e}")
        finally:
            t.close()
    metrics = sorted({m for r in rows.values() for m in r}, key=lambda m: list(
        next(iter(rows.values()))).index(m) if m in next(iter(rows.values())) else 99)
    print(f"{'':<20}" + "".join(f"{m:>22}" for m in metrics))
    for name, r in rows.items():
        print(f"{name:<20}" + "".join(f"{r[m]:>22.1f}" if m in r else f"{'-':>22}" for m in metrics))
    if len(rows) == 2:
        ours, ref = rows["pyvswitchd"], rows["stock ovsdb-server"]
        print(f"{'pyvs/stock':<20}" + "".join(
            f"{ours[m] / ref[m]:>22.2f}" if m in ours and m in ref else f"{'-':>22}" for m in metrics))


if __name__ == "__main__":
    sys.exit(main())
