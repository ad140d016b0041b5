"""What pyvs-ofctl's flow commands send, in order, with their xids, against a fake switch
channel (no sockets).  The sequences are the ones stock ovs-ofctl 3.1 sent to stock OVS
(vconn debug logs), e.g. add-flow at OpenFlow 1.0: table names (xid 1-2), ports (3-4), then
HELLO 5, the flow mod 6 and its barrier 7."""
import pytest

from pyvswitch.cli import ofctl
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol.ports import PortDesc


class FakeChannel:
    """Answers like a switch with ports p1 (1) and p2 (2) and the given flows."""

    def __init__(self, session, log, flows):
        self.version = max(session.options.versions)
        self.target = ofctl.Target("unix:fake", 0, None)
        self._session, self._log, self._flows = session, log, flows
        self._pending = []
        log.append(("HELLO", session.next_xid()))

    def next_xid(self):
        return self._session.next_xid()

    def _record(self, message):
        self._log.append((type(message).__name__, message.xid, message))

    def transact(self, request):
        self._record(request)
        if isinstance(request, (m.FeaturesRequest, m.PortDescRequest)):
            ports = tuple(PortDesc(port_no=n, name="p%d" % n, hw_addr=bytes(6)) for n in (1, 2))
            kind = m.FeaturesReply if isinstance(request, m.FeaturesRequest) else m.PortDescReply
            extra = {"datapath_id": 1} if kind is m.FeaturesReply else {}
            return [kind(version=self.version, xid=request.xid, ports=ports, **extra)]
        if isinstance(request, m.FlowStatsRequest):
            return [m.FlowStatsReply(version=self.version, xid=request.xid, nxm=request.nxm,
                                     flows=tuple(self._flows))]
        return [m.TableStatsReply(version=self.version, xid=request.xid)]

    def raw_multipart(self, request):
        self._log.append(("TableFeaturesRequest", int.from_bytes(request[4:8], "big")))

    def transact_noreply(self, requests):
        for request in requests:
            self._record(request)
        self._log.append(("BarrierRequest", self.next_xid()))

    def send(self, message):
        self._record(message)
        if isinstance(message, (m.BarrierRequest, m.BundleControl)):
            kind = m.BarrierReply if isinstance(message, m.BarrierRequest) else m.BundleControl
            self._pending.append(kind(version=self.version, xid=message.xid))

    def receive(self):
        return self._pending.pop(0)

    def close(self):
        pass


def run(monkeypatch, argv, flows=()):
    options, arguments = ofctl.parse_options(argv)
    session = ofctl.Session(options)
    log = []
    monkeypatch.setattr(session, "open", lambda switch: FakeChannel(session, log, flows))
    function = ofctl.COMMANDS[arguments[0]][0]
    function(session, *arguments[1:])
    return log


def kinds(log):
    return [(entry[0], entry[1]) for entry in log]


def test_add_flow_at_of10(monkeypatch):
    log = run(monkeypatch, ["add-flow", "br0", "in_port=p1,actions=output:p2"])
    assert kinds(log) == [("HELLO", 1), ("TableStatsRequest", 2), ("HELLO", 3),
                          ("FeaturesRequest", 4), ("HELLO", 5), ("FlowMod", 6),
                          ("BarrierRequest", 7)]
    flow_mod = log[5][2]
    assert (flow_mod.wire, flow_mod.table_id, flow_mod.match.get("in_port")[0]) == ("of10", 0, 1)


def test_table_and_nxm_settings_each_with_a_barrier(monkeypatch):
    log = run(monkeypatch, ["--no-names", "add-flow", "br0", "table=1,reg0=1,actions=drop"])
    assert kinds(log) == [("HELLO", 1), ("SetFlowFormat", 2), ("BarrierRequest", 3),
                          ("FlowModTableId", 4), ("BarrierRequest", 5), ("FlowMod", 6),
                          ("BarrierRequest", 7)]
    assert (log[5][2].wire, log[5][2].table_id) == ("nxm", 1)


