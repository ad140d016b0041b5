"""Monitors: what one client asked to watch, and the updates it must be told about.

A `Monitor` is built from the params of a `monitor`, `monitor_cond` or `monitor_cond_since`
request (RFC 7047 4.1.5, ovsdb-server(7) 4.1.12-4.1.16) against a database schema.  It is pure:
rows and committed `Changes` flow in, JSON `<table-updates>` (flavour 1, for `update`) or
`<table-updates2>` (flavours 2 and 3, for `update2`/`update3`) flow out.  Sending them, and
knowing which session a monitor belongs to, is the session's job.

Formatting rules kept here:
  * flavour 1 rows carry every monitored column; a modify carries "new" (all monitored
    columns) and "old" (only the columns that changed), and is suppressed when no monitored
    column changed;
  * flavour 2/3 initial and insert rows omit columns equal to the column type's default;
    a delete is `null`; a modify carries only changed columns, each as a diff: the new value
    for columns holding at most one value, the symmetric difference for sets, and for maps
    the pairs whose key is in only one side plus the new pair for keys whose value changed;
  * conditions (flavours 2 and 3) are a disjunction of clauses; a row that starts or stops
    matching is reported as an insert or delete.

`TxnHistory` keeps a bounded list of committed transaction ids and their changes so that a
`monitor_cond_since` from a reconnecting client can be answered with the net difference.
"""
import collections
import json
import uuid

import ovs.db.data
import ovs.db.types

from pyvswitch.ovsdb.condition import Condition
from pyvswitch.ovsdb.datum import column_diff, datum_to_json
from pyvswitch.ovsdb.errors import OvsdbError

UPDATE = 1
UPDATE2 = 2
UPDATE3 = 3

ZERO_UUID = uuid.UUID(int=0)

_SELECT_KEYS = ("initial", "insert", "delete", "modify")


class MonitorRequestError(Exception):
    """A malformed monitor request; `to_json()` is the JSON-RPC error object to send back."""

    def __init__(self, details, syntax=None, error="syntax error"):
        super().__init__(details)
        self.details = details
        self.syntax = syntax
        self.error = error

    def to_json(self):
        reply = {}
        if self.syntax is not None:
            reply["syntax"] = self.syntax
        reply["details"] = self.details
        reply["error"] = self.error
        return reply


def _compact(json_value):
    return json.dumps(json_value, separators=(",", ":"))


def _check_members(obj, allowed, context):
    for key in obj:
        if key not in allowed:
            raise MonitorRequestError(
                "%s failed: Member '%s' is present but not allowed here." % (context, key),
                _compact(obj))


def _bool_member(obj, key, context):
    value = obj.get(key, True)
    if not isinstance(value, bool):
        raise MonitorRequestError(
            "%s failed: Type mismatch for member '%s'." % (context, key), _compact(obj))
    return value


def compile_where(table, clauses):
    """A predicate on rows of `table`, true when any of the monitor condition `clauses` holds.

    Each clause is parsed by the engine's condition module, so errors carry ovsdb-server's
    wording; raises OvsdbError for a malformed clause."""
    conditions = [Condition.from_json(table, [clause]) for clause in clauses]
    if any(condition.is_always_true() for condition in conditions):
        return lambda row: True
    conditions = [condition for condition in conditions if not condition.always_false]
    if not conditions:
        return lambda row: False
    return lambda row: any(condition.evaluate(row) for condition in conditions)


def _default_json(type_):
    """The JSON of a column type's default value (python-ovs's Datum.default nests Atoms)."""
    if type_.n_min == 0:
        return ["map", []] if type_.is_map() else ["set", []]
    key = ovs.db.data.Atom(type_.key.type, type_.key.type.default).to_json()
    if type_.is_map():
        value = ovs.db.data.Atom(type_.value.type, type_.value.type.default).to_json()
        return ["map", [[key, value]]]
    return key


