"""OVS-style logging ("vlog") on top of Python's standard `logging`.

What it owns: the process-wide log configuration of a pyvswitch program — which
levels go to which destination (console = stderr, syslog = /dev/log, file = the
--log-file) for each module — and the line format Open vSwitch uses:

    file:    2026-11-21T13:00:00.123Z|00001|bridge|INFO|message
    console: 2026-11-21T13:00:00Z|00001|bridge|INFO|message
    syslog:  ovs|00001|bridge|INFO|message

Code logs through ordinary `logging.getLogger(name)` loggers; the vlog module name
of a logger is the last dotted component of its name ("pyvswitch.ofproto.bridge" ->
"bridge").  python-ovs's own modules (reconnect, jsonrpc, stream, ...) log
through `ovs.vlog.Vlog`, whose formatter does not produce OVS's line format, so
`route_python_ovs()` redirects those objects into the same loggers.

Flow: log record -> `_VlogHandler` on the root logger -> per-destination level
check -> one sequence number per record -> formatted line to each destination.
Invariant: each stdlib logger's own level is the most verbose level any
destination wants for its module, so disabled debug calls stay cheap.

The `vlog/set`, `vlog/list` and `vlog/reopen` unixctl commands are registered by
`register_unixctl_commands()`; `-v`/`--verbose` specs use `set_levels_from_string()`.
"""
from __future__ import annotations

import datetime
import logging
import os
import socket
import sys
import threading
from typing import Optional, TextIO

DESTINATIONS = ("console", "syslog", "file")
# OVS level names, from least to most verbose.
LEVELS = ("off", "emer", "err", "warn", "info", "dbg")
_PY_LEVEL = {"off": logging.CRITICAL + 10, "emer": logging.CRITICAL, "err": logging.ERROR,
             "warn": logging.WARNING, "info": logging.INFO, "dbg": logging.DEBUG}


def _ovs_level_of(levelno: int) -> str:
    if levelno >= logging.CRITICAL:
        return "emer"
    if levelno >= logging.ERROR:
        return "err"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "info"
    return "dbg"


def module_of(logger_name: str) -> str:
    """The vlog module name of a stdlib logger name."""
    return logger_name.rsplit(".", 1)[-1].lower()


