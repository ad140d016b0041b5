"""The datapath's unixctl commands, with ovs-vswitchd's replies (see ovs-vswitchd(8), ovs-dpctl(8)).

    dpctl/show [-s] [DP...]          dpctl/dump-flows [-m] [--names|--no-names] [DP] [filter=F]
    dpctl/del-flows [DP]             dpif/show
    upcall/show                      upcall/disable-megaflows   upcall/enable-megaflows
    upcall/set-flow-limit N          revalidator/purge          revalidator/wait

The only datapath is "netdev@ovs-netdev".  The text is built by pure `format_*` functions
from snapshots the `Datapath` hands out; the handlers only parse arguments and reply.
"""
from __future__ import annotations

import errno
import ipaddress
import os
from typing import Callable, Mapping, Optional

import ovs.unixctl
import ovs.util

from pyvswitch import fields as F
from pyvswitch.datapath import dpctl
from pyvswitch.datapath.dpif import DATAPATH_NAME, Datapath

DP_TYPE = "netdev"
FULL_NAME = "%s@%s" % (DP_TYPE, DATAPATH_NAME)


class CommandError(Exception):
    """A request that fails; str() is the reply text after the program name."""


def _check_dp_name(name: str) -> None:
    if name == FULL_NAME:
        return
    if name.split("@")[-1] == DATAPATH_NAME:
        raise CommandError("opening datapath %s failed (%s)" % (name, os.strerror(errno.EINVAL)))
    raise CommandError("opening datapath %s failed (%s)" % (name, os.strerror(errno.ENODEV)))


def _human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return "%d (%.1f %s)" % (n, n / size, unit)
    return str(n)


def format_show(datapath: Datapath, with_stats: bool) -> str:
    stats = datapath.stats()
    lines = ["%s:" % FULL_NAME,
             "  lookups: hit:%d missed:%d lost:%d" % (stats.hit, stats.missed, stats.lost),
             "  flows: %d" % stats.n_flows,
             # Stock's netdev datapath omits this line; its kernel datapath prints it, tutorials show it, and
             # our megaflow search has the same shape (masks searched per packet), so we print it.
             "  masks: hit:%d total:%d hit/pkt:%.2f" % (
                 stats.mask_hit, stats.n_masks, stats.mask_hit / max(stats.hit + stats.missed, 1))]
    for port in datapath.ports():
        lines.append("  port %d: %s (%s)" % (port.port_no, port.name, port.type))
        if with_stats:
            netdev_stats = port.netdev.get_stats() if port.netdev is not None else None
            if netdev_stats is None:
                rx = tx = ("0", "?", "?")
                rx_bytes = tx_bytes = "0"
                collisions = "?"
            else:
                rx = (str(netdev_stats.rx_packets), str(netdev_stats.rx_errors),
                      str(netdev_stats.rx_dropped))
                tx = (str(netdev_stats.tx_packets), str(netdev_stats.tx_errors),
                      str(netdev_stats.tx_dropped))
                rx_bytes = _human_size(netdev_stats.rx_bytes)
                tx_bytes = _human_size(netdev_stats.tx_bytes)
                collisions = str(netdev_stats.collisions)
            lines.append("    RX packets:%s errors:%s dropped:%s overruns:? frame:?" % rx)
            lines.append("    TX packets:%s errors:%s dropped:%s aborted:? carrier:?" % tx)
            lines.append("    collisions:%s" % collisions)
            lines.append("    RX bytes:%s  TX bytes:%s" % (rx_bytes, tx_bytes))
    return "\n".join(lines) + "\n"


def _parse_filter_value(text: str, field: F.Field) -> tuple[int, int]:
    """A filter term's value and mask (in the field's value space)."""
    full = field.value_mask
    value_text, _, mask_text = text.partition("/")

    def number(s: str) -> int:
        if ":" in s and field.width == 48:
            return int(s.replace(":", ""), 16)
        if ":" in s:
            return int(ipaddress.IPv6Address(s))
        if s.count(".") == 3:
            return int(ipaddress.IPv4Address(s))
        return int(s, 0)

    value = number(value_text)
    if not mask_text:
        return value, full
    if mask_text.isdigit() and field.width in (32, 128) and "." not in mask_text:
        prefix = int(mask_text)
        return value, (full << (field.width - prefix)) & full
    return value, number(mask_text)