def test_of13_asks_table_features_and_port_descriptions(monkeypatch):
    log = run(monkeypatch, ["-O", "OpenFlow13", "del-flows", "br0", "out_port=p2"])
    assert kinds(log) == [("HELLO", 1), ("TableFeaturesRequest", 2), ("HELLO", 3),
                          ("PortDescRequest", 4), ("HELLO", 5), ("FlowMod", 6),
                          ("BarrierRequest", 7)]
    assert (log[5][2].command, log[5][2].out_port) == (m.OFPFC_DELETE, 2)


def test_dump_with_a_match_asks_ports_first_and_switches_to_nxm(monkeypatch, capsys):
    log = run(monkeypatch, ["dump-flows", "br0", "in_port=p1"])
    assert kinds(log) == [("HELLO", 1), ("FeaturesRequest", 2), ("HELLO", 3),
                          ("TableStatsRequest", 4), ("HELLO", 5), ("SetFlowFormat", 6),
                          ("BarrierRequest", 7), ("FlowStatsRequest", 8)]
    assert log[7][2].nxm
    assert capsys.readouterr().out == "NXST_FLOW reply (xid=0x8):\n"


@pytest.mark.parametrize("name", ["OpenFlow13", "OpenFlow15"])
def test_bundle_numbers_the_flow_mods_first(monkeypatch, name):
    log = run(monkeypatch, ["--no-names", "-O", name, "--bundle", "add-flow", "br0",
                            "actions=drop"])
    assert kinds(log) == [("HELLO", 1), ("BundleControl", 3), ("BundleAddMessage", 2),
                          ("BarrierRequest", 4), ("BundleControl", 5)]
    assert [log[1][2].type, log[4][2].type] == [m.OFPBCT_OPEN_REQUEST, m.OFPBCT_COMMIT_REQUEST]
    assert log[2][2].message.xid == 2 and log[2][2].flags == m.OFPBF_ATOMIC | m.OFPBF_ORDERED


def _stats(match_text, table_id=0, actions="drop"):
    from pyvswitch.ofproto import syntax
    flow_mod = syntax.parse_flow(match_text + ",actions=" + actions)
    return m.FlowStats(table_id=table_id, duration_sec=0, duration_nsec=0,
                       priority=flow_mod.priority, idle_timeout=0, hard_timeout=0, cookie=0,
                       packet_count=0, byte_count=0, match=flow_mod.match,
                       actions=flow_mod.actions)


def test_replace_flows_deletes_then_adds_per_table(monkeypatch, tmp_path):
    flows = tmp_path / "flows.txt"
    flows.write_text("in_port=1,actions=output:2\ntable=1,in_port=2,actions=drop\n")
    on_switch = [_stats("in_port=2"), _stats("in_port=1", actions="drop"),
                 _stats("in_port=3", table_id=1)]
    # (At OpenFlow 1.0 a file with a table=1 flow cannot be replaced: no dump protocol
    # carries table ids, and stock refuses it the same way.)
    log = run(monkeypatch, ["--no-names", "-O", "OpenFlow13", "replace-flows", "br0",
                            str(flows)], on_switch)
    flow_mods = [entry[2] for entry in log if entry[0] == "FlowMod"]
    assert [(f.command, f.match.get("in_port")[0]) for f in flow_mods] == [
        (m.OFPFC_DELETE_STRICT, 2), (m.OFPFC_ADD, 1),            # table 0
        (m.OFPFC_DELETE_STRICT, 3), (m.OFPFC_ADD, 2)]            # table 1
    # All numbered before the first is sent, each then with its own barrier.
    assert [entry[1] for entry in log if entry[0] == "FlowMod"] == [3, 4, 5, 6]
    assert [entry[1] for entry in log if entry[0] == "BarrierRequest"] == [7, 8, 9, 10]


def test_diff_flows_of_a_switch_and_a_file(monkeypatch, capsys, tmp_path):
    flows = tmp_path / "flows.txt"
    flows.write_text("in_port=1,actions=drop\n")
    with pytest.raises(SystemExit) as exit_status:
        run(monkeypatch, ["diff-flows", "br0", str(flows)], [_stats("in_port=2")])
    assert exit_status.value.code == 2
    assert capsys.readouterr().out == "-in_port=2 actions=drop\n+in_port=1 actions=drop\n"
