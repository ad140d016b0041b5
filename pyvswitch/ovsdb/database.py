"""The OVSDB execution engine: one database's committed contents and its transactions.

`Database` owns the committed state of one database: `tables` (table name -> row UUID ->
immutable `Row`), plus the bookkeeping that keeps commits cheap: unique-index
dictionaries, the number of strong references to each row, and for each row the rows
that hold weak references to it.  Nothing here does network I/O; the server feeds
`transact()` the operations of a request and the current time, and gets back a
`TxnOutcome`: the reply's result array, the committed `Changes` (for monitors), or
"blocked" for a "wait" that must be retried after later commits or at its deadline.

Every commit is appended to the `Storage` (storage.py) before `transact()` returns, in
the OVSDB file format, so that replaying the storage at startup rebuilds the same
contents.  Like ovsdb-server, a record gives a modified row's changed columns as diffs
("_is_diff"), so journaling one new key of a large map costs one key, not the map.  When
the journal has grown enough the database rewrites it as one snapshot.

Invariants: `tables` and the bookkeeping always describe the same committed state; a
commit replaces Row objects and never changes one in place; a transaction that fails
changes nothing.
"""
import json
import logging
import os
import sys
import time
import uuid

import ovs.db.schema

from pyvswitch.ovsdb.datum import (
    TableColumns, apply_column_diff, column_diff, datum_from_json, datum_to_json)
from pyvswitch.ovsdb.errors import OvsdbError, c_hash_order
from pyvswitch.ovsdb.rows import Changes, Row, RowChange
from pyvswitch.ovsdb.storage import FileStorage, MemoryStorage, Storage, create_db_file
from pyvswitch.ovsdb.transaction import Blocked, Transaction, index_key

__all__ = ["Database", "Row", "RowChange", "Changes", "TxnOutcome", "FileStorage",
           "MemoryStorage", "create_db_file"]

log = logging.getLogger("pyvswitch.ovsdb.database")


class TxnOutcome:
    """What one call of Database.transact() produced."""

    __slots__ = ("reply", "changes", "blocked", "wait_deadline_ms")

    def __init__(self, reply, changes=None, blocked=False, wait_deadline_ms=None):
        self.reply: list | None = reply
        self.changes: Changes | None = changes
        self.blocked: bool = blocked
        self.wait_deadline_ms: float | None = wait_deadline_ms

    def __repr__(self) -> str:
        return "TxnOutcome(reply=%r, blocked=%r, wait_deadline_ms=%r, changes=%s)" % (
            self.reply, self.blocked, self.wait_deadline_ms,
            None if self.changes is None else {t: len(r) for t, r in self.changes.items()})


class TableInfo:
    """What the engine needs to know about one table, derived once from the schema."""

    def __init__(self, table_schema, column_names_in_text_order):
        self.name = table_schema.name
        self.columns = TableColumns(table_schema)
        self.defaults = self.columns.defaults
        self.is_root = table_schema.is_root
        self.max_rows = None if table_schema.max_rows >= sys.maxsize else table_schema.max_rows
        self.indexes = [tuple(column.name for column in index) for index in table_schema.indexes]
        self.persistent = [name for name, column in self.columns.user.items()
                           if column.persistent]
        self.persistent_set = frozenset(self.persistent)
        self.strong_refs = []
        self.weak_refs = []
        for name, column in table_schema.columns.items():
            for kind, refs in (("strong", self.strong_refs), ("weak", self.weak_refs)):
                key_table = _ref_table(column.type.key, kind)
                value_table = _ref_table(column.type.value, kind)
                if key_table or value_table:
                    refs.append((name, key_table, value_table))
        # ovsdb-server walks a table's columns in the order of its hash table, built from
        # "_uuid", "_version" and then the schema's columns as its JSON parser listed them.
        self.c_column_order = c_hash_order(
            ["_uuid", "_version"] + c_hash_order(column_names_in_text_order))
        self.c_user_column_order = [name for name in self.c_column_order
                                    if name in self.columns.user]


def _ref_table(base, kind: str) -> str | None:
    if base is None or not base.ref_table_name or base.ref_type != kind:
        return None
    return base.ref_table_name


