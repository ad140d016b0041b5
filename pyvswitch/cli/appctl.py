"""pyvs-appctl: send one command to a running pyvswitch daemon, like ovs-appctl.

    pyvs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]

TARGET is a daemon name (its control socket is found through
$PYVS_RUNDIR/TARGET.pid -> $PYVS_RUNDIR/TARGET.PID.ctl) or a socket path;
the default is pyvswitchd.  Output and exit codes follow ovs-appctl: the reply
goes to stdout (exit 0); a command error goes to stderr followed by
"pyvs-appctl: TARGET: server returned an error" (exit 2); failing to reach the
daemon exits 1; --timeout expiry kills us with SIGALRM.
"""
from __future__ import annotations

import errno
import getopt
import os
import signal
import sys
from typing import NoReturn, Optional

import pyvswitch  # noqa: F401  (must precede the ovs imports)
import ovs.unixctl.client

from pyvswitch import dirs, vlog
from pyvswitch.pidfile import read_pid

PROGRAM = "pyvs-appctl"
DEFAULT_TARGET = "pyvswitchd"

USAGE = f"""{PROGRAM}, for querying and controlling pyvswitch daemons
usage: {PROGRAM} [TARGET] COMMAND [ARG...]
Targets:
  -t, --target=TARGET  pidfile or socket to contact
Common commands:
  list-commands      List commands supported by the target
  version            Print version of the target
  vlog/list          List current logging levels
  vlog/set [SPEC]
      Set log levels as detailed in SPEC, which may include:
      A valid module name (all modules, by default)
      'syslog', 'console', 'file' (all destinations, by default))
      'off', 'emer', 'err', 'warn', 'info', or 'dbg' ('dbg', bydefault)
  vlog/reopen        Make the program reopen its log file
Other options:
  --timeout=SECS     wait at most SECS seconds for a response
  -h, --help         Print this helpful information
  -V, --version      Display {PROGRAM} version information
"""

_console_seq = 0


def _warn(module: str, message: str) -> None:
    """A console log line, as ovs-appctl's vlog prints one."""
    global _console_seq
    _console_seq += 1
    sys.stderr.write(vlog.format_line("console", _console_seq, module, "warn", message) + "\n")


def _fatal(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write("%s: %s\n" % (PROGRAM, message))
    sys.exit(code)


def _on_alarm(signum, _frame) -> None:
    _warn("fatal_signal", "terminating with signal %d (%s)" % (signum, signal.strsignal(signum)))
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def socket_path(target: str) -> str:
    """The control socket for TARGET; exits like ovs-appctl when there is none."""
    if target.startswith("/"):
        return target
    pidfile = os.path.join(dirs.rundir(), target + ".pid")
    try:
        pid = read_pid(pidfile)
    except OSError as e:
        if e.errno == errno.ENOENT:
            _warn("daemon_unix", "%s: open: %s" % (pidfile, os.strerror(e.errno)))
        else:
            _warn("daemon_unix", e.strerror)
        _fatal('cannot read pidfile "%s" (%s)' % (pidfile, os.strerror(e.errno)))
    return os.path.join(dirs.rundir(), "%s.%d.ctl" % (target, pid))


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = DEFAULT_TARGET
    try:
        # "+": stop at the first non-option, so the command's own options pass through.
        opts, rest = getopt.getopt(argv, "+t:T:hV", ["target=", "timeout=", "help", "version"])
    except getopt.GetoptError as e:
        if "not recognized" in e.msg:
            _fatal("unrecognized option '%s%s'" % ("-" if len(e.opt) == 1 else "--", e.opt))
        _fatal("option '%s%s' requires an argument" % ("-" if len(e.opt) == 1 else "--", e.opt))
    for name, value in opts:
        if name in ("-t", "--target"):
            target = value
        elif name in ("-T", "--timeout"):
            try:
                seconds = int(value)
                if seconds < 0:
                    raise ValueError
            except ValueError:
                _fatal("value %s on -T or --timeout is invalid" % value)
            if seconds:
                signal.signal(signal.SIGALRM, _on_alarm)
                signal.alarm(seconds)
        elif name in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        elif name in ("-V", "--version"):
            print("%s (pyvswitch) %s" % (PROGRAM, pyvswitch.__version__))
            return 0
    if not rest:
        _fatal("at least one non-option argument is required (use --help for help)")
    command, args = rest[0], rest[1:]

    path = socket_path(target)
    error, client = ovs.unixctl.client.UnixctlClient.create(path)
    if error:
        _warn("unixctl", "failed to connect to %s" % path)
        _fatal('cannot connect to "%s" (%s)' % (path, os.strerror(error)))
    error, error_body, result = client.transact(command, args)
    client.close()
    if error:
        _fatal("%s: transaction error (%s)" % (target, os.strerror(error)))
    if error_body is not None:
        sys.stderr.write(error_body if isinstance(error_body, str) else str(error_body))
        sys.stderr.flush()
        _fatal("%s: server returned an error" % target, 2)
    sys.stdout.write(result if isinstance(result, str) else str(result))
    return 0
