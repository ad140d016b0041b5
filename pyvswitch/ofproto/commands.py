"""The MAC learning table's unixctl commands (fdb/*), answering as ovs-vswitchd does.

    fdb/show BRIDGE           the table, least recently refreshed first
    fdb/flush [BRIDGE]        forget learned addresses (every bridge's if none is named)
    fdb/stats-show BRIDGE     table size and learning counters
    fdb/stats-clear [BRIDGE]  reset the counters

`bridges()` is called on every request, so the commands always see the current set of
bridges by name.  Formatting is done by pure functions so it is testable without a socket.
"""
from __future__ import annotations

from typing import Callable, Mapping, Optional

import ovs.unixctl

from pyvswitch.ofproto.bridge import LOCAL, Bridge


def format_mac(mac: int) -> str:
    return ":".join("%02x" % b for b in mac.to_bytes(6, "big"))


def format_fdb(bridge: Bridge) -> str:
    lines = [" port  VLAN  MAC                Age"]
    for entry in bridge.mac_entries():
        port = "LOCAL" if entry.port == LOCAL else str(entry.port)
        lines.append("%5s  %4d  %s  %3d" % (port, entry.vlan, format_mac(entry.mac), entry.age))
    return "\n".join(lines) + "\n"


def format_fdb_stats(bridge: Bridge) -> str:
    count, maximum, stats = bridge.mac_stats()
    return ('Statistics for bridge "%s":\n'
            "  Current/maximum MAC entries in the table: %d/%d\n"
            "  Current static MAC entries in the table : 0\n"
            "  Total number of learned MAC entries     : %d\n"
            "  Total number of expired MAC entries     : %d\n"
            "  Total number of evicted MAC entries     : %d\n"
            "  Total number of port moved MAC entries  : %d\n"
            % (bridge.name, count, maximum, stats.learned, stats.expired, stats.evicted,
               stats.moved))


def register_unixctl_commands(bridges: Callable[[], Mapping[str, Bridge]]) -> None:
    def selected(conn, argv) -> Optional[list[Bridge]]:
        """The bridge named in argv (all bridges if argv is empty); replies the error if none."""
        current = bridges()
        if not argv:
            return list(current.values())
        bridge = current.get(argv[0])
        if bridge is None:
            conn.reply_error("no such bridge")
            return None
        return [bridge]

    def fdb_show(conn, argv, _aux):
        found = selected(conn, argv)
        if found is not None:
            conn.reply(format_fdb(found[0]))

    def fdb_flush(conn, argv, _aux):
        found = selected(conn, argv)
        if found is not None:
            for bridge in found:
                bridge.flush_macs()
            conn.reply("table successfully flushed")

    def fdb_stats_show(conn, argv, _aux):
        found = selected(conn, argv)
        if found is not None:
            conn.reply(format_fdb_stats(found[0]))

    def fdb_stats_clear(conn, argv, _aux):
        found = selected(conn, argv)
        if found is not None:
            for bridge in found:
                bridge.clear_mac_stats()
            conn.reply("statistics successfully cleared")

    ovs.unixctl.command_register("fdb/show", "bridge", 1, 1, fdb_show, None)
    ovs.unixctl.command_register("fdb/flush", "[bridge]", 0, 1, fdb_flush, None)
    ovs.unixctl.command_register("fdb/stats-show", "bridge", 1, 1, fdb_stats_show, None)
    ovs.unixctl.command_register("fdb/stats-clear", "[bridge]", 0, 1, fdb_stats_clear, None)
