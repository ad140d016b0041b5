"""pyvs-ofctl's Geneve TLV map commands, as ovs-ofctl(8) has them:

    add-tlv-map SWITCH MAP      NXT_TLV_TABLE_MOD ADD with MAP's mappings
    del-tlv-map SWITCH [MAP]    DELETE of MAP's field indexes, or CLEAR without MAP
    dump-tlv-map SWITCH         NXT_TLV_TABLE_REQUEST, the reply printed

MAP is `{class=C,type=T,len=L}->tun_metadataN` mappings separated by single commas (one
leading comma is tolerated, nothing else: no spaces around `=`, no trailing comma).  Numbers
read as C's "%i" reads them (decimal, 0x hex, leading-0 octal, after optional blanks) and
wrap to their field's width (class 16 bits, type and len 8, N 16) as ovs-ofctl's scanner
lets them; anything else is "invalid tlv mapping".  The client sends what it parsed without
judging it: lengths and indexes are the switch's to refuse.

Output follows ovs-ofctl: a refused add or del prints the OFPT_ERROR and the request it
quotes to stderr and exits 1 (a quoted request the switch called malformed is shown as
ofp-print shows it, the warning its decoder logs first); dump-tlv-map prints the reply to
stdout.  `format_tlv_message` renders the three messages in ofp-print's layout.
"""
from __future__ import annotations

import re
import sys
from typing import Optional

from pyvswitch import vlog
from pyvswitch.cli import flow_formats as P
from pyvswitch.cli import ofctl_flows
from pyvswitch.ofproto import ofctl_text
from pyvswitch.ofproto.protocol import codec, errors, tlv_codec
from pyvswitch.ofproto.protocol import messages as m

_NUMBER = r"\s*([-+]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))"
_MAPPING = re.compile(r"\{class=%s,type=%s,len=%s\}->tun_metadata%s" % ((_NUMBER,) * 4))
_WIDTHS = (16, 8, 8, 16)
_TABLE_MOD_PROTOCOLS = P.OF10_NXM_ANY | P.ANY_OXM
_COMMAND_NAMES = {m.NXTTMC_ADD: " ADD", m.NXTTMC_DELETE: " DEL", m.NXTTMC_CLEAR: " CLEAR"}
_NAMES = {m.TlvTableMod: "NXT_TLV_TABLE_MOD", m.TlvTableRequest: "NXT_TLV_TABLE_REQUEST",
          m.TlvTableReply: "NXT_TLV_TABLE_REPLY"}
_TLV_DECODE_ERRORS = (errors.TLV_BAD_COMMAND, errors.TLV_BAD_OPT_LEN, errors.TLV_BAD_FIELD_IDX)
_SUBTYPE_NAMES = {tlv_codec.NXT_TLV_TABLE_MOD: "NXT_TLV_TABLE_MOD",
                  tlv_codec.NXT_TLV_TABLE_REPLY: "NXT_TLV_TABLE_REPLY"}


class MappingSyntaxError(ValueError):
    pass


def parse_mappings(text: str) -> tuple[m.TlvMapping, ...]:
    """The mappings of a MAP argument (see the module docstring)."""
    mappings = []
    position = 0
    while position < len(text):
        if text[position] == ",":
            position += 1
        scanned = _MAPPING.match(text, position)
        if scanned is None:
            raise MappingSyntaxError("invalid tlv mapping")
        mappings.append(m.TlvMapping(*(_c_integer(number) % (1 << width)
                                       for number, width in zip(scanned.groups(), _WIDTHS))))
        position = scanned.end()
    return tuple(mappings)


def _c_integer(text: str) -> int:
    """A number as C's "%i" reads it: a leading 0x means hex, a leading 0 octal."""
    digits = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    if digits[:2].lower() == "0x":
        return sign * int(digits[2:], 16)
    return sign * int(digits, 8 if digits.startswith("0") else 10)


# ---- ofp-print's layout ----------------------------------------------------------------------

def _c_hex(value: int) -> str:
    """C's "%#x": no 0x before a zero."""
    return "%#x" % value if value else "0"


def _mapping_table(mappings) -> str:
    rows = "".join(" %6s %5s %7d  tun_metadata%d\n" % (
        _c_hex(mapping.option_class), _c_hex(mapping.option_type), mapping.option_len,
        mapping.index) for mapping in mappings)
    return (" mapping table:\n  class  type  length  match field\n"
            " ------  ----  ------  --------------\n" + rows)


def _header(name: str, message: m.Message) -> str:
    return "%s%s (xid=%#x):" % (name, ofctl_text.version_tag(message.version), message.xid)


