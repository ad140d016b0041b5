"""The database file: OVSDB's standalone format, recovery from damage, compaction, and
compatibility with the stock ovsdb-tool in both directions."""
import errno
import hashlib
import json
import logging
import os
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

import pyvswitch  # noqa: F401  (must precede ovs imports)
import ovs.db.data
import ovs.db.schema

from pyvswitch.ovsdb.database import Database
from pyvswitch.ovsdb.errors import OvsdbError
from pyvswitch.ovsdb.monitor import UPDATE2, Monitor
from pyvswitch.ovsdb.storage import FileStorage, MemoryStorage, create_db_file, decode_records

SCHEMA = {
    "name": "Store", "version": "1.2.3",
    "tables": {
        "Item": {"isRoot": True, "indexes": [["name"]], "columns": {
            "name": {"type": "string"},
            "size": {"type": "integer"},
            "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
            "attrs": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
            "parts": {"type": {"key": {"type": "uuid", "refTable": "Part"}, "min": 0,
                               "max": "unlimited"}},
            "scratch": {"type": "string", "ephemeral": True}}},
        "Part": {"columns": {"label": {"type": "string"}}},
    },
}
needs_ovsdb_tool = pytest.mark.skipif(shutil.which("ovsdb-tool") is None,
                                      reason="stock ovsdb-tool is not installed")


@pytest.fixture
def db_path(tmp_path):
    path = str(tmp_path / "conf.db")
    create_db_file(path, SCHEMA)
    return path


def transact(db, *ops):
    outcome = db.transact(list(ops), now_ms=0.0)
    assert all(not (isinstance(r, dict) and "error" in r) for r in outcome.reply), outcome.reply
    return outcome


def contents(db) -> dict:
    """Table -> {uuid: {column: JSON value}} for comparing databases."""
    return {table: {str(u): {c: d.to_json() for c, d in row.data.items()}
                    for u, row in rows.items()}
            for table, rows in db.tables.items()}


def populate(db) -> None:
    transact(db, {"op": "insert", "table": "Part", "row": {"label": "wheel"}, "uuid-name": "w"},
             {"op": "insert", "table": "Item", "uuid-name": "i",
              "row": {"name": "car", "size": 4, "tags": ["set", ["red", "fast"]],
                      "attrs": ["map", [["k", "v"]]], "parts": ["named-uuid", "w"],
                      "scratch": "not saved"}},
             {"op": "insert", "table": "Item", "row": {"name": "bike"}})
    transact(db, {"op": "mutate", "table": "Item", "where": [["name", "==", "car"]],
                  "mutations": [["size", "+=", 1], ["tags", "delete", "red"],
                                ["attrs", "insert", ["map", [["k2", "v2"]]]]]})
    transact(db, {"op": "delete", "table": "Item", "where": [["name", "==", "bike"]]},
             {"op": "comment", "comment": "bye bike"})


def without_ephemeral(snapshot: dict) -> dict:
    for row in snapshot["Item"].values():
        row["scratch"] = ""
    return snapshot


def test_reopen_shows_the_same_contents(db_path):
    db = Database.open_file(db_path)
    populate(db)
    expected = without_ephemeral(contents(db))
    db.close()
    reopened = Database.open_file(db_path)
    assert contents(reopened) == expected
    assert reopened.schema_json == SCHEMA
    # Indexes and reference counts are rebuilt too.
    dup = reopened.transact([{"op": "insert", "table": "Item", "row": {"name": "car"}}],
                            now_ms=0.0)
    assert dup.reply[-1]["error"] == "constraint violation"
    gone = reopened.transact([{"op": "update", "table": "Item", "where": [],
                               "row": {"parts": ["set", []]}}], now_ms=0.0)
    assert gone.changes and reopened.tables["Part"] == {}
    reopened.close()


