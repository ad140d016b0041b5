"""The transaction engine against ovsdb-server's own answers.

cases/transact_cases.json holds one test schema and a list of cases; each case is a
series of "transact" requests (the operations after the database name) with the result
array ovsdb-server 3.1 returned for each, recorded from the stock server and stored with
random UUIDs normalised (see `normalise`).  `test_engine_matches_ovsdb_server` replays
every case through our Database; `test_stock_ovsdb_server_still_agrees` replays them
through a real ovsdb-server (via `ovsdb-client transact`), so the recorded expectations
are checked to be the reference behaviour, not our guess of it.

To re-record after adding cases:  python tests/unit/ovsdb/test_transact.py --record

The remaining tests cover what a recorded reply cannot show: blocked waits and their
deadlines, lock assertions with a held lock, the committed change sets, durability
flags, and speed.
"""
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

import pyvswitch  # noqa: F401  (must precede ovs imports)
import ovs.db.schema

from pyvswitch.ovsdb.database import Database, MemoryStorage, RowChange, TxnOutcome
from pyvswitch.ovsdb.errors import c_hash_order
from pyvswitch.ovsdb.storage import create_db_file

CASES_PATH = os.path.join(os.path.dirname(__file__), "cases", "transact_cases.json")
with open(CASES_PATH) as _cases_file:
    CASES = json.load(_cases_file)
SCHEMA_JSON = CASES["schema"]
DB_NAME = SCHEMA_JSON["name"]

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INDEX_ROWS_RE = re.compile(r"(First row, with UUID .*?)  (Second row, with UUID .*)$")


def new_database(schema_json=SCHEMA_JSON, storage=None) -> Database:
    return Database(ovs.db.schema.DbSchema.from_json(schema_json), storage or MemoryStorage())


# ---------------------------------------------------------------- normalisation

def normalise(steps: list, replies: list) -> list:
    """Makes replies comparable across servers and runs.

    UUIDs that a case itself wrote stay as they are; UUIDs returned by "insert" become
    <0>, <1>, ... in order of appearance; any other UUID (row versions, never-inserted
    named UUIDs) becomes <?>.  Reals are compared at the 15 significant digits that
    ovsdb-server prints.  Set elements, rows of a "select" without "sort" and the two rows
    named by a duplicate-index error are put in a canonical order, and the elapsed time in
    a "wait" timeout message is hidden.
    """
    fixed = set(_UUID_RE.findall(json.dumps(steps)))
    names: dict[str, str] = {}
    for reply in replies:
        for result in reply if isinstance(reply, list) else ():
            if isinstance(result, dict) and set(result) == {"uuid"}:
                names.setdefault(result["uuid"][1], "<%d>" % len(names))

    def fix_text(text: str) -> str:
        return _UUID_RE.sub(lambda m: m.group(0) if m.group(0) in fixed
                            else names.get(m.group(0), "<?>"), text)

    def fix(value):
        if isinstance(value, str):
            return fix_text(value)
        if isinstance(value, bool) or value is None or isinstance(value, int):
            return value
        if isinstance(value, float):
            value = float("%.15g" % value)
            return int(value) if value.is_integer() else value
        if isinstance(value, list):
            if len(value) == 2 and value[0] == "set" and isinstance(value[1], list):
                return ["set", sorted((fix(e) for e in value[1]), key=json.dumps)]
            return [fix(element) for element in value]
        return {key: fix(element) for key, element in value.items()}

    normalised = []
    for ops, reply in zip(steps, replies):
        reply = fix(reply)
        if isinstance(reply, list):
            for op, result in itertools.zip_longest(ops, reply):
                if not isinstance(result, dict):
                    continue
                if "rows" in result and isinstance(op, dict) and "sort" not in op:
                    result["rows"].sort(key=lambda row: json.dumps(row, sort_keys=True))
                details = result.get("details")
                if isinstance(details, str):
                    match = _INDEX_ROWS_RE.search(details)
                    if match:
                        pair = "  ".join(sorted(m.split(", ", 1)[1] for m in match.groups()))
                        details = details[:match.start()] + pair
                    result["details"] = re.sub(r"timed out after \d+ ms", "timed out after N ms",
                                               details)
        normalised.append(reply)
    return normalised


