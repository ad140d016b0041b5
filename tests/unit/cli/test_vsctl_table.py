"""Table rendering for list/find in every --format."""
from ovs.db import types

import pyvswitch  # noqa: F401
from pyvswitch.cli import vsctl_datum as vd
from pyvswitch.cli.vsctl_table import Table, TableStyle, render

VLANS = types.Type.from_json({"key": "integer", "min": 0, "max": 4096})
UUID_TYPE = types.Type.from_json("uuid")
U = "cf747075-fa34-4539-ae6f-bfef130481de"


def _table():
    return Table(["name", "trunks", "_uuid"], [
        [vd.datum_from_string("p0", types.Type.from_json("string")),
         vd.datum_from_string("1,2", VLANS),
         vd.datum_from_string(U, UUID_TYPE)]])


def test_list_format():
    assert render(_table(), TableStyle()) == (
        "name                : p0\ntrunks              : [1, 2]\n"
        "_uuid               : %s\n" % U)


def test_table_format_trims_trailing_spaces_and_truncates():
    out = render(_table(), TableStyle(format="table", max_column_width=3))
    assert out.splitlines() == ["name trunks _uuid", "---- ------ -----",
                                "p0   [1, 2] cf747"]


def test_csv_quotes_commas_and_quotes():
    out = render(_table(), TableStyle(format="csv"))
    assert out == 'name,trunks,_uuid\np0,"[1, 2]",%s\n' % U


def test_html_links_uuids():
    out = render(_table(), TableStyle(format="html", headings=False))
    assert '<td><a name="%s">cf747075</a></td>' % U in out
    assert "<th>" not in out


def test_json_keeps_headings_and_uses_rfc7047_cells():
    out = render(_table(), TableStyle(format="json", headings=False))
    assert out == ('{"data":[["p0",["set",[1,2]],["uuid","%s"]]],'
                   '"headings":["name","trunks","_uuid"]}\n' % U)


def test_bare_data():
    out = render(_table(), TableStyle(data="bare", headings=False))
    assert out == "p0\n1 2\n%s\n" % U