def test_file_is_in_the_documented_record_format(db_path):
    db = Database.open_file(db_path)
    populate(db)
    db.close()
    with open(db_path, "rb") as db_file:
        data = db_file.read()
    records, end, problem = decode_records(data)
    assert problem is None and end == len(data)
    assert records[0] == SCHEMA and len(records) == 4
    header, body = data.split(b"\n", 1)
    magic, kind, length, sha1 = header.split(b" ")
    first = body[:int(length)]
    assert (magic, kind) == (b"OVSDB", b"JSON") and first.endswith(b"\n")
    assert hashlib.sha1(first).hexdigest().encode() == sha1
    insert, modify, delete = records[1:]
    assert all(isinstance(r["_date"], int) for r in records[1:])
    car = next(row for row in insert["Item"].values() if row["name"] == "car")
    assert "scratch" not in car and car["size"] == 4
    # Modifications are diffs, as ovsdb-server writes them: a scalar's new value, a set's
    # elements that came or went, a map's pairs whose key came, went or changed value.
    assert modify["_is_diff"] is True
    assert list(modify["Item"].values()) == [
        {"size": 5, "tags": "red", "attrs": ["map", [["k2", "v2"]]]}]
    assert list(delete["Item"].values()) == [None] and delete["_comment"] == "bye bike"


def _last_record_start(data: bytes) -> int:
    return data.rindex(b"OVSDB JSON ")


def test_torn_last_write_is_truncated(db_path, caplog):
    db = Database.open_file(db_path)
    populate(db)
    expected = without_ephemeral(contents(db))
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "lost"}})
    db.close()
    with open(db_path, "rb") as db_file:
        data = db_file.read()
    cut = _last_record_start(data)
    with open(db_path, "r+b") as db_file:
        db_file.truncate(len(data) - 7)
    with caplog.at_level(logging.WARNING, logger="pyvswitch.ovsdb.storage"):
        reopened = Database.open_file(db_path)
    assert contents(reopened) == expected
    assert os.path.getsize(db_path) == cut
    assert "truncat" in caplog.text and "record is truncated" in caplog.text
    # Appends continue cleanly after the truncation point.
    transact(reopened, {"op": "insert", "table": "Item", "row": {"name": "new"}})
    reopened.close()
    names = {row["name"] for row in contents(Database.open_file(db_path))["Item"].values()}
    assert names == {"car", "new"}


def test_record_with_bad_checksum_is_truncated(db_path, caplog):
    db = Database.open_file(db_path)
    populate(db)
    db.close()
    with open(db_path, "rb") as db_file:
        data = db_file.read()
    # Corrupt one byte inside the second transaction record's JSON.
    starts = [i for i in range(len(data)) if data.startswith(b"OVSDB JSON ", i)]
    victim = data.index(b'"size":5', starts[2])
    damaged = data[:victim] + b'"size":6' + data[victim + 8:]
    with open(db_path, "wb") as db_file:
        db_file.write(damaged)
    with caplog.at_level(logging.WARNING, logger="pyvswitch.ovsdb.storage"):
        reopened = Database.open_file(db_path)
    assert "bad SHA-1" in caplog.text
    assert os.path.getsize(db_path) == starts[2]
    # Only the first transaction survives: both items, car unmodified.
    sizes = {row["name"]: row["size"] for row in contents(reopened)["Item"].values()}
    assert sizes == {"car": 4, "bike": 0}


def test_garbage_tail_is_truncated(db_path, caplog):
    db = Database.open_file(db_path)
    populate(db)
    expected = without_ephemeral(contents(db))
    db.close()
    size = os.path.getsize(db_path)
    with open(db_path, "ab") as db_file:
        db_file.write(b"this is not a record\n\x00\x01garbage")
    with caplog.at_level(logging.WARNING, logger="pyvswitch.ovsdb.storage"):
        reopened = Database.open_file(db_path)
    assert contents(reopened) == expected
    assert os.path.getsize(db_path) == size
    assert "not valid" in caplog.text


def test_record_with_invalid_json_is_truncated(db_path, caplog):
    body = b'{"Item": {oops}\n'
    with open(db_path, "ab") as db_file:
        db_file.write(b"OVSDB JSON %d %s\n%s" % (len(body), hashlib.sha1(body).hexdigest().encode(),
                                                   body))
    with caplog.at_level(logging.WARNING, logger="pyvswitch.ovsdb.storage"):
        db = Database.open_file(db_path)
    assert db.tables["Item"] == {} and "not valid JSON" in caplog.text


def test_damaged_schema_record_is_an_error(tmp_path):
    path = str(tmp_path / "bad.db")
    with open(path, "wb") as db_file:
        db_file.write(b"OVSDB JSON 3 0000000000000000000000000000000000000000\n{}\n")
    with pytest.raises(OvsdbError):
        Database.open_file(path)


