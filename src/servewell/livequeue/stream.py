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
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from servewell.core import contract
from servewell.core.access import can, requires
from servewell.core.ids import parse_id
from servewell.livequeue import fanout, queries
from servewell.livequeue.access import QUEUE_VIEW
from servewell.people.access import visible_team_ids

log = logging.getLogger(__name__)

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


def _initial_state(user: Any, wallboard: bool, watches: list[_Watch] = ()) -> bytes:
    """The current alarms (and snapshots for a wallboard), read once; then the
    connections are let go for as long as the stream lasts."""
    try:
        hello = {"user": user.pk, "server_time": _now(), "watching": [w.topic for w in watches]}
        frames = [fanout.sse_frame("hello", hello)]
        for alarm in queries.list_alarms(user, open_only=True):
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
        _release_connections()


def _release_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:  # never under a test's (or a caller's) transaction
            conn.close()


def _now() -> str:
    return timezone.now().isoformat()


@requires(QUEUE_VIEW)
async def stream(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Sign in first.", status=401, content_type="text/plain")
    wallboard = request.GET.get("wallboard") == "1"
    watches = _watches(request)
    if isinstance(watches, HttpResponse):
        return watches
    try:
        allowed, team_ids = await sync_to_async(_scope)(user, watches)
    except Http404 as exc:
        return HttpResponse(str(exc) or "Not found.", status=404, content_type="text/plain")
    except PermissionDenied as exc:
        return HttpResponse(str(exc) or "Not allowed.", status=403, content_type="text/plain")
    if not allowed:
        return HttpResponse("Not allowed.", status=403, content_type="text/plain")
    if not isinstance(request, ASGIRequest):
        # Each answer is a poll: the watches' entries live on until they expire.
        initial = await sync_to_async(_initial_state)(user, wallboard, watches)
        response = HttpResponse(
            f"retry: {POLL_RETRY_MS}\n\n".encode() + initial,
            content_type="text/event-stream; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache, no-transform"
        return response
    # Subscribe before reading the state: whatever happens in between is queued, not lost.
    topics = frozenset(w.topic for w in watches)
    sub = await fanout.subscribe(user.pk, team_ids, snapshots=wallboard, topics=topics)
    if wallboard:
        await fanout.mark_watched()
    try:
        initial = await sync_to_async(_initial_state)(user, wallboard, watches)
    except BaseException:
        fanout.unsubscribe(sub)
        _leave(user, watches)
        raise
    response = StreamingHttpResponse(
        _events(sub, initial, user, watches), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


async def _events(
    sub: fanout.Subscriber, initial: bytes, user: Any = None, watches: list[_Watch] = ()
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    renew_s = min((w.declared.renew_s for w in watches), default=None)
    next_ping = loop.time() + HEARTBEAT_S
    next_renew = loop.time() + renew_s if renew_s else float("inf")
    try:
        yield f"retry: {RETRY_MS}\n\n".encode() + initial
        while True:
            try:
                # asyncio.timeout: a timer per wait, not a task (wait_for) — this loop
                # runs once per message for every open screen.
                async with asyncio.timeout_at(min(next_ping, next_renew)):
                    frame = await sub.queue.get()
            except TimeoutError:
                now = loop.time()
                if now >= next_renew:
                    next_renew = now + renew_s
                    await sync_to_async(_renew, thread_sensitive=False)(user, watches)
                if now >= next_ping:
                    next_ping = now + HEARTBEAT_S
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
            # Not awaited: the client has gone and this generator may be closing under
            # a cancellation; the leave is a cache write that needs nobody to wait.
            loop.run_in_executor(None, _leave, user, watches)


def _each(step: str, user: Any, watches: list[_Watch]) -> None:
    """``renew`` or ``leave`` every watch; one that fails is logged and the stream goes
    on (a missed renewal costs a viewer shown a little less long, nothing more)."""
    for watch in watches:
        try:
            getattr(watch.declared, step)(user, watch.pk)
        except Exception:
            log.exception("live watch %s failed", step, extra={"topic": watch.topic})


def _renew(user: Any, watches: list[_Watch]) -> None:
    _each("renew", user, watches)


def _leave(user: Any, watches: list[_Watch]) -> None:
    _each("leave", user, watches)
