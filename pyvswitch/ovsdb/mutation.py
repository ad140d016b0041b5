"""Mutations: the "mutations" of an RFC 7047 "mutate" operation, parsed and applied.

A mutation is [<column>, <mutator>, <value>].  The arithmetic mutators (+= -= *= /= %=)
apply to every element of an integer or real column (scalar or set) with 64-bit C
semantics: overflow is a "range error", division by zero a "domain error", division
truncates toward zero and %= takes the sign of the dividend.  "insert" adds elements to
a set or map (an existing map key keeps its value); "delete" removes set elements, map
keys, or map key-value pairs that match exactly.

`parse_mutations()` checks mutations against a table's columns the way ovsdb-server 3.1
does; `apply_mutations()` applies them to a row's data dict, replacing each changed Datum
with a new one (data are never changed in place), and raises OvsdbError for results that
break the column's constraints.
"""
import math

from ovs.db.data import Atom, Datum
from ovs.db.types import BaseType, Type

from pyvswitch.ovsdb.datum import (
    INTEGER, REAL, SymbolTable, TableColumns, check_atom_constraints, datum_from_json,
    derive_datum, type_to_english, UINT_MAX)
from pyvswitch.ovsdb.errors import INT64_MAX, INT64_MIN, OvsdbError, syntax_error

_ARITHMETIC = ("+=", "-=", "*=", "/=", "%=")
MUTATORS = frozenset(_ARITHMETIC + ("insert", "delete"))


class Mutation:
    __slots__ = ("column", "mutator", "arg")

    def __init__(self, column, mutator: str, arg: Datum):
        self.column = column
        self.mutator = mutator
        self.arg = arg


def parse_mutations(columns: TableColumns, json: list, symtab: SymbolTable) -> list[Mutation]:
    return [_parse_mutation(columns, element, symtab) for element in json]


def _parse_mutation(columns: TableColumns, json, symtab) -> Mutation:
    column, mutator, arg_json = columns.parse_triple(json, "mutation")
    if not column.mutable:
        raise syntax_error(json, "Cannot mutate immutable column %s in table %s."
                           % (column.name, columns.table_name), tag="constraint violation")
    if mutator not in MUTATORS:
        raise OvsdbError("unknown mutator", "No mutator named %s." % mutator)
    type_ = column.type
    is_map = type_.value is not None
    is_scalar = not is_map and type_.n_min == 1 and type_.n_max == 1
    if mutator in _ARITHMETIC:
        if (is_map or type_.key.type not in (INTEGER, REAL)
                or (mutator == "%=" and type_.key.type is REAL)):
            raise _type_mismatch(json, mutator, column)
        arg = datum_from_json(Type(BaseType(type_.key.type)), arg_json, symtab)
    else:
        if is_scalar:
            raise _type_mismatch(json, mutator, column)
        if mutator == "insert":
            arg = datum_from_json(Type(type_.key, type_.value, 0, type_.n_max), arg_json, symtab)
        else:
            try:
                arg = datum_from_json(Type(type_.key, type_.value, 0, UINT_MAX), arg_json, symtab)
            except OvsdbError:
                if not is_map:
                    raise
                arg = datum_from_json(Type(type_.key, None, 0, UINT_MAX), arg_json, symtab)
    return Mutation(column, mutator, arg)


def _type_mismatch(json, mutator, column) -> OvsdbError:
    return syntax_error(json, 'Type mismatch: "%s" operator may not be applied to column %s '
                        'of type %s.' % (mutator, column.name, type_to_english(column.type)))


def apply_mutations(data: dict, mutations: list[Mutation], committed: dict | None = None) -> None:
    """Applies `mutations` to a row's `data`.  `committed` is the row's data before the
    transaction (None for a row it inserted); insert and delete results record what they
    touched relative to it (see datum.derive_datum), so diffing them later is cheap."""
    for mutation in mutations:
        column = mutation.column
        current = data[column.name]
        if mutation.mutator in _ARITHMETIC:
            data[column.name] = _apply_arithmetic(current, mutation)
            continue
        values = dict(current.values)
        arg = mutation.arg
        if mutation.mutator == "insert":
            for key, value in arg.values.items():
                if key not in values:
                    values[key] = value
        elif arg.type.value is not None:
            for key, value in arg.values.items():
                if key in values and values[key] == value:
                    del values[key]
        else:
            for key in arg.values:
                values.pop(key, None)
        type_ = column.type
        if not type_.n_min <= len(values) <= type_.n_max:
            raise OvsdbError("constraint violation", "Attempted to store %d elements in %s."
                             % (len(values), type_to_english(type_)))
        data[column.name] = derive_datum(
            current, committed[column.name] if committed is not None else None,
            values, arg.values)


def _apply_arithmetic(current: Datum, mutation: Mutation) -> Datum:
    base = mutation.column.type.key
    operand = next(iter(mutation.arg.values)).value
    mutator = mutation.mutator
    compute = _integer_result if base.type is INTEGER else _real_result
    results = [Atom(base.type, compute(mutator, atom.value, operand))
               for atom in sorted(current.values)]
    for atom in results:
        check_atom_constraints(atom, base)
    values = dict.fromkeys(results)
    if len(values) != len(results):
        raise OvsdbError("constraint violation",
                         'Result of "%s" operation contains duplicates.' % mutator)
    return Datum(current.type, values)


def _range_error(mutator) -> OvsdbError:
    return OvsdbError("range error", 'Result of "%s" operation is out of range.' % mutator)


def _integer_result(mutator: str, x: int, y: int) -> int:
    if mutator in ("/=", "%="):
        if y == 0:
            raise OvsdbError("domain error", "Division by zero.")
        if x == INT64_MIN and y == -1:
            raise _range_error(mutator)
        quotient = abs(x) // abs(y)
        if (x < 0) != (y < 0):
            quotient = -quotient
        return quotient if mutator == "/=" else x - y * quotient
    if mutator == "+=":
        result = x + y
    elif mutator == "-=":
        result = x - y
    else:
        result = x * y
    if not INT64_MIN <= result <= INT64_MAX:
        raise _range_error(mutator)
    return result


def _real_result(mutator: str, x: float, y: float) -> float:
    if mutator == "/=":
        if y == 0:
            raise OvsdbError("domain error", "Division by zero.")
        result = x / y
    elif mutator == "+=":
        result = x + y
    elif mutator == "-=":
        result = x - y
    else:
        result = x * y
    if math.isinf(result) or math.isnan(result):
        raise _range_error(mutator)
    return result
