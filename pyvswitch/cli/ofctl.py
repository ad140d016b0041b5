"""pyvs-ofctl: ovs-ofctl's command line, options, output and errors, for pyvswitch.

Commands implemented: `show`, `dump-desc`, `dump-ports-desc` here, the flow-table commands
in `ofctl_flows` (dump-flows, add-flows, diff-flows...).  A SWITCH argument is a
connection name ("unix:PATH", a relative PATH meaning $PYVS_RUNDIR/PATH, or "tcp:IP[:PORT]"),
a Unix socket's path, or a bridge name meaning unix:$PYVS_RUNDIR/BRIDGE.mgmt.

Like ovs-ofctl, each request runs on its own OpenFlow connection, and transaction ids count
up across the whole run (a HELLO takes one too), so printed xids match ovs-ofctl's.  The
protocol work is `pyvswitch.ofproto.connection.Connection`; `Channel` here is the blocking
socket adapter around it.
"""
from __future__ import annotations

import dataclasses
import getopt
import itertools
import os
import signal
import socket
import stat
import sys
import time
from typing import NoReturn, Optional

import pyvswitch
from pyvswitch import dirs
from pyvswitch.cli import flow_sort, ofctl_flows
from pyvswitch.cli import ofctl_groups  # group commands (ofctl_groups' owner)
from pyvswitch.cli import ofctl_packet_out
from pyvswitch.cli import ofctl_tlv  # add/del/dump-tlv-map (ofctl_tlv's owner)
from pyvswitch.cli import ofctl_tables  # dump-tables, dump-table-features, mod-table
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.connection import Connection
from pyvswitch.ofproto.protocol import codec
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, RESERVED_PORT_NAMES, port_desc_size
from pyvswitch.ofproto.protocol.versions import OFP10, OFP13, OFP14, OFP15, PROTOCOL_NAMES

PROGRAM = "pyvs-ofctl"
_OFPT_ERROR = 1
DEFAULT_OPENFLOW_PORT = 6653

USAGE = """\
%(prog)s: OpenFlow switch management utility
usage: %(prog)s [OPTIONS] COMMAND [ARG...]

For OpenFlow switches:
  show SWITCH                 show OpenFlow information
  dump-desc SWITCH            print switch description
  dump-tables SWITCH          print table stats
  dump-table-features SWITCH  print table features
  mod-table SWITCH MOD        modify flow table behavior
  dump-ports-desc SWITCH [PORT]  print port descriptions
  dump-flows SWITCH           print all flow entries
  dump-flows SWITCH FLOW      print matching FLOWs
  dump-aggregate SWITCH       print aggregate flow statistics
  dump-aggregate SWITCH FLOW  print aggregate stats for FLOWs
  add-flow SWITCH FLOW        add flow described by FLOW
  add-flows SWITCH FILE       add flows from FILE
  mod-flows SWITCH FLOW       modify actions of matching FLOWs
  del-flows SWITCH [FLOW]     delete matching FLOWs
  replace-flows SWITCH FILE   replace flows with those in FILE
  diff-flows SOURCE1 SOURCE2  compare flows from two sources
  packet-out SWITCH MSG       execute an OFPT_PACKET_OUT message
SWITCH or TARGET is an active OpenFlow connection method.

Other commands:
  parse-flow FLOW             print the flow_mod FLOW encodes
  parse-flows FILE            print the flow_mods FILE encodes

Active OpenFlow connection methods:
  tcp:HOST[:PORT]         PORT (default: %(port)d) at remote HOST
  unix:FILE               Unix domain socket named FILE

OpenFlow version options:
  -V, --version           display version information
  -O, --protocols         set allowed OpenFlow versions
                          (default: OpenFlow10)

Other options:
  --strict                    use strict match for flow commands
  --readd                     replace flows that haven't changed
  --bundle                    use OpenFlow 1.4+ (or the OF1.3 extension) bundles
  --no-stats                  do not print flow statistics
  -t, --timeout=SECS          give up after SECS seconds
  --sort[=field]              sort in ascending order
  --rsort[=field]             sort in descending order
  --names                     show port names instead of numbers
  --no-names                  show port numbers, but not names
  -h, --help                  display this help message
  -V, --version               display version information
"""


class OfctlError(Exception):
    """A fatal error; str() is the message after "pyvs-ofctl: "."""


def fatal(message: str) -> NoReturn:
    raise OfctlError(message)


