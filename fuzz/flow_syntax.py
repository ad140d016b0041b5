"""Fuzz harness: ovs-ofctl flow syntax, `pyvswitch.ofproto.syntax` parse_flow, parse_match and
parse_actions.

Contract checked on every input (bytes read as UTF-8, undecodable bytes replaced): parse_flow
of the whole text, and parse_match and parse_actions of the text before and after its
"actions=" (of the whole text when it has none), each return a value or raise
FlowSyntaxError, the error ovs-ofctl prints; any other exception is a crash.  What parses
must print as text that parses and prints as itself (format_match of parse_match of the
printed match, and likewise for actions).  Printed text need not parse back to the very
same value: like ovs-ofctl, format_match prints tun_metadata1=5/0xff as tun_metadata1=0x5.

Seeds: the flows of tests/data/syntax/flows.txt and the bad flows of errors.txt.
`python -m fuzz.flow_syntax --write-corpus` writes them to fuzz/corpus/flow_syntax/;
`python -m fuzz.flow_syntax [libFuzzer flags] [corpus dir]` runs atheris on `check`.
"""
from __future__ import annotations

import pathlib
import re
import sys

from fuzz.instrumented import instrumented_when_main, run_as_program

with instrumented_when_main(__name__):
    from pyvswitch.ofproto.syntax import (FlowSyntaxError, format_actions, format_match,
                                          parse_actions, parse_flow, parse_match)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SEED_FILES = [ROOT / "tests" / "data" / "syntax" / name for name in ("flows.txt", "errors.txt")]
CORPUS = ROOT / "fuzz" / "corpus" / "flow_syntax"
_ACTIONS = "actions="


class RoundTripError(AssertionError):
    """Parsed text that did not print and parse back to the same value."""


def _match_round_trip(text: str) -> None:
    try:
        match, priority = parse_match(text)
    except FlowSyntaxError:
        return
    printed = format_match(match, priority)
    again = format_match(*parse_match(printed))
    if again != printed:
        raise RoundTripError("match %r printed as %r, which prints as %r" % (text, printed, again))


def _actions_round_trip(text: str) -> None:
    try:
        actions = parse_actions(text)
    except FlowSyntaxError:
        return
    printed = format_actions(actions)
    again = format_actions(parse_actions(printed))
    if again != printed:
        raise RoundTripError("actions %r printed as %r, which prints as %r" % (text, printed, again))


def check(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        parse_flow(text)
    except FlowSyntaxError:
        pass
    match_text, found, actions_text = text.partition(_ACTIONS)
    if not found:
        actions_text = text
    _match_round_trip(match_text.rstrip(", "))
    _actions_round_trip(actions_text)


def seeds() -> list[bytes]:
    lines = []
    for path in SEED_FILES:
        lines += [line for line in path.read_text().splitlines()
                  if line.strip() and not line.startswith("#")]
    return list(dict.fromkeys(line.encode() for line in lines))


def tokens() -> list[bytes]:
    """Words and punctuation of the seeds, for the bounded loop's dictionary mutation."""
    words = set()
    for seed in seeds():
        words.update(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*=?|[(),:/=\[\]{}.-]|->", seed))
    return sorted(words)


if __name__ == "__main__":
    run_as_program(sys.argv, check, seeds, CORPUS)
