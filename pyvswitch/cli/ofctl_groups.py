"""pyvs-ofctl's group commands, as ovs-ofctl(8) has them: add-group, add-groups, mod-group,
del-groups, insert-buckets, remove-buckets, dump-groups, dump-group-stats and
dump-group-features.

Group text is ovs-ofctl's (pyvswitch.ofproto.syntax.group_text).  Like ovs-ofctl, a command
that parses groups first fetches the switch's table and port names (unless --no-names), then
sends each group_mod on one connection followed by its own barrier; an error reply is
printed on stderr, with the group_mod it quotes, and ends the run with status 1.  At
OpenFlow 1.0 the group_mods and statistics travel as Open vSwitch's Nicira extensions;
insert-buckets and remove-buckets need OpenFlow 1.5 (or those extensions).  dump-groups
prints all groups before OpenFlow 1.5 even when given one, as ovs-ofctl does (the request
cannot name a group there).
"""
from __future__ import annotations

import os
import sys

from pyvswitch.cli.flow_file import read_flow_file
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.group_codec import OFPT_GROUP_MOD
from pyvswitch.ofproto.protocol.versions import OFP10, OFP15
from pyvswitch.ofproto.syntax import FlowSyntaxError, PortNames
from pyvswitch.ofproto.syntax import group_text

_REPLY_NAMES = {m.GroupDescReply: "GROUP_DESC", m.GroupStatsReply: "GROUP",
                m.GroupFeaturesReply: "GROUP_FEATURES"}


def _header(name: str, message: m.Message) -> str:
    return "%s%s (xid=%#x):" % (name, ofctl_text.version_tag(message.version), message.xid)


def _group_mod_text(message: m.GroupMod, ports=None) -> str:
    name = "NXT_GROUP_MOD" if message.version == OFP10 else "OFPT_GROUP_MOD"
    return _header(name, message) + "\n" + group_text.format_group_mod(message, ports)


def _error_text(error: m.Error) -> str:
    """An error reply as ovs-ofctl prints it, the group_mod it quotes included."""
    named, quoted = errors.from_wire(error.version, error.type, error.code, error.data)
    if named is None:
        return ofctl_text.format_message(error)
    text = "%s %s\n" % (_header("OFPT_ERROR", error), named.name)
    try:
        request = codec.decode(quoted)
    except errors.DecodeError as error:
        if len(quoted) >= codec.HEADER.size and quoted[0] != OFP10 and \
                quoted[1] == OFPT_GROUP_MOD:
            version, _, _, xid = codec.HEADER.unpack_from(quoted)
            return text + "OFPT_GROUP_MOD%s (xid=%#x): ***decode error: %s***\n%s" % (
                ofctl_text.version_tag(version), xid, error.error.name,
                ofctl_text.hex_dump(quoted))
        return text + ofctl_text.format_bytes(quoted)
    if isinstance(request, m.GroupMod):
        return text + _group_mod_text(request)
    return text + ofctl_text.format_bytes(quoted)


def _fail_with(error: m.Error) -> None:
    sys.stdout.flush()
    sys.stderr.write(_error_text(error))
    sys.stderr.flush()
    raise SystemExit(1)


def _parse(session, texts: list[str], command: int, ports: PortNames) -> list[dict]:
    try:
        return [group_text.parse_group(text, command, ports) for text in texts]
    except FlowSyntaxError as error:
        session.fatal(str(error))


def _send(session, switch: str, texts: list[str], command: int) -> None:
    ports = session.names.for_parsing(switch)
    groups = _parse(session, texts, command, ports)
    channel = session.open(switch)
    try:
        version = channel.version
        if command in (m.OFPGC_INSERT_BUCKET, m.OFPGC_REMOVE_BUCKET) and \
                version not in (OFP10, OFP15):
            word = "insert-bucket" if command == m.OFPGC_INSERT_BUCKET else "remove-bucket"
            session.fatal("%s needs OpenFlow 1.5 or later ('-O OpenFlow15')" % word)
        for fields in groups:
            error = channel.transact_noreply([m.GroupMod(version=version,
                                                         xid=channel.next_xid(), **fields)])
            if error is not None:
                _fail_with(error)
    finally:
        channel.close()


