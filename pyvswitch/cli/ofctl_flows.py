"""pyvs-ofctl's flow-table commands: dump-flows, dump-aggregate, add-flow(s), mod-flows,
del-flows, replace-flows, diff-flows, parse-flow(s).

Each command does what ovs-ofctl does, in the same order, because transaction ids count up
across the whole run and appear in what is printed (replies, errors):

  * Names.  Unless --no-names, a command that parses flows first asks the switch for its
    table names and its ports, each on its own connection (OFPST_TABLE or table features,
    then a features request below OpenFlow 1.3 or a port description from 1.3 on); a dump
    with a FLOW argument, and replace-flows, ask for ports first, then tables.  A dump
    prints names only with --names (ovs-ofctl also when stdout is a terminal) and fetches
    them before the first flow it prints.  `Names` caches both per switch, as ovs-ofctl does.
  * Protocols (flow_formats): a flow mod at OpenFlow 1.0 goes as OFPT_FLOW_MOD while its
    match fits the 1.0 match, after NXT_FLOW_MOD_TABLE_ID when it names a table; otherwise
    NXT_SET_FLOW_FORMAT(nxm) and NXT_FLOW_MOD.  A dump at 1.0 always switches to NXM first.
    Each setting goes with a barrier, each flow mod too; an error reply is printed as
    ofp-print prints it, to stderr, and the run ends with status 1.
  * Dumps with no sort criterion, no names and stats print the replies as they come
    ("NXST_FLOW reply (xid=0x4):" then one line per flow); otherwise one line per flow,
    sorted when asked.
  * --bundle (1.3+: the ONF extension, 1.4+ native): the flow mods are numbered first, then
    one atomic, ordered bundle carries them (see "bundles" below).
  * replace-flows reads the file, dumps the switch, and sends per table the deletes then the
    adds that make the switch match the file (all numbered before the first is sent);
    diff-flows prints what differs, "-" for the first source, "+" for the second.

The pieces without I/O live beside this module: flow_file (reading flow files), flow_sort
(--sort/--rsort), flow_table_diff (diff-flows and replace-flows), flow_formats (protocols).
"""
from __future__ import annotations

import dataclasses
import os
import re
import struct
import sys
from typing import Optional

from pyvswitch import vlog
from pyvswitch.cli import flow_formats as P
from pyvswitch.cli.flow_file import read_flow_file
from pyvswitch.cli.flow_sort import sort_flows
from pyvswitch.cli.flow_table_diff import FlowKey, FlowTableDiff, FlowVersion, describe_version
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto import syntax
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.versions import OFP10, OFP13


_TABLE_FEATURES_REQUEST = struct.Struct("!BBHIHH4x")
_OFPT_MULTIPART_REQUEST = 18
_OFPMP_TABLE_FEATURES = 12


# ---- names ---------------------------------------------------------------------------------