class _Column:
    """One monitored column: how to read it from a row, its default and diff rule."""

    __slots__ = ("name", "type", "default_json")

    def __init__(self, name, type_):
        self.name = name
        self.type = type_
        self.default_json = _default_json(type_)

    def json_of(self, row):
        if self.name == "_uuid":
            return ["uuid", str(row.uuid)]
        if self.name == "_version":
            return ["uuid", str(row.version)]
        return datum_to_json(row.data[self.name])

    def diff_json(self, old_row, new_row):
        """The update2 diff of this column, or None when the values are equal."""
        if self.name == "_uuid":
            return None
        if self.name == "_version":
            return None if old_row.version == new_row.version else self.json_of(new_row)
        diff = column_diff(old_row.data[self.name], new_row.data[self.name])
        return None if diff is None else datum_to_json(diff)


class _TableMonitor:
    """What is watched in one table: columns, select flags and (flavours 2/3) a condition.

    A row's JSON is kept in the row's `json_cache` under the column names and flavour,
    so that clients asking for the same columns (every `ovs-vsctl` process does) share
    it.  The JSON objects handed out are therefore never to be modified."""

    __slots__ = ("name", "columns", "select", "matches", "_cache_key")

    def __init__(self, name, columns, select, matches):
        self.name = name
        self.columns = columns
        self.select = select
        self.matches = matches
        self._cache_key = tuple(column.name for column in columns)

    def row_json(self, row, skip_defaults):
        cache = row.json_cache
        if cache is None:
            cache = row.json_cache = {}
        key = (self._cache_key, skip_defaults)
        out = cache.get(key)
        if out is None:
            out = cache[key] = self._build_row_json(row, skip_defaults)
        return out

    def initial_text(self, row, kind):
        """`"<uuid>":{"<kind>":<row JSON>}`, the row's member of an initial <table-update>;
        kind "new" (flavour 1) carries every column, "initial" omits defaults."""
        cache = row.json_cache
        if cache is None:
            cache = row.json_cache = {}
        key = (self._cache_key, kind)
        text = cache.get(key)
        if text is None:
            row_json = self.row_json(row, kind == "initial")
            text = cache[key] = '"%s":%s' % (row.uuid, _compact({kind: row_json}))
        return text

    def _build_row_json(self, row, skip_defaults):
        out = {}
        for column in self.columns:
            value = column.json_of(row)
            if skip_defaults and column.name != "_version" and value == column.default_json:
                continue
            out[column.name] = value
        return out


