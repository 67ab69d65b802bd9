"""Concurrent deliveries of single emails filed together: a group commit for intake.

Why: a provider's webhook delivers one email per request, several at once. Filed one
by one, each pays for everything a batch pays once: reading the directory of team
addresses, the dedup lookups, the claim, the contact lookups, opening conversations,
and a write transaction of its own (on SQLite, the writers queue for one lock anyway).
``intake.ingest_many`` already files a batch with the same guarantees as one email at a
time; this module gathers the emails that arrive while a batch is being filed into the
next batch.

How: the first request to find no batch running becomes the leader and files what is
waiting, batch after batch, until nothing is; the others wait for their own result. No
thread of its own and no delay: a lone email is filed at once, as before, and a request
still answers with what became of its email (new, threaded, duplicate, quarantined).
Each process groups its own requests; several web processes stay independent, as any
concurrent callers of ``ingest_many`` are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from servewell.mail import intake

#: The most emails one batch files; more waiting start the next batch.
MAX_BATCH = 50


@dataclass
class _Waiting:
    raw: bytes
    source: str
    result: Future = field(default_factory=Future)
    #: Set when this caller is to lead next (the leader before it has its own answer).
    promoted: threading.Event = field(default_factory=threading.Event)


class Coalescer:
    """One per process (``ingest``), or per test with its own ``file`` function."""

    def __init__(
        self,
        file: Callable[..., list[intake.IngestResult]] | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._file = file or intake.ingest_many
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = False

    def ingest(self, raw: bytes, *, source: str) -> intake.IngestResult:
        """File one email, with whatever else arrives meanwhile; returns its result or
        raises what filing its batch raised."""
        mine = _Waiting(raw, source)
        with self._lock:
            self._waiting.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.result.add_done_callback(lambda _: mine.promoted.set())
            mine.promoted.wait()
            lead = not mine.result.done()
        if lead:
            self._lead(mine)
        return mine.result.result()

    def _lead(self, mine: _Waiting) -> None:
        """File batches until this caller's email is filed, then hand the lead to the
        oldest waiting caller: under a steady flood no request waits on the others'
        mail for longer than a batch or two."""
        batch: list[_Waiting] = []
        try:
            while True:
                with self._lock:
                    if mine.result.done() or not self._waiting:
                        if self._waiting:
                            self._waiting[0].promoted.set()
                        else:
                            self._leading = False
                        return
                    batch = self._next_batch()
                self._run(batch)
        except BaseException as exc:  # the leader's thread is going away (shutdown)
            with self._lock:
                stranded, self._waiting, self._leading = self._waiting, [], False
            for w in [*batch, *stranded]:
                if not w.result.done():
                    w.result.set_exception(exc)
            raise

    def _next_batch(self) -> list[_Waiting]:
        """The oldest waiting emails of one source (a batch is filed under one)."""
        source = self._waiting[0].source
        batch = [w for w in self._waiting if w.source == source][: self._max_batch]
        taken = {id(w) for w in batch}
        self._waiting = [w for w in self._waiting if id(w) not in taken]
        return batch

    def _run(self, batch: list[_Waiting]) -> None:
        try:
            results = self._file([w.raw for w in batch], source=batch[0].source)
        except Exception as exc:  # every caller of the batch hears of it
            for w in batch:
                w.result.set_exception(exc)
            return
        for w, result in zip(batch, results, strict=True):
            w.result.set_result(result)


_process_wide = Coalescer()
_receiving = Coalescer(file=intake.receive_many)


def ingest(raw: bytes, *, source: str) -> intake.IngestResult:
    """``intake.ingest``, grouped with the other deliveries of this process."""
    return _process_wide.ingest(raw, source=source)


def receive(raw: bytes, *, source: str) -> intake.IngestResult:
    """``intake.receive_many`` for one email, grouped with the other deliveries of this
    process: one insert, and one filing job, for all that arrive together."""
    return _receiving.ingest(raw, source=source)
