"""ovs-ofctl's group syntax (ovs-ofctl(8) "Group Syntax"), parsed into GroupMod fields and
printed as ovs-ofctl prints group_mods, group descriptions, statistics and features.

A group is `key=value` items (group_id, type, command_bucket_id, selection_method...) then
any number of `bucket=...`; a bucket is its own items (bucket_id, weight, watch_port,
watch_group, each written `key:value` or `key=value`) followed by its actions, introduced by
`actions=` or starting at the first item that is not a bucket key.  Which items a command
requires or forbids follows ovs-ofctl: add and modify need a group_id and a type,
insert-buckets and remove-buckets a command_bucket_id and no type, fast_failover buckets a
watch, and only select groups' buckets take a weight.  Buckets without a bucket_id are
numbered 0, 1, ...; a select group's buckets weigh 1 unless told otherwise, others 0.  Errors are FlowSyntaxError with ovs-ofctl's text.

Printing: a bucket shows its bucket_id only in OpenFlow 1.5 and the Nicira forms of 1.0, a
weight when it is not its group type's default, and watches that are set; a group without buckets
prints none.  The NTR selection-method property is carried but not printed.
"""
from __future__ import annotations

import re
from typing import Optional

from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import OFPP_ANY
from pyvswitch.ofproto.protocol.versions import OFP10, OFP15
from pyvswitch.ofproto.syntax.actions_print import format_actions
from pyvswitch.ofproto.syntax.actions_text import parse_actions
from pyvswitch.ofproto.syntax.flow_text import format_duration
from pyvswitch.ofproto.syntax.lexer import FlowSyntaxError, PortNames
from pyvswitch.ofproto.syntax.values import format_port, parse_port

TYPE_NAMES = {m.OFPGT_ALL: "all", m.OFPGT_SELECT: "select", m.OFPGT_INDIRECT: "indirect",
              m.OFPGT_FF: "ff"}
_TYPES_BY_NAME = {"all": m.OFPGT_ALL, "select": m.OFPGT_SELECT,
                  "indirect": m.OFPGT_INDIRECT, "ff": m.OFPGT_FF,
                  "fast_failover": m.OFPGT_FF}
COMMAND_NAMES = {m.OFPGC_ADD: "ADD", m.OFPGC_MODIFY: "MOD", m.OFPGC_DELETE: "DEL",
                 m.OFPGC_INSERT_BUCKET: "INSERT_BUCKET", m.OFPGC_REMOVE_BUCKET: "REMOVE_BUCKET",
                 m.OFPGC_ADD_OR_MOD: "ADD_OR_MOD"}
_BUCKET_ID_NAMES = {m.OFPG_BUCKET_FIRST: "first", m.OFPG_BUCKET_LAST: "last",
                    m.OFPG_BUCKET_ALL: "all"}
_GROUP_ID_NAMES = {"all": m.OFPG_ALL, "any": m.OFPG_ANY}
_BUCKET_KEYS = ("bucket_id", "weight", "watch_port", "watch_group")
_SELECTION_KEYS = ("selection_method", "selection_method_param", "fields")
_BUCKET_SPLIT = re.compile(r"(?:^|,)\s*bucket=")
_ITEM = re.compile(r"\s*([a-z_]+)\s*[:=]\s*([^,]*)\s*(?:,|$)")


def _number(text: str) -> Optional[int]:
    try:
        return int(text, 0)
    except ValueError:
        return None


def parse_group_id(text: str) -> int:
    """A group id: a number, `all` or `any`."""
    if text.lower() in _GROUP_ID_NAMES:
        return _GROUP_ID_NAMES[text.lower()]
    value = _number(text)
    if value is None:
        raise FlowSyntaxError("invalid numeric format %s" % text)
    if not 0 <= value <= m.OFPG_MAX:
        raise FlowSyntaxError("invalid group id %d" % value)
    return value


def _default_weight(group_type: int) -> int:
    return 1 if group_type == m.OFPGT_SELECT else 0