def _timestamp(now: datetime.datetime, with_millis: bool) -> str:
    text = now.strftime("%Y-%m-%dT%H:%M:%S")
    if with_millis:
        text += ".%03d" % (now.microsecond // 1000)
    return text + "Z"


def format_line(destination: str, seq: int, module: str, level: str, message: str,
                thread_name: str = "MainThread",
                now: Optional[datetime.datetime] = None) -> str:
    """One log line for `destination` in OVS's default pattern for it."""
    if thread_name != "MainThread":
        module = "%s(%s)" % (module, thread_name)
    body = "%05d|%s|%s|%s" % (seq, module, level.upper(), message)
    if destination == "syslog":
        return "ovs|" + body
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return _timestamp(now, destination == "file") + "|" + body


class _VlogHandler(logging.Handler):
    """Fans each record out to the destinations whose level admits it."""

    def __init__(self, config: "_Config"):
        super().__init__(logging.DEBUG)
        self._config = config
        self._seq = 0

    def emit(self, record: logging.LogRecord) -> None:
        # logging.Handler.handle() holds self.lock here, so sequence numbers are unique.
        module = self._config.module_for_logger(record.name)
        level = _ovs_level_of(record.levelno)
        wanted = [d for d in DESTINATIONS
                  if record.levelno >= _PY_LEVEL[self._config.levels[module][d]]]
        if not wanted:
            return
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # a bad format string must not kill the daemon
            message = str(record.msg)
        self._seq += 1
        now = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        for destination in wanted:
            line = format_line(destination, self._seq, module, level, message,
                               record.threadName or "MainThread", now)
            self._config.write(destination, line)


class _Config:
    def __init__(self) -> None:
        self.default = {"console": "info", "syslog": "info", "file": "info"}
        self.levels: dict[str, dict[str, str]] = {}
        self.loggers: dict[str, set[str]] = {}   # module -> stdlib logger names
        self.log_file: Optional[str] = None
        self.file_stream: Optional[TextIO] = None
        self.console: TextIO = sys.stderr
        self.syslog_sock: Optional[socket.socket] = None
        self.io_lock = threading.Lock()

    def module_for_logger(self, logger_name: str) -> str:
        module = module_of(logger_name) if logger_name != "root" else "root"
        if module not in self.levels:
            self.levels[module] = dict(self.default)
        if logger_name not in self.loggers.setdefault(module, set()):
            self.loggers[module].add(logger_name)
            self.apply_module(module)
        return module

    def apply_module(self, module: str) -> None:
        verbosity = min(_PY_LEVEL[level] for level in self.levels[module].values())
        for name in self.loggers.get(module, ()):
            logging.getLogger(name).setLevel(verbosity)

    def write(self, destination: str, line: str) -> None:
        with self.io_lock:
            try:
                if destination == "console":
                    self.console.write(line + "\n")
                    self.console.flush()
                elif destination == "file" and self.file_stream is not None:
                    self.file_stream.write(line + "\n")
                    self.file_stream.flush()
                elif destination == "syslog" and self.syslog_sock is not None:
                    self.syslog_sock.send(("<%d>" % (3 * 8 + 6) + line).encode())
            except (OSError, ValueError):
                pass


_config = _Config()
_handler: Optional[_VlogHandler] = None


def init(program_name: str) -> None:
    """Route the root logger through vlog.  Idempotent."""
    global _handler
    if _handler is not None:
        return
    _handler = _VlogHandler(_config)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(_handler)
    root.setLevel(min(_PY_LEVEL[level] for level in _config.default.values()))
    logging.raiseExceptions = False
    if os.path.exists("/dev/log") and os.environ.get("OVS_SYSLOG_METHOD") != "null":
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.connect("/dev/log")
            _config.syslog_sock = sock
        except OSError:
            pass
    for name in ("vlog", program_name):
        register_module(name)


def register_module(name: str) -> logging.Logger:
    """Make `name` known to vlog/list and vlog/set before it first logs."""
    logger = logging.getLogger(name)
    _config.module_for_logger(name)
    return logger


def set_log_file(path: str) -> Optional[str]:
    """Open (append) `path` as the file destination; returns an error text or None."""
    try:
        stream = open(path, "a", encoding="utf-8")
    except OSError as e:
        return "%s: failed to open log file (%s)" % (path, e.strerror)
    with _config.io_lock:
        old, _config.file_stream, _config.log_file = _config.file_stream, stream, path
    if old is not None:
        old.close()
    logging.getLogger("vlog").info("opened log file %s", path)
    return None


def reopen_log_file() -> Optional[str]:
    if _config.log_file is None:
        return None
    return set_log_file(_config.log_file)


def close_log_file() -> None:
    with _config.io_lock:
        stream, _config.file_stream = _config.file_stream, None
    if stream is not None:
        stream.close()


def set_level(module: str, destination: str, level: str) -> None:
    """Levels for module ("any" = all) at destination ("any" = all)."""
    modules = list(_config.levels) if module == "any" else [module]
    destinations = DESTINATIONS if destination == "any" else (destination,)
    if module == "any":
        for d in destinations:
            _config.default[d] = level
        logging.getLogger().setLevel(min(_PY_LEVEL[v] for v in _config.default.values()))
    for m in modules:
        for d in destinations:
            _config.levels[m][d] = level
        _config.apply_module(m)


def set_levels_from_string(spec: str) -> Optional[str]:
    """Apply one -v/vlog/set spec ("module:destination:level", any order, any part
    optional; words separated by ':' or spaces).  Returns an error text or None."""
    module = destination = level = None
    for word in spec.replace(":", " ").replace(",", " ").split():
        word = word.lower()
        if word == "any":
            continue
        if word in DESTINATIONS:
            if destination is not None:
                return "cannot specify multiple destinations"
            destination = word
        elif word in LEVELS:
            if level is not None:
                return "cannot specify multiple levels"
            level = word
        elif word in _config.levels:
            if module is not None:
                return "cannot specify multiple modules"
            module = word
        else:
            return 'no destination, level, or module "%s"' % word
    set_level(module or "any", destination or "any", level or "dbg")
    return None


def list_levels() -> str:
    """The vlog/list table."""
    lines = ["                 console    syslog    file\n",
             "                 -------    ------    ------\n"]
    for module in sorted(_config.levels):
        lv = _config.levels[module]
        lines.append("%-16s  %4s       %4s       %4s\n"
                     % (module, lv["console"].upper(), lv["syslog"].upper(), lv["file"].upper()))
    return "".join(lines)


def disable_console() -> None:
    """After detaching there is no terminal: OVS turns console logging off."""
    set_level("any", "console", "off")


def route_python_ovs() -> None:
    """Send python-ovs's `ovs.vlog.Vlog` messages through our loggers.

    Replaces the level methods of the library's Vlog class (which would otherwise
    drop every message until its own init() and then format lines differently
    from Open vSwitch) with ones that call the stdlib logger of the same name.
    """
    import ovs.vlog

    def make(levelno: int):
        def log(self, message, **kwargs):
            logging.getLogger(self.name).log(levelno, message, exc_info=kwargs.get("exc_info"))
        return log

    def make_enabled(levelno: int):
        def enabled(self):
            return logging.getLogger(self.name).isEnabledFor(levelno)
        return enabled

    for name, levelno in (("emer", logging.CRITICAL), ("err", logging.ERROR),
                          ("warn", logging.WARNING), ("info", logging.INFO),
                          ("dbg", logging.DEBUG)):
        setattr(ovs.vlog.Vlog, name, make(levelno))
        setattr(ovs.vlog.Vlog, name + "_is_enabled", make_enabled(levelno))
    for module in list(sys.modules.values()):
        vlog_object = getattr(module, "vlog", None)
        if isinstance(vlog_object, ovs.vlog.Vlog):
            register_module(vlog_object.name)


def register_unixctl_commands() -> None:
    import ovs.unixctl

    def vlog_set(conn, argv, _aux):
        for spec in argv:
            error = set_levels_from_string(spec)
            if error:
                conn.reply_error(error)
                return
        conn.reply(None)

    def vlog_list(conn, _argv, _aux):
        conn.reply(list_levels())

    def vlog_reopen(conn, _argv, _aux):
        if _config.log_file is None:
            conn.reply("Logging to file not configured")
            return
        error = reopen_log_file()
        if error:
            conn.reply_error(error)
        else:
            conn.reply(None)

    def vlog_close(conn, _argv, _aux):
        close_log_file()
        conn.reply(None)

    ovs.unixctl.command_register("vlog/set", "{spec | PATTERN:destination:pattern}",
                                 0, sys.maxsize, vlog_set, None)
    ovs.unixctl.command_register("vlog/list", "", 0, 0, vlog_list, None)
    ovs.unixctl.command_register("vlog/reopen", "", 0, 0, vlog_reopen, None)
    ovs.unixctl.command_register("vlog/close", "", 0, 0, vlog_close, None)
