"""Execution of one RFC 7047 "transact" request against a database's committed state.

A `Transaction` is created per request and used once.  `execute(ops)` runs the operations
in order against a private working set layered over the committed tables (the
committed rows are never touched): `work[table][uuid]` is the row as this transaction
sees it, a `WorkRow` with its own data dict, or None for a committed row it deleted.
Queries read the committed table with that overlay applied, so each operation sees the
effects of the previous ones.

Results follow ovsdb-server 3.1 exactly: one result object per operation; the first
failing operation's result is its error object and every later one is null; a "wait"
that is not yet satisfied makes the whole request "blocked" (no reply yet).  When all
operations succeed, `precommit()` applies the commit-time rules in ovsdb-server's
order, against the working set only:

  1. rows modified without any column really changing are dropped;
  2. strong references: added references must point at existing rows ("referential
     integrity violation"), deleted rows must not still be referenced; reference counts
     of the rows involved are adjusted;
  3. garbage collection: rows of non-root tables left with no strong reference are
     deleted, recursively;
  4. table "maxRows" limits;
  5. weak references: references to deleted rows, and newly added references to rows
     that do not exist, are removed; a column left with fewer elements than its minimum
     is a "constraint violation";
  6. unique indexes.

It returns the `Changes` (committed-state vocabulary of rows.py) plus what the database
needs to update its reference counts.  Cost is proportional to the rows the transaction
touches, never to the size of the database: reference counts and weak back-references
come from the database's bookkeeping, not from scans.
"""
import re
import uuid
from collections import defaultdict

from ovs.db.data import Atom, Datum

from pyvswitch.ovsdb.condition import Condition
from pyvswitch.ovsdb.datum import (
    UUID, UUID_TYPE, SymbolTable, check_atom_constraints, datum_from_json, datum_to_json,
    datum_to_string, parse_uuid_string)
from pyvswitch.ovsdb.errors import OvsdbError, c_hash_order, syntax_error
from pyvswitch.ovsdb.mutation import apply_mutations, parse_mutations
from pyvswitch.ovsdb.rows import Changes, Row, RowChange

_ZERO_UUID = uuid.UUID(int=0)


class WorkRow:
    """A row as a transaction sees it: inserted (old None) or a modified copy of `old`."""

    __slots__ = ("uuid", "version", "data", "old")

    def __init__(self, row_uuid, version, data: dict, old: Row | None):
        self.uuid = row_uuid
        self.version = version
        self.data = data
        self.old = old


class Blocked(Exception):
    """A "wait" operation is not satisfied yet."""


# ------------------------------------------------------------------ op members

_JSON_KINDS = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "id": lambda v: type(v) is str and _ID_RE.match(v) is not None,
}
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class OpParser:
    """Reads the members of one operation object and reports problems like ovsdb-server."""

    def __init__(self, json, name: str):
        self.name = name
        self.json = json if type(json) is dict else None
        self.used: set[str] = set()
        self.error: OvsdbError | None = None
        if self.json is None:
            self.raise_error("Object expected.")

    def member(self, name: str, kind: str, optional: bool = False):
        if self.json is None:
            return None
        if name not in self.json:
            if not optional:
                self.raise_error("Required '%s' member is missing." % name)
            return None
        value = self.json[name]
        if _JSON_KINDS[kind](value):
            self.used.add(name)
            return value
        self.raise_error("Type mismatch for member '%s'." % name)
        return None

    def raise_error(self, message: str) -> None:
        if self.error is None:
            details = "Parsing %s failed: %s" % (self.name, message)
            if self.json is None:
                self.error = OvsdbError("syntax error", details)
            else:
                self.error = syntax_error(self.json, details)

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def finish(self) -> OvsdbError | None:
        if self.error is None:
            unused = [name for name in self.json if name not in self.used]
            if unused:
                first = c_hash_order(self.json)
                first = next(name for name in first if name not in self.used)
                if len(unused) > 1:
                    self.raise_error("Member '%s' and %d other member%s are present but not "
                                     "allowed here." % (first, len(unused) - 1,
                                                        "s" if len(unused) > 2 else ""))
                else:
                    self.raise_error("Member '%s' is present but not allowed here." % first)
        return self.error


# ------------------------------------------------------------------ transaction

