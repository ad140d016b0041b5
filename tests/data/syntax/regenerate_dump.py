"""Regenerates dump_flows.golden.json from a stock ovs-vswitchd on a dummy datapath:

    python tests/data/syntax/regenerate_dump.py

It starts ovsdb-server and ovs-vswitchd in a temporary directory, makes br0 with the ports of
PORTS (names that print bare and names that need quotes), adds each flow of dump_flows.txt, records
`ovs-ofctl [-O V] [--names|--no-stats] dump-flows br0` and stops both daemons.
"""
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import time

HERE = pathlib.Path(__file__).parent
MODES = (("OpenFlow10", ()), ("OpenFlow13", ()), ("OpenFlow15", ()),
         ("OpenFlow10", ("--names",)), ("OpenFlow10", ("--no-stats",)),
         ("OpenFlow15", ("--no-stats",)), ("OpenFlow13", ("--names", "--no-stats")))
PORTS = {"p1": 1, "my port": 2, "123": 3, "a-b.c": 4, "9p": 5, "_x": 6, 'q"t': 7,
         "tab\tx": 8, "pX9": 9}


def main():
    flows = [line for line in (HERE / "dump_flows.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    with tempfile.TemporaryDirectory() as rundir:
        env = dict(os.environ, OVS_RUNDIR=rundir, OVS_DBDIR=rundir, OVS_LOGDIR=rundir)
        db = "unix:%s/db.sock" % rundir

        def run(*args):
            return subprocess.run(args, env=env, check=True, capture_output=True,
                                  text=True).stdout

        run("ovsdb-tool", "create", rundir + "/conf.db",
            "/usr/share/openvswitch/vswitch.ovsschema")
        run("ovsdb-server", "--remote=punix:%s/db.sock" % rundir, "--detach",
            "--pidfile=%s/ovsdb-server.pid" % rundir, rundir + "/conf.db")
        run("ovs-vsctl", "--db=" + db, "--no-wait", "init")
        run("ovs-vswitchd", "--enable-dummy", db, "--detach", "--disable-system",
            "--pidfile=%s/ovs-vswitchd.pid" % rundir)
        try:
            command = ["ovs-vsctl", "--db=" + db, "add-br", "br0", "--", "set", "bridge", "br0",
                       "datapath_type=dummy"]
            for name, number in PORTS.items():
                command += ["--", "add-port", "br0", name, "--", "set", "interface", name,
                            "type=dummy", "ofport_request=%d" % number]
            run(*command)
            run("ovs-ofctl", "del-flows", "br0")
            for flow in flows:
                run("ovs-ofctl", "-O", "OpenFlow14", "add-flow", "br0", flow)
            time.sleep(1.5)
            dumps = []
            for version, options in MODES:
                text = run("ovs-ofctl", "-O", version, *options, "dump-flows", "br0")
                dumps.append({"version": version, "options": list(options),
                              "lines": text.splitlines()})
        finally:
            for daemon in ("ovs-vswitchd", "ovsdb-server"):
                pid = int(pathlib.Path(rundir, daemon + ".pid").read_text())
                os.kill(pid, signal.SIGTERM)
    (HERE / "dump_flows.golden.json").write_text(
        json.dumps({"flows": flows, "ports": PORTS, "dumps": dumps}, indent=1) + "\n")


if __name__ == "__main__":
    main()
