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

Under a WSGI server (``servewell run`` serves this path over ASGI, but a deployment may
put the whole app behind gunicorn's sync workers, and Django's test server is WSGI)
an endless stream cannot work: Django would try to collect the async iterator into a
list before sending a byte, holding a worker thread — and an executor thread that keeps
the process from exiting — for good. There the view answers the current state once with
a longer ``retry:``, which turns EventSource into a poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from servewell.core.access import can, requires
from servewell.livequeue import fanout, queries
from servewell.livequeue.access import QUEUE_VIEW
from servewell.people.access import visible_team_ids

HEARTBEAT_S = 15.0
RETRY_MS = 3000
POLL_RETRY_MS = 10_000  # under WSGI: how often EventSource asks again


def _scope(user: Any) -> tuple[bool, frozenset[int] | None]:
    if not can(user, QUEUE_VIEW):
        _release_connections()
        return False, None
    ids = visible_team_ids(user)
    return True, None if ids is None else frozenset(ids)


def _initial_state(user: Any, wallboard: bool) -> bytes:
    """The current alarms (and snapshots for a wallboard), read once; then the
    connections are let go for as long as the stream lasts."""
    try:
        frames = [fanout.sse_frame("hello", {"user": user.pk, "server_time": _now()})]
        for alarm in queries.list_alarms(user, open_only=True):
            audience = queries.audience_ids(alarm.team, org=alarm.notify_org)
            data = queries.alarm_data(alarm, list(alarm.responses.all()))
            data.update(event="raised", asked=audience is None or user.pk in audience)
            frames.append(fanout.sse_frame("alarm", data))
        if wallboard:
            frames += [fanout.sse_frame("snapshot", s) for s in queries.snapshots(user)]
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
    allowed, team_ids = await sync_to_async(_scope)(user)
    if not allowed:
        return HttpResponse("Not allowed.", status=403, content_type="text/plain")
    if not isinstance(request, ASGIRequest):
        initial = await sync_to_async(_initial_state)(user, wallboard)
        response = HttpResponse(
            f"retry: {POLL_RETRY_MS}\n\n".encode() + initial,
            content_type="text/event-stream; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache, no-transform"
        return response
    # Subscribe before reading the state: whatever happens in between is queued, not lost.
    sub = await fanout.subscribe(user.pk, team_ids, snapshots=wallboard)
    if wallboard:
        await fanout.mark_watched()
    try:
        initial = await sync_to_async(_initial_state)(user, wallboard)
    except BaseException:
        fanout.unsubscribe(sub)
        raise
    response = StreamingHttpResponse(
        _events(sub, initial), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


async def _events(sub: fanout.Subscriber, initial: bytes) -> AsyncIterator[bytes]:
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
