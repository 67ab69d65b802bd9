"""``/queue/stream/``: Server-Sent Events for the alarm banner and the wallboard.

The view is async and holds no database connection while it streams: it reads what it
needs (who is asking, which teams, the current alarms and snapshots) in one
``sync_to_async`` call, closes the connections of this request, and from then on only
waits on its in-memory queue. A thousand open screens cost a thousand idle coroutines,
not a thousand database connections.

Protocol: ``retry:`` first (EventSource reconnects after a drop or a server restart),
then the current state (so a reconnect is never stale), then ``alarm`` and ``snapshot``
events as they happen, and a ``: ping`` comment every ``HEARTBEAT_S`` seconds so that
proxies keep the connection open and dead clients are noticed.

A page that watches something (``core.live``: ``?conversation=12`` from a conversation
page) gets it on the same connection, as ``live`` frames: the watch's current state
first, then what is pushed to its topic. The app that declares the watch checks access
when the stream opens (a 404 as its page would give), and the stream renews the
watcher's presence while it stays open and takes it away when it closes: the page sends
no poll for it. One connection per page, not one per thing it watches: a browser holds
only six to a server, and an agent keeps several tabs open.

Under a WSGI server (``servewell run`` serves this path over ASGI, but a deployment may
put the whole app behind gunicorn's sync workers, and Django's test server is WSGI)
an endless stream cannot work: Django would try to collect the async iterator into a
list before sending a byte, holding a worker thread — and an executor thread that keeps
the process from exiting — for good. There the view answers the current state once with
a longer ``retry:``, which turns EventSource into a poll.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connections
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.utils import timezone

from servewell.core import busy, contract
from servewell.core.access import can, requires
from servewell.core.ids import parse_id
from servewell.livequeue import fanout, queries
from servewell.livequeue.access import QUEUE_VIEW
from servewell.people.access import visible_team_ids

log = logging.getLogger(__name__)
requests = logging.getLogger("servewell.request")

EVENT_STREAM = "text/event-stream; charset=utf-8"

HEARTBEAT_S = 15.0
RETRY_MS = 3000
POLL_RETRY_MS = 10_000  # under WSGI: how often EventSource asks again


class _Watch:
    """What a stream watches (``core.live``): the app's ``LiveWatch`` and the id."""

    def __init__(self, declared: contract.LiveWatch, pk: int) -> None:
        self.declared, self.pk = declared, pk
        self.topic = f"{declared.param}:{pk}"


def _watches(request: HttpRequest) -> list[_Watch] | HttpResponse:
    """The watches the query string asks for; a malformed id is a 400 with its reason."""
    found = []
    for param, declared in contract.live_watches().items():
        raw = request.GET.get(param)
        if raw is None:
            continue
        pk = parse_id(raw)
        if pk is None:
            return HttpResponse(
                f"{param} must be a positive whole number.", status=400, content_type="text/plain"
            )
        found.append(_Watch(declared, pk))
    return found


def _scope(user: Any, watches: list[_Watch]) -> tuple[bool, frozenset[int] | None]:
    """Whether the user may hold the stream and which teams' alarms it carries; enters
    the watches (their own access check raises ``Http404``/``PermissionDenied``).
    Connections stay open for ``_initial_state`` when the stream goes on."""
    try:
        if not can(user, QUEUE_VIEW):
            _release_connections()
            return False, None
        for watch in watches:
            watch.declared.enter(user, watch.pk)
    except BaseException:
        _release_connections()
        raise
    ids = visible_team_ids(user)
    return True, None if ids is None else frozenset(ids)


def _initial_state(
    user: Any, wallboard: bool, watches: list[_Watch] = (), release: bool = True
) -> bytes:
    """The current alarms (and snapshots for a wallboard), read once; then the
    connections are let go for as long as the stream lasts (``release``: a thread made
    for this one request; the door's kept threads keep theirs)."""
    try:
        hello = {"user": user.pk, "server_time": _now(), "watching": [w.topic for w in watches]}
        frames = [fanout.sse_frame("hello", hello)]
        for alarm in queries.open_alarms(user):
            audience = queries.audience_ids(alarm.team, org=alarm.notify_org)
            data = queries.alarm_data(alarm, list(alarm.responses.all()))
            data.update(event="raised", asked=audience is None or user.pk in audience)
            frames.append(fanout.sse_frame("alarm", data))
        if wallboard:
            frames += [fanout.sse_frame("snapshot", s) for s in queries.snapshots(user)]
        for watch in watches:
            for event, data in watch.declared.state(user, watch.pk):
                live = {"topic": watch.topic, "event": event, **data}
                frames.append(fanout.sse_frame("live", live))
        return b"".join(frames)
    finally:
        if release:
            _release_connections()


def _release_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:  # never under a test's (or a caller's) transaction
            conn.close()


def _now() -> str:
    return timezone.now().isoformat()


