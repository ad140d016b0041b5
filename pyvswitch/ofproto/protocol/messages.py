"""The OpenFlow messages pyvswitch understands, as frozen, version-independent objects.

Every message carries the header's `version` and `xid`; the codec picks the wire layout from
`version`.  Fields hold abstract values (see `flags` and `ports`), never wire bits, except
where the value means the same in every version (SET_CONFIG flags, error type/code).  A
decoded message also keeps the bytes it came from in `raw` (ignored by equality), because an
error reply quotes the request it rejects.

`UnsupportedMessage` stands for a well-formed message of a type (or multipart type, or
experimenter) we do not implement; its `error` is the reply a switch owes the sender.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Optional

from pyvswitch.ofproto.protocol.errors import ErrorCode
from pyvswitch.ofproto.protocol.flags import Capabilities, Of10Actions
from pyvswitch.ofproto.protocol.ports import OFPP_ANY, PortDesc

if TYPE_CHECKING:      # matches are pyvswitch.ofproto.match.Match (no import at run time)
    from pyvswitch.ofproto.match import Match

_message = dataclasses.dataclass(frozen=True, kw_only=True)

# SET_CONFIG / GET_CONFIG_REPLY flags (same bits in every version).
OFPC_FRAG_MASK = 3
OFPC_INVALID_TTL_TO_CONTROLLER = 4
FRAG_MODES = {0: "normal", 1: "drop", 2: "reassemble", 3: "nx-match"}
OFP_DEFAULT_MISS_SEND_LEN = 128

# Multipart reply flag: more replies follow.
OFPMPF_REPLY_MORE = 1

# PORT_STATUS reasons.
OFPPR_ADD = 0
OFPPR_DELETE = 1
OFPPR_MODIFY = 2


@_message
class Message:
    version: int
    xid: int
    raw: bytes = dataclasses.field(default=b"", compare=False, repr=False)


@_message
class Hello(Message):
    # The versions of a version-bitmap element, or None when the HELLO has none.
    versions: Optional[frozenset[int]] = None


@_message
class Error(Message):
    type: int
    code: int
    data: bytes = b""


@_message
class EchoRequest(Message):
    data: bytes = b""


@_message
class EchoReply(Message):
    data: bytes = b""


@_message
class FeaturesRequest(Message):
    pass


@_message
class FeaturesReply(Message):
    datapath_id: int
    n_buffers: int = 0
    n_tables: int = 254
    auxiliary_id: int = 0                   # 1.3+
    capabilities: Capabilities = Capabilities(0)
    actions: Of10Actions = Of10Actions(0)   # 1.0 only
    ports: tuple[PortDesc, ...] = ()        # 1.0-1.2 only


@_message
class GetConfigRequest(Message):
    pass


@_message
class GetConfigReply(Message):
    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@_message
class SetConfig(Message):
    flags: int = 0
    miss_send_len: int = OFP_DEFAULT_MISS_SEND_LEN


@_message
class BarrierRequest(Message):
    pass


@_message
class BarrierReply(Message):
    pass


@_message
class PortStatus(Message):
    reason: int
    port: PortDesc


@_message
class DescRequest(Message):
    flags: int = 0


@_message
class DescReply(Message):
    flags: int = 0
    mfr_desc: str = ""
    hw_desc: str = ""
    sw_desc: str = ""
    serial_num: str = ""
    dp_desc: str = ""


@_message
class PortDescRequest(Message):
    flags: int = 0
    port_no: int = OFPP_ANY                 # carried on the wire by 1.5 only


@_message
class PortDescReply(Message):
    flags: int = 0
    ports: tuple[PortDesc, ...] = ()


@_message
class UnsupportedMessage(Message):
    type: int
    error: ErrorCode


# ---- flow tables ----------------------------------------------------------------------------
# Matches are pyvswitch.ofproto.match.Match; actions (instructions included) are tuples of
# pyvswitch.ofproto.ofpact objects.  Port numbers are 16-bit (see ofpact), table 0xff means
# "all tables" where a request allows it.

# FLOW_MOD commands.
OFPFC_ADD = 0
OFPFC_MODIFY = 1
OFPFC_MODIFY_STRICT = 2
OFPFC_DELETE = 3
OFPFC_DELETE_STRICT = 4

# FLOW_MOD flags, in Open vSwitch's version-independent numbering (the codec maps them onto
# each version's bits).
OFPFF_SEND_FLOW_REM = 1 << 0
OFPFF_CHECK_OVERLAP = 1 << 1
OFPFF_EMERG = 1 << 2          # 1.0 only
OFPFF_RESET_COUNTS = 1 << 3   # 1.3+ (ovs-ofctl accepts it in every version)
OFPFF_NO_PKT_COUNTS = 1 << 4  # 1.3+
OFPFF_NO_BYT_COUNTS = 1 << 5  # 1.3+

OFP_DEFAULT_PRIORITY = 0x8000
OFP_NO_BUFFER = 0xFFFFFFFF
OFPTT_ALL = 0xFF
OFPG_ANY = 0xFFFFFFFF

# Flow formats (NXT_SET_FLOW_FORMAT) and FLOW_REMOVED reasons.
NXFF_OPENFLOW10 = 0
NXFF_NXM = 2
OFPRR_IDLE_TIMEOUT = 0
OFPRR_HARD_TIMEOUT = 1
OFPRR_DELETE = 2
OFPRR_GROUP_DELETE = 3
OFPRR_METER_DELETE = 4
OFPRR_EVICTION = 5


@_message
class FlowMod(Message):
    command: int = OFPFC_ADD
    match: "Match" = None                   # pyvswitch.ofproto.match.Match
    priority: int = OFP_DEFAULT_PRIORITY
    table_id: int = 0                       # OFPTT_ALL for modify/delete of every table
    cookie: int = 0
    cookie_mask: int = 0                    # modify/delete: which cookie bits must match
    new_cookie: Optional[int] = None        # modify: None keeps the flows' cookies
    idle_timeout: int = 0
    hard_timeout: int = 0
    importance: int = 0
    buffer_id: int = OFP_NO_BUFFER
    out_port: int = 0xFFFF                  # delete/modify filter; OFPP_NONE/ANY: none
    out_group: int = OFPG_ANY
    flags: int = 0
    actions: tuple = ()
    # How the message was encoded ("of10", "nxm", "oxm"): replies and errors follow it.
    wire: str = ""


@_message
class SetFlowFormat(Message):
    """NXT_SET_FLOW_FORMAT."""
    format: int = NXFF_NXM


@_message
class FlowModTableId(Message):
    """NXT_FLOW_MOD_TABLE_ID: whether 1.0 flow_mods carry a table id in the command's high byte."""
    enable: bool = True