def _bucket(text: str, index: int, group_type: int, typed: bool,
            ports: PortNames) -> m.GroupBucket:
    fields = {"bucket_id": index, "weight": _default_weight(group_type),
              "watch_port": OFPP_ANY, "watch_group": m.OFPG_ANY}
    rest = text
    while True:
        found = _ITEM.match(rest)
        if not found or found.group(1) not in _BUCKET_KEYS:
            break
        key, value = found.groups()
        if key == "watch_port":
            port = parse_port(value, ports)
            if port is None:
                raise FlowSyntaxError("%s: invalid watch_port" % value)
            fields[key] = port
        else:
            number = _number(value)
            if number is None or number < 0:
                raise FlowSyntaxError('invalid %s "%s"' % (key, value))
            fields[key] = number
        rest = rest[found.end():]
    rest = rest.strip()
    if rest.startswith("actions="):
        rest = rest[len("actions="):]
    if fields["weight"] != _default_weight(group_type) and typed and \
            group_type != m.OFPGT_SELECT:
        raise FlowSyntaxError("Only select groups can have bucket weights.")
    if group_type == m.OFPGT_FF and fields["watch_port"] == OFPP_ANY and \
            fields["watch_group"] == m.OFPG_ANY:
        raise FlowSyntaxError("fast failover bucket requires watch_port or watch_group")
    return m.GroupBucket(actions=parse_actions(rest, ports) if rest else (), **fields)


def parse_group(text: str, command: int, ports: PortNames = PortNames()) -> dict:
    """The GroupMod fields (command, type, group_id, buckets, command_bucket_id) `text`
    describes for `command`."""
    pieces = _BUCKET_SPLIT.split(text)
    head, bucket_texts = pieces[0], pieces[1:]
    fields = {"command": command, "type": m.OFPGT_ALL}
    given = set()
    for item in filter(None, (part.strip() for part in head.split(","))):
        key, _, value = item.partition("=")
        if key == "group_id":
            fields["group_id"] = parse_group_id(value)
        elif key == "type":
            if value not in _TYPES_BY_NAME:
                raise FlowSyntaxError("invalid group type %s" % value)
            fields["type"] = _TYPES_BY_NAME[value]
        elif key == "command_bucket_id":
            named = {name: number for number, name in _BUCKET_ID_NAMES.items()}
            number = named.get(value, _number(value))
            if number is None:
                raise FlowSyntaxError("invalid command bucket id %s" % value)
            fields["command_bucket_id"] = number
        elif key not in _SELECTION_KEYS:
            raise FlowSyntaxError("unknown keyword %s" % key)
        given.add(key)
    bucket_command = command in (m.OFPGC_INSERT_BUCKET, m.OFPGC_REMOVE_BUCKET)
    if "group_id" not in given:
        if command != m.OFPGC_DELETE:
            raise FlowSyntaxError("must specify a group_id")
        fields["group_id"] = m.OFPG_ALL
    if command in (m.OFPGC_ADD, m.OFPGC_MODIFY, m.OFPGC_ADD_OR_MOD) and "type" not in given:
        raise FlowSyntaxError("must specify a type")
    if bucket_command or command == m.OFPGC_DELETE:
        if "type" in given:
            raise FlowSyntaxError("type is not needed")
    if bucket_command and "command_bucket_id" not in given:
        raise FlowSyntaxError("must specify a command bucket id")
    if not bucket_command and "command_bucket_id" in given:
        raise FlowSyntaxError("command bucket id is not needed")
    fields["buckets"] = tuple(_bucket(bucket_text, index, fields["type"], "type" in given,
                                      ports)
                              for index, bucket_text in enumerate(bucket_texts))
    if fields["type"] == m.OFPGT_INDIRECT and len(fields["buckets"]) > 1:
        raise FlowSyntaxError("Indirect groups can have at most one bucket.")
    return fields


# ---- printing ---------------------------------------------------------------------------

def _shows_bucket_ids(version: int) -> bool:
    return version in (OFP10, OFP15)


