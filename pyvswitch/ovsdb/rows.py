"""Committed rows and the change sets that commits produce.

A `Row` is an immutable snapshot: a commit that modifies a row replaces the Row object
rather than changing it, so readers (the server's monitors, replies being built) can
keep references to old Rows safely.  `data` holds every column of the table's schema
(not "_uuid"/"_version", which are the `uuid` and `version` attributes).  Since a Row
never changes, `json_cache` may keep JSON forms of it for whoever builds them (the
monitors, which show the same rows to every client that connects, under tuple keys;
transactions verifying a column's value, under the column's name).

`Changes` maps table name -> row UUID -> RowChange(old, new) for the rows a commit
inserted (old None), deleted (new None) or modified (both set, at least one column
different).
"""
import uuid
from typing import NamedTuple


class Row:
    __slots__ = ("uuid", "version", "data", "json_cache")

    def __init__(self, row_uuid: uuid.UUID, version: uuid.UUID, data: dict):
        self.uuid = row_uuid
        self.version = version
        self.data = data
        self.json_cache: dict | None = None

    def __repr__(self) -> str:
        return "Row(%s, %s)" % (self.uuid, {k: v.to_json() for k, v in self.data.items()})


class RowChange(NamedTuple):
    old: Row | None
    new: Row | None


Changes = dict[str, dict[uuid.UUID, RowChange]]
