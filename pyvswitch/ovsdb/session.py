"""OVSDB JSON-RPC sessions: one state machine per client connection, and the hub they share.

A `Session` is fed the bytes its connection receives (`receive`) and the passage of time
(`run`), both with the current time in milliseconds; everything it wants to send accumulates
as serialized JSON-RPC messages and is drained with `take_output`.  It owns the connection's
framing, request dispatch (RFC 7047 section 4 plus ovsdb-server(7)'s extensions), monitors,
locks held or awaited, transactions blocked in "wait" operations, and the inactivity probe.
It never touches a socket.

The `SessionHub` is what all sessions of one server share: the databases, each database's
transaction history, the lock table and the set of live sessions.  A commit by any session
goes through `SessionHub.publish`, which queues update notifications on every monitoring
session (in commit order, whole messages only, so a notification never splits a reply) and
then retries every blocked transaction of that database.  A session that commits sees its own
updates before its transact reply, as ovsdb-server(7) 4.1.5 promises.

Invariants: output is only ever appended one complete message at a time; a closed session
holds no locks, monitors or blocked transactions; lock ownership is the head of each lock's
FIFO of waiters.
"""
import collections
import json
import logging
import re
import uuid

from pyvswitch.ovsdb.monitor import (
    UPDATE, UPDATE2, UPDATE3, ZERO_UUID, Monitor, MonitorRequestError, TxnHistory,
)

log = logging.getLogger(__name__)

_NOTIFY_METHOD = {UPDATE: "update", UPDATE2: "update2", UPDATE3: "update3"}
_MONITOR_FLAVOUR = {"monitor": UPDATE, "monitor_cond": UPDATE2, "monitor_cond_since": UPDATE3}
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MESSAGE_MEMBERS = frozenset(("method", "params", "result", "error", "id"))
ECHO_ID = "echo"


def _compact(value):
    return json.dumps(value, separators=(",", ":"))


def _syntax_error(params, details):
    return {"syntax": _compact(params), "details": details, "error": "syntax error"}


class ProtocolError(Exception):
    """The peer broke JSON or JSON-RPC framing; the session must be dropped."""


class JsonFramer:
    """Splits a byte stream into top-level JSON objects or arrays, as OVSDB frames them.

    Messages follow one another with optional whitespace and no other delimiter.  Data
    that holds only whole messages (the usual case) is decoded as it arrives.  A message
    that arrives in pieces is accumulated while the nesting depth outside strings is
    tracked across pieces; the depth of each piece is found by C-speed byte operations
    (drop escape sequences, split at quotes, count brackets in the parts outside strings),
    so a large message costs little more than one arriving whole, and it is decoded once
    the depth returns to zero."""

    _SPACE = re.compile(r"[ \t\r\n]*")
    _ESCAPE = re.compile(rb"\\.", re.S)
    _DECODER = json.JSONDecoder()

    def __init__(self):
        self._pending = bytearray()     # a message (and maybe more) still incomplete
        self._depth = 0                 # of _pending's end, outside strings
        self._in_string = False         # whether _pending ends inside a string
        self._escaped = False           # whether _pending ends with a string's backslash

    def feed(self, data):
        """Returns the JSON values completed by `data`; raises ProtocolError on bad input."""
        if self._pending:
            self._pending += data
            self._track(data)
            if self._depth > 0 or self._in_string:
                return []
            data = bytes(self._pending)
            self._forget_pending()
            values, rest = self._decode(data)
            if rest:                    # every bracket was closed, yet it does not decode
                self._decode_error(rest)
            return values
        values, rest = self._decode(data)
        if rest:
            self._pending += rest
            self._track(rest)
            if self._depth <= 0 and not self._in_string:
                self._decode_error(rest)
        return values

    def _decode(self, data):
        """Decodes the whole messages at the start of `data`: (values, undecoded rest)."""
        try:
            text = data.decode()
        except UnicodeDecodeError:      # e.g. a character split between pieces
            return [], data
        values = []
        pos = 0
        end = len(text)
        skip_space = self._SPACE.match
        decode = self._DECODER.raw_decode
        while True:
            pos = skip_space(text, pos).end()
            if pos == end:
                return values, b""
            if text[pos] not in "{[":
                raise ProtocolError("syntax error at beginning of input")
            try:
                value, pos = decode(text, pos)
            except ValueError:
                return values, text[pos:].encode()
            values.append(value)

    def _forget_pending(self):
        self._pending = bytearray()
        self._depth = 0
        self._in_string = self._escaped = False

    def _decode_error(self, data):
        self._forget_pending()
        try:
            json.loads(data)
        except ValueError as e:
            raise ProtocolError("syntax error: %s" % e) from None
        raise ProtocolError("syntax error")

    def _track(self, piece):
        """Advances depth and string state over `piece`, the latest bytes of _pending."""
        if self._escaped:
            piece = piece[1:]
            self._escaped = False
        piece = self._ESCAPE.sub(b"", piece)
        if piece.endswith(b"\\"):    # an escape sequence split between pieces
            piece = piece[:-1]
            self._escaped = True
        parts = piece.split(b'"')
        outside = b"".join(parts[1::2] if self._in_string else parts[0::2])
        self._depth += (outside.count(b"{") + outside.count(b"[")
                        - outside.count(b"}") - outside.count(b"]"))
        if len(parts) % 2 == 0:
            self._in_string = not self._in_string