class Transaction:
    def __init__(self, db, *, elapsed_ms: int, held_locks):
        self.db = db
        self.elapsed_ms = elapsed_ms
        self.held_locks = held_locks
        self.symtab = SymbolTable()
        self.work: dict[str, dict[uuid.UUID, WorkRow | None]] = {}
        self.comments: list[str] = []
        self.durable = False
        self.min_timeout: int | None = None
        # Filled by precommit() for the database's bookkeeping.
        self.ref_deltas: dict[tuple[str, uuid.UUID], int] = {}

    # ---------------------------------------------------------------- execution

    def execute(self, ops: list) -> list:
        """Runs `ops`; returns the result array.  Raises Blocked for an unsatisfied wait."""
        results: list = []
        n_ops = len(ops)
        for index, op in enumerate(ops, 1):
            parser = OpParser(op, "ovsdb operation %d of %d" % (index, n_ops))
            result: dict = {}
            error = None
            op_name = parser.member("op", "id")
            try:
                if op_name is not None:
                    executor = _EXECUTORS.get(op_name)
                    if executor is None:
                        parser.raise_error('No operation "%s"' % op_name)
                    else:
                        executor(self, parser, result)
            except OvsdbError as exc:
                error = exc
            parse_error = parser.finish()
            if parse_error is not None:
                error = parse_error
            if error is not None:
                if error.tag == "not supported":
                    raise Blocked()
                results.append(error.to_json())
                break
            results.append(result)
        results.extend([None] * (n_ops - len(results)))
        return results

    def _table(self, parser: OpParser, member: str = "table"):
        name = parser.member(member, "id")
        if name is None:
            return None
        info = self.db.table_info.get(name)
        if info is None:
            parser.raise_error("No table named %s." % name)
        return info

    # Working-set access.

    def get_row(self, table: str, row_uuid: uuid.UUID):
        overlay = self.work.get(table)
        if overlay is not None and row_uuid in overlay:
            return overlay[row_uuid]
        return self.db.tables[table].get(row_uuid)

    def _in_txn_or_committed(self, table: str, row_uuid: uuid.UUID) -> bool:
        overlay = self.work.get(table)
        return ((overlay is not None and row_uuid in overlay)
                or row_uuid in self.db.tables[table])

    def rows(self, table: str):
        committed = self.db.tables[table]
        overlay = self.work.get(table)
        if not overlay:
            yield from committed.values()
            return
        for row_uuid, row in committed.items():
            if row_uuid in overlay:
                row = overlay[row_uuid]
                if row is not None:
                    yield row
            else:
                yield row
        for row_uuid, row in overlay.items():
            if row is not None and row_uuid not in committed:
                yield row

    def query(self, table: str, condition: Condition) -> list:
        if condition.always_false:
            return []
        if condition.uuid_match is not None:
            row = self.get_row(table, condition.uuid_match)
            return [row] if row is not None and condition.evaluate(row) else []
        return [row for row in self.rows(table) if condition.evaluate(row)]

    def writable(self, table: str, row) -> WorkRow:
        if isinstance(row, WorkRow):
            return row
        work = WorkRow(row.uuid, row.version, dict(row.data), row)
        self.work.setdefault(table, {})[row.uuid] = work
        return work

    def delete(self, table: str, row) -> None:
        overlay = self.work.setdefault(table, {})
        if isinstance(row, WorkRow) and row.old is None:
            del overlay[row.uuid]
        else:
            overlay[row.uuid] = None

    def parse_row(self, info, json, symtab) -> dict:
        """Parses a <row> object into {column: Datum}, in the order ovsdb-server would."""
        try:
            return self._parse_row_in_order(info, json, list(json), symtab)
        except OvsdbError:
            if len(json) < 2:
                raise
            # Several columns may be wrong; report the one ovsdb-server meets first.
            return self._parse_row_in_order(info, json, c_hash_order(json), symtab)

    @staticmethod
    def _parse_row_in_order(info, json, names, symtab) -> dict:
        columns = info.columns
        parsed = {}
        for name in names:
            column = columns.get(name)
            if column is None:
                raise syntax_error(json, "No column %s in table %s." % (name, info.name),
                                   tag="unknown column")
            parsed[name] = datum_from_json(column.type, json[name], symtab)
        return parsed

    # ---------------------------------------------------------------- operations

    def op_insert(self, parser: OpParser, result: dict) -> None:
        info = self._table(parser)
        uuid_json = parser.member("uuid", "string", optional=True)
        uuid_name = parser.member("uuid-name", "id", optional=True)
        row_json = parser.member("row", "object")
        parser.check()

        row_uuid = None
        if uuid_json is not None:
            row_uuid = parse_uuid_string(uuid_json)
            if row_uuid is None:
                raise syntax_error(uuid_json, "bad uuid")
            if self._in_txn_or_committed(info.name, row_uuid):
                raise syntax_error(uuid_json, "This UUID would duplicate a UUID already present "
                                   "within the table or deleted within the same transaction.",
                                   tag="duplicate uuid")
        if uuid_name is not None:
            symbol = self.symtab.symbol(uuid_name)
            if symbol.created:
                raise syntax_error(uuid_name, 'This "uuid-name" appeared on an earlier "insert" '
                                   'operation.', tag="duplicate uuid-name")
            if row_uuid is not None:
                symbol.uuid = row_uuid
            else:
                row_uuid = symbol.uuid
            symbol.created = True
        elif row_uuid is None:
            row_uuid = uuid.uuid4()

        given = self.parse_row(info, row_json, self.symtab)
        data = dict(info.defaults)
        for name, datum in given.items():
            if name in data:
                data[name] = datum
        for name in info.c_user_column_order:
            datum = data[name]
            if len(datum.values) == 1:
                key, value = next(iter(datum.values.items()))
                check_atom_constraints(key, datum.type.key)
                if value is not None:
                    check_atom_constraints(value, datum.type.value)
        self.work.setdefault(info.name, {})[row_uuid] = WorkRow(row_uuid, uuid.uuid4(), data, None)
        result["uuid"] = ["uuid", str(row_uuid)]

    def _column_set(self, info, json) -> list[str]:
        if json is None:
            return list(info.columns.all)
        names: list[str] = []
        for element in json:
            if type(element) is not str:
                break
            if info.columns.get(element) is None:
                raise syntax_error(json, "%s is not a valid column name" % element)
            if element in names:
                break
            names.append(element)
        else:
            return names
        raise syntax_error(json, "array of distinct column names expected")

    def op_select(self, parser: OpParser, result: dict) -> None:
        info = self._table(parser)
        where = parser.member("where", "array")
        columns_json = parser.member("columns", "array", optional=True)
        sort_json = parser.member("sort", "array", optional=True)
        parser.check()
        condition = Condition.from_json(info.columns, where, self.symtab)
        columns = self._column_set(info, columns_json)
        sort = self._column_set(info, sort_json) if sort_json is not None else []
        rows = self.query(info.name, condition)
        if "_uuid" not in columns:
            distinct = {}
            for row in rows:
                distinct.setdefault(_projection(row, columns), row)
            rows = list(distinct.values())
        if sort:
            rows.sort(key=lambda row: [_datum_sort_key(_value(row, name)) for name in sort])
        result["rows"] = [{name: _value(row, name).to_json() for name in columns} for row in rows]

    def op_update(self, parser: OpParser, result: dict) -> None:
        info = self._table(parser)
        where = parser.member("where", "array")
        row_json = parser.member("row", "object")
        parser.check()
        given = self.parse_row(info, row_json, self.symtab)
        for name in c_hash_order(given) if len(given) > 1 else given:
            if not info.columns.get(name).mutable:
                raise syntax_error(parser.json, "Cannot update immutable column %s in table %s."
                                   % (name, info.name), tag="constraint violation")
        condition = Condition.from_json(info.columns, where, self.symtab)
        rows = self.query(info.name, condition)
        for row in rows:
            if any(row.data[name] != datum for name, datum in given.items()):
                self.writable(info.name, row).data.update(given)
        result["count"] = len(rows)

    def op_mutate(self, parser: OpParser, result: dict) -> None:
        info = self._table(parser)
        where = parser.member("where", "array")
        mutations_json = parser.member("mutations", "array")
        parser.check()
        mutations = parse_mutations(info.columns, mutations_json, self.symtab)
        condition = Condition.from_json(info.columns, where, self.symtab)
        rows = self.query(info.name, condition)
        for row in rows:
            work = self.writable(info.name, row)
            apply_mutations(work.data, mutations, work.old.data if work.old is not None else None)
        result["count"] = len(rows)

    def op_delete(self, parser: OpParser, result: dict) -> None:
        where = parser.member("where", "array")
        info = self._table(parser)
        parser.check()
        condition = Condition.from_json(info.columns, where, self.symtab)
        rows = self.query(info.name, condition)
        for row in rows:
            self.delete(info.name, row)
        result["count"] = len(rows)

    def op_wait(self, parser: OpParser, result: dict) -> None:
        timeout = parser.member("timeout", "integer", optional=True)
        where = parser.member("where", "array")
        columns_json = parser.member("columns", "array", optional=True)
        until = parser.member("until", "string")
        rows_json = parser.member("rows", "array")
        info = self._table(parser)
        parser.check()
        if until == "==" and (timeout is None or timeout >= 0) \
                and self._verifies_current_row(info, where, columns_json, rows_json):
            if timeout is not None and (self.min_timeout is None or timeout < self.min_timeout):
                self.min_timeout = int(timeout)
            return
        condition = Condition.from_json(info.columns, where, self.symtab)
        columns = self._column_set(info, columns_json)
        if timeout is not None:
            timeout = int(timeout)
            if timeout < 0:
                raise syntax_error(timeout, "timeout must be nonnegative")
            if self.min_timeout is None or timeout < self.min_timeout:
                self.min_timeout = timeout
        if until not in ("==", "!="):
            raise syntax_error(until, '"until" must be "==" or "!="')

        expected = set()
        for row_json in rows_json:
            if type(row_json) is not dict:
                raise syntax_error(row_json, "row must be JSON object")
            given = self.parse_row(info, row_json, self.symtab)
            expected.add(_expected_projection(info.defaults, given, columns))

        actual = set()
        equal = True
        for row in self.query(info.name, condition):
            key = _projection(row, columns)
            if key not in expected:
                equal = False
                break
            actual.add(key)
        equal = equal and len(actual) == len(expected)
        if (until == "==") != equal:
            if timeout is not None and self.elapsed_ms >= timeout:
                if self.elapsed_ms:
                    raise OvsdbError("timed out", '"wait" timed out after %d ms'
                                     % self.elapsed_ms)
                raise OvsdbError("timed out", '"where" clause test failed')
            raise OvsdbError("not supported", "triggers not supported")

    def _verifies_current_row(self, info, where, columns_json, rows_json) -> bool:
        """Whether a "wait" is the kind clients send to verify a row they read (the row
        by UUID, some columns, one expected row) and the row holds exactly those values,
        JSON for JSON.  Such a wait is satisfied; answering so without parsing the
        expected row makes a transaction verifying a thousand rows cheap.  Any other
        wait takes the general path."""
        if len(where) != 1 or len(rows_json) != 1 or columns_json is None:
            return False
        clause, given = where[0], rows_json[0]
        if type(clause) is not list or len(clause) != 3 or clause[0] != "_uuid" \
                or clause[1] != "==" or type(given) is not dict \
                or len(given) != len(columns_json):
            return False
        value = clause[2]
        if type(value) is not list or len(value) != 2 or value[0] != "uuid" \
                or type(value[1]) is not str:
            return False
        row_uuid = parse_uuid_string(value[1])
        row = self.get_row(info.name, row_uuid) if row_uuid is not None else None
        if row is None:
            return False
        for name in columns_json:
            if type(name) is not str or name not in given or name not in row.data:
                return False
            if _column_json(row, name) != given[name]:
                return False
        return len(set(columns_json)) == len(columns_json)

    def op_commit(self, parser: OpParser, result: dict) -> None:
        durable = parser.member("durable", "boolean")
        if durable:
            self.durable = True

    def op_abort(self, parser: OpParser, result: dict) -> None:
        raise OvsdbError("aborted", "aborted by request")

    def op_comment(self, parser: OpParser, result: dict) -> None:
        comment = parser.member("comment", "string")
        if comment is not None:
            self.comments.append(comment)

    def op_assert(self, parser: OpParser, result: dict) -> None:
        lock = parser.member("lock", "id")
        if lock is None:
            return
        held = self.held_locks(lock) if callable(self.held_locks) else lock in self.held_locks
        if not held:
            raise OvsdbError("not owner", "Asserted lock %s not held." % lock)

    # ---------------------------------------------------------------- commit

    def precommit(self) -> Changes:
        """Applies the commit-time rules; returns the changes, or raises OvsdbError."""
        self._drop_unchanged_rows()
        if not self.work:
            return {}
        counts = self._count_strong_references()
        self._collect_garbage(counts)
        self._check_max_rows()
        self._remove_dangling_weak_references()
        self._check_indexes()
        return self._changes()

    def _drop_unchanged_rows(self) -> None:
        for table in list(self.work):
            overlay = self.work[table]
            for row_uuid, row in list(overlay.items()):
                if row is not None and row.old is not None and row.data == row.old.data:
                    del overlay[row_uuid]
            if not overlay:
                del self.work[table]

    def _count_strong_references(self):
        """Checks strong references; returns a function giving each row's new count."""
        db = self.db
        deltas: dict[tuple[str, uuid.UUID], int] = defaultdict(int)
        for table, overlay in self.work.items():
            info = db.table_info[table]
            if not info.strong_refs:
                continue
            committed = db.tables[table]
            for row_uuid, new in overlay.items():
                old = committed.get(row_uuid)
                for column, key_table, value_table in info.strong_refs:
                    old_datum = old.data[column] if old is not None else None
                    new_datum = new.data[column] if new is not None else None
                    if old_datum is new_datum:
                        continue
                    old_items = old_datum.values.items() if old_datum is not None else {}.items()
                    new_items = new_datum.values.items() if new_datum is not None else {}.items()
                    if old_datum is not None and new_datum is not None and old_items == new_items:
                        continue
                    for key, value in old_items - new_items:
                        for ref_table, atom in ((key_table, key), (value_table, value)):
                            if ref_table is not None and atom.value != row_uuid:
                                deltas[(ref_table, atom.value)] -= 1
                    for key, value in new_items - old_items:
                        for ref_table, atom in ((key_table, key), (value_table, value)):
                            if ref_table is None or atom.value == row_uuid:
                                continue
                            if not self._in_txn_or_committed(ref_table, atom.value):
                                raise OvsdbError(
                                    "referential integrity violation",
                                    "Table %s column %s row %s references nonexistent row %s in "
                                    "table %s." % (table, column, row_uuid, atom.value, ref_table))
                            deltas[(ref_table, atom.value)] += 1
        self.ref_deltas = deltas

        def count(table: str, row_uuid: uuid.UUID) -> int:
            return db.ref_count(table, row_uuid) + deltas.get((table, row_uuid), 0)

        for table, overlay in self.work.items():
            for row_uuid, new in overlay.items():
                if new is None and count(table, row_uuid) > 0:
                    raise OvsdbError("referential integrity violation",
                                     "cannot delete %s row %s because of %d remaining "
                                     "reference(s)" % (table, row_uuid, count(table, row_uuid)))
        return count

    def _collect_garbage(self, count) -> None:
        db = self.db
        candidates = [(table, row_uuid) for table, overlay in self.work.items()
                      for row_uuid, row in overlay.items() if row is not None]
        candidates.extend(target for target, delta in self.ref_deltas.items() if delta)
        deltas = self.ref_deltas
        for table, row_uuid in candidates:
            if db.table_info[table].is_root or count(table, row_uuid):
                continue
            stack = [(table, row_uuid)]
            while stack:
                table, row_uuid = stack.pop()
                row = self.get_row(table, row_uuid)
                if row is None:
                    continue
                self.delete(table, row)
                for column, key_table, value_table in db.table_info[table].strong_refs:
                    for key, value in row.data[column].values.items():
                        for ref_table, atom in ((key_table, key), (value_table, value)):
                            if ref_table is None or atom.value == row_uuid:
                                continue
                            target = (ref_table, atom.value)
                            deltas[target] = deltas.get(target, 0) - 1
                            if (not db.table_info[ref_table].is_root
                                    and count(ref_table, atom.value) == 0):
                                stack.append(target)

    def _check_max_rows(self) -> None:
        db = self.db
        for table, overlay in self.work.items():
            limit = db.table_info[table].max_rows
            if limit is None:
                continue
            committed = db.tables[table]
            n_rows = len(committed)
            for row_uuid, row in overlay.items():
                if row is None:
                    n_rows -= row_uuid in committed
                elif row_uuid not in committed:
                    n_rows += 1
            if n_rows > limit:
                raise OvsdbError("constraint violation",
                                 'transaction causes "%s" table to contain %d rows, greater '
                                 "than the schema-defined limit of %d row(s)"
                                 % (table, n_rows, limit))

    def _remove_dangling_weak_references(self) -> None:
        db = self.db
        deleted: set[tuple[str, uuid.UUID]] = set()
        referrers: set[tuple[str, uuid.UUID]] = set()
        for table, overlay in list(self.work.items()):
            committed = db.tables[table]
            for row_uuid, row in list(overlay.items()):
                if row is None and row_uuid in committed:
                    deleted.add((table, row_uuid))
                    referrers.update(db.weak_referrers(table, row_uuid))
        for source_table, source_uuid in referrers:
            source = self.get_row(source_table, source_uuid)
            if source is not None:
                self.writable(source_table, source)

        for table, overlay in list(self.work.items()):
            weak_refs = db.table_info[table].weak_refs
            if not weak_refs:
                continue
            for row_uuid, row in overlay.items():
                if row is None:
                    continue
                is_referrer = (table, row_uuid) in referrers
                for column, key_table, value_table in weak_refs:
                    datum = row.data[column]
                    old_datum = row.old.data[column] if row.old is not None else None
                    changed = old_datum is None or old_datum != datum
                    if not (changed or is_referrer):
                        continue
                    kept = {}
                    saw_zero = False
                    old_values = old_datum.values if old_datum is not None else {}
                    for key, value in datum.values.items():
                        dangling = False
                        for ref_table, atom in ((key_table, key), (value_table, value)):
                            if ref_table is None:
                                continue
                            target = (ref_table, atom.value)
                            if target in deleted:
                                dangling = True
                            elif (changed and not (key in old_values and old_values[key] == value)
                                  and self.get_row(ref_table, atom.value) is None):
                                dangling = True
                                saw_zero = saw_zero or atom.value == _ZERO_UUID
                        if not dangling:
                            kept[key] = value
                    if len(kept) == len(datum.values):
                        continue
                    row.data[column] = Datum(datum.type, kept)
                    if len(kept) < datum.type.n_min:
                        if saw_zero and row.old is None:
                            raise OvsdbError(
                                "constraint violation",
                                'Weak reference column "%s" in "%s" row %s (inserted within this '
                                "transaction) contained all-zeros UUID (probably as the default "
                                "value for this column) but deleting this value caused a "
                                "constraint volation because this column is not allowed to be "
                                "empty." % (column, table, row_uuid))
                        raise OvsdbError(
                            "constraint violation",
                            'Deletion of %d weak reference(s) to deleted (or never-existing) rows '
                            'from column "%s" in "%s" row %s %scaused this column to become '
                            "empty, but constraints on this column disallow an empty column."
                            % (len(datum.values) - len(kept), column, table, row_uuid,
                               "" if row.old is not None else
                               "(inserted within this transaction) "))

    def _check_indexes(self) -> None:
        db = self.db
        for table, overlay in self.work.items():
            info = db.table_info[table]
            if not info.indexes:
                continue
            committed_indexes = db.indexes[table]
            txn_indexes: list[dict] = [{} for _ in info.indexes]
            for row in overlay.values():
                if row is None:
                    continue
                for columns, txn_index, committed_index in zip(info.indexes, txn_indexes,
                                                               committed_indexes):
                    key = index_key(row.data, columns)
                    other = txn_index.get(key)
                    if other is None:
                        other_uuid = committed_index.get(key)
                        if other_uuid is not None and other_uuid not in overlay:
                            other = db.tables[table][other_uuid]
                    if other is not None:
                        raise self._duplicate_index_error(info, columns, other, row)
                    txn_index[key] = row

    def _duplicate_index_error(self, info, columns, a, b) -> OvsdbError:
        # Like ovsdb-server, name the rows in a reproducible order: greater row first.
        for name in info.c_column_order:
            a_key = _datum_sort_key(_value(a, name))
            b_key = _datum_sort_key(_value(b, name))
            if a_key != b_key:
                if a_key < b_key:
                    a, b = b, a
                break
        text = ('Transaction causes multiple rows in "%s" table to have identical values (%s) '
                "for index on %s.  %s  %s" % (
                    info.name, _values_text(a.data, columns), _columns_text(columns),
                    self._describe_index_row(columns, a, "First"),
                    self._describe_index_row(columns, b, "Second")))
        return OvsdbError("constraint violation", text)

    @staticmethod
    def _describe_index_row(columns, row, title) -> str:
        head = "%s row, with UUID %s, " % (title, row.uuid)
        old = row.old if isinstance(row, WorkRow) else None
        if not isinstance(row, WorkRow) or (old is not None and old.data == row.data):
            return head + ("existed in the database before this transaction and was not "
                           "modified by the transaction.")
        if old is None:
            return head + "was inserted by this transaction."
        if all(old.data[name] == row.data[name] for name in columns):
            return head + ("existed in the database before this transaction, which modified "
                           "some of the row's columns but not any columns in this index.")
        return head + ("had the following index values before the transaction: %s."
                       % _values_text(old.data, columns))

    def _changes(self) -> Changes:
        changes: Changes = {}
        db = self.db
        for table, overlay in self.work.items():
            committed = db.tables[table]
            table_changes = {}
            for row_uuid, work in overlay.items():
                old = committed.get(row_uuid)
                if work is None:
                    if old is not None:
                        table_changes[row_uuid] = RowChange(old, None)
                    continue
                if old is None:
                    table_changes[row_uuid] = RowChange(None, Row(row_uuid, work.version, work.data))
                elif old.data != work.data:
                    table_changes[row_uuid] = RowChange(old, Row(row_uuid, uuid.uuid4(), work.data))
            if table_changes:
                changes[table] = table_changes
        return changes


