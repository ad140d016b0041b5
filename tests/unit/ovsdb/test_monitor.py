"""Monitor formatting: what update/update2/update3 carry for committed changes (RFC 7047 4.1.6,
ovsdb-server(7) 4.1.12-4.1.16), written against stand-in rows so only monitor.py is exercised."""
import json
import uuid
from typing import NamedTuple

import pytest

import pyvswitch  # noqa: F401  (must precede any ovs import)
import ovs.db.data
import ovs.db.schema

from pyvswitch.ovsdb.monitor import (
    UPDATE, UPDATE2, UPDATE3, Monitor, MonitorRequestError, TxnHistory, merge_changes,
)

SCHEMA = ovs.db.schema.DbSchema.from_json({
    "name": "Test", "version": "1.0.0",
    "tables": {
        "T": {"columns": {
            "name": {"type": "string"},
            "n": {"type": "integer"},
            "opt": {"type": {"key": "string", "min": 0, "max": 1}},
            "s": {"type": {"key": "integer", "min": 0, "max": "unlimited"}},
            "m": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
        }},
        "U": {"columns": {"x": {"type": "integer"}}},
    },
})


class Row:
    def __init__(self, row_uuid, table="T", **values):
        self.uuid = row_uuid
        self.version = uuid.uuid4()
        self.json_cache = None          # as pyvswitch.ovsdb.rows.Row
        columns = SCHEMA.tables[table].columns
        self.data = {}
        for name, column in columns.items():
            if name in values:
                self.data[name] = ovs.db.data.Datum.from_json(column.type, values[name])
            else:
                empty = ["map", []] if column.type.is_map() else ["set", []]
                default = empty if column.type.n_min == 0 else (
                    0 if column.type.key.type.name == "integer" else "")
                self.data[name] = ovs.db.data.Datum.from_json(column.type, default)


def initial(mon, tables):
    """The monitor's initial reply (serialized JSON text), parsed."""
    return json.loads(mon.initial(tables))


class RowChange(NamedTuple):
    old: object
    new: object


U1 = uuid.UUID("11111111-1111-1111-1111-111111111111")
U2 = uuid.UUID("22222222-2222-2222-2222-222222222222")


def one(table, row_uuid, old, new):
    return {table: {row_uuid: RowChange(old, new)}}


# ---- update (flavour 1) ------------------------------------------------------------------

def test_update_initial_insert_delete_carry_all_monitored_columns():
    mon = Monitor(SCHEMA, "m", UPDATE, {"T": {"columns": ["name", "s"]}})
    row = Row(U1, name="a")
    assert initial(mon, {"T": {U1: row}}) == {
        "T": {str(U1): {"new": {"name": "a", "s": ["set", []]}}}}
    assert mon.updates_for(one("T", U1, None, row)) == {
        "T": {str(U1): {"new": {"name": "a", "s": ["set", []]}}}}
    assert mon.updates_for(one("T", U1, row, None)) == {
        "T": {str(U1): {"old": {"name": "a", "s": ["set", []]}}}}


def test_update_modify_old_has_only_changed_columns():
    mon = Monitor(SCHEMA, "m", UPDATE, {"T": {"columns": ["name", "n", "m"]}})
    old = Row(U1, name="a", n=1, m=["map", [["k", "v"]]])
    new = Row(U1, name="a", n=2, m=["map", [["k", "v"]]])
    assert mon.updates_for(one("T", U1, old, new)) == {"T": {str(U1): {
        "new": {"name": "a", "n": 2, "m": ["map", [["k", "v"]]]},
        "old": {"n": 1}}}}


def test_update_modify_of_unmonitored_column_is_silent():
    mon = Monitor(SCHEMA, "m", UPDATE, {"T": {"columns": ["name"]}})
    assert mon.updates_for(one("T", U1, Row(U1, name="a", n=1), Row(U1, name="a", n=2))) == {}


def test_update_default_columns_include_version():
    mon = Monitor(SCHEMA, "m", UPDATE, {"T": {}})
    row = Row(U1, name="a")
    new = initial(mon, {"T": {U1: row}})["T"][str(U1)]["new"]
    assert set(new) == {"name", "n", "opt", "s", "m", "_version"}
    assert new["_version"] == ["uuid", str(row.version)]


