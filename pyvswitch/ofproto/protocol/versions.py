"""OpenFlow protocol versions: wire numbers, display names and HELLO version bitmaps.

A set of versions is a frozenset of wire version numbers (0x01 = OpenFlow 1.0 ... 0x06 =
OpenFlow 1.5).  The HELLO version-bitmap element carries such a set as 32-bit words, bit N of
the whole bitmap meaning "version N is supported".
"""
from __future__ import annotations

OFP10 = 0x01
OFP11 = 0x02
OFP12 = 0x03
OFP13 = 0x04
OFP14 = 0x05
OFP15 = 0x06

ALL_VERSIONS = frozenset(range(OFP10, OFP15 + 1))

# How ovs-ofctl names a version in message headers ("OFPT_HELLO (OF1.3) ...") and in
# -O/--protocols ("OpenFlow13").
DISPLAY_NAMES = {OFP10: "OF1.0", OFP11: "OF1.1", OFP12: "OF1.2",
                 OFP13: "OF1.3", OFP14: "OF1.4", OFP15: "OF1.5"}
PROTOCOL_NAMES = {"OpenFlow10": OFP10, "OpenFlow11": OFP11, "OpenFlow12": OFP12,
                  "OpenFlow13": OFP13, "OpenFlow14": OFP14, "OpenFlow15": OFP15}


def versions_to_bitmap_words(versions: frozenset[int]) -> list[int]:
    """The bitmap words for `versions`, as many as the highest version needs."""
    n_words = max(versions) // 32 + 1
    words = [0] * n_words
    for version in versions:
        words[version // 32] |= 1 << (version % 32)
    return words


def bitmap_words_to_versions(words: list[int]) -> frozenset[int]:
    return frozenset(index * 32 + bit
                     for index, word in enumerate(words)
                     for bit in range(32) if word & (1 << bit))


def is_contiguous_from_one(versions: frozenset[int]) -> bool:
    """True if `versions` is exactly 0x01..max; a HELLO then needs no bitmap element,
    because a bare HELLO of version V means "V and every earlier version"."""
    return bool(versions) and versions == frozenset(range(1, max(versions) + 1))
