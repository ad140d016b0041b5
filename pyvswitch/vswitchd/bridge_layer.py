"""The bridge layer: an OVSDB client that makes the running switch match the database.

What it owns: the python-ovs IDL connection to the Open_vSwitch database (holding
the "ovs_vswitchd" lock, as ovs-vswitchd does), the running bridges, their
interfaces' netdevs and OpenFlow port numbers, and every status column the
switch reports back.

Flow in: Open_vSwitch / Bridge / Port / Interface rows.  Whenever they change
(or a missing device appears), `_reconfigure()` turns the rows into a desired
configuration and applies the difference: bridges are created and destroyed,
netdevs opened and closed, ports added to bridges with numbers from
`OfportTable`, VLAN and bridge settings pushed down.  The work is proportional to
what changed: the IDL records which rows changed, `ConfigReader` re-reads only
those (and hands back unchanged configuration as the same objects), and only
interfaces whose configuration changed are looked at again, plus the few that
always are (failed ones, retried; ones still short of their ofport_request).
Flow out: status transactions with Interface ofport/error/mac_in_use/ifindex/
link_state/admin_state/mtu/statistics/link_resets, Bridge datapath_id, Open_vSwitch
system columns (with the embedded server also, once per start, the external_ids
system-id/rundir/hostname that `ovs-ctl start` records) and cur_cfg = next_cfg,
which is what `ovs-vsctl` waits for.  After a reconfiguration only the interfaces
it touched are written, and of those only values that differ from what was last
written.  Every 5 seconds all devices' statistics and link states are read again,
in a transaction of their own (never the one reporting cur_cfg).

Invariants: only the lock holder configures anything; an interface is either
open (netdev and ofport set, error None) or failed (error set, no netdev, no
ofport), except that an open patch port without a usable peer reports why in
its error (recomputed for every patch port after each reconfiguration, since it
depends on other ports); interface names are unique across the whole switch.
Everything runs in the daemon's control thread; bridges forward in the datapath's thread.
"""
from __future__ import annotations

import dataclasses
import errno
import itertools
import json
import logging
import os
import socket
import uuid
import zlib
from typing import Any, Optional

import ovs.db.idl
import ovs.poller

import pyvswitch
from pyvswitch import coverage, dirs
from pyvswitch.datapath.dpif import Datapath
from pyvswitch.netdev import iface_types as netdev_iface_types
from pyvswitch.netdev import netdev_exists, open_netdev
from pyvswitch.netdev.base import NetdevError
from pyvswitch.ofproto.bridge import Bridge, PortVlanConfig
from pyvswitch.vswitchd.ofports import LOCAL, OfportTable, valid_request
from pyvswitch.vswitchd.ofview import BridgeOpenFlow

log = logging.getLogger("bridge")

LOCK_NAME = "ovs_vswitchd"
STATS_INTERVAL = 5.0          # seconds, like other_config:stats-update-interval's default
DEVICE_RETRY_INTERVAL = 1.0   # seconds between checks for missing devices
TXN_RETRY_INTERVAL = 1.0

# Columns this layer reads: changes to them trigger reconfiguration.
_READ = {
    "Open_vSwitch": ["bridges", "next_cfg", "other_config"],
    "Bridge": ["name", "ports", "other_config", "datapath_type", "fail_mode", "flow_tables"],
    "Flow_Table": ["name", "flow_limit", "overflow_policy", "groups", "prefixes"],
    "Port": ["name", "interfaces", "tag", "trunks", "vlan_mode", "other_config"],
    "Interface": ["name", "type", "options", "ofport_request", "mtu_request"],
}
# Columns this layer only writes: our own writes must not trigger reconfiguration.
_WRITE = {
    "Open_vSwitch": ["cur_cfg", "ovs_version", "db_version", "system_type",
                     "system_version", "datapath_types", "iface_types", "dpdk_version",
                     "external_ids"],
    "Bridge": ["datapath_id", "datapath_version"],
    "Interface": ["ofport", "error", "mac_in_use", "ifindex", "link_state",
                  "admin_state", "mtu", "statistics", "link_resets"],
}

# Written but never replicated: python-ovs leaves "readonly" columns out of the monitor
# request, so the daemon is not sent (and does not parse) every change that clients make
# to a map that may hold thousands of keys.  Only mutations are written to them.
_UNREPLICATED = {"Open_vSwitch": ["external_ids"]}

coverage.define("bridge_reconfigure", "txn_success", "txn_incomplete", "txn_unchanged",
                "txn_try_again", "netdev_get_stats")


# ---------------------------------------------------------------- desired state

@dataclasses.dataclass(frozen=True)
class IfaceConfig:
    uuid: Any                        # of the Interface row
    name: str
    kind: str
    options: tuple[tuple[str, str], ...]
    ofport_request: Optional[int]
    ofport_hint: Optional[int]       # what Interface:ofport holds now (see ofports.py)
    mtu_request: Optional[int]
    port: str
    vlan: tuple[Optional[str], Optional[int], frozenset[int], str]  # mode, tag, trunks, priority-tags


