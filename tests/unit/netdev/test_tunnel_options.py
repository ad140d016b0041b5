"""Tunnel Interface options: validation as ovs-vswitchd reports it, and which port a packet is for."""
import errno
import logging

import pytest

from pyvswitch import fields as F
from pyvswitch.netdev.base import NetdevError
from pyvswitch.netdev.tunnel import PortTable, parse_options


def error_of(name, kind, options):
    with pytest.raises(NetdevError) as e:
        parse_options(name, kind, options)
    assert e.value.errno == errno.EINVAL
    return str(e.value)


# The Interface:error texts stock ovs-vswitchd 3.1 writes for the same options.
def test_errors_are_ovs_texts():
    assert error_of("t1", "geneve", {}) == "t1: geneve type requires valid 'remote_ip' argument"
    assert error_of("t4", "vxlan", {"remote_ip": "bogus"}) == (
        "t4: bad vxlan 'remote_ip'\nt4: vxlan type requires valid 'remote_ip' argument")
    assert error_of("t7", "geneve", {"remote_ip": "10.1.1.2", "local_ip": "flow"}) == (
        "t7: geneve type requires 'remote_ip=flow' with 'local_ip=flow'")
    assert error_of("u1", "geneve", {"remote_ip": "224.1.1.1"}) == (
        "u1: multicast remote_ip=224.1.1.1 not allowed")
    assert error_of("u2", "geneve", {"remote_ip": "fe80::1", "local_ip": "10.0.0.1"}) == (
        "u2: 'remote_ip' and 'local_ip' has to be of the same address family")
    assert error_of("u6", "vxlan", {"foo": "1"}) == (
        "u6: unknown vxlan argument 'foo'\nu6: vxlan type requires valid 'remote_ip' argument")


def test_tolerated_problems_are_warnings(caplog):
    with caplog.at_level(logging.WARNING):
        config = parse_options("t", "geneve", {"remote_ip": "10.1.1.2", "frobnicate": "1",
                                               "local_ip": "bogus", "tos": "abc", "ttl": "xyz",
                                               "key": "abc", "dst_port": "abc"})
    text = caplog.text
    assert "t: unknown geneve argument 'frobnicate'" in text and "t: bad geneve 'local_ip'" in text
    assert "t: invalid TOS abc" in text
    assert (config.local_ip, config.tos, config.ttl, config.in_key, config.dst_port) == (
        "", 0, 64, 0, 6081)


def test_defaults_and_values():
    config = parse_options("g", "geneve", {"remote_ip": "10.1.1.42", "key": "1", "csum": "true"})
    assert (config.remote_ip, config.in_key, config.out_key, config.dst_port) == (
        "10.1.1.42", 1, 1, 6081)
    assert config.csum and config.df and (config.tos, config.ttl) == (0, 64)
    header = config.header
    assert (header.kind, header.tun_id, header.ip_dst, header.dst_port, header.csum) == (
        "geneve", 1, "10.1.1.42", 6081, True)
    vx = parse_options("v", "vxlan", {"remote_ip": "10.0.0.1", "in_key": "flow", "out_key": "0x10",
                                      "df_default": "false", "tos": "inherit", "ttl": "300",
                                      "dst_port": "8472", "local_ip": "10.0.0.2"})
    assert (vx.in_key, vx.out_key, vx.df, vx.tos, vx.ttl, vx.dst_port, vx.local_ip) == (
        None, 0x10, False, None, 44, 8472, "10.0.0.2")
    assert not vx.csum
    flow = parse_options("f", "vxlan", {"remote_ip": "flow", "local_ip": "flow", "key": "flow"})
    assert flow.remote_from_flow and flow.local_from_flow and flow.out_key is None
    assert parse_options("i", "geneve", {"remote_ip": "10.0.0.1", "ttl": "inherit"}).ttl is None


class Port:
    def __init__(self, name, options):
        self.name = name
        self.config = parse_options(name, "geneve", options)


def table_of(*ports):
    table = PortTable("geneve")
    for port in ports:
        table.add(port)
    return table


def found(table, vni, local, remote):
    hit = table.lookup(vni, local, remote)
    return None if hit is None else hit[0].name


def test_packets_find_ports_by_key_local_and_remote():
    exact = Port("exact", {"remote_ip": "10.0.0.2", "key": "5"})
    local = Port("local", {"remote_ip": "10.0.0.2", "key": "5", "local_ip": "10.0.0.1"})
    flow_key = Port("flowkey", {"remote_ip": "10.0.0.2", "key": "flow"})
    any_remote = Port("anyremote", {"remote_ip": "flow", "key": "5"})
    table = table_of(exact, local, flow_key, any_remote)
    assert found(table, 5, "10.0.0.1", "10.0.0.2") == "local"        # most specific
    assert found(table, 5, "10.0.0.9", "10.0.0.2") == "exact"        # local_ip must match
    assert found(table, 6, "10.0.0.1", "10.0.0.2") == "flowkey"      # key=flow takes any key
    assert found(table, 5, "10.0.0.1", "10.0.0.3") == "anyremote"    # remote_ip=flow: any source
    assert found(table, 6, "10.0.0.1", "10.0.0.3") is None
    table.remove(any_remote)
    assert found(table, 5, "10.0.0.1", "10.0.0.3") is None


def test_received_metadata_is_key_bits():
    table = table_of(Port("p", {"remote_ip": "flow", "key": "flow"}))
    _, bits = table.lookup(0x138F, "10.1.1.41", "10.1.1.42")
    assert F.FIELDS["tun_id"].get(bits) == 0x138F
    assert F.FIELDS["tun_src"].get(bits) == 0x0A01012A
    assert F.FIELDS["tun_dst"].get(bits) == 0x0A010129
    assert bits & F.PACKET_KEY_MASK == 0
