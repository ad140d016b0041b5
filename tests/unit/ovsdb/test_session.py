"""The JSON-RPC session state machine, fed bytes and clock ticks, against a stand-in engine.

Only the engine's published interface (Database.transact returning a TxnOutcome with reply,
changes, blocked and wait_deadline_ms) is imitated here; everything else is the real code."""
import json
import uuid
from typing import NamedTuple

import pytest
from hypothesis import given, settings, strategies as st

import pyvswitch  # noqa: F401  (must precede any ovs import)
import ovs.db.data
import ovs.db.schema

from pyvswitch.ovsdb.session import JsonFramer, ProtocolError, Session, SessionHub

SCHEMA_JSON = {
    "name": "Test", "version": "1.0.0",
    "tables": {"T": {"columns": {
        "name": {"type": "string"},
        "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
    }}},
}
SCHEMA = ovs.db.schema.DbSchema.from_json(SCHEMA_JSON)


class Row:
    def __init__(self, row_uuid, values):
        self.uuid = row_uuid
        self.version = uuid.uuid4()
        self.json_cache = None          # as pyvswitch.ovsdb.rows.Row
        cols = SCHEMA.tables["T"].columns
        self.data = {"name": ovs.db.data.Datum.from_json(cols["name"].type,
                                                         values.get("name", "")),
                     "tags": ovs.db.data.Datum.from_json(cols["tags"].type,
                                                         values.get("tags", ["set", []]))}


class RowChange(NamedTuple):
    old: object
    new: object


class Outcome:
    def __init__(self, reply=None, changes=None, blocked=False, wait_deadline_ms=None):
        self.reply, self.changes = reply, changes
        self.blocked, self.wait_deadline_ms = blocked, wait_deadline_ms


class FakeDatabase:
    """insert, delete-by-name, wait-for-a-name (with timeout) and assert-lock."""

    def __init__(self):
        self.name = "Test"
        self.schema = SCHEMA
        self.schema_json = SCHEMA_JSON
        self.tables = {"T": {}}

    def transact(self, ops, *, now_ms, started_ms=None, held_locks=()):
        reply, changes = [], {}
        for op in ops:
            if op["op"] == "insert":
                row = Row(uuid.uuid4(), op["row"])
                self.tables["T"][row.uuid] = row
                changes.setdefault("T", {})[row.uuid] = RowChange(None, row)
                reply.append({"uuid": ["uuid", str(row.uuid)]})
            elif op["op"] == "delete":
                doomed = [r for r in self.tables["T"].values()
                          if r.data["name"].to_json() == op["name"]]
                for row in doomed:
                    del self.tables["T"][row.uuid]
                    changes.setdefault("T", {})[row.uuid] = RowChange(row, None)
                reply.append({"count": len(doomed)})
            elif op["op"] == "wait":
                if not any(r.data["name"].to_json() == op["name"]
                           for r in self.tables["T"].values()):
                    deadline = started_ms + op["timeout"]
                    if now_ms < deadline:
                        return Outcome(blocked=True, wait_deadline_ms=deadline)
                    return Outcome([{"details": "timed out", "error": "timed out"}])
                reply.append({})
            elif op["op"] == "assert":
                if op["lock"] not in held_locks:
                    return Outcome(reply + [{"error": "not owner"}])
                reply.append({})
        return Outcome(reply, changes or None)


class Peer:
    """A session plus helpers to talk to it and read what it says."""

    def __init__(self, hub, now=0.0, probe=0):
        self.session = Session(hub, "test", now, probe)
        self.next_id = 1

    def send(self, method, params, now=0.0, msg_id=None):
        if msg_id is None:
            msg_id = self.next_id
            self.next_id += 1
        self.session.receive(json.dumps({"method": method, "params": params, "id": msg_id})
                             .encode(), now)
        return msg_id

    def notify(self, method, params, now=0.0):
        self.session.receive(json.dumps({"method": method, "params": params, "id": None})
                             .encode(), now)

    def read(self):
        framer = JsonFramer()
        return framer.feed(self.session.take_output())

    def call(self, method, params, now=0.0):
        msg_id = self.send(method, params, now)
        msgs = self.read()
        assert msgs[-1]["id"] == msg_id, msgs
        return msgs


