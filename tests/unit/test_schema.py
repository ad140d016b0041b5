"""The Open_vSwitch schema we ship must be the one stock OVS 3.1 clients expect.

Our schema is written from ovs-vswitchd.conf.db(5); these tests hold it to that contract by
parsing it with python-ovs and, where the distribution's schema is installed, comparing every
table and column property that changes what an OVSDB server or client does.
"""
import json
import os
import shutil
import subprocess

import pytest

import pyvswitch  # noqa: F401  (must precede any ovs import)
import ovs.db.schema
from pyvswitch.dirs import schema_path

STOCK_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"

EXPECTED_TABLES = {
    "Open_vSwitch", "Bridge", "Port", "Interface", "Flow_Table", "QoS", "Queue", "Mirror",
    "NetFlow", "sFlow", "IPFIX", "Flow_Sample_Collector_Set", "Controller", "Manager", "SSL",
    "AutoAttach", "Datapath", "CT_Zone", "CT_Timeout_Policy",
}


def _load_json(path):
    with open(path) as f:
        return json.load(f)


def _parse(schema_json):
    return ovs.db.schema.DbSchema.from_json(schema_json)


def _type_text(column):
    return json.dumps(column.type.to_json(), sort_keys=True)


def _declared_ephemeral(schema_json, table, column):
    return schema_json["tables"][table]["columns"][column].get("ephemeral", False)


def _index_sets(table):
    return {frozenset(column.name for column in index) for index in table.indexes}


def _table_differences(name, ours, stock):
    differences = []
    for prop in ("is_root", "max_rows", "mutable"):
        if getattr(ours, prop) != getattr(stock, prop):
            differences.append(f"{name}: {prop} ours={getattr(ours, prop)!r} "
                               f"stock={getattr(stock, prop)!r}")
    if _index_sets(ours) != _index_sets(stock):
        differences.append(f"{name}: indexes ours={sorted(map(sorted, _index_sets(ours)))} "
                           f"stock={sorted(map(sorted, _index_sets(stock)))}")
    return differences


def _column_differences(where, ours, stock, ours_ephemeral, stock_ephemeral):
    differences = []
    if _type_text(ours) != _type_text(stock):
        differences.append(f"{where}: type ours={_type_text(ours)} stock={_type_text(stock)}")
    if ours.mutable != stock.mutable:
        differences.append(f"{where}: mutable ours={ours.mutable} stock={stock.mutable}")
    if ours_ephemeral != stock_ephemeral:
        differences.append(f"{where}: ephemeral ours={ours_ephemeral} stock={stock_ephemeral}")
    return differences


def schema_differences(ours_json, stock_json):
    """Every behavioural difference between two Open_vSwitch schemas, one line each."""
    ours, stock = _parse(ours_json), _parse(stock_json)
    differences = []
    if ours.name != stock.name:
        differences.append(f"schema name ours={ours.name!r} stock={stock.name!r}")
    if ours.version != stock.version:
        differences.append(f"schema version ours={ours.version!r} stock={stock.version!r}")
    for name in sorted(set(stock.tables) - set(ours.tables)):
        differences.append(f"{name}: table missing from ours")
    for name in sorted(set(ours.tables) - set(stock.tables)):
        differences.append(f"{name}: table not in stock")
    for name in sorted(set(ours.tables) & set(stock.tables)):
        ours_table, stock_table = ours.tables[name], stock.tables[name]
        differences += _table_differences(name, ours_table, stock_table)
        for column in sorted(set(stock_table.columns) - set(ours_table.columns)):
            differences.append(f"{name}.{column}: column missing from ours")
        for column in sorted(set(ours_table.columns) - set(stock_table.columns)):
            differences.append(f"{name}.{column}: column not in stock")
        for column in sorted(set(ours_table.columns) & set(stock_table.columns)):
            differences += _column_differences(
                f"{name}.{column}", ours_table.columns[column], stock_table.columns[column],
                _declared_ephemeral(ours_json, name, column),
                _declared_ephemeral(stock_json, name, column))
    return differences


@pytest.fixture(scope="module")
def ours_json():
    return _load_json(schema_path())


def test_schema_parses_with_python_ovs(ours_json):
    schema = _parse(ours_json)
    assert schema.name == "Open_vSwitch"
    assert schema.version == "8.3.1"
    assert set(schema.tables) == EXPECTED_TABLES


def test_schema_contract_from_the_manual(ours_json):
    schema = _parse(ours_json)
    tables = schema.tables
    assert tables["Open_vSwitch"].max_rows == 1
    assert tables["SSL"].max_rows == 1
    roots = {name for name, table in tables.items() if table.is_root}
    assert roots == {"Open_vSwitch", "QoS", "Queue", "Flow_Sample_Collector_Set"}
    for name in ("Bridge", "Port", "Interface"):
        assert _index_sets(tables[name]) == {frozenset({"name"})}
        assert tables[name].columns["name"].mutable is False
    assert _index_sets(tables["Manager"]) == {frozenset({"target"})}
    assert _index_sets(tables["Flow_Sample_Collector_Set"]) == {frozenset({"id", "bridge"})}
    mirror = tables["Mirror"].columns
    for column in ("select_src_port", "select_dst_port", "output_port"):
        assert mirror[column].type.key.ref_type == "weak", column
    assert tables["Bridge"].columns["ports"].type.key.ref_type == "strong"
    assert tables["Port"].columns["interfaces"].type.n_min == 1


def test_schema_matches_stock_open_vswitch(ours_json):
    if not os.path.exists(STOCK_SCHEMA):
        pytest.skip(f"{STOCK_SCHEMA} is not installed")
    differences = schema_differences(ours_json, _load_json(STOCK_SCHEMA))
    assert not differences, "schema differs from stock:\n" + "\n".join(differences)


def test_comparison_reports_a_changed_column(ours_json):
    altered = json.loads(json.dumps(ours_json))
    altered["tables"]["Port"]["columns"]["tag"]["type"]["key"]["maxInteger"] = 4094
    altered["tables"]["Interface"]["columns"]["mtu"]["ephemeral"] = False
    del altered["tables"]["Bridge"]["indexes"]
    assert schema_differences(altered, ours_json) == [
        "Bridge: indexes ours=[] stock=[['name']]",
        "Interface.mtu: ephemeral ours=False stock=True",
        'Port.tag: type ours={"key": {"maxInteger": 4094, "minInteger": 0, "type": "integer"}, '
        '"min": 0} stock={"key": {"maxInteger": 4095, "minInteger": 0, "type": "integer"}, '
        '"min": 0}',
    ]


def test_stock_ovsdb_tool_creates_a_database_from_it(tmp_path):
    tool = shutil.which("ovsdb-tool")
    if tool is None:
        pytest.skip("ovsdb-tool is not installed")
    db = tmp_path / "conf.db"
    subprocess.run([tool, "create", str(db), schema_path()], check=True, capture_output=True)
    result = subprocess.run([tool, "db-version", str(db)], check=True, capture_output=True,
                            text=True)
    assert result.stdout.strip() == "8.3.1"
