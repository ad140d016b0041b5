"""The `_Server` database every ovsdb-server hosts (ovsdb-server(5)).

It has one table, Database, with one row per hosted database (itself included) saying its
name, storage model, whether it is connected and the leader, and its schema as a JSON string.
Current IDL clients (python-ovs, and the C IDL in ovs-vsctl) monitor it before anything else.
Our databases are all standalone and never come or go while the server runs, so the rows are
written once, when the server is built.  The database is read-only to clients:
`refuse_writes` answers a transaction that tries to change it the way ovsdb-server does.
"""
import json

import ovs.db.schema

from pyvswitch.ovsdb.database import Database, MemoryStorage

SERVER_DB_NAME = "_Server"

SERVER_SCHEMA_JSON = {
    "name": SERVER_DB_NAME,
    "version": "1.2.0",
    "tables": {
        "Database": {
            "columns": {
                "name": {"type": "string"},
                "model": {"type": {"key": {"type": "string",
                                           "enum": ["set", ["clustered", "relay",
                                                            "standalone"]]}}},
                "connected": {"type": "boolean"},
                "leader": {"type": "boolean"},
                "schema": {"type": {"key": "string", "min": 0}},
                "cid": {"type": {"key": "uuid", "min": 0}},
                "sid": {"type": {"key": "uuid", "min": 0}},
                "index": {"type": {"key": "integer", "min": 0}},
            },
        },
    },
}

_WRITE_OPS = ("insert", "update", "mutate", "delete")


class _Refusal:
    """A transaction outcome that changed nothing and ended in a "not allowed" error."""

    blocked = False
    changes = None
    wait_deadline_ms = None

    def __init__(self, reply):
        self.reply = reply


class ServerDatabase:
    """Builds and owns the in-memory `_Server` database describing `databases`."""

    def __init__(self, databases, now_ms):
        schema = ovs.db.schema.DbSchema.from_json(SERVER_SCHEMA_JSON)
        self.database = Database(schema, MemoryStorage())
        ops = [{"op": "insert", "table": "Database", "row": self._row(db.name, db.schema_json)}
               for db in databases]
        ops.append({"op": "insert", "table": "Database",
                    "row": self._row(SERVER_DB_NAME, SERVER_SCHEMA_JSON)})
        outcome = self.database.transact(ops, now_ms=now_ms)
        errors = [r for r in outcome.reply if r is None or "error" in r]
        if errors:
            raise RuntimeError("cannot build the _Server database: %s" % errors)

    @staticmethod
    def _row(name, schema_json):
        return {
            "name": name,
            "model": "standalone",
            "connected": True,
            "leader": True,
            "schema": json.dumps(schema_json, separators=(",", ":")),
        }

    def refuse_writes(self, ops, now_ms):
        """None if `ops` only read; else the outcome ovsdb-server gives for writing _Server.

        Operations before the first write still run, so their results (or their own error)
        come first, exactly as if the write had been attempted and failed."""
        for index, op in enumerate(ops):
            if isinstance(op, dict) and op.get("op") in _WRITE_OPS:
                break
        else:
            return None
        prefix = self.database.transact(ops[:index], now_ms=now_ms)
        if prefix.blocked or any(r is None or "error" in r for r in prefix.reply):
            return prefix
        error = {"details": "%s operation not allowed on table in reserved database %s"
                            % (ops[index]["op"], SERVER_DB_NAME),
                 "error": "not allowed"}
        return _Refusal(list(prefix.reply) + [error])