@_message
class _FlowSelection(Message):
    """What flow and aggregate statistics requests share: the flows they select (`nxm`
    selects the Nicira form in 1.0)."""
    flags: int = 0
    match: "Match" = None
    table_id: int = OFPTT_ALL
    out_port: int = 0xFFFF
    out_group: int = OFPG_ANY
    cookie: int = 0
    cookie_mask: int = 0
    nxm: bool = False


@_message
class FlowStatsRequest(_FlowSelection):
    """OFPST_FLOW / NXST_FLOW request."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class FlowStats:
    """One flow in a flow-stats reply."""
    table_id: int
    duration_sec: int
    duration_nsec: int
    priority: int
    idle_timeout: int
    hard_timeout: int
    cookie: int
    packet_count: int
    byte_count: int
    match: "Match"
    actions: tuple
    flags: int = 0                          # 1.3+
    importance: int = 0                     # 1.4+
    idle_age: Optional[int] = None          # NXST_FLOW only: seconds since last packet
    hard_age: Optional[int] = None          # NXST_FLOW only: seconds since last modified


@_message
class FlowStatsReply(Message):
    flags: int = 0
    flows: tuple[FlowStats, ...] = ()
    nxm: bool = False


@_message
class AggregateStatsRequest(_FlowSelection):
    """OFPST_AGGREGATE / NXST_AGGREGATE request."""


@_message
class AggregateStatsReply(Message):
    flags: int = 0
    packet_count: int = 0
    byte_count: int = 0
    flow_count: int = 0
    nxm: bool = False


@_message
class FlowRemoved(Message):
    match: "Match" = None
    cookie: int = 0
    priority: int = 0
    reason: int = OFPRR_DELETE
    table_id: int = 0
    duration_sec: int = 0
    duration_nsec: int = 0
    idle_timeout: int = 0
    hard_timeout: int = 0
    packet_count: int = 0
    byte_count: int = 0
    nxm: bool = False


# ---- table statistics and bundles -----------------------------------------------------------

@_message
class TableStatsRequest(Message):
    flags: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class TableStats:
    """One table in a table-stats reply.  Name, capabilities and max_entries travel in
    OpenFlow 1.0-1.2 only (1.3+ moved them to table features); the capability bitmaps
    (`wildcards` and below) hold the wire bits of the reply's version."""
    table_id: int
    active_count: int = 0
    lookup_count: int = 0
    matched_count: int = 0
    name: str = ""
    max_entries: int = 0
    wildcards: int = 0
    match: int = 0                  # 1.1-1.2
    instructions: int = 0           # 1.1-1.2
    write_actions: int = 0          # 1.1-1.2
    apply_actions: int = 0          # 1.1-1.2
    config: int = 0                 # 1.1-1.2
    write_setfields: int = 0        # 1.2
    apply_setfields: int = 0        # 1.2
    metadata_match: int = 0         # 1.2
    metadata_write: int = 0         # 1.2


