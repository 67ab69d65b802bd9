"""Real-time fan-out from domain code (sync, any thread) to the open SSE streams.

With ``REDIS_URL`` messages are published on a Redis channel, and every server process
runs one listener that hands what it hears to its own streams — so an event posted to
one process reaches the browsers connected to all of them, on any machine.

Without Redis (the embedded default, which runs a web process per core and the job
worker beside them) the processes on this machine that serve the same database reach
each other through Unix sockets in one folder: each process with open streams listens
on a socket of its own there, and a publisher delivers to its own streams directly and
writes the message, one JSON line, to every other socket it finds. A socket nobody
listens on any more (a process that was killed) is removed by the next publisher.

A message is a JSON-friendly dict::

    {"type": "alarm" | "snapshot", "team": <team id>, "data": {...},
     "audience": [user ids] | None, "org": bool}

or, for what a page watches (``core.live``: a conversation's viewers and version)::

    {"type": "topic", "topic": "conversation:12", "data": {"topic": ..., "event": ...}}

sent as a ``live`` frame to the streams subscribed to that topic, found through an index
rather than by asking every stream.

Each stream receives the messages of the teams it may see, and alarms it is asked to
answer (``audience`` or ``org``); alarm frames carry an ``asked`` flag per user. Frames
are serialised once per message, not once per stream: with a thousand screens open the
cost of a broadcast is a thousand ``put_nowait`` calls.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction

log = logging.getLogger(__name__)

CHANNEL = "servewell:livequeue"
QUEUE_LIMIT = 200  # frames buffered per stream; a client further behind is dropped
#: Set in the shared cache while a screen of any process shows snapshots (a wallboard).
#: Agents' pages take alarms only: with no wallboard open, building a team's snapshot
#: after each telephony event (several aggregates over the day's calls) is work nobody
#: reads, and it was a tenth of the web processes' time under the capacity load.
WATCHED_KEY = "livequeue:snapshots-watched"
#: A stream that shows snapshots renews the mark at each heartbeat (``stream``); a
#: process that stops leaves it to expire.
WATCHED_TTL_S = 60


@dataclass(eq=False)
class Subscriber:
    user_id: int
    team_ids: frozenset[int] | None  # None: every team
    snapshots: bool
    loop: asyncio.AbstractEventLoop
    topics: frozenset[str] = frozenset()
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT + 1))

    def wants(self, message: dict[str, Any]) -> bool:
        if message["type"] == "topic":
            return message.get("topic") in self.topics
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
    if message["type"] == "topic":
        return {"plain": sse_frame("live", data)}
    return {"plain": sse_frame(message["type"], data)}


class Hub:
    """The streams of this process. Thread-safe: domain code publishes from worker
    threads, streams live on the event loop."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._by_topic: dict[str, set[Subscriber]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._subscribers)

    def add(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.add(subscriber)
            for name in subscriber.topics:
                self._by_topic.setdefault(name, set()).add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)
            for name in subscriber.topics:
                watching = self._by_topic.get(name)
                if watching is not None:
                    watching.discard(subscriber)
                    if not watching:
                        del self._by_topic[name]

    def deliver(self, message: dict[str, Any]) -> int:
        """Hand ``message`` to every interested stream; returns how many."""
        with self._lock:
            if message["type"] == "topic":
                targets = list(self._by_topic.get(message.get("topic"), ()))
            else:
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
    else:
        peers.send(message)
    hub.deliver(message)


def publish_topic(topic: str, event: str, data: dict[str, Any]) -> None:
    """``core.live``'s transport: one ``live`` frame to the streams watching ``topic``,
    on every process. Called after the commit (``core.live.publish``)."""
    publish({"type": "topic", "topic": topic, "data": {"topic": topic, "event": event, **data}})


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
    user_id: int,
    team_ids: frozenset[int] | None,
    *,
    snapshots: bool,
    topics: frozenset[str] = frozenset(),
    wait_s: float = 3.0,
) -> Subscriber:
    """Register a stream. Waits (briefly, with Redis) until this process listens, so
    that nothing published after the stream's initial state is missed."""
    loop = asyncio.get_running_loop()
    sub = Subscriber(
        user_id=user_id, team_ids=team_ids, snapshots=snapshots, loop=loop, topics=topics
    )
    hub.add(sub)
    if not settings.REDIS_URL:
        await _local_listener.ensure(loop)
    else:
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


async def mark_watched() -> None:
    """Say that a screen shows snapshots (at its start and each heartbeat)."""
    await cache.aset(WATCHED_KEY, 1, WATCHED_TTL_S)