def test_open_file_creates_from_schema_only_when_missing(tmp_path):
    path = str(tmp_path / "new.db")
    schema_path = str(tmp_path / "schema.json")
    with open(schema_path, "w") as schema_file:
        json.dump(SCHEMA, schema_file)
    db = Database.open_file(path, schema_path_if_creating=schema_path)
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "x"}})
    db.close()
    again = Database.open_file(path, schema_path_if_creating=schema_path)
    assert len(again.tables["Item"]) == 1
    with pytest.raises(FileExistsError):
        create_db_file(path, SCHEMA)


def test_compaction_rewrites_the_file_as_one_snapshot(tmp_path, db_path):
    storage = FileStorage(db_path, compact_min_bytes=4096, compact_min_records=20)
    db = Database(ovs_schema(), storage)
    populate(db)
    for i in range(60):
        transact(db, {"op": "insert", "table": "Item", "row": {"name": "n%d" % i, "size": i}},
                 {"op": "delete", "table": "Item", "where": [["name", "==", "n%d" % (i - 1)]]})
    # The automatic compaction ran at least once: far fewer records than commits.
    with open(db_path, "rb") as db_file:
        records, _, problem = decode_records(db_file.read())
    assert problem is None and len(records) < 40
    assert not os.path.exists(db_path + ".tmp")
    db.compact()
    with open(db_path, "rb") as db_file:
        records, _, _ = decode_records(db_file.read())
    assert len(records) == 2 and records[1]["_comment"] == "compacting database online"
    expected = without_ephemeral(contents(db))
    transact(db, {"op": "update", "table": "Item", "where": [["name", "==", "car"]],
                  "row": {"size": 99}})
    expected["Item"] = {u: dict(row, size=99) if row["name"] == "car" else row
                        for u, row in expected["Item"].items()}
    db.close()
    assert contents(Database.open_file(db_path)) == expected


def test_compaction_threshold_follows_ovsdb_server():
    storage = MemoryStorage(compact_min_bytes=1000, compact_min_records=5)
    storage.initialize({"name": "x", "tables": {}})
    for _ in range(4):
        storage.append({"T": {"a" * 40: {"c": "x" * 300}}}, durable=False)
    assert not storage.should_compact()          # big enough, but only 4 records
    storage.append({"T": {}}, durable=False)
    assert storage.should_compact()
    storage.replace({"name": "x", "tables": {}}, {"T": {"a" * 40: {"c": "x" * 300}}})
    for _ in range(5):
        storage.append({"T": {}}, durable=False)
    assert not storage.should_compact()          # not 4x the snapshot yet


def test_durable_commits_are_fsynced(db_path, monkeypatch):
    db = Database.open_file(db_path)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "a"}})
    assert synced == []
    transact(db, {"op": "commit", "durable": True},
             {"op": "insert", "table": "Item", "row": {"name": "b"}})
    assert len(synced) == 1


def test_failed_write_commits_nothing(db_path, monkeypatch):
    db = Database.open_file(db_path)
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "a"}})
    size = os.path.getsize(db_path)

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "write", full_disk)
    outcome = db.transact([{"op": "insert", "table": "Item", "row": {"name": "b"}}], now_ms=0.0)
    monkeypatch.undo()
    assert outcome.changes is None
    assert outcome.reply[-1]["error"] == "I/O error"
    assert outcome.reply[-1]["io-error"] == os.strerror(errno.ENOSPC)
    assert {row.data["name"].to_json() for row in db.tables["Item"].values()} == {"a"}
    assert os.path.getsize(db_path) == size


def ovs_schema():
    return ovs.db.schema.DbSchema.from_json(SCHEMA)


@needs_ovsdb_tool
def test_stock_ovsdb_tool_reads_our_file(db_path):
    db = Database.open_file(db_path)
    populate(db)
    db.close()
    log = subprocess.run(["ovsdb-tool", "show-log", db_path], capture_output=True, text=True,
                         check=True).stdout
    assert 'record 0: "Store" schema, version="1.2.3"' in log
    assert "record 3:" in log and '"bye bike"' in log
    query = subprocess.run(
        ["ovsdb-tool", "query", db_path, json.dumps(
            ["Store", {"op": "select", "table": "Item", "where": [],
                       "columns": ["name", "size", "tags", "attrs"]}])],
        capture_output=True, text=True, check=True).stdout
    assert json.loads(query) == [{"rows": [{"name": "car", "size": 5, "tags": "fast",
                                            "attrs": ["map", [["k", "v"], ["k2", "v2"]]]}]}]
    check = subprocess.run(["ovsdb-tool", "db-name", db_path], capture_output=True, text=True)
    assert check.stdout.strip() == "Store"