def test_select_flags_filter_notification_kinds():
    mon = Monitor(SCHEMA, "m", UPDATE, {"T": {"select": {"initial": False, "delete": False}}})
    row = Row(U1, name="a")
    assert initial(mon, {"T": {U1: row}}) == {}
    assert mon.updates_for(one("T", U1, row, None)) == {}
    assert str(U1) in mon.updates_for(one("T", U1, None, row))["T"]


def test_unmonitored_table_changes_are_ignored():
    mon = Monitor(SCHEMA, "m", UPDATE, {"U": {}})
    assert mon.updates_for(one("T", U1, None, Row(U1, name="a"))) == {}


# ---- update2 / update3 -------------------------------------------------------------------

def test_update2_initial_and_insert_omit_default_columns():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["name", "n", "opt", "s"]}]})
    row = Row(U1, name="a", n=0, s=["set", [3]])
    assert initial(mon, {"T": {U1: row}}) == {"T": {str(U1): {"initial": {"name": "a",
                                                                         "s": 3}}}}
    assert mon.updates_for(one("T", U1, None, row)) == {
        "T": {str(U1): {"insert": {"name": "a", "s": 3}}}}
    assert mon.updates_for(one("T", U1, row, None)) == {"T": {str(U1): {"delete": None}}}


def test_update2_modify_diffs_sets_maps_and_single_values():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["name", "n", "opt", "s", "m"]}]})
    old = Row(U1, name="a", n=1, opt="x", s=["set", [1, 2]],
              m=["map", [["a", "1"], ["b", "2"], ["c", "3"]]])
    new = Row(U1, name="a", n=5, opt=["set", []], s=["set", [2, 3]],
              m=["map", [["a", "1"], ["b", "9"], ["d", "4"]]])
    assert mon.updates_for(one("T", U1, old, new)) == {"T": {str(U1): {"modify": {
        "n": 5,
        "opt": ["set", []],
        "s": ["set", [1, 3]],
        "m": ["map", [["b", "9"], ["c", "3"], ["d", "4"]]],
    }}}}


def test_update2_optional_value_replaced_is_sent_as_new_value():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["opt"]}]})
    diff = mon.updates_for(one("T", U1, Row(U1, opt="x"), Row(U1, opt="y")))
    assert diff == {"T": {str(U1): {"modify": {"opt": "y"}}}}


def test_update2_unchanged_row_is_silent():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["name"]}]})
    assert mon.updates_for(one("T", U1, Row(U1, name="a", n=1), Row(U1, name="a", n=2))) == {}


def test_conditions_are_a_disjunction_and_moves_become_insert_or_delete():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["name", "n"], "where": [
        ["name", "==", "a"], ["n", ">", 10]]}]})
    a, b, big = Row(U1, name="a"), Row(U2, name="b"), Row(U2, name="b", n=11)
    assert set(initial(mon, {"T": {U1: a, U2: b}})["T"]) == {str(U1)}
    assert mon.updates_for(one("T", U2, b, big)) == {
        "T": {str(U2): {"insert": {"name": "b", "n": 11}}}}
    assert mon.updates_for(one("T", U2, big, b)) == {"T": {str(U2): {"delete": None}}}
    assert mon.updates_for(one("T", U2, None, b)) == {}


@pytest.mark.parametrize("clause, row, expected", [
    (["s", "includes", ["set", [1, 2]]], {"s": ["set", [1, 2, 3]]}, True),
    (["s", "includes", 4], {"s": ["set", [1, 2, 3]]}, False),
    (["s", "excludes", 4], {"s": ["set", [1, 2, 3]]}, True),
    (["m", "includes", ["map", [["a", "1"]]]], {"m": ["map", [["a", "1"], ["b", "2"]]]}, True),
    (["m", "includes", ["map", [["a", "2"]]]], {"m": ["map", [["a", "1"]]]}, False),
    (["opt", "==", ["set", []]], {}, True),
    (["opt", "!=", "x"], {"opt": "x"}, False),
    (["n", "<=", 3], {"n": 3}, True),
    (["_uuid", "==", ["uuid", str(U1)]], {}, True),
    (False, {}, False),
])
def test_condition_functions(clause, row, expected):
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"columns": ["name"], "where": [clause]}]})
    assert bool(initial(mon, {"T": {U1: Row(U1, name="r", **row)}})) is expected


