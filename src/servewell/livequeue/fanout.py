"""Real-time fan-out from domain code (sync, any thread) to the open SSE streams.

Embedded: messages go straight to the streams of this process. With ``REDIS_URL`` they
are published on a Redis channel instead, and every server process runs one listener
that hands what it hears to its own streams — so an event posted to one process
reaches the browsers connected to all of them.

A message is a JSON-friendly dict::

    {"type": "alarm" | "snapshot", "team": <team id>, "data": {...},
     "audience": [user ids] | None, "org": bool}

Each stream receives the messages of the teams it may see, and alarms it is asked to
answer (``audience`` or ``org``); alarm frames carry an ``asked`` flag per user. Frames
are serialised once per message, not once per stream: with a thousand screens open the
cost of a broadcast is a thousand ``put_nowait`` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

CHANNEL = "servewell:livequeue"
QUEUE_LIMIT = 200  # frames buffered per stream; a client further behind is dropped


@dataclass(eq=False)
class Subscriber:
    user_id: int
    team_ids: frozenset[int] | None  # None: every team
    snapshots: bool
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT + 1))

    def wants(self, message: dict[str, Any]) -> bool:
        if message["type"] == "snapshot" and not self.snapshots:
            return False
        if self.team_ids is None or message.get("team") in self.team_ids:
            return True
        return message["type"] == "alarm" and self._asked(message)

    def _asked(self, message: dict[str, Any]) -> bool:
        audience = message.get("audience")
        return bool(message.get("org")) or (audience is not None and self.user_id in audience)

    def frame_for(self, frames: dict[str, bytes], message: dict[str, Any]) -> bytes:
        if message["type"] == "alarm":
            return frames["asked"] if self._asked(message) else frames["plain"]
        return frames["plain"]


def sse_frame(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def frames_of(message: dict[str, Any]) -> dict[str, bytes]:
    data = dict(message["data"])
    if message["type"] == "alarm":
        return {
            "plain": sse_frame("alarm", {**data, "asked": False}),
            "asked": sse_frame("alarm", {**data, "asked": True}),
        }
    return {"plain": sse_frame(message["type"], data)}


class Hub:
    """The streams of this process. Thread-safe: domain code publishes from worker
    threads, streams live on the event loop."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._subscribers)

    def add(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def deliver(self, message: dict[str, Any]) -> int:
        """Hand ``message`` to every interested stream; returns how many."""
        with self._lock:
            targets = [s for s in self._subscribers if s.wants(message)]
        if not targets:
            return 0
        frames = frames_of(message)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Subscriber, bytes]]] = {}
        for sub in targets:
            by_loop.setdefault(sub.loop, []).append((sub, sub.frame_for(frames, message)))
        for loop, batch in by_loop.items():
            if _running_loop() is loop:
                _put_all(batch)
            else:
                with contextlib.suppress(RuntimeError):  # that loop has closed
                    loop.call_soon_threadsafe(_put_all, batch)
        return len(targets)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _put_all(batch: list[tuple[Subscriber, bytes]]) -> None:
    for sub, frame in batch:
        if sub.queue.qsize() >= QUEUE_LIMIT:
            # A stream that cannot keep up is closed; EventSource reconnects and gets
            # the current state, which beats an ever-growing backlog.
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
            continue
        sub.queue.put_nowait(frame)


hub = Hub()


# --- Publishing ------------------------------------------------------------------------


def broadcast(message: dict[str, Any]) -> None:
    """Publish after the current transaction commits (never a state that rolls back)."""
    transaction.on_commit(lambda: publish(message))


def publish(message: dict[str, Any]) -> None:
    if settings.REDIS_URL:
        try:
            _redis_client().publish(CHANNEL, json.dumps(message, separators=(",", ":")))
            return
        except Exception:
            # Redis is down: at least the screens on this process hear about it.
            log.exception("redis publish failed; delivering in this process only")
    hub.deliver(message)


_sync_client: Any = None
_client_lock = threading.Lock()


def _redis_client() -> Any:
    global _sync_client
    with _client_lock:
        if _sync_client is None:
            import redis

            _sync_client = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
            )
        return _sync_client


# --- Subscribing -----------------------------------------------------------------------


class _Listener:
    """One Redis subscription per event loop, feeding the hub; reconnects with backoff."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ready = asyncio.Event()
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        delay = 0.2
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self.ready.set()
                    delay = 0.2
                    async for item in pubsub.listen():
                        if item.get("type") == "message":
                            self._hand_over(item["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis subscription lost; retrying in %.1fs", delay, exc_info=True)
            finally:
                self.ready.clear()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    @staticmethod
    def _hand_over(data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("ignoring a malformed fan-out message")
            return
        hub.deliver(message)


_listeners: dict[asyncio.AbstractEventLoop, _Listener] = {}


async def subscribe(
    user_id: int, team_ids: frozenset[int] | None, *, snapshots: bool, wait_s: float = 3.0
) -> Subscriber:
    """Register a stream. With Redis, waits (briefly) until this process listens, so
    that nothing published after the stream's initial state is missed."""
    loop = asyncio.get_running_loop()
    sub = Subscriber(user_id=user_id, team_ids=team_ids, snapshots=snapshots, loop=loop)
    hub.add(sub)
    if settings.REDIS_URL:
        listener = _listeners.get(loop)
        if listener is None or listener.task.done():
            for stale in [lp for lp in _listeners if lp.is_closed()]:
                _listeners.pop(stale, None)
            listener = _listeners[loop] = _Listener(loop)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.ready.wait(), wait_s)
    return sub


def unsubscribe(subscriber: Subscriber) -> None:
    hub.remove(subscriber)
