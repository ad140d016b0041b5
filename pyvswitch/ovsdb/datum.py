"""OVSDB values: parsing JSON into checked data, and describing types and values in English.

Values are python-ovs objects: an `ovs.db.data.Datum` whose `values` dict maps key `Atom`s
to value `Atom`s (maps) or None (sets and scalars).  Data are treated as immutable once
built: code that changes a column builds a new Datum, so committed rows can share them.

`datum_from_json()` accepts exactly what ovsdb-server 3.1 accepts and fails with the same
error names, details and "syntax" text (see `errors.py`), which python-ovs's own parser
does not do.  UUID atoms may be written ["named-uuid", NAME] when a `SymbolTable` is
given; as in ovsdb-server an unknown name is not an error but creates a symbol whose UUID
a later "insert" with that "uuid-name" adopts.

`TableColumns` describes a table as the execution engine sees it: the schema's columns
plus the two implicit read-only UUID columns "_uuid" and "_version", each with its
default datum built once.

Cost: a column such as Open_vSwitch:external_ids may hold thousands of elements, and each
commit that touches it must be journaled and shown to monitors as a diff.  python-ovs's
Atom compares, hashes and sorts in Python, so anything that walks every element per
commit is slow.  `EditedDatum` therefore remembers which Datum it was derived from and
which keys were touched, so that `column_diff()` of the two costs what the edit cost; and
`datum_to_json()` sorts by the atoms' plain values rather than through Atom methods.
"""
import re
import sys
import uuid
import weakref

import ovs.db.types
import ovs.json
from ovs.db.data import Atom, Datum
from ovs.db.types import BaseType, Type

from pyvswitch.ovsdb.errors import INT64_MAX, INT64_MIN, OvsdbError, syntax_error

UINT_MAX = 4294967295
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_NEEDS_QUOTES_RE = re.compile(r"\Z|true\Z|false\Z|[^_a-zA-Z]|.*[^-._a-zA-Z]")

INTEGER = ovs.db.types.IntegerType
REAL = ovs.db.types.RealType
BOOLEAN = ovs.db.types.BooleanType
STRING = ovs.db.types.StringType
UUID = ovs.db.types.UuidType

UUID_TYPE = Type(BaseType(UUID))


def parse_uuid_string(text: str) -> uuid.UUID | None:
    return uuid.UUID(text) if _UUID_RE.match(text) else None


class Symbol:
    __slots__ = ("uuid", "created")

    def __init__(self, value: uuid.UUID):
        self.uuid = value
        self.created = False


class SymbolTable(dict):
    """uuid-name -> Symbol, for one transaction."""

    def symbol(self, name: str) -> Symbol:
        found = self.get(name)
        if found is None:
            found = self[name] = Symbol(uuid.uuid4())
        return found


def default_datum(type_: Type) -> Datum:
    """The RFC 7047 default: empty, or one default atom (and value) if at least one is required.

    (python-ovs's Datum.default() wraps the default atom's value in a second Atom.)
    """
    if type_.n_min == 0:
        return Datum(type_, {})
    key = Atom(type_.key.type, type_.key.type.default)
    value = Atom(type_.value.type, type_.value.type.default) if type_.value is not None else None
    return Datum(type_, {key: value})


class ColumnInfo:
    __slots__ = ("name", "type", "mutable", "persistent", "default")

    def __init__(self, name, type_, mutable, persistent):
        self.name = name
        self.type = type_
        self.mutable = mutable
        self.persistent = persistent
        self.default = default_datum(type_)


class TableColumns:
    """Columns of one table, including "_uuid" and "_version"."""

    def __init__(self, table_schema):
        self.table_name = table_schema.name
        self.user: dict[str, ColumnInfo] = {
            name: ColumnInfo(name, column.type, column.mutable, column.persistent)
            for name, column in table_schema.columns.items()}
        self.all: dict[str, ColumnInfo] = {
            "_uuid": ColumnInfo("_uuid", UUID_TYPE, False, True),
            "_version": ColumnInfo("_version", UUID_TYPE, False, True),
            **self.user}
        self.defaults = {name: info.default for name, info in self.user.items()}

    def get(self, name: str) -> ColumnInfo | None:
        return self.all.get(name)

    def parse_triple(self, json, kind: str) -> tuple[ColumnInfo, str, object]:
        """A condition's or mutation's `[column, operator, argument]`, with its column looked up;
        `kind` ("condition", "mutation") names it in the parse error."""
        if (type(json) is not list or len(json) != 3 or type(json[0]) is not str
                or type(json[1]) is not str):
            raise syntax_error(json, "Parse error in %s." % kind)
        column_name, operator, argument = json
        column = self.get(column_name)
        if column is None:
            raise syntax_error(json, "No column %s in table %s." % (column_name, self.table_name),
                               tag="unknown column")
        return column, operator, argument