class Names:
    """Port and table names of switches, fetched once per switch per run."""

    def __init__(self, session):
        self._session = session
        self._ports: dict[str, syntax.PortNames] = {}
        self._tables: set[str] = set()

    def ports(self, switch: str) -> syntax.PortNames:
        if switch not in self._ports:
            channel = self._session.open(switch)
            try:
                if channel.version < OFP13:
                    request = m.FeaturesRequest(version=channel.version, xid=channel.next_xid())
                else:
                    request = m.PortDescRequest(version=channel.version, xid=channel.next_xid())
                replies = channel.transact(request)
            finally:
                channel.close()
            pairs = [(port.name, port.port_no)
                     for reply in replies for port in getattr(reply, "ports", ())]
            self._ports[switch] = syntax.PortNames.from_pairs(pairs)
        return self._ports[switch]

    def tables(self, switch: str) -> None:
        """Asks for table names as ovs-ofctl does: table stats in OpenFlow 1.0-1.2, table
        features from 1.3.  Table names are not used yet: a flow cannot name its table."""
        if switch in self._tables:
            return
        self._tables.add(switch)
        channel = self._session.open(switch)
        try:
            xid = channel.next_xid()
            if channel.version < OFP13:
                channel.transact(m.TableStatsRequest(version=channel.version, xid=xid))
            else:
                # LOCAL SHIM until the codec has a table-features request: its wire form.
                channel.raw_multipart(_TABLE_FEATURES_REQUEST.pack(
                    channel.version, _OFPT_MULTIPART_REQUEST, _TABLE_FEATURES_REQUEST.size,
                    xid, _OFPMP_TABLE_FEATURES, 0))
        finally:
            channel.close()

    def for_parsing(self, switch: str, ports_first: bool = False) -> syntax.PortNames:
        """What a command that parses flows for `switch` fetches, in ovs-ofctl's order."""
        if not self._session.options.accept_names:
            return syntax.PortNames()
        if ports_first:
            ports = self.ports(switch)
            self.tables(switch)
            return ports
        self.tables(switch)
        return self.ports(switch)

    def for_printing(self, switch: str) -> Optional[syntax.PortNames]:
        if not self._session.options.show_names:
            return None
        self.tables(switch)
        return self.ports(switch)


# ---- talking to the switch -----------------------------------------------------------------

# LOCAL SHIM until ofctl_text.format_message names extension errors (NXET_VENDOR in 1.0 and
# 1.1, OFPET_EXPERIMENTER in 1.2+): such an error as ofp-print shows it, request included.
_VENDOR_ERROR = struct.Struct("!IHH")
_VENDOR = struct.Struct("!I")


def _extension_error(error: m.Error) -> tuple[Optional[errors.ErrorCode], bytes]:
    if error.type == errors.NXET_VENDOR and len(error.data) >= _VENDOR_ERROR.size:
        vendor, error_type, code = _VENDOR_ERROR.unpack_from(error.data)
        return (errors.lookup(error.version, error_type, code, vendor),
                error.data[_VENDOR_ERROR.size:])
    if error.type == errors.OFPET_EXPERIMENTER and len(error.data) >= _VENDOR.size:
        vendor = _VENDOR.unpack_from(error.data)[0]
        return errors.lookup(error.version, error.type, error.code, vendor), error.data[4:]
    return None, b""


def _error_code(error: m.Error) -> Optional[errors.ErrorCode]:
    named, _ = _extension_error(error)
    return named or errors.lookup(error.version, error.type, error.code)


_BUNDLE_CONTROL_TYPES = ("OPEN_REQUEST", "OPEN_REPLY", "CLOSE_REQUEST", "CLOSE_REPLY",
                         "COMMIT_REQUEST", "COMMIT_REPLY", "DISCARD_REQUEST", "DISCARD_REPLY")


def _bundle_control_text(message: m.BundleControl) -> str:
    # LOCAL SHIM until ofctl_text formats bundle messages.
    flags = " ".join(word for word, bit in (("atomic", m.OFPBF_ATOMIC),
                                            ("ordered", m.OFPBF_ORDERED))
                     if message.flags & bit) or "0"
    kind = (_BUNDLE_CONTROL_TYPES[message.type] if message.type < len(_BUNDLE_CONTROL_TYPES)
            else str(message.type))
    return "%s%s (xid=0x%x):\n bundle_id=%d type=%s flags=%s\n" % (
        "ONFT_BUNDLE_CONTROL" if message.version == OFP13 else "OFPT_BUNDLE_CONTROL",
        ofctl_text.version_tag(message.version), message.xid, message.bundle_id, kind, flags)


def message_text(message: m.Message) -> str:
    """ofp-print's text for a message, ending in a newline."""
    if isinstance(message, m.BundleControl):
        return _bundle_control_text(message)
    if isinstance(message, m.Error):
        named, quoted = _extension_error(message)
        if named is not None:
            return "OFPT_ERROR%s (xid=0x%x): %s\n%s" % (
                ofctl_text.version_tag(message.version), message.xid, named.name,
                ofctl_text.format_bytes(quoted))
    return ofctl_text.format_message(message)


def _print_error_and_exit(reply: m.Message) -> None:
    sys.stdout.flush()
    sys.stderr.write(message_text(reply))
    sys.stderr.flush()
    raise SystemExit(1)


def _transact_noreply(channel, requests: list) -> None:
    error = channel.transact_noreply(requests)
    if error is not None:
        _print_error_and_exit(error)


def _try_protocol(channel, current: P.Protocol, wanted: P.Protocol) -> bool:
    for make in P.switch_messages(current, wanted, channel.version):
        if channel.transact_noreply([make(xid=channel.next_xid())]) is not None:
            return False
    return True


def _flow_mod_protocol(session, channel, usable: P.Protocol) -> P.Protocol:
    current = P.base(channel.version)
    allowed = P.allowed(session.options.versions)
    try:
        candidates = P.candidates_for_flow_mod(current, usable, allowed)
    except P.NoUsableProtocol as error:
        session.fatal(str(error))
    for candidate in candidates:
        if candidate == current or _try_protocol(channel, current, candidate):
            return candidate
    session.fatal(str(P.no_protocol_error(usable)))


def _dump_protocol(session, channel, usable: P.Protocol) -> P.Protocol:
    current = P.base(channel.version)
    allowed = P.allowed(session.options.versions)
    for candidate in P.candidates_for_dump(usable, allowed):
        if _try_protocol(channel, current, candidate):
            return candidate
    session.fatal(str(P.no_protocol_error(usable)))


# ---- parsing flows -------------------------------------------------------------------------

def _table_given(flow_mod: m.FlowMod) -> bool:
    # parse_flow gives table 0 to an add that names no table (where ovs-ofctl keeps 0xff),
    # so an explicit "table=0" on an add is taken as no table.
    if flow_mod.command == m.OFPFC_ADD:
        return flow_mod.table_id != 0
    return flow_mod.table_id != m.OFPTT_ALL


def usable_protocols(flow_mod: m.FlowMod) -> P.Protocol:
    """The protocols that can carry `flow_mod` (ovs-ofctl parse-flow's "usable protocols")."""
    return P.usable_for_flow_mod(flow_mod.match, _table_given(flow_mod),
                                 bool(flow_mod.cookie_mask), flow_mod.actions)


_TABLE_OUT_OF_RANGE = re.compile(r'unknown table "(\d+)"$')


def _warn_like_ovs(error: syntax.FlowSyntaxError) -> None:
    """ovs-ofctl logs a console warning before refusing a table number above 255."""
    number = _TABLE_OUT_OF_RANGE.search(str(error))
    if number and int(number.group(1)) > 255:
        sys.stderr.write(vlog.format_line(
            "console", 1, "ofp_table", "WARN",
            "table %s is outside the supported range 0 through 255" % number.group(1)) + "\n")


def _parse_flow_mods(session, lines, command: int, ports, where: str = None) -> list:
    flow_mods = []
    for number, text in lines:
        try:
            flow_mods.append(syntax.parse_flow(text, command, ports))
        except syntax.FlowSyntaxError as error:
            _warn_like_ovs(error)
            session.fatal("%s:%d: %s" % (where, number, error) if where else str(error))
    return flow_mods


def _read_flows(session, name: str, failure: str = "open failed") -> list:
    try:
        return read_flow_file(name)
    except OSError as error:
        session.fatal("%s: %s (%s)" % (name, failure, os.strerror(error.errno)))


def _command(session, base: int) -> int:
    if not session.options.strict:
        return base
    return {m.OFPFC_MODIFY: m.OFPFC_MODIFY_STRICT, m.OFPFC_DELETE: m.OFPFC_DELETE_STRICT}[base]


def _wire(flow_mod: m.FlowMod, protocol: P.Protocol, version: int, xid: int) -> m.FlowMod:
    table_id = flow_mod.table_id
    if protocol & P.OF10_ANY and not protocol & P.WITH_TABLE_ID:
        # Without NXT_FLOW_MOD_TABLE_ID a 1.0 flow mod carries no table: the switch adds to
        # table 0 and modifies or deletes in every table, as for ovs-ofctl.
        table_id = 0
    elif not _table_given(flow_mod) and flow_mod.command == m.OFPFC_ADD:
        # As ovs-ofctl: an add without a table says "any table" where the message can.
        table_id = m.OFPTT_ALL if protocol & P.OF10_ANY else 0
    return dataclasses.replace(flow_mod, version=version, xid=xid, table_id=table_id,
                               wire=P.wire_form(protocol))


def _send_flow_mods(session, switch: str, flow_mods: list) -> None:
    usable = P.ANY
    for flow_mod in flow_mods:
        usable &= usable_protocols(flow_mod)
    if session.options.bundle:
        usable &= P.BUNDLES
    channel = session.open(switch)
    try:
        protocol = _flow_mod_protocol(session, channel, usable)
        if session.options.bundle:
            requests = [_wire(flow_mod, protocol, channel.version, channel.next_xid())
                        for flow_mod in flow_mods]
            _bundle_transact(session, channel, requests)
            return
        for flow_mod in flow_mods:
            _transact_noreply(channel, [_wire(flow_mod, protocol, channel.version,
                                              channel.next_xid())])
    finally:
        channel.close()


# ---- bundles ---------------------------------------------------------------------------------
# As ovs-ofctl --bundle: one atomic, ordered bundle (id 0) on the connection: OPEN_REQUEST,
# the requests as BUNDLE_ADD_MESSAGEs (each with its request's xid), a barrier, COMMIT_REQUEST.
# Every error the switch sends on the way is printed as "Error NAME for: REQUEST", then the
# run fails with "talking to SWITCH (Protocol error)".

_BUNDLE_FLAGS = m.OFPBF_ATOMIC | m.OFPBF_ORDERED


def _bundle_control(channel, kind: int) -> m.BundleControl:
    return m.BundleControl(version=channel.version, xid=channel.next_xid(), bundle_id=0,
                           type=kind, flags=_BUNDLE_FLAGS)


def _await(channel, xid: int, failures: list) -> Optional[m.Message]:
    """The reply to `xid`, keeping every error on the way; None if the reply is an error."""
    while True:
        reply = channel.receive()
        if isinstance(reply, m.Error):
            failures.append(reply)
            if reply.xid == xid:
                return None
        elif reply.xid == xid:
            return reply


def _bundle_transact(session, channel, requests: list) -> None:
    failures: list = []
    sent = {}
    opening = _bundle_control(channel, m.OFPBCT_OPEN_REQUEST)
    sent[opening.xid] = opening
    channel.send(opening)
    if _await(channel, opening.xid, failures) is not None:
        for request in requests:
            sent[request.xid] = request
            channel.send(m.BundleAddMessage(version=channel.version, xid=request.xid,
                                            bundle_id=0, flags=_BUNDLE_FLAGS, message=request))
        barrier = m.BarrierRequest(version=channel.version, xid=channel.next_xid())
        channel.send(barrier)
        _await(channel, barrier.xid, failures)
        commit = _bundle_control(channel, m.OFPBCT_COMMIT_REQUEST)
        sent[commit.xid] = commit
        channel.send(commit)
        _await(channel, commit.xid, failures)
    if failures:
        sys.stdout.flush()
        for failure in failures:
            named = _error_code(failure)
            request = sent.get(failure.xid)
            sys.stderr.write("Error %s for: %s" % (
                named.name if named else "***decode error***",
                message_text(request) if request is not None
                else ofctl_text.format_bytes(failure.data)))
        session.fatal("talking to %s (Protocol error)" % channel.target.name)


def cmd_add_flow(session, switch: str, flow: str) -> None:
    ports = session.names.for_parsing(switch)
    _send_flow_mods(session, switch, _parse_flow_mods(session, [(0, flow)], m.OFPFC_ADD, ports))


def cmd_add_flows(session, switch: str, name: str) -> None:
    ports = session.names.for_parsing(switch)
    lines = _read_flows(session, name)
    _send_flow_mods(session, switch,
                    _parse_flow_mods(session, lines, m.OFPFC_ADD, ports, where=name))


def cmd_mod_flows(session, switch: str, flow: str) -> None:
    ports = session.names.for_parsing(switch)
    command = _command(session, m.OFPFC_MODIFY)
    _send_flow_mods(session, switch, _parse_flow_mods(session, [(0, flow)], command, ports))


def cmd_del_flows(session, switch: str, flow: str = "") -> None:
    ports = session.names.for_parsing(switch)
    command = _command(session, m.OFPFC_DELETE)
    _send_flow_mods(session, switch, _parse_flow_mods(session, [(0, flow)], command, ports))


# ---- dumping flows -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DumpFilter:
    match: Match = Match()
    priority: int = m.OFP_DEFAULT_PRIORITY
    table_id: int = m.OFPTT_ALL
    out_port: int = 0xFFFF
    out_group: int = m.OFPG_ANY
    cookie: int = 0
    cookie_mask: int = 0


def parse_dump_filter(text: str, ports) -> DumpFilter:
    """dump-flows' FLOW argument: a match plus table=, out_port=, out_group=, cookie=V/M."""
    flow_mod = syntax.parse_flow(text, m.OFPFC_DELETE, ports)
    return DumpFilter(match=flow_mod.match, priority=flow_mod.priority,
                      table_id=flow_mod.table_id, out_port=flow_mod.out_port,
                      out_group=flow_mod.out_group, cookie=flow_mod.cookie,
                      cookie_mask=flow_mod.cookie_mask)


def _stats_request(kind, dump_filter: DumpFilter, protocol, version: int, xid: int):
    return kind(version=version, xid=xid, match=dump_filter.match,
                table_id=dump_filter.table_id, out_port=dump_filter.out_port,
                out_group=dump_filter.out_group, cookie=dump_filter.cookie,
                cookie_mask=dump_filter.cookie_mask, nxm=P.uses_nxm(protocol))


def _open_for_dump(session, switch: str, flow: Optional[str]):
    dump_filter = DumpFilter()
    if flow:
        ports = session.names.for_parsing(switch, ports_first=True)
        try:
            dump_filter = parse_dump_filter(flow, ports)
        except syntax.FlowSyntaxError as error:
            session.fatal(str(error))
    usable = P.usable_for_match(dump_filter.match)
    channel = session.open(switch)
    try:
        protocol = _dump_protocol(session, channel, usable)
    except BaseException:
        channel.close()
        raise
    return channel, protocol, dump_filter


def _check_replies(replies) -> None:
    for reply in replies:
        if isinstance(reply, m.Error):
            sys.stdout.write(message_text(reply))
            sys.stdout.flush()
            raise SystemExit(1)


def dump_flow_stats(session, channel, protocol, dump_filter: DumpFilter) -> list:
    request = _stats_request(m.FlowStatsRequest, dump_filter, protocol, channel.version,
                             channel.next_xid())
    replies = channel.transact(request)
    _check_replies(replies)
    return replies


def cmd_dump_flows(session, switch: str, flow: Optional[str] = None) -> None:
    options = session.options
    channel, protocol, dump_filter = _open_for_dump(session, switch, flow)
    try:
        replies = dump_flow_stats(session, channel, protocol, dump_filter)
    finally:
        channel.close()
    if not options.sort and not options.show_names and options.show_stats:
        sys.stdout.write("".join(ofctl_text.format_message(reply) for reply in replies))
        return
    # Printed flow by flow (sorted, or with names), stock shows no ages, as from 1.0 stats.
    flows = [dataclasses.replace(stats, idle_age=None, hard_age=None)
             for reply in replies for stats in reply.flows]
    ports = session.names.for_printing(switch) if flows else None
    for stats in sort_flows(flows, options.sort) if options.sort else flows:
        sys.stdout.write(syntax.format_flow_stats(stats, ports, show_stats=options.show_stats)
                         + "\n")


