"""Error messages for bad flows, word for word as stock ovs-ofctl prints them after
"ovs-ofctl: " (tests/data/syntax/errors.golden.json, made by regenerate.py)."""
import json
import pathlib

import pytest

from pyvswitch.ofproto.syntax import FlowSyntaxError, parse_flow

DATA = pathlib.Path(__file__).parents[3] / "data" / "syntax"
GOLDEN = json.loads((DATA / "errors.golden.json").read_text())

# Stock accepts ct and nat inside ct(...); pyvswitch has no conntrack yet and refuses them.
OURS_INSTEAD = {"actions=ct(commit)": "ct action is not supported"}


@pytest.mark.parametrize("case", GOLDEN, ids=[case["flow"] for case in GOLDEN])
def test_bad_flow_gives_stock_error(case):
    expected = OURS_INSTEAD.get(case["flow"], case["error"])
    assert expected, "stock accepted %r: move it to flows.txt" % case["flow"]
    with pytest.raises(FlowSyntaxError) as raised:
        parse_flow(case["flow"])
    assert str(raised.value) == expected