_COLUMNS_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def columns_of(table_schema) -> TableColumns:
    found = _COLUMNS_CACHE.get(table_schema)
    if found is None:
        found = _COLUMNS_CACHE[table_schema] = TableColumns(table_schema)
    return found


def row_datum(row, column: str) -> Datum:
    """The value of `column` in `row` (anything with .uuid, .version and .data)."""
    if column == "_uuid":
        return Datum(UUID_TYPE, {Atom(UUID, row.uuid): None})
    if column == "_version":
        return Datum(UUID_TYPE, {Atom(UUID, row.version): None})
    return row.data[column]


# ---------------------------------------------------------------- parsing

def atom_from_json(base: BaseType, json, symtab: SymbolTable | None) -> Atom:
    """Parses one atom of `base` and checks its constraints."""
    atomic = base.type
    if atomic is INTEGER:
        if type(json) is float and json.is_integer() and INT64_MIN <= json <= INT64_MAX:
            json = int(json)
        if type(json) is not int or not INT64_MIN <= json <= INT64_MAX:
            raise syntax_error(json, "expected integer")
        atom = Atom(INTEGER, json)
    elif atomic is REAL:
        if type(json) is int:
            json = float(json)
        elif type(json) is not float:
            raise syntax_error(json, "expected real")
        atom = Atom(REAL, json)
    elif atomic is BOOLEAN:
        if type(json) is not bool:
            raise syntax_error(json, "expected boolean")
        atom = Atom(BOOLEAN, json)
    elif atomic is STRING:
        if type(json) is not str:
            raise syntax_error(json, "expected string")
        atom = Atom(STRING, json)
    else:
        if base.enum is None and type(json) is list and len(json) == 2 and json[0] == "uuid":
            return _uuid_atom(json)
        atom = Atom(UUID, _parse_uuid_json(json, symtab))
    check_atom_constraints(atom, base)
    return atom


# Parsed ["uuid", TEXT] atoms by TEXT.  The same row UUIDs are parsed over and over (every
# "wait" of an ovs-vsctl transaction names rows by UUID), and Atoms are never changed.
_UUID_ATOMS: dict = {}
_UUID_ATOMS_LIMIT = 1 << 16


def _uuid_atom(json) -> Atom:
    text = json[1]
    atom = _UUID_ATOMS.get(text) if type(text) is str else None
    if atom is None:
        atom = Atom(UUID, _parse_uuid_json(json, None))
        if len(_UUID_ATOMS) >= _UUID_ATOMS_LIMIT:
            _UUID_ATOMS.clear()
        _UUID_ATOMS[text] = atom
    return atom


def _parse_uuid_json(json, symtab: SymbolTable | None) -> uuid.UUID:
    if type(json) is list and len(json) == 2 and type(json[1]) is str:
        if json[0] == "uuid":
            value = parse_uuid_string(json[1])
            if value is None:
                raise syntax_error(json, '"%s" is not a valid UUID' % json[1])
            return value
        if json[0] == "named-uuid" and symtab is not None:
            return symtab.symbol(json[1]).uuid
    raise syntax_error(json, 'expected ["uuid", <string>]')


def check_atom_constraints(atom: Atom, base: BaseType) -> None:
    if base.enum is not None:
        if atom not in base.enum.values:
            raise OvsdbError("constraint violation", "%s is not one of the allowed values (%s)"
                             % (atom_to_string(atom), datum_to_string(base.enum)))
        return
    atomic = base.type
    if atomic is INTEGER:
        value = atom.value
        low = base.min if base.min is not None else INT64_MIN
        high = base.max if base.max is not None else INT64_MAX
        if low <= value <= high:
            return
        if base.min is not None and base.max is not None:
            text = "%d is not in the valid range %d to %d (inclusive)" % (value, low, high)
        elif base.min is not None:
            text = "%d is less than minimum allowed value %d" % (value, low)
        else:
            text = "%d is greater than maximum allowed value %d" % (value, high)
        raise OvsdbError("constraint violation", text)
    if atomic is REAL:
        value = atom.value
        if ((base.min is None or value >= base.min) and (base.max is None or value <= base.max)):
            return
        if base.min is not None and base.max is not None:
            text = "%.15g is not in the valid range %.15g to %.15g (inclusive)" % (
                value, base.min, base.max)
        elif base.min is not None:
            text = "%.15g is less than minimum allowed value %.15g" % (value, base.min)
        else:
            text = "%.15g is greater than maximum allowed value %.15g" % (value, base.max)
        raise OvsdbError("constraint violation", text)
    if atomic is STRING:
        length = len(atom.value)
        if length < base.min_length:
            raise OvsdbError("constraint violation",
                             '"%s" length %d is less than minimum allowed length %d'
                             % (atom.value, length, base.min_length))
        if length > base.max_length:
            raise OvsdbError("constraint violation",
                             '"%s" length %d is greater than maximum allowed length %d'
                             % (atom.value, length, base.max_length))