def format_tlv_message(message: m.Message) -> str:
    """ofp-print's text for a TLV table mod, request or reply, ending in a newline."""
    text = _header(_NAMES[type(message)], message) + "\n"
    if isinstance(message, m.TlvTableMod):
        text += _COMMAND_NAMES[message.command]
        if message.command != m.NXTTMC_CLEAR:
            return text + _mapping_table(message.mappings)
        return text + "\n"
    if isinstance(message, m.TlvTableReply):
        space = sum(mapping.option_len for mapping in message.mappings)
        return text + (" max option space=%d max fields=%d\n allocated option space=%d\n\n"
                       % (message.max_option_space, message.max_fields, space)
                       ) + _mapping_table(message.mappings)
    return text


def print_bytes(data: bytes) -> tuple[str, str]:
    """(log lines, text) that ovs-ofctl's ofp-print gives for one message: a TLV message,
    or an error quoting one, in full; anything else as ofctl_text renders it."""
    try:
        message = codec.decode(data)
    except errors.DecodeError as error:
        subtype = int.from_bytes(data[12:16], "big") if len(data) >= 16 else None
        if error.error not in _TLV_DECODE_ERRORS or subtype not in _SUBTYPE_NAMES:
            return "", ofctl_text.format_bytes(data)
        version, xid = data[0], int.from_bytes(data[4:8], "big")
        warning = vlog.format_line("console", 1, "ofp_match", "WARN", str(error)) + "\n"
        return warning, "%s ***decode error: %s***\n%s" % (
            _header(_SUBTYPE_NAMES[subtype], m.Message(version=version, xid=xid)),
            error.error.name, ofctl_text.hex_dump(data))
    if isinstance(message, m.Error):
        return error_text(message)
    if type(message) in _NAMES:
        return "", format_tlv_message(message)
    return "", ofctl_text.format_bytes(data)


def error_text(error: m.Error) -> tuple[str, str]:
    """(log lines, text) for an OFPT_ERROR, as ovs-ofctl prints it: the error's name, then
    the request it quotes."""
    named, quoted = errors.from_wire(error.version, error.type, error.code, error.data)
    if named is None:
        return "", ofctl_flows.message_text(error)
    warning, text = print_bytes(quoted)
    return warning, "%s %s\n%s" % (_header("OFPT_ERROR", error), named.name, text)


# ---- commands --------------------------------------------------------------------------------

def _table_mod(session, switch: str, command: int, mappings) -> None:
    channel = session.open(switch)
    try:
        # As ovs-ofctl: a table mod needs NXM or OXM, so an OpenFlow 1.0 connection first
        # switches to NXM (which takes transaction ids, printed in errors).
        ofctl_flows._flow_mod_protocol(session, channel, _TABLE_MOD_PROTOCOLS)
        request = m.TlvTableMod(version=channel.version, xid=channel.next_xid(),
                                command=command, mappings=mappings)
        error = channel.transact_noreply([request])
    finally:
        channel.close()
    if error is not None:
        sys.stdout.flush()
        sys.stderr.write("".join(error_text(error)))
        sys.stderr.flush()
        raise SystemExit(1)


def _parsed(session, text: str) -> tuple[m.TlvMapping, ...]:
    try:
        return parse_mappings(text)
    except MappingSyntaxError as error:
        session.fatal(str(error))


def cmd_add_tlv_map(session, switch: str, mappings: str) -> None:
    _table_mod(session, switch, m.NXTTMC_ADD, _parsed(session, mappings))


def cmd_del_tlv_map(session, switch: str, mappings: Optional[str] = None) -> None:
    if mappings is None:
        _table_mod(session, switch, m.NXTTMC_CLEAR, ())
    else:
        _table_mod(session, switch, m.NXTTMC_DELETE, _parsed(session, mappings))


def cmd_dump_tlv_map(session, switch: str) -> None:
    channel = session.open(switch)
    try:
        replies = channel.transact(m.TlvTableRequest(version=channel.version,
                                                     xid=channel.next_xid()))
    finally:
        channel.close()
    for reply in replies:
        if isinstance(reply, m.Error):
            warning, text = error_text(reply)
            sys.stderr.write(warning)
            sys.stdout.write(text)
        else:
            sys.stdout.write(format_tlv_message(reply))
    if any(isinstance(reply, m.Error) for reply in replies):
        sys.stdout.flush()
        raise SystemExit(1)


# name: (function, minimum arguments, maximum arguments), for pyvs-ofctl's COMMANDS.
COMMANDS = {
    "add-tlv-map": (cmd_add_tlv_map, 2, 2),
    "del-tlv-map": (cmd_del_tlv_map, 1, 2),
    "dump-tlv-map": (cmd_dump_tlv_map, 1, 1),
}
