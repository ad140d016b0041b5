"""What the switch reports in OFPMP_TABLE_FEATURES replies: tables 0-253, each described from
the field registry and what translation can execute.

Per table and OpenFlow version (1.3+), the same properties Open vSwitch reports, in its
order: the instructions (goto_table ... meter; 1.5 has meters as an action and lists no meter
instruction; the last table has no goto_table), the tables a goto_table may name (every later visible table), the action types
for write_actions and apply_actions, the match fields (with the mask bit for maskable ones),
the wildcardable fields and the fields set_field may write, each "miss" property equal to its
plain one.  Fields are listed in Open vSwitch's field order (FIELD_ORDER), each under the
header Open vSwitch uses in that version (fields.oxm_code_for); in_port appears twice, as
OVS's 16-bit NXM field and its 32-bit OXM one.  Fields OVS has and we do not (NSH, ERSPAN)
are not listed.  Names come from the bridge's Flow_Table rows (empty by default, as OVS);
metadata may be matched and written whole; a table holds at most MAX_ENTRIES flows unless
its flow_limit says less.
"""
from __future__ import annotations

import struct
from typing import Mapping, Optional

from pyvswitch import fields as F
from pyvswitch.ofproto.protocol import table_features as tf
from pyvswitch.ofproto.protocol.oxm import Header
from pyvswitch.ofproto.protocol.versions import OFP15

N_VISIBLE_TABLES = 254
MAX_ENTRIES = 1000000
TUN_METADATA_MAX = 124
_ALL_ONES = 0xFFFFFFFFFFFFFFFF
_ENTRY = struct.Struct("!HH")

FIELD_ORDER = (
    ["dp_hash", "recirc_id", "packet_type", "conj_id", "tun_id", "tun_src", "tun_dst",
     "tun_ipv6_src", "tun_ipv6_dst", "tun_flags", "tun_gbp_id", "tun_gbp_flags"]
    + ["tun_metadata%d" % i for i in range(64)]
    + ["metadata", "in_port", "in_port_oxm", "actset_output", "pkt_mark", "ct_state", "ct_zone",
       "ct_mark", "ct_label", "ct_nw_proto", "ct_nw_src", "ct_nw_dst", "ct_ipv6_src",
       "ct_ipv6_dst", "ct_tp_src", "ct_tp_dst"]
    + ["reg%d" % i for i in range(16)] + ["xreg%d" % i for i in range(8)]
    + ["xxreg%d" % i for i in range(4)]
    + ["dl_src", "dl_dst", "dl_type", "vlan_tci", "vlan_vid", "vlan_pcp", "mpls_label",
       "mpls_tc", "mpls_bos", "mpls_ttl", "nw_src", "nw_dst", "ipv6_src", "ipv6_dst",
       "ipv6_label", "nw_proto", "nw_tos", "ip_dscp", "nw_ecn", "nw_ttl", "ip_frag", "arp_op",
       "arp_spa", "arp_tpa", "arp_sha", "arp_tha", "tcp_src", "tcp_dst", "tcp_flags",
       "udp_src", "udp_dst", "sctp_src", "sctp_dst", "icmp_type", "icmp_code", "icmpv6_type",
       "icmpv6_code", "nd_target", "nd_sll", "nd_tll", "nd_reserved", "nd_options_type"])

# OFPIT_*: goto_table, write_metadata, write_actions, apply_actions, clear_actions, meter.
_INSTRUCTIONS = (1, 2, 3, 4, 5, 6)
# OFPAT_*: output, set_mpls_ttl, dec_mpls_ttl, push_vlan, pop_vlan, push_mpls, pop_mpls,
# set_queue, group, set_nw_ttl, dec_nw_ttl, set_field.
_ACTIONS = (0, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25)


def _header(name: str, version: int, hasmask: bool) -> Optional[bytes]:
    if name in ("in_port", "in_port_oxm"):
        field = F.FIELDS["in_port"]
        point = field.codes[0] if name == "in_port" else field.codes[-1]
    else:
        field = F.FIELDS.get(name)
        point = F.oxm_code_for(field, version) if field is not None else None
    if point is None:
        return None
    code = point.code
    experimenter = code[3] if len(code) > 3 else None
    # tun_metadata fields are as long as the TLV map makes them, at most 124 bytes.
    value_length = TUN_METADATA_MAX if name.startswith("tun_metadata") else code[2]
    length = value_length * (2 if hasmask else 1) + (4 if experimenter is not None else 0)
    return Header(code[0], code[1], hasmask, length, experimenter).pack()


def _fields(version: int, *, masks: bool, writable_only: bool) -> bytes:
    headers = []
    for name in FIELD_ORDER:
        field = F.FIELDS["in_port" if name == "in_port_oxm" else name]
        if writable_only and not field.writable:
            continue
        header = _header(name, version, masks and field.maskable)
        if header is not None:
            headers.append(header)
    return b"".join(headers)


def _type_list(types) -> bytes:
    return b"".join(_ENTRY.pack(kind, _ENTRY.size) for kind in types)


def _properties(version: int, table_id: int) -> tuple:
    kinds = _INSTRUCTIONS if version < OFP15 else _INSTRUCTIONS[:-1]
    if table_id == N_VISIBLE_TABLES - 1:
        kinds = kinds[1:]               # no later table for a goto_table
    instructions = _type_list(kinds)
    next_tables = bytes(range(table_id + 1, N_VISIBLE_TABLES))
    actions = _type_list(_ACTIONS)
    setfields = _fields(version, masks=False, writable_only=True)
    match = _fields(version, masks=True, writable_only=False)
    wildcards = _fields(version, masks=False, writable_only=False)
    return ((tf.OFPTFPT_INSTRUCTIONS, instructions), (tf.OFPTFPT_NEXT_TABLES, next_tables),
            (tf.OFPTFPT_WRITE_ACTIONS, actions), (tf.OFPTFPT_WRITE_SETFIELD, setfields),
            (tf.OFPTFPT_APPLY_ACTIONS, actions), (tf.OFPTFPT_APPLY_SETFIELD, setfields),
            (tf.OFPTFPT_INSTRUCTIONS_MISS, instructions),
            (tf.OFPTFPT_NEXT_TABLES_MISS, next_tables),
            (tf.OFPTFPT_WRITE_ACTIONS_MISS, actions),
            (tf.OFPTFPT_WRITE_SETFIELD_MISS, setfields),
            (tf.OFPTFPT_APPLY_ACTIONS_MISS, actions),
            (tf.OFPTFPT_APPLY_SETFIELD_MISS, setfields),
            (tf.OFPTFPT_MATCH, match), (tf.OFPTFPT_WILDCARDS, wildcards))


_CACHE: dict = {}


def table_features(version: int, names: Mapping[int, str] = {},
                   limits: Mapping[int, int] = {}) -> list[tf.TableFeatures]:
    """The features of tables 0-253 in OpenFlow `version` (1.3+)."""
    result = []
    for table_id in range(N_VISIBLE_TABLES):
        key = (version, table_id)
        properties = _CACHE.get(key)
        if properties is None:
            properties = _CACHE[key] = _properties(version, table_id)
        result.append(tf.TableFeatures(
            table_id=table_id, name=names.get(table_id, ""), metadata_match=_ALL_ONES,
            metadata_write=_ALL_ONES, config=0,
            max_entries=limits.get(table_id, MAX_ENTRIES), properties=properties))
    return result