class Monitor:
    """One client monitor.  `monitor_id` is the client's <json-value>; flavour is 1, 2 or 3."""

    def __init__(self, schema, monitor_id, flavour, requests):
        self.schema = schema
        self.monitor_id = monitor_id
        self.flavour = flavour
        if not isinstance(requests, dict):
            raise MonitorRequestError("monitor-requests must be object", _compact(requests))
        self.tables = {}
        for table_name, table_requests in requests.items():
            self.tables[table_name] = self._parse_table(table_name, table_requests)

    @property
    def conditional(self):
        return self.flavour != UPDATE

    # ---- request parsing -------------------------------------------------------------

    def _table_schema(self, table_name):
        table = self.schema.tables.get(table_name)
        if table is None:
            raise MonitorRequestError("no table named %s" % table_name)
        return table

    def _parse_table(self, table_name, table_requests):
        table = self._table_schema(table_name)
        if isinstance(table_requests, dict):
            table_requests = [table_requests]
        elif not isinstance(table_requests, list):
            raise MonitorRequestError("Parsing table %s failed: Type mismatch." % table_name,
                                      _compact(table_requests))
        allowed = ("columns", "select", "where") if self.conditional else ("columns", "select")
        context = "Parsing table %s" % table_name
        columns = []
        seen = set()
        select = dict.fromkeys(_SELECT_KEYS, False)
        clauses = []
        for request in table_requests:
            if not isinstance(request, dict):
                raise MonitorRequestError("%s failed: Type mismatch." % context, _compact(request))
            _check_members(request, allowed, context)
            names = request.get("columns")
            if names is None:
                names = [name for name in table.columns if name not in seen] + ["_version"]
            elif not isinstance(names, list):
                raise MonitorRequestError(
                    "%s failed: Type mismatch for member 'columns'." % context, _compact(request))
            for name in names:
                if not isinstance(name, str) or not self._column_type(table, name):
                    raise MonitorRequestError("%s is not a valid column name" % (name,),
                                              _compact(names))
                if name in seen:
                    raise MonitorRequestError("column %s mentioned more than once" % name,
                                              _compact(names))
                seen.add(name)
                columns.append(_Column(name, self._column_type(table, name)))
            select_json = request.get("select", {})
            if not isinstance(select_json, dict):
                raise MonitorRequestError(
                    "%s failed: Type mismatch for member 'select'." % context, _compact(request))
            _check_members(select_json, _SELECT_KEYS, context + " select")
            for key in _SELECT_KEYS:
                select[key] = select[key] or _bool_member(select_json, key, context + " select")
            if "where" in request:
                clauses.extend(self._where_clauses(request["where"]))
            else:
                clauses.append(True)
        matches = self._compile_where(table, clauses) if self.conditional else None
        return _TableMonitor(table_name, columns, select, matches)

    @staticmethod
    def _column_type(table, name):
        if name in ("_uuid", "_version"):
            return ovs.db.types.Type(ovs.db.types.BaseType(ovs.db.types.UuidType))
        column = table.columns.get(name)
        return column.type if column is not None else None

    @staticmethod
    def _where_clauses(where):
        if not isinstance(where, list):
            raise MonitorRequestError("where must be an array", _compact(where))
        return where or [True]

    @staticmethod
    def _compile_where(table, clauses):
        try:
            return compile_where(table, clauses)
        except OvsdbError as e:
            raise MonitorRequestError(e.details, e.syntax, e.tag)

    # ---- updates ---------------------------------------------------------------------

    def initial(self, tables):
        """The reply to the monitor request, serialized (compact JSON text): every
        selected row of every monitored table.  Each row's part of the text is kept
        with the row, so a thousand clients asking for the same columns cost little
        more than one."""
        parts = []
        for name, tm in self.tables.items():
            if not tm.select["initial"]:
                continue
            if self.flavour == UPDATE:
                rows = [tm.initial_text(row, "new") for row in tables.get(name, {}).values()]
            else:
                rows = [tm.initial_text(row, "initial")
                        for row in tables.get(name, {}).values() if tm.matches(row)]
            if rows:
                parts.append("%s:{%s}" % (_compact(name), ",".join(rows)))
        return "{%s}" % ",".join(parts)

    def updates_for(self, changes):
        """The <table-updates> (flavour 1) or <table-updates2> for committed `changes`."""
        updates = {}
        for name, tm in self.tables.items():
            table_changes = changes.get(name)
            if not table_changes:
                continue
            rows = {}
            for row_uuid, change in table_changes.items():
                if self.flavour == UPDATE:
                    row_update = self._row_update1(tm, change.old, change.new)
                else:
                    row_update = self._row_update2(tm, change.old, change.new)
                if row_update is not None:
                    rows[str(row_uuid)] = row_update
            if rows:
                updates[name] = rows
        return updates

    @staticmethod
    def _row_update1(tm, old, new):
        if old is None:
            return {"new": tm.row_json(new, False)} if tm.select["insert"] else None
        if new is None:
            return {"old": tm.row_json(old, False)} if tm.select["delete"] else None
        if not tm.select["modify"]:
            return None
        old_json = {}
        for column in tm.columns:
            if column.diff_json(old, new) is not None:
                old_json[column.name] = column.json_of(old)
        if not old_json:
            return None
        return {"new": tm.row_json(new, False), "old": old_json}

    @staticmethod
    def _row_update2(tm, old, new):
        old_matches = old is not None and tm.matches(old)
        new_matches = new is not None and tm.matches(new)
        if old_matches and new_matches:
            if not tm.select["modify"]:
                return None
            diff = {}
            for column in tm.columns:
                value = column.diff_json(old, new)
                if value is not None:
                    diff[column.name] = value
            return {"modify": diff} if diff else None
        if new_matches:
            return {"insert": tm.row_json(new, True)} if tm.select["insert"] else None
        if old_matches:
            return {"delete": None} if tm.select["delete"] else None
        return None

    def change_conditions(self, new_id, requests, tables):
        """Applies a monitor_cond_change; returns the <table-updates2> it causes.

        The monitor's id becomes `new_id` only once every table's request is valid."""
        if not isinstance(requests, dict):
            raise MonitorRequestError("monitor-cond-change-requests must be object")
        new_matchers = {}
        for table_name, table_requests in requests.items():
            table = self._table_schema(table_name)
            tm = self.tables.get(table_name)
            if tm is None:
                raise MonitorRequestError("no table named %s in monitor session" % table_name)
            if not isinstance(table_requests, list):
                raise MonitorRequestError(
                    "table %s no monitor-cond-change JSON array" % table_name)
            clauses = []
            for request in table_requests:
                if not isinstance(request, dict):
                    raise MonitorRequestError("%s failed: Type mismatch." % table_name,
                                              _compact(request))
                if "columns" in request:
                    raise MonitorRequestError("changing columns is unsupported", _compact(request))
                if "where" in request:
                    clauses.extend(self._where_clauses(request["where"]))
                else:
                    clauses.append(True)
            new_matchers[table_name] = self._compile_where(table, clauses or [True])
        updates = {}
        for table_name, matches in new_matchers.items():
            tm = self.tables[table_name]
            rows = {}
            for row_uuid, row in tables.get(table_name, {}).items():
                was, now = tm.matches(row), matches(row)
                if now and not was and tm.select["insert"]:
                    rows[str(row_uuid)] = {"insert": tm.row_json(row, True)}
                elif was and not now and tm.select["delete"]:
                    rows[str(row_uuid)] = {"delete": None}
            tm.matches = matches
            if rows:
                updates[table_name] = rows
        self.monitor_id = new_id
        return updates


