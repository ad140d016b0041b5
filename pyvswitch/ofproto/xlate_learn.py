"""The learn action: the flow_mod a packet makes by executing `learn(...)` (ovs-actions(7)).

Each `LearnSpec` contributes to the learned flow: "match" specs constrain a field of its match
to a value taken from the packet (or an immediate), "load" specs add a `Load` action and
"output" specs an `Output` to the port a subfield of the packet holds.  Fin timeouts become a
leading `FinTimeout` action, as Open vSwitch builds it.  Reading the packet goes through the
caller's `read_subfield`, so every bit the learned flow depends on joins the megaflow's mask
whether or not the flow is then installed (only a real upcall or a statistics push installs
it: translation hands the flow_mod back, the bridge applies it).
"""
from __future__ import annotations

from typing import Callable

from pyvswitch.ofproto import ofpact as a
from pyvswitch.ofproto.match import Match
from pyvswitch.ofproto.protocol import messages as m


def learned_flow_mod(learn: a.Learn, read_subfield: Callable[[a.Subfield], int]) -> m.FlowMod:
    match = Match()
    actions: list = []
    if learn.fin_idle_timeout or learn.fin_hard_timeout:
        actions.append(a.FinTimeout(learn.fin_idle_timeout, learn.fin_hard_timeout))
    for spec in learn.specs:
        value = spec.value if spec.src is None else read_subfield(spec.src)
        value &= (1 << spec.n_bits) - 1
        if spec.kind == "match":
            dst = spec.dst
            bits = ((1 << dst.n_bits) - 1) << dst.ofs
            match = match.with_field(dst.field, value << dst.ofs, bits)
        elif spec.kind == "load":
            actions.append(a.Load(spec.dst, value))
        elif spec.kind == "output":
            actions.append(a.Output(value))
        else:
            raise ValueError("unknown learn spec kind %r" % spec.kind)
    flags = m.OFPFF_SEND_FLOW_REM if learn.flags & a.LEARN_SEND_FLOW_REM else 0
    return m.FlowMod(version=0, xid=0, command=m.OFPFC_ADD, match=match,
                     priority=learn.priority, table_id=learn.table_id, cookie=learn.cookie,
                     idle_timeout=learn.idle_timeout, hard_timeout=learn.hard_timeout,
                     flags=flags, actions=tuple(actions))
