"""NXM and OXM matches: the TLV lists of Nicira extended matches and OpenFlow 1.2+ `ofp_match`,
to and from `Match`.

A match on the wire is a list of entries, each a header word (see `oxm`), a value and, when
the header's hasmask bit is set, a mask.  NXM (NXT_FLOW_MOD, NXST_FLOW, ... in OpenFlow 1.0)
and OXM (OpenFlow 1.2+) share the format and the header space: an NXM list may carry OXM
headers for fields NXM never named (metadata), an OXM list may carry NXM headers for
Nicira-only fields (registers, tun_src...).  They differ in which header is preferred for a
field, and that depends on the version: the registry's code points say which header Open
vSwitch writes in which version (`_code`: tcp_flags is NXM_NX_TCP_FLAGS in 1.2,
ONFOXM_ET_TCP_FLAGS in 1.3-1.4, OXM_OF_TCP_FLAGS in 1.5), and OpenFlow 1.5 writes the
registers pairwise as 64-bit xregs.  Port-valued fields (in_port, actset_output) travel in
16 bits under an NXM header and in OpenFlow 1.1 numbering under a 4-byte OXM header.

Encoding writes entries in Open vSwitch's order (`_entries`: metadata, Ethernet, VLAN, MPLS,
L3/L4 chosen by dl_type and nw_proto, tunnel, registers, conntrack, metadata, cookie), an
unmasked entry when a field is fully matched and a masked one otherwise, so that a match
decoded from ovs-ofctl's bytes encodes back to the same bytes.

Decoding checks each entry as Open vSwitch does and raises `DecodeError` with its error:
a truncated entry OFPBMC_BAD_LEN, an unknown header (or one with the wrong length)
OFPBMC_BAD_FIELD, value bits outside the mask OFPBMC_BAD_WILDCARDS, a mask on a field that
takes none OFPBMC_BAD_MASK, a value outside the field OFPBMC_BAD_VALUE, a field whose
prerequisites the earlier entries do not establish OFPBMC_BAD_PREREQ, a field given twice
OFPBMC_DUP_FIELD.  `strict=False` (replies: flow stats, flow removed) skips unknown fields
and prerequisites, as Open vSwitch's "loose" decoding does.
"""
from __future__ import annotations

import struct
from typing import Iterator, NamedTuple, Optional

from pyvswitch import fields as F
from pyvswitch.ofproto.match import Match, prereqs_pinned
from pyvswitch.ofproto.protocol import errors, oxm
from pyvswitch.ofproto.protocol.errors import DecodeError
from pyvswitch.ofproto.protocol.ports import port_from_wire32, port_to_wire32
from pyvswitch.ofproto.protocol.versions import OFP15

NXM = None   # the "version" argument meaning Nicira NXM rather than OXM

_COOKIE = oxm.Header(0x0001, 30, False, 8)
ETH_TYPE_MPLS = (0x8847, 0x8848)


def _known(name: str) -> bool:
    return name in F.FIELDS


def _code(name: str, version: Optional[int]) -> Optional[tuple]:
    """The (class, field, value bytes[, experimenter]) a match entry for `name` carries:
    in NXM the field's first code point (its NXM one, or its oldest OXM one for fields NXM
    never named); in OXM the newest code point the version has, else the first one, as
    Open vSwitch picks them (so OpenFlow 1.1 OXM uses NXM headers where there are some).
    An OXM in_port is always the 32-bit OXM_OF_IN_PORT."""
    points = F.FIELDS[name].codes
    if not points:
        return None
    if version is NXM:
        return points[0].code
    if name == "in_port":
        points = [point for point in points if point.code[2] == 4]
    chosen = points[0]
    for point in points:
        if version >= point.since:
            chosen = point
    return chosen.code


def _is_port32(name: str, code: tuple) -> bool:
    return F.FIELDS[name].fmt == "port" and code[2] == 4


def _is_variable(name: str) -> bool:
    # tun_metadata<n> entries are as long as the option data their TLV mapping gives,
    # up to the code point's length; their value is right-aligned in the field.
    return name.startswith("tun_metadata")