_FILTER_PROTOCOLS = {
    "ip": (("dl_type", F.ETH_TYPE_IP),), "ipv6": (("dl_type", F.ETH_TYPE_IPV6),),
    "arp": (("dl_type", F.ETH_TYPE_ARP),), "rarp": (("dl_type", F.ETH_TYPE_RARP),),
    "tcp": (("dl_type", F.ETH_TYPE_IP), ("nw_proto", F.IPPROTO_TCP)),
    "udp": (("dl_type", F.ETH_TYPE_IP), ("nw_proto", F.IPPROTO_UDP)),
    "sctp": (("dl_type", F.ETH_TYPE_IP), ("nw_proto", F.IPPROTO_SCTP)),
    "icmp": (("dl_type", F.ETH_TYPE_IP), ("nw_proto", F.IPPROTO_ICMP)),
    "tcp6": (("dl_type", F.ETH_TYPE_IPV6), ("nw_proto", F.IPPROTO_TCP)),
    "udp6": (("dl_type", F.ETH_TYPE_IPV6), ("nw_proto", F.IPPROTO_UDP)),
    "icmp6": (("dl_type", F.ETH_TYPE_IPV6), ("nw_proto", F.IPPROTO_ICMPV6)),
}


def parse_filter(text: str, port_numbers: Mapping[str, int]) -> tuple[int, int]:
    """A dump-flows filter ("tcp,in_port=p1,nw_src=10.0.0.0/8") as (value, mask) over the key:
    a flow passes if its key agrees with value on mask."""
    value = mask = 0
    for term in filter(None, (t.strip() for t in text.split(","))):
        if term in _FILTER_PROTOCOLS:
            for name, v in _FILTER_PROTOCOLS[term]:
                f = F.field(name)
                value, mask = f.set(value, v), mask | f.mask
            continue
        name, eq, arg = term.partition("=")
        try:
            f = F.field(name)
        except KeyError:
            raise CommandError("invalid filter: unknown field %s" % name) from None
        if not eq:
            raise CommandError("invalid filter: field %s missing value" % name)
        if name == "in_port" and arg in port_numbers:
            v, m = port_numbers[arg], f.value_mask
        else:
            try:
                v, m = _parse_filter_value(arg, f)
            except ValueError:
                raise CommandError("invalid filter: %s: bad value %s" % (name, arg)) from None
        value = (value & ~f.mask) | ((v & m & f.value_mask) << f.shift)
        mask |= (m & f.value_mask) << f.shift
    return value, mask


def format_dump_flows(datapath: Datapath, *, verbose: bool, names: bool,
                      flt: Optional[tuple[int, int]] = None) -> str:
    port_names = {p.port_no: p.name for p in datapath.ports()} if names else None
    flows = datapath.dump_flows()
    now = datapath.now()
    lines = []
    for flow in flows:
        if flt is not None and flow.key & flt[1] != flt[0]:
            continue
        lines.append(dpctl.format_flow(flow.key, flow.mask, flow.actions, flow.packets,
                                       flow.bytes, flow.used, flow.tcp_flags, now,
                                       verbose=verbose, names=port_names))
    if not lines:
        return ""
    return "flow-dump from the main thread:\n" + "\n".join(lines) + "\n"


def format_dpif_show(datapath: Datapath, bridges: Mapping) -> str:
    stats = datapath.stats()
    lines = ["%s: hit:%d missed:%d" % (FULL_NAME, stats.hit, stats.missed)]
    dp_ports = {p.port_no: p for p in datapath.ports()}
    for name in sorted(bridges):
        bridge = bridges[name]
        lines.append("  %s:" % name)
        rows = []
        for ofport, dp_port in bridge.dp_ports().items():
            port = dp_ports.get(dp_port)
            port_type = port.type if port is not None else "?"
            rows.append((bridge.port_name(ofport) or "?", ofport, str(dp_port), port_type))
        for ofport, peer in bridge.patch_ports().items():      # no datapath port at all
            rows.append((bridge.port_name(ofport) or "?", ofport, "none", "patch: peer=" + peer))
        for port_name, ofport, dp_port, port_type in sorted(rows):
            lines.append("    %s %d/%s: (%s)" % (port_name, ofport, dp_port, port_type))
    return "\n".join(lines) + "\n"


