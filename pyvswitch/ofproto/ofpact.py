"""OpenFlow actions and instructions as frozen, version-independent objects ("ofpacts").

Every layer speaks these: the flow-syntax parser builds them from ovs-ofctl text and the
printer renders them back (pyvswitch.ofproto.syntax), the wire codec turns them into OpenFlow
1.0 / 1.1+ actions and Nicira extensions and back (pyvswitch.ofproto.protocol), translation
executes them (pyvswitch.ofproto.xlate).  A flow's actions are one tuple of these, in order,
instructions included as pseudo-actions the way Open vSwitch keeps them, only at the top
level and in OpenFlow's instruction order: `Meter` first, then the apply-actions, then
`ClearActions`, `WriteActions`, `WriteMetadata`, `GotoTable`.  The empty tuple is "drop".

Conventions:
  * OpenFlow port numbers are 16-bit, as Open vSwitch numbers them internally: reserved ports
    are 0xfff8 (IN_PORT) ... 0xffff (NONE, "ANY" in 1.1+); the 1.1+ codec maps the 32-bit
    wire numbers 0xfffffff8... onto these.
  * Field names are canonical pyvswitch.fields names; a `Subfield` is bits [ofs, ofs+n_bits)
    of a field, as NXM's `NXM_NX_REG0[8..15]` or `reg0[8..15]` names them.
  * Where Open vSwitch prints an action differently depending on how it was written or
    received (`load:` vs `set_field:`, `mod_vlan_vid` vs `set_field:...->vlan_vid`,
    `strip_vlan` vs `pop_vlan`, `set_tunnel` vs `set_tunnel64`), the object keeps that as a
    distinct class or a field, so what is parsed or decoded prints back as OVS prints it.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

_action = dataclasses.dataclass(frozen=True)

# Reserved OpenFlow port numbers (16-bit space).
OFPP_MAX = 0xFF00
OFPP_UNSET = 0xFFF7        # Open vSwitch's "no port given" (e.g. resubmit(,2))
OFPP_IN_PORT = 0xFFF8
OFPP_TABLE = 0xFFF9
OFPP_NORMAL = 0xFFFA
OFPP_FLOOD = 0xFFFB
OFPP_ALL = 0xFFFC
OFPP_CONTROLLER = 0xFFFD
OFPP_LOCAL = 0xFFFE
OFPP_NONE = 0xFFFF         # "ANY" in OpenFlow 1.1+

OFPG_ANY = 0xFFFFFFFF
OFPG_ALL = 0xFFFFFFFC

# packet-in reasons (OFPR_*), as the controller action carries them.
OFPR_NO_MATCH = 0
OFPR_ACTION = 1
OFPR_INVALID_TTL = 2


@_action
class Subfield:
    """Bits [ofs, ofs + n_bits) of field `field`."""
    field: str
    ofs: int
    n_bits: int


# ---- output ----------------------------------------------------------------------------

@_action
class Output:
    port: int
    max_len: int = 0           # bytes sent to the controller when port is CONTROLLER


@_action
class Controller:
    max_len: int = 0xFFFF
    reason: int = OFPR_ACTION
    controller_id: int = 0
    userdata: bytes = b""
    pause: bool = False
    meter_id: Optional[int] = None
    # How it was written or received: "output" (output:CONTROLLER / OFPAT_OUTPUT),
    # "controller" (controller:N, NXAST_CONTROLLER) or "controller2" (NXAST_CONTROLLER2).
    style: str = "output"


@_action
class Enqueue:
    port: int
    queue_id: int


@_action
class OutputTrunc:
    """output(port=N,max_len=M): output to `port` with the packet cut to `max_len` bytes."""
    port: int
    max_len: int


@_action
class OutputReg:
    src: Subfield
    max_len: int = 0


@_action
class Group:
    group_id: int


# ---- VLAN, MPLS ------------------------------------------------------------------------

@_action
class SetVlanVid:
    """mod_vlan_vid (OpenFlow 1.0 semantics: pushes a tag onto an untagged packet when
    `push`), or OpenFlow 1.1's OFPAT11_SET_VLAN_VID (push False)."""
    vid: int
    push: bool = True


@_action
class SetVlanPcp:
    pcp: int
    push: bool = True


@_action
class StripVlan:
    """strip_vlan (OpenFlow 1.0) or pop_vlan (1.1+): `style` is "strip_vlan" or "pop_vlan"."""
    style: str = "strip_vlan"


@_action
class PushVlan:
    ethertype: int = 0x8100


@_action
class PushMpls:
    ethertype: int


@_action
class PopMpls:
    ethertype: int


@_action
class SetMplsLabel:
    label: int


@_action
class SetMplsTc:
    tc: int


@_action
class SetMplsTtl:
    ttl: int


@_action
class DecMplsTtl:
    pass


# ---- header rewrites -------------------------------------------------------------------

