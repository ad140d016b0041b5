"""pyvswitchd: the switch daemon, wired together.

What it owns: the process — command line, --detach, pidfile, logging, signals —
and the control thread's poll loop, which drives the unixctl server and the
bridge layer.  Other threads: the embedded OVSDB server (when no DATABASE is
given) and the datapath's forwarding thread.

Start-up order: parse options, fork if detaching (before any thread exists),
lock the pidfile, open the log, start the database server, the control socket,
the datapath and the bridge layer; tell the waiting parent we are ready once the
first configuration is applied.  Shutdown (SIGTERM/SIGINT/SIGHUP or `exit`)
runs the same steps backwards, so ports are removed (TAP devices deleted),
sockets and the pidfile unlinked; a signal is then re-raised so our exit status
says what killed us, as ovs-vswitchd's does.
"""
from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
from typing import Any, Optional

import pyvswitch  # noqa: F401  (must precede the ovs imports, see pyvswitch/__init__.py)
import ovs.poller
import ovs.unixctl

from pyvswitch import coverage, dirs, vlog
from pyvswitch.pidfile import AlreadyRunning, Pidfile
from pyvswitch.unixctl_server import UnixctlServer
from pyvswitch.datapath import commands as datapath_commands
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.netdev import dummy as netdev_dummy
from pyvswitch.ofproto import commands as ofproto_commands
from pyvswitch.ofproto import flow_commands
from pyvswitch.vswitchd import cmdline, detach
from pyvswitch.vswitchd.bridge_layer import BridgeLayer

PROGRAM = cmdline.PROGRAM
GIL_SWITCH_INTERVAL = 0.0005          # seconds
#: Garbage-collector thresholds: the young generation is collected every 20,000 net new
#: objects instead of 700.  OpenFlow rules, classifier entries and cached flows are many
#: long-lived objects; with the default, loading 100,000 flows was mostly collector time.
GC_THRESHOLDS = (20000, 20, 20)
log = logging.getLogger("vswitchd")


class Fatal(Exception):
    """Start-up failed; str() is printed after "pyvswitchd: "."""


def _start_embedded_server(remotes: list[str]) -> Any:
    from pyvswitch.ovsdb.database import Database
    from pyvswitch.ovsdb.server import OvsdbServer
    database = Database.open_file(dirs.conf_db(), schema_path_if_creating=dirs.schema_path())
    server = OvsdbServer([database], ["punix:" + dirs.db_sock()] + remotes,
                         ["db:Open_vSwitch,Open_vSwitch,manager_options"])
    server.start()
    return server


