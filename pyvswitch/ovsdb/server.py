"""The OVSDB server's I/O adapter: sockets, remotes and the thread that drives the sessions.

`OvsdbServer` owns every socket of the embedded database server and one thread running a
`selectors` loop.  Bytes read from a connection go to its `Session`; whatever any session
queued (replies, and update notifications caused by other sessions' commits) is moved to that
connection's output buffer and written without blocking, so one slow reader only grows its
own buffer.  All database work happens on the loop thread; `compact()` and `stats()` called
from other threads are handed to it and waited for.

Remotes, as ovsdb-server spells them:
  punix:PATH           listen on a Unix socket (made accessible to its owner and group only)
  ptcp:PORT[:IP]       listen on TCP (IP defaults to 0.0.0.0; IPv6 in brackets)
  unix:PATH, tcp:IP:PORT
                       connect out and serve the peer; reconnect with exponential backoff
  db:DB,TABLE,COLUMN   read more remotes from the database: COLUMN holds target strings or
                       references to rows whose "target" column does (e.g. Manager rows
                       referenced by Open_vSwitch.manager_options); "inactivity_probe" and
                       "max_backoff" of such rows are honoured.  Re-read after every commit.
Inactivity probes default to 5 s on TCP connections and are off on Unix sockets.
"""
import errno
import logging
import os
import queue
import selectors
import socket
import threading
import time

from pyvswitch.ovsdb.server_db import ServerDatabase
from pyvswitch.ovsdb.session import Session, SessionHub

log = logging.getLogger(__name__)

TCP_PROBE_INTERVAL_MS = 5000
MIN_BACKOFF_MS = 1000
DEFAULT_MAX_BACKOFF_MS = 8000
LISTEN_RETRY_MS = 5000
MAX_OUTPUT_BACKLOG = 64 * 1024 * 1024
_RECV_SIZE = 256 * 1024


def _now_ms():
    return time.monotonic() * 1000.0


def _split_host_port(text, default_host=None):
    """Parses "IP:PORT" / "[IPv6]:PORT" (or "PORT[:IP]" when default_host is given)."""
    if default_host is not None:
        port, _, host = text.partition(":")
        host = host or default_host
    else:
        if text.startswith("["):
            host, _, port = text[1:].partition("]:")
        else:
            host, _, port = text.rpartition(":")
    host = host.strip("[]")
    return host, int(port)


class _Options:
    """Per-remote connection options from the database (Manager-like rows)."""

    __slots__ = ("probe_interval_ms", "max_backoff_ms")

    def __init__(self, probe_interval_ms=None, max_backoff_ms=DEFAULT_MAX_BACKOFF_MS):
        self.probe_interval_ms = probe_interval_ms
        self.max_backoff_ms = max_backoff_ms

    def key(self):
        return (self.probe_interval_ms, self.max_backoff_ms)


class _Connection:
    """One socket carrying one Session, with its pending output."""

    def __init__(self, sock, session, remote):
        self.sock = sock
        self.session = session
        self.remote = remote
        self.output = bytearray()
        self.waiting_to_write = False


class _Listener:
    """A passive remote: a listening socket whose accepted connections get sessions."""

    def __init__(self, target, options):
        self.target = target
        self.options = options
        self.sock = None
        self.path = None
        self.is_tcp = target.startswith("ptcp:")

    def open(self):
        kind, _, rest = self.target.partition(":")
        try:
            if kind == "punix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    os.unlink(rest)
                except FileNotFoundError:
                    pass
                sock.bind(rest)
                os.chmod(rest, 0o750)
                self.path = rest
            else:
                host, port = _split_host_port(rest, default_host="0.0.0.0")
                family = socket.AF_INET6 if ":" in host else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((host, port))
            sock.listen(64)
            sock.setblocking(False)
        except (OSError, ValueError) as e:
            raise OSError(getattr(e, "errno", None) or errno.EINVAL,
                          "%s: listen failed: %s" % (self.target, e)) from e
        self.sock = sock

    def probe_interval_ms(self):
        if self.options.probe_interval_ms is not None:
            return self.options.probe_interval_ms
        return TCP_PROBE_INTERVAL_MS if self.is_tcp else 0

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            self.path = None


