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

import pyvswitch  # noqa: F401  (must precede ovs imports)
import ovs.db.schema

from pyvswitch.ovsdb.database import Database
from pyvswitch.ovsdb.errors import OvsdbError
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
    assert list(modify["Item"].values()) == [
        {"size": 5, "tags": "fast", "attrs": ["map", [["k", "v"], ["k2", "v2"]]]}]
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
