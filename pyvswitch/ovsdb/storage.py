"""Durable storage of one database, in OVSDB's standalone file format (see ovsdb(5)).

A database file is an append-only series of records.  Each record is two lines:
"OVSDB JSON <length> <sha1>" and then <length> bytes of JSON (a single line ending in LF)
whose SHA-1, LF included, is <sha1>.  The first record is the database schema; each later
record is one committed transaction, {"<table>": {"<row uuid>": <row> | null}, "_date":
<ms>, "_comment": <text>}, where <row> gives a new row's non-default columns, or a
modified row's changed columns as diffs when the record says "_is_diff": true (as
ovsdb-server 3.x writes them, and as Database writes them), and null deletes the row.
Stock `ovsdb-tool` and `ovsdb-server` read the files written here and vice versa.

`FileStorage` reads and checks the whole file when opened.  A damaged tail (torn last
write, bad checksum, unparseable JSON) is logged and truncated back to the end of the
last good record; a damaged schema record makes the file unusable.  Appends are written
with os.write() before returning, and fsync()ed when the transaction asked for a durable
commit.  `should_compact()` follows ovsdb-server: compact once the file has passed
max(10 MB, 4 x the size after the last compaction) and holds at least 100 transactions
since then; `replace()` writes a snapshot to "<file>.tmp", fsyncs it and renames it over
the file.  `MemoryStorage` keeps the same records in memory, for tests and for databases
that need no file.
"""
import hashlib
import json
import logging
import os
import re

import ovs.db.error
import ovs.db.schema

from pyvswitch.ovsdb.errors import OvsdbError

log = logging.getLogger("pyvswitch.ovsdb.storage")

_HEADER_RE = re.compile(rb"OVSDB (\S+) (\d+) ([0-9a-fA-F]{40})\Z")
COMPACT_MIN_BYTES = 10 * 1024 * 1024
COMPACT_MIN_RECORDS = 100


def encode_record(record: dict) -> bytes:
    body = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    return b"OVSDB JSON %d %s\n%s" % (len(body), hashlib.sha1(body).hexdigest().encode(), body)


def decode_records(data: bytes) -> tuple[list[dict], int, str | None]:
    """Parses records from `data`: (records, end of the last good record, problem or None)."""
    records: list[dict] = []
    position = 0
    while position < len(data):
        newline = data.find(b"\n", position)
        if newline < 0:
            return records, position, "record header is truncated"
        header = _HEADER_RE.match(data[position:newline])
        if header is None:
            return records, position, "record header is not valid"
        if header.group(1) != b"JSON":
            return records, position, "unexpected file magic %r (clustered databases are " \
                                      "not supported)" % header.group(1).decode(errors="replace")
        start = newline + 1
        end = start + int(header.group(2))
        if end > len(data):
            return records, position, "record is truncated"
        body = data[start:end]
        if hashlib.sha1(body).hexdigest() != header.group(3).decode().lower():
            return records, position, "record has a bad SHA-1 checksum"
        try:
            record = json.loads(body)
        except ValueError as error:
            return records, position, "record is not valid JSON (%s)" % error
        if type(record) is not dict:
            return records, position, "record is not a JSON object"
        records.append(record)
        position = end
    return records, position, None


class Storage:
    """The interface a Database uses to persist its commits."""

    schema_json: dict | None

    def transactions(self) -> list[dict]:
        """The transaction records found when opening, oldest first (handed out once)."""
        raise NotImplementedError

    def initialize(self, schema_json: dict) -> None:
        """Writes the schema record into storage that has none yet."""
        raise NotImplementedError

    def append(self, record: dict, *, durable: bool) -> None:
        raise NotImplementedError

    def should_compact(self) -> bool:
        raise NotImplementedError

    def replace(self, schema_json: dict, snapshot: dict) -> None:
        """Replaces everything stored by the schema and one snapshot record."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class _GrowthTracker:
    """ovsdb-server's rule for when a journal is worth compacting."""

    def __init__(self, min_bytes: int, min_records: int):
        self.min_bytes = min_bytes
        self.min_records = min_records
        self.size = 0
        self.size_after_compaction = 0
        self.records_since_compaction = 0

    def should_compact(self) -> bool:
        return (self.size > self.min_bytes
                and self.size // 4 > self.size_after_compaction
                and self.records_since_compaction >= self.min_records)

    def compacted(self, size: int) -> None:
        self.size = self.size_after_compaction = size
        self.records_since_compaction = 0