class _Connector:
    """An active remote: connects out, serves the peer, reconnects with backoff."""

    def __init__(self, target, options):
        self.target = target
        self.options = options
        self.sock = None
        self.connection = None
        self.backoff_ms = 0
        self.next_attempt_ms = 0.0
        self.is_tcp = target.startswith("tcp:")

    def start_connect(self):
        kind, _, rest = self.target.partition(":")
        if kind == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address = rest
        else:
            host, port = _split_host_port(rest)
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                                 socket.SOCK_STREAM)
            address = (host, port)
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EAGAIN):
            sock.close()
            raise OSError(code, os.strerror(code))
        self.sock = sock

    def failed(self, now_ms):
        self.sock = None
        self.connection = None
        if self.backoff_ms == 0:
            self.backoff_ms = MIN_BACKOFF_MS
        else:
            self.backoff_ms = min(self.backoff_ms * 2, self.options.max_backoff_ms)
        self.next_attempt_ms = now_ms + self.backoff_ms

    def probe_interval_ms(self):
        if self.options.probe_interval_ms is not None:
            return self.options.probe_interval_ms
        return TCP_PROBE_INTERVAL_MS if self.is_tcp else 0

    def close(self):
        if self.sock is not None and self.connection is None:
            self.sock.close()
        self.sock = None


def parse_db_remote(spec):
    """Splits "db:DB,TABLE,COLUMN" into its three names; raises ValueError otherwise."""
    names = spec[len("db:"):].split(",")
    if not spec.startswith("db:") or len(names) != 3 or not all(names):
        raise ValueError("%s: invalid remote, expected db:DB,TABLE,COLUMN" % spec)
    return tuple(names)


def _optional_int(row, column):
    datum = row.data.get(column)
    if datum is None or not datum.values:
        return None
    return next(iter(datum.values)).value


def remotes_from_database(databases, db_name, table_name, column_name):
    """{target: _Options} named by one db: remote in the current database contents."""
    db = databases.get(db_name)
    if db is None or table_name not in db.schema.tables:
        return {}
    column = db.schema.tables[table_name].columns.get(column_name)
    if column is None:
        return {}
    targets = {}
    ref_table = column.type.key.ref_table_name
    for row in db.tables.get(table_name, {}).values():
        for atom in row.data[column_name].values:
            if ref_table is None:
                if isinstance(atom.value, str):
                    targets[atom.value] = _Options()
                continue
            ref_row = db.tables.get(ref_table, {}).get(atom.value)
            if ref_row is None or "target" not in ref_row.data:
                continue
            for target_atom in ref_row.data["target"].values:
                probe = _optional_int(ref_row, "inactivity_probe")
                backoff = _optional_int(ref_row, "max_backoff")
                targets[target_atom.value] = _Options(
                    probe, backoff if backoff else DEFAULT_MAX_BACKOFF_MS)
    return targets