def as_sent_by_ovsdb_client(value):
    """`value` with its objects' members in the order ovsdb-client puts them on the wire.

    ovsdb-client parses its argument and serializes it again from its C hash tables, and
    ovsdb-server reports the first of several problems in the order it receives members.
    """
    if isinstance(value, list):
        return [as_sent_by_ovsdb_client(element) for element in value]
    if isinstance(value, dict):
        return {key: as_sent_by_ovsdb_client(value[key]) for key in c_hash_order(value)}
    return value


def run_engine(case) -> list:
    db = new_database()
    steps = [step["ops"] for step in case["steps"]]
    replies = []
    for ops in steps:
        outcome = db.transact(as_sent_by_ovsdb_client(ops), now_ms=1000.0)
        replies.append("blocked" if outcome.blocked else outcome.reply)
    return normalise(steps, replies)


# ---------------------------------------------------------------- stock ovsdb-server

class StockServer:
    """A private ovsdb-server on a temporary database file.

    The file is made by our create_db_file(), not `ovsdb-tool create`, so that both
    servers see the schema's columns in the same order (ovsdb-server reports the first
    of several problems in an order derived from it) -- and so that every run also shows
    stock ovsdb-server reading and appending to a file we wrote.
    """

    def __init__(self, schema_json):
        self.dir = tempfile.mkdtemp(prefix="pyvs-h2-stock-")
        db_path = os.path.join(self.dir, "test.db")
        create_db_file(db_path, schema_json)
        self.socket = os.path.join(self.dir, "db.sock")
        self.process = subprocess.Popen(
            ["ovsdb-server", "--remote=punix:" + self.socket, "--no-chdir",
             "--unixctl=" + os.path.join(self.dir, "ctl"), "--log-file=" + os.path.join(self.dir, "log"),
             db_path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("ovsdb-server did not start")
            time.sleep(0.01)
        self.tables = list(schema_json["tables"])

    def transact(self, ops: list):
        out = subprocess.run(["ovsdb-client", "transact", "unix:" + self.socket,
                              json.dumps([DB_NAME] + ops)],
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError("ovsdb-client failed: %s" % out.stderr)
        return json.loads(out.stdout)

    def reset(self) -> None:
        self.transact([{"op": "delete", "table": table, "where": []} for table in self.tables])

    def run_case(self, case) -> list:
        self.reset()
        steps = [step["ops"] for step in case["steps"]]
        return normalise(steps, [self.transact(ops) for ops in steps])

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


needs_stock_server = pytest.mark.skipif(
    not (shutil.which("ovsdb-server") and shutil.which("ovsdb-client")),
    reason="stock ovsdb-server and ovsdb-client are not installed")


@pytest.fixture(scope="module")
def stock_server():
    server = StockServer(SCHEMA_JSON)
    yield server
    server.close()


def _case_id(case) -> str:
    return case["name"].replace(" ", "-")


@pytest.mark.parametrize("case", CASES["cases"], ids=_case_id)
def test_engine_matches_ovsdb_server(case):
    expected = [step["expect"] for step in case["steps"]]
    assert run_engine(case) == expected


@needs_stock_server
def test_stock_ovsdb_server_still_agrees(stock_server):
    mismatches = []
    for case in CASES["cases"]:
        expected = [step["expect"] for step in case["steps"]]
        if stock_server.run_case(case) != expected:
            mismatches.append(case["name"])
    assert mismatches == []


# ---------------------------------------------------------------- beyond recorded replies

def _insert(db, table, row, now_ms=0.0) -> TxnOutcome:
    return db.transact([{"op": "insert", "table": table, "row": row}], now_ms=now_ms)


def _wait_for_name(name, timeout=None):
    op = {"op": "wait", "table": "Parent", "where": [["name", "==", name]], "columns": ["name"],
          "until": "==", "rows": [{"name": name}]}
    if timeout is not None:
        op["timeout"] = timeout
    return op


def test_unsatisfied_wait_blocks_until_a_commit_satisfies_it():
    db = new_database()
    ops = [_wait_for_name("late", timeout=5000),
           {"op": "insert", "table": "Parent", "row": {"name": "after"}}]
    first = db.transact(ops, now_ms=100.0)
    assert first.blocked and first.reply is None and first.changes is None
    assert first.wait_deadline_ms == 5100.0
    assert db.tables["Parent"] == {}

    _insert(db, "Parent", {"name": "late"}, now_ms=200.0)
    retry = db.transact(ops, now_ms=300.0, started_ms=100.0)
    assert not retry.blocked
    assert retry.reply[0] == {} and "uuid" in retry.reply[1]
    assert {row.data["name"].to_json() for row in db.tables["Parent"].values()} == {"late", "after"}


def test_blocked_wait_times_out_at_its_deadline():
    db = new_database()
    ops = [_wait_for_name("never", timeout=250)]
    assert db.transact(ops, now_ms=1000.0).wait_deadline_ms == 1250.0
    assert db.transact(ops, now_ms=1100.0, started_ms=1000.0).blocked
    late = db.transact(ops, now_ms=1250.0, started_ms=1000.0)
    assert late.reply == [{"error": "timed out", "details": '"wait" timed out after 250 ms'}]


def test_wait_without_timeout_blocks_with_no_deadline():
    outcome = new_database().transact([_wait_for_name("never")], now_ms=0.0)
    assert outcome.blocked and outcome.wait_deadline_ms is None


def test_deadline_is_the_smallest_timeout_seen():
    ops = [{"op": "wait", "table": "Parent", "where": [], "until": "==", "rows": [],
            "timeout": 900},
           _wait_for_name("never", timeout=5000)]
    assert new_database().transact(ops, now_ms=0.0).wait_deadline_ms == 900


def _verify(row_uuid, column, value):
    """A "wait" shaped like the ones ovs-vsctl sends to verify what it read."""
    return {"op": "wait", "table": "Parent", "timeout": 0,
            "where": [["_uuid", "==", ["uuid", str(row_uuid)]]], "columns": [column],
            "until": "==", "rows": [{column: value}]}


def test_verifying_waits_compare_values_however_they_are_written():
    db = new_database()
    inserted = _insert(db, "Parent", {"name": "a", "tags": ["set", ["x", "y"]]})
    row_uuid = inserted.reply[0]["uuid"][1]
    current = db.transact([_verify(row_uuid, "tags", ["set", ["x", "y"]]),
                           _verify(row_uuid, "tags", ["set", ["y", "x"]]),
                           _verify(row_uuid, "name", ["set", ["a"]]),
                           _verify(row_uuid, "name", "a")], now_ms=0.0)
    assert current.reply == [{}, {}, {}, {}]
    failed = [{"error": "timed out", "details": '"where" clause test failed'}]
    assert db.transact([_verify(row_uuid, "tags", ["set", ["x"]])], now_ms=0.0).reply == failed
    assert db.transact([_verify(uuid.uuid4(), "name", "a")], now_ms=0.0).reply == failed


def test_verifying_waits_see_the_transactions_own_changes():
    db = new_database()
    row_uuid = _insert(db, "Parent", {"name": "a"}).reply[0]["uuid"][1]
    rename = {"op": "update", "table": "Parent", "where": [["_uuid", "==", ["uuid", row_uuid]]],
              "row": {"name": "b"}}
    outcome = db.transact([rename, _verify(row_uuid, "name", "a")], now_ms=0.0)
    assert outcome.reply[1] == {"error": "timed out", "details": '"where" clause test failed'}
    assert db.transact([rename, _verify(row_uuid, "name", "b")], now_ms=0.0).reply == [
        {"count": 1}, {}]


def test_verifying_waits_still_reject_bad_column_lists():
    db = new_database()
    row_uuid = _insert(db, "Parent", {"name": "a"}).reply[0]["uuid"][1]
    op = _verify(row_uuid, "name", "a")
    op["columns"] = ["name", "name"]
    op["rows"] = [{"name": "a"}]
    assert db.transact([op], now_ms=0.0).reply[0]["error"] == "syntax error"
    op["columns"] = ["nonesuch"]
    op["rows"] = [{"nonesuch": "a"}]
    assert db.transact([op], now_ms=0.0).reply[0]["error"] == "syntax error"


def test_assert_passes_only_for_held_locks():
    db = new_database()
    ops = [{"op": "assert", "lock": "ctl"}, {"op": "insert", "table": "Parent", "row": {}}]
    assert db.transact(ops, now_ms=0.0, held_locks={"ctl"}).changes
    assert db.transact(ops, now_ms=0.0, held_locks=lambda name: name == "ctl").reply[0] == {}
    refused = db.transact(ops, now_ms=0.0, held_locks=("other",))
    assert refused.reply == [{"error": "not owner", "details": "Asserted lock ctl not held."},
                             None]
    assert refused.changes is None


def test_changes_describe_inserts_modifications_and_deletions():
    db = new_database()
    created = db.transact([{"op": "insert", "table": "Child", "row": {"name": "c"}, "uuid-name": "c"},
                           {"op": "insert", "table": "Parent",
                            "row": {"name": "p", "children": ["named-uuid", "c"]}}], now_ms=0.0)
    parent_uuid = uuid.UUID(created.reply[1]["uuid"][1])
    child_uuid = uuid.UUID(created.reply[0]["uuid"][1])
    assert set(created.changes) == {"Child", "Parent"}
    insert = created.changes["Parent"][parent_uuid]
    assert isinstance(insert, RowChange) and insert.old is None
    assert insert.new is db.tables["Parent"][parent_uuid]

    modified = db.transact([{"op": "update", "table": "Parent", "where": [],
                             "row": {"count": 3}}], now_ms=0.0)
    old, new = modified.changes["Parent"][parent_uuid]
    assert old is insert.new and old.data["count"].to_json() == 0
    assert new.data["count"].to_json() == 3 and new.version != old.version

    # Dropping the only reference deletes the child in the same commit.
    dropped = db.transact([{"op": "update", "table": "Parent", "where": [],
                            "row": {"children": ["set", []]}}], now_ms=0.0)
    assert dropped.changes["Child"][child_uuid].new is None
    assert child_uuid not in db.tables["Child"]


def test_no_op_transactions_commit_nothing():
    storage = MemoryStorage()
    db = new_database(storage=storage)
    _insert(db, "Parent", {"name": "a", "count": 1})
    before = len(storage.records)
    version = next(iter(db.tables["Parent"].values())).version
    for ops in ([{"op": "update", "table": "Parent", "where": [], "row": {"count": 1}}],
                [{"op": "mutate", "table": "Parent", "where": [], "mutations": [["count", "+=", 0]]}],
                [{"op": "select", "table": "Parent", "where": []}],
                [{"op": "insert", "table": "Child", "row": {}}]):
        outcome = db.transact(ops, now_ms=0.0)
        assert outcome.changes is None
    assert len(storage.records) == before
    assert next(iter(db.tables["Parent"].values())).version == version


def test_commits_reach_storage_with_their_comment_and_durability():
    storage = MemoryStorage()
    db = new_database(storage=storage)
    db.transact([{"op": "comment", "comment": "first"}, {"op": "comment", "comment": "second"},
                 {"op": "commit", "durable": True},
                 {"op": "insert", "table": "Parent", "row": {"name": "a", "flag": True}}],
                now_ms=0.0)
    record = storage.records[-1]
    assert record["_comment"] == "first\nsecond"
    assert isinstance(record["_date"], int)
    (row,) = record["Parent"].values()
    assert row == {"name": "a", "flag": True}
    assert storage.durable_commits == 1


def test_ephemeral_only_changes_are_not_journaled():
    storage = MemoryStorage()
    db = new_database(storage=storage)
    _insert(db, "Links", {"note": "x"})
    count = len(storage.records)
    outcome = db.transact([{"op": "update", "table": "Links", "where": [],
                            "row": {"note": "y"}}], now_ms=0.0)
    assert outcome.changes and len(storage.records) == count


def test_weak_reference_bookkeeping_survives_many_commits():
    db = new_database()
    db.transact([{"op": "insert", "table": "Child", "row": {"name": "k"}, "uuid-name": "k"},
                 {"op": "insert", "table": "Parent", "row": {
                     "name": "a", "children": ["named-uuid", "k"], "weak": ["named-uuid", "k"]}}],
                now_ms=0.0)
    kid = ["uuid", str(next(iter(db.tables["Child"])))]
    db.transact([{"op": "insert", "table": "Parent", "row": {"name": "b", "weak": kid}}],
                now_ms=0.0)
    db.transact([{"op": "update", "table": "Parent", "where": [["name", "==", "a"]],
                  "row": {"children": ["set", []]}}], now_ms=0.0)
    weak = {row.data["name"].to_json(): row.data["weak"].to_json()
            for row in db.tables["Parent"].values()}
    assert weak == {"a": ["set", []], "b": ["set", []]}
    assert db.tables["Child"] == {}


def test_weak_references_to_garbage_collected_rows_are_removed():
    # ovsdb-server 3.1 leaves a dangling weak reference here when the referring row was
    # modified earlier in the same transaction; RFC 7047 says it must go, and it does.
    db = new_database()
    db.transact([{"op": "insert", "table": "Child", "row": {"name": "k"}, "uuid-name": "k"},
                 {"op": "insert", "table": "Parent", "row": {
                     "name": "a", "children": ["named-uuid", "k"], "weak": ["named-uuid", "k"]}}],
                now_ms=0.0)
    outcome = db.transact([{"op": "update", "table": "Parent", "where": [],
                            "row": {"children": ["set", []]}}], now_ms=0.0)
    assert set(outcome.changes) == {"Parent", "Child"}
    (parent,) = db.tables["Parent"].values()
    assert parent.data["weak"].to_json() == ["set", []] and db.tables["Child"] == {}


def test_thousand_single_row_inserts_into_a_thousand_row_table_are_fast():
    db = new_database()
    db.transact([{"op": "insert", "table": "Parent", "row": {"name": "seed%d" % i, "count": i % 100}}
                 for i in range(1000)], now_ms=0.0)
    start = time.perf_counter()
    for i in range(1000):
        outcome = db.transact([{"op": "insert", "table": "Parent",
                                "row": {"name": "n%d" % i, "tags": ["set", ["a", "b"]]}}],
                              now_ms=0.0)
        assert outcome.changes
    elapsed = time.perf_counter() - start
    assert len(db.tables["Parent"]) == 2000
    assert elapsed < 1.0, "1000 inserts took %.2f s" % elapsed


def record_expectations() -> None:
    """Runs every case against stock ovsdb-server and stores its replies as expectations."""
    server = StockServer(SCHEMA_JSON)
    try:
        for case in CASES["cases"]:
            for step, reply in zip(case["steps"], server.run_case(case)):
                step["expect"] = reply
    finally:
        server.close()
    with open(CASES_PATH, "w") as cases_file:
        json.dump(CASES, cases_file, indent=1, sort_keys=False)
        cases_file.write("\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        record_expectations()
    else:
        sys.exit("usage: %s --record" % sys.argv[0])
