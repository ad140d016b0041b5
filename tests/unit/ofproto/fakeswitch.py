"""A bridge on an in-memory stand-in for the datapath, and frames to push through it.

`Switch.send(ofport, frame)` translates the frame the way the datapath does on a miss, applies
the resulting datapath actions to the frame and answers which OpenFlow ports it leaves through
and with which 802.1Q tag: {ofport: None (untagged) or (vid, pcp)}.

`DatapathSwitch` is a bridge on the real datapath (caches and all, no thread): its `send`
answers the sorted (port name, frame) pairs the datapath sent.
"""
from __future__ import annotations

import struct

from pyvswitch.datapath.dpif import Datapath
from pyvswitch.flow import extract_key
from pyvswitch.netdev.base import Netdev
from pyvswitch.ofproto.bridge import LOCAL, Bridge


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def eth(src: str, dst: str, vid: int | None = None, pcp: int = 0, tpid: int = 0x8100) -> bytes:
    """An Ethernet frame, 802.1Q-tagged when vid is given (vid=0: priority-tagged)."""
    frame = mac(dst) + mac(src)
    if vid is not None:
        frame += struct.pack("!HH", tpid, pcp << 13 | vid)
    return frame + b"\x88\xb5" + bytes(range(46))


def tag_of(frame: bytes):
    if frame[12:14] in (b"\x81\x00", b"\x88\xa8"):
        tci = frame[14] << 8 | frame[15]
        return (tci & 0x0FFF, tci >> 13)
    return None


def apply_actions(frame: bytes, actions: list) -> list[tuple[int, bytes]]:
    """What each datapath output sends: [(dp_port, frame)]."""
    sent = []
    for action in actions:
        if action[0] == "output":
            sent.append((action[1], frame))
        elif action[0] == "pop_vlan":
            assert tag_of(frame) is not None, "pop_vlan on an untagged frame"
            frame = frame[:12] + frame[16:]
        elif action[0] == "push_vlan":
            tci = action[2] & ~0x1000
            frame = frame[:12] + struct.pack("!HH", action[1], tci) + frame[12:]
        else:
            raise AssertionError("unexpected datapath action %r" % (action,))
    return sent


class FakeNetdev(Netdev):
    def fileno(self):
        return None

    def recv_batch(self, max_frames):
        return []

    def send_batch(self, frames):
        pass

    def close(self):
        pass


class FakeDatapath:
    def __init__(self):
        self.ports: dict[int, tuple[Netdev, object]] = {}
        self.invalidations = 0
        self._next = 1

    def add_port(self, netdev, owner, port_no=None):
        number, self._next = self._next, self._next + 1
        self.ports[number] = (netdev, owner)
        return number

    def remove_port(self, port_no):
        del self.ports[port_no]

    def invalidate(self):
        self.invalidations += 1


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Switch:
    def __init__(self, ofports=(1, 2, 3, 4, LOCAL), vlans: dict | None = None):
        self.clock = Clock()
        self.datapath = FakeDatapath()
        self.bridge = Bridge("br0", self.datapath, clock=self.clock)
        self.dp_port: dict[int, int] = {}
        for ofport in ofports:
            self.add_port(ofport)
        for ofport, cfg in (vlans or {}).items():
            self.bridge.set_port_vlan(ofport, cfg)

    def add_port(self, ofport: int) -> None:
        name = "br0" if ofport == LOCAL else "p%d" % ofport
        self.bridge.add_port(ofport, name, FakeNetdev(name))
        self.dp_port[ofport] = max(self.datapath.ports)

    def translate(self, ofport: int, frame: bytes, side_effects: bool = True):
        key = extract_key(frame, self.dp_port[ofport])
        return self.bridge.translate(key, frame, side_effects=side_effects)

    def account(self, ofport: int, frame: bytes, n_packets: int = 1) -> None:
        """What the datapath's revalidator does for a cached flow that forwarded `frame`."""
        key = extract_key(frame, self.dp_port[ofport])
        self.bridge.account(key, n_packets, n_packets * len(frame), self.clock.now)

    def send(self, ofport: int, frame: bytes) -> dict:
        actions, _mask = self.translate(ofport, frame)
        of_port = {dp: of for of, dp in self.dp_port.items()}
        out = {}
        for dp_port, sent in apply_actions(frame, actions):
            ofp = of_port[dp_port]
            assert ofp not in out, "frame sent twice to port %d" % ofp
            out[ofp] = tag_of(sent)
        return out



class RecordingNetdev(Netdev):
    def __init__(self, name, sent):
        super().__init__(name)
        self._sent = sent

    def fileno(self):
        return None

    def recv_batch(self, max_frames):
        return []

    def send_batch(self, frames):
        self._sent.extend((self.name, bytes(frame)) for frame, _vnet in frames)

    def close(self):
        pass


class DatapathSwitch:
    def __init__(self, clock, caches: bool = True, ofports=(1, 2, 3, 4, LOCAL)):
        self.sent: list = []
        self.datapath = Datapath(clock=clock)
        if not caches:
            self.datapath.set_config(emc_enabled=False, megaflows_enabled=False)
        self.bridge = Bridge("br0", self.datapath, clock=clock)
        for ofport in ofports:
            self.bridge.add_port(ofport, "p%d" % ofport, RecordingNetdev("p%d" % ofport, self.sent))
        self.dp_port = self.bridge.dp_ports()

    def send(self, ofport, frame):
        del self.sent[:]
        self.datapath.receive(self.dp_port[ofport], [(frame, None)])
        return sorted(self.sent)


# ---- flow tables written the short way --------------------------------------------------
# A rule is (priority, [(field, value, mask)], [action]) with actions as tuples:
# ("output", port), ("pop_vlan",), ("set_vlan_vid", vid), ("set_vlan_pcp", pcp).

def _ofpact(action: tuple):
    from pyvswitch.ofproto import ofpact
    kind = action[0]
    if kind == "output":
        return ofpact.Output(action[1])
    if kind == "pop_vlan":
        return ofpact.StripVlan()
    if kind == "set_vlan_vid":
        return ofpact.SetVlanVid(action[1])
    if kind == "set_vlan_pcp":
        return ofpact.SetVlanPcp(action[1])
    raise AssertionError("unknown test action %r" % (action,))


def table(*rules) -> tuple:
    """FlowMods (ADD) for table 0."""
    from pyvswitch.ofproto.match import Match
    from pyvswitch.ofproto.protocol import messages as m
    mods = []
    for priority, fields, actions in rules:
        match = Match()
        for name, value, mask in fields:
            match = match.with_field(name, value, mask)
        mods.append(m.FlowMod(version=1, xid=0, match=match, priority=priority,
                              actions=tuple(_ofpact(action) for action in actions)))
    return tuple(mods)


def normal_only() -> tuple:
    return table((0, [], [("output", 0xFFFA)]))


def set_flow_table(bridge, flow_mods) -> None:
    """Replaces every flow of `bridge` by `flow_mods`, in one atomic change."""
    from pyvswitch.ofproto.match import Match
    from pyvswitch.ofproto.protocol import messages as m
    flush = m.FlowMod(version=1, xid=0, command=m.OFPFC_DELETE, match=Match(), table_id=0xFF)
    result = bridge.apply_flow_mods([flush, *flow_mods])
    assert result.error is None, result.error