@dataclass
class _Opening:
    """What a stream starts with, decided before its first byte."""

    user: Any
    wallboard: bool
    watches: list[_Watch]
    team_ids: frozenset[int] | None

    async def subscribe(self) -> fanout.Subscriber:
        topics = frozenset(w.topic for w in self.watches)
        sub = await fanout.subscribe(
            self.user.pk, self.team_ids, snapshots=self.wallboard, topics=topics
        )
        if self.wallboard:
            await fanout.mark_watched()
        return sub


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _open(request: HttpRequest, user: Any) -> _Opening | HttpResponse:
    """The view's decisions for a signed-in user, whichever door the request came by."""
    watches = _watches(request)
    if isinstance(watches, HttpResponse):
        return watches
    try:
        allowed, team_ids = _scope(user, watches)
    except Http404 as exc:
        return _text(404, str(exc) or "Not found.")
    except PermissionDenied as exc:
        return _text(403, str(exc) or "Not allowed.")
    if not allowed:
        return _text(403, "Not allowed.")
    return _Opening(user, request.GET.get("wallboard") == "1", watches, team_ids)


def _event_stream_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


@requires(QUEUE_VIEW)
async def stream(request: HttpRequest) -> HttpResponse:
    """The view, behind Django's middleware: what the test client and a WSGI deployment
    reach. ``servewell run`` serves the path through ``door`` instead."""
    user = await request.auser()
    if not user.is_authenticated:
        return _text(401, "Sign in first.")
    opening = await sync_to_async(_open)(request, user)
    if isinstance(opening, HttpResponse):
        return opening
    if not isinstance(request, ASGIRequest):
        # Each answer is a poll: the watches' entries live on until they expire.
        initial = await sync_to_async(_initial_state)(user, opening.wallboard, opening.watches)
        return _event_stream_headers(
            HttpResponse(
                f"retry: {POLL_RETRY_MS}\n\n".encode() + initial, content_type=EVENT_STREAM
            )
        )
    # Subscribe before reading the state: whatever happens in between is queued, not lost.
    sub = await opening.subscribe()
    try:
        initial = await sync_to_async(_initial_state)(user, opening.wallboard, opening.watches)
    except BaseException:
        fanout.unsubscribe(sub)
        _leave(user, opening.watches)
        raise
    body = _events(sub, initial, user, opening.watches)
    return _event_stream_headers(StreamingHttpResponse(body, content_type=EVENT_STREAM))


# --- The door: the same stream beside Django's handler ---------------------------------

#: Where the door reads the session, the person and the first frames: long-lived threads
#: whose database connections are kept, as the web threads' are. Two: an open is a few
#: quick reads, and a burst of page loads should not queue behind one slow one.
_DOOR_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="servewell-stream")


async def door(scope: dict, receive: Any, send: Any) -> None:
    """``/queue/stream/`` as ``servewell run`` serves it (``AppContract.doors``).

    A browser opens the stream again with every page it loads. Through Django's ASGI
    handler each open passed every sync middleware in a thread hop of its own, in a
    thread made for that one request with a database connection opened and closed for
    it: 12-14 ms of CPU for a few hundred bytes, and under load the hops queued for the
    interpreter lock behind the pages. Here an open is two calls on a kept thread. What
    the middleware did for this GET the door does itself (``_open_at_door``): the host
    check, an HTTPS redirect where one is required, the session and the person, the
    permission, and the request log line. Headers the middleware adds to pages (CSP,
    frame options) do not apply to an event stream.
    """
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    opening = await loop.run_in_executor(_DOOR_THREADS, _open_at_door, scope)
    if isinstance(opening, HttpResponse):
        await _send_whole(send, opening)
        _log(scope, opening.status_code, started, None)
        return
    sub = await opening.subscribe()
    try:
        initial = await loop.run_in_executor(_DOOR_THREADS, _initial_at_door, opening)
    except BaseException:
        fanout.unsubscribe(sub)
        _leave(opening.user, opening.watches)
        raise
    headers = _event_stream_headers(HttpResponse(content_type=EVENT_STREAM))
    await send({"type": "http.response.start", "status": 200, "headers": _raw(headers)})
    _log(scope, 200, started, opening.user.pk)
    await _pump(_events(sub, initial, opening.user, opening.watches), receive, send)


def _open_at_door(scope: dict) -> _Opening | HttpResponse:
    close_old_connections()  # as Django does per request: a broken connection is replaced
    try:
        request = ASGIRequest(scope, io.BytesIO())
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return HttpResponsePermanentRedirect(
                f"https://{request.get_host()}{request.get_full_path()}"
            )
        store = import_module(settings.SESSION_ENGINE).SessionStore
        request.session = store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        user = auth.get_user(request)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return _open(request, user)
    except DisallowedHost:
        return _text(400, "Bad Request: the Host header is not one this server answers.")
    except Exception as exc:
        if busy.is_database_busy(exc):
            return _text(503, "The database is busy; the page reconnects by itself.")
        log.exception("stream could not open")
        return _text(500, "The live connection could not open; the page retries.")


