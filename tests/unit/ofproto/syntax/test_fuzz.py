"""Fuzz contract of the flow-syntax parsers: any text gives a value (which also prints) or
FlowSyntaxError, never another exception.  Strings are random joins of flow-syntax
fragments and junk, from a fixed seed so a failure reproduces; regressions found are kept
below."""
import random

import pytest

from pyvswitch.ofproto.syntax import (
    FlowSyntaxError, format_actions, format_flow_mod, format_match, parse_actions, parse_flow,
    parse_match)

FRAGMENTS = (
    "actions=", "action", "=", ":", ",", "(", ")", "[", "]", "..", "->", "/", "0x", "1",
    "99999999999999999999", "ip", "tcp", "reg0", "NXM_NX_REG0", "in_port", "load", "move",
    "learn", "output", "resubmit", "set_field", "conjunction", "note", "dec_ttl", "clone",
    "write_actions", "goto_table", "meter", "drop", "priority", "cookie", "table", "dl_vlan",
    "vlan_vid", "nw_src", "1.2.3.4", "::1", "aa:bb:cc:dd:ee:ff", " ", '"', "+syn", "-",
    "ct_state", "multipath", "bundle", "members", "sample", "enqueue", "check_pkt_larger",
    "controller", "fin_timeout", "tcp_flags", "ipv6_src", "nw_frag", "first", "push", "pop",
    "mod_nw_tos", "ct", "nat", "5", "255", "65535", "\\", "\x00", "\u00e9", "metadata",
    "write_metadata", "push_vlan", "0x8100", "bundle_load", "slaves", "tun_id", "[]", "[0..3]",
    "xxreg0", "tun_metadata0", "ct_label", "mpls_label", "eth_src")
PARSERS = ((parse_flow, format_flow_mod), (parse_match, lambda result: format_match(*result)),
           (parse_actions, format_actions))
REGRESSIONS = ("nw_src:goto_tableaa:bb:cc:dd:ee:ffdec_ttlresubmit5\x00",)


def _parses_or_refuses(text: str) -> None:
    for parse, show in PARSERS:
        try:
            show(parse(text))
        except FlowSyntaxError:
            pass


@pytest.mark.parametrize("seed", range(8))
def test_random_fragments_parse_or_raise_flow_syntax_error(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        _parses_or_refuses("".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 16))))


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_parse_or_raise_flow_syntax_error(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        _parses_or_refuses("".join(chr(rng.randint(0, 0x7f)) for _ in range(rng.randint(0, 40))))


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions(text):
    _parses_or_refuses(text)
