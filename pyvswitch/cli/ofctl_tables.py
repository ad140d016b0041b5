"""pyvs-ofctl's table commands, as ovs-ofctl(8) has them:

    dump-tables SWITCH              OFPST_TABLE request; each reply printed (ofp-print)
    dump-table-features SWITCH      OFPMP_TABLE_FEATURES request (1.3+); the tables printed
                                    without a message header, as one folded listing
    mod-table SWITCH TABLE SETTING  OFPT_TABLE_MOD and a barrier

Requests go out as stock ovs-ofctl sends them: dump-tables asks for table and port names,
after the table stats, only when names are shown (--names, or stdout a terminal); mod-table, unless --no-names, first asks
for the table names (TABLE may be a number, "all" or a name), then checks SETTING against the
versions allowed with -O.  SETTING is one of ovs-ofctl(8)'s words: drop, continue, controller
(the table-miss behaviour, OpenFlow 1.1 and 1.2 only), evict, noevict, vacancy:LOW,HIGH and
novacancy (OpenFlow 1.4+).  The connection offers only the allowed versions that can carry
SETTING.  When 1.4 or 1.5 is allowed, each table mod follows an OFPMP_TABLE_DESC request, to
keep the setting the user did not name (an eviction change keeps vacancy events, a vacancy
change keeps eviction and its flags); TABLE "all" is then tables 0-253, one at a time.

Errors are stock's: a setting the versions cannot carry, "unknown table", "invalid table_mod
setting", the vacancy range messages, and "last table's flow miss handling can not be
continue".
"""
from __future__ import annotations

import dataclasses
import re
import sys

from pyvswitch import vlog
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol import table_mod_codec as tm
from pyvswitch.ofproto.protocol.versions import (OFP11, OFP12, OFP13, OFP14, OFP15,
                                                 PROTOCOL_NAMES)

_MISS_SETTINGS = ("controller", "continue", "drop")
_MISS_VERSIONS = (OFP11, OFP12)
_CONFIG_VERSIONS = (OFP14, OFP15)
_VERSION_NAMES = {version: name for name, version in PROTOCOL_NAMES.items()}
_LAST_TABLE = 254
_C_INT = re.compile(r"\s*[-+]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")


def _print_replies(replies, text_of) -> None:
    for reply in replies:
        sys.stdout.write(ofctl_text.format_message(reply) if isinstance(reply, m.Error)
                         else text_of(reply))
    if any(isinstance(reply, m.Error) for reply in replies):
        sys.stdout.flush()
        raise SystemExit(1)


def cmd_dump_tables(session, switch: str) -> None:
    channel = session.open(switch)
    try:
        replies = channel.transact(m.TableStatsRequest(version=channel.version,
                                                       xid=channel.next_xid()))
    finally:
        channel.close()
    # As ovs-ofctl, which looks the names up when it comes to print the reply.
    session.names.for_printing(switch)
    _print_replies(replies, ofctl_text.format_message)


def cmd_dump_table_features(session, switch: str) -> None:
    channel = session.open(switch)
    try:
        if channel.version < OFP13:
            session.fatal("dump-table-features needs OpenFlow 1.3 or later "
                          "('-O OpenFlow13')")
        replies = channel.transact(m.TableFeaturesRequest(version=channel.version,
                                                          xid=channel.next_xid()))
    finally:
        channel.close()
    errors = [reply for reply in replies if isinstance(reply, m.Error)]
    if errors:
        _print_replies(errors, ofctl_text.format_message)
    tables = [ofctl_text.describe_table_features(reply.version, entry)
              for reply in replies for entry in reply.tables]
    sys.stdout.write(ofctl_text.format_tables(tables).lstrip("\n") + "\n")


# ---- mod-table -------------------------------------------------------------------------------

class TableModSyntaxError(ValueError):
    pass