class OvsdbServer:
    """An OVSDB server for `databases`, serving `remotes` and the remotes `db_remotes`
    (each "db:DB,TABLE,COLUMN") name in the data; see the module docstring."""

    def __init__(self, databases, remotes, db_remotes=()):
        databases = list(databases)
        self._hub = SessionHub(databases, ServerDatabase(databases, _now_ms()))
        self._static = [r for r in remotes if not r.startswith("db:")]
        self._db_remotes = [parse_db_remote(r) for r in list(remotes) + list(db_remotes)
                            if r.startswith("db:")]
        self._selector = selectors.DefaultSelector()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, None)
        self._remotes = {}              # target -> _Listener or _Connector
        self._connections = {}          # socket -> _Connection
        self._remotes_dirty = True
        self._next_listen_retry_ms = None
        self._calls = queue.Queue()
        self._thread = None
        self._stopping = False
        self._n_connections = 0
        self._hub.commit_listeners.append(self._on_commit)

    # ---- public API ------------------------------------------------------------------

    def start(self):
        """Binds the static listeners, then serves from a thread of its own.

        Raises OSError naming the remote if a listener cannot be bound."""
        try:
            for target in self._static:
                self._add_remote(target, _Options(), strict=True)
        except OSError:
            self.stop()
            raise
        self._reconcile_remotes(_now_ms())
        self._thread = threading.Thread(target=self._loop, name="ovsdb-server", daemon=True)
        self._thread.start()

    def stop(self):
        """Closes every connection and listener and ends the thread."""
        self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for conn in list(self._connections.values()):
            self._drop(conn, "server stopping", _now_ms(), reconnect=False)
        for remote in list(self._remotes.values()):
            self._remove_remote(remote)
        self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def compact(self):
        """Compacts every database's storage (ovsdb-server/compact)."""
        def compact_all():
            for db in self._hub.databases.values():
                if db is not self._hub.server_db.database:
                    db.compact()
        self._call(compact_all)

    def stats(self):
        """Counters for memory/show: sessions, monitors, transactions."""
        return self._call(lambda: {
            "sessions": len(self._hub.sessions),
            "monitors": self._hub.n_monitors(),
            "txns": self._hub.n_transactions,
        })

    # ---- cross-thread calls ----------------------------------------------------------

    def _call(self, fn):
        if self._thread is None or threading.current_thread() is self._thread:
            return fn()
        done = threading.Event()
        box = {}
        self._calls.put((fn, box, done))
        self._wake()
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _run_calls(self):
        while True:
            try:
                fn, box, done = self._calls.get_nowait()
            except queue.Empty:
                return
            try:
                box["result"] = fn()
            except Exception as e:
                box["error"] = e
            done.set()

    def _wake(self):
        try:
            self._wake_writer.send(b"\0")
        except (BlockingIOError, OSError):
            pass

    # ---- remotes ---------------------------------------------------------------------

    def _on_commit(self, db_name):
        if any(db_name == spec[0] for spec in self._db_remotes):
            self._remotes_dirty = True

    def _desired_remotes(self):
        desired = {target: _Options() for target in self._static}
        for spec in self._db_remotes:
            desired.update(remotes_from_database(self._hub.databases, *spec))
        return desired

    def _reconcile_remotes(self, now_ms):
        self._remotes_dirty = False
        self._next_listen_retry_ms = None
        desired = self._desired_remotes()
        for target, remote in list(self._remotes.items()):
            options = desired.get(target)
            if options is None or options.key() != remote.options.key():
                self._remove_remote(remote)
        for target, options in desired.items():
            if target not in self._remotes:
                self._add_remote(target, options, strict=False)

    def _add_remote(self, target, options, strict):
        kind = target.partition(":")[0]
        if kind in ("punix", "ptcp"):
            listener = _Listener(target, options)
            try:
                listener.open()
            except OSError as e:
                if strict:
                    raise
                log.warning("%s", e)
                self._next_listen_retry_ms = _now_ms() + LISTEN_RETRY_MS
                return
            self._remotes[target] = listener
            self._selector.register(listener.sock, selectors.EVENT_READ, listener)
        elif kind in ("unix", "tcp"):
            self._remotes[target] = _Connector(target, options)
        else:
            message = "%s: unsupported remote type" % target
            if strict:
                raise OSError(errno.EAFNOSUPPORT, message)
            log.warning("%s", message)

    def _remove_remote(self, remote):
        del self._remotes[remote.target]
        for conn in list(self._connections.values()):
            if conn.remote is remote:
                self._drop(conn, "remote removed", _now_ms(), reconnect=False)
        if remote.sock is not None and getattr(remote, "connection", None) is None:
            try:
                self._selector.unregister(remote.sock)
            except (KeyError, ValueError):
                pass
        remote.close()

    def _run_connectors(self, now_ms):
        for remote in list(self._remotes.values()):
            if (isinstance(remote, _Connector) and remote.sock is None
                    and now_ms >= remote.next_attempt_ms):
                try:
                    remote.start_connect()
                except OSError as e:
                    log.info("%s: connection attempt failed (%s)", remote.target, e.strerror)
                    remote.failed(now_ms)
                    continue
                self._selector.register(remote.sock, selectors.EVENT_WRITE, remote)

    def _finish_connect(self, remote, now_ms):
        self._selector.unregister(remote.sock)
        code = remote.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            log.info("%s: connection attempt failed (%s)", remote.target, os.strerror(code))
            remote.sock.close()
            remote.failed(now_ms)
            return
        remote.backoff_ms = 0
        remote.connection = self._open_connection(remote.sock, remote, now_ms)
        log.info("%s: connected", remote.target)

    # ---- connections -----------------------------------------------------------------

    def _open_connection(self, sock, remote, now_ms):
        sock.setblocking(False)
        self._n_connections += 1
        name = "%s#%d" % (remote.target.partition(":")[0].lstrip("p"), self._n_connections)
        session = Session(self._hub, name, now_ms, remote.probe_interval_ms())
        conn = _Connection(sock, session, remote)
        self._connections[sock] = conn
        self._selector.register(sock, selectors.EVENT_READ, conn)
        return conn

    def _accept(self, listener, now_ms):
        for _ in range(64):
            try:
                sock, _ = listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                log.warning("%s: accept failed: %s", listener.target, e)
                return
            self._open_connection(sock, listener, now_ms)

    def _read(self, conn, now_ms):
        try:
            data = conn.sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._drop(conn, "receive error: %s" % e.strerror, now_ms)
            return
        if not data:
            self._drop(conn, "connection closed by peer", now_ms)
            return
        conn.session.receive(data, now_ms)

    def _flush(self, conn, now_ms):
        """Moves the session's queued messages to the socket; drops closed sessions."""
        if conn.session.closed:
            self._drop(conn, conn.session.close_reason, now_ms)
            return
        conn.output += conn.session.take_output()
        if conn.output:
            try:
                sent = conn.sock.send(conn.output)
                del conn.output[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                self._drop(conn, "send error: %s" % e.strerror, now_ms)
                return
            if len(conn.output) > MAX_OUTPUT_BACKLOG:
                self._drop(conn, "output backlog too large", now_ms)
                return
        wants_write = bool(conn.output)
        if wants_write != conn.waiting_to_write:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wants_write else 0)
            self._selector.modify(conn.sock, events, conn)
            conn.waiting_to_write = wants_write

    def _drop(self, conn, reason, now_ms, reconnect=True):
        log.info("%s: %s", conn.session.name, reason)
        if not conn.session.closed:
            conn.session.close(reason)
        self._connections.pop(conn.sock, None)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        remote = conn.remote
        if isinstance(remote, _Connector) and remote.connection is conn:
            if reconnect and remote.target in self._remotes:
                remote.failed(now_ms)
            else:
                remote.sock = None
                remote.connection = None

    # ---- the loop --------------------------------------------------------------------

    def _timeout_s(self, now_ms):
        times = []
        for conn in self._connections.values():
            wakeup = conn.session.wakeup_ms()
            if wakeup is not None:
                times.append(wakeup)
        for remote in self._remotes.values():
            if isinstance(remote, _Connector) and remote.sock is None:
                times.append(remote.next_attempt_ms)
        if self._next_listen_retry_ms is not None:
            times.append(self._next_listen_retry_ms)
        if not times:
            return None
        return max(0.0, (min(times) - now_ms) / 1000.0)

    def _loop(self):
        while not self._stopping:
            now_ms = _now_ms()
            self._run_connectors(now_ms)
            events = self._selector.select(self._timeout_s(now_ms))
            now_ms = _now_ms()
            for key, mask in events:
                data = key.data
                if data is None:
                    try:
                        self._wake_reader.recv(4096)
                    except BlockingIOError:
                        pass
                elif isinstance(data, _Listener):
                    self._accept(data, now_ms)
                elif isinstance(data, _Connector):
                    self._finish_connect(data, now_ms)
                elif data.sock in self._connections and mask & selectors.EVENT_READ:
                    try:
                        self._read(data, now_ms)
                    except Exception:       # a bug must cost one connection, not the server
                        log.exception("%s: internal error", data.session.name)
                        self._drop(data, "internal error", now_ms)
            self._run_calls()
            for conn in list(self._connections.values()):
                conn.session.run(now_ms)
            if self._remotes_dirty or (self._next_listen_retry_ms is not None
                                       and now_ms >= self._next_listen_retry_ms):
                self._reconcile_remotes(now_ms)
            for conn in list(self._connections.values()):
                self._flush(conn, now_ms)
