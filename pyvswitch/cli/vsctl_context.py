"""The state one pyvs-vsctl command sees while it runs inside a transaction.

A CommandContext wraps the python-ovs IDL replica and the open transaction,
and gives commands datum-level access to rows: `read` returns the current
(possibly already modified in this transaction) Datum of a column, `write`
replaces it, `insert`/`delete` create and remove rows.  It also owns the
per-invocation symbol table of "@name" row ids, each command's output buffer
and optional result table, and the list of interfaces whose set-up must be
checked once ovs-vswitchd has reconfigured.

Errors a command detects are raised as VsctlError (message, exit status);
TryAgain asks the runner to wait for the database to change and rerun every
command from scratch (used by wait-until).
"""
import sys
import time
import uuid as uuidlib
from dataclasses import dataclass, field

from pyvswitch.cli.vsctl_datum import default_datum


class VsctlError(Exception):
    """A fatal error: the message is printed after "PROG: " and we exit."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class TryAgain(Exception):
    """The commands must be rerun after the database next changes."""


@dataclass
class Symbol:
    uuid: uuidlib.UUID
    created: bool = False
    strong_ref: bool = False


class Logger:
    """Writes WARN lines in the vlog console format ovs-vsctl uses."""

    def __init__(self, stream=None):
        self._stream = stream or sys.stderr
        self._serial = 1

    def warn(self, module, message):
        self._serial += 1
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._stream.write("%s|%05d|%s|WARN|%s\n"
                           % (stamp, self._serial, module, message))
        self._stream.flush()


@dataclass
class Command:
    """One parsed command: its table entry, options and arguments."""
    spec: object
    options: dict
    args: list
    output: list = field(default_factory=list)
    table: object = None
    state: object = None


class CommandContext:
    def __init__(self, idl, txn, logger, wait_for_reload):
        self.idl = idl
        self.txn = txn
        self.tables = idl.tables
        self.logger = logger
        self.symbols = {}
        self.expected_ifaces = []
        self.wait_for_reload = wait_for_reload
        self.model = None
        self.command = None

    # -------------------------------------------------------- row access --
    def read(self, row, column):
        changed = row._changes.get(column) if row._changes else None
        if changed is not None:
            return changed
        if row._data is not None and column in row._data:
            return row._data[column]
        return default_datum(row._table.columns[column].type)

    def write(self, row, column, datum):
        self.txn._write(row, row._table.columns[column], datum)

    def verify(self, row, column):
        row.verify(column)

    def insert(self, table_name, row_uuid=None, persist=False):
        return self.txn.insert(self.tables[table_name], new_uuid=row_uuid,
                               persist_uuid=persist)

    def delete(self, row):
        row.delete()

    def final_uuid(self, provisional):
        """After commit: the UUID the server gave a row this txn inserted."""
        real = None
        if self.txn.get_error() in ("success", "unchanged"):
            real = self.txn.get_insert_uuid(provisional)
        return real or provisional

    def rows(self, table_name):
        return list(self.tables[table_name].rows.values())

    def row_by_uuid(self, table_name, row_uuid):
        return self.tables[table_name].rows.get(row_uuid)

    def root(self):
        rows = self.tables["Open_vSwitch"].rows
        return next(iter(rows.values())) if rows else None

    # ----------------------------------------------------------- symbols --
    def symbol(self, name):
        sym = self.symbols.get(name)
        if sym is None:
            sym = self.symbols[name] = Symbol(uuidlib.uuid4())
        return sym

    def define_symbol(self, name):
        """Claims @name for a --id option; returns the Symbol."""
        if not name.startswith("@"):
            raise VsctlError('row id "%s" does not begin with "@"' % name)
        sym = self.symbol(name)
        if sym.created:
            raise VsctlError('row id "%s" may only be specified on one --id '
                             'option' % name)
        sym.created = True
        return sym

    def resolve_symbol(self, name, base):
        """The value parser's callback: the UUID that @name stands for."""
        sym = self.symbol(name)
        if base.ref_table_name and base.ref_type == "strong":
            sym.strong_ref = True
        return sym.uuid

    # ------------------------------------------------------------ output --
    def put(self, text):
        self.command.output.append(text)

    def invalidate_model(self):
        self.model = None