@pytest.fixture
def db():
    return FakeDatabase()


@pytest.fixture
def hub(db):
    return SessionHub([db])


def insert(name):
    return {"op": "insert", "table": "T", "row": {"name": name}}


# ---- framing and JSON-RPC validity -------------------------------------------------------

def test_request_fed_byte_by_byte_is_answered_once_complete(hub):
    peer = Peer(hub)
    raw = json.dumps({"method": "echo", "params": ["}\"{[", "\\"], "id": 7}).encode()
    for i in range(len(raw)):
        peer.session.receive(raw[i:i + 1], 0.0)
        if i < len(raw) - 1:
            assert peer.session.take_output() == b""
    assert peer.read() == [{"id": 7, "result": ["}\"{[", "\\"], "error": None}]


def test_pipelined_requests_with_whitespace_are_answered_in_order(hub):
    peer = Peer(hub)
    peer.session.receive(b' {"method":"list_dbs","params":[],"id":1}\n\t'
                         b'{"method":"echo","params":[{"a":[1]}],"id":2}', 0.0)
    assert [m["id"] for m in peer.read()] == [1, 2]


def test_framer_handles_multibyte_utf8_split_across_chunks():
    raw = json.dumps({"x": "caf\u00e9 \u2603"}, ensure_ascii=False).encode()
    framer = JsonFramer()
    assert framer.feed(raw[:-4]) == []
    assert framer.feed(raw[-4:]) == [{"x": "caf\u00e9 \u2603"}]


@pytest.mark.parametrize("garbage", [b"garbage", b'"str"', b"{]", b'{"a":}'])
def test_garbage_closes_the_session_with_a_syntax_error(hub, garbage):
    peer = Peer(hub)
    peer.session.receive(garbage, 0.0)
    assert peer.session.closed
    assert "syntax error" in peer.session.close_reason
    assert peer.session.take_output() == b""
    assert peer.session not in hub.sessions


def test_framer_rejects_scalars_between_messages():
    with pytest.raises(ProtocolError):
        JsonFramer().feed(b'{"a":1} 5')


@pytest.mark.parametrize("message, reason", [
    ([1, 2], "message is not a JSON object"),
    ({"method": "echo", "id": 1}, 'request must have "params"'),
    ({"method": "echo", "params": {}, "id": 1}, '"params" must be JSON array'),
    ({"method": "echo", "params": [], "id": 1, "x": 1}, 'unexpected member "x"'),
    ({"result": 1, "error": None, "id": 3}, "unexpected reply"),
])
def test_invalid_json_rpc_closes_the_session(hub, message, reason):
    peer = Peer(hub)
    peer.session.receive(json.dumps(message).encode(), 0.0)
    assert peer.session.closed and reason in peer.session.close_reason


def test_unknown_method_is_an_error_but_the_session_lives_on(hub):
    peer = Peer(hub)
    assert peer.call("frobnicate", []) == [{"id": 1, "error": "unknown method"}]
    assert peer.call("echo", [1])[-1]["result"] == [1]


def test_list_dbs_and_get_schema(hub):
    peer = Peer(hub)
    assert peer.call("list_dbs", [])[-1]["result"] == ["Test"]
    assert peer.call("get_schema", ["Test"])[-1]["result"] == SCHEMA_JSON
    assert peer.call("get_schema", ["Nope"])[-1]["error"] == {
        "syntax": '["Nope"]',
        "details": "get_schema request specifies unknown database Nope",
        "error": "unknown database"}
    assert peer.call("transact", [])[-1]["error"]["details"] == \
        "transact request params must begin with <db-name>"


# ---- transactions and monitors -----------------------------------------------------------

