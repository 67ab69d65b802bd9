"""Read mail on every core while one process stores it (``import-mail`` of large inputs).

Reading an email — the key of step 1 (its Message-ID and a hash of its normal form) and
the whole parse of step 2 — needs no database, and is most of intake's CPU time. Worker
processes do it, batch by batch, and return a compact ``intake.Readout`` per email (no
``email.Message`` tree); the one writer, this process, stores the raw bytes and files
each batch with ``intake.ingest_many``, in input order. So every guarantee of intake
holds as it does single-process: raw bytes committed before filing, duplicates
recognised by their key, unreadable mail quarantined, replies joined to originals that
arrive later. Workers run ahead by a few batches only, so memory stays bounded.

An email a worker fails on comes back quarantined (``intake.read_out`` never raises).
A worker that dies outright (killed, out of memory, a crash in C) breaks the pool: the
batches in flight are read again one email at a time in a fresh pool, and the email that
kills a worker again is stored and quarantined, so nothing is lost and the import goes
on.

Workers are forked (they inherit Django, already set up); where ``fork`` is missing,
``available()`` is False and imports run in one process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connections

from servewell.mail import intake

#: Below this many emails one process is faster: starting workers costs more.
SMALL = 400
DIED = "The process reading this email died on it (it crashed the parser); the raw email is kept."


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def default_workers() -> int:
    """One reader per core: the writer waits on the database much of the time."""
    return max(1, os.cpu_count() or 1)


def read_batches(
    emails: Iterator[bytes], *, batch: int, workers: int
) -> Iterator[tuple[list[bytes], list[intake.Readout]]]:
    """(raw bytes, readouts) of each batch of ``emails``, in order, read by ``workers``
    processes running at most two batches each ahead of the caller."""
    readers = _Readers(workers)
    pending: deque[tuple[list[bytes], Future, int]] = deque()
    try:
        for chunk in _batched(emails, batch):
            pending.append(readers.submit(chunk))
            if len(pending) > 2 * workers:
                yield readers.collect(*pending.popleft())
        while pending:
            yield readers.collect(*pending.popleft())
    finally:
        readers.close()


def read_chunk(raws: list[bytes]) -> list[intake.Readout]:
    """What a worker does with one batch."""
    return [intake.read_out(raw) for raw in raws]


class _Readers:
    """The worker pool, restarted when a worker dies."""

    def __init__(self, workers: int):
        self.workers = workers
        self.generation = 0
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:  # no idle handle is shared with the children
                connection.close()
        context = multiprocessing.get_context("fork")
        return ProcessPoolExecutor(self.workers, mp_context=context)

    def submit(self, chunk: list[bytes]) -> tuple[list[bytes], Future, int]:
        try:
            return chunk, self.pool.submit(read_chunk, chunk), self.generation
        except BrokenProcessPool:
            self._restart(self.generation)
            return chunk, self.pool.submit(read_chunk, chunk), self.generation

    def collect(
        self, chunk: list[bytes], future: Future, generation: int
    ) -> tuple[list[bytes], list[intake.Readout]]:
        try:
            return chunk, future.result()
        except BrokenProcessPool:  # some email of this batch or another killed a worker
            self._restart(generation)
            return chunk, [self._read_alone(raw) for raw in chunk]

    def _read_alone(self, raw: bytes) -> intake.Readout:
        generation = self.generation
        try:
            return self.pool.submit(read_chunk, [raw]).result()[0]
        except BrokenProcessPool:
            self._restart(generation)
            return intake.Readout.failed(raw, DIED)

    def _restart(self, generation: int) -> None:
        if generation != self.generation:
            return  # restarted already, by an earlier batch of the same break
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.generation += 1
        self.pool = self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _batched(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk
