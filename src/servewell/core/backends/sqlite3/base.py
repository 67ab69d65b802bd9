"""Django's SQLite backend, with writers queued at a gate instead of sleeping in SQLite.

SQLite lets one writer at a time, and a writer that finds the lock taken waits in
SQLite's busy handler, which sleeps in growing steps (1, 2, 5, 10 … 100 ms) without
knowing when the lock comes free. With two processes writing in turn (the web process
storing mail, the worker filing it), each wait outlasted the other's transaction many
times over: measured, the web process spent 17 s of a 21 s flood waiting for a lock that
was free most of that time, and both cores idled.

Here every write transaction (``BEGIN IMMEDIATE``, the settings' ``transaction_mode``)
first takes an exclusive ``flock`` on a file beside the database. A process blocked in
``flock`` is woken by the kernel the moment the lock is released, so the next writer
starts within microseconds. SQLite's own lock and busy timeout stay underneath as they
were: the gate only orders writers that would have waited anyway. A process that dies
releases the gate with its file descriptors.

The gate has the busy timeout's deadline: a writer that cannot pass it in time gets
SQLite's own "database is locked" (a 503 the client can retry, ``core.busy``).
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

#: Polling steps while another writer holds the gate and a deadline applies: short, since
#: write transactions here last milliseconds.
_STEPS_S = (0.0001, 0.0002, 0.0005, 0.001)


class WriterGate:
    """An exclusive ``flock`` for one connection's write transactions (one open file per
    connection, so threads of one process queue as processes do)."""

    def __init__(self, path: str, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.held = False
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def acquire(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait()
        self.held = True

    def _wait(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        step = 0
        while True:
            time.sleep(_STEPS_S[min(step, len(_STEPS_S) - 1)])
            step += 1
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked") from None

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        os.close(self._fd)


def gate_path(database: str) -> str | None:
    """The gate's file for a database file; None for a database in memory."""
    if database == ":memory:" or "mode=memory" in database or database.startswith("file:"):
        return None
    return f"{database}-writers"


class DatabaseWrapper(base.DatabaseWrapper):
    gate: WriterGate | None = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        path = gate_path(str(conn_params["database"]))
        if path is not None and self.transaction_mode == "IMMEDIATE":
            self.gate = WriterGate(path, float(conn_params.get("timeout", 5)))
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        if self.gate is None:
            return super()._start_transaction_under_autocommit()
        self.gate.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.gate.release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._transaction_ended()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._transaction_ended()

    def _transaction_ended(self) -> None:
        if self.gate is not None and self.connection is not None:
            if not self.connection.in_transaction:
                self.gate.release()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            if self.gate is not None:
                self.gate.close()
                self.gate = None
