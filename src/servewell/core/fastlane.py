"""Fast lanes: a few machine-to-machine endpoints answered beside Django's stack, with
the requests that arrive together handled together.

Why: a phone system posts one event per request, hundreds a second, from a few
connections. Through the middleware, DRF and a transaction of its own, each cost about
7 ms of CPU, of which storing it was a small part: two cores took 180 events a second.
A lane is a route an app declares in its contract (``AppContract.fast_routes``). The
event loop reads the request; one thread per lane and process takes *every* request
waiting and hands them to the app's ``accept`` function at once, which checks them all
with one token lookup and stores them in one transaction (group commit). Under load a
batch grows with the queue behind it, so throughput rises where latency would have.

What Django's middleware would have done, a lane does itself or leaves out on purpose:
``accept`` authenticates (``people.tokens.users_for_tokens``) and asks
``core.access.can`` for the route's permission, and answers errors in the API's shape;
this module adds the headers of a JSON answer, refuses oversized bodies, turns a locked
database into the API's 503 and writes the same request log line. No sessions, cookies
or CSRF: a lane takes a bearer token only, so a browser's ambient credentials never reach
it. A request that does not match a lane exactly (another method, a missing query
parameter) goes to Django as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any
from urllib.parse import parse_qsl

from django.db import close_old_connections, connections

from servewell.core import busy
from servewell.core.contract import FastRoute

log = logging.getLogger("servewell.request")
errors = logging.getLogger(__name__)

#: The most requests one ``accept`` call gets; more wait for the next round.
MAX_ROUND = 500


@dataclass
class Arrival:
    """One request as the lane read it. Header names are lower case."""

    headers: dict[str, str]
    body: bytes
    query: dict[str, str]

    def bearer(self) -> str | None:
        """The token of ``Authorization: Bearer …`` (or ``Token …``); None without one,
        "" when the header is there but malformed."""
        value = self.headers.get("authorization")
        if value is None:
            return None
        parts = value.split()
        if len(parts) != 2 or parts[0].lower() not in ("bearer", "token"):
            return ""
        return parts[1]

    def json(self) -> Any:
        """The body as JSON; ValueError with a message for people when it is not."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"The body is not valid JSON: {exc}.") from None
        except RecursionError:  # [[[[…]]]] thousands deep: refused, not the round's 500
            raise ValueError("The body is not valid JSON: nested too deeply.") from None


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    user: int | None = None  # for the request log
    headers: dict[str, str] = field(default_factory=dict)


_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


class Lane:
    """One route's queue and the thread that empties it."""

    def __init__(self, route: FastRoute) -> None:
        self.route = route
        module, _, name = route.accept.partition(":")
        self._accept: Callable[[list[Arrival]], Sequence[Reply]] = getattr(
            import_module(module), name
        )
        self._waiting: list[tuple[Arrival, asyncio.Future, asyncio.AbstractEventLoop]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping: threading.Thread | None = None

    def matches(self, scope: dict) -> bool:
        if scope["method"] != self.route.method or scope["path"] != self.route.path:
            return False
        if not self.route.query:
            return True
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        return all(query.get(name) == value for name, value in self.route.query)

    async def submit(self, arrival: Arrival) -> Reply:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._ready:
            self._waiting.append((arrival, future, loop))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"servewell-lane{self.route.path}", daemon=True
                )
                self._thread.start()
            self._ready.notify()
        return await future

    def stop(self) -> None:
        """Let the thread finish its round, close its connections and end (a later
        request starts another): for a clean shutdown, and tests that drop databases."""
        with self._ready:
            thread, self._thread = self._thread, None
            self._stopping = thread
            self._ready.notify()
        if thread is not None:
            thread.join(10)

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._ready:
                while not self._waiting and self._stopping is not me:
                    self._ready.wait()
                if self._stopping is me and not self._waiting:
                    connections.close_all()
                    return
                taken, self._waiting = self._waiting[:MAX_ROUND], self._waiting[MAX_ROUND:]
            replies = self._answer([arrival for arrival, _, _ in taken])
            for (_, future, loop), reply in zip(taken, replies, strict=True):
                loop.call_soon_threadsafe(_settle, future, reply)

    def _answer(self, arrivals: list[Arrival]) -> Sequence[Reply]:
        close_old_connections()  # as Django does per request: a broken one is replaced
        try:
            replies = self._accept(arrivals)
            if len(replies) != len(arrivals):
                raise RuntimeError(
                    f"{self.route.accept} answered {len(replies)} of {len(arrivals)}"
                )
            return replies
        except Exception as exc:
            if busy.is_database_busy(exc):
                unavailable = {"detail": busy.MESSAGE, "code": "unavailable"}
                retry = {"Retry-After": str(busy.RETRY_AFTER_SECONDS)}
                return [Reply(503, unavailable, headers=retry) for _ in arrivals]
            errors.exception("fast lane %s failed", self.route.path)
            failed = {
                "detail": "The server failed to take this; nothing was stored.",
                "code": "error",
            }
            return [Reply(500, failed) for _ in arrivals]


def _settle(future: asyncio.Future, reply: Reply) -> None:
    if not future.done():  # the client may have gone
        future.set_result(reply)


class FastLanes:
    """The ASGI side: ``lane_for(scope)``, then ``serve`` reads, queues and answers."""

    def __init__(self, routes: Sequence[FastRoute]) -> None:
        self.lanes = [Lane(route) for route in routes]
        self.paths = {route.path for route in routes}

    def stop(self) -> None:
        for lane in self.lanes:
            lane.stop()

    def lane_for(self, scope: dict) -> Lane | None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            return None
        return next((lane for lane in self.lanes if lane.matches(scope)), None)

    async def serve(self, lane: Lane, scope: dict, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > lane.route.max_body:
            reply = _too_large(lane.route.max_body)
        else:
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > lane.route.max_body:
                    break
                if not message.get("more_body", False):
                    break
            if len(body) > lane.route.max_body:
                reply = _too_large(lane.route.max_body)
            else:
                query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
                reply = await lane.submit(Arrival(headers, bytes(body), query))
        content = json.dumps(reply.body).encode()
        extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()
        ]
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [*_HEADERS, (b"content-length", str(len(content)).encode()), *extra],
            }
        )
        await send({"type": "http.response.body", "body": content, "more_body": False})
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": reply.status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "user": reply.user,
            },
        )


def _too_large(limit: int) -> Reply:
    return Reply(
        413, {"detail": f"Send at most {limit // 1024} KB in one request.", "code": "too_large"}
    )
