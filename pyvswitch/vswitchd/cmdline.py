"""pyvswitchd's command line, parsed the way ovs-vswitchd parses its own.

Pure: `parse(argv)` turns the argument list into `Options` or raises `UsageError`
with ovs-vswitchd's wording; `help_text()` / `version_text()` are what -h / -V print.
"""
from __future__ import annotations

import dataclasses
import getopt
import os
from typing import Optional

import pyvswitch
from pyvswitch import dirs

PROGRAM = "pyvswitchd"


class UsageError(Exception):
    pass


@dataclasses.dataclass
class Options:
    database: Optional[str] = None      # None: run the embedded OVSDB server
    detach: bool = False
    monitor: bool = False
    no_chdir: bool = False
    pidfile: Optional[str] = None       # absolute path, or None for no pidfile
    log_file: Optional[str] = None      # absolute path, or None for no log file
    unixctl: Optional[str] = None       # absolute path, or None for the default name
    verbose: list[str] = dataclasses.field(default_factory=list)
    dummy: str = ""                     # "", "system" or "override"
    disable_system: bool = False
    remotes: list[str] = dataclasses.field(default_factory=list)
    show_help: bool = False
    show_version: bool = False


_LONG = ["detach", "monitor", "no-chdir", "pidfile=", "overwrite-pidfile", "log-file=",
         "unixctl=", "verbose=", "enable-dummy=", "disable-system", "remote=", "help",
         "version", "mlockall", "user=", "syslog-method=", "syslog-target="]
# Options whose argument is optional (GNU "--opt[=ARG]"): getopt cannot express
# that, so a bare occurrence is rewritten to "--opt=" before parsing.
_OPTIONAL_ARG = ("--pidfile", "--log-file", "--verbose", "--enable-dummy")


def _in_dir(directory: str, name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(directory, name)


def _usage_error(e: getopt.GetoptError) -> UsageError:
    dashes = "-" if len(e.opt) == 1 else "--"
    if "not recognized" in e.msg:
        if dashes == "-":
            return UsageError("invalid option -- '%s'" % e.opt)
        return UsageError("unrecognized option '--%s'" % e.opt)
    if "requires argument" in e.msg:
        return UsageError("option '%s%s' requires an argument" % (dashes, e.opt))
    if "must not have an argument" in e.msg:
        return UsageError("option '--%s' doesn't allow an argument" % e.opt)
    return UsageError("option '--%s' is ambiguous" % e.opt)


def parse(argv: list[str]) -> Options:
    """argv excludes the program name."""
    args = ["--verbose=" if a == "-v" else a + "=" if a in _OPTIONAL_ARG else a for a in argv]
    try:
        opts, rest = getopt.gnu_getopt(args, "hVv:", _LONG)
    except getopt.GetoptError as e:
        raise _usage_error(e) from None
    o = Options()
    for name, value in opts:
        if name == "--detach":
            o.detach = True
        elif name == "--monitor":
            o.monitor = True
        elif name == "--no-chdir":
            o.no_chdir = True
        elif name == "--pidfile":
            o.pidfile = _in_dir(dirs.rundir(), value or PROGRAM + ".pid")
        elif name == "--log-file":
            o.log_file = _in_dir(dirs.logdir(), value or PROGRAM + ".log")
        elif name == "--unixctl":
            o.unixctl = _in_dir(dirs.rundir(), value)
        elif name in ("-v", "--verbose"):
            o.verbose.append(value or "any:any:dbg")
        elif name == "--enable-dummy":
            if value not in ("", "system", "override"):
                raise UsageError("unknown --enable-dummy argument '%s'" % value)
            o.dummy = value or "system"
        elif name == "--disable-system":
            o.disable_system = True
        elif name == "--remote":
            o.remotes.append(value)
        elif name in ("-h", "--help"):
            o.show_help = True
        elif name in ("-V", "--version"):
            o.show_version = True
        # --overwrite-pidfile, --mlockall, --user and the syslog options are
        # accepted and ignored.
    if len(rest) > 1:
        raise UsageError("at most one non-option argument accepted; use --help for usage")
    if rest:
        o.database = rest[0]
    return o


def version_text() -> str:
    return "%s (pyvswitch) %s\nOpen vSwitch compatible %s" % (
        PROGRAM, pyvswitch.__version__, pyvswitch.OVS_COMPAT_VERSION)


def help_text() -> str:
    return f"""{PROGRAM}: Open vSwitch compatible userspace switch daemon
usage: {PROGRAM} [OPTIONS] [DATABASE]
where DATABASE is a socket on which ovsdb-server is listening; without it
{PROGRAM} runs its own OVSDB server on {dirs.conf_db()}
serving "{dirs.default_db()}".

Active DATABASE connection methods:
  tcp:HOST:PORT           PORT at remote HOST
  unix:FILE               Unix domain socket named FILE

Embedded database server options:
  --remote=REMOTE         also serve the database on REMOTE (ptcp:PORT[:IP], punix:FILE)

Daemon options:
  --detach                run in background as daemon
  --monitor               accepted for compatibility (no monitor process)
  --no-chdir              do not chdir to '/'
  --pidfile[=FILE]        create pidfile (default: {dirs.rundir()}/{PROGRAM}.pid)

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: {dirs.logdir()}/{PROGRAM}.log)

Other options:
  --enable-dummy[=override]  enable dummy network devices (override: for every port)
  --disable-system          accepted for compatibility
  --unixctl=SOCKET          override default control socket name
  -h, --help                display this help message
  -V, --version             display version information
"""
