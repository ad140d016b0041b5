"""A stock `ovs-vswitchd --enable-dummy` and a pyvswitchd with the same bridge br0 and the
same port numbers, each driven by stock ovs-ofctl: the differential tests' pair."""
from __future__ import annotations

import os
import subprocess

from tests.harness import Daemon
from tests.stock_ovs import StockOVS


class Switches:
    def __init__(self, stock: StockOVS, ours: Daemon, ports: dict[str, int]):
        self.stock, self.ours = stock, ours
        stock.add_bridge("br0", ports)
        command = ["add-br", "br0"]
        for name, number in ports.items():
            command += ["--", "add-port", "br0", name, "--", "set", "Interface", name,
                        "ofport_request=%d" % number]
        ours.vsctl(*command)
        self.targets = {"stock": (stock.env, "unix:" + stock.mgmt_socket("br0")),
                        "ours": (ours.env, "unix:" + os.path.join(ours.paths.rundir,
                                                                   "br0.mgmt"))}

    def ofctl(self, which: str, command: str, *rest: str, stdin: str | None = None):
        """Stock `ovs-ofctl [options] command SWITCH [operands]`: options are the arguments
        that start with "-" (a lone "-" is stdin, an operand)."""
        env, target = self.targets[which]
        options = [a for a in rest if a.startswith("-") and a != "-"]
        operands = [a for a in rest if not a.startswith("-") or a == "-"]
        return subprocess.run(["ovs-ofctl", *options, command, target, *operands], env=env,
                              input=stdin, capture_output=True, text=True, timeout=60)

    def both(self, *args: str, stdin: str | None = None):
        return self.ofctl("stock", *args, stdin=stdin), self.ofctl("ours", *args, stdin=stdin)
