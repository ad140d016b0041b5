"""The OpenFlow 1.1+ action set: what write_actions accumulates and the pipeline's end executes.

An action set holds at most one action of each kind (a later write_actions replaces the earlier
action of the same kind; set_field keeps one per field) and executes them in the order
OpenFlow 1.3 section 5.10 prescribes, whatever order they were written in: TTL copies in,
pops, MPLS push, VLAN push, TTL copies out, TTL decrements, field sets, queue, then group, or
else output.  Open vSwitch orders it the same way; we name the kinds after our ofpact classes.
"""
from __future__ import annotations

from pyvswitch.ofproto import ofpact as a

_ORDER = [
    (a.StripVlan, a.PopMpls),
    (a.PushMpls,),
    (a.PushVlan,),
    (a.DecTtl, a.DecMplsTtl),
    (a.SetField, a.Load, a.Move, a.SetVlanVid, a.SetVlanPcp, a.SetEthSrc, a.SetEthDst,
     a.SetIpv4Src, a.SetIpv4Dst, a.SetIpDscp, a.SetIpEcn, a.SetIpTtl, a.SetL4SrcPort,
     a.SetL4DstPort, a.SetMplsLabel, a.SetMplsTc, a.SetMplsTtl, a.SetTunnel),
    (a.SetQueue,),
    (a.Group,),
    (a.Output, a.Controller, a.Enqueue, a.OutputReg),
]
_RANK = {cls: rank for rank, classes in enumerate(_ORDER) for cls in classes}
_GROUP_RANK = _RANK[a.Group]
_OUTPUT_RANK = _RANK[a.Output]


def _slot(action) -> tuple:
    """Actions sharing a slot replace each other."""
    if isinstance(action, a.SetField):
        return (a.SetField, action.field)
    if isinstance(action, a.Load):
        return (a.SetField, action.dst.field)
    if isinstance(action, a.Move):
        return (a.SetField, action.dst.field)
    return (type(action),)


class ActionSet:
    __slots__ = ("_actions",)

    def __init__(self):
        self._actions: dict[tuple, object] = {}

    def write(self, actions) -> None:
        for action in actions:
            if type(action) not in _RANK:
                raise ValueError("%s cannot be in an action set" % type(action).__name__)
            self._actions[_slot(action)] = action

    def clear(self) -> None:
        self._actions.clear()

    def copy(self) -> "ActionSet":
        other = ActionSet()
        other._actions = dict(self._actions)
        return other

    def __bool__(self) -> bool:
        return bool(self._actions)

    def ordered(self) -> list:
        """The actions in execution order; with a group, no output runs."""
        actions = sorted(self._actions.values(), key=lambda action: _RANK[type(action)])
        if any(_RANK[type(action)] == _GROUP_RANK for action in actions):
            actions = [action for action in actions if _RANK[type(action)] != _OUTPUT_RANK]
        return actions

    @staticmethod
    def allowed(action) -> bool:
        return type(action) in _RANK