def _n_max_text(n_max: int) -> int:
    return UINT_MAX if n_max >= sys.maxsize else n_max


def datum_from_json(type_: Type, json, symtab: SymbolTable | None = None) -> Datum:
    """Parses a column value (RFC 7047 <value>) of `type_`."""
    is_map = type_.value is not None
    if not is_map and not (type(json) is list and json and json[0] == "set"):
        return Datum(type_, {atom_from_json(type_.key, json, symtab): None})

    kind = "map" if is_map else "set"
    if not (type(json) is list and len(json) == 2 and json[0] == kind and type(json[1]) is list):
        raise syntax_error(json, 'expected ["%s", <array>]' % kind)
    inner = json[1]
    n = len(inner)
    if n < type_.n_min or n > type_.n_max:
        if type_.n_min == 1 and type_.n_max == 1:
            text = "%s must have exactly one member but %d are present" % (kind, n)
        else:
            text = "%s must have %d to %d members but %d are present" % (
                kind, type_.n_min, _n_max_text(type_.n_max), n)
        raise syntax_error(json, text)

    values = {}
    duplicate = False
    key_base = type_.key
    if is_map:
        value_base = type_.value
        for element in inner:
            if type(element) is not list or len(element) != 2:
                raise syntax_error(element, "expected 2-element array")
            key = atom_from_json(key_base, element[0], symtab)
            value = atom_from_json(value_base, element[1], symtab)
            if key in values:
                duplicate = True
            values[key] = value
    else:
        for element in inner:
            key = atom_from_json(key_base, element, symtab)
            if key in values:
                duplicate = True
            values[key] = None
    if duplicate:
        raise OvsdbError("ovsdb error", "map contains duplicate key" if is_map
                         else "set contains duplicate")
    return Datum(type_, values)


# ---------------------------------------------------------------- English

def atom_to_string(atom: Atom) -> str:
    atomic = atom.type
    if atomic is INTEGER:
        return "%d" % atom.value
    if atomic is REAL:
        return "%.15g" % atom.value
    if atomic is BOOLEAN:
        return "true" if atom.value else "false"
    if atomic is STRING:
        text = atom.value
        if _NEEDS_QUOTES_RE.match(text):
            return ovs.json.to_string(text)
        return text
    return str(atom.value)


def datum_to_string(datum: Datum) -> str:
    """Like ovsdb_datum_to_string(): "x", "[a, b]" or "{k=v, k2=v2}"."""
    type_ = datum.type
    items = sorted(datum.values.items())
    is_map = type_.value is not None
    bracketed = type_.n_max > 1 or not items
    parts = []
    for key, value in items:
        if is_map:
            parts.append("%s=%s" % (atom_to_string(key), atom_to_string(value)))
        else:
            parts.append(atom_to_string(key))
    text = ", ".join(parts)
    if bracketed:
        return ("{%s}" if is_map else "[%s]") % text
    return text


def type_to_english(type_: Type) -> str:
    """Like ovsdb_type_to_english(): "integer", "set of up to 2 strings", ..."""
    key = type_.key.type.to_string()
    if type_.value is None and type_.n_min == 1 and type_.n_max == 1:
        return key
    n_max = _n_max_text(type_.n_max)
    if n_max == UINT_MAX:
        quantity = " %d or more" % type_.n_min if type_.n_min else ""
    elif type_.n_min:
        quantity = " %d to %d" % (type_.n_min, n_max)
    else:
        quantity = " up to %d" % n_max
    if type_.value is None:
        return "set of%s %ss" % (quantity, key)
    return "map of%s (%s, %s) pairs" % (quantity, key, type_.value.type.to_string())