def test_commit_notifies_other_monitors_and_own_update_precedes_reply(hub):
    watcher, writer = Peer(hub), Peer(hub)
    assert watcher.call("monitor", ["Test", "w", {"T": {"columns": ["name"]}}])[-1][
        "result"] == {}
    assert writer.call("monitor_cond", ["Test", ["own"], {"T": [{"columns": ["name"]}]}])[-1][
        "result"] == {}
    msgs = writer.call("transact", ["Test", insert("a")])
    assert [m.get("method") for m in msgs] == ["update2", None]
    assert msgs[0]["params"][0] == ["own"]
    row_uuid = msgs[1]["result"][0]["uuid"][1]
    assert msgs[0]["params"][1] == {"T": {row_uuid: {"insert": {"name": "a"}}}}
    assert watcher.read() == [{"id": None, "method": "update", "params": [
        "w", {"T": {row_uuid: {"new": {"name": "a"}}}}]}]


def test_monitor_initial_contents_and_cancel(hub):
    peer = Peer(hub)
    peer.call("transact", ["Test", insert("a")])
    result = peer.call("monitor_cond", ["Test", 1, {"T": [{"columns": ["name"]}]}])[-1]
    assert [r["initial"] for r in result["result"]["T"].values()] == [{"name": "a"}]
    assert peer.call("monitor", ["Test", 1, {"T": {}}])[-1]["error"]["details"] == \
        "duplicate monitor ID"
    assert peer.call("monitor_cancel", [1])[-1]["result"] == {}
    assert peer.call("monitor_cancel", [1])[-1]["error"] == "unknown monitor"
    peer.call("transact", ["Test", insert("b")])
    assert all(m.get("method") is None for m in peer.read())


def test_monitor_cond_change_sends_update_with_new_id_before_reply(hub):
    peer = Peer(hub)
    peer.call("transact", ["Test", insert("a")])
    peer.call("monitor_cond", ["Test", "m1", {"T": [{"columns": ["name"],
                                                      "where": [["name", "==", "zz"]]}]}])
    msgs = peer.call("monitor_cond_change", ["m1", "m2", {"T": [{"where": [True]}]}])
    assert msgs[0]["method"] == "update2" and msgs[0]["params"][0] == "m2"
    assert list(msgs[0]["params"][1]["T"].values()) == [{"insert": {"name": "a"}}]
    assert msgs[1]["result"] == {}
    assert peer.call("monitor_cond_change", ["m1", "m3", {}])[-1]["error"]["details"] == \
        "unknown monitor session"


def test_monitor_cond_since_resumes_from_a_known_transaction(hub):
    first = Peer(hub)
    reply = first.call("monitor_cond_since", ["Test", "m", {"T": [{"columns": ["name"]}]},
                                              str(uuid.UUID(int=0))])[-1]["result"]
    found, last_id, updates = reply
    assert found is False and updates == {}
    writer = Peer(hub)
    writer.call("transact", ["Test", insert("a")])
    note = first.read()[0]
    assert note["method"] == "update3" and note["params"][1] != last_id
    first.session.close()

    again = Peer(hub)
    found, newest, updates = again.call(
        "monitor_cond_since", ["Test", "m", {"T": [{"columns": ["name"]}]}, last_id]
    )[-1]["result"]
    assert found is True and newest == note["params"][1]
    assert [list(u) for u in updates["T"].values()] == [["insert"]]

    stranger = Peer(hub)
    found, _, updates = stranger.call(
        "monitor_cond_since", ["Test", "m", {"T": [{"columns": ["name"]}]},
                               str(uuid.uuid4())])[-1]["result"]
    assert found is False and [list(u) for u in updates["T"].values()] == [["initial"]]
    assert stranger.call("monitor_cond_since", ["Test", "n", {}, "abc"])[-1]["error"][
        "details"] == "last-txn-id must be UUID format."


def test_blocked_transaction_is_retried_after_each_commit(hub):
    waiter, writer = Peer(hub), Peer(hub)
    wait_id = waiter.send("transact", ["Test", {"op": "wait", "name": "go", "timeout": 1000},
                                       insert("after")], now=0.0)
    assert waiter.read() == []
    writer.call("transact", ["Test", insert("other")], now=10.0)
    assert waiter.read() == []
    writer.call("transact", ["Test", insert("go")], now=20.0)
    reply = waiter.read()
    assert reply[-1]["id"] == wait_id and reply[-1]["result"][0] == {}


