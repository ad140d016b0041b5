"""OpenFlow bundles on one connection: OpenFlow 1.4+ OFPT_BUNDLE_* and the ONF extension for 1.3
that `ovs-ofctl --bundle` uses, as Open vSwitch implements them.

What it owns: the connection's open bundles (id -> flags, state, the flow_mods added).  In:
BundleControl and BundleAddMessage messages; out: replies, and, on commit, one call that
applies every flow_mod of the bundle atomically (all visible to packets at once, or none:
`FlowTables.apply_flow_mods`).  Open vSwitch commits every bundle atomically and in order,
whatever its flags say, and so do we; OVN sends each change as an atomic, ordered bundle and
treats any error as fatal for the connection, so every refusal below carries the error code
OVS sends.

Rules (OpenFlow 1.4 section 7.3.9 as OVS applies them):
  * OPEN of an id already open: OFPBFC_BAD_ID.  ADD to an unknown id opens it implicitly
    with the ADD's flags; ADD to a closed bundle: OFPBFC_BUNDLE_CLOSED; flags differing from
    the bundle's: OFPBFC_BAD_FLAGS; an inner message whose xid differs from the ADD's:
    OFPBFC_MSG_BAD_XID; an inner message other than a flow_mod: OFPBFC_MSG_UNSUP.
  * CLOSE, COMMIT, DISCARD of an unknown id: OFPBFC_BAD_ID; CLOSE of a closed one:
    OFPBFC_BUNDLE_CLOSED.  COMMIT and DISCARD end the bundle whatever happens.
  * A commit whose flow_mod fails changes nothing and answers with that flow_mod's error
    (quoting the bundled message) followed by OFPBFC_MSG_FAILED quoting the commit request.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m

_REPLY = {m.OFPBCT_OPEN_REQUEST: m.OFPBCT_OPEN_REPLY,
          m.OFPBCT_CLOSE_REQUEST: m.OFPBCT_CLOSE_REPLY,
          m.OFPBCT_COMMIT_REQUEST: m.OFPBCT_COMMIT_REPLY,
          m.OFPBCT_DISCARD_REQUEST: m.OFPBCT_DISCARD_REPLY}
#: Bundles one connection may hold open at once (Open vSwitch has no fixed limit; this bounds
#: what a client can make us keep).
MAX_OPEN_BUNDLES = 256
#: Messages one bundle may hold.
MAX_BUNDLE_MESSAGES = 1 << 20


@dataclasses.dataclass
class _Bundle:
    flags: int
    closed: bool = False
    messages: list = dataclasses.field(default_factory=list)


class Bundles:
    def __init__(self):
        self._open: dict[int, _Bundle] = {}

    def control(self, request: m.BundleControl,
                commit: Callable[[list], list]) -> list[m.Message]:
        """The replies to a BundleControl.  `commit(messages)` applies the bundled flow_mods
        atomically and returns the error replies ([] when every flow_mod applied)."""
        kind = request.type
        if kind not in _REPLY:
            return [codec.error_reply(request, errors.BUNDLE_BAD_TYPE)]
        bundle = self._open.get(request.bundle_id)
        if kind == m.OFPBCT_OPEN_REQUEST:
            if bundle is not None:
                return [codec.error_reply(request, errors.BUNDLE_BAD_ID)]
            if len(self._open) >= MAX_OPEN_BUNDLES:
                return [codec.error_reply(request, errors.BUNDLE_OUT_OF_BUNDLES)]
            self._open[request.bundle_id] = _Bundle(request.flags)
        elif bundle is None:
            return [codec.error_reply(request, errors.BUNDLE_BAD_ID)]
        elif kind == m.OFPBCT_CLOSE_REQUEST:
            if bundle.closed:
                return [codec.error_reply(request, errors.BUNDLE_CLOSED)]
            bundle.closed = True
        elif kind == m.OFPBCT_DISCARD_REQUEST:
            del self._open[request.bundle_id]
        else:
            del self._open[request.bundle_id]
            failures = commit(bundle.messages)
            if failures:
                return failures + [codec.error_reply(request, errors.BUNDLE_MSG_FAILED)]
        return [m.BundleControl(version=request.version, xid=request.xid,
                                bundle_id=request.bundle_id, type=_REPLY[kind],
                                flags=request.flags)]

    def add(self, request: m.BundleAddMessage) -> list[m.Message]:
        """Error replies to a BundleAddMessage ([] when the message was added)."""
        inner = request.message
        bundle = self._open.get(request.bundle_id)
        if bundle is None:
            if len(self._open) >= MAX_OPEN_BUNDLES:
                return [codec.error_reply(request, errors.BUNDLE_OUT_OF_BUNDLES)]
            bundle = self._open[request.bundle_id] = _Bundle(request.flags)
        if bundle.closed:
            return [codec.error_reply(request, errors.BUNDLE_CLOSED)]
        if bundle.flags != request.flags:
            return [codec.error_reply(request, errors.BUNDLE_BAD_FLAGS)]
        if inner.xid != request.xid:
            return [codec.error_reply(request, errors.BUNDLE_MSG_BAD_XID)]
        if not isinstance(inner, m.FlowMod):
            return [codec.error_reply(request, errors.BUNDLE_MSG_UNSUP)]
        if len(bundle.messages) >= MAX_BUNDLE_MESSAGES:
            return [codec.error_reply(request, errors.BUNDLE_MSG_TOO_MANY)]
        bundle.messages.append(inner)
        return []
