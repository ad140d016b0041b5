"""The bridge's Geneve TLV map: the rules Open vSwitch applies to NXT_TLV_TABLE_MOD (checked
against stock in tests/integration/test_tlv_vs_stock.py), this switch's 16-byte limit, and
the map as a bridge's connections see it."""
from __future__ import annotations

import pytest

from pyvswitch import fields
from pyvswitch.ofproto import ofpact
from pyvswitch.ofproto.flow_requests import FlowSession
from pyvswitch.ofproto.match import CATCH_ALL, Match
from pyvswitch.ofproto.protocol import codec, errors
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.syntax.flow_text import parse_flow
from pyvswitch.ofproto.tlv_map import MAX_OPTION_SPACE, TlvMap, fields_in_use
from tests.unit.ofproto.fakeswitch import Switch

ADD, DELETE, CLEAR = m.NXTTMC_ADD, m.NXTTMC_DELETE, m.NXTTMC_CLEAR


def mapping(index: int, option_type: int = None, length: int = 4, option_class: int = 0xffff):
    return m.TlvMapping(option_class, index if option_type is None else option_type, length,
                        index)


class Rule:
    def __init__(self, match: Match = CATCH_ALL, actions: tuple = ()):
        self.match, self.actions = match, actions


@pytest.fixture
def changes():
    return []


@pytest.fixture
def rules():
    return []


@pytest.fixture
def tlv(rules, changes):
    return TlvMap(rules=lambda: rules, on_change=lambda: changes.append(1))


def test_added_mappings_are_listed_in_field_order(tlv, changes):
    assert tlv.modify(ADD, [mapping(5), mapping(0, option_class=0x102)]) is None
    assert tlv.mappings() == (mapping(0, option_class=0x102), mapping(5))
    assert tlv.mapping(5) == mapping(5) and tlv.mapping(1) is None
    assert changes == [1]


@pytest.mark.parametrize("request_mappings, error", [
    ([mapping(0, option_type=9)], errors.TLV_ALREADY_MAPPED),    # field taken
    ([mapping(1, option_type=0)], errors.TLV_DUP_ENTRY),         # option taken
    ([mapping(0, option_type=0)], errors.TLV_ALREADY_MAPPED),    # both: the field first
    ([mapping(2), mapping(2, option_type=3)], errors.TLV_ALREADY_MAPPED),  # within one add
    ([mapping(2), mapping(3, option_type=2)], errors.TLV_DUP_ENTRY),
    ([mapping(2, length=20)], errors.TLV_BAD_OPT_LEN),             # longer than 16 bytes
    ([mapping(2), mapping(3, length=124)], errors.TLV_BAD_OPT_LEN),
])
def test_an_add_that_conflicts_is_refused_whole(tlv, changes, request_mappings, error):
    tlv.modify(ADD, [mapping(0)])
    assert tlv.modify(ADD, request_mappings) == error
    assert tlv.mappings() == (mapping(0),)
    assert changes == [1]


