"""The bridge layer's ConfigReader re-reads only the rows that changed: after any
sequence of database changes its answer must equal that of a reader reading every
row afresh, and a bridge's new configuration must name every interface whose
configuration differs from the one before.

The rows are stand-ins for python-ovs IDL rows: attributes as python-ovs converts
them, and reference columns' raw data (atoms with a `value`), which the reader reads.
"""
import itertools
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from pyvswitch.vswitchd.bridge_layer import ConfigReader


class Atom:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Refs:
    def __init__(self, uuids):
        self.values = {Atom(u): None for u in uuids}


class Table:
    def __init__(self):
        self.rows = {}


class Row:
    def __init__(self, row_uuid, **columns):
        self.uuid = row_uuid
        self._data = {}
        for name, value in columns.items():
            setattr(self, name, value)


class Idl:
    """A database of bridges, ports and interfaces, rebuilt into rows after each change
    with `changed_rows` naming what a python-ovs IDL would have notified."""

    def __init__(self):
        self.tables = {name: Table() for name in ("Open_vSwitch", "Bridge", "Port", "Interface")}
        self.changed_rows = set()
        self.root = uuid.uuid4()
        self.bridges = {}     # uuid -> [name, other_config, port uuids]
        self.ports = {}       # uuid -> [name, tag, iface uuids]
        self.ifaces = {}      # uuid -> [name, type, ofport_request]
        self._names = (f"n{i}" for i in itertools.count())
        self.sync({self.root})

    def new_name(self):
        return next(self._names)

    def sync(self, changed):
        """Rebuilds the rows of the changed records (a deleted record's row goes away)."""
        tables = self.tables
        for u in changed:
            for table, records in (("Bridge", self.bridges), ("Port", self.ports),
                                   ("Interface", self.ifaces)):
                tables[table].rows.pop(u, None)
                if u in records:
                    tables[table].rows[u] = self._row(table, u, records[u])
        bridge_rows = [tables["Bridge"].rows[u] for u in self.bridges]
        tables["Open_vSwitch"].rows[self.root] = Row(self.root, bridges=bridge_rows,
                                                    other_config={})
        self.changed_rows |= set(changed) | {self.root}

    @staticmethod
    def _row(table, u, record):
        if table == "Bridge":
            name, other_config, ports = record
            row = Row(u, name=name, other_config=dict(other_config), datapath_type="",
                      fail_mode=[], flow_tables={})
            row._data["ports"] = Refs(ports)
        elif table == "Port":
            name, tag, ifaces = record
            row = Row(u, name=name, vlan_mode=[], tag=[tag] if tag is not None else [],
                      trunks=[], other_config={})
            row._data["interfaces"] = Refs(ifaces)
        else:
            name, kind, request = record
            row = Row(u, name=name, type=kind, options={}, mtu_request=[], ofport=[],
                      ofport_request=[request] if request is not None else [])
        return row