class MemoryStorage(Storage):
    def __init__(self, schema_json: dict | None = None, records: list[dict] | None = None, *,
                 compact_min_bytes: int = COMPACT_MIN_BYTES,
                 compact_min_records: int = COMPACT_MIN_RECORDS):
        self.schema_json = schema_json
        self.records: list[dict] = list(records or [])
        self._pending = list(self.records)
        self._growth = _GrowthTracker(compact_min_bytes, compact_min_records)
        self._growth.size = sum(len(encode_record(r)) for r in self.records)
        self._growth.records_since_compaction = len(self.records)
        self.durable_commits = 0

    def transactions(self) -> list[dict]:
        pending, self._pending = self._pending, []
        return pending

    def initialize(self, schema_json: dict) -> None:
        self.schema_json = schema_json
        self._growth.size += len(encode_record(schema_json))

    def append(self, record: dict, *, durable: bool) -> None:
        self.records.append(record)
        self._growth.size += len(encode_record(record))
        self._growth.records_since_compaction += 1
        self.durable_commits += durable

    def should_compact(self) -> bool:
        return self._growth.should_compact()

    def replace(self, schema_json: dict, snapshot: dict) -> None:
        self.schema_json = schema_json
        self.records = [snapshot]
        self._growth.compacted(len(encode_record(schema_json)) + len(encode_record(snapshot)))


class FileStorage(Storage):
    def __init__(self, path: str, *, compact_min_bytes: int = COMPACT_MIN_BYTES,
                 compact_min_records: int = COMPACT_MIN_RECORDS):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
        try:
            self._growth = _GrowthTracker(compact_min_bytes, compact_min_records)
            self._load()
        except BaseException:
            os.close(self._fd)
            raise

    def _load(self) -> None:
        chunks = []
        while True:
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        records, good_end, problem = decode_records(data)
        if problem is not None:
            if not records:
                raise OvsdbError("syntax error", "%s: %s at offset 0" % (self.path, problem))
            log.warning("%s: %s at offset %d; truncating %d bytes of damaged data",
                        self.path, problem, good_end, len(data) - good_end)
            os.ftruncate(self._fd, good_end)
            os.fsync(self._fd)
        self.schema_json = records[0] if records else None
        self._pending = records[1:]
        self._growth.size = good_end
        self._growth.records_since_compaction = len(self._pending)

    def transactions(self) -> list[dict]:
        pending, self._pending = self._pending, []
        return pending

    def initialize(self, schema_json: dict) -> None:
        self._write(encode_record(schema_json), durable=True)
        self.schema_json = schema_json

    def append(self, record: dict, *, durable: bool) -> None:
        self._write(encode_record(record), durable=durable)
        self._growth.records_since_compaction += 1

    def _write(self, data: bytes, *, durable: bool) -> None:
        size_before = self._growth.size
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if durable:
                os.fsync(self._fd)
        except OSError:
            # Never leave a torn record behind later appends.
            try:
                os.ftruncate(self._fd, size_before)
            except OSError:
                pass
            raise
        self._growth.size = size_before + len(data)

    def should_compact(self) -> bool:
        return self._growth.should_compact()

    def replace(self, schema_json: dict, snapshot: dict) -> None:
        data = encode_record(schema_json) + encode_record(snapshot)
        temporary = self.path + ".tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            _write_synced(fd, data)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        _fsync_directory(os.path.dirname(os.path.abspath(self.path)))
        new_fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        os.close(self._fd)
        self._fd = new_fd
        self.schema_json = schema_json
        self._growth.compacted(len(data))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _write_synced(fd: int, data: bytes) -> None:
    """All of `data` to `fd`, then fsync."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_db_file(path: str, schema_json: dict, *, replace_empty: bool = False) -> None:
    """Creates a database file holding only `schema_json`, like `ovsdb-tool create`.

    Fails if `path` exists, unless `replace_empty` and the existing file is empty.
    """
    try:
        ovs.db.schema.DbSchema.from_json(schema_json)
    except ovs.db.error.Error as error:
        raise OvsdbError("syntax error", str(error)) from None
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
    if replace_empty and os.path.exists(path) and os.path.getsize(path) == 0:
        flags |= os.O_TRUNC
    else:
        flags |= os.O_EXCL
    fd = os.open(path, flags, 0o666)
    try:
        _write_synced(fd, encode_record(schema_json))
    finally:
        os.close(fd)
