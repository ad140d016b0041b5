"""Flow files as ovs-ofctl reads them (add-flows, replace-flows, diff-flows, parse-flows).

One flow per line.  A "#" starts a comment that runs to the end of the line; a line that is
blank once its comment is gone is skipped.  Surrounding white space is dropped.  There is no
line continuation: Open vSwitch 3.1 keeps a trailing backslash as part of the flow, and so do
we.  Line numbers count every physical line, so error messages point where ovs-ofctl's do
("FILE:LINE: message").  The name "-" means standard input.
"""
from __future__ import annotations

import sys
from typing import Iterator, TextIO


def flow_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """(line number, flow text) for each line of `stream` that holds a flow."""
    for number, line in enumerate(stream, start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            yield number, text


def read_flow_file(name: str) -> list[tuple[int, str]]:
    """The flows of file `name` ("-" for standard input); OSError when it cannot be opened."""
    if name == "-":
        return list(flow_lines(sys.stdin))
    with open(name, encoding="utf-8", errors="surrogateescape") as stream:
        return list(flow_lines(stream))