@needs_ovsdb_tool
def test_we_read_files_written_by_stock_ovsdb_tool(tmp_path):
    schema_path = str(tmp_path / "schema.json")
    path = str(tmp_path / "stock.db")
    with open(schema_path, "w") as schema_file:
        json.dump(SCHEMA, schema_file)
    subprocess.run(["ovsdb-tool", "create", path, schema_path], check=True)
    for ops in ([{"op": "insert", "table": "Item", "row": {
                    "name": "car", "size": 4, "tags": ["set", ["red", "fast"]],
                    "attrs": ["map", [["k", "v"], ["gone", "x"]]]}},
                 {"op": "insert", "table": "Item", "row": {"name": "bike"}}],
                # Stock tools journal modifications as diffs ("_is_diff").
                [{"op": "mutate", "table": "Item", "where": [["name", "==", "car"]],
                  "mutations": [["tags", "delete", "red"], ["tags", "insert", "blue"],
                                ["attrs", "delete", "gone"], ["size", "+=", 1]]},
                 {"op": "update", "table": "Item", "where": [["name", "==", "car"]],
                  "row": {"attrs": ["map", [["k", "changed"], ["new", "y"]]]}}],
                [{"op": "delete", "table": "Item", "where": [["name", "==", "bike"]]}]):
        subprocess.run(["ovsdb-tool", "transact", path, json.dumps(["Store"] + ops)],
                       check=True, capture_output=True)
    with open(path, "rb") as db_file:
        assert b'"_is_diff":true' in db_file.read()
    db = Database.open_file(path)
    (car,) = contents(db)["Item"].values()
    assert car == {"name": "car", "size": 5, "tags": ["set", ["blue", "fast"]],
                   "attrs": ["map", [["k", "changed"], ["new", "y"]]], "parts": ["set", []],
                   "scratch": ""}
    # And we can keep appending to it.
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "van"}})
    db.close()
    query = subprocess.run(["ovsdb-tool", "query", path, json.dumps(
        ["Store", {"op": "select", "table": "Item", "where": [], "columns": ["name"],
                   "sort": ["name"]}])], capture_output=True, text=True, check=True).stdout
    assert json.loads(query) == [{"rows": [{"name": "car"}, {"name": "van"}]}]


OPTIONAL_SCHEMA = {
    "name": "Opt", "version": "1.0.0",
    "tables": {"R": {"isRoot": True, "columns": {
        "name": {"type": "string"},
        "port": {"type": {"key": "integer", "min": 0, "max": 1}},
        "ids": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
        "tags": {"type": {"key": "integer", "min": 0, "max": "unlimited"}}}}},
}
OPTIONAL_STEPS = [
    [{"op": "insert", "table": "R", "row": {"name": "r", "port": 1}}],
    [{"op": "update", "table": "R", "where": [], "row": {"port": 2}}],
    [{"op": "mutate", "table": "R", "where": [],
      "mutations": [["ids", "insert", ["map", [["a", "1"], ["b", "2"]]]],
                    ["tags", "insert", ["set", [1, 2, 3]]]]}],
    [{"op": "update", "table": "R", "where": [], "row": {"port": ["set", []]}},
     {"op": "mutate", "table": "R", "where": [],
      "mutations": [["ids", "delete", ["set", ["a"]]], ["tags", "delete", 2]]}],
    [{"op": "update", "table": "R", "where": [], "row": {"port": 7}}],
]
OPTIONAL_FINAL = {"name": "r", "port": 7, "ids": ["map", [["b", "2"]]], "tags": ["set", [1, 3]]}


def _select_r(path):
    return json.loads(subprocess.run(["ovsdb-tool", "query", path, json.dumps(
        ["Opt", {"op": "select", "table": "R", "where": [],
                 "columns": ["name", "port", "ids", "tags"]}])],
        capture_output=True, text=True, check=True).stdout)[0]["rows"]