def _c_int(text: str):
    """C's strtol with base 0 over the whole string, as ovs-ofctl's str_to_int; None if
    it is not a number."""
    if not _C_INT.match(text):
        return None
    digits = text.strip().lstrip("+-")
    sign = -1 if text.strip().startswith("-") else 1
    if digits[:2].lower() == "0x":
        return sign * int(digits[2:], 16)
    return sign * int(digits, 8 if digits.startswith("0") else 10)


def _strtok(text: str, position: int, delimiters: str):
    """C's strtok_r: (the next token at or after `position`, where the scan resumes), the
    token None at the end."""
    while position < len(text) and text[position] in delimiters:
        position += 1
    if position == len(text):
        return None, position
    end = position
    while end < len(text) and text[end] not in delimiters:
        end += 1
    return text[position:end], min(end + 1, len(text))


def _vacancy(setting: str) -> tuple[int, int]:
    """vacancy:LOW,HIGH, tokenised as ovs-ofctl does it: a token up to ':', then two
    ','-separated ones."""
    _, position = _strtok(setting, 0, ":")
    down_text, position = _strtok(setting, position, ",")
    if down_text is None:
        raise TableModSyntaxError("Vacancy down value missing")
    down = _c_int(down_text)
    if down is None or not 0 <= down <= 100:
        raise TableModSyntaxError('Invalid vacancy down value "%s"' % down_text)
    up_text, position = _strtok(setting, position, ",")
    if up_text is None:
        raise TableModSyntaxError("Vacancy up value missing")
    up = _c_int(up_text)
    if up is None or not 0 <= up <= 100:
        raise TableModSyntaxError('Invalid vacancy up value "%s"' % up_text)
    if down > up:
        raise TableModSyntaxError("Invalid vacancy range, vacancy up should be greater than "
                                  "vacancy down (OFPBPC_BAD_VALUE)")
    return down, up


def parse_table_mod(table: str, setting: str, table_names=None) -> tuple[dict, tuple]:
    """(TableMod fields but version and xid, the versions that can carry them) for
    mod-table's TABLE and SETTING; raises TableModSyntaxError with ovs-ofctl's message.
    `table_names` maps names to numbers."""
    if table.lower() == "all":
        table_id = tm.OFPTT_ALL
    elif table.isdigit():
        table_id = int(table)
        if table_id > 255:
            sys.stderr.write(vlog.format_line(
                "console", 1, "ofp_table", "WARN",
                "table %d is outside the supported range 0 through 255" % table_id) + "\n")
            raise TableModSyntaxError('unknown table "%s"' % table)
    elif table_names and table in table_names:
        table_id = table_names[table]
    else:
        if table.startswith("-"):
            sys.stderr.write(vlog.format_line(
                "console", 1, "ofp_table", "WARN",
                "Negative value %s is not a valid table number." % table) + "\n")
        raise TableModSyntaxError('unknown table "%s"' % table)
    fields = {"table_id": table_id}
    if setting in _MISS_SETTINGS:
        settings, versions = {"miss": setting}, _MISS_VERSIONS
    elif setting in ("evict", "noevict"):
        settings, versions = {"evict": setting == "evict"}, _CONFIG_VERSIONS
    elif setting == "novacancy":
        settings, versions = {"vacancy": False}, _CONFIG_VERSIONS
    elif "vacancy".startswith(setting.split(":", 1)[0]):
        # As ovs-ofctl, which compares only the text before any ':' with a prefix of
        # "vacancy" ("vac:10,20" and ":10,20" are vacancy settings too).
        down, up = _vacancy(setting)
        settings, versions = {"vacancy": True}, _CONFIG_VERSIONS
        fields["vacancy"] = (down, up, 0)
    else:
        raise TableModSyntaxError("invalid table_mod setting %s" % setting)
    if table_id == _LAST_TABLE and settings.get("miss") == "continue":
        raise TableModSyntaxError("last table's flow miss handling can not be continue")
    fields["settings"] = settings
    return fields, versions


