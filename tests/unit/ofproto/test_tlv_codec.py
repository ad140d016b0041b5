"""The Geneve TLV map messages against stock ovs-ofctl: what it sends for each MAP (bytes,
or its refusal) and what its ofp-print prints for table mods, replies and errors quoting
them, recorded in tests/data/tlv/golden.json by tests/golden/capture_tlv.py."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from pyvswitch.cli import ofctl_tlv
from pyvswitch.ofproto.protocol import codec, errors, tlv_codec
from pyvswitch.ofproto.protocol import messages as m

GOLDEN = json.loads((pathlib.Path(__file__).parents[2] / "data" / "tlv" /
                     "golden.json").read_text())
_COMMANDS = {"add-tlv-map": m.NXTTMC_ADD, "del-tlv-map": m.NXTTMC_DELETE}


def _tlv_messages(entry) -> list[bytes]:
    return [bytes.fromhex(text) for text in entry["messages"]
            if int(text[24:32], 16) in (tlv_codec.NXT_TLV_TABLE_MOD,
                                        tlv_codec.NXT_TLV_TABLE_REQUEST)]


ACCEPTED = [entry for entry in GOLDEN["requests"]
            if entry["command"] != "dump-tlv-map" and entry["status"] == 0]
REFUSED = [entry for entry in GOLDEN["requests"] if entry["status"] == 1]


def _name(entry) -> str:
    return "%s-%s-%s" % (entry["version"], entry["command"], entry["arguments"])


def test_the_golden_data_covers_every_command_and_refusal():
    assert {entry["command"] for entry in ACCEPTED} == {"add-tlv-map", "del-tlv-map"}
    assert len(REFUSED) >= 8 * 3
    assert any(entry["command"] == "dump-tlv-map" for entry in GOLDEN["requests"])


@pytest.mark.parametrize("entry", ACCEPTED, ids=_name)
def test_a_map_parses_and_encodes_to_the_bytes_stock_sends(entry):
    (wire,) = _tlv_messages(entry)
    if entry["arguments"]:
        command = _COMMANDS[entry["command"]]
        mappings = ofctl_tlv.parse_mappings(entry["arguments"][0])
    else:
        command, mappings = m.NXTTMC_CLEAR, ()
    ours = m.TlvTableMod(version=wire[0], xid=int.from_bytes(wire[4:8], "big"),
                         command=command, mappings=mappings)
    assert codec.encode(ours) == wire
    if all(mapping.option_len % 4 == 0 and mapping.option_len <= 124 and mapping.index < 64
           for mapping in mappings):
        assert codec.decode(wire) == ours
    else:
        with pytest.raises(errors.DecodeError):
            codec.decode(wire)


@pytest.mark.parametrize("entry", REFUSED, ids=_name)
def test_a_map_stock_refuses_is_refused_with_its_message(entry):
    assert entry["stderr"] == "ovs-ofctl: invalid tlv mapping\n"
    assert not entry["messages"]
    with pytest.raises(ofctl_tlv.MappingSyntaxError, match="^invalid tlv mapping$"):
        ofctl_tlv.parse_mappings(entry["arguments"][0])


def test_the_request_is_the_bytes_stock_sends():
    for entry in GOLDEN["requests"]:
        if entry["command"] == "dump-tlv-map":
            (wire,) = _tlv_messages(entry)
            request = m.TlvTableRequest(version=wire[0],
                                        xid=int.from_bytes(wire[4:8], "big"))
            assert codec.encode(request) == wire
            assert codec.decode(wire) == request


@pytest.mark.parametrize("entry", GOLDEN["print"], ids=lambda entry: entry["hex"][:48])
def test_printed_as_ofp_print_prints_it(entry):
    warning, text = ofctl_tlv.print_bytes(bytes.fromhex(entry["hex"]))
    assert text == entry["stdout"]
    if not entry["stderr"].startswith("ofp_msgs|"):   # the framing layer's own warning
        assert re.sub(r"^\S+\|\d+\|", "", warning, flags=re.M) == entry["stderr"]


@pytest.mark.parametrize("entry", GOLDEN["print"], ids=lambda entry: entry["hex"][:48])
def test_what_decodes_encodes_back_to_the_same_bytes(entry):
    wire = bytes.fromhex(entry["hex"])
    try:
        message = codec.decode(wire)
    except errors.DecodeError:
        return
    assert codec.encode(message) == wire


@pytest.mark.parametrize("body, error", [
    (bytes.fromhex("0003000000000000"), errors.TLV_BAD_COMMAND),
    (bytes.fromhex("0000000000000000" "00010105" "00010000"), errors.TLV_BAD_OPT_LEN),
    (bytes.fromhex("0000000000000000" "00010180" "00010000"), errors.TLV_BAD_OPT_LEN),
    (bytes.fromhex("0000000000000000" "00010104" "00400000"), errors.TLV_BAD_FIELD_IDX),
    (bytes.fromhex("0000000000000000" "00010104"), errors.BAD_LEN),
    (bytes.fromhex("000000"), errors.BAD_LEN),
])
def test_a_malformed_table_mod_raises_the_error_open_vswitch_answers(body, error):
    header = bytes.fromhex("01040000000000070000232000000018")
    data = bytearray(header + body)
    data[2:4] = len(data).to_bytes(2, "big")
    with pytest.raises(errors.DecodeError) as raised:
        codec.decode(bytes(data))
    assert raised.value.error == error


@pytest.mark.parametrize("version", [1, 4, 6])
def test_an_error_answering_a_table_mod_carries_the_nicira_numbers(version):
    request = codec.decode(codec.encode(m.TlvTableMod(
        version=version, xid=9, mappings=(m.TlvMapping(0xffff, 0, 4, 0),))))
    reply = codec.error_reply(request, errors.TLV_ALREADY_MAPPED)
    named, quoted = errors.from_wire(version, reply.type, reply.code, reply.data)
    assert named == errors.TLV_ALREADY_MAPPED
    assert quoted == request.raw
