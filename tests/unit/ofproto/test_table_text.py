"""Table stats, table features and table mods against stock Open vSwitch's behaviour,
recorded in tests/data/tables/golden.json (tests/golden/capture_tables.py):

  * ofp-print: every recorded table stats reply (OpenFlow 1.0-1.5) and table features reply
    (1.3-1.5, including tables whose miss properties or matching differ and a named one)
    renders as stock ovs-ofctl rendered it, and decodes and re-encodes to the same bytes;
  * mod-table: for each TABLE and SETTING stock ovs-ofctl accepted in OpenFlow 1.1-1.3, the
    table mod pyvs-ofctl builds encodes to the bytes stock sent (transaction id aside) and
    decodes back; for each it refused, pyvs-ofctl refuses with stock's message;
  * ofp-print of table mods of every version, odd values included;
  * field-list folding on lists whose stock rendering is known.
"""
from __future__ import annotations

import json
import pathlib

import pytest

from pyvswitch.cli import ofctl_tables
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol import table_mod_codec as tm
from pyvswitch.ofproto.protocol.versions import PROTOCOL_NAMES

GOLDEN = json.loads((pathlib.Path(__file__).parents[2] / "data" / "tables"
                     / "golden.json").read_text())
SENT = [case for case in GOLDEN["table_mod"] if case["sent"]]
# Refusals stock makes while reading TABLE and SETTING (not the version check, which
# cmd_mod_table makes, nor getopt's).
SYNTAX_REFUSED = [case for case in GOLDEN["table_mod"]
                  if case["status"] and "requires one of" not in case["stderr"]
                  and "invalid option" not in case["stderr"]
                  and case["version"] == "OpenFlow11"]


@pytest.mark.parametrize("case", GOLDEN["print"], ids=lambda case: case["hex"][:40])
def test_replies_print_as_stock(case):
    data = bytes.fromhex(case["hex"])
    assert ofctl_text.format_bytes(data) == case["stdout"]
    assert codec.encode(codec.decode(data)) == data


def test_golden_covers_every_version_and_both_replies():
    kinds = {(bytes.fromhex(case["hex"])[0], case["stdout"].split(" (")[0])
             for case in GOLDEN["print"]}
    assert {version for version, kind in kinds if kind == "OFPST_TABLE reply"} == set(range(1, 7))
    assert {version for version, kind in kinds
            if kind == "OFPST_TABLE_FEATURES reply"} == {4, 5, 6}


@pytest.mark.parametrize("case", SENT, ids=lambda case: "%s-%s-%s" % (
    case["version"], case["table"], case["setting"]))
def test_table_mod_bytes_are_stocks(case):
    fields, usable = ofctl_tables.parse_table_mod(case["table"], case["setting"])
    version = PROTOCOL_NAMES[case["version"]]
    assert version in usable
    (expected,) = case["sent"]
    xid = int(expected[8:16], 16)
    message = ofctl_tables.table_mod_message(version, xid, fields)
    assert codec.encode(message).hex() == expected
    assert codec.decode(bytes.fromhex(expected)) == message
    assert tm.table_miss(message) == case["setting"]


@pytest.mark.parametrize("case", SYNTAX_REFUSED, ids=lambda case: "%s-%s" % (
    case["table"], case["setting"]))
def test_table_mod_refusals_are_stocks(case, capsys):
    with pytest.raises(ofctl_tables.TableModSyntaxError) as refusal:
        ofctl_tables.parse_table_mod(case["table"], case["setting"])
    warnings = capsys.readouterr().err
    lines = case["stderr"].splitlines()
    assert "ovs-ofctl: %s" % refusal.value == lines[-1]
    # The recorded stderr has its log timestamps and sequence numbers cut.
    assert [line.split("|", 2)[-1] for line in warnings.splitlines()] == lines[:-1]


@pytest.mark.parametrize("setting,versions", [
    ("drop", {2, 3}), ("evict", {5, 6}), ("noevict", {5, 6}), ("vacancy:1,2", {5, 6}),
    ("novacancy", {5, 6})])
