"""Golden tests of the action/instruction codec against bytes stock ovs-ofctl sent.

tests/data/actions_wire/golden.json holds, for each flow of corpus.txt and each OpenFlow
version, the action list (1.0) or instruction list (1.1+) of the flow_mod `ovs-ofctl
add-flow` sent to tests/golden/fake_switch.py (regenerate.py rebuilds it).  Each capture must
decode to the ofpacts expected.py lists, and those ofpacts must encode back byte for byte.
SOURCE lists what the flow syntax means (what a parser of the text builds) where that
differs from what the bytes decode to, and must encode to the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvswitch.ofproto import ofpact as A
from pyvswitch.ofproto.protocol.actions_wire import (DecodeError, UnencodableAction,
                                                     decode_instructions, encode_instructions)
from tests.data.actions_wire.expected import EXPECTED

DATA = Path(__file__).resolve().parents[2] / "data" / "actions_wire"
RECORDS = json.loads((DATA / "golden.json").read_text())
CAPTURED = [r for r in RECORDS if r["hex"] is not None and r["printed"] is not None]
# Bytes ovs-ofctl sends but cannot decode itself (it prints a decode error for them).
OVS_REFUSES = [r for r in RECORDS if r["hex"] is not None and r["printed"] is None]
IP_PROTO = {"udp": 17, "sctp": 132}

MAC = 0x001122334455
R0 = A.Subfield("reg0", 0, 32)

# (match, actions text) -> the ofpacts the text means, for entries whose decoded form differs
# in some version.
SOURCE = {
    ("", "in_port"): (A.Output(A.OFPP_IN_PORT),),
    ("", "controller:200"): (A.Controller(max_len=200),),
    ("", "controller(reason=no_match)"): (A.Controller(reason=A.OFPR_NO_MATCH),),
    ("", "controller(userdata=01.02.03)"): (A.Controller(userdata=b"\x01\x02\x03"),),
    ("", "controller(meter_id=3)"): (A.Controller(meter_id=3),),
    ("", "enqueue:1:2"): (A.Enqueue(1, 2),),
    ("", "mod_vlan_vid:10"): (A.SetVlanVid(10),),
    ("", "mod_vlan_pcp:3"): (A.SetVlanPcp(3),),
    ("dl_vlan=5", "mod_vlan_vid:10"): (A.SetVlanVid(10, push=False),),
    ("dl_vlan=5", "strip_vlan"): (A.StripVlan(),),
    ("dl_vlan=5", "pop_vlan"): (A.StripVlan("pop_vlan"),),
    ("", "mod_dl_src:00:11:22:33:44:55"): (A.SetEthSrc(MAC),),
    ("ip", "mod_nw_tos:32"): (A.SetIpDscp(32),),
    ("ip", "mod_nw_ecn:2"): (A.SetIpEcn(2),),
    ("ip", "mod_nw_ttl:9"): (A.SetIpTtl(9),),
    ("udp", "mod_tp_src:53"): (A.SetL4SrcPort(53),),
    ("sctp", "mod_tp_dst:99"): (A.SetL4DstPort(99),),
    ("mpls", "set_mpls_label:100"): (A.SetMplsLabel(100),),
    ("", "set_tunnel:0x1234"): (A.SetTunnel(0x1234),),
    ("", "set_tunnel64:0x5"): (A.SetTunnel(5, wide=True),),
    ("", "resubmit(IN_PORT,2)"): (A.Resubmit(A.OFPP_IN_PORT, 2),),
    ("", "load:0x5->NXM_NX_REG0[]"): (A.Load(R0, 5),),
    ("", "load:0x1->NXM_NX_REG3[31]"): (A.Load(A.Subfield("reg3", 31, 1), 1),),
    ("", "set_field:5->reg0"): (A.SetField("reg0", 5, 0xFFFFFFFF),),
    ("", "set_field:0x5/0x5->reg0"): (A.SetField("reg0", 5, 5),),
    ("", "set_field:00:11:22:00:00:00/ff:ff:ff:00:00:00->eth_dst"):
        (A.SetField("dl_dst", 0x001122000000, 0xFFFFFF000000),),
    ("ip", "set_field:46->ip_dscp"): (A.SetField("ip_dscp", 46, 0x3F),),
    ("ipv6", "set_field:2001:db8::1->ipv6_src"):
        (A.SetField("ipv6_src", 0x20010DB8 << 96 | 1, (1 << 128) - 1),),
    ("vlan_tci=0x1000/0x1000", "set_field:4106->vlan_vid"):
        (A.SetField("vlan_vid", 0x100A, 0x1FFF),),
    ("", "goto_table:5"): (A.GotoTable(5),),
    ("", "clear_actions"): (A.ClearActions(),),
    ("", "write_actions(output:1)"): (A.WriteActions((A.Output(1),)),),
    ("", "write_actions()"): (A.WriteActions(()),),
    ("", "meter:2,output:1,clear_actions,write_actions(output:2),write_metadata:0x5,"
         "goto_table:3"):
        (A.Meter(2), A.Output(1), A.ClearActions(), A.WriteActions((A.Output(2),)),
         A.WriteMetadata(5), A.GotoTable(3)),
    ("", "set_field:0x1234/0xff00->metadata"): (A.SetField("metadata", 0x1234, 0xFF00),),
    ("", "write_metadata:0x1/0x1,goto_table:1"): (A.WriteMetadata(1, 1), A.GotoTable(1)),
    ("", "controller(max_len=0)"): (A.Controller(max_len=0),),
    ("", "load:0x1->xxreg0[]"): (A.Load(A.Subfield("xxreg0", 0, 128), 1),),
    ("", "set_field:0x8->reg1,load:0x5->reg2[],output:NXM_NX_REG1[]"):
        (A.SetField("reg1", 8, 0xFFFFFFFF), A.Load(A.Subfield("reg2", 0, 32), 5),
         A.OutputReg(A.Subfield("reg1", 0, 32), 0xFFFF)),
}


def _expected(record) -> tuple:
    by_versions = EXPECTED[(record["match"], record["actions"])]
    for versions, actions in by_versions.items():
        if record["version"] in versions:
            return actions
    raise AssertionError("expected.py has no entry for %r" % (record,))


def _ip_proto(record) -> int:
    return IP_PROTO.get(record["match"].split(",")[0], 6)


def _id(record) -> str:
    return "OF1%d:%s" % (record["version"] - 1, record["actions"])


@pytest.mark.parametrize("record", CAPTURED, ids=_id)
def test_capture_decodes_to_expected_ofpacts(record):
    data = bytes.fromhex(record["hex"])
    assert decode_instructions(record["version"], data) == _expected(record)


@pytest.mark.parametrize("record", CAPTURED, ids=_id)
def test_expected_ofpacts_encode_to_capture(record):
    encoded = encode_instructions(record["version"], _expected(record),
                                  ip_proto=_ip_proto(record))
    assert encoded.hex() == record["hex"]


@pytest.mark.parametrize("record", OVS_REFUSES, ids=_id)
def test_what_ovs_cannot_decode_we_refuse_too(record):
    with pytest.raises(DecodeError):
        decode_instructions(record["version"], bytes.fromhex(record["hex"]))


SOURCE_RECORDS = [r for r in CAPTURED + OVS_REFUSES if (r["match"], r["actions"]) in SOURCE]


@pytest.mark.parametrize("record", SOURCE_RECORDS, ids=_id)
def test_flow_syntax_meaning_encodes_as_ovs_does(record):
    source = SOURCE[(record["match"], record["actions"])]
    encoded = encode_instructions(record["version"], source, ip_proto=_ip_proto(record))
    assert encoded.hex() == record["hex"]


def test_every_source_entry_has_captures():
    captured = {(r["match"], r["actions"]) for r in CAPTURED + OVS_REFUSES}
    assert set(SOURCE) <= captured


@pytest.mark.parametrize("actions_text,ofpacts,versions", [
    ("push_vlan:0x8100", (A.PushVlan(0x8100),), (1,)),
    ("meter:1", (A.Meter(1),), (1, 2, 3)),
])
def test_unencodable_actions_fail_with_ovs_ofctl_wording(actions_text, ofpacts, versions):
    for version in versions:
        record = next(r for r in RECORDS if r["actions"] == actions_text and r["match"] == ""
                      and r["version"] == version)
        with pytest.raises(UnencodableAction) as raised:
            encode_instructions(version, ofpacts)
        assert record["error"] == "ovs-ofctl: " + str(raised.value)


def test_report_byte_exact_counts_per_version(capsys):
    """Every capture of every version round-trips; print the per-version figures."""
    by_version = {}
    for record in CAPTURED:
        data = bytes.fromhex(record["hex"])
        decoded = decode_instructions(record["version"], data)
        exact = encode_instructions(record["version"], decoded,
                                    ip_proto=_ip_proto(record)) == data
        total, good = by_version.get(record["version"], (0, 0))
        by_version[record["version"]] = (total + 1, good + exact)
    with capsys.disabled():
        print("\nbyte-exact per version:", {"OF1%d" % (v - 1): "%d/%d" % (g, t)
                                             for v, (t, g) in sorted(by_version.items())})
    assert all(total == good for total, good in by_version.values())
    assert len(by_version) == 6