@dataclasses.dataclass
class Options:
    versions: frozenset = frozenset({OFP10})
    timeout: Optional[int] = None
    strict: bool = False
    bundle: bool = False
    readd: bool = False
    show_stats: bool = True
    # --names / --no-names; None means ovs-ofctl's default (names shown on a terminal).
    names: Optional[bool] = None
    sort: list = dataclasses.field(default_factory=list)

    @property
    def accept_names(self) -> bool:
        return self.names is not False

    @property
    def show_names(self) -> bool:
        return self.names if self.names is not None else sys.stdout.isatty()


def parse_protocols(text: str) -> frozenset:
    lowered = {name.lower(): version for name, version in PROTOCOL_NAMES.items()}
    versions = set()
    for word in text.split(","):
        word = word.strip()
        if word.lower() not in lowered:
            fatal('Unknown OpenFlow version: "%s"' % word)
        versions.add(lowered[word.lower()])
    return frozenset(versions)


# ---- connecting ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Target:
    name: str        # what error messages call it, e.g. "unix:/var/run/pyvswitch/br0.mgmt"
    family: int
    address: object


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def resolve_target(switch: str) -> Target:
    if ":" not in switch:
        if _is_socket(switch):
            return _unix_target(switch)
        bridge_socket = os.path.join(dirs.rundir(), switch + ".mgmt")
        if os.path.exists(bridge_socket):
            return _unix_target(bridge_socket)
        fatal("%s is not a bridge or a socket" % switch)
    method, _, rest = switch.partition(":")
    if method == "unix":
        return _unix_target(rest)
    if method == "tcp":
        return _tcp_target(rest)
    fatal("%s: unknown connection method \"%s\"" % (switch, method))


def _unix_target(path: str) -> Target:
    path = os.path.join(dirs.rundir(), path)  # relative paths live in the run directory
    return Target("unix:" + path, socket.AF_UNIX, path)


def _tcp_target(rest: str) -> Target:
    if rest.startswith("["):
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
        family = socket.AF_INET6
    else:
        host, _, port = rest.partition(":")
        family = socket.AF_INET
    try:
        port_number = int(port) if port else DEFAULT_OPENFLOW_PORT
    except ValueError:
        fatal("tcp:%s: bad port number \"%s\"" % (rest, port))
    return Target("tcp:" + rest, family, (host, port_number))


class Channel:
    """One blocking OpenFlow connection to the switch."""

    def __init__(self, target: Target, versions: frozenset, xids):
        self.target = target
        self._sock = socket.socket(target.family, socket.SOCK_STREAM)
        try:
            self._sock.connect(target.address)
        except OSError as error:
            self._sock.close()
            fatal("connecting to %s (%s)" % (target.name, os.strerror(error.errno)))
        self._connection = Connection(versions, lambda: next(xids), time.monotonic())
        self._received: list[m.Message] = []
        while self._connection.version is None:
            self._exchange()

    @property
    def version(self) -> int:
        return self._connection.version

    def next_xid(self) -> int:
        return self._connection.next_xid()

    def transact_noreply(self, requests: list[m.Message]) -> Optional[m.Error]:
        """Sends `requests` and a barrier; returns the first error answering one of the
        requests, or None once the barrier is answered."""
        for request in requests:
            self._connection.send(request)
        barrier = m.BarrierRequest(version=self.version, xid=self.next_xid())
        self._connection.send(barrier)
        xids = {request.xid for request in requests}
        while True:
            reply = self.receive()
            if isinstance(reply, m.Error) and reply.xid in xids:
                return reply
            if isinstance(reply, m.BarrierReply) and reply.xid == barrier.xid:
                return None

    def raw_multipart(self, request: bytes) -> None:
        """LOCAL SHIM until the codec has table-features messages: sends `request` (a
        multipart request in wire form) on a connection with nothing else in flight, and
        reads and drops its replies up to the last part or an error."""
        self._sock.sendall(self._connection.take_output() + request)
        buffer = b""
        while True:
            length = codec.message_length(buffer)
            if length is None or len(buffer) < length:
                try:
                    data = self._sock.recv(65536)
                except OSError as error:
                    fatal("talking to %s (%s)" % (self.target.name, os.strerror(error.errno)))
                if not data:
                    fatal("talking to %s (End of file)" % self.target.name)
                buffer += data
                continue
            frame, buffer = buffer[:length], buffer[length:]
            if frame[4:8] != request[4:8]:
                continue
            if frame[1] == _OFPT_ERROR or not frame[10] << 8 | frame[11] & m.OFPMPF_REPLY_MORE:
                return

    def send(self, message: m.Message) -> None:
        self._connection.send(message)

    def receive(self) -> m.Message:
        """The next message from the switch (blocking)."""
        while not self._received:
            self._exchange()
        return self._received.pop(0)

    def transact(self, request: m.Message) -> list[m.Message]:
        """Sends `request`; returns its reply, or all parts of a multipart reply."""
        self._connection.send(request)
        replies = []
        while True:
            reply = self.receive()
            if reply.xid != request.xid:
                continue
            replies.append(reply)
            if not getattr(reply, "flags", 0) & m.OFPMPF_REPLY_MORE:
                return replies

    def close(self) -> None:
        self._sock.close()

    def _exchange(self) -> None:
        output = self._connection.take_output()
        try:
            if output:
                self._sock.sendall(output)
            if self._connection.closed:
                fatal("%s: %s" % (self.target.name, self._connection.close_reason))
            data = self._sock.recv(65536)
        except OSError as error:
            fatal("talking to %s (%s)" % (self.target.name, os.strerror(error.errno)))
        if not data:
            fatal("talking to %s (End of file)" % self.target.name)
        self._received += self._connection.receive(data, time.monotonic())


# ---- commands -----------------------------------------------------------------------------

class Session:
    """What every command needs: the options and the run-wide transaction-id counter."""

    def __init__(self, options: Options):
        self.options = options
        self._xids = itertools.count(1)
        self.names = ofctl_flows.Names(self)

    def open(self, switch: str) -> Channel:
        return Channel(resolve_target(switch), self.options.versions, self._xids)

    def next_xid(self) -> int:
        return next(self._xids)

    @staticmethod
    def fatal(message: str) -> NoReturn:
        fatal(message)

    def dump(self, switch: str, make_request) -> list[m.Message]:
        """One request on a fresh connection; prints and returns the replies."""
        channel = self.open(switch)
        try:
            replies = channel.transact(make_request(channel.version, channel.next_xid()))
        finally:
            channel.close()
        print_replies(replies)
        return replies


def print_replies(replies) -> None:
    for reply in replies:
        sys.stdout.write(ofctl_text.format_message(reply))
    if any(isinstance(reply, m.Error) for reply in replies):
        sys.stdout.flush()
        raise SystemExit(1)


def _features_may_be_truncated(reply: m.FeaturesReply) -> bool:
    """A 1.0-1.2 features reply with no room for another port may have lost some."""
    return len(reply.raw) + port_desc_size(reply.version) > codec.MAX_MESSAGE_LEN


def cmd_show(session: Session, switch: str) -> None:
    channel = session.open(switch)
    try:
        version = channel.version
        replies = channel.transact(m.FeaturesRequest(version=version,
                                                     xid=channel.next_xid()))
        features = replies[0]
        need_port_desc = isinstance(features, m.FeaturesReply) and (
            version >= OFP13 or _features_may_be_truncated(features))
        if need_port_desc and version < OFP13:
            replies = [dataclasses.replace(features, ports=())]
        print_replies(replies)
        if need_port_desc:
            print_replies(channel.transact(m.PortDescRequest(version=version,
                                                             xid=channel.next_xid())))
    finally:
        channel.close()
    session.dump(switch, lambda version, xid: m.GetConfigRequest(version=version, xid=xid))


def cmd_dump_desc(session: Session, switch: str) -> None:
    session.dump(switch, lambda version, xid: m.DescRequest(version=version, xid=xid))


def _port_number(session: Session, switch: str, port: str) -> int:
    if port.isdigit():
        return int(port)
    for number, name in RESERVED_PORT_NAMES.items():
        if port.upper() == name:
            return number
    channel = session.open(switch)
    try:
        replies = channel.transact(m.PortDescRequest(version=channel.version,
                                                     xid=channel.next_xid()))
    finally:
        channel.close()
    for reply in replies:
        for description in getattr(reply, "ports", ()):
            if description.name == port:
                return description.port_no
    fatal("%s: unknown port `%s'" % (switch, port))


def cmd_dump_ports_desc(session: Session, switch: str, port: Optional[str] = None) -> None:
    port_no = OFPP_ANY if port is None else _port_number(session, switch, port)

    def request(version, xid):
        # Before OpenFlow 1.5 the request cannot name a port: every port is listed.
        return m.PortDescRequest(version=version, xid=xid,
                                 port_no=port_no if version >= OFP15 else OFPP_ANY)
    session.dump(switch, request)


