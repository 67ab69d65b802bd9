"""The fast lane's own part: rounds, the 503 of a locked database, a failure that says
so, and the exact match that sends everything else to Django."""

from __future__ import annotations

import asyncio
import threading

from django.db import OperationalError

from servewell.core.contract import FastRoute
from servewell.core.fastlane import Arrival, FastLanes, Lane, Reply

ROUNDS: list[int] = []
GATE = threading.Event()


def echo(arrivals: list[Arrival]) -> list[Reply]:
    GATE.wait(5)
    ROUNDS.append(len(arrivals))
    return [Reply(202, {"got": a.body.decode()}) for a in arrivals]


def locked(arrivals: list[Arrival]) -> list[Reply]:
    raise OperationalError("database is locked")


def broken(arrivals: list[Arrival]) -> list[Reply]:
    raise KeyError("a bug")


def short(arrivals: list[Arrival]) -> list[Reply]:
    return []


def _route(accept: str, **kw) -> FastRoute:
    return FastRoute("POST", "/api/test/", f"servewell.core.tests.test_fastlane:{accept}", **kw)


def _submit_all(lane: Lane, bodies: list[bytes], *, release: bool = True) -> list[Reply]:
    async def go() -> list[Reply]:
        tasks = [asyncio.create_task(lane.submit(Arrival({}, b, {}))) for b in bodies]
        await asyncio.sleep(0.05)  # all queued while the first round waits at the gate
        if release:
            GATE.set()
        return await asyncio.gather(*tasks)

    try:
        return asyncio.run(go())
    finally:
        lane.stop()


def test_requests_waiting_together_are_answered_in_one_round_each_its_own():
    ROUNDS.clear()
    GATE.clear()
    replies = _submit_all(Lane(_route("echo")), [str(n).encode() for n in range(10)])
    assert [r.body["got"] for r in replies] == [str(n) for n in range(10)]
    assert sum(ROUNDS) == 10 and len(ROUNDS) <= 2  # the first alone, the rest together


def test_a_locked_database_is_a_503_with_retry_after_and_a_bug_a_500_that_says_so():
    [busy] = _submit_all(Lane(_route("locked")), [b"x"])
    assert busy.status == 503 and busy.headers["Retry-After"]
    [failed] = _submit_all(Lane(_route("broken")), [b"x"])
    assert failed.status == 500 and "nothing was stored" in failed.body["detail"]
    [unanswered] = _submit_all(Lane(_route("short")), [b"x"])
    assert unanswered.status == 500


def test_only_the_exact_method_path_and_query_take_the_lane():
    lanes = FastLanes([_route("echo", query=(("respond", "async"),))])
    scope = {"type": "http", "method": "POST", "path": "/api/test/"}
    assert lanes.lane_for({**scope, "query_string": b"respond=async"}) is not None
    assert lanes.lane_for({**scope, "query_string": b"a=1&respond=async"}) is not None
    assert lanes.lane_for({**scope, "query_string": b""}) is None
    assert lanes.lane_for({**scope, "query_string": b"respond=sync"}) is None
    assert lanes.lane_for({**scope, "method": "GET", "query_string": b"respond=async"}) is None
    assert lanes.lane_for({**scope, "path": "/api/test", "query_string": b"respond=async"}) is None
    assert lanes.lane_for({"type": "lifespan"}) is None
