"""The daemon's control socket: JSON-RPC over a Unix socket, as ovs-appctl speaks it.

What it owns: the listening socket (`$PYVS_RUNDIR/<program>.<pid>.ctl` unless
--unixctl says otherwise) and its client connections.  Commands live in
python-ovs's process-wide registry (`ovs.unixctl.command_register`), so any
module registers commands the same way it would for a python-ovs server; a
callback receives a connection with `reply(text)`, `reply_error(text)` and
`reply_json(value)` and must answer exactly once (now or later).

Requests are dispatched with Open vSwitch's exact error texts (unknown command,
argument counts), which python-ovs's own server words differently.  Everything
runs in the thread that calls `run()`; `wait()` registers with an ovs.poller.
"""
from __future__ import annotations

import errno
import logging
import os
from typing import Optional

import ovs.jsonrpc
import ovs.poller
import ovs.stream
import ovs.unixctl

log = logging.getLogger("unixctl")


def _terminated(body: Optional[str]) -> str:
    """Like Open vSwitch, a non-empty reply always ends with a newline."""
    if body and not body.endswith("\n"):
        return body + "\n"
    return body or ""


class UnixctlConnection:
    """One client; answers one request at a time."""

    def __init__(self, rpc: ovs.jsonrpc.Connection):
        self._rpc = rpc
        self._request_id = None

    def reply(self, body: Optional[str]) -> None:
        self._send(ovs.jsonrpc.Message.create_reply(_terminated(body), self._request_id))

    def reply_json(self, body) -> None:
        self._send(ovs.jsonrpc.Message.create_reply(body, self._request_id))

    def reply_error(self, body: Optional[str]) -> None:
        self._send(ovs.jsonrpc.Message.create_error(_terminated(body), self._request_id))

    def _send(self, msg: ovs.jsonrpc.Message) -> None:
        assert self._request_id is not None, "reply without a pending request"
        self._request_id = None
        self._rpc.send(msg)

    def run(self) -> int:
        """Processes pending input; returns an errno when the connection is done."""
        self._rpc.run()
        error = self._rpc.get_status()
        if error or self._rpc.get_backlog():
            return error
        for _ in range(10):
            if error or self._request_id is not None:
                break
            error, msg = self._rpc.recv()
            if msg is not None:
                if msg.type == ovs.jsonrpc.Message.T_REQUEST:
                    self._dispatch(msg)
                else:
                    log.warning("%s: received unexpected %s message", self._rpc.name,
                                ovs.jsonrpc.Message.type_to_string(msg.type))
                    error = errno.EINVAL
            if not error:
                error = self._rpc.get_status()
        return error

    def _dispatch(self, request: ovs.jsonrpc.Message) -> None:
        self._request_id = request.id
        method, params = request.method, request.params
        command = ovs.unixctl.commands.get(method)
        if command is None:
            error = ('"%s" is not a valid command (use "list-commands" to see a list of '
                     'valid commands)' % method)
        elif len(params) < command.min_args:
            error = '"%s" command requires at least %d arguments' % (method, command.min_args)
        elif len(params) > command.max_args:
            error = '"%s" command takes at most %d arguments' % (method, command.max_args)
        elif not all(isinstance(p, str) for p in params):
            error = '"%s" command has non-string argument' % method
        else:
            try:
                command.callback(self, list(params), command.aux)
            except Exception:
                log.exception("unixctl command %s failed", method)
                if self._request_id is not None:
                    self.reply_error("internal error running \"%s\"" % method)
            return
        self.reply_error(error)

    def wait(self, poller: ovs.poller.Poller) -> None:
        self._rpc.wait(poller)
        if not self._rpc.get_backlog():
            self._rpc.recv_wait(poller)

    def flush(self) -> None:
        self._rpc.run()

    def close(self) -> None:
        self._rpc.close()


def _list_commands(conn, _argv, _aux) -> None:
    lines = ["The available commands are:\n"]
    for name in sorted(ovs.unixctl.commands):
        lines.append("  %-23s %s\n" % (name, ovs.unixctl.commands[name].usage))
    conn.reply("".join(lines))


class UnixctlServer:
    def __init__(self, path: str, version_text: str):
        """Listens on `path` (an existing stale socket file is replaced).
        Raises OSError when the socket cannot be created."""
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        error, listener = ovs.stream.PassiveStream.open("punix:" + path)
        if error:
            raise OSError(error, "could not initialize control socket %s (%s)"
                          % (path, os.strerror(error)))
        self._listener = listener
        self._conns: list[UnixctlConnection] = []
        # python-ovs registers "help"; Open vSwitch calls it list-commands.
        ovs.unixctl.commands.pop("help", None)
        ovs.unixctl.command_register("list-commands", "", 0, 0, _list_commands, None)
        ovs.unixctl.command_register("version", "", 0, 0,
                                     lambda conn, _argv, _aux: conn.reply(version_text),
                                     None)

    def run(self) -> None:
        for _ in range(10):
            error, stream = self._listener.accept()
            if error == errno.EAGAIN:
                break
            if error:
                log.warning("%s: accept failed: %s", self.path, os.strerror(error))
                break
            self._conns.append(UnixctlConnection(ovs.jsonrpc.Connection(stream)))
        for conn in list(self._conns):
            error = conn.run()
            if error and error != errno.EAGAIN:
                conn.close()
                self._conns.remove(conn)

    def wait(self, poller: ovs.poller.Poller) -> None:
        self._listener.wait(poller)
        for conn in self._conns:
            conn.wait(poller)

    def close(self) -> None:
        for conn in self._conns:
            # Flush pending replies (e.g. the answer to "exit") before closing.
            conn.flush()
            conn.close()
        self._conns = []
        self._listener.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