def cmd_dump_aggregate(session, switch: str, flow: Optional[str] = None) -> None:
    channel, protocol, dump_filter = _open_for_dump(session, switch, flow)
    try:
        request = _stats_request(m.AggregateStatsRequest, dump_filter, protocol,
                                 channel.version, channel.next_xid())
        replies = channel.transact(request)
    finally:
        channel.close()
    _check_replies(replies)
    sys.stdout.write("".join(ofctl_text.format_message(reply) for reply in replies))


# ---- diff-flows and replace-flows ----------------------------------------------------------

def is_file_source(source: str) -> bool:
    """diff-flows reads a file for a name that starts with / or ., or that names an
    existing file and has no colon; anything else is a switch."""
    return source[:1] in ("/", ".") or (":" not in source and os.path.exists(source))


def _version_of(flow_mod_or_stats) -> FlowVersion:
    cookie = getattr(flow_mod_or_stats, "new_cookie", None)
    if cookie is None:
        cookie = flow_mod_or_stats.cookie
    return FlowVersion(cookie=cookie, idle_timeout=flow_mod_or_stats.idle_timeout,
                       hard_timeout=flow_mod_or_stats.hard_timeout,
                       importance=flow_mod_or_stats.importance,
                       flags=flow_mod_or_stats.flags & (m.OFPFF_SEND_FLOW_REM | m.OFPFF_EMERG),
                       actions=flow_mod_or_stats.actions)


def _load_file(session, diff: FlowTableDiff, index: int, name: str, ports,
               failure: str = "open failed") -> P.Protocol:
    usable = P.ANY
    lines = _read_flows(session, name, failure)
    for flow_mod in _parse_flow_mods(session, lines, m.OFPFC_ADD, ports, where=name):
        usable &= usable_protocols(flow_mod)
        table_id = 0 if flow_mod.table_id == m.OFPTT_ALL else flow_mod.table_id
        diff.add(index, FlowKey(table_id, flow_mod.match, flow_mod.priority),
                 _version_of(flow_mod))
    return usable


def _load_switch(session, channel, protocol, diff: FlowTableDiff, index: int) -> None:
    for reply in dump_flow_stats(session, channel, protocol, DumpFilter()):
        for stats in reply.flows:
            diff.add(index, FlowKey(stats.table_id, stats.match, stats.priority),
                     _version_of(stats))


def cmd_diff_flows(session, source1: str, source2: str) -> None:
    diff = FlowTableDiff()
    for index, source in enumerate((source1, source2)):
        if is_file_source(source):
            _load_file(session, diff, index, source, syntax.PortNames(), failure="open")
        else:
            channel = session.open(source)
            try:
                _load_switch(session, channel, _dump_protocol(session, channel, P.ANY), diff,
                             index)
            finally:
                channel.close()

    def describe(key: FlowKey, version: FlowVersion) -> str:
        return describe_version(key, version, syntax.format_match(key.match, key.priority),
                                syntax.format_actions(version.actions))
    lines = diff.differences(describe)
    sys.stdout.write("".join(line + "\n" for line in lines))
    if lines:
        sys.stdout.flush()
        raise SystemExit(2)


def _replacement(key: FlowKey, version: FlowVersion, command: int) -> m.FlowMod:
    return m.FlowMod(version=0, xid=0, command=command, match=key.match, priority=key.priority,
                     table_id=key.table_id, cookie=version.cookie,
                     new_cookie=None if command == m.OFPFC_ADD else version.cookie,
                     idle_timeout=version.idle_timeout,
                     hard_timeout=version.hard_timeout, importance=version.importance,
                     flags=version.flags,
                     actions=version.actions if command == m.OFPFC_ADD else ())