@_message
class TableStatsReply(Message):
    flags: int = 0
    tables: tuple[TableStats, ...] = ()


# Bundle control types and flags (OpenFlow 1.4+, and the ONF extension for 1.3).
OFPBCT_OPEN_REQUEST = 0
OFPBCT_OPEN_REPLY = 1
OFPBCT_CLOSE_REQUEST = 2
OFPBCT_CLOSE_REPLY = 3
OFPBCT_COMMIT_REQUEST = 4
OFPBCT_COMMIT_REPLY = 5
OFPBCT_DISCARD_REQUEST = 6
OFPBCT_DISCARD_REPLY = 7
OFPBF_ATOMIC = 1
OFPBF_ORDERED = 2


@_message
class BundleControl(Message):
    """OFPT_BUNDLE_CONTROL (1.4+) or ONFT_BUNDLE_CONTROL (1.3); `properties` are kept raw."""
    bundle_id: int = 0
    type: int = OFPBCT_OPEN_REQUEST
    flags: int = 0
    properties: bytes = b""


@_message
class BundleAddMessage(Message):
    """OFPT_BUNDLE_ADD_MESSAGE (1.4+) or ONFT_BUNDLE_ADD_MESSAGE (1.3): `message` is the
    bundled request, decoded (an UnsupportedMessage if we do not know its type)."""
    bundle_id: int = 0
    flags: int = 0
    message: Message = None
    properties: bytes = b""


# ---- table features (OpenFlow 1.3+) ----------------------------------------------------------

@_message
class TableFeaturesRequest(Message):
    """OFPMP_TABLE_FEATURES request; `tables` (protocol.table_features.TableFeatures) empty
    means "tell me", otherwise "set these"."""
    flags: int = 0
    tables: tuple = ()


@_message
class TableFeaturesReply(Message):
    flags: int = 0
    tables: tuple = ()


@_message
class TableDescRequest(Message):
    """OFPMP_TABLE_DESC request (1.4+)."""
    flags: int = 0


@_message
class TableDescReply(Message):
    """`tables` are protocol.table_features.TableDesc."""
    flags: int = 0
    tables: tuple = ()


# ---- Geneve TLV map (NXT_TLV_TABLE_MOD/REQUEST/REPLY; see protocol.tlv_codec) -----------------

NXTTMC_ADD = 0
NXTTMC_DELETE = 1
NXTTMC_CLEAR = 2


@dataclasses.dataclass(frozen=True)
class TlvMapping:
    """Geneve option (class, type, length in bytes) carried in tun_metadata<index>."""
    option_class: int
    option_type: int
    option_len: int
    index: int


@_message
class TlvTableMod(Message):
    command: int = NXTTMC_ADD
    mappings: tuple[TlvMapping, ...] = ()


@_message
class TlvTableRequest(Message):
    pass


@_message
class TlvTableReply(Message):
    max_option_space: int = 256
    max_fields: int = 64
    mappings: tuple[TlvMapping, ...] = ()


# ---- packet-out --------------------------------------------------------------------------------

@_message
class PacketOut(Message):
    """OFPT_PACKET_OUT: `data` sent as if received on `in_port` (16-bit; OFPP_CONTROLLER or
    OFPP_NONE when from no port), through `actions` (an output to OFPP_TABLE runs the
    pipeline).  `match` is the rest of 1.5's packet metadata (in_port taken out)."""
    buffer_id: int = OFP_NO_BUFFER
    in_port: int = 0xFFFD
    actions: tuple = ()
    data: bytes = b""
    match: "Match" = None