def table_mod_message(version: int, xid: int, fields: dict) -> m.TableMod:
    settings = fields["settings"]
    return m.TableMod(version=version, xid=xid, table_id=fields["table_id"],
                      config=tm.config_for(version, settings.get("miss", tm.MISS_DEFAULT),
                                           settings.get("evict"), settings.get("vacancy")),
                      eviction_flags=fields.get("eviction_flags"),
                      vacancy=fields.get("vacancy"))


def _keeping_current(fields: dict, desc) -> dict:
    """`fields` with the setting the user did not name taken from the table's description,
    as ovs-ofctl does: an eviction change keeps vacancy events as they are, a vacancy change
    keeps eviction and its flags.  (TableDesc carries no vacancy thresholds, so kept vacancy
    events are written with thresholds 0,0.)"""
    settings = dict(fields["settings"])
    fields = dict(fields, settings=settings)
    config = desc.config if desc is not None else 0
    if "evict" in settings:
        settings["vacancy"] = bool(config & tm.OFPTC14_VACANCY_EVENTS)
        if settings["vacancy"]:
            fields["vacancy"] = (0, 0, 0)
    elif "vacancy" in settings:
        settings["evict"] = bool(config & tm.OFPTC14_EVICTION)
        fields["eviction_flags"] = desc.eviction_flags if desc is not None else 0
    return fields


def _table_desc(session, channel, table_id: int):
    """The table's entry of an OFPMP_TABLE_DESC reply (None if the switch lists no such
    table)."""
    if channel.version < OFP14:
        session.fatal("dump-table-desc needs OpenFlow 1.4 or later ('-O OpenFlow14')")
    replies = channel.transact(m.TableDescRequest(version=channel.version,
                                                  xid=channel.next_xid()))
    for reply in replies:
        if not isinstance(reply, m.TableDescReply):
            session.fatal("received bad reply: %s" % ofctl_text.format_message(reply))
    return next((desc for reply in replies for desc in reply.tables
                 if desc.table_id == table_id), None)


def cmd_mod_table(session, switch: str, table: str, setting: str) -> None:
    if session.options.accept_names:
        session.names.tables(switch)
    try:
        fields, usable = parse_table_mod(table, setting)
    except TableModSyntaxError as error:
        session.fatal(str(error))
    allowed = session.options.versions
    if not allowed & frozenset(usable):
        session.fatal("table_mod '%s' requires one of the OpenFlow versions %s" % (
            setting, ", ".join(_VERSION_NAMES[version] for version in usable)))
    # LOCAL SHIM until Session.open takes the versions to offer: ovs-ofctl offers only the
    # allowed versions that can carry the setting.
    options = session.options
    session.options = dataclasses.replace(options, versions=allowed & frozenset(usable))
    try:
        channel = session.open(switch)
    finally:
        session.options = options
    try:
        if allowed & frozenset(_CONFIG_VERSIONS):
            # As ovs-ofctl: in 1.4+ each table's description first, so the table mod keeps
            # what it does not change; "all" is every table but the last, one by one.
            tables = (range(_LAST_TABLE) if fields["table_id"] == tm.OFPTT_ALL
                      else [fields["table_id"]])
            for table_id in tables:
                error = _send(channel, _keeping_current(
                    dict(fields, table_id=table_id), _table_desc(session, channel, table_id)))
                if error is not None:
                    break
        else:
            error = _send(channel, fields)
    finally:
        channel.close()
    if error is not None:
        sys.stderr.write(ofctl_text.format_message(error))
        raise SystemExit(1)


def _send(channel, fields: dict):
    return channel.transact_noreply([table_mod_message(channel.version, channel.next_xid(),
                                                       fields)])


# name: (function, minimum arguments, maximum arguments), for pyvs-ofctl's COMMANDS.
COMMANDS = {
    "dump-tables": (cmd_dump_tables, 1, 1),
    "dump-table-features": (cmd_dump_table_features, 1, 1),
    "mod-table": (cmd_mod_table, 3, 3),
}
