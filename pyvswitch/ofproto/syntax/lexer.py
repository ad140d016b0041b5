"""Splitting ovs-ofctl flow text into key/value pairs, the way ovs-ofctl splits it.

A flow, a match or an action list is a sequence of items separated by commas or white space.
An item is a bare word (`tcp`, `drop`), `key=value`, `key:value` or `key(value)`.  A value runs
to the next separator outside parentheses, so `learn(table=1,load:...)` and `output:reg0[0..3]`
are one item each.  `split_items` yields (key, value) pairs with value "" for a bare word;
the parsers above decide what each key means.

`FlowSyntaxError` is the one exception every parser in this package raises; its text is what
ovs-ofctl prints after "ovs-ofctl: ".  `PortNames` maps port names to numbers and back for
parsing names and for `--names` output.
"""
from __future__ import annotations

import dataclasses
from typing import Iterator, Mapping

SEPARATORS = ", \t\r\n"


class FlowSyntaxError(Exception):
    """Text that is not valid ovs-ofctl flow syntax; str() is ovs-ofctl's message."""


@dataclasses.dataclass(frozen=True)
class PortNames:
    by_name: Mapping[str, int] = dataclasses.field(default_factory=dict)
    by_number: Mapping[int, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs) -> "PortNames":
        """From (name, number) pairs, as a port description lists them."""
        pairs = list(pairs)
        return cls({name: number for name, number in pairs},
                   {number: name for name, number in pairs})


def _value_end(text: str, start: int, stops: str) -> int:
    """Index just past a value beginning at `start`: the first char of `stops` outside
    parentheses, or the closing parenthesis that would unbalance the value."""
    depth = 0
    pos = start
    while pos < len(text):
        char = text[pos]
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return pos
            depth -= 1
        elif depth == 0 and char in stops:
            return pos
        pos += 1
    return pos


def split_items(text: str) -> Iterator[tuple[str, str]]:
    """(key, value) for each item of `text`; value is "" for a bare word."""
    pos = 0
    while True:
        while pos < len(text) and text[pos] in SEPARATORS:
            pos += 1
        if pos >= len(text):
            return
        key_end = pos
        while key_end < len(text) and text[key_end] not in SEPARATORS + ":=()":
            key_end += 1
        key = text[pos:key_end]
        if key_end < len(text) and text[key_end] == "(":
            value_end = _value_end(text, key_end + 1, "")
            if value_end >= len(text):
                raise FlowSyntaxError("%s: unbalanced parentheses" % text[pos:])
            value = text[key_end + 1:value_end]
            pos = value_end + 1
        elif key_end < len(text) and text[key_end] in ":=":
            value_end = _value_end(text, key_end + 1, SEPARATORS)
            value = text[key_end + 1:value_end]
            pos = value_end
        elif key_end < len(text) and text[key_end] == ")":
            raise FlowSyntaxError("%s: unbalanced parentheses" % text[pos:])
        else:
            value = ""
            pos = key_end
        yield key, value


def split_args(text: str) -> list[str]:
    """Comma-separated arguments at parenthesis depth 0, stripped: "1,2/3" -> ["1", "2/3"]."""
    args = []
    pos = 0
    while True:
        end = _value_end(text, pos, ",")
        args.append(text[pos:end].strip())
        if end >= len(text) or text[end] != ",":
            return args
        pos = end + 1