def test_blocked_transaction_times_out_and_can_be_canceled(hub):
    peer = Peer(hub)
    timed = peer.send("transact", ["Test", {"op": "wait", "name": "go", "timeout": 100}])
    canceled = peer.send("transact", ["Test", {"op": "wait", "name": "go", "timeout": 10**9}])
    assert peer.session.wakeup_ms() == 100
    peer.session.run(50.0)
    assert peer.read() == []
    peer.session.run(100.0)
    assert peer.read() == [{"id": timed, "result": [{"details": "timed out",
                                                     "error": "timed out"}], "error": None}]
    peer.notify("cancel", [canceled])
    assert peer.read() == [{"id": canceled, "error": "canceled"}]


# ---- locks ---------------------------------------------------------------------------------

def test_lock_contention_steal_and_release(hub):
    a, b, c = Peer(hub), Peer(hub), Peer(hub)
    assert a.call("lock", ["L"])[-1]["result"] == {"locked": True}
    assert b.call("lock", ["L"])[-1]["result"] == {"locked": False}
    assert a.call("lock", ["L"])[-1]["error"]["details"] == \
        'must issue "unlock" before new "lock"'
    assert b.call("transact", ["Test", {"op": "assert", "lock": "L"}])[-1]["result"] == [
        {"error": "not owner"}]
    assert c.call("steal", ["L"])[-1]["result"] == {"locked": True}
    assert a.read() == [{"id": None, "method": "stolen", "params": ["L"]}]
    assert c.call("unlock", ["L"])[-1]["result"] == {}
    assert a.read() == [{"id": None, "method": "locked", "params": ["L"]}]
    a.session.close()
    assert b.read() == [{"id": None, "method": "locked", "params": ["L"]}]
    assert b.call("transact", ["Test", {"op": "assert", "lock": "L"}])[-1]["result"] == [{}]
    assert c.call("unlock", ["L"])[-1]["error"]["details"] == \
        'unlock: "unlock" without "lock" or "steal"'
    assert c.call("lock", ["bad name"])[-1]["error"]["details"] == \
        "lock request params must be <id>"


# ---- liveness --------------------------------------------------------------------------------

def test_inactivity_probe_then_disconnect(hub):
    peer = Peer(hub, now=0.0, probe=5000)
    assert peer.session.wakeup_ms() == 5000
    peer.session.run(4999.0)
    assert peer.read() == []
    peer.session.run(5000.0)
    assert peer.read() == [{"id": "echo", "method": "echo", "params": []}]
    peer.session.receive(b'{"id":"echo","result":[],"error":null}', 6000.0)
    assert not peer.session.closed
    peer.session.run(11000.0)
    assert peer.read()[0]["method"] == "echo"
    peer.session.run(15999.0)
    assert not peer.session.closed
    peer.session.run(16000.0)
    assert peer.session.closed


def test_set_db_change_aware_and_echo(hub):
    peer = Peer(hub)
    assert peer.call("set_db_change_aware", [True])[-1]["result"] == {}
    assert "error" in peer.call("set_db_change_aware", [])[-1]
    assert peer.call("echo", ["x", 1])[-1]["result"] == ["x", 1]


_json_text = st.text(alphabet=st.sampled_from(list('ab{}[]"\\:,/ \u00e9\u2603\n')), max_size=8)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_json_text, inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_json_text, _json_values, max_size=4) | st.lists(_json_values),
                min_size=1, max_size=4),
       st.lists(st.integers(min_value=1, max_value=64), max_size=40),
       st.sampled_from(["", " ", "\n\t"]))
def test_framer_finds_the_same_messages_however_the_stream_is_cut(messages, cuts, space):
    """Brackets, quotes and backslashes inside strings, multibyte characters and escape
    sequences split between pieces must not confuse the framing."""
    stream = space.join(json.dumps(m, ensure_ascii=False) for m in messages).encode()
    framer = JsonFramer()
    received = []
    position = 0
    for cut in cuts:
        received += framer.feed(stream[position:position + cut])
        position += cut
    received += framer.feed(stream[position:])
    assert received == messages
    assert framer.feed(b'{"next":1}') == [{"next": 1}]