def test_sixteen_bytes_is_the_longest_option_this_switch_maps(tlv):
    assert fields.TUN_METADATA_BYTES == 16
    assert tlv.modify(ADD, [mapping(1, length=16), mapping(2, length=0)]) is None
    assert tlv.modify(ADD, [mapping(3, length=17 // 4 * 4 + 4)]) == errors.TLV_BAD_OPT_LEN


def test_the_option_space_is_256_bytes(tlv):
    sixteen = [mapping(index, length=16) for index in range(MAX_OPTION_SPACE // 16)]
    assert tlv.modify(ADD, sixteen) is None
    assert tlv.modify(ADD, [mapping(40, length=4)]) == errors.TLV_TABLE_FULL
    assert tlv.modify(ADD, [mapping(40, length=0)]) is None
    assert tlv.modify(DELETE, [mapping(3)]) is None
    assert tlv.modify(ADD, [mapping(41, length=12), mapping(42, length=4)]) is None
    assert tlv.modify(ADD, [mapping(43, length=4)]) == errors.TLV_TABLE_FULL


def test_delete_goes_by_field_index_and_ignores_unmapped_fields(tlv):
    tlv.modify(ADD, [mapping(1), mapping(2), mapping(3)])
    other_option = m.TlvMapping(0x1, 0x77, 8, 2)
    assert tlv.modify(DELETE, [other_option, mapping(9)]) is None
    assert tlv.mappings() == (mapping(1), mapping(3))
    assert tlv.modify(ADD, [mapping(2)]) is None


def test_clear_removes_everything_and_an_unchanged_map_invalidates_nothing(tlv, changes):
    tlv.modify(ADD, [mapping(1), mapping(2)])
    assert tlv.modify(CLEAR, []) is None
    assert tlv.mappings() == ()
    assert tlv.modify(CLEAR, []) is None
    assert tlv.modify(DELETE, [mapping(7)]) is None
    assert changes == [1, 1]


def _matching(index: int) -> Rule:
    return Rule(CATCH_ALL.with_field("tun_metadata%d" % index, 1))


@pytest.mark.parametrize("user", [
    _matching(2),
    Rule(actions=(ofpact.SetField("tun_metadata2", 1, -1),)),
    Rule(actions=(ofpact.Move(ofpact.Subfield("reg0", 0, 32),
                              ofpact.Subfield("tun_metadata2", 0, 32)),)),
    Rule(actions=(ofpact.Clone((ofpact.Load(ofpact.Subfield("tun_metadata2", 0, 8), 1),)),)),
])
def test_a_field_a_flow_uses_cannot_be_unmapped(tlv, rules, user):
    tlv.modify(ADD, [mapping(1), mapping(2)])
    rules.append(user)
    assert tlv.modify(DELETE, [mapping(1), mapping(2)]) == errors.TLV_INVALID_DEL
    assert tlv.modify(CLEAR, []) == errors.TLV_INVALID_DEL
    assert tlv.mappings() == (mapping(1), mapping(2))
    assert tlv.modify(DELETE, [mapping(1)]) is None
    rules.clear()
    assert tlv.modify(DELETE, [mapping(2)]) is None


def test_fields_in_use_sees_only_the_fields_named():
    in_use = fields_in_use([_matching(0), _matching(63), Rule(CATCH_ALL.with_field("reg0", 1)),
                            Rule(actions=(ofpact.SetField("tun_metadata17", 3, -1),))])
    assert in_use == {0, 17, 63}


# ---- through a connection and a bridge ----

def _request(message: m.Message) -> m.Message:
    return codec.decode(codec.encode(message))


@pytest.mark.parametrize("version", [1, 4, 6])
def test_a_bridge_answers_table_mods_and_requests(version):
    switch = Switch()
    session = FlowSession()
    before = switch.datapath.invalidations
    add = _request(m.TlvTableMod(version=version, xid=3, mappings=(mapping(0),)))
    assert session.answer(add, switch.bridge) == []
    assert switch.datapath.invalidations > before
    (reply,) = session.answer(_request(m.TlvTableRequest(version=version, xid=4)),
                              switch.bridge)
    assert reply == m.TlvTableReply(version=version, xid=4, max_option_space=256,
                                    max_fields=64, mappings=(mapping(0),))
    (error,) = session.answer(add, switch.bridge)
    assert error == codec.error_reply(add, errors.TLV_ALREADY_MAPPED)


def test_a_bridge_refuses_unmapping_a_field_its_flows_match():
    switch = Switch()
    session = FlowSession()
    session.answer(_request(m.TlvTableMod(version=4, xid=1, mappings=(mapping(0),))),
                   switch.bridge)
    flow_mod = parse_flow("tun_metadata0=0x5,actions=drop")
    assert switch.bridge.apply_each([flow_mod])[0].error is None
    clear = _request(m.TlvTableMod(version=4, xid=2, command=CLEAR))
    (error,) = session.answer(clear, switch.bridge)
    assert error == codec.error_reply(clear, errors.TLV_INVALID_DEL)
    switch.bridge.apply_each([parse_flow("", command=m.OFPFC_DELETE)])
    assert session.answer(clear, switch.bridge) == []
    assert switch.bridge.tlv_map().mappings() == ()