def format_bucket(bucket: m.GroupBucket, group_type: int, version: int,
                  ports: Optional[PortNames] = None) -> str:
    text = "bucket="
    if _shows_bucket_ids(version):
        text += "bucket_id:%d," % bucket.bucket_id
    if bucket.weight != _default_weight(group_type):
        text += "weight:%d," % bucket.weight
    if bucket.watch_port != OFPP_ANY:
        text += "watch_port:%s," % format_port(bucket.watch_port, ports)
    if bucket.watch_group != m.OFPG_ANY:
        text += "watch_group:%d," % bucket.watch_group
    return text + "actions=" + format_actions(bucket.actions, ports)


def format_group(group_id: int, group_type: int, buckets, version: int,
                 ports: Optional[PortNames] = None) -> str:
    """"group_id=1,type=all,bucket=...", as a group-description line has it."""
    parts = ["group_id=%d" % group_id,
             "type=%s" % TYPE_NAMES.get(group_type, "%d" % group_type)]
    parts += [format_bucket(bucket, group_type, version, ports) for bucket in buckets]
    return ",".join(parts)


def format_group_mod(group_mod: m.GroupMod, ports: Optional[PortNames] = None) -> str:
    """The body line of a printed group_mod: " ADD group_id=1,type=all,bucket=...\\n"."""
    command = COMMAND_NAMES.get(group_mod.command, "cmd:%d" % group_mod.command)
    if group_mod.command in (m.OFPGC_INSERT_BUCKET, m.OFPGC_REMOVE_BUCKET):
        where = _BUCKET_ID_NAMES.get(group_mod.command_bucket_id,
                                     "%d" % group_mod.command_bucket_id)
        text = "group_id=%d" % group_mod.group_id + "".join(
            "," + format_bucket(bucket, group_mod.type, group_mod.version, ports)
            for bucket in group_mod.buckets)
        return " %s command_bucket_id:%s,%s\n" % (command, where, text)
    return " %s %s\n" % (command, format_group(group_mod.group_id, group_mod.type,
                                                group_mod.buckets, group_mod.version, ports))


def format_group_stats(stats: m.GroupStats, version: int) -> str:
    parts = ["group_id=%d" % stats.group_id]
    if version >= 4 or version == OFP10:
        parts.append("duration=%s" % format_duration(stats.duration_sec, stats.duration_nsec))
    parts += ["ref_count=%d" % stats.ref_count, "packet_count=%d" % stats.packet_count,
              "byte_count=%d" % stats.byte_count]
    parts += ["bucket%d:packet_count=%d,byte_count=%d" % (index, packets, n_bytes)
              for index, (packets, n_bytes) in enumerate(stats.bucket_counters)]
    return " " + ",".join(parts) + "\n"


# Action names in the order ovs-ofctl lists a group-features reply's bits.
_FEATURE_ACTIONS_10 = (("output", 0), ("enqueue", 11), ("set_vlan_vid", 1),
                       ("set_vlan_pcp", 2), ("strip_vlan", 3), ("mod_dl_src", 4),
                       ("mod_dl_dst", 5), ("mod_nw_src", 6), ("mod_nw_dst", 7),
                       ("mod_nw_tos", 8), ("mod_tp_src", 9), ("mod_tp_dst", 10))
_FEATURE_ACTIONS_12 = (("output", 0), ("group", 22), ("set_field", 25), ("strip_vlan", 18),
                       ("push_vlan", 17), ("mod_nw_ttl", 23), ("dec_ttl", 24),
                       ("set_mpls_ttl", 15), ("dec_mpls_ttl", 16), ("push_mpls", 19),
                       ("pop_mpls", 20), ("set_queue", 21))
_FEATURE_TYPE_NAMES = ("all", "select", "indirect", "fast failover")


def format_group_features(reply: m.GroupFeaturesReply) -> str:
    names = _FEATURE_ACTIONS_10 if reply.version == OFP10 else _FEATURE_ACTIONS_12
    text = "\n Group table:\n    Types:  %#x\n    Capabilities:  %#x\n" % (
        reply.types, reply.capabilities)
    for index, type_name in enumerate(_FEATURE_TYPE_NAMES):
        if not reply.types >> index & 1:
            continue
        actions = " ".join(name for name, bit in names if reply.actions[index] >> bit & 1)
        text += "    %s group:\n       max_groups=%#x\n       actions: %s\n" % (
            type_name, reply.max_groups[index], actions)
    return text