def apply_change(idl, change, pick):
    """Applies one change kind; `pick` chooses among existing records."""
    bridges, ports, ifaces = idl.bridges, idl.ports, idl.ifaces

    def choose(records):
        return sorted(records, key=str)[pick % len(records)] if records else None

    changed = set()
    if change == "add-bridge" or not bridges:
        u = uuid.uuid4()
        bridges[u] = [idl.new_name(), {}, []]
        changed.add(u)
    elif change == "del-bridge":
        u = choose(bridges)
        del bridges[u]
        changed.add(u)
    elif change == "add-port":
        b, p, i = choose(bridges), uuid.uuid4(), uuid.uuid4()
        ifaces[i] = [idl.new_name(), "", None]
        ports[p] = [idl.new_name(), None, [i]]
        bridges[b][2].append(p)
        changed |= {b, p, i}
    elif change == "add-iface" and ports:
        p, i = choose(ports), uuid.uuid4()
        ifaces[i] = [idl.new_name(), "", None]
        ports[p][2].append(i)
        changed |= {p, i}
    elif change == "del-port" and ports:
        p = choose(ports)
        for b, record in bridges.items():
            if p in record[2]:
                record[2].remove(p)
                changed.add(b)
    elif change == "move-port" and ports:
        p, b = choose(ports), choose(bridges)
        for other, record in bridges.items():
            if p in record[2]:
                record[2].remove(p)
                changed.add(other)
        bridges[b][2].append(p)
        changed.add(b)
    elif change == "share-port" and ports:
        p, b = choose(ports), choose(bridges)
        if p not in bridges[b][2]:
            bridges[b][2].append(p)
            changed.add(b)
    elif change == "retag" and ports:
        p = choose(ports)
        ports[p][1] = pick % 5
        changed.add(p)
    elif change == "retype" and ifaces:
        i = choose(ifaces)
        ifaces[i][1] = ["", "internal", "patch"][pick % 3]
        changed.add(i)
    elif change == "request" and ifaces:
        i = choose(ifaces)
        ifaces[i][2] = pick % 4 or None
        changed.add(i)
    elif change == "rename-iface" and ifaces:
        # Names clash at times, as they may across bridges or within one port list.
        i = choose(ifaces)
        ifaces[i][0] = choose([record[0] for record in ifaces.values()])
        changed.add(i)
    elif change == "replace-iface" and ifaces:
        old = choose(ifaces)
        new = uuid.uuid4()
        ifaces[new] = ifaces.pop(old)
        for p, record in ports.items():
            if old in record[2]:
                record[2][record[2].index(old)] = new
                changed.add(p)
        changed |= {old, new}
    elif change == "bridge-setting":
        b = choose(bridges)
        bridges[b][1] = {"mac-aging-time": str(pick)}
        changed.add(b)
    # Ports and interfaces no bridge uses are garbage, as in the database.
    used_ports = {p for record in bridges.values() for p in record[2]}
    for p in [p for p in ports if p not in used_ports]:
        changed |= {p, *ports.pop(p)[2]}
    used_ifaces = {i for record in ports.values() for i in record[2]}
    for i in [i for i in ifaces if i not in used_ifaces]:
        del ifaces[i]
        changed.add(i)
    idl.sync(changed)


def as_values(bridges):
    return {name: (config.other_config, config.datapath_type, dict(config.ifaces))
            for name, config in bridges.items()}


CHANGES = ["add-bridge", "del-bridge", "add-port", "add-iface", "del-port", "move-port",
           "share-port", "retag", "retype", "request", "rename-iface", "replace-iface",
           "bridge-setting"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CHANGES), st.integers(0, 50)), max_size=25))
def test_reading_only_changed_rows_gives_what_reading_everything_gives(changes):
    idl = Idl()
    reader = ConfigReader()
    _, previous = reader.read(idl)
    for change, pick in changes:
        apply_change(idl, change, pick)
        _, bridges = reader.read(idl)
        everything = Idl.__new__(Idl)
        everything.tables = idl.tables
        everything.changed_rows = set()
        _, expected = ConfigReader().read(everything)
        assert as_values(bridges) == as_values(expected)
        for name, config in bridges.items():
            before = previous.get(name)
            if before is None or config is before:
                continue
            differing = {n for n in config.ifaces.keys() | before.ifaces.keys()
                         if config.ifaces.get(n) is not before.ifaces.get(n)}
            if config.derived_from is not None and config.derived_from[0] == before.serial:
                assert differing <= config.derived_from[1]
        previous = bridges


def test_unchanged_bridges_come_back_as_the_same_objects():
    idl = Idl()
    apply_change(idl, "add-bridge", 0)
    apply_change(idl, "add-bridge", 0)
    for pick in (0, 0, 0, 1):       # three ports on one bridge, one on the other
        apply_change(idl, "add-port", pick)
    quiet, busy = sorted(idl.bridges, key=lambda b: len(idl.bridges[b][2]))
    reader = ConfigReader()
    _, first = reader.read(idl)
    retagged = idl.bridges[busy][2][0]
    idl.ports[retagged][1] = 7
    idl.sync({retagged})
    _, second = reader.read(idl)
    quiet_name, busy_name = idl.bridges[quiet][0], idl.bridges[busy][0]
    assert second[quiet_name] is first[quiet_name]
    retagged_iface = idl.ifaces[idl.ports[retagged][2][0]][0]
    assert second[busy_name].ifaces[retagged_iface].vlan[1] == 7
    assert second[busy_name].derived_from == (first[busy_name].serial,
                                              frozenset({retagged_iface}))
    for name, config in first[busy_name].ifaces.items():
        if name != retagged_iface:
            assert second[busy_name].ifaces[name] is config