def _variable_code(code: tuple, value: int, mask: int, exact: bool) -> tuple:
    """A tun_metadata code point shortened to the bytes the value (and mask) need, as
    ovs-ofctl writes one when no TLV map says otherwise."""
    used = value if exact else value | mask
    return (code[0], code[1], max(1, (used.bit_length() + 7) // 8)) + tuple(code[3:])


def _header(code: tuple, hasmask: bool) -> oxm.Header:
    cls, field_no, length = code[0], code[1], code[2]
    experimenter = code[3] if len(code) > 3 else None
    payload = length * 2 if hasmask else length
    if experimenter is not None:
        payload += 4
    return oxm.Header(cls, field_no, hasmask, payload, experimenter)


def _put(code: tuple, value: int, mask: Optional[int]) -> bytes:
    length = code[2]
    data = _header(code, mask is not None).pack() + value.to_bytes(length, "big")
    if mask is not None:
        data += mask.to_bytes(length, "big")
    return data


# ---- encoding -----------------------------------------------------------------------------

def _present(match: Match, *names: str) -> Iterator[tuple[str, int, int]]:
    for name in names:
        if _known(name):
            value, mask = match.get(name)
            if mask:
                yield name, value, mask


def _value(match: Match, name: str) -> int:
    return match.get(name)[0] if _known(name) else 0


def _entries(match: Match, version: Optional[int]) -> Iterator[tuple[str, int, int]]:
    """(field, value, mask) of every constrained field, in the order Open vSwitch writes them
    and under the names the match's dl_type and nw_proto give its bits."""
    yield from _present(match, "packet_type", "dp_hash", "recirc_id", "conj_id", "in_port",
                        "actset_output", "dl_src", "dl_dst", "dl_type")
    if version is NXM:
        yield from _present(match, "vlan_tci")
    else:
        yield from _present(match, "vlan_vid")
        if _value(match, "vlan_vid"):
            yield from _present(match, "vlan_pcp")
    dl_type = _value(match, "dl_type")
    if dl_type in ETH_TYPE_MPLS:
        yield from _present(match, "mpls_tc", "mpls_bos", "mpls_ttl", "mpls_label")
    if dl_type in (F.ETH_TYPE_IP, F.ETH_TYPE_IPV6):
        yield from _ip_entries(match, version, dl_type)
    elif dl_type in (F.ETH_TYPE_ARP, F.ETH_TYPE_RARP):
        yield from _present(match, "arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha")
    yield from _present(match, "tun_id", "tun_flags", "tun_src", "tun_dst", "tun_ipv6_src",
                        "tun_ipv6_dst", "tun_gbp_id", "tun_gbp_flags",
                        *("tun_metadata%d" % i for i in range(64)),
                        "tun_erspan_idx", "tun_erspan_ver", "tun_erspan_dir",
                        "tun_erspan_hwid", "tun_gtpu_flags", "tun_gtpu_msgtype")
    if version is NXM or version < OFP15:
        yield from _present(match, *("reg%d" % i for i in range(16)))
    else:
        yield from _present(match, *("xreg%d" % i for i in range(8)))
    yield from _present(match, "pkt_mark", "ct_state", "ct_zone", "ct_mark", "ct_label",
                        "ct_nw_src", "ct_ipv6_src", "ct_nw_dst", "ct_ipv6_dst")
    if _value(match, "ct_nw_proto"):
        yield from _present(match, "ct_nw_proto", "ct_tp_src", "ct_tp_dst")
    yield from _present(match, "metadata")


def _ip_entries(match: Match, version: Optional[int], dl_type: int):
    if dl_type == F.ETH_TYPE_IP:
        yield from _present(match, "nw_src", "nw_dst")
    else:
        yield from _present(match, "ipv6_src", "ipv6_dst")
    yield from _present(match, "ip_frag", "nw_tos" if version is NXM else "ip_dscp",
                        "nw_ecn", "nw_ttl", "ipv6_label", "nw_proto")
    if not match.get("nw_proto")[1]:
        return
    nw_proto = _value(match, "nw_proto")
    if nw_proto == F.IPPROTO_TCP:
        yield from _present(match, "tcp_src", "tcp_dst", "tcp_flags")
    elif nw_proto == F.IPPROTO_UDP:
        yield from _present(match, "udp_src", "udp_dst")
    elif nw_proto == F.IPPROTO_SCTP:
        yield from _present(match, "sctp_src", "sctp_dst")
    elif nw_proto == F.IPPROTO_ICMP and dl_type == F.ETH_TYPE_IP:
        yield from _present(match, "icmp_type", "icmp_code")
    elif nw_proto == F.IPPROTO_ICMPV6 and dl_type == F.ETH_TYPE_IPV6:
        yield from _present(match, "icmpv6_type", "icmpv6_code")
        icmp_type = _value(match, "icmpv6_type")
        if icmp_type in (135, 136) and not _value(match, "icmpv6_code"):
            yield from _present(match, "nd_reserved", "nd_target", "nd_options_type")
            yield from _present(match, "nd_sll" if icmp_type == 135 else "nd_tll")


def encode_entries(match: Match, version: Optional[int] = NXM, cookie: int = 0,
                   cookie_mask: int = 0) -> bytes:
    """The entries expressing `match`, unpadded: NXM for `version` NXM, else the OXM list of
    that OpenFlow version.  A nonzero `cookie_mask` adds the NXM cookie pseudo-field (NXM
    flow mods and flow stats requests carry the cookie filter that way)."""
    value = match.value
    out = []
    for step in _plan(match, version):
        if step.shift is None:
            out.append(_put_variable(step, match))
            continue
        field_value = (value >> step.shift) & step.value_mask
        if step.port32:
            field_value = port_to_wire32(field_value)
        out.append(step.header + field_value.to_bytes(step.length, "big") + step.mask_bytes)
    if cookie_mask:
        masked = cookie_mask != (1 << 64) - 1
        cookie_code = (_COOKIE.cls, _COOKIE.field, 8)
        out.append(_put(cookie_code, cookie & cookie_mask, cookie_mask if masked else None))
    return b"".join(out)


# ---- encoding plans -----------------------------------------------------------------------
#
# Which entries a match has, in which order and under which headers depends only on its mask
# and on a few of its values (dl_type, nw_proto, whether vlan_vid and ct_nw_proto are set,
# icmpv6_type and icmpv6_code of an IPv6 ICMP match): `_entries` consults nothing else.
# Flows of one table share a handful of masks, so the steps to write (bits to take from the
# value, header and mask bytes) are worked out once per such shape and kept in `_PLANS`.

class _Step(NamedTuple):
    name: str
    shift: Optional[int]        # None: a tun_metadata entry, whose length its value gives
    value_mask: int             # the field's bits that reach the wire
    length: int
    header: bytes
    mask_bytes: bytes           # b"" for an unmasked entry
    port32: bool
    code: tuple


def _field_bits(name: str) -> tuple[int, int]:
    if not _known(name):
        return 0, 0
    field = F.FIELDS[name]
    return field.shift, field.value_mask


(_DL_TYPE, _VLAN_VID, _NW_PROTO, _ICMPV6_TYPE, _ICMPV6_CODE, _CT_NW_PROTO) = (
    _field_bits(name) for name in ("dl_type", "vlan_vid", "nw_proto", "icmpv6_type",
                                   "icmpv6_code", "ct_nw_proto"))
_PLANS: dict = {}
_MAX_PLANS = 4096


def _shape(match: Match, version: Optional[int]) -> tuple:
    value = match.value
    dl_type = (value >> _DL_TYPE[0]) & _DL_TYPE[1]
    nw_proto = (value >> _NW_PROTO[0]) & _NW_PROTO[1]
    icmpv6 = None
    if dl_type == F.ETH_TYPE_IPV6 and nw_proto == F.IPPROTO_ICMPV6:
        icmpv6 = ((value >> _ICMPV6_TYPE[0]) & _ICMPV6_TYPE[1],
                  (value >> _ICMPV6_CODE[0]) & _ICMPV6_CODE[1])
    return (version, match.mask, dl_type, nw_proto, icmpv6,
            bool((value >> _VLAN_VID[0]) & _VLAN_VID[1]),
            bool((value >> _CT_NW_PROTO[0]) & _CT_NW_PROTO[1]))


def _plan(match: Match, version: Optional[int]) -> tuple[_Step, ...]:
    shape = _shape(match, version)
    plan = _PLANS.get(shape)
    if plan is None:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        plan = _PLANS[shape] = tuple(
            step for name, _, mask in _entries(match, version)
            if (step := _step(name, mask, version)) is not None)
    return plan


def _step(name: str, mask: int, version: Optional[int]) -> Optional[_Step]:
    """How to write field `name` matched under `mask` (its own bits)."""
    code = _code(name, version)
    if code is None:
        return None
    if _is_variable(name):
        return _Step(name, None, 0, 0, b"", b"", False, code)
    field = F.FIELDS[name]
    wire_full = (1 << 8 * code[2]) - 1
    full = field.value_mask & wire_full
    if field.fmt == "tun_flags":
        # Only the flag bits are matchable, and ovs-ofctl always writes them masked.
        full = wire_full
    exact = mask == field.value_mask
    mask &= wire_full
    port32 = _is_port32(name, code)
    if port32:
        mask = full = wire_full
    masked = not (exact and mask == full)
    return _Step(name, field.shift, field.value_mask & wire_full, code[2],
                 _header(code, masked).pack(), mask.to_bytes(code[2], "big") if masked else b"",
                 port32, code)


def _put_variable(step: _Step, match: Match) -> bytes:
    field = F.FIELDS[step.name]
    value, mask = match.get(step.name)
    code = _variable_code(step.code, value, mask, mask == field.value_mask)
    wire_full = (1 << 8 * code[2]) - 1
    exact = mask == field.value_mask
    value, mask = value & wire_full, mask & wire_full
    return _put(code, value, None if exact and mask == field.value_mask & wire_full else mask)


def padding(length: int) -> bytes:
    return b"\0" * (-length % 8)


# ---- decoding -----------------------------------------------------------------------------

def _code_index() -> dict:
    by_code = {}
    for field in F.FIELDS.values():
        for point in field.codes:
            code = point.code
            key = (code[0], code[1], code[3] if len(code) > 3 else None)
            by_code.setdefault(key, (field.name, code[2]))
    return by_code


_BY_CODE: dict = {}


def _field_for(header: oxm.Header) -> Optional[tuple[str, tuple]]:
    """The field a header names and the code point it uses, None if unknown or if the
    header's length is not the code point's."""
    if not _BY_CODE:
        _BY_CODE.update(_code_index())
    found = _BY_CODE.get((header.cls, header.field, header.experimenter))
    if found is None:
        return None
    name, length = found
    if header.value_length == length or (_is_variable(name)
                                         and 0 < header.value_length <= length):
        return found
    return None


_KNOWN_WORDS: dict = {}


def _known_words() -> dict:
    """The header words of the fixed-length, non-experimenter fields (both with and without
    a mask) -> (field, value length, hasmask): the entries of almost every match, decoded
    without building an `oxm.Header`."""
    if not _KNOWN_WORDS:
        if not _BY_CODE:
            _BY_CODE.update(_code_index())
        for (cls, field_no, experimenter), (name, length) in _BY_CODE.items():
            if experimenter is not None or _is_variable(name):
                continue
            for hasmask in (False, True):
                word = cls << 16 | field_no << 9 | hasmask << 8 | (2 * length if hasmask
                                                                   else length)
                _KNOWN_WORDS[word.to_bytes(4, "big")] = (name, length, hasmask)
    return _KNOWN_WORDS


def _vlan_pcp_prereq(value: int, mask: int) -> bool:
    # vlan_pcp needs a VLAN header known to be present (the CFI bit matched as 1).
    return bool((value & mask) >> _VLAN_TCI_SHIFT & F.VLAN_CFI)


_VLAN_TCI_SHIFT = F.FIELDS["vlan_tci"].shift


def decode_entries(data: bytes, *, strict: bool = True, allow_cookie: bool = False
                   ) -> tuple[Match, int, int]:
    """The match the entries in `data` (exactly, no padding) express, with the cookie and
    cookie mask of an NXM cookie pseudo-field (0, 0 if none; only with `allow_cookie`)."""
    match_value = match_mask = 0
    cookie = cookie_mask = 0
    offset = 0
    known = _known_words()
    while offset < len(data):
        entry = known.get(data[offset:offset + 4])
        if entry is not None:
            name, width, hasmask = entry
            start = offset + 4
            offset = start + (2 * width if hasmask else width)
            if offset > len(data):
                raise DecodeError(errors.BAD_MATCH_LEN, "match entry runs past the match")
            value = int.from_bytes(data[start:start + width], "big")
            if hasmask:
                wire_mask = int.from_bytes(data[start + width:offset], "big")
                if value & ~wire_mask:
                    raise DecodeError(errors.BAD_WILDCARDS, "1-bits in value under a 0 mask")
            else:
                wire_mask = (1 << 8 * width) - 1
            match_value, match_mask = _add_entry(match_value, match_mask, name, value,
                                                 wire_mask, width, hasmask, strict)
            continue
        header = oxm.unpack_header(data, offset)
        if header is None or header.length < header.size - 4:
            raise DecodeError(errors.BAD_MATCH_LEN, "partial match entry")
        payload_start = offset + header.size
        end = offset + 4 + header.length
        if end > len(data):
            raise DecodeError(errors.BAD_MATCH_LEN, "match entry runs past the match")
        width = header.value_length
        value_bytes = data[payload_start:payload_start + width]
        mask_bytes = data[payload_start + width:end] if header.hasmask else None
        offset = end
        if mask_bytes is not None and any(v & ~m for v, m in zip(value_bytes, mask_bytes)):
            raise DecodeError(errors.BAD_WILDCARDS, "1-bits in value under a 0 mask")
        value = int.from_bytes(value_bytes, "big")
        wire_mask = (int.from_bytes(mask_bytes, "big") if mask_bytes is not None
                     else (1 << 8 * width) - 1)
        if allow_cookie and header._replace(hasmask=False, length=8) == _COOKIE \
                and width == 8:
            if cookie_mask:
                raise DecodeError(errors.DUP_FIELD, "cookie given twice")
            cookie, cookie_mask = value, wire_mask
            continue
        found = _field_for(header)
        if found is None:
            if strict:
                raise DecodeError(errors.BAD_FIELD, "unknown match field %r" % (header,))
            continue
        match_value, match_mask = _add_entry(match_value, match_mask, found[0], value,
                                             wire_mask, width, header.hasmask, strict)
    return Match(match_value, match_mask), cookie, cookie_mask


def _add_entry(match_value: int, match_mask: int, name: str, value: int, wire_mask: int,
               width: int, hasmask: bool, strict: bool) -> tuple[int, int]:
    """The match (value, mask) with entry `name` added, or DecodeError."""
    field = F.FIELDS[name]
    full_wire = (1 << 8 * width) - 1
    if hasmask and not field.maskable and wire_mask not in (0, full_wire):
        raise DecodeError(errors.BAD_MASK, "%s takes no mask" % name)
    if field.fmt == "port" and width == 4:
        try:
            value = port_from_wire32(value)
        except DecodeError:
            raise DecodeError(errors.BAD_VALUE, "%s %#x" % (name, value)) from None
    elif value & ~field.value_mask:
        raise DecodeError(errors.BAD_VALUE, "%s value %#x out of range" % (name, value))
    if wire_mask == full_wire and not (hasmask and _is_variable(name)):
        mask = field.value_mask
    else:
        mask = wire_mask & field.value_mask
    if strict and not prereqs_pinned(match_value, match_mask, name):
        raise DecodeError(errors.BAD_PREREQ, "%s without its prerequisites" % name)
    if strict and name == "vlan_pcp" and not _vlan_pcp_prereq(match_value, match_mask):
        raise DecodeError(errors.BAD_PREREQ, "vlan_pcp without a VLAN")
    if match_mask & field.mask:
        raise DecodeError(errors.DUP_FIELD, "%s given twice" % name)
    key_bits = mask << field.shift
    return match_value | ((value & mask) << field.shift), match_mask | key_bits


# ---- ofp_match (OpenFlow 1.2+) and NXM framing -------------------------------------------

OFPMT_STANDARD = 0
OFPMT_OXM = 1
_MATCH_HEADER = struct.Struct("!HH")


def encode_oxm_match(match: Match, version: int) -> bytes:
    """An OpenFlow 1.2+ `ofp_match` (type OXM), padded to 8 bytes."""
    entries = encode_entries(match, version)
    length = _MATCH_HEADER.size + len(entries)
    return _MATCH_HEADER.pack(OFPMT_OXM, length) + entries + padding(length)


def decode_oxm_match(data: bytes, offset: int = 0, *, strict: bool = True
                     ) -> tuple[Match, int]:
    """The `ofp_match` at data[offset:] and the offset after it (and its padding)."""
    if len(data) - offset < _MATCH_HEADER.size:
        raise DecodeError(errors.BAD_MATCH_LEN, "match header truncated")
    match_type, length = _MATCH_HEADER.unpack_from(data, offset)
    if length < _MATCH_HEADER.size:
        raise DecodeError(errors.BAD_MATCH_LEN, "match length %d" % length)
    if match_type != OFPMT_OXM:
        raise DecodeError(errors.BAD_MATCH_TYPE, "match type %d" % match_type)
    end = offset + (length + 7) // 8 * 8
    if end > len(data):
        raise DecodeError(errors.BAD_MATCH_LEN, "match runs past the message")
    match, _, _ = decode_entries(data[offset + _MATCH_HEADER.size:offset + length],
                                 strict=strict)
    return match, end


def decode_nxm(data: bytes, offset: int, match_len: int, *, strict: bool = True,
               allow_cookie: bool = False) -> tuple[Match, int, int, int]:
    """The NXM of `match_len` bytes at data[offset:] (padded to 8): (match, cookie,
    cookie_mask, offset after the padding)."""
    end = offset + (match_len + 7) // 8 * 8
    if end > len(data):
        raise DecodeError(errors.BAD_MATCH_LEN, "nx_match runs past the message")
    match, cookie, cookie_mask = decode_entries(data[offset:offset + match_len],
                                                strict=strict, allow_cookie=allow_cookie)
    return match, cookie, cookie_mask, end