# ---- groups (OpenFlow 1.1+, and Nicira extensions in 1.0) -------------------------------------
# Group ids and bucket ids are 32-bit; ports (watch_port) 16-bit as everywhere else here.

OFPGC_ADD = 0
OFPGC_MODIFY = 1
OFPGC_DELETE = 2
OFPGC_INSERT_BUCKET = 3     # 1.5 (and NXT_GROUP_MOD in 1.0)
OFPGC_REMOVE_BUCKET = 5     # 1.5: OFPGC15_REMOVE_BUCKET
OFPGC_ADD_OR_MOD = 0x8000   # Open vSwitch's "mod-group --may-create"

OFPGT_ALL = 0
OFPGT_SELECT = 1
OFPGT_INDIRECT = 2
OFPGT_FF = 3

OFPG_MAX = 0xffffff00
OFPG_ALL = 0xfffffffc

OFPG_BUCKET_MAX = 0xffffff00
OFPG_BUCKET_FIRST = 0xfffffffd
OFPG_BUCKET_LAST = 0xfffffffe
OFPG_BUCKET_ALL = 0xffffffff


@dataclasses.dataclass(frozen=True, kw_only=True)
class GroupBucket:
    actions: tuple = ()
    weight: int = 0
    watch_port: int = OFPP_ANY
    watch_group: int = OFPG_ANY
    bucket_id: int = 0      # carried by 1.5 and NXT_GROUP_MOD; 1.1-1.4 number buckets 0, 1...


@_message
class GroupMod(Message):
    """OFPT_GROUP_MOD (1.1+) or NXT_GROUP_MOD (1.0).  `properties` are the 1.5/NX group
    properties (the NTR selection method), kept raw."""
    command: int = OFPGC_ADD
    type: int = OFPGT_ALL
    group_id: int = 0
    buckets: tuple[GroupBucket, ...] = ()
    command_bucket_id: int = OFPG_BUCKET_ALL
    properties: bytes = b""


@_message
class GroupStatsRequest(Message):
    flags: int = 0
    group_id: int = OFPG_ALL

    nxm = property(lambda self: True)   # OpenFlow 1.0 has only the Nicira form


@dataclasses.dataclass(frozen=True, kw_only=True)
class GroupStats:
    group_id: int
    ref_count: int = 0
    packet_count: int = 0
    byte_count: int = 0
    duration_sec: int = 0                   # 1.3+ and NX
    duration_nsec: int = 0
    bucket_counters: tuple[tuple[int, int], ...] = ()   # (packet_count, byte_count) each


@_message
class GroupStatsReply(Message):
    flags: int = 0
    groups: tuple[GroupStats, ...] = ()

    nxm = property(lambda self: True)


@_message
class GroupDescRequest(Message):
    flags: int = 0
    group_id: int = OFPG_ALL                # carried by 1.5 and NX only

    nxm = property(lambda self: True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GroupDesc:
    group_id: int
    type: int = OFPGT_ALL
    buckets: tuple[GroupBucket, ...] = ()
    properties: bytes = b""                 # 1.5 and NX


@_message
class GroupDescReply(Message):
    flags: int = 0
    groups: tuple[GroupDesc, ...] = ()

    nxm = property(lambda self: True)


@_message
class GroupFeaturesRequest(Message):
    flags: int = 0

    nxm = property(lambda self: True)


@_message
class GroupFeaturesReply(Message):
    """`actions` holds, per group type, the wire bitmap of action types of the reply's
    version (as ovs-vswitchd fills it in)."""
    flags: int = 0
    types: int = 0
    capabilities: int = 0
    max_groups: tuple[int, int, int, int] = (0, 0, 0, 0)
    actions: tuple[int, int, int, int] = (0, 0, 0, 0)

    nxm = property(lambda self: True)


# ---- table mod (OFPT_TABLE_MOD, OpenFlow 1.1+; see protocol.table_mod_codec) -------------------

@_message
class TableMod(Message):
    """`config` is the wire word of the message's version (table_mod_codec.table_miss,
    eviction and vacancy_events read it); `eviction_flags` and `vacancy` (vacancy_down,
    vacancy_up, vacancy) are the 1.4+ properties, None when absent."""
    table_id: int = 0
    config: int = 0
    eviction_flags: Optional[int] = None
    vacancy: Optional[tuple[int, int, int]] = None