class _Process:
    """The running daemon's parts, in start-up order."""

    def __init__(self, opts: cmdline.Options):
        self.opts = opts
        self.pidfile: Optional[Pidfile] = None
        self.server: Any = None
        self.unixctl: Optional[UnixctlServer] = None
        self.datapath: Optional[Datapath] = None
        self.bridge_layer: Optional[BridgeLayer] = None
        self.exiting = False
        self.signal_number = 0
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def start(self) -> None:
        opts = self.opts
        for directory in (dirs.rundir(), dirs.dbdir(), dirs.logdir()):
            os.makedirs(directory, exist_ok=True)
        if opts.pidfile:
            self.pidfile = Pidfile(opts.pidfile)
            try:
                self.pidfile.create()
            except AlreadyRunning as e:
                self.pidfile = None
                raise Fatal(str(e)) from None
            except OSError as e:
                self.pidfile = None
                raise Fatal("%s: create failed (%s)" % (opts.pidfile, e.strerror)) from None
        if opts.log_file:
            error = vlog.set_log_file(opts.log_file)
            if error:
                raise Fatal(error)
        logging.getLogger("bridge").info(cmdline.version_text().splitlines()[0])
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

        remote = self.opts.database
        if remote is None:
            try:
                self.server = _start_embedded_server(opts.remotes)
            except ImportError as e:
                raise Fatal("embedded OVSDB server unavailable (%s)" % e) from None
            except OSError as e:
                raise Fatal("%s: %s" % (dirs.conf_db(), e)) from None
            except Exception as e:     # e.g. pyvswitch.ovsdb.errors.OvsdbError: a bad file
                raise Fatal("%s: %s" % (dirs.conf_db(), e)) from None
            remote = dirs.default_db()
        ctl_path = opts.unixctl or os.path.join(dirs.rundir(), "%s.%d.ctl" % (PROGRAM, os.getpid()))
        try:
            self.unixctl = UnixctlServer(ctl_path, cmdline.version_text().splitlines()[0])
        except OSError as e:
            raise Fatal(e.strerror) from None
        self._register_commands()

        # With --enable-dummy=override the datapath numbers its ports the way OVS's dummy datapath does.
        self.datapath = Datapath(dummy=opts.dummy == "override")
        self.datapath.start()
        self.bridge_layer = BridgeLayer(remote, dirs.schema_path(), self.datapath, opts.dummy,
                                        init_root_row=self.server is not None)
        datapath_commands.register_unixctl_commands(self.datapath, self.bridge_layer.running_bridges)
        ofproto_commands.register_unixctl_commands(self.bridge_layer.running_bridges)
        flow_commands.register_unixctl_commands(self.bridge_layer.running_bridges)
        if opts.dummy:
            netdev_dummy.register_unixctl_commands()

    def _register_commands(self) -> None:
        vlog.register_unixctl_commands()
        coverage.register_unixctl_commands()
        ovs.unixctl.command_register("exit", "[--cleanup]", 0, 1, self._cmd_exit, None)
        ovs.unixctl.command_register("memory/show", "", 0, 0, self._cmd_memory_show, None)
        if self.server is not None:
            ovs.unixctl.command_register("ovsdb-server/compact", "[DB]", 0, 1,
                                         self._cmd_compact, None)

    def _cmd_exit(self, conn, argv, _aux) -> None:
        if argv and argv[0] != "--cleanup":
            conn.reply_error("unknown option \"%s\"" % argv[0])
            return
        self.exiting = True
        conn.reply(None)

    def _cmd_memory_show(self, conn, _argv, _aux) -> None:
        usage = dict(self.bridge_layer.memory_usage()) if self.bridge_layer else {}
        if self.server is not None:
            stats = self.server.stats()
            if isinstance(stats, dict):
                usage.update(stats)
        conn.reply(" ".join("%s:%s" % item for item in sorted(usage.items())))

    def _cmd_compact(self, conn, _argv, _aux) -> None:
        try:
            self.server.compact()
        except Exception as e:
            conn.reply_error("compaction failed (%s)" % e)
            return
        conn.reply(None)

    def _on_signal(self, signum, _frame) -> None:
        self.signal_number = signum
        self.exiting = True
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def run(self, ready_fd: Optional[int]) -> None:
        while not self.exiting:
            now = time.monotonic()
            self.unixctl.run()
            self.bridge_layer.run(now)
            next_coverage = coverage.run(now)
            if ready_fd is not None and self.bridge_layer.ready:
                detach.complete(ready_fd, chdir=not self.opts.no_chdir)
                ready_fd = None
            if self.exiting:
                break
            poller = ovs.poller.Poller()
            self.unixctl.wait(poller)
            self.bridge_layer.wait(poller, now)
            poller.fd_wait(self._wake_r, ovs.poller.POLLIN)
            poller.timer_wait(max(0, int((next_coverage - now) * 1000)))
            poller.block()
            try:
                os.read(self._wake_r, 64)
            except BlockingIOError:
                pass

    def stop(self) -> None:
        if self.signal_number:
            logging.getLogger("fatal_signal").warning(
                "terminating with signal %d (%s)", self.signal_number,
                signal.strsignal(self.signal_number))
        if self.bridge_layer is not None:
            self.bridge_layer.close()
        if self.datapath is not None:
            self.datapath.stop()
        if self.unixctl is not None:
            self.unixctl.close()
        if self.server is not None:
            self.server.stop()
        if self.pidfile is not None:
            self.pidfile.remove()


def _fatal(message: str) -> None:
    logging.getLogger("vswitchd").critical("%s", message)
    sys.stderr.write("%s: %s\n" % (PROGRAM, message))
    sys.stderr.flush()


def main(argv: Optional[list[str]] = None) -> int:
    try:
        opts = cmdline.parse(sys.argv[1:] if argv is None else argv)
    except cmdline.UsageError as e:
        sys.stderr.write("%s: %s\n" % (PROGRAM, e))
        return 1
    if opts.show_help:
        sys.stdout.write(cmdline.help_text())
        return 0
    if opts.show_version:
        print(cmdline.version_text())
        return 0
    vlog.init(PROGRAM)
    vlog.route_python_ovs()
    for module in ("bridge", "fatal_signal", "ovsdb_idl", "reconnect", "unixctl"):
        vlog.register_module(module)
    for spec in opts.verbose:
        error = vlog.set_levels_from_string(spec)
        if error:
            sys.stderr.write("%s: %s\n" % (PROGRAM, error))
            return 1
    ready_fd = detach.start() if opts.detach else None
    # The forwarding thread waits for the GIL whenever the control plane holds it; hand it
    # over after 0.5 ms instead of Python's 5 ms, so a control-plane burst (a stats update,
    # a big transaction) delays a packet by at most that much.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()             # what start-up loaded is never garbage: don't scan it again
    process = _Process(opts)
    try:
        process.start()
        process.run(ready_fd)
    except Fatal as e:
        _fatal(str(e))
        process.stop()
        return 1
    except BaseException:
        logging.getLogger("vswitchd").exception("fatal error")
        process.stop()
        raise
    process.stop()
    logging.getLogger("vswitchd").info("exiting")
    vlog.close_log_file()
    if process.signal_number:
        signal.signal(process.signal_number, signal.SIG_DFL)
        os.kill(os.getpid(), process.signal_number)
    return 0