def test_settings_name_the_versions_that_carry_them(setting, versions):
    assert set(ofctl_tables.parse_table_mod("1", setting)[1]) == versions


@pytest.mark.parametrize("version,setting,config,vacancy", [
    (5, "evict", tm.OFPTC14_EVICTION, None), (6, "noevict", 0, None),
    (6, "vacancy:10,20", tm.OFPTC14_VACANCY_EVENTS, (10, 20, 0)), (5, "novacancy", 0, None)])
def test_table_mods_of_openflow14_and_later(version, setting, config, vacancy):
    fields, _ = ofctl_tables.parse_table_mod("7", setting)
    message = ofctl_tables.table_mod_message(version, 3, fields)
    assert (message.table_id, message.config, message.vacancy) == (7, config, vacancy)
    assert codec.decode(codec.encode(message)) == message
    assert tm.eviction(message) == (setting == "evict")
    assert tm.vacancy_events(message) == setting.startswith("vacancy")


@pytest.mark.parametrize("hex_body,error", [
    ("0100000000000000" + "0002000400000000", "OFPBRC_BAD_LEN"),      # short eviction
    ("0100000000000000" + "0009000800000000", "OFPBRC_BAD_TYPE"),     # unknown property
    ("0100000000000000" + "000300", "OFPBRC_BAD_LEN"),                # truncated header
    ("01000000", "OFPBRC_BAD_LEN"),
])
def test_malformed_table_mods_are_refused(hex_body, error):
    body = bytes.fromhex(hex_body)
    data = bytes([6, 17]) + (8 + len(body)).to_bytes(2, "big") + bytes(4) + body
    with pytest.raises(errors.DecodeError) as refusal:
        codec.decode(data)
    assert refusal.value.error.name == error


def test_table_mod_in_openflow10_is_not_a_table_mod():
    message = codec.decode(bytes.fromhex("01110010000000040100000000000002"))
    assert not isinstance(message, m.TableMod)


@pytest.mark.parametrize("names,folded", [
    (["in_port", "eth_src", "eth_dst", "eth_type", "vlan_vid", "vlan_pcp"],
     "in_port eth_{src,dst,type} vlan_{vid,pcp}"),
    (["tun_id", "tun_ipv6_src", "tun_ipv6_dst", "tun_metadata0", "tun_metadata1",
      "tun_metadata2", "metadata", "in_port", "in_port_oxm"],
     "tun_{id,ipv6_{src,dst},metadata0...metadata2} metadata in_{port,port_oxm}"),
    (["reg0", "reg1", "xreg0", "nw_tos", "ip_dscp", "nw_ecn", "nw_ttl"],
     "reg0...reg1 xreg0 nw_tos ip_dscp nw_{ecn,ttl}"),
])
def test_field_lists_fold_as_stock(names, folded):
    assert " ".join(ofctl_text.fold_names(names)) == folded


@pytest.mark.parametrize("setting,desc_config,config,eviction_flags,vacancy", [
    ("evict", tm.OFPTC14_VACANCY_EVENTS,
     tm.OFPTC14_EVICTION | tm.OFPTC14_VACANCY_EVENTS, None, (0, 0, 0)),
    ("noevict", tm.OFPTC14_EVICTION, 0, None, None),
    ("vacancy:5,9", tm.OFPTC14_EVICTION,
     tm.OFPTC14_EVICTION | tm.OFPTC14_VACANCY_EVENTS, 3, (5, 9, 0)),
    ("novacancy", 0, 0, 3, None)])
def test_openflow14_table_mods_keep_what_they_do_not_change(setting, desc_config, config,
                                                              eviction_flags, vacancy):
    from pyvswitch.ofproto.protocol.table_features import TableDesc
    fields, _ = ofctl_tables.parse_table_mod("4", setting)
    kept = ofctl_tables._keeping_current(fields, TableDesc(table_id=4, config=desc_config,
                                                           eviction_flags=3))
    message = ofctl_tables.table_mod_message(6, 9, kept)
    assert (message.config, message.eviction_flags, message.vacancy) == (
        config, eviction_flags, vacancy)
