"""How one bridge port maps frames' 802.1Q headers to and from VLANs (NORMAL switching only).

Owns the Port table's VLAN columns as `man 5 ovs-vswitchd.conf.db` defines them: `PortVlanConfig`
is what the database says (vlan_mode, tag, trunks, other_config:priority-tags); `VlanPolicy` is
that configuration normalized into the three questions NORMAL asks of a port:

  * `input_vlan(vid)`: which VLAN a frame received with 802.1Q VID `vid` (0 when untagged or
    priority-tagged) belongs to, or None when the port does not carry it and the frame is dropped;
  * `carries(vlan)`: whether a frame in `vlan` may leave through the port;
  * `output_tci(vlan, pcp)`: the 802.1Q TCI (VID and PCP) a frame in `vlan` leaves with, or None
    when it leaves without an 802.1Q header.

Normalization rules (the database's defaults and implications):
  * no vlan_mode: access if `tag` is set (trunks are then ignored), otherwise trunk;
  * access: carries only `tag` (VLAN 0 when `tag` is empty); tagged input with a nonzero VID is
    dropped, untagged and priority-tagged input belong to `tag`; output is never tagged;
  * trunk: `tag` is ignored; carries `trunks`, or every VLAN when `trunks` is empty; input is in
    the VLAN of its header (VLAN 0 when untagged), which must be trunked;
  * native-tagged / native-untagged: like trunk, but untagged or priority-tagged input belongs to
    the native VLAN `tag` (VLAN 0 when empty); a nonzero native VLAN is always trunked and
    VLAN 0 then is not; native-untagged sends the native VLAN without a header;
  * dot1q-tunnel is not supported (it needs double tagging): such a port behaves as an access
    port, so tagged input is dropped rather than tunnelled.

A VID of 0 on output means "no header" unless priority-tags asks otherwise: `never` (default)
omits it, `if-nonzero` keeps a header when the PCP is nonzero.  `always` behaves as
`if-nonzero`, as it does in ovs-vswitchd 3.1 (which cannot emit a header with TCI 0).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

VLAN_MODES = ("access", "trunk", "native-tagged", "native-untagged", "dot1q-tunnel")
PRIORITY_TAGS = ("never", "if-nonzero", "always")


@dataclasses.dataclass(frozen=True)
class PortVlanConfig:
    """A Port's VLAN columns as configured: vlan_mode, tag, trunks, other_config:priority-tags."""
    vlan_mode: Optional[str] = None
    tag: Optional[int] = None
    trunks: frozenset[int] = frozenset()
    priority_tags: str = "never"


class VlanPolicy:
    """The normalized VLAN behaviour of one port (see the module docstring)."""

    __slots__ = ("mode", "native_vlan", "trunks", "priority_tags")

    def __init__(self, mode: str, native_vlan: int, trunks: Optional[frozenset[int]],
                 priority_tags: str = "never"):
        self.mode = mode
        #: The access VLAN or native VLAN; -1 for a trunk port, which has neither.
        self.native_vlan = native_vlan
        #: The VLANs trunked, None for all of them; always None for an access port.
        self.trunks = trunks
        self.priority_tags = priority_tags

    @classmethod
    def from_config(cls, cfg: PortVlanConfig) -> "VlanPolicy":
        tag = cfg.tag if cfg.tag is not None and 0 <= cfg.tag <= 4095 else None
        mode = cfg.vlan_mode
        if mode not in VLAN_MODES:
            mode = "access" if tag is not None else "trunk"
        if mode == "dot1q-tunnel":
            mode = "access"
        priority_tags = cfg.priority_tags if cfg.priority_tags in PRIORITY_TAGS else "never"
        trunks = frozenset(v for v in cfg.trunks if 0 <= v <= 4095) or None
        if mode == "access":
            return cls(mode, tag or 0, None, priority_tags)
        if mode == "trunk":
            return cls(mode, -1, trunks, priority_tags)
        native = tag or 0
        if native != 0:
            trunks = (frozenset(range(4096)) if trunks is None else trunks) - {0} | {native}
        return cls(mode, native, trunks, priority_tags)

    def trunks_vlan(self, vlan: int) -> bool:
        return self.mode != "access" and (self.trunks is None or vlan in self.trunks)

    def carries(self, vlan: int) -> bool:
        if self.mode == "access":
            return vlan == self.native_vlan
        return self.trunks_vlan(vlan)

    def input_vlan(self, vid: int) -> Optional[int]:
        if self.mode == "access":
            return self.native_vlan if vid == 0 else None
        if vid == 0 and self.mode != "trunk":
            return self.native_vlan
        return vid if self.trunks_vlan(vid) else None

    def output_tci(self, vlan: int, pcp_of: Callable[[], int]) -> Optional[int]:
        """`pcp_of()` gives the frame's priority; it is only called when the answer depends on it."""
        if self.mode == "access" or (self.mode == "native-untagged" and vlan == self.native_vlan):
            vid = 0
        else:
            vid = vlan
        if vid:
            return pcp_of() << 13 | vid
        if self.priority_tags == "never":
            return None
        pcp = pcp_of()
        return pcp << 13 if pcp else None
