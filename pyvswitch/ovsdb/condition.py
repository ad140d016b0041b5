"""Conditions: RFC 7047 "where" clauses and monitor_cond conditions, parsed and evaluated.

A condition is a JSON array whose elements are clauses [<column>, <function>, <value>]
or the booleans true/false (ovsdb-server's extension, used by monitor_cond).  All
elements must hold for a row to match; the empty condition matches every row.

`Condition.from_json()` checks a condition against one table's columns exactly as
ovsdb-server 3.1 does (same error names, details and "syntax" text) and returns an
immutable object; `Condition.evaluate(row)` tests one row, where a row is anything with
`.uuid`, `.version` and `.data` (a dict of column name -> ovs.db.data.Datum), so both
committed rows and rows being built by a transaction can be tested.

Semantics follow ovsdb-server: the ordering functions apply only to integer and real
columns that hold exactly one value or at most one value (a missing value never
compares); "includes"/"excludes" on sets and maps test every element (for maps, every
key-value pair) of the argument; on scalars they mean "=="/"!=".
"""
import uuid

from ovs.db.data import Datum
from ovs.db.types import Type

from pyvswitch.ovsdb.datum import (
    INTEGER, REAL, SymbolTable, TableColumns, columns_of, datum_from_json, row_datum,
    type_to_english, UINT_MAX)
from pyvswitch.ovsdb.errors import OvsdbError, syntax_error

FUNCTIONS = frozenset(("<", "<=", "==", "!=", ">=", ">", "includes", "excludes"))
_ORDERING = frozenset(("<", "<=", ">=", ">"))
_ORDERING_TEST = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _is_scalar(type_) -> bool:
    return type_.value is None and type_.n_min == 1 and type_.n_max == 1


def _is_optional_scalar(type_) -> bool:
    return type_.value is None and type_.n_min == 0 and type_.n_max == 1


class Clause:
    __slots__ = ("column", "function", "arg", "_scalar", "_optional_scalar", "_is_map")

    def __init__(self, column: str, function: str, arg: Datum, column_type):
        self.column = column
        self.function = function
        self.arg = arg
        self._scalar = _is_scalar(column_type)
        self._optional_scalar = _is_optional_scalar(column_type)
        self._is_map = column_type.value is not None

    def evaluate(self, row) -> bool:
        field = row_datum(row, self.column).values
        arg = self.arg.values
        function = self.function
        if self._optional_scalar and not field and len(arg) == 1:
            return function in ("!=", "excludes")
        if self._scalar or (self._optional_scalar and len(field) == 1 and len(arg) == 1):
            a = next(iter(field)).value
            b = next(iter(arg)).value
            if function in ("==", "includes"):
                return a == b
            if function in ("!=", "excludes"):
                return a != b
            return _ORDERING_TEST[function](a, b)
        if function == "==":
            return field == arg
        if function == "!=":
            return field != arg
        if function == "includes":
            if self._is_map:
                return all(key in field and field[key] == value for key, value in arg.items())
            return all(key in field for key in arg)
        if function == "excludes":
            if self._is_map:
                return not any(key in field and field[key] == value for key, value in arg.items())
            return not any(key in field for key in arg)
        return False


class Condition:
    """A parsed condition: a conjunction of clauses and constant booleans."""

    __slots__ = ("clauses", "always_false", "uuid_match")

    def __init__(self, clauses: list[Clause], always_false: bool = False):
        self.clauses = clauses
        self.always_false = always_false
        # A clause "_uuid == U" lets a query look the row up instead of scanning.
        self.uuid_match: uuid.UUID | None = None
        for clause in clauses:
            if clause.column == "_uuid" and clause.function == "==":
                self.uuid_match = next(iter(clause.arg.values)).value
                break

    @classmethod
    def from_json(cls, table, json, symtab: SymbolTable | None = None) -> "Condition":
        """Parses `json` for `table` (an ovs.db.schema.TableSchema or TableColumns)."""
        columns = table if isinstance(table, TableColumns) else columns_of(table)
        if type(json) is not list:
            raise syntax_error(json, "Parse error in condition.")
        clauses = []
        always_false = False
        for element in json:
            if element is True:
                continue
            if element is False:
                always_false = True
                continue
            clauses.append(_clause_from_json(columns, element, symtab))
        return cls(clauses, always_false)

    def is_always_true(self) -> bool:
        return not self.clauses and not self.always_false

    def evaluate(self, row) -> bool:
        if self.always_false:
            return False
        for clause in self.clauses:
            if not clause.evaluate(row):
                return False
        return True


def _clause_from_json(columns: TableColumns, json, symtab) -> Clause:
    column, function, arg_json = columns.parse_triple(json, "condition")
    if function not in FUNCTIONS:
        raise OvsdbError("unknown function", "No function named %s." % function)
    type_ = column.type
    if function in _ORDERING:
        if (not (_is_scalar(type_) or _is_optional_scalar(type_))
                or type_.key.type not in (INTEGER, REAL)):
            raise syntax_error(json, 'Type mismatch: "%s" operator may not be applied to '
                               'column %s of type %s.'
                               % (function, column.name, type_to_english(type_)))
    elif function == "excludes" and not _is_scalar(type_):
        type_ = _resized(type_, 0, UINT_MAX)
    elif function == "includes" and not _is_scalar(type_):
        type_ = _resized(type_, 0, type_.n_max)
    arg = datum_from_json(type_, arg_json, symtab)
    return Clause(column.name, function, arg, column.type)


def _resized(type_, n_min, n_max):
    return Type(type_.key, type_.value, n_min, n_max)
