"""Concurrent webhook deliveries are filed together, and each caller still gets its own
email's result (or its batch's error)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from servewell.mail.coalesce import Coalescer


class SlowFiler:
    """Files a batch the way ``ingest_many`` answers: one result per email, in order.
    The first batch waits until the test lets it go, so the others pile up meanwhile."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.batches: list[list[bytes]] = []
        self.release = threading.Event()
        self.started = threading.Event()
        self.fail_on = fail_on

    def __call__(self, raws: list[bytes], *, source: str) -> list[str]:
        self.batches.append(list(raws))
        self.started.set()
        self.release.wait(5)
        if self.fail_on in raws:
            raise RuntimeError("database is locked")
        return [f"{source}:{raw.decode()}" for raw in raws]


def test_a_lone_email_is_filed_at_once_on_its_own():
    filer = SlowFiler()
    filer.release.set()
    assert Coalescer(filer).ingest(b"one", source="http:gw") == "http:gw:one"
    assert filer.batches == [[b"one"]]


def test_emails_arriving_while_a_batch_is_filed_go_together_into_the_next():
    filer = SlowFiler()
    coalescer = Coalescer(filer)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(coalescer.ingest, b"m0", source="s")
        assert filer.started.wait(5)
        rest = [pool.submit(coalescer.ingest, f"m{n}".encode(), source="s") for n in range(1, 6)]
        while sum(len(b) for b in filer.batches) + len(coalescer._waiting) < 6:
            threading.Event().wait(0.01)
        filer.release.set()
        results = [first.result(5), *(f.result(5) for f in rest)]
    assert results == [f"s:m{n}" for n in range(6)]  # each caller gets its own
    assert filer.batches[0] == [b"m0"]
    assert sorted(filer.batches[1]) == [f"m{n}".encode() for n in range(1, 6)]
    assert len(filer.batches) == 2


def test_a_batch_is_filed_under_one_source_and_never_beyond_the_cap():
    filer = SlowFiler()
    coalescer = Coalescer(filer, max_batch=2)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(coalescer.ingest, b"x", source="a")
        assert filer.started.wait(5)
        others = [
            pool.submit(coalescer.ingest, raw, source=src)
            for raw, src in [(b"1", "a"), (b"2", "b"), (b"3", "a"), (b"4", "a")]
        ]
        while len(coalescer._waiting) < 4:
            threading.Event().wait(0.01)
        filer.release.set()
        assert [f.result(5) for f in [first, *others]] == ["a:x", "a:1", "b:2", "a:3", "a:4"]
    sources = {b"x": "a", b"1": "a", b"2": "b", b"3": "a", b"4": "a"}
    assert sorted(raw for batch in filer.batches for raw in batch) == sorted(sources)
    assert all(len(batch) <= 2 for batch in filer.batches)
    assert all(len({sources[raw] for raw in batch}) == 1 for batch in filer.batches)
    assert len(filer.batches) == 4  # x; then two of a; b; the last a


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_still_runs():
    filer = SlowFiler(fail_on=b"bad")
    coalescer = Coalescer(filer)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(coalescer.ingest, b"bad", source="s")
        assert filer.started.wait(5)
        filer.release.set()
        with pytest.raises(RuntimeError, match="locked"):
            first.result(5)
    assert coalescer.ingest(b"good", source="s") == "s:good"


def test_the_leader_answers_its_own_caller_and_hands_the_lead_on():
    """Under a steady flood the first caller must not file everyone else's mail before
    it answers: once its own email is filed it returns and a waiting caller leads."""
    gates = [threading.Event(), threading.Event()]
    calls: list[list[bytes]] = []

    def filer(raws, *, source):
        calls.append(list(raws))
        gates[len(calls) - 1].wait(5)
        return [raw.decode() for raw in raws]

    coalescer = Coalescer(filer)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(coalescer.ingest, b"a", source="s")
        while not calls:
            threading.Event().wait(0.01)
        later = [pool.submit(coalescer.ingest, raw, source="s") for raw in (b"b", b"c")]
        while len(coalescer._waiting) < 2:
            threading.Event().wait(0.01)
        gates[0].set()
        assert first.result(5) == "a"  # answered though b and c wait to be filed
        while len(calls) < 2:  # b or c took the lead and files both
            threading.Event().wait(0.01)
        assert sorted(calls[1]) == [b"b", b"c"]
        assert not any(f.done() for f in later)
        gates[1].set()
        assert [f.result(5) for f in later] == ["b", "c"]
