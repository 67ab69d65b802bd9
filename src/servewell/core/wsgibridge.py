"""Django's WSGI handler under the ASGI server, on persistent threads, with one hand-off
between the event loop and a thread per request.

a2wsgi (which this replaces on the hot path) reads the request body, starts the response
and sends each chunk through a round trip between the thread and the event loop: four
or five cross-thread hand-offs a request, each a thread wake-up and a trip through the
interpreter lock. Measured on the presence poll (the request an open page makes every
5 s), the bridge cost as much CPU as Django itself: 0.8 ms for the view and middleware,
another 0.9 ms alone and 1.9 ms with eight requests in flight for the bridging.

Here the loop reads a small body whole, one thread runs the view and renders the whole
response, and the loop sends it: one hand-off each way. What does not fit that shape
keeps a2wsgi's streaming: a request body over ``BUFFER_LIMIT`` (a large email, an
upload), a body of unknown length, and streaming responses (exports, attachments), whose
chunks the thread sends as it produces them.

Pages take turns (``Turns``) and the polls of an open page have a thread of their own:
with four threads rendering at once, a process's requests convoyed on the interpreter
lock and the p95 at 500 agents on PostgreSQL was 262-279 ms; one page at a time with a
poll thread beside it, 97-115 ms, at less CPU per request (7.4-7.8 ms against 9.1-9.9).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ

log = logging.getLogger(__name__)

#: Request bodies up to this size are read on the loop before the view runs.
BUFFER_LIMIT = 1024 * 1024


class Turns:
    """Lets one request run at a time, and another only once every running one has taken
    longer than ``patience_s`` (up to ``limit`` at once).

    Why: Python runs one thread at a time. Two pages rendering in one process take turns
    at the interpreter lock, and each of a page's twenty queries hands the lock back and
    waits up to a switch interval (5 ms) to get it again, so both finish late; one after
    the other, the first finishes at its own pace. A slow request (a large report, an
    export) still does not hold the others up for longer than ``patience_s``."""

    def __init__(self, limit: int, patience_s: float) -> None:
        self.limit = max(1, limit)
        self.patience_s = patience_s
        self._ready = threading.Condition()
        self._running: dict[int, float] = {}  # thread -> when its turn began

    def __enter__(self) -> None:
        with self._ready:
            while True:
                now = time.monotonic()
                started = list(self._running.values())
                if not started:
                    break
                if len(started) >= self.limit:
                    self._ready.wait()
                    continue
                wait = self.patience_s - (now - max(started))
                if wait <= 0:
                    break
                self._ready.wait(wait)
            self._running[threading.get_ident()] = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        with self._ready:
            self._running.pop(threading.get_ident(), None)
            self._ready.notify()


class ThreadedWsgi:
    """Pages and the API on up to ``workers`` threads, taking turns (``Turns``); with
    ``polls`` (a pattern of whole paths), the requests an open page repeats every few
    seconds run on ``poll_workers`` threads of their own, so a presence poll never waits
    behind a page being rendered."""

    def __init__(
        self,
        app: Any,
        *,
        workers: int,
        polls: re.Pattern[str] | None = None,
        poll_workers: int = 1,
        patience_s: float = 0.25,
    ) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="servewell-web")
        self.turns = Turns(workers, patience_s)
        self.polls = polls if poll_workers > 0 else None
        self.poll_pool = (
            ThreadPoolExecutor(poll_workers, thread_name_prefix="servewell-poll")
            if self.polls is not None
            else self.pool
        )
        self.streaming = WSGIMiddleware(app, workers=workers)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        length = _content_length(scope)
        if length is None or length > BUFFER_LIMIT:
            await self.streaming(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its request arrived: nothing to run
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        environ = build_environ(scope, io.BytesIO(bytes(body)))  # type: ignore[arg-type]
        environ["wsgi.errors"] = sys.stderr
        loop = asyncio.get_running_loop()
        if self.polls is not None and self.polls.match(scope["path"]):
            answer = await loop.run_in_executor(self.poll_pool, self._run, environ, loop, send)
        else:
            answer = await loop.run_in_executor(self.pool, self._take_turn, environ, loop, send)
        if answer is None:
            return  # streamed by the thread
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _take_turn(
        self, environ: dict, loop: asyncio.AbstractEventLoop, send: Any
    ) -> tuple[int, list, bytes] | None:
        with self.turns:
            return self._run(environ, loop, send)

    def _run(
        self, environ: dict, loop: asyncio.AbstractEventLoop, send: Any
    ) -> tuple[int, list, bytes] | None:
        """In a pool thread: the view, then the whole response (or its stream)."""
        started: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers
            ]
            return written.append

        result = self.app(environ, start_response)
        try:
            if not getattr(result, "streaming", False):
                content = b"".join([*written, *result])
                return started["status"], started["headers"], content
            self._stream(result, started, written, loop, send)
            return None
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: this thread's connections

    @staticmethod
    def _stream(
        result: Any, started: dict, written: list, loop: asyncio.AbstractEventLoop, send: Any
    ) -> None:
        def deliver(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        deliver(
            {
                "type": "http.response.start",
                "status": started["status"],
                "headers": started["headers"],
            }
        )
        try:
            for chunk in [*written, *result]:
                if chunk:
                    deliver({"type": "http.response.body", "body": chunk, "more_body": True})
        except OSError:
            log.info("client left during a streamed response")
            return
        deliver({"type": "http.response.body", "body": b"", "more_body": False})


def _content_length(scope: dict) -> int | None:
    """The declared body length; 0 for a request without a body; None when it is sent
    chunked (unknown until read) or the header is not a number."""
    length = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
        elif name == b"transfer-encoding":
            chunked = True
    if chunked:
        return None
    return 0 if length is None else length
