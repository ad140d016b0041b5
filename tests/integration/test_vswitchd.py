"""pyvswitchd as a whole: ports and OpenFlow numbers, status columns, errors, the
control socket, pidfile, signals, --detach — driven with stock OVS clients.

Each scenario runs against the embedded OVSDB server and against a stock
ovsdb-server given as DATABASE, which must behave the same.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.harness import BIN, Daemon, stock_ovsdb_server
from pyvswitch import dirs


@pytest.fixture(params=["embedded", "stock-ovsdb-server"])
def switch(request, tmp_path):
    if request.param == "embedded":
        with Daemon() as daemon:
            yield daemon
    else:
        with stock_ovsdb_server(str(tmp_path), dirs.schema_path()) as remote:
            with Daemon(database=remote) as daemon:
                yield daemon


def get(daemon, table, record, column):
    return daemon.vsctl("get", table, record, column).stdout.strip()


def test_ports_get_openflow_numbers_like_ovs(switch):
    switch.vsctl("add-br", "br0")
    switch.vsctl("add-port", "br0", "p1", "--", "set", "Interface", "p1", "ofport_request=5")
    switch.vsctl("add-port", "br0", "p2")
    switch.vsctl("add-port", "br0", "p3")
    assert get(switch, "Interface", "br0", "ofport") == "65534"
    assert [get(switch, "Interface", p, "ofport") for p in ("p1", "p2", "p3")] == ["5", "1", "2"]

    switch.vsctl("del-port", "br0", "p2")
    switch.vsctl("add-port", "br0", "p4")
    assert get(switch, "Interface", "p4", "ofport") == "1"      # lowest free number
    assert get(switch, "Interface", "p3", "ofport") == "2"      # unchanged while it exists

    switch.vsctl("set", "Interface", "p3", "ofport_request=10")
    assert get(switch, "Interface", "p3", "ofport") == "10"
    switch.vsctl("add-port", "br0", "p5", "--", "set", "Interface", "p5", "ofport_request=10")
    assert get(switch, "Interface", "p5", "ofport") == "2"      # 10 is taken: lowest free

    # ovs-vsctl without --no-wait returned, so the daemon caught up with next_cfg.
    assert get(switch, "Open_vSwitch", ".", "cur_cfg") == get(switch, "Open_vSwitch", ".", "next_cfg")

    switch.vsctl("del-br", "br0")
    assert switch.vsctl("list-br").stdout == ""
    assert "bridge br0: deleted interface p1 on port 5" in switch.log_text()


def test_status_columns(switch):
    switch.vsctl("add-br", "br0", "--", "add-port", "br0", "p1")
    assert re.fullmatch(r'"[0-9a-f]{16}"', get(switch, "Bridge", "br0", "datapath_id"))
    assert get(switch, "Interface", "p1", "error") == "[]"
    assert re.fullmatch(r'"([0-9a-f]{2}:){5}[0-9a-f]{2}"', get(switch, "Interface", "p1", "mac_in_use"))
    assert get(switch, "Interface", "p1", "link_state") == "up"
    assert get(switch, "Interface", "p1", "admin_state") == "up"
    assert get(switch, "Interface", "p1", "mtu") == "1500"
    assert "rx_packets=0" in get(switch, "Interface", "p1", "statistics")
    assert get(switch, "Open_vSwitch", ".", "ovs_version") == '"3.1.0"'
    assert get(switch, "Open_vSwitch", ".", "db_version").strip('"') == "8.3.1"
    assert "netdev" in get(switch, "Open_vSwitch", ".", "datapath_types")
    assert "internal" in get(switch, "Open_vSwitch", ".", "iface_types")

    switch.vsctl("set", "Bridge", "br0", "other_config:datapath-id=00000000000000ab")
    deadline = time.monotonic() + 10
    while get(switch, "Bridge", "br0", "datapath_id") != '"00000000000000ab"':
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # The bridge's OpenFlow management socket shows the same switch.
    show = switch.run("ovs-ofctl", "show", "br0").stdout
    assert "dpid:00000000000000ab" in show
    assert re.search(r"^ 1\(p1\): addr:", show, re.M) and re.search(r"^ LOCAL\(br0\): addr:", show, re.M)

    switch.vsctl("set", "Bridge", "br0", "other_config:hwaddr=00:11:22:33:44:55",
                 "--", "remove", "Bridge", "br0", "other_config", "datapath-id")
    deadline = time.monotonic() + 10
    while get(switch, "Bridge", "br0", "datapath_id") != '"0000001122334455"':
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert get(switch, "Interface", "br0", "mac_in_use") == '"00:11:22:33:44:55"'

    switch.vsctl("set", "Interface", "p1", "mtu_request=1400")
    deadline = time.monotonic() + 10
    while get(switch, "Interface", "p1", "mtu") != "1400":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_unknown_type_and_missing_device_report_errors(tmp_path):
    missing = "pyvsnx%d" % (os.getpid() % 100000)
    # Plain --enable-dummy: system ports are real (and this one does not exist).
    with Daemon(dummy="system") as d:
        d.vsctl("add-br", "br0", "--", "set", "Interface", "br0", "type=dummy")
        r = d.vsctl("add-port", "br0", missing, check=False)
        assert ("ovs-vsctl: Error detected while setting up '%s': could not open network "
                "device %s (No such device).  See ovs-vswitchd log for details." % (missing, missing)
                ) in r.stderr
        assert d.vsctl("get", "Interface", missing, "ofport").stdout.strip() == "-1"
        assert d.vsctl("get", "Interface", missing, "error").stdout.strip() == (
            '"could not open network device %s (No such device)"' % missing)
        d.vsctl("add-port", "br0", "p9", "--", "set", "Interface", "p9", "type=bogus", check=False)
        assert d.vsctl("get", "Interface", "p9", "error").stdout.strip() == (
            '"could not open network device p9 (Address family not supported by protocol)"')
        # Fixing the type brings the port up without a restart.
        d.vsctl("set", "Interface", "p9", "type=dummy")
        assert d.vsctl("get", "Interface", "p9", "ofport").stdout.strip() == "1"
        assert d.vsctl("get", "Interface", "p9", "error").stdout.strip() == "[]"


def test_appctl_commands(switch):
    for appctl in (["pyvs-appctl"], ["ovs-appctl", "-t", "pyvswitchd"]):
        out = switch.run(*appctl, "version").stdout
        assert out == "pyvswitchd (pyvswitch) 0.1.0\n"
        commands = switch.run(*appctl, "list-commands").stdout
        assert commands.startswith("The available commands are:\n")
        for name in ("coverage/show", "exit", "memory/show", "vlog/list", "vlog/set",
                     "vlog/reopen", "version", "list-commands"):
            assert re.search(r"^  %s\b" % re.escape(name), commands, re.M), name
        r = switch.run(*appctl, "no-such-command", check=False)
        assert r.returncode == 2
        assert r.stderr.startswith('"no-such-command" is not a valid command (use "list-commands" '
                                   'to see a list of valid commands)\n')
        assert r.stderr.endswith(": pyvswitchd: server returned an error\n")

    switch.appctl("vlog/set", "bridge:file:dbg")
    assert re.search(r"^bridge +\S+ +\S+ +DBG$", switch.appctl("vlog/list").stdout, re.M)
    r = switch.appctl("vlog/set", "nosuchmodule", check=False)
    assert (r.returncode, r.stderr.splitlines()[0]) == (2, 'no destination, level, or module "nosuchmodule"')
    switch.appctl("vlog/reopen")

    coverage = switch.appctl("coverage/show").stdout
    assert re.match(r"Event coverage, avg rate over last: 5 seconds, last minute, last hour,  "
                    r"hash=[0-9a-f]{8}:\n", coverage)
    assert re.search(r"^bridge_reconfigure +\d+\.\d/sec +\d+\.\d{3}/sec +\d+\.\d{4}/sec   "
                     r"total: [1-9]\d*$", coverage, re.M)
    assert re.search(r"^\d+ events never hit$", coverage, re.M)
    assert re.fullmatch(r"(\S+:\d+ )*\S+:\d+\n", switch.appctl("memory/show").stdout)


def test_appctl_errors_without_daemon(tmp_path):
    env = dict(os.environ, PYVS_RUNDIR=str(tmp_path))
    r = subprocess.run([sys.executable, os.path.join(BIN, "pyvs-appctl"), "version"],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.endswith('pyvs-appctl: cannot read pidfile "%s/pyvswitchd.pid" '
                             '(No such file or directory)\n' % tmp_path)
    r = subprocess.run([sys.executable, os.path.join(BIN, "pyvs-appctl"), "-t",
                        str(tmp_path / "none.ctl"), "version"], env=env, capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.endswith('pyvs-appctl: cannot connect to "%s/none.ctl" (No such file or '
                             'directory)\n' % tmp_path)
    r = subprocess.run([sys.executable, os.path.join(BIN, "pyvs-appctl")], env=env,
                       capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (1, "pyvs-appctl: at least one non-option argument is "
                                           "required (use --help for help)\n")

    # A daemon that never answers: --timeout ends us with SIGALRM, as ovs-appctl.
    with socket.socket(socket.AF_UNIX) as silent:
        silent.bind(str(tmp_path / "silent.ctl"))
        silent.listen()
        r = subprocess.run([sys.executable, os.path.join(BIN, "pyvs-appctl"), "-t",
                            str(tmp_path / "silent.ctl"), "--timeout=1", "version"],
                           env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == -signal.SIGALRM
    assert r.stderr.endswith("|fatal_signal|WARN|terminating with signal 14 (Alarm clock)\n")


def test_log_file_uses_ovs_line_format(switch):
    switch.vsctl("add-br", "br0")
    lines = switch.log_text().splitlines()
    assert lines and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|\d{5}\|[\w\-()/:]+\|"
                                      r"(EMER|ERR|WARN|INFO|DBG)\|.*", line) for line in lines), lines
    assert re.search(r"\|bridge\|INFO\|bridge br0: added interface br0 on port 65534$",
                     "\n".join(lines), re.M)


def test_second_daemon_refuses_and_exit_command_cleans_up(switch):
    pid = switch.proc.pid
    r = subprocess.run(switch.command(), env=switch.env, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "pyvswitchd: %s: already running as pid %d, aborting" % (switch.paths.pidfile, pid) in r.stderr
    assert os.path.exists(switch.paths.pidfile) and os.path.exists(switch.paths.ctl)

    assert switch.appctl("exit").returncode == 0
    assert switch.proc.wait(10) == 0
    assert not os.path.exists(switch.paths.pidfile)
    assert not os.path.exists(switch.paths.ctl)


def test_sigterm_shuts_down_cleanly(switch):
    switch.vsctl("add-br", "br0")
    ctl, pidfile = switch.paths.ctl, switch.paths.pidfile
    assert switch.stop(signal.SIGTERM) == -signal.SIGTERM
    assert not os.path.exists(pidfile) and not os.path.exists(ctl)
    log = switch.log_text()
    assert "fatal_signal|WARN|terminating with signal 15 (Terminated)" in log
    assert "bridge br0: deleted interface br0 on port 65534" in log


def test_detach_returns_when_ready(tmp_path):
    d = Daemon()
    try:
        cmd = d.command() + ["--detach", "--no-chdir"]
        started = time.monotonic()
        r = subprocess.run(cmd, env=d.env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert time.monotonic() - started < 20
        with open(d.paths.pidfile) as f:
            pid = int(f.read())
        assert d.run("ovs-appctl", "-t", "pyvswitchd", "version").stdout.startswith("pyvswitchd")
        d.vsctl("add-br", "br0")
        d.appctl("exit")
        deadline = time.monotonic() + 10
        while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(d.paths.pidfile)
    finally:
        if os.path.exists(d.paths.pidfile):
            with open(d.paths.pidfile) as f:
                os.kill(int(f.read()), signal.SIGKILL)
        d.cleanup()


def test_command_line():
    daemon = [sys.executable, os.path.join(BIN, "pyvswitchd")]
    r = subprocess.run(daemon + ["--version"], capture_output=True, text=True)
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == "pyvswitchd (pyvswitch) 0.1.0"
    assert "3.1.0" in r.stdout.splitlines()[1]
    r = subprocess.run(daemon + ["--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "usage: pyvswitchd [OPTIONS] [DATABASE]" in r.stdout
    r = subprocess.run(daemon + ["--bogus"], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (1, "pyvswitchd: unrecognized option '--bogus'\n")
    r = subprocess.run(daemon + ["a", "b"], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (
        1, "pyvswitchd: at most one non-option argument accepted; use --help for usage\n")


def wait_for_log(daemon, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in daemon.log_text():
        assert time.monotonic() < deadline, "%r not logged:\n%s" % (text, daemon.log_text())
        time.sleep(0.05)


def test_only_the_lock_holder_configures_and_a_standby_takes_over(tmp_path):
    with stock_ovsdb_server(str(tmp_path), dirs.schema_path()) as remote, \
            Daemon(database=remote) as first:
        first.vsctl("add-br", "br0", "--", "add-port", "br0", "p2")   # first holds the lock
        first.vsctl("add-port", "br0", "p1")
        with Daemon(database=remote) as standby:
            wait_for_log(standby, "another pyvswitchd process is running, disabling this "
                                  "process (pid %d) until it goes away" % standby.proc.pid)
            first.vsctl("add-port", "br0", "p3")
            assert "bridge br0" not in standby.log_text()
            first.stop()
            # The standby keeps the numbers the database shows (p1 was added after p2).
            wait_for_log(standby, "bridge br0: added interface p3 on port 3")
            assert "bridge br0: added interface p1 on port 2" in standby.log_text()
            assert "bridge br0: added interface p2 on port 1" in standby.log_text()
