"""A bridge's Geneve TLV map: which Geneve option (class, type, length) each tun_metadata
field carries, changed by NXT_TLV_TABLE_MOD and listed by NXT_TLV_TABLE_REPLY.

What it owns: the mappings of one bridge, field index 0-63 -> `TlvMapping`.  What flows in:
a table mod's command and mappings (already decoded, so lengths are multiples of 4 up to 124
and indexes below 64) and the bridge's rules, to see which fields flows use.  What flows
out: an error (ErrorCode) or None, and the mappings for a reply or for the tunnel path.

Rules, as Open vSwitch applies them:
  * ADD is all or nothing.  Each mapping in order: a field index already mapped (by the
    table or by an earlier mapping of the same request) is NXTTMFC_ALREADY_MAPPED, an option
    (class, type) already mapped to any field NXTTMFC_DUP_ENTRY, and an option that does not
    fit in the option space left (`MAX_OPTION_SPACE` bytes in all) NXTTMFC_TABLE_FULL;
  * an ADD of an option longer than a tun_metadata field of this switch holds
    (`fields.TUN_METADATA_BYTES`, 16: Open vSwitch allows 124) is NXTTMFC_BAD_OPT_LEN, checked
    for the whole request before anything else, as the decoder's length checks are;
  * DELETE removes the listed field indexes, whatever option they carry (an unmapped index
    is no error); CLEAR removes every mapping;
  * a DELETE or CLEAR that would unmap a field some flow matches on or acts on is
    NXTTMFC_INVALID_TLV_DEL, and changes nothing.

Threads: `modify` may run on any connection's thread; a lock serializes changes, readers see
an immutable snapshot (`mappings()`), and `on_change` (the bridge's datapath invalidation)
is called after a change, outside the lock.  The in-use check reads the rules just before
the change, so a flow_mod on another connection racing a delete may slip in between.
"""
from __future__ import annotations

import dataclasses
import re
import threading
from typing import Callable, Iterable, Optional

from pyvswitch import fields
from pyvswitch.ofproto.protocol import errors
from pyvswitch.ofproto.protocol import messages as m

#: Total option bytes a bridge's map may allocate (Open vSwitch's limit, so replies agree).
MAX_OPTION_SPACE = 256
MAX_FIELDS = fields.N_TUN_METADATA
#: The longest option this switch can carry in one tun_metadata field.
MAX_OPTION_LEN = fields.TUN_METADATA_BYTES

_FIELD_NAME = re.compile(r"tun_metadata(\d+)$")
_SLOT_MASK = (1 << fields.TUN_METADATA_BITS) - 1


def modified(current: dict[int, m.TlvMapping], command: int,
             mappings: Iterable[m.TlvMapping], in_use: Callable[[], set[int]]
             ) -> dict[int, m.TlvMapping] | errors.ErrorCode:
    """The map after a table mod of `command` with `mappings`, or the error refusing it;
    `in_use()` gives the field indexes flows use (asked only for DELETE and CLEAR)."""
    if command == m.NXTTMC_ADD:
        return _added(current, tuple(mappings))
    doomed = set(current) if command == m.NXTTMC_CLEAR else {
        mapping.index for mapping in mappings if mapping.index in current}
    if doomed & in_use():
        return errors.TLV_INVALID_DEL
    return {index: mapping for index, mapping in current.items() if index not in doomed}


def _added(current: dict[int, m.TlvMapping], mappings: tuple[m.TlvMapping, ...]
           ) -> dict[int, m.TlvMapping] | errors.ErrorCode:
    if any(mapping.option_len > MAX_OPTION_LEN for mapping in mappings):
        return errors.TLV_BAD_OPT_LEN
    table = dict(current)
    options = {(mapping.option_class, mapping.option_type) for mapping in table.values()}
    space = allocated_space(table.values())
    for mapping in mappings:
        option = (mapping.option_class, mapping.option_type)
        if mapping.index in table:
            return errors.TLV_ALREADY_MAPPED
        if option in options:
            return errors.TLV_DUP_ENTRY
        if space + mapping.option_len > MAX_OPTION_SPACE:
            return errors.TLV_TABLE_FULL
        table[mapping.index] = mapping
        options.add(option)
        space += mapping.option_len
    return table


def allocated_space(mappings: Iterable[m.TlvMapping]) -> int:
    return sum(mapping.option_len for mapping in mappings)


def fields_in_use(rules: Iterable) -> set[int]:
    """The tun_metadata field indexes that `rules` (with `.match` and `.actions`) match on or
    name in an action, however deeply nested."""
    in_use: set[int] = set()
    mask = 0
    for rule in rules:
        mask |= rule.match.mask
        _names_in(rule.actions, in_use)
    for index in range(MAX_FIELDS):
        if mask >> fields.tun_metadata_shift(index) & _SLOT_MASK:
            in_use.add(index)
    return in_use


def _names_in(value, in_use: set[int]) -> None:
    if isinstance(value, str):
        named = _FIELD_NAME.match(value)
        if named:
            in_use.add(int(named.group(1)))
    elif isinstance(value, (tuple, list)):
        for item in value:
            _names_in(item, in_use)
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            _names_in(getattr(value, item.name), in_use)


class TlvMap:
    """One bridge's map; see the module docstring."""

    def __init__(self, rules: Callable[[], Iterable] = tuple,
                 on_change: Callable[[], None] = lambda: None):
        self._rules = rules
        self._on_change = on_change
        self._lock = threading.Lock()
        self._table: dict[int, m.TlvMapping] = {}

    def mappings(self) -> tuple[m.TlvMapping, ...]:
        """Every mapping, in field index order."""
        table = self._table
        return tuple(table[index] for index in sorted(table))

    def mapping(self, index: int) -> Optional[m.TlvMapping]:
        """The option tun_metadata<index> carries, None if it is unmapped."""
        return self._table.get(index)

    def modify(self, command: int, mappings: Iterable[m.TlvMapping]
               ) -> Optional[errors.ErrorCode]:
        """Applies a table mod; the error refusing it, or None."""
        with self._lock:
            result = modified(self._table, command, mappings,
                              lambda: fields_in_use(self._rules()))
            if isinstance(result, errors.ErrorCode):
                return result
            changed = result != self._table
            self._table = result
        if changed:
            self._on_change()
        return None

    def reply(self, request: m.Message) -> m.TlvTableReply:
        return m.TlvTableReply(version=request.version, xid=request.xid,
                               max_option_space=MAX_OPTION_SPACE, max_fields=MAX_FIELDS,
                               mappings=self.mappings())