def format_upcall_show(datapath: Datapath) -> str:
    stats = datapath.upcall_stats()
    return ("%s:\n"
            "  flows         : (current %d) (avg %d) (max %d) (limit %d)\n"
            "  dump duration : %dms\n"
            "  ufid enabled : true\n"
            "\n"
            "  1: (keys %d)\n"
            % (FULL_NAME, stats.n_flows, stats.avg_flows, stats.max_flows, stats.flow_limit,
               stats.dump_duration_ms, stats.n_flows))


def register_unixctl_commands(datapath: Datapath, bridges: Callable[[], Mapping]) -> None:
    """Register the commands listed in the module docstring with ovs.unixctl."""

    def handler(fn):
        def run(conn, argv, _aux):
            try:
                conn.reply(fn(list(argv)))
            except CommandError as error:
                conn.reply_error("%s: %s\n" % (ovs.util.PROGRAM_NAME, error))
        return run

    def dpctl_show(argv):
        with_stats = False
        while argv and argv[0].startswith("-"):
            option = argv.pop(0)
            if option in ("-s", "--statistics"):
                with_stats = True
            else:
                raise CommandError("unknown option %s" % option)
        for name in argv:
            _check_dp_name(name)
        return format_show(datapath, with_stats)

    def dpctl_dump_flows(argv):
        verbose = False
        names: Optional[bool] = None
        flt = None
        for arg in argv:
            if arg in ("-m", "--more"):
                verbose = True
            elif arg == "--names":
                names = True
            elif arg == "--no-names":
                names = False
            elif arg.startswith("filter="):
                port_numbers = {p.name: p.port_no for p in datapath.ports()}
                flt = parse_filter(arg[len("filter="):], port_numbers)
            elif arg.startswith("type="):
                pass        # offload types: every flow here is an "ovs" (non-offloaded) flow
            elif arg.startswith("-"):
                raise CommandError("unknown option %s" % arg)
            else:
                _check_dp_name(arg)
        return format_dump_flows(datapath, verbose=verbose,
                                 names=verbose if names is None else names, flt=flt)

    def dpctl_del_flows(argv):
        for name in argv:
            _check_dp_name(name)
        datapath.del_flows()
        return ""

    def set_megaflows(enabled):
        def run(_argv):
            datapath.set_megaflows_enabled(enabled)
            return "megaflows %s\n" % ("enabled" if enabled else "disabled")
        return run

    def set_flow_limit(argv):
        try:
            limit = int(argv[0])
        except ValueError:
            raise CommandError("invalid flow limit %s" % argv[0]) from None
        datapath.set_flow_limit(limit)
        return "set flow_limit to %d\n" % limit

    def purge(_argv):
        datapath.del_flows()
        return ""

    def wait(_argv):
        datapath.revalidate_now()
        return ""

    register = ovs.unixctl.command_register
    register("dpctl/show", "[-s] [DP...]", 0, 4, handler(dpctl_show), None)
    register("dpctl/dump-flows", "[-m] [--names | --no-names] [dp] [filter=..] [type=..]",
             0, 6, handler(dpctl_dump_flows), None)
    register("dpctl/del-flows", "[dp]", 0, 1, handler(dpctl_del_flows), None)
    register("dpif/show", "", 0, 0,
             handler(lambda _argv: format_dpif_show(datapath, bridges())), None)
    register("upcall/show", "", 0, 0, handler(lambda _argv: format_upcall_show(datapath)), None)
    register("upcall/disable-megaflows", "", 0, 0, handler(set_megaflows(False)), None)
    register("upcall/enable-megaflows", "", 0, 0, handler(set_megaflows(True)), None)
    register("upcall/set-flow-limit", "flow-limit-number", 1, 1, handler(set_flow_limit), None)
    register("revalidator/purge", "", 0, 0, handler(purge), None)
    register("revalidator/wait", "", 0, 0, handler(wait), None)