def _by_table(entries) -> list[list]:
    """diff entries (in table order) grouped by table: replace-flows deletes, then adds,
    one table at a time."""
    groups: list[list] = []
    for entry in entries:
        if not groups or groups[-1][0][0].table_id != entry[0].table_id:
            groups.append([])
        groups[-1].append(entry)
    return groups


def cmd_replace_flows(session, switch: str, name: str) -> None:
    diff = FlowTableDiff()
    ports = session.names.for_parsing(switch, ports_first=True)
    usable = _load_file(session, diff, 1, name, ports, failure="open")
    if session.options.bundle:
        usable &= P.BUNDLES
    channel = session.open(switch)
    try:
        protocol = _dump_protocol(session, channel, usable)
        _load_switch(session, channel, protocol, diff, 0)
        flow_mods = []
        for table_entries in _by_table(diff.entries()):
            flow_mods += [_replacement(key, on_switch, m.OFPFC_DELETE_STRICT)
                          for key, on_switch, in_file in table_entries
                          if on_switch is not None and in_file is None]
            flow_mods += [_replacement(key, in_file, m.OFPFC_ADD)
                          for key, on_switch, in_file in table_entries
                          if in_file is not None and (session.options.readd
                                                      or on_switch is None
                                                      or not on_switch.same_as(in_file))]
        requests = [_wire(flow_mod, protocol, channel.version, channel.next_xid())
                    for flow_mod in flow_mods]
        if session.options.bundle:
            _bundle_transact(session, channel, requests)
            return
        for request in requests:
            _transact_noreply(channel, [request])
    finally:
        channel.close()


# ---- offline -------------------------------------------------------------------------------

def _print_parsed(session, flow_mods: list) -> None:
    usable = P.ANY
    for flow_mod in flow_mods:
        usable &= usable_protocols(flow_mod)
    allowed = P.allowed(session.options.versions)
    choices = [bit for bit in P.Protocol if bit & usable & allowed]
    if not choices:
        session.fatal("no usable protocol")
    protocol = choices[0]
    version = OFP10 if protocol & P.OF10_ANY else max(session.options.versions)
    text = "usable protocols: %s\nchosen protocol: %s\n" % (P.describe(usable),
                                                             P.describe(protocol))
    for flow_mod in flow_mods:
        # As ovs-ofctl, what is printed is the message as encoded, decoded again.
        wire = codec.encode(_wire(flow_mod, protocol, version, session.next_xid()))
        text += ofctl_text.format_bytes(wire)
    sys.stdout.write(text)


def cmd_parse_flow(session, flow: str) -> None:
    _print_parsed(session, _parse_flow_mods(session, [(0, flow)], m.OFPFC_ADD,
                                            syntax.PortNames()))


def cmd_parse_flows(session, name: str) -> None:
    _print_parsed(session, _parse_flow_mods(session, _read_flows(session, name), m.OFPFC_ADD,
                                            syntax.PortNames(), where=name))


# name: (function, minimum arguments, maximum arguments)
COMMANDS = {
    "dump-flows": (cmd_dump_flows, 1, 2),
    "dump-aggregate": (cmd_dump_aggregate, 1, 2),
    "add-flow": (cmd_add_flow, 2, 2),
    "add-flows": (cmd_add_flows, 2, 2),
    "mod-flows": (cmd_mod_flows, 2, 2),
    "del-flows": (cmd_del_flows, 1, 2),
    "replace-flows": (cmd_replace_flows, 2, 2),
    "diff-flows": (cmd_diff_flows, 2, 2),
    "parse-flow": (cmd_parse_flow, 1, 1),
    "parse-flows": (cmd_parse_flows, 1, 1),
}