def parse_message(value):
    """Classifies a JSON value as a JSON-RPC message, like ovs's jsonrpc layer.

    Returns (kind, message) with kind "request", "notify", "reply" or "error"; raises
    ProtocolError with ovs's wording for anything else."""
    if not isinstance(value, dict):
        raise ProtocolError("message is not a JSON object")
    for key in value:
        if key not in _MESSAGE_MEMBERS:
            raise ProtocolError('message has unexpected member "%s"' % key)
    msg_id = value.get("id")
    if "result" in value and value.get("error") is None:
        if "method" in value or "params" in value:
            raise ProtocolError("reply must not have \"method\" or \"params\"")
        return "reply", value
    if value.get("error") is not None:
        return "error", value
    if "method" not in value:
        raise ProtocolError("message has no \"method\", \"result\" or \"error\"")
    if not isinstance(value["method"], str):
        raise ProtocolError('"method" must be JSON string')
    kind = "request" if msg_id is not None else "notify"
    if "params" not in value:
        raise ProtocolError('%s must have "params"' % ("request" if kind == "request"
                                                       else "notification"))
    if not isinstance(value["params"], list):
        raise ProtocolError('"params" must be JSON array')
    return kind, value


class LockTable:
    """Named OVSDB locks: per name, a FIFO of sessions whose head owns the lock."""

    def __init__(self):
        self._waiters = {}

    def lock(self, name, session):
        """Queues `session` for `name`; True if it owns the lock now."""
        queue = self._waiters.setdefault(name, collections.deque())
        queue.append(session)
        return queue[0] is session

    def steal(self, name, session):
        """Makes `session` the owner; returns the previous owner (who stays queued) or None."""
        queue = self._waiters.setdefault(name, collections.deque())
        victim = queue[0] if queue else None
        queue.appendleft(session)
        return victim

    def unlock(self, name, session):
        """Removes `session` from `name`; returns the session that gained the lock, if any."""
        queue = self._waiters.get(name)
        if not queue or session not in queue:
            return None
        was_owner = queue[0] is session
        queue.remove(session)
        if not queue:
            del self._waiters[name]
            return None
        return queue[0] if was_owner else None


class SessionHub:
    """State shared by every session of one server; see the module docstring."""

    def __init__(self, databases, server_db=None):
        self.databases = {db.name: db for db in databases}
        self.server_db = server_db
        if server_db is not None:
            self.databases[server_db.database.name] = server_db.database
        self.histories = {name: TxnHistory() for name in self.databases}
        self.locks = LockTable()
        self.sessions = {}
        self.server_id = uuid.uuid4()
        self.n_transactions = 0
        self.commit_listeners = []
        self._retrying = False

    def attach(self, session):
        self.sessions[session] = None

    def detach(self, session):
        self.sessions.pop(session, None)

    def publish(self, db_name, changes, now_ms):
        """Announces one commit to every session, then retries blocked transactions."""
        self.n_transactions += 1
        txn_id = self.histories[db_name].record(changes)
        for session in list(self.sessions):
            session.notify_commit(db_name, changes, txn_id)
        for listener in self.commit_listeners:
            listener(db_name)
        self.retry_blocked(now_ms)

    def retry_blocked(self, now_ms):
        """Gives every blocked transaction another try; repeats while they keep committing."""
        if self._retrying:
            return
        self._retrying = True
        try:
            progress = True
            while progress:
                progress = False
                for session in list(self.sessions):
                    if session.retry_blocked(now_ms):
                        progress = True
        finally:
            self._retrying = False

    def n_monitors(self):
        return sum(len(session.monitors) for session in self.sessions)


class _BlockedTxn:
    __slots__ = ("request_id", "db_name", "ops", "started_ms", "deadline_ms")

    def __init__(self, request_id, db_name, ops, started_ms, deadline_ms):
        self.request_id = request_id
        self.db_name = db_name
        self.ops = ops
        self.started_ms = started_ms
        self.deadline_ms = deadline_ms


class Session:
    """One client connection's protocol state; see the module docstring.

    `probe_interval_ms` of 0 disables the inactivity probe (ovsdb-server's default for Unix
    sockets); otherwise after that long without input the session sends an "echo" request,
    and after as long again it gives up on the peer."""

    def __init__(self, hub, name, now_ms, probe_interval_ms=0):
        self.hub = hub
        self.name = name
        self.probe_interval_ms = probe_interval_ms
        self.monitors = {}          # compact JSON of monitor id -> Monitor
        self.locks = {}             # lock name -> True if held
        self.db_change_aware = False
        self.close_reason = None
        self._framer = JsonFramer()
        self._output = []
        self._blocked = []
        self._last_input_ms = now_ms
        self._probe_sent = False
        hub.attach(self)

    # ---- I/O facing interface --------------------------------------------------------

    @property
    def closed(self):
        return self.close_reason is not None

    def receive(self, data, now_ms):
        """Feeds bytes received from the peer."""
        if self.closed:
            return
        self._last_input_ms = now_ms
        self._probe_sent = False
        try:
            for value in self._framer.feed(data):
                kind, msg = parse_message(value)
                self._dispatch(kind, msg, now_ms)
                if self.closed:
                    return
        except ProtocolError as e:
            self.close("protocol error: %s" % e)

    def run(self, now_ms):
        """Handles time passing: probes and blocked-transaction timeouts."""
        if self.closed:
            return
        if self._blocked and any(b.deadline_ms is not None and b.deadline_ms <= now_ms
                                 for b in self._blocked):
            self.retry_blocked(now_ms)
        if self.probe_interval_ms:
            idle = now_ms - self._last_input_ms
            if self._probe_sent and idle >= 2 * self.probe_interval_ms:
                self.close("no response to inactivity probe after %.3g seconds, disconnecting"
                           % (idle / 1000.0))
            elif not self._probe_sent and idle >= self.probe_interval_ms:
                self._send({"id": ECHO_ID, "method": "echo", "params": []})
                self._probe_sent = True

    def wakeup_ms(self):
        """The earliest time `run` has something to do, or None."""
        times = [b.deadline_ms for b in self._blocked if b.deadline_ms is not None]
        if self.probe_interval_ms and not self.closed:
            factor = 2 if self._probe_sent else 1
            times.append(self._last_input_ms + factor * self.probe_interval_ms)
        return min(times) if times else None

    def take_output(self):
        """Everything queued for sending, as bytes, emptying the queue."""
        if not self._output:
            return b""
        data = "".join(self._output).encode()
        self._output = []
        return data

    def close(self, reason="connection closed"):
        """Ends the session: gives up its locks, monitors and blocked transactions."""
        if self.close_reason is None:
            self.close_reason = reason
        self.monitors.clear()
        self._blocked.clear()
        for name in list(self.locks):
            self._release_lock(name)
        self.hub.detach(self)

    # ---- hub facing interface --------------------------------------------------------

    def notify_commit(self, db_name, changes, txn_id):
        for monitor in self.monitors.values():
            if monitor.schema.name != db_name:
                continue
            updates = monitor.updates_for(changes)
            if updates:
                self._notify_updates(monitor, updates, txn_id)

    def retry_blocked(self, now_ms):
        """Retries blocked transactions in arrival order; True if any of them committed."""
        committed = False
        for blocked in list(self._blocked):
            if self.closed or blocked not in self._blocked:
                continue
            db = self.hub.databases[blocked.db_name]
            outcome = self._transact(db, blocked.ops, now_ms, blocked.started_ms)
            if outcome.blocked:
                blocked.deadline_ms = outcome.wait_deadline_ms
                continue
            self._blocked.remove(blocked)
            if outcome.changes:
                committed = True
                self.hub.publish(db.name, outcome.changes, now_ms)
            self._reply(blocked.request_id, outcome.reply)
        return committed

    # ---- output helpers --------------------------------------------------------------

    def _send(self, msg):
        self._output.append(_compact(msg))

    def _reply(self, request_id, result):
        self._send({"id": request_id, "result": result, "error": None})

    def _reply_text(self, request_id, result_text):
        """A reply whose result is already serialized."""
        self._output.append('{"id":%s,"result":%s,"error":null}'
                            % (_compact(request_id), result_text))

    def _error(self, request_id, error):
        self._send({"id": request_id, "error": error})

    def _notify(self, method, params):
        self._send({"id": None, "method": method, "params": params})

    def _notify_updates(self, monitor, updates, txn_id):
        if monitor.flavour == UPDATE3:
            params = [monitor.monitor_id, str(txn_id), updates]
        else:
            params = [monitor.monitor_id, updates]
        self._notify(_NOTIFY_METHOD[monitor.flavour], params)

    # ---- dispatch --------------------------------------------------------------------

    def _dispatch(self, kind, msg, now_ms):
        if kind == "request":
            handler = self._HANDLERS.get(msg["method"])
            if handler is None:
                self._error(msg["id"], "unknown method")
            else:
                handler(self, msg["id"], msg["params"], now_ms)
        elif kind == "notify":
            if msg["method"] == "cancel":
                self._cancel(msg["params"])
        elif msg.get("id") == ECHO_ID:
            pass            # the answer to our inactivity probe; receiving it was enough
        else:
            self.close("received unexpected %s message" % kind)

    def _database(self, request_id, method, params):
        """The database named by params[0], or None after sending the error reply."""
        if not params or not isinstance(params[0], str):
            self._error(request_id, _syntax_error(
                params, "%s request params must begin with <db-name>" % method))
            return None
        db = self.hub.databases.get(params[0])
        if db is None:
            self._error(request_id, {
                "syntax": _compact(params),
                "details": "%s request specifies unknown database %s" % (method, params[0]),
                "error": "unknown database"})
        return db

    def _list_dbs(self, request_id, params, now_ms):
        self._reply(request_id, sorted(self.hub.databases))

    def _get_schema(self, request_id, params, now_ms):
        db = self._database(request_id, "get_schema", params)
        if db is not None:
            self._reply(request_id, db.schema_json)

    def _get_server_id(self, request_id, params, now_ms):
        self._reply(request_id, str(self.hub.server_id))

    def _echo(self, request_id, params, now_ms):
        self._reply(request_id, params)

    def _set_db_change_aware(self, request_id, params, now_ms):
        if len(params) != 1 or not isinstance(params[0], bool):
            self._error(request_id, _syntax_error(
                params, "set_db_change_aware: true or false parameter expected"))
            return
        self.db_change_aware = params[0]
        self._reply(request_id, {})

    # ---- transactions ----------------------------------------------------------------

    def _transact(self, db, ops, now_ms, started_ms):
        server_db = self.hub.server_db
        if server_db is not None and db is server_db.database:
            refusal = server_db.refuse_writes(ops, now_ms)
            if refusal is not None:
                return refusal
        try:
            return db.transact(ops, now_ms=now_ms, started_ms=started_ms,
                               held_locks=tuple(n for n, held in self.locks.items() if held))
        except Exception as e:          # a bug in the engine must not take the server down
            log.exception("transaction failed on %s", db.name)
            return _InternalError({"error": "internal error", "details": str(e)})

    def _transact_request(self, request_id, params, now_ms):
        db = self._database(request_id, "transact", params)
        if db is None:
            return
        outcome = self._transact(db, params[1:], now_ms, now_ms)
        if isinstance(outcome, _InternalError):
            self._error(request_id, outcome.error)
            return
        if outcome.blocked:
            self._blocked.append(_BlockedTxn(request_id, db.name, params[1:], now_ms,
                                             outcome.wait_deadline_ms))
            return
        if outcome.changes:
            self.hub.publish(db.name, outcome.changes, now_ms)
        self._reply(request_id, outcome.reply)

    def _cancel(self, params):
        if len(params) != 1:
            return
        for blocked in self._blocked:
            if blocked.request_id == params[0]:
                self._blocked.remove(blocked)
                self._error(blocked.request_id, "canceled")
                return

    # ---- monitors --------------------------------------------------------------------

    def _monitor(self, request_id, params, now_ms, method):
        flavour = _MONITOR_FLAVOUR[method]
        n_params = 4 if flavour == UPDATE3 else 3
        if len(params) < n_params:
            self._error(request_id, _syntax_error(params, "invalid parameters"))
            return
        db = self._database(request_id, method, params)
        if db is None:
            return
        monitor_id = params[1]
        key = _compact(monitor_id)
        if key in self.monitors:
            self._error(request_id, _syntax_error(monitor_id, "duplicate monitor ID"))
            return
        last_id = None
        if flavour == UPDATE3:
            try:
                last_id = uuid.UUID(params[3])
            except (TypeError, ValueError, AttributeError):
                self._error(request_id, _syntax_error(params[3],
                                                      "last-txn-id must be UUID format."))
                return
        try:
            monitor = Monitor(db.schema, monitor_id, flavour, params[2])
        except MonitorRequestError as e:
            self._error(request_id, e.to_json())
            return
        self.monitors[key] = monitor
        if flavour != UPDATE3:
            self._reply_text(request_id, monitor.initial(db.tables))
            return
        history = self.hub.histories[db.name]
        changes = history.changes_since(last_id) if last_id != ZERO_UUID else None
        if changes is None:
            self._reply_text(request_id, '[false,"%s",%s]' % (history.last_id,
                                                              monitor.initial(db.tables)))
        else:
            self._reply(request_id, [True, str(history.last_id), monitor.updates_for(changes)])

    def _monitor_cond_change(self, request_id, params, now_ms):
        if len(params) != 3:
            self._error(request_id, _syntax_error(params, "invalid parameters"))
            return
        old_key, new_key = _compact(params[0]), _compact(params[1])
        monitor = self.monitors.get(old_key)
        if monitor is None or not monitor.conditional:
            self._error(request_id, _syntax_error(params[0], "unknown monitor session"))
            return
        if new_key != old_key and new_key in self.monitors:
            self._error(request_id, _syntax_error(params[1], "duplicate monitor ID"))
            return
        db = self.hub.databases[monitor.schema.name]
        try:
            updates = monitor.change_conditions(params[1], params[2], db.tables)
        except MonitorRequestError as e:
            self._error(request_id, e.to_json())
            return
        del self.monitors[old_key]
        self.monitors[new_key] = monitor
        if updates:
            self._notify_updates(monitor, updates, self.hub.histories[db.name].last_id)
        self._reply(request_id, {})

    def _monitor_cancel(self, request_id, params, now_ms):
        if len(params) != 1:
            self._error(request_id, _syntax_error(params, "invalid parameters"))
            return
        if self.monitors.pop(_compact(params[0]), None) is None:
            self._error(request_id, "unknown monitor")
        else:
            self._reply(request_id, {})

    # ---- locks -----------------------------------------------------------------------

    def _lock_name(self, request_id, method, params):
        if len(params) != 1 or not isinstance(params[0], str) or not _ID_RE.match(params[0]):
            self._error(request_id, _syntax_error(params,
                                                  "%s request params must be <id>" % method))
            return None
        return params[0]

    def _lock(self, request_id, params, now_ms, method):
        name = self._lock_name(request_id, method, params)
        if name is None:
            return
        if name in self.locks:
            self._error(request_id, _syntax_error(
                params, 'must issue "unlock" before new "%s"' % method))
            return
        if method == "lock":
            self.locks[name] = self.hub.locks.lock(name, self)
        else:
            victim = self.hub.locks.steal(name, self)
            self.locks[name] = True
            if victim is not None and victim is not self:
                victim.locks[name] = False
                victim._notify("stolen", [name])
        self._reply(request_id, {"locked": self.locks[name]})

    def _unlock(self, request_id, params, now_ms):
        name = self._lock_name(request_id, "unlock", params)
        if name is None:
            return
        if name not in self.locks:
            self._error(request_id, _syntax_error(
                params, 'unlock: "unlock" without "lock" or "steal"'))
            return
        self._release_lock(name)
        self._reply(request_id, {})

    def _release_lock(self, name):
        del self.locks[name]
        new_owner = self.hub.locks.unlock(name, self)
        if new_owner is not None:
            new_owner.locks[name] = True
            new_owner._notify("locked", [name])

    _HANDLERS = {
        "list_dbs": _list_dbs,
        "get_schema": _get_schema,
        "get_server_id": _get_server_id,
        "echo": _echo,
        "set_db_change_aware": _set_db_change_aware,
        "transact": _transact_request,
        "monitor": lambda self, i, p, n: self._monitor(i, p, n, "monitor"),
        "monitor_cond": lambda self, i, p, n: self._monitor(i, p, n, "monitor_cond"),
        "monitor_cond_since": lambda self, i, p, n: self._monitor(i, p, n, "monitor_cond_since"),
        "monitor_cond_change": _monitor_cond_change,
        "monitor_cancel": _monitor_cancel,
        "lock": lambda self, i, p, n: self._lock(i, p, n, "lock"),
        "steal": lambda self, i, p, n: self._lock(i, p, n, "steal"),
        "unlock": _unlock,
    }


class _InternalError:
    """Stands in for a TxnOutcome when the engine raised."""

    blocked = False
    changes = None

    def __init__(self, error):
        self.error = error
        self.reply = [error]