def test_empty_where_matches_everything():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{"where": []}]})
    assert str(U1) in initial(mon, {"T": {U1: Row(U1, name="a")}})["T"]


def test_change_conditions_reports_rows_entering_and_leaving():
    mon = Monitor(SCHEMA, "m1", UPDATE3, {"T": [{"columns": ["name"],
                                                "where": [["name", "==", "a"]]}]})
    tables = {"T": {U1: Row(U1, name="a"), U2: Row(U2, name="b")}}
    updates = mon.change_conditions("m2", {"T": [{"where": [["name", "==", "b"]]}]}, tables)
    assert updates == {"T": {str(U1): {"delete": None}, str(U2): {"insert": {"name": "b"}}}}
    assert mon.monitor_id == "m2"
    assert mon.updates_for(one("T", U1, tables["T"][U1], None)) == {}


@pytest.mark.parametrize("flavour, requests, details, error", [
    (UPDATE, [], "monitor-requests must be object", "syntax error"),
    (UPDATE, {"Nope": {}}, "no table named Nope", "syntax error"),
    (UPDATE, {"T": {"columns": ["name", "zz"]}}, "zz is not a valid column name",
     "syntax error"),
    (UPDATE, {"T": [{"columns": ["name"]}, {"columns": ["name"]}]},
     "column name mentioned more than once", "syntax error"),
    (UPDATE, {"T": {"where": []}},
     "Parsing table T failed: Member 'where' is present but not allowed here.",
     "syntax error"),
    (UPDATE2, {"T": {"select": {"initial": 1}}},
     "Parsing table T select failed: Type mismatch for member 'initial'.", "syntax error"),
    (UPDATE2, {"T": {"where": [["zz", "==", 1]]}}, "No column zz in table T.",
     "unknown column"),
    (UPDATE2, {"T": {"where": [["name", "xx", "a"]]}}, "No function named xx.",
     "unknown function"),
    (UPDATE2, {"T": {"where": [["name", "==", 1]]}}, "expected string", "syntax error"),
    (UPDATE2, {"T": {"where": [True, "x"]}}, "Parse error in condition.", "syntax error"),
])
def test_bad_requests_get_ovsdb_server_errors(flavour, requests, details, error):
    with pytest.raises(MonitorRequestError) as info:
        Monitor(SCHEMA, "m", flavour, requests)
    assert info.value.to_json()["details"] == details
    assert info.value.to_json()["error"] == error


def test_change_conditions_cannot_change_columns():
    mon = Monitor(SCHEMA, "m", UPDATE2, {"T": [{}]})
    with pytest.raises(MonitorRequestError, match="changing columns is unsupported"):
        mon.change_conditions("m", {"T": [{"columns": ["name"]}]}, {})
    with pytest.raises(MonitorRequestError, match="no table named U in monitor session"):
        mon.change_conditions("m", {"U": [{"where": []}]}, {})


# ---- history -----------------------------------------------------------------------------

def test_merge_changes_keeps_first_old_and_last_new_and_drops_transients():
    a1, a2, a3 = Row(U1, name="a", n=1), Row(U1, name="a", n=2), Row(U1, name="a", n=3)
    b = Row(U2, name="b")
    merged = merge_changes([one("T", U1, a1, a2), one("T", U1, a2, a3),
                            one("T", U2, None, b), one("T", U2, b, None)])
    assert merged == {"T": {U1: RowChange(a1, a3)}}


def test_history_answers_known_ids_and_forgets_old_ones():
    history = TxnHistory(limit=3)
    start = history.last_id
    row = Row(U1, name="a")
    first = history.record(one("T", U1, None, row))
    assert history.changes_since(start) == {"T": {U1: RowChange(None, row)}}
    assert history.changes_since(first) == {}
    history.record({})
    history.record({})
    assert history.changes_since(start) is None
    assert history.changes_since(uuid.uuid4()) is None
    assert history.changes_since(first) == {}
