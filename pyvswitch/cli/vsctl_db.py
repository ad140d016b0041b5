"""ovs-vsctl's generic database commands: list, find, get, set, add, remove,
clear, create, destroy, wait-until and comment.

Owns how a command names things: tables and columns by case-insensitive
unique prefix (with - and _ interchangeable), records by UUID, UUID prefix of
4+ hex digits, or the per-table naming rules of the Open vSwitch schema
(Bridge by name, Controller via its Bridge, Open_vSwitch as "." ...), and the
`column[:key]OPvalue` argument syntax with its comparison operators.  Each
command is a function (ctx, command) working on a CommandContext; results go
to ctx.put() or command.table.
"""
import uuid as uuidlib
from dataclasses import dataclass

from ovs.db import types
from ovs.db.data import Datum

from pyvswitch.cli import vsctl_datum as vd
from pyvswitch.cli.vsctl_context import TryAgain, VsctlError
from pyvswitch.cli.vsctl_table import Table


@dataclass(frozen=True)
class RowIdRule:
    """A record named R is the row whose `name_column` equals R; with a
    `via_column`, that row lives in `table` and R names the row it refers to
    through `via_column`.  name_column None means R must be "."."""
    table: str
    name_column: str
    via_column: str = None


ROW_ID_RULES = {
    "AutoAttach": RowIdRule("Bridge", "name", "auto_attach"),
    "Bridge": RowIdRule("Bridge", "name"),
    "Controller": RowIdRule("Bridge", "name", "controller"),
    "Flow_Sample_Collector_Set": RowIdRule("Flow_Sample_Collector_Set", "id"),
    "Flow_Table": RowIdRule("Flow_Table", "name"),
    "IPFIX": RowIdRule("Bridge", "name", "ipfix"),
    "Interface": RowIdRule("Interface", "name"),
    "Manager": RowIdRule("Manager", "target"),
    "Mirror": RowIdRule("Mirror", "name"),
    "NetFlow": RowIdRule("Bridge", "name", "netflow"),
    "Open_vSwitch": RowIdRule("Open_vSwitch", None),
    "Port": RowIdRule("Port", "name"),
    "QoS": RowIdRule("Port", "name", "qos"),
    "SSL": RowIdRule("Open_vSwitch", None, "ssl"),
    "sFlow": RowIdRule("Bridge", "name", "sflow"),
}

ARITH_OPERATORS = ("=", "!=", "<", ">", "<=", ">=")
SET_OPERATORS = ("{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}", "{in}",
                 "{not-in}")
_ALL_OPERATORS = ARITH_OPERATORS + SET_OPERATORS
_OPERATOR_CHARS = "!<>{"
_UNLIMITED = 2 ** 63 - 1


# ------------------------------------------------------------ name lookup --

def _fold(name):
    return name.lower().replace("-", "_")


def find_table(tables, name):
    folded = _fold(name)
    exact = [t for t in tables if _fold(t) == folded]
    if exact:
        return tables[exact[0]]
    matches = sorted(t for t in tables if _fold(t).startswith(folded))
    if len(matches) == 1:
        return tables[matches[0]]
    if matches:
        raise VsctlError('"%s" matches multiple table names: %s'
                         % (name, ", ".join(matches)))
    raise VsctlError('unknown table "%s"' % name)


def find_column(table, name):
    """Returns the column name matching `name` ("_uuid" included)."""
    names = ["_uuid"] + sorted(table.columns)
    folded = _fold(name)
    exact = [c for c in names if _fold(c) == folded]
    if exact:
        return exact[0]
    matches = [c for c in names if _fold(c).startswith(folded)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise VsctlError('%s contains more than one column whose name matches '
                         '"%s": %s' % (table.name, name, ", ".join(matches)))
    raise VsctlError('%s does not contain a column whose name matches "%s"'
                     % (table.name, name))


def column_type(table, column):
    if column == "_uuid":
        return types.Type(types.BaseType(types.UuidType))
    return table.columns[column].type


def read_column(ctx, row, column):
    if column == "_uuid":
        return Datum(column_type(row._table, column),
                     {vd.Atom(types.UuidType, row.uuid): None})
    return ctx.read(row, column)


def _single_string(datum):
    if len(datum.values) == 1:
        atom = next(iter(datum.values))
        if atom.type == types.StringType:
            return atom.value
    return None


def _rows_named(ctx, rule, record):
    if rule.name_column is None:
        if record != ".":
            return []
        rows = ctx.rows(rule.table)
        return rows[:1]
    column_schema = ctx.tables[rule.table].columns[rule.name_column]
    matches = []
    for row in ctx.rows(rule.table):
        datum = ctx.read(row, rule.name_column)
        if column_schema.type.key.type == types.StringType:
            if _single_string(datum) == record:
                matches.append(row)
        elif any(vd.atom_to_string(a) == record for a in datum.values):
            matches.append(row)
    return matches


def get_row(ctx, table, record):
    """Finds the row of `table` that `record` names, or None."""
    if vd.is_uuid(record):
        row = ctx.row_by_uuid(table.name, uuidlib.UUID(record))
        if row is not None:
            return row
    rule = ROW_ID_RULES.get(table.name)
    if rule is not None:
        named = _rows_named(ctx, rule, record)
        if len(named) > 1:
            raise VsctlError('multiple rows in %s match "%s"'
                             % (rule.table, record))
        if named:
            if rule.via_column is None:
                return named[0]
            refs = ctx.read(named[0], rule.via_column)
            if len(refs.values) == 1:
                ref_uuid = next(iter(refs.values)).value
                row = ctx.row_by_uuid(table.name, ref_uuid)
                if row is not None:
                    return row
    if len(record) >= 4 and all(c in "0123456789abcdefABCDEF-" for c in record):
        prefix = record.lower()
        found = [row for row in ctx.rows(table.name)
                 if str(row.uuid).startswith(prefix)]
        if len(found) > 1:
            raise VsctlError('%s contains %d rows with UUIDs that start with '
                             '"%s"' % (table.name, len(found), record))
        if found:
            return found[0]
    return None


def must_get_row(ctx, table, record, if_exists=False):
    row = get_row(ctx, table, record)
    if row is None and not if_exists:
        raise VsctlError('no row "%s" in table %s' % (record, table.name))
    return row


# ------------------------------------------------ column[:key]OPvalue args --

@dataclass
class ColumnArg:
    column: str
    key: object = None        # Atom, when a key was given
    operator: str = None
    value: str = None


def parse_column_key_value(arg, table, operators, ctx=None):
    """Splits `arg` into column, optional key atom, operator and value text.

    `operators` is () when no value is expected."""
    extra = _OPERATOR_CHARS if len(operators) > 1 else ""
    name, pos = vd.read_token(arg, 0, extra)
    if not name:
        raise VsctlError("%s: missing column name" % arg)
    if name.startswith('"'):
        name = vd.json_unquote(name)
    column = find_column(table, name)
    key = None
    if pos < len(arg) and arg[pos] == ":":
        key_text, pos = vd.read_token(arg, pos + 1, extra)
        ctype = column_type(table, column)
        key = vd.atoms_from_token(key_text, ctype.key,
                                  ctx.resolve_symbol if ctx else None)[0]
    if not operators:
        if pos != len(arg):
            raise VsctlError('%s: trailing garbage "%s" in argument'
                             % (arg, arg[pos:]))
        return ColumnArg(column, key)
    best = None
    for op in operators:
        if arg.startswith(op, pos) and (best is None or len(op) > len(best)):
            best = op
    value = arg[pos + len(best):] if best else ""
    if best is None or not value:
        if len(operators) == 1:
            wanted = '"%s"' % operators[0]
        else:
            quoted = ['"%s"' % op for op in operators]
            wanted = ", ".join(quoted[:-1]) + ", or " + quoted[-1]
        raise VsctlError("%s: argument does not end in %s followed by a "
                         "value." % (arg, wanted))
    return ColumnArg(column, key, best, value)


def check_mutable(table, column):
    if column == "_uuid" or not table.columns[column].mutable:
        raise VsctlError("cannot modify read-only column %s in table %s"
                         % (column, table.name))


def _parse_atom(ctx, text, base):
    try:
        return vd.atom_from_string(text, base, ctx.resolve_symbol)
    except vd.ValueSyntaxError as e:
        raise VsctlError(str(e))


def _parse_datum(ctx, text, type_):
    try:
        return vd.datum_from_string(text, type_, ctx.resolve_symbol)
    except vd.ValueSyntaxError as e:
        raise VsctlError(str(e))


def set_column(ctx, row, arg):
    """Applies one `column[:key]=value` argument to `row` (set/create/add-port)."""
    table = row._table
    try:
        parsed = parse_column_key_value(arg, table, ("=",), ctx)
    except vd.ValueSyntaxError as e:
        raise VsctlError(str(e))
    check_mutable(table, parsed.column)
    ctype = table.columns[parsed.column].type
    if parsed.key is not None:
        if not ctype.is_map():
            raise VsctlError("cannot specify key to set for non-map column %s"
                             % parsed.column)
        value = _parse_atom(ctx, parsed.value, ctype.value)
        datum = ctx.read(row, parsed.column)
        values = dict(datum.values)
        values[parsed.key] = value
        ctx.write(row, parsed.column, Datum(ctype, values))
    else:
        ctx.write(row, parsed.column, _parse_datum(ctx, parsed.value, ctype))
    ctx.invalidate_model()


# ------------------------------------------------------------ conditions --

def _compare_3way(a, b):
    """Orders two datums of one type the way ovs-vsctl's find does."""
    if len(a.values) != len(b.values):
        return -1 if len(a.values) < len(b.values) else 1
    akeys, bkeys = sorted(a.values), sorted(b.values)
    for x, y in zip(akeys, bkeys):
        if x != y:
            return -1 if x < y else 1
    if a.type.is_map():
        for x, y in zip(akeys, bkeys):
            ax, by = a.values[x], b.values[y]
            if ax != by:
                return -1 if ax < by else 1
    return 0


def _includes_all(outer, inner):
    for key, value in inner.values.items():
        if key not in outer.values:
            return False
        if inner.type.is_map() and outer.values[key] != value:
            return False
    return True


def _excludes_all(a, b):
    for key, value in b.values.items():
        if key in a.values and (not b.type.is_map()
                                or a.values[key] == value):
            return False
    return True


def _evaluate(op, have, want):
    if op in ARITH_OPERATORS:
        cmp = _compare_3way(have, want)
        return {"=": cmp == 0, "!=": cmp != 0, "<": cmp < 0, ">": cmp > 0,
                "<=": cmp <= 0, ">=": cmp >= 0}[op]
    if op == "{=}":
        return _compare_3way(have, want) == 0
    if op == "{!=}":
        return _compare_3way(have, want) != 0
    if op in ("{<=}", "{in}"):
        return _includes_all(want, have)
    if op == "{<}":
        return _includes_all(want, have) and _compare_3way(have, want) != 0
    if op == "{>=}":
        return _includes_all(have, want)
    if op == "{>}":
        return _includes_all(have, want) and _compare_3way(have, want) != 0
    return _excludes_all(have, want)   # {not-in}


@dataclass
class Condition:
    column: str
    key: object
    operator: str
    want: Datum


def parse_condition(ctx, table, arg):
    try:
        parsed = parse_column_key_value(arg, table, _ALL_OPERATORS, ctx)
    except vd.ValueSyntaxError as e:
        raise VsctlError(str(e))
    ctype = column_type(table, parsed.column)
    if parsed.key is not None:
        if not ctype.is_map():
            raise VsctlError("cannot specify key to check for non-map column "
                             "%s" % parsed.column)
        want_type = types.Type(ctype.value, None, 1,
                               1 if parsed.operator in ARITH_OPERATORS
                               else _UNLIMITED)
    else:
        want_type = ctype
    want = _parse_datum(ctx, parsed.value, want_type)
    return Condition(parsed.column, parsed.key, parsed.operator, want)


def condition_holds(ctx, row, cond):
    have = read_column(ctx, row, cond.column)
    if cond.key is not None:
        value = have.values.get(cond.key, None) \
            if cond.key in have.values else None
        if value is None and cond.operator in ARITH_OPERATORS:
            return False
        have = Datum(cond.want.type, {} if value is None else {value: None})
    return _evaluate(cond.operator, have, cond.want)


# -------------------------------------------------------------- commands --

def _table_columns(ctx, table, columns_option):
    if columns_option is None:
        return ["_uuid"] + sorted(table.columns)
    names = [c for c in columns_option.split(",") if c]
    if not names:
        raise VsctlError("must specify at least one column name")
    return [find_column(table, name) for name in names]


def _add_rows(ctx, command, table, columns, rows):
    if command.table is None:
        command.table = Table(list(columns))
    for row in rows:
        command.table.rows.append([read_column(ctx, row, c) for c in columns])


def cmd_list(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    columns = _table_columns(ctx, table, command.options.get("--columns"))
    if_exists = "--if-exists" in command.options
    if len(command.args) > 1:
        rows = []
        for record in command.args[1:]:
            row = must_get_row(ctx, table, record, if_exists)
            if row is not None:
                rows.append(row)
    else:
        rows = ctx.rows(table.name)
    _add_rows(ctx, command, table, columns, rows)


def cmd_find(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    columns = _table_columns(ctx, table, command.options.get("--columns"))
    conds = [parse_condition(ctx, table, arg) for arg in command.args[1:]]
    rows = [row for row in ctx.rows(table.name)
            if all(condition_holds(ctx, row, c) for c in conds)]
    _add_rows(ctx, command, table, columns, rows)


def cmd_get(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    record = command.args[1]
    row_id = command.options.get("--id")
    if_exists = "--if-exists" in command.options
    if row_id is not None and if_exists:
        raise VsctlError("--if-exists and --id may not be specified together")
    row = must_get_row(ctx, table, record, if_exists)
    if row is None:
        return
    if row_id is not None:
        sym = ctx.define_symbol(row_id)
        sym.uuid = row.uuid
        sym.strong_ref = True
    for arg in command.args[2:]:
        try:
            parsed = parse_column_key_value(arg, table, (), ctx)
        except vd.ValueSyntaxError as e:
            raise VsctlError(str(e))
        datum = read_column(ctx, row, parsed.column)
        if parsed.key is None:
            ctx.put(vd.datum_to_string(datum) + "\n")
            continue
        if not datum.type.is_map():
            raise VsctlError("cannot specify key to get for non-map column %s"
                             % parsed.column)
        if parsed.key in datum.values:
            ctx.put(vd.atom_to_string(datum.values[parsed.key]) + "\n")
        elif if_exists:
            ctx.put("\n")
        else:
            raise VsctlError('no key "%s" in %s record "%s" column %s'
                             % (vd.atom_to_string(parsed.key), table.name,
                                record, parsed.column))


def cmd_set(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    row = must_get_row(ctx, table, command.args[1],
                       "--if-exists" in command.options)
    if row is None:
        return
    for arg in command.args[2:]:
        set_column(ctx, row, arg)


def _modify_prologue(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    row = must_get_row(ctx, table, command.args[1],
                       "--if-exists" in command.options)
    if row is None:
        return None, None, None
    column = find_column(table, command.args[2])
    check_mutable(table, column)
    return table, row, column


def cmd_add(ctx, command):
    table, row, column = _modify_prologue(ctx, command)
    if row is None:
        return
    ctype = table.columns[column].type
    add_type = types.Type(ctype.key, ctype.value, 1, _UNLIMITED)
    values = dict(ctx.read(row, column).values)
    for arg in command.args[3:]:
        datum = _parse_datum(ctx, arg, add_type)
        values.update(datum.values)
    ctx.write(row, column, Datum(ctype, values))
    ctx.invalidate_model()


def cmd_remove(ctx, command):
    table, row, column = _modify_prologue(ctx, command)
    if row is None:
        return
    ctype = table.columns[column].type
    rm_type = types.Type(ctype.key, ctype.value, 1, _UNLIMITED)
    values = dict(ctx.read(row, column).values)
    for arg in command.args[3:]:
        try:
            datum = _parse_datum(ctx, arg, rm_type)
            pairs = True
        except VsctlError:
            if not ctype.is_map():
                raise
            key_type = types.Type(ctype.key, None, 1, _UNLIMITED)
            datum = _parse_datum(ctx, arg, key_type)
            pairs = False
        for key, value in datum.values.items():
            if key in values and (not pairs or not ctype.is_map()
                                  or values[key] == value):
                del values[key]
    if len(values) < ctype.n_min:
        raise VsctlError('"remove" operation would put %d %s in column %s of '
                         'table %s but the minimum number is %d'
                         % (len(values), "pairs" if ctype.is_map()
                            else "values", column, table.name, ctype.n_min))
    ctx.write(row, column, Datum(ctype, values))
    ctx.invalidate_model()


def cmd_clear(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    row = must_get_row(ctx, table, command.args[1],
                       "--if-exists" in command.options)
    if row is None:
        return
    for name in command.args[2:]:
        column = find_column(table, name)
        check_mutable(table, column)
        ctype = table.columns[column].type
        if ctype.n_min > 0:
            raise VsctlError('"clear" operation cannot be applied to column %s '
                             'of table %s, which is not allowed to be empty'
                             % (column, table.name))
        ctx.write(row, column, Datum(ctype, {}))
    ctx.invalidate_model()


def cmd_create(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    row_id = command.options.get("--id")
    if row_id is not None and vd.is_uuid(row_id):
        row = ctx.insert(table.name, uuidlib.UUID(row_id), persist=True)
    elif row_id is not None:
        sym = ctx.define_symbol(row_id)
        row = ctx.insert(table.name, sym.uuid)
    else:
        if not table.is_root:
            ctx.logger.warn("db_ctl_base", 'applying "create" command to '
                            'table %s without --id option will have no effect'
                            % table.name)
        row = ctx.insert(table.name)
    for arg in command.args[1:]:
        set_column(ctx, row, arg)
    command.state = row.uuid
    ctx.invalidate_model()


def post_create(ctx, command):
    ctx.put("%s\n" % ctx.final_uuid(command.state))


def cmd_destroy(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    records = command.args[1:]
    if "--all" in command.options:
        if records:
            raise VsctlError("--all and records argument should not be "
                             "specified together")
        rows = ctx.rows(table.name)
    elif not records:
        ctx.logger.warn("db_ctl_base", "either --all or records argument "
                        "should be specified")
        rows = []
    else:
        rows = []
        for record in records:
            row = must_get_row(ctx, table, record,
                               "--if-exists" in command.options)
            if row is not None:
                rows.append(row)
    for row in rows:
        if row.uuid in ctx.tables[table.name].rows:
            ctx.delete(row)
    ctx.invalidate_model()


def cmd_wait_until(ctx, command):
    table = find_table(ctx.tables, command.args[0])
    row = get_row(ctx, table, command.args[1])
    if row is None:
        raise TryAgain()
    for arg in command.args[2:]:
        if not condition_holds(ctx, row, parse_condition(ctx, table, arg)):
            raise TryAgain()


def cmd_comment(ctx, command):
    """Has no effect; the invocation is recorded in the transaction."""