def _initial_at_door(opening: _Opening) -> bytes:
    close_old_connections()  # this call may land on the other door thread
    return _initial_state(opening.user, opening.wallboard, opening.watches, release=False)


async def _pump(body: AsyncIterator[bytes], receive: Any, send: Any) -> None:
    """Send the stream until it ends (a client that fell behind is dropped) or the client
    goes; either way the stream's own clean-up (unsubscribe, leave) runs."""

    async def pump() -> None:
        async for chunk in body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping, watching = asyncio.ensure_future(pump()), asyncio.ensure_future(gone())
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, watching):
            task.cancel()
        await asyncio.gather(pumping, watching, return_exceptions=True)
        await body.aclose()  # type: ignore[attr-defined]


async def _send_whole(send: Any, response: HttpResponse) -> None:
    await send(
        {"type": "http.response.start", "status": response.status_code, "headers": _raw(response)}
    )
    await send({"type": "http.response.body", "body": response.content, "more_body": False})


def _raw(response: HttpResponse) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-content-type-options", b"nosniff"),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.items()),
    ]


def _log(scope: dict, status: int, started: float, user: int | None) -> None:
    requests.info(
        "request",
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "user": user,
        },
    )


async def _events(
    sub: fanout.Subscriber, initial: bytes, user: Any = None, watches: list[_Watch] = ()
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    holder = (user, tuple(watches))
    if watches:
        _renewals.add(holder, loop)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode() + initial
        while True:
            try:
                # asyncio.timeout: a timer per wait, not a task (wait_for) — this loop
                # runs once per message for every open screen.
                async with asyncio.timeout(HEARTBEAT_S):
                    frame = await sub.queue.get()
            except TimeoutError:
                if sub.snapshots:
                    await fanout.mark_watched()
                yield b": ping\n\n"
                continue
            chunk = [frame]
            while not sub.queue.empty() and chunk[-1] is not None:
                chunk.append(sub.queue.get_nowait())
            if None in chunk:  # dropped for falling behind: the client reconnects
                yield b"".join(f for f in chunk if f is not None)
                return
            yield b"".join(chunk)
    finally:
        fanout.unsubscribe(sub)
        if watches:
            _renewals.discard(holder)
            # Not awaited: the client has gone and this generator may be closing under
            # a cancellation; the leave is a cache write that needs nobody to wait.
            loop.run_in_executor(_DOOR_THREADS, _leave, user, watches)


class _Renewals:
    """The watches of every open stream of this process, renewed together.

    One task per event loop wakes every ``renew_s`` and hands each watch kind its whole
    list of (user, id) in one call on a door thread: a few cache round trips for the
    process, where a renewal per stream was a hundred thread hops a second at 800
    agents, each taking the interpreter lock from the page being rendered."""

    def __init__(self) -> None:
        self.holders: dict[tuple[Any, tuple[_Watch, ...]], None] = {}
        self.tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}

    def add(self, holder: tuple[Any, tuple[_Watch, ...]], loop: asyncio.AbstractEventLoop) -> None:
        self.holders[holder] = None
        task = self.tasks.get(loop)
        if task is None or task.done():
            self.tasks[loop] = loop.create_task(self._run(loop))

    def discard(self, holder: tuple[Any, tuple[_Watch, ...]]) -> None:
        self.holders.pop(holder, None)

    async def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        while self.holders:
            watches = [w for _, ws in self.holders for w in ws]
            await asyncio.sleep(min(w.declared.renew_s for w in watches))
            batches: dict[contract.LiveWatch, list[tuple[Any, int]]] = {}
            for holder in list(self.holders):
                user, held = holder
                for watch in held:
                    batches.setdefault(watch.declared, []).append((user, watch.pk, holder))
            if batches:
                await loop.run_in_executor(_DOOR_THREADS, _renew_all, batches, self.holders)

    def __len__(self) -> int:
        return len(self.holders)


_renewals = _Renewals()


#: Renewals and leaves of watches, one at a time. Why: a renewal batch is gathered in the
#: event loop and run on a door thread; a stream closing meanwhile has its leave run on
#: the other one. Run after the leave, the renewal wrote the person back ("is viewing",
#: pushed to the others) for as long as an entry lives. Under the lock a renewal skips
#: the streams that have closed since it was gathered, and a leave never runs beside it.
_WATCH_LOCK = threading.Lock()


def _renew_all(batches: dict[contract.LiveWatch, list[tuple]], open_now: Any = None) -> None:
    with _WATCH_LOCK:
        for declared, entries in batches.items():
            watchers = [
                (user, pk)
                for user, pk, *holder in entries
                if open_now is None or not holder or holder[0] in open_now
            ]
            if not watchers:
                continue
            try:
                declared.renew(watchers)
            except Exception:
                log.exception("live watch renewal failed", extra={"watch": declared.param})


def _leave(user: Any, watches: list[_Watch]) -> None:
    with _WATCH_LOCK:
        for watch in watches:
            try:
                watch.declared.leave(user, watch.pk)
            except Exception:
                log.exception("live watch leave failed", extra={"topic": watch.topic})