# ---------------------------------------------------------------- JSON and diffs

def _value_of(item):
    return item[0].value


def _atom_json(atom: Atom):
    return ["uuid", str(atom.value)] if atom.type is UUID else atom.value


def datum_to_json(datum: Datum):
    """RFC 7047 <value> of `datum`, elements in ovsdb-server's (sorted) order.

    Same result as python-ovs's Datum.to_json(), which sorts through Atom.__lt__."""
    values = datum.values
    type_ = datum.type
    if type_.value is not None:
        key_uuid = type_.key.type is UUID
        value_uuid = type_.value.type is UUID
        return ["map", [[["uuid", str(k.value)] if key_uuid else k.value,
                         ["uuid", str(v.value)] if value_uuid else v.value]
                        for k, v in sorted(values.items(), key=_value_of)]]
    if len(values) == 1:
        return _atom_json(next(iter(values)))
    if type_.key.type is UUID:
        return ["set", [["uuid", str(u)] for u in sorted(k.value for k in values)]]
    return ["set", sorted(k.value for k in values)]


class EditedDatum(Datum):
    """A Datum derived from `base` by changing only the elements whose keys are in
    `touched` (inserted, deleted or given another value).  `base` is dropped (set to None)
    once nothing needs the diff any more, so versions never chain."""

    __slots__ = ("base", "touched")

    def __init__(self, type_: Type, values: dict, base: Datum, touched: set):
        super().__init__(type_, values)
        self.base = base
        self.touched = touched


def derive_datum(current: Datum, committed: Datum | None, values: dict, touched) -> Datum:
    """The Datum holding `values`, made from `current` by changing the keys `touched`.

    `committed` is the column's value before this transaction (None for a row the
    transaction inserted).  The result records its derivation from `committed` when it
    can, so `column_diff(committed, result)` is cheap."""
    if committed is None:
        return Datum(current.type, values)
    if current is committed:
        if type(current) is EditedDatum:
            current.base = None     # its own commit is journaled and published by now
        return EditedDatum(current.type, values, current, set(touched))
    if type(current) is EditedDatum and current.base is committed:
        return EditedDatum(current.type, values, committed, current.touched.union(touched))
    return Datum(current.type, values)


_MISSING = object()


def column_diff(old: Datum, new: Datum) -> Datum | None:
    """How `new` differs from `old`, as ovsdb-server writes it in "_is_diff" journal records
    and update2 "modify" rows; None when they are equal.

    A column holding at most one value is replaced: the diff is `new`.  Otherwise the diff
    is a set of the elements present on one side only, and for maps also the new pair of
    each key whose value changed; applying it (`apply_column_diff`) to `old` gives `new`."""
    if new is old:
        return None
    type_ = old.type
    old_values = old.values
    new_values = new.values
    if type(new) is EditedDatum and new.base is old:
        keys = new.touched
    else:
        if len(old_values) == len(new_values) and old_values == new_values:
            return None
        if type_.n_max == 1:
            return new
        keys = old_values.keys() | new_values.keys()
    diff = {}
    for key in keys:
        before = old_values.get(key, _MISSING)
        after = new_values.get(key, _MISSING)
        if before is _MISSING:
            if after is not _MISSING:
                diff[key] = after
        elif after is _MISSING:
            diff[key] = before
        elif after is not before and after != before:
            diff[key] = after
    if not diff:
        return None
    if type_.n_max == 1:
        return new
    return Datum(_diff_type(type_), diff)


_DIFF_TYPES: dict = {}


def _diff_type(type_: Type) -> Type:
    key = (id(type_.key), id(type_.value))
    found = _DIFF_TYPES.get(key)
    if found is None or found.key is not type_.key or found.value is not type_.value:
        found = _DIFF_TYPES[key] = Type(type_.key, type_.value, 0, sys.maxsize)
    return found


def apply_column_diff(old: Datum, diff_json) -> Datum:
    """`old` with the diff written by `column_diff()` (or by ovsdb-server) applied."""
    type_ = old.type
    if type_.n_max == 1:
        return datum_from_json(type_, diff_json)
    diff = datum_from_json(_diff_type(type_), diff_json)
    values = dict(old.values)
    is_map = type_.value is not None
    for key, value in diff.values.items():
        if key not in values:
            values[key] = value
        elif is_map and values[key] != value:
            values[key] = value
        else:
            del values[key]
    return Datum(type_, values)