_EXECUTORS = {
    "insert": Transaction.op_insert,
    "select": Transaction.op_select,
    "update": Transaction.op_update,
    "mutate": Transaction.op_mutate,
    "delete": Transaction.op_delete,
    "wait": Transaction.op_wait,
    "commit": Transaction.op_commit,
    "abort": Transaction.op_abort,
    "comment": Transaction.op_comment,
    "assert": Transaction.op_assert,
}


def _expected_projection(defaults: dict, given: dict, columns) -> tuple:
    """`_projection` of a row given in a "wait" operation: the given columns, defaults
    for the others (and the all-zeros UUID for "_uuid" and "_version")."""
    key = []
    for name in columns:
        datum = given.get(name)
        if name == "_uuid" or name == "_version":
            key.append(next(iter(datum.values)).value if datum is not None else _ZERO_UUID)
        else:
            key.append(frozenset((datum if datum is not None else defaults[name]).values.items()))
    return tuple(key)


def _column_json(row, name: str):
    """The JSON of a column, kept with a committed row (which never changes)."""
    if type(row) is not Row:
        return datum_to_json(row.data[name])
    cache = row.json_cache
    if cache is None:
        cache = row.json_cache = {}
    value = cache.get(name)
    if value is None:
        value = cache[name] = datum_to_json(row.data[name])
    return value