def snapshots_watched() -> bool:
    """Whether any screen has shown snapshots within ``WATCHED_TTL_S``. One that opens
    later reads the current snapshots as its first frames, so it misses nothing."""
    return bool(cache.get(WATCHED_KEY))


# --- Between processes on one machine, without Redis ----------------------------------


def bus_folder() -> str:
    """The folder of the sockets of the processes serving this database. Named after the
    database, so that two installations (or two test runs) on one machine never hear
    each other, and kept short: a Unix socket's path has room for about 100 bytes."""
    db = connections["default"].settings_dict
    name = str(db.get("NAME") or "")
    if db["ENGINE"].endswith("sqlite3"):
        name = os.path.realpath(name)
    where = f"{db['ENGINE']}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{name}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"servewell-{os.getuid()}-{digest}")


class _Peers:
    """The publishing side: one connection kept open to each other process's socket.

    Stream sockets rather than datagrams: the kernel queues only ten datagrams for a
    Unix socket by default, and a burst of telephony events would lose alarms; a
    stream buffers hundreds of kilobytes and never reorders."""

    SEND_TIMEOUT_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: dict[str, socket.socket] = {}
        self._pid = os.getpid()

    def send(self, message: dict[str, Any]) -> int:
        """Write ``message`` to every other listening process; returns how many."""
        folder = bus_folder()
        try:
            names = [n for n in os.listdir(folder) if n.endswith(".sock")]
        except FileNotFoundError:
            return 0
        mine = f"{os.getpid()}-"
        paths = {os.path.join(folder, n) for n in names if not n.startswith(mine)}
        if not paths:
            return 0
        line = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        sent = 0
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's connections
                self._connections, self._pid = {}, os.getpid()
            for gone in set(self._connections) - paths:
                self._close(gone)
            for path in sorted(paths):
                sent += self._send_one(path, line)
        return sent

    def _send_one(self, path: str, line: bytes) -> int:
        for attempt in (1, 2):  # a kept connection may have closed: reconnect once
            sock = self._connections.get(path)
            try:
                if sock is None:
                    sock = self._connections[path] = self._connect(path)
                sock.sendall(line)
                return 1
            except (ConnectionRefusedError, FileNotFoundError):
                # Nobody listens there any more: a process that ended without tidying.
                self._close(path)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                return 0
            except OSError:
                self._close(path)
                if attempt == 2:
                    log.warning("fan-out to %s failed; its screens miss one message", path)
        return 0

    def _connect(self, path: str) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.SEND_TIMEOUT_S)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return sock

    def _close(self, path: str) -> None:
        sock = self._connections.pop(path, None)
        if sock is not None:
            sock.close()


peers = _Peers()


class _LocalListener:
    """The listening side: one Unix socket per process, served on the event loop of its
    streams, handing every line it reads to this process's hub."""

    #: The longest message line accepted (a snapshot of a big team is a few kilobytes).
    LINE_LIMIT = 4 * 1024 * 1024

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.path: str | None = None
        self._server: asyncio.AbstractServer | None = None
        self._starting: asyncio.Task | None = None
        atexit.register(self.close)

    def listening(self) -> bool:
        return self._server is not None and self.loop is not None and not self.loop.is_closed()

    async def ensure(self, loop: asyncio.AbstractEventLoop) -> None:
        """Listen, once per process (the hub reaches the streams of every loop). A
        socket that cannot be made leaves this process's screens to its own messages."""
        if self.listening():
            return
        if self._starting is None or self._starting.get_loop() is not loop:
            self._starting = loop.create_task(self._start(loop))
        try:
            await asyncio.shield(self._starting)
        except OSError:
            log.warning(
                "no fan-out socket: other processes' messages miss these screens", exc_info=True
            )
        finally:
            if self._starting is not None and self._starting.done():
                self._starting = None

    async def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.close()
        folder = bus_folder()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, f"{os.getpid()}-{id(loop):x}.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self._server = await asyncio.start_unix_server(
            self._serve, path=path, limit=self.LINE_LIMIT
        )
        self.loop, self.path = loop, path

    @staticmethod
    async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                _Listener._hand_over(line)
        except (ConnectionError, ValueError, asyncio.LimitOverrunError):
            log.warning("fan-out connection dropped", exc_info=True)
        finally:
            writer.close()

    def close(self) -> None:
        if self._server is not None and self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._server.close)
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        self._server = self.loop = self.path = None


_local_listener = _LocalListener()
