"""OVSDB error objects, as they appear in transaction results and replies.

RFC 7047 reports failures as JSON objects {"error": <name>, "details": <text>}.
ovsdb-server adds a made-up "syntax" member holding the offending JSON text
(compact, keys sorted) whenever an error is about a particular piece of input,
and an "io-error" member for I/O failures.  `OvsdbError` carries those fields;
`to_json()` produces the object exactly as ovsdb-server does.

When one request has several problems, ovsdb-server reports the first it meets while
walking a JSON object or a table's columns, and it walks those in the iteration order
of its C hash tables.  `c_hash_order()` reproduces that order (OVS's 32-bit murmur-style
string hash, buckets listed in index order, newest entry first within a bucket, the
table doubling as it fills) so that we report the same problem.

`c_json_text()` renders JSON the way Open vSwitch's C library does for those
"syntax" strings: no spaces, object members sorted, reals printed with 15
significant digits ("%.15g"), integers outside 64 bits treated as reals.
"""
import json
import math
import struct

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


class OvsdbError(Exception):
    """One OVSDB error: `tag` is the "error" name, e.g. "constraint violation"."""

    def __init__(self, tag: str, details: str | None = None, *, syntax: str | None = None,
                 io_error: str | None = None):
        super().__init__(tag if details is None else "%s: %s" % (tag, details))
        self.tag = tag
        self.details = details
        self.syntax = syntax
        self.io_error = io_error

    def to_json(self) -> dict:
        obj = {"error": self.tag}
        if self.details is not None:
            obj["details"] = self.details
        if self.syntax is not None:
            obj["syntax"] = self.syntax
        if self.io_error is not None:
            obj["io-error"] = self.io_error
        return obj


def syntax_error(offending_json, details: str, tag: str = "syntax error") -> OvsdbError:
    """An error about `offending_json`, reported with its C-style JSON text."""
    return OvsdbError(tag, details, syntax=c_json_text(offending_json))


def c_json_real(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "null"
    return "%.15g" % value


def c_json_text(value) -> str:
    parts: list[str] = []
    _put_c_json(value, parts)
    return "".join(parts)


def _put_c_json(value, out: list) -> None:
    if value is None or value is True or value is False:
        out.append(json.dumps(value))
    elif isinstance(value, int):
        out.append(str(value) if INT64_MIN <= value <= INT64_MAX else c_json_real(float(value)))
    elif isinstance(value, float):
        out.append(c_json_real(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, element in enumerate(value):
            if i:
                out.append(",")
            _put_c_json(element, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode())):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _put_c_json(value[key], out)
        out.append("}")
    else:
        raise TypeError("not JSON: %r" % (value,))


_MASK32 = 0xFFFFFFFF


def _rotate(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK32


def _hash_add(hash_: int, data: int) -> int:
    if data:
        data = (data * 0xCC9E2D51) & _MASK32
        data = _rotate(data, 15)
        data = (data * 0x1B873593) & _MASK32
        hash_ ^= data
    hash_ = _rotate(hash_, 13)
    return (hash_ * 5 + 0xE6546B64) & _MASK32


def _hash_string(text: str) -> int:
    raw = text.encode()
    n = len(raw)
    hash_ = 0
    whole = n - n % 4
    for offset in range(0, whole, 4):
        hash_ = _hash_add(hash_, struct.unpack_from("<I", raw, offset)[0])
    if whole < n:
        hash_ = _hash_add(hash_, int.from_bytes(raw[whole:], "little"))
    hash_ ^= n
    hash_ ^= hash_ >> 16
    hash_ = (hash_ * 0x85EBCA6B) & _MASK32
    hash_ ^= hash_ >> 13
    hash_ = (hash_ * 0xC2B2AE35) & _MASK32
    return hash_ ^ (hash_ >> 16)


def _bucket_mask(count: int) -> int:
    mask = count // 2
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> shift
    return mask | ((mask & 1) << 1)


def c_hash_order(names) -> list:
    """`names` (in insertion order) in the order OVS's C hash table iterates them."""
    mask = 0
    buckets: list[list] = [[]]
    count = 0
    for name in names:
        hash_ = _hash_string(name)
        buckets[hash_ & mask].insert(0, (name, hash_))
        count += 1
        if count // 2 > mask:
            new_mask = _bucket_mask(count)
            if new_mask > mask:
                grown: list[list] = [[] for _ in range(new_mask + 1)]
                for bucket in buckets:
                    for entry in bucket:
                        grown[entry[1] & new_mask].insert(0, entry)
                buckets, mask = grown, new_mask
    return [entry[0] for bucket in buckets for entry in bucket]