def _value(row, name: str) -> Datum:
    if name == "_uuid":
        return _uuid_datum(row.uuid)
    if name == "_version":
        return _uuid_datum(row.version)
    return row.data[name]


def _uuid_datum(value: uuid.UUID) -> Datum:
    return Datum(UUID_TYPE, {Atom(UUID, value): None})


def _projection(row, columns) -> tuple:
    key = []
    for name in columns:
        if name == "_uuid":
            key.append(row.uuid)
        elif name == "_version":
            key.append(row.version)
        else:
            key.append(frozenset(row.data[name].values.items()))
    return tuple(key)


def index_key(data: dict, columns) -> tuple:
    return tuple(frozenset(data[name].values.items()) for name in columns)


def _datum_sort_key(datum: Datum):
    """Orders data like ovsdb_datum_compare_3way(): by size, then elements in order."""
    items = sorted(datum.values.items())
    keys = [key.value for key, _ in items]
    values = [value.value for _, value in items if value is not None]
    return (len(items), keys, values)


def _english_delimiter(index: int, total: int) -> str:
    if index == 0:
        return ""
    if index < total - 1:
        return ", "
    return ", and " if total > 2 else " and "


def _values_text(data: dict, columns) -> str:
    return "".join(_english_delimiter(i, len(columns)) + datum_to_string(data[name])
                   for i, name in enumerate(columns))


def _columns_text(columns) -> str:
    names = "".join('%s"%s"' % (_english_delimiter(i, len(columns)), name)
                    for i, name in enumerate(columns))
    return ("column " if len(columns) == 1 else "columns ") + names
