"""Asterisk Manager Interface listener: queue events from Asterisk into the queue feed.

The AMI is a line protocol over TCP. The server greets with one banner line
(``Asterisk Call Manager/5.0.1``); then both sides exchange *packets*: ``Key: Value``
lines ending in CRLF, a packet ending with an empty line. We log in with
``Action: Login`` and read events for as long as the connection lasts; when it drops (or
the login is refused) we reconnect with exponential backoff.

Mapping (Asterisk 12+ field names; the queue's name is the team's slug unless mapped):

=====================  ===========  ==========================================
AMI event              feed event   notes
=====================  ===========  ==========================================
QueueCallerJoin        joined       Uniqueid → call id, CallerIDNum → caller
AgentConnect           answered     MemberName → agent (a username, if it is one)
QueueCallerAbandon     abandoned
AgentComplete          completed    TalkTime → talk time
QueueCallerLeave       abandoned    only if neither an answer nor an abandon
                                    follows within ``LEAVE_GRACE_S`` (a caller
                                    who timed out or pressed an exit key)
=====================  ===========  ==========================================

Asterisk sends QueueCallerLeave *before* AgentConnect when an agent picks up, hence the
grace period; and as the feed lets an answer win over an abandon, a late AgentConnect
still corrects the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from servewell.core.errors import DomainError

log = logging.getLogger(__name__)

LEAVE_GRACE_S = 3.0
SETTLED_MEMORY = 10_000  # recent call ids known to be answered or abandoned
EVENT_MAP = {
    "queuecallerjoin": "joined",
    "agentconnect": "answered",
    "queuecallerabandon": "abandoned",
    "agentcomplete": "completed",
}


@dataclass(frozen=True)
class FeedEvent:
    kind: str
    call_id: str
    team: str
    at: datetime
    agent: str | None = None
    caller: str = ""
    talk_s: float | None = None


@dataclass
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str
    queue_map: dict[str, str] = field(default_factory=dict)  # AMI queue → team slug
    backoff_start_s: float = 1.0
    backoff_max_s: float = 60.0
    idle_ping_s: float = 30.0
    leave_grace_s: float = LEAVE_GRACE_S


class LoginRefused(Exception):
    pass


# --- The line protocol ---------------------------------------------------------------------


def encode(packet: dict[str, str]) -> bytes:
    lines = [f"{key}: {value}" for key, value in packet.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_packet(reader: asyncio.StreamReader) -> dict[str, str] | None:
    """One packet, or None at end of stream. Keys are kept as sent; look them up with
    ``get`` (Asterisk is not consistent about case across versions)."""
    packet: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if packet:
                return packet
            continue  # stray blank line between packets
        key, sep, value = line.partition(":")
        if sep:
            packet.setdefault(key.strip(), value.strip())


def get(packet: dict[str, str], key: str, default: str = "") -> str:
    lowered = key.lower()
    return next((v for k, v in packet.items() if k.lower() == lowered), default)


def to_feed_event(
    packet: dict[str, str], *, queue_map: dict[str, str], now: datetime
) -> FeedEvent | None:
    """The feed event an AMI event stands for (QueueCallerLeave is decided elsewhere)."""
    kind = EVENT_MAP.get(get(packet, "Event").lower())
    call_id = get(packet, "Uniqueid")
    queue = get(packet, "Queue")
    if kind is None or not call_id or not queue:
        return None
    talk = get(packet, "TalkTime")
    caller = get(packet, "CallerIDNum")
    agent = None
    if kind in ("answered", "completed"):
        agent = get(packet, "MemberName") or get(packet, "Interface") or None
    return FeedEvent(
        kind=kind,
        call_id=call_id,
        team=queue_map.get(queue, queue),
        at=now,
        agent=agent,
        caller="" if caller in ("", "<unknown>") else caller,
        talk_s=float(talk) if kind == "completed" and talk.isdigit() else None,
    )


def record(event: FeedEvent) -> None:
    """Hand an event to the feed (runs in a worker thread: the ORM is synchronous)."""
    from servewell.livequeue import feed

    close_old_connections()
    try:
        feed.record_event(
            event.kind,
            call_id=event.call_id,
            team=event.team,
            at=event.at,
            agent=event.agent,
            caller=event.caller,
            talk_s=event.talk_s,
            raw={"source": "ami"},
        )
    except DomainError as exc:
        log.warning("AMI event not recorded: %s", exc.message, extra={"call_id": event.call_id})
    finally:
        close_old_connections()


# --- The client ------------------------------------------------------------------------------


class AmiListener:
    def __init__(
        self,
        config: AmiConfig,
        *,
        recorder: Callable[[FeedEvent], None] = record,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.config = config
        self.recorder = recorder
        self.clock = clock
        self.stop = asyncio.Event()
        self.sessions = 0  # successful logins, for the curious (and the tests)
        self._action_ids = itertools.count(1)
        self._leaving: dict[str, asyncio.TimerHandle] = {}
        self._settled: OrderedDict[str, None] = OrderedDict()  # answered or abandoned
        self._pending: set[asyncio.Task] = set()

    async def run(self) -> None:
        """Connect, listen, and reconnect with exponential backoff until ``stop``."""
        delay = self.config.backoff_start_s
        while not self.stop.is_set():
            try:
                await self._session()
                delay = self.config.backoff_start_s  # a clean session resets the backoff
            except LoginRefused as exc:
                log.error("AMI login refused: %s", exc)
            except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                log.warning("AMI connection lost: %s", exc)
            if self.stop.is_set():
                break
            log.info("AMI reconnecting in %.1fs", delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), delay)
            delay = min(delay * 2, self.config.backoff_max_s)
        await self._drain()

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.config.host, self.config.port), 10
        )
        try:
            banner = await asyncio.wait_for(reader.readline(), 10)
            log.info("AMI connected: %s", banner.decode("utf-8", "replace").strip())
            await self._login(reader, writer)
            self.sessions += 1
            await self._listen(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _login(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        action_id = str(next(self._action_ids))
        writer.write(
            encode(
                {
                    "Action": "Login",
                    "Username": self.config.username,
                    "Secret": self.config.secret,
                    "Events": "on",
                    "ActionID": action_id,
                }
            )
        )
        await writer.drain()
        while True:
            packet = await asyncio.wait_for(read_packet(reader), 10)
            if packet is None:
                raise LoginRefused("connection closed during login")
            if get(packet, "ActionID") == action_id and get(packet, "Response"):
                if get(packet, "Response").lower() != "success":
                    raise LoginRefused(get(packet, "Message", "no reason given"))
                return
            await self.handle(packet)  # events may already flow

    async def _listen(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        quiet = 0
        while not self.stop.is_set():
            read = asyncio.ensure_future(read_packet(reader))
            stopping = asyncio.ensure_future(self.stop.wait())
            done, _ = await asyncio.wait(
                {read, stopping},
                timeout=self.config.idle_ping_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            stopping.cancel()
            if read not in done:
                read.cancel()
                if self.stop.is_set():
                    return
                quiet += 1
                if quiet > 1:  # a ping went unanswered: the link is dead
                    raise TimeoutError("no answer to ping")
                writer.write(encode({"Action": "Ping", "ActionID": str(next(self._action_ids))}))
                await writer.drain()
                continue
            quiet = 0
            packet = read.result()
            if packet is None:
                raise OSError("AMI closed the connection")
            await self.handle(packet)

    async def handle(self, packet: dict[str, str]) -> None:
        name = get(packet, "Event").lower()
        if not name:
            return
        call_id = get(packet, "Uniqueid")
        if name == "queuecallerleave":
            self._on_leave(packet)
            return
        event = to_feed_event(packet, queue_map=self.config.queue_map, now=self.clock())
        if event is None:
            return
        if event.kind in ("answered", "abandoned"):
            self._settle(call_id)
        await self._record(event)

    def _settle(self, call_id: str) -> None:
        self._settled[call_id] = None
        while len(self._settled) > SETTLED_MEMORY:
            self._settled.popitem(last=False)
        timer = self._leaving.pop(call_id, None)
        if timer is not None:
            timer.cancel()

    def _on_leave(self, packet: dict[str, str]) -> None:
        call_id, queue = get(packet, "Uniqueid"), get(packet, "Queue")
        if not call_id or not queue or call_id in self._settled:
            return
        at = self.clock()
        event = FeedEvent(
            kind="abandoned",
            call_id=call_id,
            team=self.config.queue_map.get(queue, queue),
            at=at,
        )

        def left_unanswered() -> None:
            self._leaving.pop(call_id, None)
            if call_id not in self._settled:
                task = asyncio.ensure_future(self._record(event))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

        loop = asyncio.get_running_loop()
        self._leaving[call_id] = loop.call_later(self.config.leave_grace_s, left_unanswered)

    async def _record(self, event: FeedEvent) -> None:
        try:
            await asyncio.to_thread(self.recorder, event)
        except Exception:
            log.exception("recording an AMI event failed", extra={"call_id": event.call_id})

    async def _drain(self) -> None:
        for timer in self._leaving.values():
            timer.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


def parse_queue_map(items: list[str]) -> dict[str, str]:
    """``["sales=orders", "support=care"]`` → ``{"sales": "orders", ...}``."""
    mapping: dict[str, str] = {}
    for item in items:
        queue, sep, team = item.partition("=")
        if not sep or not queue.strip() or not team.strip():
            raise ValueError(f"Write a queue mapping as QUEUE=TEAM_SLUG, not {item!r}.")
        mapping[queue.strip()] = team.strip()
    return mapping


def run_listener(config: AmiConfig, **kwargs: Any) -> None:
    """Blocking entry point for the management command; Ctrl+C stops it cleanly."""
    listener = AmiListener(config, **kwargs)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signal.SIGTERM, listener.stop.set)
        await listener.run()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