def cmd_add_group(session, switch: str, group: str) -> None:
    _send(session, switch, [group], m.OFPGC_ADD)


def cmd_add_groups(session, switch: str, name: str) -> None:
    try:
        lines = [text for _, text in read_flow_file(name)]
    except OSError as error:
        session.fatal("%s: open failed (%s)" % (name, os.strerror(error.errno)))
    _send(session, switch, lines, m.OFPGC_ADD)


def cmd_mod_group(session, switch: str, group: str) -> None:
    _send(session, switch, [group], m.OFPGC_MODIFY)


def cmd_del_groups(session, switch: str, group: str = "") -> None:
    _send(session, switch, [group], m.OFPGC_DELETE)


def cmd_insert_buckets(session, switch: str, group: str) -> None:
    _send(session, switch, [group], m.OFPGC_INSERT_BUCKET)


def cmd_remove_buckets(session, switch: str, group: str) -> None:
    _send(session, switch, [group], m.OFPGC_REMOVE_BUCKET)


# ---- dumps --------------------------------------------------------------------------------

def _dump(session, switch: str, make_request, format_entry, names: bool = False) -> None:
    channel = session.open(switch)
    try:
        replies = channel.transact(make_request(channel.version, channel.next_xid()))
    finally:
        channel.close()
    # Port names are fetched once the replies are in, as ovs-ofctl does.
    ports = session.names.for_printing(switch) if names else None
    for reply in replies:
        if isinstance(reply, m.Error):
            sys.stdout.write(ofctl_text.format_message(reply))
            sys.stdout.flush()
            raise SystemExit(1)
        prefix = "NXST_" if reply.version == OFP10 else "OFPST_"
        more = " flags=[more]" if reply.flags & m.OFPMPF_REPLY_MORE else ""
        text = _header(prefix + _REPLY_NAMES[type(reply)] + " reply", reply) + more
        if isinstance(reply, m.GroupFeaturesReply):
            text += group_text.format_group_features(reply)
        else:
            text += "\n" + "".join(format_entry(reply.version, entry, ports)
                                   for entry in reply.groups)
        sys.stdout.write(text)


def _dump_group_id(text: str) -> int:
    try:
        return group_text.parse_group_id(text)
    except FlowSyntaxError:
        sys.stderr.write("%s is not a valid group ID.  (Valid group IDs are 32-bit "
                         "nonnegative integers or the keywords ANY or ALL.)\n" % text)
        return m.OFPG_ALL


def cmd_dump_groups(session, switch: str, group_id: str = "all") -> None:
    wanted = _dump_group_id(group_id)
    _dump(session, switch,
          lambda version, xid: m.GroupDescRequest(version=version, xid=xid, group_id=wanted),
          lambda version, group, ports: " %s\n" % group_text.format_group(
              group.group_id, group.type, group.buckets, version, ports), names=True)


def cmd_dump_group_stats(session, switch: str, group: str = "") -> None:
    # The group is parsed as a group_mod is, port names fetched first.
    fields = _parse(session, [group], m.OFPGC_DELETE, session.names.for_parsing(switch))[0]
    _dump(session, switch,
          lambda version, xid: m.GroupStatsRequest(version=version, xid=xid,
                                                   group_id=fields["group_id"]),
          lambda version, stats, ports: group_text.format_group_stats(stats, version))


def cmd_dump_group_features(session, switch: str) -> None:
    _dump(session, switch,
          lambda version, xid: m.GroupFeaturesRequest(version=version, xid=xid), None)


# name: (function, minimum arguments, maximum arguments)
COMMANDS = {
    "add-group": (cmd_add_group, 2, 2),
    "add-groups": (cmd_add_groups, 2, 2),
    "mod-group": (cmd_mod_group, 2, 2),
    "del-groups": (cmd_del_groups, 1, 2),
    "insert-buckets": (cmd_insert_buckets, 2, 2),
    "remove-buckets": (cmd_remove_buckets, 2, 2),
    "dump-groups": (cmd_dump_groups, 1, 2),
    "dump-group-stats": (cmd_dump_group_stats, 1, 2),
    "dump-group-features": (cmd_dump_group_features, 1, 1),
}