@_action
class SetEthSrc:
    mac: int


@_action
class SetEthDst:
    mac: int


@_action
class SetIpv4Src:
    ip: int


@_action
class SetIpv4Dst:
    ip: int


@_action
class SetIpDscp:
    """mod_nw_tos: `tos` is the TOS byte's DSCP bits in place (a multiple of 4)."""
    tos: int


@_action
class SetIpEcn:
    ecn: int


@_action
class SetIpTtl:
    ttl: int


@_action
class DecTtl:
    controller_ids: tuple[int, ...] = (0,)
    # dec_ttl written without ids (NXAST_DEC_TTL / OFPAT11_DEC_NW_TTL) vs dec_ttl(1,2).
    explicit_ids: bool = False


@_action
class SetL4SrcPort:
    port: int


@_action
class SetL4DstPort:
    port: int


@_action
class SetField:
    """set_field:value[/mask]->field (OXM SET_FIELD), whole field or masked (1.5)."""
    field: str
    value: int
    mask: int


@_action
class Load:
    """load:value->dst (NXAST_REG_LOAD): writes `value` into the subfield."""
    dst: Subfield
    value: int


@_action
class Move:
    """move:src->dst (NXAST_REG_MOVE / OF1.5 COPY_FIELD); equal widths."""
    src: Subfield
    dst: Subfield


@_action
class SetTunnel:
    tun_id: int
    wide: bool = False         # set_tunnel64 / NXAST_SET_TUNNEL64


@_action
class SetQueue:
    queue_id: int


@_action
class PopQueue:
    pass


# ---- control flow ----------------------------------------------------------------------

@_action
class Resubmit:
    in_port: int = OFPP_UNSET  # OFPP_UNSET: the packet's own in_port
    table_id: Optional[int] = None   # None: the current table
    with_ct_orig: bool = False


@_action
class Clone:
    actions: tuple


@_action
class StackPush:
    src: Subfield


@_action
class StackPop:
    dst: Subfield


@_action
class Exit:
    pass


@_action
class Note:
    data: bytes


@_action
class Conjunction:
    conj_id: int
    clause: int                # 0-based (printed and written 1-based: conjunction(id,k/n))
    n_clauses: int


@_action
class FinTimeout:
    idle_timeout: int = 0
    hard_timeout: int = 0


@_action
class CheckPktLarger:
    pkt_len: int
    dst: Subfield


@_action
class Sample:
    probability: int
    collector_set_id: int = 0
    obs_domain_id: int = 0
    obs_point_id: int = 0
    sampling_port: int = OFPP_NONE
    direction: str = "default"     # "default", "ingress", "egress"


@_action
class Multipath:
    fields: str                # "eth_src" or "symmetric_l4"
    basis: int
    algorithm: str             # "modulo_n", "hash_threshold", "hrw", "iter_hash"
    max_link: int
    arg: int
    dst: Subfield


@_action
class Bundle:
    algorithm: str             # "active_backup" or "hrw"
    fields: str                # "eth_src", "symmetric_l4", ...
    basis: int
    members: tuple[int, ...]
    dst: Optional[Subfield] = None     # bundle_load when set


# ---- learn -----------------------------------------------------------------------------

@_action
class LearnSpec:
    """One part of a learn action.

    kind "match": the learned flow matches `dst` against the source (a subfield of the
    packet, or `value` when src is None); "load": the learned flow's actions load the
    source into `dst`; "output": the learned flow outputs to the port the source holds.
    `n_bits` is the width moved.
    """
    kind: str
    n_bits: int
    dst: Optional[Subfield] = None
    src: Optional[Subfield] = None
    value: Optional[int] = None


# Learn flags (NX_LEARN_F_*).
LEARN_SEND_FLOW_REM = 1
LEARN_DELETE_LEARNED = 2
LEARN_WRITE_RESULT = 4


@_action
class Learn:
    specs: tuple[LearnSpec, ...]
    table_id: int = 1
    priority: int = 0x8000
    idle_timeout: int = 0
    hard_timeout: int = 0
    fin_idle_timeout: int = 0
    fin_hard_timeout: int = 0
    cookie: int = 0
    flags: int = 0
    limit: int = 0
    result_dst: Optional[Subfield] = None


# ---- instructions (pseudo-actions) -----------------------------------------------------

@_action
class Meter:
    meter_id: int


@_action
class ClearActions:
    pass


@_action
class WriteActions:
    actions: tuple


@_action
class WriteMetadata:
    value: int
    mask: int = 0xFFFFFFFFFFFFFFFF


@_action
class GotoTable:
    table_id: int


#: The instruction pseudo-actions that follow the apply-actions, in the order OpenFlow
#: executes (and requires) them; `Meter` comes before the apply-actions.
INSTRUCTION_ORDER = (ClearActions, WriteActions, WriteMetadata, GotoTable)