@needs_ovsdb_tool
def test_optional_value_diffs_round_trip_with_stock_ovsdb_tool(tmp_path):
    """A column holding at most one value is journaled as its new value (even when it
    becomes empty); stock's files and ours must agree on that in both directions."""
    ours, stock = str(tmp_path / "ours.db"), str(tmp_path / "stock.db")
    schema_path = str(tmp_path / "schema.json")
    with open(schema_path, "w") as schema_file:
        json.dump(OPTIONAL_SCHEMA, schema_file)
    create_db_file(ours, OPTIONAL_SCHEMA)
    subprocess.run(["ovsdb-tool", "create", stock, schema_path], check=True)
    db = Database.open_file(ours)
    for ops in OPTIONAL_STEPS:
        transact(db, *ops)
        subprocess.run(["ovsdb-tool", "transact", stock, json.dumps(["Opt"] + ops)],
                       check=True, capture_output=True)
    db.close()
    assert _select_r(ours) == [OPTIONAL_FINAL]
    (row,) = contents(Database.open_file(stock))["R"].values()
    assert row == OPTIONAL_FINAL


def test_modifying_a_large_map_journals_only_the_change(db_path):
    db = Database.open_file(db_path)
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "big"}})
    sizes = []
    for i in range(400):
        before = os.path.getsize(db_path)
        transact(db, {"op": "mutate", "table": "Item", "where": [],
                      "mutations": [["attrs", "insert", ["map", [["key%04d" % i, "v"]]]]]})
        sizes.append(os.path.getsize(db_path) - before)
    assert max(sizes) - min(sizes) < 16          # only the date may change length
    db.close()
    (big,) = contents(Database.open_file(db_path))["Item"].values()
    assert len(big["attrs"][1]) == 400


_KEYS = ["a", "b", "c", "d"]
_edit = st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(_KEYS), st.sampled_from(["1", "2"])),
    st.tuples(st.just("delete"), st.sampled_from(_KEYS), st.none()),
    st.tuples(st.just("delete-pair"), st.sampled_from(_KEYS), st.sampled_from(["1", "2"])),
    st.tuples(st.just("update"), st.dictionaries(st.sampled_from(_KEYS),
                                                 st.sampled_from(["1", "2"]), max_size=3),
              st.none()))


def _edit_op(edit):
    kind, key, value = edit
    if kind == "update":
        return {"op": "update", "table": "Item", "where": [],
                "row": {"attrs": ["map", [list(p) for p in sorted(key.items())]],
                        "tags": ["set", sorted(key)]}}
    if kind == "insert":
        mutations = [["attrs", "insert", ["map", [[key, value]]]], ["tags", "insert", key]]
    elif kind == "delete":
        mutations = [["attrs", "delete", ["set", [key]]], ["tags", "delete", key]]
    else:
        mutations = [["attrs", "delete", ["map", [[key, value]]]]]
    return {"op": "mutate", "table": "Item", "where": [], "mutations": mutations}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_edit, min_size=1, max_size=3), max_size=6))
def test_journal_and_monitor_diffs_reproduce_every_edit(tmp_path_factory, txns):
    """Whatever mix of mutations and updates a transaction makes, the journal (replayed)
    and update2 diffs (applied by a python-ovs client's rules) give the committed value."""
    path = str(tmp_path_factory.mktemp("diffs") / "conf.db")
    create_db_file(path, SCHEMA)
    db = Database.open_file(path)
    transact(db, {"op": "insert", "table": "Item", "row": {"name": "x"}})
    monitor = Monitor(db.schema, None, UPDATE2, {"Item": {"columns": ["attrs", "tags"]}})
    (row,) = db.tables["Item"].values()
    replica = {name: row.data[name] for name in ("attrs", "tags")}
    for edits in txns:
        outcome = transact(db, *[_edit_op(edit) for edit in edits])
        row_update = monitor.updates_for(outcome.changes or {}).get("Item", {})
        for diff in row_update.values():
            for name, diff_json in diff["modify"].items():
                replica[name] = replica[name].copy().diff(
                    ovs.db.data.Datum.from_json(db.schema.tables["Item"].columns[name].type,
                                                diff_json))
        (row,) = db.tables["Item"].values()
        assert {n: d.to_json() for n, d in replica.items()} == {
            n: row.data[n].to_json() for n in replica}
    expected = without_ephemeral(contents(db))
    db.close()
    assert contents(Database.open_file(path)) == expected
