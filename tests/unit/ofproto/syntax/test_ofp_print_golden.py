"""Flow-table messages printed as `ovs-ofctl ofp-print` prints them: flow_mods of every
command, flow removed, flow/aggregate statistics requests and replies, the Nicira
flow-format messages and errors quoting a flow_mod, at OpenFlow 1.0 (OFPT and NXT/NXST),
1.3 and 1.5.  tests/data/syntax/ofp_print.golden.json pairs bytes our codec wrote with
stock's text for them (regenerate_ofp_print.py); we decode the bytes and print."""
import json
import pathlib

import pytest

from pyvswitch.ofproto import ofctl_text

DATA = pathlib.Path(__file__).parents[3] / "data" / "syntax"
GOLDEN = json.loads((DATA / "ofp_print.golden.json").read_text())

# Our rendering contains this text where stock, reading our bytes, shows the codec is at
# fault, not the printer.
CODEC_ISSUES = {
}
# Stock refuses to decode some of our encodings (e.g. set_field:ip_src without an IP
# match): a codec question, not a printing one, so those bytes are not printing cases.
CASES = [case for case in GOLDEN if "***decode error" not in case["stock"]]


def _param(case):
    ours = ofctl_text.format_bytes(bytes.fromhex(case["hex"]))
    reasons = [reason for text, reason in CODEC_ISSUES.items() if text in ours]
    marks = [pytest.mark.xfail(reason=reasons[0], strict=True)] if reasons else []
    return pytest.param(case["hex"], case["stock"], marks=marks,
                        id=case["stock"].split("\n", 1)[0][:100])


@pytest.mark.parametrize("data,stock", [_param(case) for case in CASES])
def test_message_prints_as_ofp_print_does(data, stock):
    assert ofctl_text.format_bytes(bytes.fromhex(data)) == stock


def test_most_golden_bytes_are_printing_cases():
    assert len(CASES) >= 0.95 * len(GOLDEN)
