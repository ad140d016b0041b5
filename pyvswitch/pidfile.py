"""Pidfiles the way Open vSwitch keeps them: the file holds the pid, and the running
daemon holds a POSIX (fcntl) write lock on it for as long as it lives.

A pidfile that exists but is not locked is stale (its daemon died, e.g. kill -9)
and is taken over.  Readers (pyvs-appctl, stock ovs-appctl) trust a pid only while
the lock is held, so a crashed daemon's file never sends them to a wrong process.

Caution: POSIX locks belong to the process and are dropped when *any* descriptor
of the file is closed, so the daemon must never open its own pidfile a second time.
"""
from __future__ import annotations

import errno
import fcntl
import os
from typing import Optional


class AlreadyRunning(Exception):
    def __init__(self, path: str, pid: int):
        super().__init__("%s: already running as pid %d, aborting" % (path, pid))
        self.pid = pid


class Pidfile:
    """A created and locked pidfile."""

    def __init__(self, path: str):
        self.path = path
        self._fd: Optional[int] = None

    def create(self) -> None:
        """Writes our pid and locks the file.  Raises AlreadyRunning when another
        live process holds it, OSError when the file cannot be written."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise
            pid = _read_pid_text(fd)
            os.close(fd)
            raise AlreadyRunning(self.path, pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, b"%d\n" % os.getpid(), 0)
        self._fd = fd

    def remove(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None


def _read_pid_text(fd: int) -> int:
    try:
        return int(os.pread(fd, 64, 0).split(b"\n")[0])
    except ValueError:
        return -1


def read_pid(path: str) -> int:
    """The pid of the live daemon owning `path`.  Raises OSError: ENOENT (no file),
    ESRCH (stale: nobody holds the lock), EINVAL (no pid in the file)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            pid = _read_pid_text(fd)
            if pid <= 0:
                raise OSError(errno.EINVAL, "%s does not contain a pid" % path) from None
            return pid
        raise OSError(errno.ESRCH, "%s: pid file is stale" % path)
    finally:
        os.close(fd)
