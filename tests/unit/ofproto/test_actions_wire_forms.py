"""Wire forms stock ovs-ofctl does not send from text but Open vSwitch accepts from
controllers, and encoder choices the golden corpus cannot reach."""
from __future__ import annotations

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.actions_wire import (DecodeError, decode_actions,
                                                     decode_instructions, encode_actions,
                                                     encode_instructions)

R0 = A.Subfield("reg0", 0, 32)


def test_nxast_resubmit_decodes_to_resubmit_from_port():
    data = bytes.fromhex("ffff0010000023200001000500000000")
    assert decode_actions(1, data) == (A.Resubmit(5),)
    assert decode_actions(1, data.replace(b"\x00\x05", b"\xff\xf8", 1)) == (A.Resubmit(),)


def test_reg_load2_and_output_reg2_decode():
    # The TLV follows the subtype directly (checked with ovs-ofctl ofp-print).
    reg_load2 = bytes.fromhex("ffff00180000232000210001010800000005000000ff0000")
    assert decode_actions(4, reg_load2) == (A.SetField("reg0", 5, 0xFF),)
    output_reg2 = bytes.fromhex("ffff00180000232000200000008000010004000000000000")
    assert decode_actions(1, output_reg2) == (A.OutputReg(A.Subfield("reg0", 0, 1), 0x80),)


def test_output_to_controller_decodes_as_the_output_style_controller_action():
    data = bytes.fromhex("00000010fffffffd0080000000000000")
    assert decode_actions(4, data) == (A.Controller(max_len=0x80),)


@pytest.mark.parametrize("action,subtype,decoded", [
    (A.Controller(style="controller2"), 0x25, None),    # kept as received
    (A.Controller(controller_id=3), 0x14,               # needs NXAST_CONTROLLER
     A.Controller(controller_id=3, style="controller")),
    (A.Controller(userdata=b"\x01"), 0x25,              # needs NXAST_CONTROLLER2
     A.Controller(userdata=b"\x01", style="controller2")),
    (A.Sample(1, sampling_port=3), 0x26, None),         # sample2
    (A.Sample(1, direction="egress"), 0x29, None),      # sample3
    (A.Learn((), limit=1), 0x2D, None),                 # learn2
    (A.Learn(()), 0x10, None),
    (A.SetTunnel(1 << 40), 0x09,                        # too wide for NXAST_SET_TUNNEL
     A.SetTunnel(1 << 40, wide=True)),
])
def test_nicira_form_is_chosen_by_content(action, subtype, decoded):
    encoded = encode_actions(1, (action,))
    assert encoded[:2] == b"\xff\xff" and int.from_bytes(encoded[8:10], "big") == subtype
    assert decode_actions(1, encoded) == (decoded or action,)


def test_learn_write_result_flag_travels_with_result_dst():
    learn = A.Learn((A.LearnSpec("match", 32, dst=R0, src=R0),), limit=2,
                    result_dst=A.Subfield("reg1", 4, 1))
    encoded = encode_actions(4, (learn,))
    assert decode_actions(4, encoded) == (learn,)


@pytest.mark.parametrize("version", range(1, 7))
def test_nested_clone_and_write_actions_round_trip_in_every_version(version):
    inner = (A.Output(1), A.Resubmit(2, 3), A.Note(b"\x01" * 6))
    actions = (A.Clone((A.Clone(inner), A.Exit())),)
    assert decode_actions(version, encode_actions(version, actions)) == actions
    if version > 1:
        flat = (A.Output(2), A.WriteActions(inner), A.GotoTable(4))
        assert decode_instructions(version, encode_instructions(version, flat)) == flat


def test_set_field_of_an_unwritable_field_is_refused():
    # OXM_OF_IP_PROTO is matchable but not settable.
    data = bytes.fromhex("0019001080001401060000000000000000")[:16]
    with pytest.raises(DecodeError) as raised:
        decode_actions(4, data)
    assert raised.value.error.name == "OFPBAC_BAD_SET_ARGUMENT"


@pytest.mark.parametrize("version", [3, 4, 6])
def test_openflow_11_rewrite_actions_still_decode_in_later_versions(version):
    set_dl_src = bytes.fromhex("00030010001122334455000000000000")
    assert decode_actions(version, set_dl_src) == (A.SetEthSrc(0x001122334455),)