@dataclasses.dataclass(frozen=True, eq=False)
class BridgeConfig:
    name: str
    other_config: tuple[tuple[str, str], ...]
    ifaces: dict[str, IfaceConfig]
    datapath_type: str = "system"
    fail_mode: str = "standalone"
    has_controllers: bool = False
    # Bridge:flow_tables as (table id, name, flow_limit, overflow_policy, groups, prefixes)
    # with OVSDB optionals as None and sets as sorted tuples (prefixes None when empty).
    flow_tables: tuple = ()
    serial: int = 0
    # (serial of the configuration this one was derived from, names of the interfaces
    # whose IfaceConfig differs from that one's), when it was derived from one.
    derived_from: Optional[tuple[int, frozenset[str]]] = None


def _optional(value: list) -> Any:
    return value[0] if value else None


class ChangeTrackingIdl(ovs.db.idl.Idl):
    """An Idl that records which rows changed since the caller last looked.  python-ovs
    notifies inserts, deletes and changes to alerting columns only, so the layer's own
    status writes are not recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.changed_rows: set = set()

    def notify(self, event, row, updates=None):
        self.changed_rows.add(row.uuid)


def _uuids(row, column: str) -> set:
    """The UUIDs a reference column holds.  (Reading the column as an attribute would
    look up and sort a row object for each of them.)"""
    return {atom.value for atom in row._data[column].values}


def _claim_order(config: IfaceConfig) -> tuple:
    return config.port, config.uuid


@dataclasses.dataclass(eq=False)
class _BridgeState:
    """What the reader built for one Bridge row."""
    port_uuids: set = dataclasses.field(default_factory=set)
    ports: dict[Any, list[IfaceConfig]] = dataclasses.field(default_factory=dict)
    claims: dict[str, list[IfaceConfig]] = dataclasses.field(default_factory=dict)  # by name
    config: Optional[BridgeConfig] = None


class ConfigReader:
    """Turns rows into the desired configuration, redoing only what the changed rows
    can have touched.  Reading a python-ovs row column converts it afresh each time,
    so each row's parsed form is kept until the IDL reports that row changed.  A
    bridge's configuration is updated port by port: only ports that changed, whose
    interfaces changed, or that joined or left the bridge are read again.  Unchanged
    configuration comes back as the very same objects (a bridge's BridgeConfig, an
    interface's IfaceConfig), and a changed BridgeConfig names the interfaces that
    differ from its predecessor, which is how the layer finds what to reconfigure."""

    def __init__(self) -> None:
        self._parsed: dict[Any, tuple] = {}
        self._iface_configs: dict[Any, tuple[tuple, IfaceConfig]] = {}  # (parsed port, config)
        self._bridges: dict[Any, _BridgeState] = {}
        self._port_bridges: dict[Any, set] = {}   # port UUID -> UUIDs of bridges listing it
        self._iface_ports: dict[Any, set] = {}    # interface UUID -> UUIDs of ports listing it
        self._flow_table_bridges: dict[Any, set] = {}  # Flow_Table UUID -> Bridge UUIDs
        self._serials = itertools.count(1)

    def _cached(self, row, parse) -> tuple:
        parsed = self._parsed.get(row.uuid)
        if parsed is None:
            parsed = self._parsed[row.uuid] = parse(row)
        return parsed

    def _parse_bridge(self, row) -> tuple:
        flow_tables = []
        for table_id, table_row in sorted(row.flow_tables.items()):
            self._flow_table_bridges.setdefault(table_row.uuid, set()).add(row.uuid)
            flow_tables.append((table_id, _optional(table_row.name),
                                _optional(table_row.flow_limit),
                                _optional(table_row.overflow_policy),
                                tuple(sorted(table_row.groups)),
                                tuple(sorted(table_row.prefixes)) or None))
        return (row.name, tuple(sorted(row.other_config.items())), _uuids(row, "ports"),
                row.datapath_type or "system", _optional(row.fail_mode) or "standalone",
                # Controllers are not connected to yet, so a standalone bridge is always as
                # OVS's is when it cannot reach them (fail open): it keeps its NORMAL flow.
                False, tuple(flow_tables))

    def _parse_port(self, row) -> tuple:
        vlan = (_optional(row.vlan_mode), _optional(row.tag), frozenset(row.trunks),
                row.other_config.get("priority-tags", "never"))
        iface_uuids = _uuids(row, "interfaces")
        for iface_uuid in iface_uuids:
            self._iface_ports.setdefault(iface_uuid, set()).add(row.uuid)
        return row.name, vlan, iface_uuids

    @staticmethod
    def _parse_iface(row) -> tuple:
        return (row.name, row.type, tuple(sorted(row.options.items())),
                _optional(row.ofport_request), _optional(row.ofport), _optional(row.mtu_request))

    def read(self, idl: ChangeTrackingIdl) -> tuple[dict[str, str], dict[str, BridgeConfig]]:
        """(Open_vSwitch other_config, bridges by name) as the rows say."""
        changed, idl.changed_rows = idl.changed_rows, set()
        tables = idl.tables
        dirty_ports: dict[Any, set] = {}      # bridge UUID -> its ports to read again
        for flow_table_uuid in [u for u in changed if u in self._flow_table_bridges]:
            # A Flow_Table row changed: the bridges naming it read their tables again.
            for bridge_uuid in self._flow_table_bridges.pop(flow_table_uuid):
                changed.add(bridge_uuid)
        for row_uuid in changed:
            self._parsed.pop(row_uuid, None)
            self._iface_configs.pop(row_uuid, None)
            port_uuids = self._iface_ports.get(row_uuid, set())
            if row_uuid not in tables["Interface"].rows:
                self._iface_ports.pop(row_uuid, None)
            for port_uuid in (row_uuid, *port_uuids):
                for bridge_uuid in self._port_bridges.get(port_uuid, ()):
                    dirty_ports.setdefault(bridge_uuid, set()).add(port_uuid)
        ovs_rows = list(tables["Open_vSwitch"].rows.values())
        bridge_rows = {row.uuid: row for row in ovs_rows[0].bridges} if ovs_rows else {}
        for bridge_uuid in [u for u in self._bridges if u not in bridge_rows]:
            self._forget_bridge(bridge_uuid)
        if not ovs_rows:
            return {}, {}
        configs = [self._bridge_config(row, tables, row_uuid in changed,
                                       dirty_ports.get(row_uuid, set()))
                   for row_uuid, row in bridge_rows.items()]
        bridges: dict[str, BridgeConfig] = {}
        seen_ifaces: set[str] = set()
        for config in sorted(configs, key=lambda c: c.name):
            if config.name in bridges:
                log.warning("bridge %s specified twice", config.name)
                continue
            if not seen_ifaces.isdisjoint(config.ifaces):
                config = self._without_taken_names(config, seen_ifaces)
            seen_ifaces.update(config.ifaces)
            bridges[config.name] = config
        return dict(ovs_rows[0].other_config), bridges

    def _forget_bridge(self, bridge_uuid) -> None:
        for port_uuid in self._bridges.pop(bridge_uuid).port_uuids:
            self._unlist_port(port_uuid, bridge_uuid)

    def _unlist_port(self, port_uuid, bridge_uuid) -> None:
        bridges = self._port_bridges[port_uuid]
        bridges.discard(bridge_uuid)
        if not bridges:
            del self._port_bridges[port_uuid]

    def _bridge_config(self, row, tables, row_changed: bool, dirty_ports: set) -> BridgeConfig:
        state = self._bridges.get(row.uuid)
        if state is None:
            state = self._bridges[row.uuid] = _BridgeState()
            row_changed = True
        previous = state.config
        if row_changed:
            (name, other_config, port_uuids, datapath_type, fail_mode,
             has_controllers, flow_tables) = self._cached(row, self._parse_bridge)
            for port_uuid in port_uuids - state.port_uuids:
                self._port_bridges.setdefault(port_uuid, set()).add(row.uuid)
            for port_uuid in state.port_uuids - port_uuids:
                self._unlist_port(port_uuid, row.uuid)
            dirty_ports = dirty_ports | (port_uuids ^ state.port_uuids)
            state.port_uuids = port_uuids
        elif not dirty_ports:
            return previous
        else:
            name, other_config, datapath_type, fail_mode, has_controllers, flow_tables = (
                previous.name, previous.other_config, previous.datapath_type,
                previous.fail_mode, previous.has_controllers, previous.flow_tables)
        affected = self._read_ports(state, dirty_ports, tables)
        ifaces = dict(previous.ifaces) if previous is not None else {}
        differing = set()
        for iface_name in affected:
            claims = state.claims.get(iface_name)
            if not claims:
                state.claims.pop(iface_name, None)
                if ifaces.pop(iface_name, None) is not None:
                    differing.add(iface_name)
                continue
            if len(claims) > 1:
                log.warning("bridge %s: %s interface is on multiple bridges or ports, "
                            "ignoring", name, iface_name)
            winner = min(claims, key=_claim_order)
            if ifaces.get(iface_name) is not winner:
                ifaces[iface_name] = winner
                differing.add(iface_name)
        state.config = BridgeConfig(
            name, other_config, ifaces, datapath_type, fail_mode, has_controllers,
            flow_tables, next(self._serials),
            (previous.serial, frozenset(differing)) if previous is not None else None)
        return state.config

    def _read_ports(self, state: _BridgeState, port_uuids: set, tables) -> set[str]:
        """Reads `port_uuids` again; returns the names of the interfaces they had or have."""
        port_rows, iface_rows = tables["Port"].rows, tables["Interface"].rows
        affected = set()
        for port_uuid in port_uuids:
            for config in state.ports.pop(port_uuid, ()):
                state.claims[config.name].remove(config)
                affected.add(config.name)
            if port_uuid not in state.port_uuids or port_uuid not in port_rows:
                continue
            port = self._cached(port_rows[port_uuid], self._parse_port)
            configs = [self._iface_config(iface_rows[u], port) for u in port[2] if u in iface_rows]
            state.ports[port_uuid] = configs
            for config in configs:
                state.claims.setdefault(config.name, []).append(config)
                affected.add(config.name)
        return affected

    def _iface_config(self, row, port: tuple) -> IfaceConfig:
        cached = self._iface_configs.get(row.uuid)
        if cached is not None and cached[0] is port:
            return cached[1]
        name, kind, options, request, hint, mtu = self._cached(row, self._parse_iface)
        config = IfaceConfig(row.uuid, name, kind, options, request, hint, mtu, port[0], port[1])
        self._iface_configs[row.uuid] = (port, config)
        return config

    def _without_taken_names(self, config: BridgeConfig, taken: set[str]) -> BridgeConfig:
        ifaces = {}
        for name, iface in config.ifaces.items():
            if name in taken:
                log.warning("bridge %s: %s interface is on multiple bridges or ports, "
                            "ignoring", config.name, name)
            else:
                ifaces[name] = iface
        return dataclasses.replace(config, ifaces=ifaces, serial=next(self._serials),
                                   derived_from=None)


# ---------------------------------------------------------------- running state

@dataclasses.dataclass(eq=False)
class RunningIface:
    config: IfaceConfig
    netdev: Any = None
    ofport: Optional[int] = None
    error: Optional[str] = None
    missing_device: bool = False
    vlan_applied: Optional[tuple] = None
    reported: bool = False       # device status columns written since it was attached
    # Status column values last written to the row with this UUID, so that unchanged
    # values are not written again.
    written_row: Any = None
    written: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RunningBridge:
    name: str
    bridge: Bridge
    ofports: OfportTable
    openflow: Any = None               # ofview.BridgeOpenFlow: the .mgmt socket, or None
    ifaces: dict[str, RunningIface] = dataclasses.field(default_factory=dict)
    settings: Optional[tuple[int, int]] = None
    datapath_id: Optional[int] = None
    config: Optional[BridgeConfig] = None    # the configuration last applied
    # Interfaces to look at again even when their configuration has not changed:
    failed: set[str] = dataclasses.field(default_factory=set)       # no netdev (retried)
    unsatisfied: set[str] = dataclasses.field(default_factory=set)  # ofport_request not met
    patches: set[str] = dataclasses.field(default_factory=set)      # attached patch ports


def _int_setting(config: dict[str, str], key: str, default: int, minimum: int = 0) -> int:
    try:
        value = int(config[key])
    except (KeyError, ValueError):
        return default
    return value if value >= minimum else default


def _mac_text(mac: bytes) -> str:
    return ":".join("%02x" % b for b in mac)


def _parse_mac(text: str) -> Optional[int]:
    parts = text.split(":")
    if len(parts) != 6:
        return None
    try:
        octets = [int(p, 16) for p in parts]
    except ValueError:
        return None
    if any(o > 255 for o in octets):
        return None
    return int.from_bytes(bytes(octets), "big")


def pick_datapath_id(bridge_name: str, other_config: dict[str, str],
                     local_mac: Optional[bytes]) -> int:
    """other_config:datapath-id (16 hex digits), else the bridge MAC
    (other_config:hwaddr, else the local port's MAC) as a 48-bit number."""
    dpid = other_config.get("datapath-id", "")
    if dpid.startswith("0x"):
        dpid = dpid[2:]
    if len(dpid) == 16:
        try:
            value = int(dpid, 16)
            if value:
                return value
        except ValueError:
            pass
    mac = _parse_mac(other_config.get("hwaddr", ""))
    if mac is not None and not mac & (1 << 40):      # not multicast
        return mac
    if local_mac:
        return int.from_bytes(local_mac, "big")
    # A locally administered address derived from the name keeps the ID stable.
    return 0x020000000000 | (zlib.crc32(bridge_name.encode()) & 0xffffffff)


def _os_release() -> tuple[str, str]:
    fields: dict[str, str] = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    fields[key] = value.strip('"')
    except OSError:
        pass
    return fields.get("ID", "unknown"), fields.get("VERSION_ID", "unknown")


def _hostname() -> str:
    """The fully qualified host name, else the node name (as `hostname -f || uname -n`)."""
    name = socket.gethostname()
    try:
        return socket.getaddrinfo(name, None, flags=socket.AI_CANONNAME)[0][3] or name
    except OSError:
        return os.uname().nodename


def _system_id(path: str) -> str:
    """This installation's persistent random identifier, kept in `path` (as
    `ovs-ctl --system-id=random` keeps it in system-id.conf)."""
    try:
        with open(path, encoding="utf-8") as f:
            system_id = f.read().strip()
        if system_id:
            return system_id
    except FileNotFoundError:
        pass
    system_id = str(uuid.uuid4())
    with open(path, "w", encoding="utf-8") as f:
        f.write(system_id + "\n")
    return system_id


# ---------------------------------------------------------------- the layer

class BridgeLayer:
    def __init__(self, remote: str, schema_path: str, datapath: Datapath, dummy: str, *,
                 init_root_row: bool = False):
        """`init_root_row`: create the Open_vSwitch record when the database has
        none (what `ovs-vsctl init` does; used with the embedded server)."""
        self.remote = remote
        self._init_root_row = init_root_row
        self._datapath = datapath
        self._dummy = dummy
        with open(schema_path, encoding="utf-8") as f:
            self._db_version = json.load(f)["version"]
        self._system_type, self._system_version = _os_release()
        # With the embedded server pyvswitchd also stands in for `ovs-ctl start`, which
        # records the installation's identity in Open_vSwitch:external_ids once per start.
        self._identity: Optional[dict[str, str]] = None
        # The host name is recorded only when none is (ovs-ctl's record-hostname-if-not-set).
        # external_ids is not replicated, so one status transaction fetches it and the
        # next one decides.
        self._identity_hostname: Optional[str] = None
        self._external_ids_fetched = False
        if init_root_row:
            try:
                system_id = _system_id(os.path.join(dirs.dbdir(), "system-id.conf"))
            except OSError as e:
                log.warning("system-id.conf: %s", e.strerror)
                system_id = str(uuid.uuid4())
            self._identity = {"system-id": system_id, "rundir": dirs.rundir()}
            self._identity_hostname = _hostname()
        helper = ovs.db.idl.SchemaHelper(location=schema_path)
        for table in _READ.keys() | _WRITE.keys():
            helper.register_columns(table, _READ.get(table, []) + _WRITE.get(table, []),
                                    readonly=_UNREPLICATED.get(table, []))
        self._idl = ChangeTrackingIdl(remote, helper)
        self._reader = ConfigReader()
        for table, columns in _WRITE.items():
            for column in columns:
                self._idl.tables[table].columns[column].alert = False
        self._idl.set_lock(LOCK_NAME)

        self.bridges: dict[str, RunningBridge] = {}
        self._datapath_settings: Optional[tuple[int, int]] = None
        self._seen_seqno: Optional[int] = None
        self._reconfigure_wanted = False
        self._applied_cfg: Optional[int] = None      # next_cfg the running state reflects
        self._status_wanted = False
        self._refresh_wanted = False     # re-read every device's statistics and states
        self._unreported: dict[RunningIface, RunningBridge] = {}  # status to write, by interface
        self._txn: Optional[ovs.db.idl.Transaction] = None
        self._txn_retry_at = 0.0           # after a failed status transaction, retry at this
        self._txn_failed_seqno = None      # time or when the database changes, if sooner
        self._next_stats_at = 0.0
        self._next_device_check_at = 0.0
        self._lock_warned = False
        self.ready = False       # the first configuration has been applied and reported

    # -------------------------------------------------------------- main loop

    def run(self, now: float) -> None:
        self._idl.run()
        if self._txn is not None:
            self._finish_txn(now)
        if self._idl.is_lock_contended and not self._idl.has_lock:
            if not self._lock_warned:
                log.warning("another pyvswitchd process is running, disabling this process "
                            "(pid %d) until it goes away", os.getpid())
                self._lock_warned = True
            for name in list(self.bridges):
                self._destroy_bridge(self.bridges.pop(name))
            return
        if not self._idl.has_lock or self._idl.state != self._idl.IDL_S_MONITORING:
            return
        self._lock_warned = False
        if now >= self._next_device_check_at:
            self._next_device_check_at = now + DEVICE_RETRY_INTERVAL
            if self._missing_device_appeared():
                self._reconfigure_wanted = True
        if self._idl.change_seqno != self._seen_seqno or self._reconfigure_wanted:
            self._seen_seqno = self._idl.change_seqno
            self._reconfigure_wanted = False
            self._reconfigure()
        if now >= self._next_stats_at:
            self._next_stats_at = now + STATS_INTERVAL
            self._status_wanted = self._refresh_wanted = True
            self._refresh_openflow_ports()
        if self._status_wanted and self._txn is None and (
                now >= self._txn_retry_at or self._idl.change_seqno != self._txn_failed_seqno):
            self._write_status(now)
        for rb in self.bridges.values():
            due = rb.bridge.next_run()
            if due is not None and now >= due:
                rb.bridge.run()

    def wait(self, poller: ovs.poller.Poller, now: float) -> None:
        self._idl.wait(poller)
        if self._txn is not None:
            self._txn.wait(poller)
        deadlines = [self._next_stats_at, self._next_device_check_at]
        deadlines += [due for due in (rb.bridge.next_run() for rb in self.bridges.values())
                      if due is not None]
        if self._status_wanted and self._txn is None:
            deadlines.append(self._txn_retry_at)
        poller.timer_wait(max(0, int((min(deadlines) - now) * 1000)))

    def close(self) -> None:
        """Removes every port and bridge (closing netdevs deletes our TAP devices)."""
        for name in list(self.bridges):
            self._destroy_bridge(self.bridges.pop(name))
        self._idl.close()

    def running_bridges(self) -> dict[str, Any]:
        """Bridge objects by name, for the datapath's and ofproto's unixctl commands."""
        return {name: rb.bridge for name, rb in self.bridges.items()}

    def memory_usage(self) -> dict[str, int]:
        cells = sum(len(table.rows) * len(table.columns) for table in self._idl.tables.values())
        return {"bridges": len(self.bridges),
                "ports": sum(len(rb.ifaces) for rb in self.bridges.values()),
                "idl-cells-Open_vSwitch": cells}

    # -------------------------------------------------------------- reconfiguration

    def _refresh_openflow_ports(self) -> None:
        for rb in self.bridges.values():
            if rb.openflow is not None:
                for name, ri in rb.ifaces.items():
                    if ri.ofport is not None:
                        rb.openflow.refresh(ri.ofport, name, ri.netdev)

    def _missing_device_appeared(self) -> bool:
        return any(rb.ifaces[name].missing_device and netdev_exists(name)
                   for rb in self.bridges.values() for name in rb.failed)

    def _reconfigure(self) -> None:
        coverage.inc("bridge_reconfigure")
        ovs_rows = list(self._idl.tables["Open_vSwitch"].rows.values())
        other_config, bridges = self._reader.read(self._idl)
        self._apply(other_config, bridges)
        self._update_patch_errors()
        self._applied_cfg = ovs_rows[0].next_cfg if ovs_rows else None
        self._status_wanted = True

    def _apply(self, other_config: dict[str, str], wanted: dict[str, BridgeConfig]) -> None:
        """Only interfaces whose configuration changed (a different IfaceConfig
        object), failed ones and ones still short of their ofport_request are
        looked at; an unchanged bridge without such interfaces costs nothing."""
        self._configure_datapath(other_config)
        for name in [n for n in self.bridges if n not in wanted]:
            self._destroy_bridge(self.bridges.pop(name))
        # Close everything that goes away before opening anything, so an interface
        # moving between bridges never has two netdevs open at once.
        revisit: dict[str, set[str]] = {}
        for name, rb in self.bridges.items():
            names = self._ifaces_to_revisit(rb, wanted[name])
            if names is not None:
                self._prune_bridge(rb, wanted[name], names)
                revisit[name] = names
        for name, config in wanted.items():
            rb = self.bridges.get(name)
            if rb is None:
                rb = self._create_bridge(name)
                if rb is None:
                    continue
                self.bridges[name] = rb
                revisit[name] = set(config.ifaces)
            if name in revisit:
                self._populate_bridge(rb, config, revisit[name])

    @staticmethod
    def _ifaces_to_revisit(rb: RunningBridge, config: BridgeConfig) -> Optional[set[str]]:
        """Names of the interfaces to prune and populate again, or None when the
        bridge needs nothing at all."""
        names = rb.failed | rb.unsatisfied
        if config is rb.config:
            return names or None
        if rb.config is not None and config.derived_from is not None \
                and config.derived_from[0] == rb.config.serial:
            return names | config.derived_from[1]
        running = rb.ifaces
        names.update(name for name, iface in config.ifaces.items()
                     if name not in running or running[name].config is not iface)
        names.update(name for name in running if name not in config.ifaces)
        return names

    def _update_patch_errors(self) -> None:
        for rb in self.bridges.values():
            for name in rb.patches:
                ri = rb.ifaces[name]
                error = rb.bridge.patch_error(ri.ofport)
                if error != ri.error:
                    ri.error = error
                    self._unreported[ri] = rb

    def _configure_datapath(self, other_config: dict[str, str]) -> None:
        settings = (_int_setting(other_config, "max-idle", 10000, 500),
                    _int_setting(other_config, "flow-limit", 200000, 1))
        if settings != self._datapath_settings:
            self._datapath.set_config(max_idle_ms=settings[0], flow_limit=settings[1])
        self._datapath_settings = settings

    def _create_bridge(self, name: str) -> Optional[RunningBridge]:
        try:
            bridge = Bridge(name, self._datapath)
        except Exception:
            log.exception("bridge %s: could not create", name)
            return None
        try:
            openflow = BridgeOpenFlow(name, dirs.rundir(), bridge)
            openflow.start()
        except OSError as e:
            log.error("bridge %s: could not open OpenFlow management socket (%s)", name, e.strerror)
            openflow = None
        log.info("bridge %s: created", name)
        return RunningBridge(name, bridge, OfportTable(name), openflow)

    def _destroy_bridge(self, rb: RunningBridge) -> None:
        for name in list(rb.ifaces):
            self._remove_iface(rb, name)
        if rb.openflow is not None:
            rb.openflow.stop()
        rb.bridge.destroy()
        log.info("bridge %s: deleted", rb.name)

    def _prune_bridge(self, rb: RunningBridge, config: BridgeConfig, names: set[str]) -> None:
        """Closes those of `names` that left, changed device, or failed (failures are retried)."""
        for name in names:
            ri = rb.ifaces.get(name)
            if ri is None:
                continue
            new = config.ifaces.get(name)
            if new is None or new.kind != ri.config.kind or new.options != ri.config.options \
                    or ri.netdev is None:
                self._remove_iface(rb, name)

    def _populate_bridge(self, rb: RunningBridge, config: BridgeConfig, names: set[str]) -> None:
        """Opens those of `names` that are new, numbers and attaches them, applies settings."""
        rb.bridge.set_datapath_type(config.datapath_type)
        rb.bridge.set_fail_mode(config.fail_mode, config.has_controllers)
        rb.bridge.set_flow_table_rows(config.flow_tables)
        # Numbers go to interfaces in port name order, as if the whole bridge were planned.
        names = sorted((name for name in names if name in config.ifaces),
                       key=lambda name: (config.ifaces[name].port, name))
        for name in names:
            if name not in rb.ifaces:
                rb.ifaces[name] = self._open_iface(rb, config.ifaces[name])
        opened = [name for name in names if rb.ifaces[name].netdev is not None]
        numbers = rb.ofports.plan({name: config.ifaces[name].ofport_request for name in opened},
                                  {name: config.ifaces[name].ofport_hint for name in opened})
        for name in names:
            ri = rb.ifaces[name]
            new = config.ifaces[name]
            number = numbers.get(name)
            if number is not None and ri.ofport != number:
                if ri.ofport is not None:
                    self._detach(rb, ri)
                if not self._attach(rb, ri, number):
                    rb.ofports.release(name)
                    number = None
            if number is not None and ri.vlan_applied != new.vlan:
                self._push_vlan(rb, number, new.vlan)
                ri.vlan_applied = new.vlan
            if number is not None and new.mtu_request and ri.netdev.get_mtu() != new.mtu_request:
                try:
                    ri.netdev.set_mtu(new.mtu_request)
                    ri.reported = False
                except NetdevError as e:
                    log.warning("%s", e)
            ri.config = new
            self._unreported[ri] = rb
            self._note_revisits(rb, name)
        rb.config = config
        self._configure_bridge_settings(rb, dict(config.other_config))

    @staticmethod
    def _note_revisits(rb: RunningBridge, name: str) -> None:
        ri = rb.ifaces[name]
        request = ri.config.ofport_request
        for wanted, names in ((ri.netdev is None, rb.failed),
                              (valid_request(request) and ri.ofport is not None
                               and ri.ofport != request and ri.ofport != LOCAL, rb.unsatisfied),
                              (ri.ofport is not None and ri.config.kind == "patch", rb.patches)):
            if wanted:
                names.add(name)
            else:
                names.discard(name)

    def _push_vlan(self, rb: RunningBridge, ofport: int, vlan) -> None:
        mode, tag, trunks, priority_tags = vlan
        rb.bridge.set_port_vlan(ofport, PortVlanConfig(
            vlan_mode=mode, tag=tag, trunks=trunks, priority_tags=priority_tags))

    def _configure_bridge_settings(self, rb: RunningBridge, other_config: dict[str, str]) -> None:
        settings = (_int_setting(other_config, "mac-aging-time", 300, 1),
                    _int_setting(other_config, "mac-table-size", 8192, 1))
        if settings != rb.settings:
            rb.bridge.set_config(mac_aging_time=settings[0], mac_table_size=settings[1])
        rb.settings = settings
        local = rb.ifaces.get(rb.name)
        local_mac = local.netdev.get_mac() if local is not None and local.netdev else None
        hwaddr = _parse_mac(other_config.get("hwaddr", ""))
        if local_mac is not None and hwaddr is not None and not hwaddr & (1 << 40) \
                and int.from_bytes(local_mac, "big") != hwaddr:
            try:
                local.netdev.set_mac(hwaddr.to_bytes(6, "big"))
                local_mac = local.netdev.get_mac()
                local.reported = False
                self._unreported[local] = rb
            except NetdevError as e:
                log.warning("bridge %s: %s", rb.name, e)
        dpid = pick_datapath_id(rb.name, other_config, local_mac)
        if dpid != rb.datapath_id:
            rb.datapath_id = dpid
            rb.bridge.datapath_id = dpid
            if rb.openflow is not None:
                rb.openflow.set_datapath_id(dpid)
            log.info("bridge %s: using datapath ID %016x", rb.name, dpid)

    def _open_iface(self, rb: RunningBridge, config: IfaceConfig) -> RunningIface:
        ri = RunningIface(config)
        try:
            ri.netdev = open_netdev(config.name, config.kind, dict(config.options), dummy=self._dummy)
        except NetdevError as e:
            ri.error = str(e)
            ri.missing_device = getattr(e, "errno", 0) == errno.ENODEV
            log.warning("%s", ri.error)
        except Exception as e:       # a provider bug must not take the switch down
            log.exception("bridge %s: opening %s failed", rb.name, config.name)
            ri.error = "could not open network device %s (%s)" % (config.name, e)
        return ri

    def _attach(self, rb: RunningBridge, ri: RunningIface, number: int) -> bool:
        """Adds the open interface to the bridge as port `number`; on failure the
        netdev is closed and the interface reports the error."""
        name = ri.config.name
        try:
            rb.bridge.add_port(number, name, ri.netdev)
        except Exception as e:
            log.exception("bridge %s: adding %s failed", rb.name, name)
            ri.error = "could not add network device %s to ofproto (%s)" % (name, e)
            ri.netdev.close()
            ri.netdev = None
            return False
        ri.ofport = number
        ri.vlan_applied = None
        ri.reported = False
        if rb.openflow is not None:
            rb.openflow.port_added(number, name, ri.netdev)
        log.info("bridge %s: added interface %s on port %d", rb.name, name, number)
        return True

    def _detach(self, rb: RunningBridge, ri: RunningIface) -> None:
        if rb.openflow is not None:
            rb.openflow.port_removed(ri.ofport)
        rb.bridge.remove_port(ri.ofport)
        log.info("bridge %s: deleted interface %s on port %d", rb.name, ri.config.name, ri.ofport)
        ri.ofport = None

    def _remove_iface(self, rb: RunningBridge, name: str) -> None:
        ri = rb.ifaces.pop(name)
        for names in (rb.failed, rb.unsatisfied, rb.patches):
            names.discard(name)
        rb.ofports.release(name)
        if ri.ofport is not None:
            self._detach(rb, ri)
        if ri.netdev is not None:
            try:
                ri.netdev.close()
            except Exception:
                log.exception("bridge %s: closing %s failed", rb.name, name)

    # -------------------------------------------------------------- status

    def _write_status(self, now: float) -> None:
        ovs_rows = list(self._idl.tables["Open_vSwitch"].rows.values())
        txn = ovs.db.idl.Transaction(self._idl)
        txn.add_comment("pyvswitchd: status update")
        inserting = not ovs_rows and self._init_root_row
        if inserting:
            ovs_rows = [txn.insert(self._idl.tables["Open_vSwitch"])]
        if ovs_rows:
            self._write_system_columns(ovs_rows[0], inserting)
        running = {rb.name: rb for rb in self.bridges.values()}
        for row in self._idl.tables["Bridge"].rows.values():
            rb = running.get(row.name)
            if rb is not None and rb.datapath_id is not None:
                _set(row, "datapath_id", ["%016x" % rb.datapath_id])
                _set(row, "datapath_version", ["<built-in>"])
        # A statistics refresh goes in a transaction of its own, never in the one
        # that reports a new cur_cfg, which `ovs-vsctl` is waiting for.
        reporting_cfg = bool(ovs_rows) and self._applied_cfg is not None \
            and getattr(ovs_rows[0], "cur_cfg", None) != self._applied_cfg
        refresh = self._refresh_wanted and not reporting_cfg
        if refresh:
            unreported = [(ri, rb) for rb in self.bridges.values() for ri in rb.ifaces.values()]
        else:
            unreported = [(ri, rb) for ri, rb in self._unreported.items()
                          if self.bridges.get(rb.name) is rb and rb.ifaces.get(ri.config.name) is ri]
        self._unreported = {}
        iface_rows = self._idl.tables["Interface"].rows
        for ri, rb in unreported:
            row = iface_rows.get(ri.config.uuid)
            if row is not None:
                _write_iface(row, ri, refresh)
        if reporting_cfg:
            _set(ovs_rows[0], "cur_cfg", self._applied_cfg)
        self._refresh_wanted = self._refresh_wanted and not refresh
        self._status_wanted = self._refresh_wanted
        self._txn = txn
        self._finish_txn(now)

    def _write_system_columns(self, row, inserting: bool) -> None:
        datapath_types = ["netdev", "system"] + (["dummy"] if self._dummy else [])
        iface_types = netdev_iface_types(self._dummy)
        _set(row, "ovs_version", [pyvswitch.OVS_COMPAT_VERSION])
        _set(row, "db_version", [self._db_version])
        _set(row, "system_type", [self._system_type])
        _set(row, "system_version", [self._system_version])
        _set(row, "datapath_types", sorted(datapath_types))
        _set(row, "iface_types", sorted(iface_types))
        _set(row, "dpdk_version", ["none"])
        if self._identity is not None:
            for key, value in self._identity.items():
                row.setkey("external_ids", key, value)
        if self._identity_hostname is not None:
            if inserting:
                self._external_ids_fetched = True      # a new row holds only what we write
            if not self._external_ids_fetched:
                row.fetch("external_ids")
            elif "hostname" not in (getattr(row, "external_ids", None) or {}):
                row.setkey("external_ids", "hostname", self._identity_hostname)

    def _finish_txn(self, now: float) -> None:
        txn = self._txn
        status = txn.commit()
        if status == ovs.db.idl.Transaction.INCOMPLETE:
            coverage.inc("txn_incomplete")
            return
        self._txn = None
        if status == ovs.db.idl.Transaction.SUCCESS:
            coverage.inc("txn_success")
        elif status == ovs.db.idl.Transaction.UNCHANGED:
            coverage.inc("txn_unchanged")
        else:
            coverage.inc("txn_try_again")
            if status not in (ovs.db.idl.Transaction.TRY_AGAIN,
                              ovs.db.idl.Transaction.NOT_LOCKED):
                log.warning("status transaction failed: %s (%s)", status, txn.get_error())
            # What this transaction would have written is unknown now: write everything.
            for rb in self.bridges.values():
                for ri in rb.ifaces.values():
                    ri.written_row = None
            self._status_wanted = self._refresh_wanted = True
            self._txn_retry_at = now + TXN_RETRY_INTERVAL
            self._txn_failed_seqno = self._idl.change_seqno
            return
        self._identity = None
        if self._identity_hostname is not None:
            if self._external_ids_fetched:
                self._identity_hostname = None
            else:
                self._external_ids_fetched = self._status_wanted = True
        # Ready once the start-up report, identity included, is complete.
        self.ready = self._identity_hostname is None or self.ready


def _set(row, column: str, value) -> None:
    """Writes only changes.  (A row this transaction inserts has no values to compare.)"""
    if getattr(row, column, None) != value:
        setattr(row, column, value)


def _write_iface(row, ri: RunningIface, refresh: bool) -> None:
    """Interface status; the device is queried only when `refresh` or when its
    status has not been reported since it was attached."""
    if ri.written_row != ri.config.uuid:
        ri.written_row = ri.config.uuid
        ri.written = {}
    if ri.netdev is None or ri.ofport is None:
        status = {"ofport": [-1], "error": [ri.error] if ri.error else [],
                  "mac_in_use": [], "ifindex": [], "link_state": [], "admin_state": [],
                  "mtu": [], "statistics": {}}
    else:
        status = {"ofport": [ri.ofport], "error": [ri.error] if ri.error else []}
        if refresh or not ri.reported:
            ri.reported = True
            status.update(_device_status(ri.netdev))
    written = ri.written
    for column, value in status.items():
        if written.get(column, _UNWRITTEN) != value:
            setattr(row, column, value)
            written[column] = value


_UNWRITTEN = object()


def _device_status(netdev) -> dict[str, Any]:
    coverage.inc("netdev_get_stats")
    resets = netdev.get_carrier_resets()
    mac, mtu, ifindex = netdev.get_mac(), netdev.get_mtu(), netdev.get_ifindex()
    return {"mac_in_use": [_mac_text(mac)] if mac else [],
            "ifindex": [ifindex if ifindex is not None else 0],
            "link_state": [netdev.get_link_state()],
            "admin_state": [netdev.get_admin_state()],
            "mtu": [mtu] if mtu is not None else [],
            "statistics": netdev.get_statistics(),
            "link_resets": [resets] if resets is not None else []}
