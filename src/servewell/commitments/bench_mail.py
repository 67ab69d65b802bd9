"""``email.end_to_end.msgs_per_s``: from mail arriving to the customer's acknowledgement
queued for sending and the SLA clocks running, through the deployed shape: a server
started as ``servewell run`` (one web process) and ``servewell worker`` beside it
consuming the job queue, as a mail provider's webhook delivers mail, with the endpoint
answering as soon as the bytes are stored (``?respond=async``, the setting for a flood,
answered on a fast lane, ``core.fastlane``): the worker files, starts the clocks and
queues the acknowledgements in batches.

Part of the commitments group (``bench.py``): the acknowledgement and the clocks are this
app's, started by its job when the desk announces a new conversation. Every email is a
new request (no replies), so each one costs the whole path: HTTP, storing the raw bytes,
parsing, filing a conversation, the event, the queued job, the clocks, the rate-limit
check and the queued acknowledgement.

The clock stops when the last conversation has its first-response clock and its
acknowledgement queued (the auto-reply log row written with it); the time until every
acknowledgement has also been handed to the mail backend is in the context.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from servewell.commitments import policies
from servewell.commitments.models import ClockKind, SlaClock, SlaPolicy
from servewell.core.bench import rawhttp
from servewell.desk.models import Activity, AutoReplyLog, Conversation
from servewell.mail.generate import generate_maildir
from servewell.people import directory, teams
from servewell.people.models import Role, Team
from servewell.people.tokens import create_token

SIZES = {"tiny": 300, "small": 3_000, "large": 10_000}
#: Delivered and filed before the measured flood, and not counted in it.
WARM_UP = 200
ADDRESS = "e2e-bench@example.org"
#: Concurrent deliveries, as a provider's webhook sends them.
SENDERS = 8
#: Threads for Django's door (the warm-up and anything not on the fast lane): a process
#: taking a flood there mostly waits for the database's one writer, so a thread per
#: sender (with two, 64 instead of 89 mail/s before the lane), all running at once
#: (``WEB_PATIENCE_MS`` 0) rather than taking turns.
WEB_THREADS = str(SENDERS)
WAIT_LIMIT_S = 900.0


def _world() -> tuple[Team, str]:
    """A team with a first-response target and acknowledgements on (the default), and a
    service account's token for the inbound endpoint."""
    team = Team.objects.filter(email=ADDRESS).first() or teams.create_team(
        None, name="End-to-end bench", email=ADDRESS
    )
    if not SlaPolicy.objects.filter(team=team).exists():
        policies.save_policy(
            None,
            team,
            {
                "priority": "normal",
                "first_response_minutes": 60,
                "next_response_minutes": 240,
                "resolution_minutes": 1440,
            },
        )
    stamp = time.time_ns()
    gateway = directory.create_person(
        None,
        username=f"e2e-gateway-{stamp}",
        email=f"gateway-{stamp}@e2e-bench.example",
        roles=[Role.SERVICE],
    )
    return team, create_token(gateway, name="e2e bench")[1]


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    from servewell.core.bench.load import serve_like_run

    team, token = _world()
    with tempfile.TemporaryDirectory(prefix="servewell-e2e-bench-") as tmp:
        written = generate_maildir(
            Path(tmp) / "Maildir",
            SIZES[ctx.scale] + WARM_UP,
            to=ADDRESS,
            seed=23,
            reply_share=0.0,
            attachment_share=1 / 3,
        )
        raws = [m.path.read_bytes() for m in written]
    warm, raws = raws[:WARM_UP], raws[WARM_UP:]
    n = len(raws)
    with serve_like_run(
        workers=1,
        separate_worker=True,
        env={"WEB_THREADS": WEB_THREADS, "WEB_PATIENCE_MS": "0"},
    ) as server:
        url = f"{server.base_url}/api/mail/inbound/?respond=async"
        headers = {"Authorization": f"Token {token}", "Content-Type": "message/rfc822"}
        # A burst first, filed and acknowledged before the clock starts: the server is
        # measured as it runs, not as it starts (connections open, caches and URLs loaded).
        first_id, first_ack_id = _last_id(Conversation), _last_id(AutoReplyLog)
        _deliver(url, headers, warm)
        _wait(team, first_id, first_ack_id, len(warm), time.perf_counter())
        first_id, first_ack_id = _last_id(Conversation), _last_id(AutoReplyLog)
        cpu_before = server.cpu_s()
        started = time.perf_counter()
        statuses = _deliver(url, headers, raws)
        delivered = time.perf_counter() - started
        queued, sent = _wait(team, first_id, first_ack_id, n, started)
        cpu = server.cpu_s() - cpu_before
    accepted = sum(1 for s in statuses if s == 202)
    done = queued if queued is not None else time.perf_counter() - started
    yield ctx.figure(
        "email.end_to_end.msgs_per_s",
        n / done if queued is not None else 0.0,
        "msg/s",
        messages=n,
        accepted=accepted,
        seconds=round(done, 2),
        delivered_s=round(delivered, 2),
        delivered_msgs_per_s=round(n / delivered, 1),
        all_sent_s=round(sent, 2) if sent is not None else None,
        server_cpu_ms_per_msg=round(cpu / n * 1000, 2),
        complete=queued is not None,
        senders=SENDERS,
        shape="servewell run --workers 1 --no-worker (WEB_THREADS=8) + servewell worker "
        "(SQLite queue)",
        includes="HTTP POST /api/mail/inbound/?respond=async (fast lane): raw stored, filing job "
        "queued; worker: parsed, conversation filed, SLA clocks started, acknowledgement "
        "queued (and then sent)",
    )


def _deliver(url: str, headers: dict[str, str], raws: list[bytes]) -> list[int]:
    """SENDERS keep-alive connections delivering the mails between them, on the bench's
    small asyncio client (``core.bench.rawhttp``): its CPU comes off the same cores."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"

    async def sender(mine: list[bytes]) -> list[int]:
        client = rawhttp.Client(f"{parts.scheme}://{parts.netloc}")
        try:
            return [
                (await client.request("POST", path, body=raw, headers=headers)).status
                for raw in mine
            ]
        finally:
            client.close()

    async def senders() -> list[list[int]]:
        return await asyncio.gather(*(sender(raws[i::SENDERS]) for i in range(SENDERS)))

    return [status for statuses in rawhttp.run(senders()) for status in statuses]


def _last_id(model: Any) -> int:
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _wait(
    team: Team, first_id: int, first_ack_id: int, n: int, started: float
) -> tuple[float | None, float | None]:
    """Seconds from the first delivery until every new conversation has its clock and its
    acknowledgement queued, and until every acknowledgement was sent (None: not within
    the limit). Each look is a few range counts on primary keys: on a 2-core box the
    watcher's CPU comes off the server's."""
    queued = sent = None
    conversations = Conversation.objects.filter(team=team, id__gt=first_id)
    while time.perf_counter() - started < WAIT_LIMIT_S:
        if queued is None:
            clocks = SlaClock.objects.filter(
                conversation_id__gt=first_id, kind=ClockKind.FIRST_RESPONSE
            ).count()
            acks = AutoReplyLog.objects.filter(id__gt=first_ack_id).count()
            if clocks >= n and acks >= n:
                queued = time.perf_counter() - started
        if queued is not None:
            done = Activity.objects.filter(
                conversation_id__gt=first_id, conversation__in=conversations, verb="acknowledged"
            ).count()
            if done >= n:
                sent = time.perf_counter() - started
                break
        time.sleep(0.05)
    return queued, sent
