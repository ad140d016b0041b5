"""OpenFlow flow-table benchmark: pyvswitchd against stock ovs-vswitchd, stock ovs-ofctl as the client.

Run:  python bench/flow_bench.py [--flows 100000] [--only pyvswitch,stock-ovs]

Both switches run on dummy ports (no root needed) in private directories, one after the other,
in the same run.  The flows: `--flows` of them in 4 tables, each an IPv4 source/destination
match with a rewrite and a resubmit to the next table.  Measured per switch:
  add_s        ovs-ofctl add-flows of the whole file
  dump_s       ovs-ofctl dump-flows of every flow (output discarded)
  replace_s    ovs-ofctl -O OpenFlow14 --bundle replace-flows of the same file (no change)
  del_s        ovs-ofctl del-flows
  rss_per_flow bytes of daemon RSS per installed flow (RSS after add-flows minus before)
Ratios are pyvswitch / stock (lower is better for all).  Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.harness import Daemon  # noqa: E402
from tests.stock_ovs import StockOVS  # noqa: E402

N_TABLES = 4


def flow_file(n_flows: int) -> str:
    lines = []
    for index in range(n_flows):
        table = index % N_TABLES
        n = index // N_TABLES
        lines.append("table=%d,priority=100,ip,nw_src=10.%d.%d.%d,nw_dst=172.16.%d.%d,"
                     "actions=mod_nw_tos:%d,resubmit(,%d)"
                     % (table, n >> 16 & 255, n >> 8 & 255, n & 255, n >> 8 & 255, n & 255,
                        (n % 63) * 4, table + 1))
    path = tempfile.mkstemp(prefix="flows-", suffix=".txt")[1]
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    return path


def rss_bytes(pid: int) -> int:
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def timed(env: dict, *args: str, stdout=subprocess.DEVNULL) -> float:
    start = time.monotonic()
    subprocess.run(["ovs-ofctl", "--timeout=600", *args], env=env, check=True, stdout=stdout,
                   stderr=subprocess.PIPE, timeout=900)
    return time.monotonic() - start


def measure(env: dict, target: str, pid: int, path: str, n_flows: int) -> dict:
    timed(env, "del-flows", target)
    before = rss_bytes(pid)
    result = {"add_s": timed(env, "add-flows", target, path)}
    time.sleep(1.0)
    result["rss_per_flow"] = (rss_bytes(pid) - before) / n_flows
    result["dump_s"] = timed(env, "dump-flows", target)
    result["replace_s"] = timed(env, "-OOpenFlow14", "--bundle", "replace-flows", target, path)
    result["del_s"] = timed(env, "del-flows", target)
    return result


def _pid(pidfile: str) -> int:
    with open(pidfile) as handle:
        return int(handle.read().strip())


def run_pyvswitch(path: str, n_flows: int) -> dict:
    with Daemon() as daemon:
        daemon.vsctl("add-br", "br0")
        target = "unix:" + os.path.join(daemon.paths.rundir, "br0.mgmt")
        return measure(daemon.env, target, daemon.proc.pid, path, n_flows)


def run_stock(path: str, n_flows: int) -> dict:
    with StockOVS() as stock:
        stock.add_bridge("br0")
        pid = _pid(os.path.join(stock.dir, "ovs-vswitchd.pid"))
        return measure(stock.env, "unix:" + stock.mgmt_socket("br0"), pid, path, n_flows)


COLUMNS = ("add_s", "dump_s", "replace_s", "del_s", "rss_per_flow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100000)
    parser.add_argument("--only", default="pyvswitch,stock-ovs")
    args = parser.parse_args()
    path = flow_file(args.flows)
    results = {}
    try:
        for name in args.only.split(","):
            runner = {"pyvswitch": run_pyvswitch, "stock-ovs": run_stock}[name]
            results[name] = runner(path, args.flows)
            print("%-10s %s" % (name, "  ".join("%s=%.3f" % (c, results[name][c])
                                                 for c in COLUMNS)), flush=True)
    finally:
        os.unlink(path)
    if len(results) == 2:
        ours, stock = results["pyvswitch"], results["stock-ovs"]
        print("%-10s %s" % ("ratio", "  ".join(
            "%s=%.2f" % (c, ours[c] / stock[c] if stock[c] else float("nan"))
            for c in COLUMNS)))


if __name__ == "__main__":
    main()
