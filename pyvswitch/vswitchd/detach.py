"""--detach: run in the background, but let the caller know when we are ready.

`start()` forks.  The parent stays in the foreground, blocked on a pipe, and exits
0 only when the child calls `complete()` (its sockets answer and the first
configuration is applied); if the child dies first, the parent exits with the
child's status, so `pyvswitchd --detach && ovs-vsctl ...` is safe.  Must be called
before any thread is started and before the pidfile is locked (POSIX locks are
not inherited by the child).
"""
from __future__ import annotations

import os

from pyvswitch import vlog

_READY = b"R"


def start() -> int:
    """In the child: returns the descriptor to pass to complete().  The parent never returns."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_fd)
        answer = b""
        while True:
            chunk = os.read(read_fd, 16)
            if not chunk:
                break
            answer += chunk
        if answer.startswith(_READY):
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code > 0 else 1)
    os.close(read_fd)
    os.setsid()
    return write_fd


def complete(ready_fd: int, chdir: bool) -> None:
    """Tells the waiting parent we are up and drops the terminal."""
    if chdir:
        os.chdir("/")
    vlog.disable_console()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.write(ready_fd, _READY)
    os.close(ready_fd)
