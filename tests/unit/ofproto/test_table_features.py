"""Table features: what pyvswitchd reports equals stock Open vSwitch's report, less the fields
this switch does not have (NSH, ERSPAN, GTP-U), and the codec keeps entries byte for byte."""
import json
import os
import struct

import pytest

from pyvswitch.ofproto import table_features as T
from pyvswitch.ofproto.protocol import codec, oxm
from pyvswitch.ofproto.protocol import messages as m
from pyvswitch.ofproto.protocol import table_features as tf
from pyvswitch.ofproto.protocol.errors import DecodeError

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "data", "table_features",
                      "stock.json")
with open(GOLDEN) as golden_file:
    STOCK = {int(version): [tf.decode_entries(bytes.fromhex(entry))[0] for entry in entries]
             for version, entries in json.load(golden_file)["tables"].items()}
# Experimenter classes of fields pyvswitch lacks: Nicira's ERSPAN/GTP-U and NSH.
_MISSING_EXPERIMENTERS = (0x00002320, 0x005AD650)


def _headers(payload: bytes) -> list[bytes]:
    headers, offset = [], 0
    while offset < len(payload):
        header = oxm.unpack_header(payload, offset)
        headers.append(payload[offset:offset + header.size])
        offset += header.size
    return headers


def _without_missing_fields(payload: bytes) -> list[bytes]:
    return [h for h in _headers(payload)
            if not (h[:2] == b"\xff\xff" and int.from_bytes(h[4:8], "big")
                    in _MISSING_EXPERIMENTERS)]


@pytest.mark.parametrize("version", sorted(STOCK))
def test_features_are_stocks_but_for_fields_we_lack(version):
    ours = {features.table_id: features for features in T.table_features(version)}
    assert sorted(ours) == list(range(254))
    for stock in STOCK[version]:
        mine = ours[stock.table_id]
        assert (mine.name, mine.metadata_match, mine.metadata_write, mine.config,
                mine.max_entries) == (stock.name, stock.metadata_match, stock.metadata_write,
                                      stock.config, stock.max_entries)
        assert [kind for kind, _ in mine.properties] == [kind for kind, _ in stock.properties]
        for (kind, payload), (_, stock_payload) in zip(mine.properties, stock.properties):
            if kind in (tf.OFPTFPT_MATCH, tf.OFPTFPT_WILDCARDS) or kind >= 12:
                assert _headers(payload) == _without_missing_fields(stock_payload), kind
            else:
                assert payload == stock_payload, kind


def test_a_reply_round_trips_and_truncation_is_an_error():
    reply = m.TableFeaturesReply(version=4, xid=7, tables=tuple(STOCK[4]))
    raw = codec.encode(reply)
    assert codec.encode(codec.decode(raw)) == raw
    for cut in (17, 30, 90, len(raw) - 3):
        broken = bytearray(raw[:cut])
        broken[2:4] = len(broken).to_bytes(2, "big")
        with pytest.raises(DecodeError):
            codec.decode(bytes(broken))


def test_table_features_are_unknown_before_openflow_13():
    request = struct.pack("!BBHIHH", 1, 16, 12, 1, 12, 0)     # an OpenFlow 1.0 stats request
    with pytest.raises(DecodeError) as error:
        codec.decode(request)
    assert error.value.error.name == "OFPBRC_BAD_STAT"
