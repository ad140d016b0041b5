"""The `show` command: ovs-vsctl's indented overview of the database.

Starting at the Open_vSwitch row, each table in SHOW_LAYOUT prints its
listed columns in order: a reference into another laid-out table prints each
referenced row as "Table name" one level deeper (rows in UUID order, as
ovs-vsctl's sorted sets yield them); any other column prints "column: value"
unless it holds its default value.
"""
from pyvswitch.cli import vsctl_datum as vd

SHOW_LAYOUT = {
    "Open_vSwitch": (None, ("manager_options", "bridges", "ovs_version")),
    "Bridge": ("name", ("controller", "fail_mode", "datapath_type", "ports")),
    "Port": ("name", ("tag", "trunks", "interfaces")),
    "Interface": ("name", ("type", "options", "error")),
    "Controller": ("target", ("is_connected",)),
    "Manager": ("target", ("is_connected",)),
}


def _show_row(ctx, row, depth, out):
    _, columns = SHOW_LAYOUT[row._table.name]
    indent = "    " * (depth + 1)
    for column in columns:
        if column not in row._table.columns:
            continue
        datum = ctx.read(row, column)
        ref_table = row._table.columns[column].type.key.ref_table_name
        if ref_table in SHOW_LAYOUT:
            name_column = SHOW_LAYOUT[ref_table][0]
            for atom in sorted(datum.values):
                ref = ctx.row_by_uuid(ref_table, atom.value)
                if ref is None:
                    continue
                out.append("%s%s %s\n" % (
                    indent, ref_table,
                    vd.datum_to_string(ctx.read(ref, name_column))))
                _show_row(ctx, ref, depth + 1, out)
        elif not vd.is_default(datum):
            out.append("%s%s: %s\n" % (indent, column,
                                       vd.datum_to_string(datum)))


def cmd_show(ctx, command):
    root = ctx.root()
    if root is None:
        return
    out = ["%s\n" % root.uuid]
    _show_row(ctx, root, 0, out)
    ctx.put("".join(out))
