"""The bridge between the ASGI server and Django's WSGI handler: what goes in reaches the
view whole, and what the view answers reaches the client whole, on every path."""

from __future__ import annotations

import asyncio
import re
import threading

from servewell.core.wsgibridge import BUFFER_LIMIT, ThreadedWsgi


class Echo:
    """A WSGI app that answers with what it read, streamed when asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.closed = 0
        self.threads: set[str] = set()

    def __call__(self, environ, start_response):
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Len", str(len(body)))])
        app = self

        class Answer:
            streaming = environ["PATH_INFO"] == "/stream"

            def __iter__(self):
                if self.streaming:
                    yield from (b"a", b"", b"b", body[:3])
                else:
                    yield body

            def close(self):
                app.closed += 1

        return Answer()


def call(app, path="/", body=b"", *, chunked=False, messages=None, method="POST"):
    headers = [(b"host", b"testserver")]
    if chunked:
        headers.append((b"transfer-encoding", b"chunked"))
    elif body:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }  # fmt: skip
    incoming = list(messages) if messages is not None else _pieces(body)
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _pieces(body: bytes, size: int = 64 * 1024) -> list[dict]:
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    return [
        {"type": "http.request", "body": part, "more_body": n < len(parts) - 1}
        for n, part in enumerate(parts)
    ]


def _body(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_small_request_is_answered_whole_in_one_message_and_closed_in_its_thread():
    echo = Echo()
    sent = call(ThreadedWsgi(echo, workers=2), body=b"state=viewing")
    assert sent[0]["status"] == 201
    assert (b"x-len", b"13") in sent[0]["headers"]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert _body(sent) == b"state=viewing"
    assert echo.closed == 1  # Django's request_finished runs (its connections are tidied)
    assert all(name.startswith("servewell-web") for name in echo.threads)


def test_a_body_larger_than_the_buffer_and_a_chunked_one_arrive_whole():
    big = bytes(range(256)) * (BUFFER_LIMIT // 256 + 10)
    echo = Echo()
    bridge = ThreadedWsgi(echo, workers=2)
    assert _body(call(bridge, body=big)) == big
    assert _body(call(bridge, body=b"x" * 5000, chunked=True)) == b"x" * 5000


def test_a_streamed_answer_arrives_in_its_chunks_and_ends():
    echo = Echo()
    sent = call(ThreadedWsgi(echo, workers=2), "/stream", body=b"hello")
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert [m["body"] for m in bodies] == [b"a", b"b", b"hel", b""]
    assert [m["more_body"] for m in bodies] == [True, True, True, False]
    assert echo.closed == 1


def test_a_client_that_leaves_before_its_request_arrives_runs_nothing():
    echo = Echo()
    sent = call(
        ThreadedWsgi(echo, workers=2),
        body=b"abc",
        messages=[{"type": "http.request", "body": b"a", "more_body": True},
                  {"type": "http.disconnect"}],
    )  # fmt: skip
    assert sent == [] and echo.calls == 0


class Held:
    """A WSGI app whose requests to ``/slow`` wait until released; it records the order
    in which requests began."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.began: list[str] = []
        self.slow_began = threading.Event()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        self.began.append(path)
        if path == "/slow":
            self.slow_began.set()
            self.release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [path.encode()]


async def _ask(app, path):
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }  # fmt: skip
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return _body(sent)


async def _while_slow_runs(app, held, then):
    """Start ``/slow``, wait until it runs, await ``then()``, release it."""
    slow = asyncio.ensure_future(_ask(app, "/slow"))
    await asyncio.get_running_loop().run_in_executor(None, held.slow_began.wait, 5)
    try:
        return await then()
    finally:
        held.release.set()
        await slow


def test_a_poll_is_answered_while_a_page_is_still_rendering():
    held = Held()
    app = ThreadedWsgi(held, workers=1, polls=re.compile(r"/desk/c/\d+/presence/\Z"))

    async def poll():
        return await asyncio.wait_for(_ask(app, "/desk/c/7/presence/"), 5)

    assert asyncio.run(_while_slow_runs(app, held, poll)) == b"/desk/c/7/presence/"
    assert held.began == ["/slow", "/desk/c/7/presence/"]


def test_pages_take_turns_while_the_running_one_is_quick():
    held = Held()
    app = ThreadedWsgi(held, workers=4, patience_s=30)

    async def second_page():
        page = asyncio.ensure_future(_ask(app, "/inbox"))
        await asyncio.sleep(0.3)
        assert not page.done() and held.began == ["/slow"]  # waits its turn
        return page

    page = asyncio.run(_run_and_finish(app, held, second_page))
    assert page == b"/inbox"
    assert held.began == ["/slow", "/inbox"]


async def _run_and_finish(app, held, then):
    waiting = await _while_slow_runs(app, held, then)
    return await waiting


def test_a_slow_page_holds_the_others_up_no_longer_than_the_patience():
    held = Held()
    app = ThreadedWsgi(held, workers=4, patience_s=0.05)

    async def second_page():
        return await asyncio.wait_for(_ask(app, "/inbox"), 5)

    assert asyncio.run(_while_slow_runs(app, held, second_page)) == b"/inbox"
    assert held.began == ["/slow", "/inbox"]  # it ran while /slow was still held
