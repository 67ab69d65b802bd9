"""The embedded default's writer gate (``core.backends.sqlite3``): writers queue at a lock
the kernel hands on at once, and every way out of a transaction lets the next one in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from servewell.core.backends.sqlite3.base import WriterGate, gate_path
from servewell.desk.models import AutoReplyLog

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the gate is SQLite's"),
    pytest.mark.django_db(transaction=True),
]


@contextmanager
def _other_writer(timeout_s: float = 0.05) -> Iterator[WriterGate]:
    """Another connection's gate on the same database, as a second process has."""
    gate = WriterGate(gate_path(connection.settings_dict["NAME"]), timeout_s)
    try:
        yield gate
    finally:
        gate.close()


def _gets_in(other: WriterGate) -> bool:
    """Whether the other writer passes the gate now (it would raise at its deadline)."""
    other.acquire()
    return other.held


def _write(name: str) -> None:
    AutoReplyLog.objects.create(address=f"{name}@example.com", sent_at=timezone.now())


def test_a_write_transaction_holds_the_gate_until_it_commits():
    with _other_writer() as other:
        with transaction.atomic():
            _write("gate")
            assert connection.gate.held
            with pytest.raises(OperationalError, match="database is locked"):
                other.acquire()  # past its deadline while this one writes
        assert not connection.gate.held
        assert _gets_in(other)  # the commit let the next writer in
    assert AutoReplyLog.objects.filter(address="gate@example.com").exists()


def test_a_rolled_back_transaction_lets_the_next_writer_in():
    with _other_writer() as other:
        with pytest.raises(ValueError), transaction.atomic():
            _write("gone")
            raise ValueError("the request failed")
        assert _gets_in(other)
    assert not AutoReplyLog.objects.filter(address="gone@example.com").exists()


def test_a_waiting_writer_goes_in_as_soon_as_the_holder_is_done():
    """A writer that finds the gate taken is not turned away: it waits its turn and
    writes, as SQLite's busy timeout let it before."""
    with _other_writer() as holder:
        holder.acquire()
        _wait_behind(holder)
    assert AutoReplyLog.objects.filter(address="waited@example.com").exists()


def _wait_behind(holder: WriterGate) -> None:
    """Write from another thread while ``holder`` has the gate: it waits, and writes
    once the holder lets go."""
    written = threading.Event()

    def write() -> None:
        from django.db import connection as own

        try:
            with transaction.atomic():
                _write("waited")
            written.set()
        finally:
            own.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert not written.wait(0.3)  # still at the gate while the other holds it
    holder.release()
    writer.join(timeout=30)
    assert written.is_set()


def test_closing_a_connection_in_a_transaction_frees_the_gate():
    with _other_writer() as other:
        transaction.set_autocommit(True)
        connection._start_transaction_under_autocommit()
        assert connection.gate.held
        connection.close()
        assert _gets_in(other)


def test_a_database_in_memory_has_no_gate_file():
    assert gate_path(":memory:") is None
    assert gate_path("file:memorydb_default?mode=memory&cache=shared") is None
    assert gate_path("/srv/data/desk.sqlite3") == "/srv/data/desk.sqlite3-writers"