# name: (function, minimum arguments, maximum arguments)
COMMANDS = {
    "show": (cmd_show, 1, 1),
    "dump-desc": (cmd_dump_desc, 1, 1),
    "dump-ports-desc": (cmd_dump_ports_desc, 1, 2),
    **ofctl_flows.COMMANDS,
    **ofctl_groups.COMMANDS,  # add-group ... dump-group-features
    **ofctl_tlv.COMMANDS,   # the Geneve TLV map commands
    **ofctl_tables.COMMANDS,   # the table commands
    **ofctl_packet_out.COMMANDS,
}


# ---- command line -------------------------------------------------------------------------

_SORT_OPTIONS = {"--sort": False, "--rsort": True}


def _take_sort_options(argv: list[str], options: Options) -> list[str]:
    """Removes --sort[=FIELD] and --rsort[=FIELD] (getopt has no optional arguments)."""
    rest = []
    for index, arg in enumerate(argv):
        if arg == "--":
            return rest + argv[index:]
        name, has_value, value = arg.partition("=")
        if name in _SORT_OPTIONS:
            try:
                options.sort.append(flow_sort.parse_criterion(value if has_value else None,
                                                              _SORT_OPTIONS[name]))
            except flow_sort.SortError as error:
                fatal(str(error))
        else:
            rest.append(arg)
    return rest


def parse_options(argv: list[str]) -> tuple[Options, list[str]]:
    options = Options()
    argv = _take_sort_options(argv, options)
    try:
        parsed, arguments = getopt.gnu_getopt(
            argv, "O:t:hV", ["protocols=", "timeout=", "names", "no-names", "strict",
                             "bundle", "readd", "no-stats", "help", "version"])
    except getopt.GetoptError as error:
        if error.opt and error.opt in ("O", "t"):
            fatal("option requires an argument -- '%s'" % error.opt)
        if "requires argument" in error.msg:
            fatal("option '--%s' requires an argument" % error.opt)
        if len(error.opt) == 1:
            fatal("invalid option -- '%s'" % error.opt)
        fatal("unrecognized option '--%s'" % error.opt)
    for option, value in parsed:
        if option in ("-O", "--protocols"):
            options.versions = parse_protocols(value)
        elif option in ("-t", "--timeout"):
            if not value.isdigit() or int(value) <= 0:
                fatal("value %s on -t or --timeout is invalid" % value)
            options.timeout = int(value)
        elif option in ("-h", "--help"):
            sys.stdout.write(USAGE % {"prog": PROGRAM, "port": DEFAULT_OPENFLOW_PORT})
            raise SystemExit(0)
        elif option in ("-V", "--version"):
            sys.stdout.write("%s (Open vSwitch) %s\nOpenFlow versions 0x1:0x6\n"
                             % (PROGRAM, pyvswitch.OVS_COMPAT_VERSION))
            raise SystemExit(0)
        elif option in ("--names", "--no-names"):
            options.names = option == "--names"
        else:
            setattr(options, {"--strict": "strict", "--bundle": "bundle", "--readd": "readd",
                              "--no-stats": "show_stats"}[option], option != "--no-stats")
    if options.bundle:
        # Bundles need OpenFlow 1.3 (the ONF extension) or later; as in ovs-ofctl, a run
        # allowing nothing that recent speaks OpenFlow 1.4.
        options.versions = frozenset(v for v in options.versions if v >= OFP13) or \
            frozenset({OFP14})
    return options, arguments


def run(argv: list[str]) -> None:
    options, arguments = parse_options(argv)
    if not arguments:
        fatal("missing command name; use --help for help")
    name, arguments = arguments[0], arguments[1:]
    if name not in COMMANDS:
        fatal("unknown command '%s'; use --help for help" % name)
    function, min_args, max_args = COMMANDS[name]
    if len(arguments) < min_args:
        fatal("'%s' command requires at least %d arguments" % (name, min_args))
    if len(arguments) > max_args:
        fatal("'%s' command takes at most %d arguments" % (name, max_args))
    if options.timeout:
        # As ovs-ofctl does: the alarm signal's default action ends the process.
        signal.alarm(options.timeout)
    function(Session(options), *arguments)


def main(argv: Optional[list[str]] = None) -> int:
    try:
        run(sys.argv[1:] if argv is None else argv)
    except OfctlError as error:
        sys.stdout.flush()
        sys.stderr.write("%s: %s\n" % (PROGRAM, error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