def merge_changes(change_sets):
    """Folds consecutive `Changes` into one net change per row (first old, last new)."""
    merged = {}
    for changes in change_sets:
        for table, rows in changes.items():
            table_merged = merged.setdefault(table, {})
            for row_uuid, change in rows.items():
                earlier = table_merged.get(row_uuid)
                old = earlier.old if earlier is not None else change.old
                table_merged[row_uuid] = type(change)(old, change.new)
    for table in list(merged):
        rows = merged[table]
        for row_uuid in [u for u, c in rows.items() if c.old is None and c.new is None]:
            del rows[row_uuid]
        if not rows:
            del merged[table]
    return merged


class TxnHistory:
    """Recent committed transactions of one database, for monitor_cond_since.

    `last_id` names the current contents.  A fresh history starts from a random id standing
    for "the contents as loaded", so clients from an earlier server run never match."""

    def __init__(self, limit=100):
        self.last_id = uuid.uuid4()
        self._entries = collections.deque(maxlen=limit)
        self._entries.append((self.last_id, {}))

    def record(self, changes):
        """Remembers one commit and returns its new transaction id."""
        self.last_id = uuid.uuid4()
        self._entries.append((self.last_id, changes))
        return self.last_id

    def changes_since(self, txn_id):
        """Net changes committed after `txn_id`, or None if `txn_id` is not remembered."""
        for index, (entry_id, _) in enumerate(self._entries):
            if entry_id == txn_id:
                later = [changes for _, changes in list(self._entries)[index + 1:]]
                return merge_changes(later)
        return None