class Database:
    def __init__(self, schema: ovs.db.schema.DbSchema, storage: Storage):
        self.name: str = schema.name
        self.schema = schema
        self.storage = storage
        if storage.schema_json is None:
            storage.initialize(schema.to_json())
        self.schema_json: dict = storage.schema_json
        text_order = {name: list(table.get("columns", {}))
                      for name, table in self.schema_json.get("tables", {}).items()}
        self.table_info: dict[str, TableInfo] = {
            name: TableInfo(table, text_order.get(name, list(table.columns)))
            for name, table in schema.tables.items()}
        self.tables: dict[str, dict[uuid.UUID, Row]] = {name: {} for name in schema.tables}
        self.indexes: dict[str, list[dict]] = {}
        self._ref_counts: dict[str, dict[uuid.UUID, int]] = {}
        self._weak_referrers: dict[str, dict[uuid.UUID, dict[tuple, int]]] = {}
        for record in storage.transactions():
            self._replay(record)
        self._rebuild_bookkeeping()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open_file(cls, path: str, schema_path_if_creating: str | None = None) -> "Database":
        """Opens the database file at `path`, creating it from a schema file if missing."""
        if schema_path_if_creating is not None and (
                not os.path.exists(path) or os.path.getsize(path) == 0):
            with open(schema_path_if_creating) as schema_file:
                create_db_file(path, json.load(schema_file), replace_empty=True)
        storage = FileStorage(path)
        try:
            schema = ovs.db.schema.DbSchema.from_json(storage.schema_json)
            return cls(schema, storage)
        except BaseException:
            storage.close()
            raise

    @classmethod
    def create(cls, path: str, schema_path: str) -> "Database":
        """Creates a new database file at `path` (like `ovsdb-tool create`) and opens it."""
        with open(schema_path) as schema_file:
            create_db_file(path, json.load(schema_file))
        return cls.open_file(path)

    def close(self) -> None:
        self.storage.close()

    # ---------------------------------------------------------------- queries

    def ref_count(self, table: str, row_uuid: uuid.UUID) -> int:
        """Number of strong references to a committed row (self-references excluded)."""
        return self._ref_counts[table].get(row_uuid, 0)

    def weak_referrers(self, table: str, row_uuid: uuid.UUID):
        """(table, uuid) of the committed rows holding weak references to this row."""
        return self._weak_referrers[table].get(row_uuid, {}).keys()

    # ---------------------------------------------------------------- transactions

    def transact(self, ops: list, *, now_ms: float, started_ms: float | None = None,
                 held_locks=()) -> TxnOutcome:
        """Executes the operations of one "transact" request (the params after the db name).

        `held_locks` is a collection of lock names held by the requesting session, or a
        callable name -> bool.  `started_ms` is when the request first arrived; a blocked
        request is retried with the same value.
        """
        started = now_ms if started_ms is None else started_ms
        txn = Transaction(self, elapsed_ms=int(now_ms - started), held_locks=held_locks)
        try:
            results = txn.execute(ops)
        except Blocked:
            deadline = None if txn.min_timeout is None else started + txn.min_timeout
            return TxnOutcome(None, None, True, deadline)
        if any(type(result) is dict and "error" in result for result in results):
            return TxnOutcome(results)
        try:
            changes = txn.precommit()
        except OvsdbError as error:
            results.append(error.to_json())
            return TxnOutcome(results)
        if not changes:
            return TxnOutcome(results)
        record = self._journal_record(changes, txn.comments)
        if record is not None:
            try:
                self.storage.append(record, durable=txn.durable)
            except OSError as error:
                results.append(OvsdbError("I/O error", "%s: write failed" % self.name,
                                          io_error=os.strerror(error.errno or 0)).to_json())
                return TxnOutcome(results)
        self._apply(changes, txn.ref_deltas)
        if self.storage.should_compact():
            log.info("%s: compacting database", self.name)
            self.compact()
        return TxnOutcome(results, changes)

    def compact(self) -> None:
        """Rewrites the storage as a single snapshot of the current contents."""
        snapshot = {}
        for table, rows in self.tables.items():
            if rows:
                info = self.table_info[table]
                snapshot[table] = {str(row_uuid): self._row_json(info, row.data)
                                   for row_uuid, row in rows.items()}
        snapshot["_date"] = int(time.time() * 1000)
        snapshot["_comment"] = "compacting database online"
        self.storage.replace(self.schema_json, snapshot)

    # ---------------------------------------------------------------- journal

    @staticmethod
    def _row_json(info: TableInfo, data: dict) -> dict:
        defaults = info.defaults
        row_json = {}
        for name in info.persistent:
            datum = data[name]
            if datum is not defaults[name] and datum != defaults[name]:
                row_json[name] = datum_to_json(datum)
        return row_json

    def _journal_record(self, changes: Changes, comments: list[str]) -> dict | None:
        record: dict = {}
        for table, rows in changes.items():
            info = self.table_info[table]
            table_json = {}
            for row_uuid, (old, new) in rows.items():
                if new is None:
                    table_json[str(row_uuid)] = None
                elif old is None:
                    table_json[str(row_uuid)] = self._row_json(info, new.data)
                else:
                    changed = {}
                    old_data = old.data
                    for name, datum in new.data.items():
                        if datum is not old_data[name] and name in info.persistent_set:
                            diff = column_diff(old_data[name], datum)
                            if diff is not None:
                                changed[name] = datum_to_json(diff)
                    if changed:
                        table_json[str(row_uuid)] = changed
            if table_json:
                record[table] = table_json
        if not record:
            return None
        record["_is_diff"] = True
        record["_date"] = int(time.time() * 1000)
        if comments:
            record["_comment"] = "\n".join(comments)
        return record

    def _replay(self, record: dict) -> None:
        is_diff = record.get("_is_diff") is True
        for table, rows in record.items():
            if table.startswith("_"):
                continue
            info = self.table_info.get(table)
            if info is None or type(rows) is not dict:
                raise OvsdbError("syntax error", "No table named %s." % table)
            committed = self.tables[table]
            for uuid_text, row_json in rows.items():
                row_uuid = uuid.UUID(uuid_text)
                if row_json is None:
                    committed.pop(row_uuid, None)
                    continue
                old = committed.get(row_uuid)
                data = dict(old.data) if old is not None else dict(info.defaults)
                for name, value in row_json.items():
                    column = info.columns.user.get(name)
                    if column is None:
                        raise OvsdbError("syntax error",
                                         "No column %s in table %s." % (name, table))
                    if is_diff and old is not None:
                        data[name] = apply_column_diff(data[name], value)
                    else:
                        data[name] = datum_from_json(column.type, value)
                committed[row_uuid] = Row(row_uuid, uuid.uuid4(), data)

    # ---------------------------------------------------------------- bookkeeping

    def _rebuild_bookkeeping(self) -> None:
        for table, info in self.table_info.items():
            self.indexes[table] = [{} for _ in info.indexes]
            self._ref_counts[table] = {}
            self._weak_referrers[table] = {}
        for table, rows in self.tables.items():
            info = self.table_info[table]
            for row in rows.values():
                for columns, index in zip(info.indexes, self.indexes[table]):
                    index[index_key(row.data, columns)] = row.uuid
                for target in _ref_targets(info.strong_refs, row):
                    counts = self._ref_counts[target[0]]
                    counts[target[1]] = counts.get(target[1], 0) + 1
                self._add_weak_refs(table, row, 1)

    def _add_weak_refs(self, table: str, row: Row, delta: int) -> None:
        source = (table, row.uuid)
        for target_table, target_uuid in _ref_targets(self.table_info[table].weak_refs, row):
            referrers = self._weak_referrers[target_table].setdefault(target_uuid, {})
            count = referrers.get(source, 0) + delta
            if count > 0:
                referrers[source] = count
            else:
                referrers.pop(source, None)
                if not referrers:
                    del self._weak_referrers[target_table][target_uuid]

    def _apply(self, changes: Changes, ref_deltas: dict) -> None:
        for table, rows in changes.items():
            info = self.table_info[table]
            indexes = self.indexes[table]
            for old, new in rows.values():
                if old is not None:
                    for columns, index in zip(info.indexes, indexes):
                        key = index_key(old.data, columns)
                        if index.get(key) == old.uuid:
                            del index[key]
                    if info.weak_refs:
                        self._add_weak_refs(table, old, -1)
        for table, rows in changes.items():
            info = self.table_info[table]
            committed = self.tables[table]
            indexes = self.indexes[table]
            for row_uuid, (old, new) in rows.items():
                if new is None:
                    del committed[row_uuid]
                    self._ref_counts[table].pop(row_uuid, None)
                    self._weak_referrers[table].pop(row_uuid, None)
                    continue
                committed[row_uuid] = new
                for columns, index in zip(info.indexes, indexes):
                    index[index_key(new.data, columns)] = row_uuid
                if info.weak_refs:
                    self._add_weak_refs(table, new, 1)
        for (table, row_uuid), delta in ref_deltas.items():
            if not delta or row_uuid not in self.tables[table]:
                continue
            counts = self._ref_counts[table]
            count = counts.get(row_uuid, 0) + delta
            if count:
                counts[row_uuid] = count
            else:
                counts.pop(row_uuid, None)


def _ref_targets(refs, row: Row):
    """(table, uuid) of every reference `row` holds in the given columns, self excluded."""
    for column, key_table, value_table in refs:
        for key, value in row.data[column].values.items():
            if key_table is not None and key.value != row.uuid:
                yield key_table, key.value
            if value_table is not None and value.value != row.uuid:
                yield value_table, value.value
