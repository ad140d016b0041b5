"""Regenerate golden.json: what stock ovs-ofctl puts on the wire for each action of corpus.txt.

corpus.txt holds one flow per line as `MATCH|ACTIONS` (MATCH may be empty).  For every line
and every OpenFlow version, this script runs `ovs-ofctl -O OpenFlowXY add-flow` against the
fake switch of tests/golden/fake_switch.py, takes the flow_mod it sent, slices out the
action list (OpenFlow 1.0) or instruction list (1.1+), and asks `ovs-ofctl ofp-print` how
Open vSwitch prints the flow_mod back.  golden.json is a list of records
{"version", "match", "actions", "hex", "printed"}; when ovs-ofctl refuses the flow in a
version, "hex" and "printed" are null and "error" holds its message.

Run from the checkout: `python tests/data/actions_wire/regenerate.py`.
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.golden.fake_switch import FLOW_MODS, FakeSwitch, kind_of  # noqa: E402

PROTOCOLS = {1: "OpenFlow10", 2: "OpenFlow11", 3: "OpenFlow12", 4: "OpenFlow13",
             5: "OpenFlow14", 6: "OpenFlow15"}
_OF10_FLOW_MOD_LEN = 72
_NX_FLOW_MOD_LEN = 48
_OF11_FLOW_MOD_LEN = 48


def _padded(length: int) -> int:
    return (length + 7) // 8 * 8


def actions_part(message: bytes) -> bytes:
    """The action or instruction list of a captured flow_mod."""
    if kind_of(message) == "NXT_FLOW_MOD":
        (match_len,) = struct.unpack_from("!H", message, 40)
        return message[_NX_FLOW_MOD_LEN + _padded(match_len):]
    if message[0] == 1:
        return message[_OF10_FLOW_MOD_LEN:]
    (match_len,) = struct.unpack_from("!H", message, _OF11_FLOW_MOD_LEN + 2)
    return message[_OF11_FLOW_MOD_LEN + _padded(match_len):]


def printed_actions(message: bytes) -> str:
    """How ovs-ofctl prints the flow_mod's actions (None if it cannot print them)."""
    out = subprocess.run(["ovs-ofctl", "ofp-print", message.hex()], capture_output=True,
                         text=True).stdout
    text = " ".join(out.split("\n"))
    return text.split(" actions=", 1)[1].strip() if " actions=" in text else None


def capture(switch: FakeSwitch, version: int, match: str, actions: str) -> dict:
    flow = "%s,actions=%s" % (match, actions) if match else "actions=" + actions
    record = {"version": version, "match": match, "actions": actions}
    run = subprocess.run(["ovs-ofctl", "-O", PROTOCOLS[version], "add-flow", switch.target,
                          flow], capture_output=True, text=True, timeout=20)
    flow_mods = switch.take(kinds=FLOW_MODS)
    if run.returncode != 0:
        record.update(hex=None, printed=None, error=run.stderr.strip())
        return record
    message = flow_mods[-1]
    record.update(hex=actions_part(message).hex(), printed=printed_actions(message))
    return record


def main() -> None:
    lines = [line.rstrip("\n") for line in (HERE / "corpus.txt").open()]
    records = []
    with tempfile.TemporaryDirectory() as tmp, FakeSwitch(Path(tmp) / "sw.sock") as switch:
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            match, actions = line.split("|", 1)
            for version in PROTOCOLS:
                records.append(capture(switch, version, match, actions))
    (HERE / "golden.json").write_text(json.dumps(records, indent=1) + "\n")
    print("%d records, %d refused" % (len(records), sum(r["hex"] is None for r in records)))


if __name__ == "__main__":
    main()
