"""Benchmarks of the live queue: alarm fan-out latency and feed throughput.

``alarm.fanout.p95_ms``: N signed-in browsers hold ``/queue/stream/`` open (raw asyncio
sockets speaking HTTP/1.1, as cheap as a client can be, so the figure is the server's);
a queue event is POSTed that trips an alarm rule, and each stream's arrival time of the
``alarm`` frame is taken against the moment the POST started. Every round clears the
alarm again before the next. Measured on one embedded server process, and — when Redis
answers — on two processes sharing Redis pub/sub (streams split between them, events
POSTed to the first), the scaled-out set-up.

With Redis, also ``alarm.fanout.p95_ms`` with ``"screens"`` open at once (5,000 at the
large scale) spread over several server processes, the deployment for a large floor. Every
open stream is a socket at both ends, so the bench raises its soft open-file limit (and
its servers inherit it) when the hard limit allows.

``queue.events.per_s``: telephony events (join, answer, complete) POSTed by a few
concurrent clients with a bearer token, as a phone system would: one event per request
(``"per_request": 1``), and in batches to ``/api/queue/events/batch/``
(``"per_request": 50``), as a phone system that buffers its events sends them; and one
per request on the fast door (``"respond": "async"``, ``livequeue.intake``), timed until
the worker has derived every call, with the rate of the 202s beside it. The
server is started as ``servewell run`` starts it (a web process per core, the job
worker beside them), so the figure is what the deployed default takes in. The posters
are keep-alive connections of a small asyncio client (``core.bench.rawhttp``): a
threaded httpx client spent about 1.7 ms of the same two cores per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from servewell.core.bench import measure, rawhttp
from servewell.core.bench import server as bench_server
from servewell.core.bench.load import serve_like_run
from servewell.core.management.commands.run import default_workers
from servewell.livequeue.models import AlarmRule, Call, CallState, PendingEvent, RuleKind
from servewell.people import teams
from servewell.people.models import Membership, Role, RoleGrant, Team, User
from servewell.people.tokens import create_token

GROUP = "queue"


@dataclass(frozen=True)
class Size:
    clients: int  # open SSE streams
    people: int  # distinct signed-in people behind them
    rounds: int  # alarms raised (and cleared) while they listen
    calls: int  # calls posted for the throughput figure (3 events each)
    posters: int  # concurrent clients posting events
    screens: int  # open SSE streams for the many-screens figure (Redis, several processes)
    processes: int  # server processes sharing them


SIZES = {
    "tiny": Size(clients=50, people=10, rounds=5, calls=100, posters=4, screens=100, processes=2),
    "small": Size(
        clients=200, people=40, rounds=10, calls=500, posters=4, screens=1000, processes=2
    ),
    "large": Size(
        clients=1000, people=100, rounds=20, calls=2000, posters=4, screens=5000, processes=2
    ),
}
BATCH = 50  # events per request for the batched throughput figure
RAISED = b'"event":"raised"'
ROUND_TIMEOUT_S = 30.0
WARMUP_ROUNDS = 1
#: Where to look for Redis for the second fan-out figure (the bench child does not
#: inherit REDIS_URL, on purpose: it must never touch the user's data).
REDIS_URL = os.environ.get("SERVEWELL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    size = SIZES[ctx.scale]
    _raise_open_files(2 * max(size.clients, size.screens) + 256)
    setup = _organisation(size)
    with ctx.server() as base:
        cookies = [_cookie(ctx.client(person)) for person in setup["people"]]
        latencies = _run_client(_fanout([base], cookies, size.clients, size, setup["token"], "fan"))
        yield _fanout_figure(ctx, latencies, size.clients, size, fanout="embedded", processes=1)
    workers = default_workers()
    with serve_like_run(workers=workers) as server:
        shape = f"servewell run --workers {workers} (job worker beside)"
        for per_request in (1, BATCH):
            yield _throughput(ctx, server.base_url, size, setup["token"], per_request, shape)
        yield _throughput(ctx, server.base_url, size, setup["token"], 1, shape, respond="async")
    if _redis_answers():
        with _env(REDIS_URL=REDIS_URL), contextlib.ExitStack() as stack:
            bases = [stack.enter_context(bench_server.serve()) for _ in range(size.processes)]
            cookies = [_cookie(_session_client(bases[0], p)) for p in setup["people"]]
            two = bases[:2]
            latencies = _run_client(
                _fanout(two, cookies, size.clients, size, setup["token"], "red")
            )
            yield _fanout_figure(ctx, latencies, size.clients, size, fanout="redis", processes=2)
            latencies = _run_client(
                _fanout(bases, cookies, size.screens, size, setup["token"], "many")
            )
            yield _fanout_figure(
                ctx, latencies, size.screens, size, fanout="redis", processes=size.processes
            )


def _raise_open_files(needed: int) -> None:
    """Every open screen is a file descriptor here and one in a server (which inherits
    this limit): raise the soft limit towards the hard one, or say why it will fail."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            print(
                f"bench: only {target} open files allowed (ulimit -Hn); {needed} wanted",
                file=sys.stderr,
            )


# --- Set-up --------------------------------------------------------------------------------


def _organisation(size: Size) -> dict[str, Any]:
    """A team whose alarm trips at the first caller, its people, and the phone system's
    token; and a second team for throughput whose rule (50 waiting) never trips."""
    care = Team.objects.filter(slug="bench-care").first() or teams.create_team(
        None, name="Bench Care"
    )
    AlarmRule.objects.get_or_create(
        team=care, kind=RuleKind.WAITING, defaults={"threshold": 1, "clear_threshold": 0}
    )
    orders = Team.objects.filter(slug="bench-orders").first() or teams.create_team(
        None, name="Bench Orders"
    )
    AlarmRule.objects.get_or_create(
        team=orders, kind=RuleKind.WAITING, defaults={"threshold": 50, "clear_threshold": 10}
    )
    people = []
    for n in range(size.people):
        person, created = User.objects.get_or_create(
            username=f"bench-agent-{n}", defaults={"display_name": f"Agent {n}"}
        )
        if created:
            RoleGrant.objects.create(user=person, role=Role.AGENT)
            Membership.objects.create(team=care, user=person, is_lead=n == 0)
        people.append(person)
    pbx, created = User.objects.get_or_create(username="bench-pbx")
    if created:
        RoleGrant.objects.create(user=pbx, role=Role.ADMIN)
    _, raw = create_token(pbx, name="bench phone system")
    return {"people": people, "token": raw}


def _cookie(client: httpx.Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME]}"


def _session_client(base_url: str, user: User) -> httpx.Client:
    from servewell.core.bench.context import signed_in_session

    return httpx.Client(
        base_url=base_url, cookies={settings.SESSION_COOKIE_NAME: signed_in_session(user)}
    )


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    """Environment for the server processes started inside (they copy os.environ)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# --- Fan-out ---------------------------------------------------------------------------------


class _Stream(asyncio.Protocol):
    """One listening screen, as cheap as a client can be (a protocol callback, no
    coroutine per read), so that on a small machine the figure is the server's time."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.raised: list[float] = []  # arrival time of each round's alarm
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if not self.opened.done():
            if b"event: hello" not in self.buffer:
                return
            if not self.buffer.startswith(b"HTTP/1.1 200"):
                self.opened.set_exception(ConnectionError(f"refused: {self.buffer[:200]!r}"))
                return
            self.opened.set_result(True)
        found = self.buffer.count(RAISED)
        self.raised += [now] * found
        if found:
            self.buffer = self.buffer[self.buffer.rindex(RAISED) + len(RAISED) :]
        self.buffer = self.buffer[-len(RAISED) :]  # a marker may straddle two reads

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed: {exc or self.buffer[:200]!r}"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _open_stream(base_url: str, cookie: str) -> _Stream:
    parts = urlsplit(base_url)
    request = (
        f"GET /queue/stream/ HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, stream = await loop.create_connection(lambda: _Stream(request), parts.hostname, parts.port)
    await asyncio.wait_for(stream.opened, 30)
    return stream


def _run_client(coroutine: Any) -> Any:
    """Run the bench's screens on uvloop when it is installed (it is with Servewell):
    thousands of streams read by one Python process make the client's own event loop
    part of the latency measured; uvloop keeps that part small, as a browser's is."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


async def _fanout(
    bases: list[str], cookies: list[str], clients: int, size: Size, token: str, prefix: str
) -> list[float]:
    streams: list[_Stream] = []
    for start in range(0, clients, 100):  # connect in batches, as browsers trickle in
        batch = range(start, min(start + 100, clients))
        streams += await asyncio.gather(
            *(_open_stream(bases[i % len(bases)], cookies[i % len(cookies)]) for i in batch)
        )
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    stamp = f"{prefix}-{time.time_ns()}"
    try:
        with httpx.Client(base_url=bases[0], headers=headers, timeout=30) as feeder:
            for number in range(size.rounds + WARMUP_ROUNDS):
                call = {"call_id": f"{stamp}-{number}", "team": "bench-care"}
                started = time.perf_counter()
                await asyncio.to_thread(_post, feeder, {"event": "joined", **call})
                deadline = started + ROUND_TIMEOUT_S
                while not all(len(s.raised) > number for s in streams):
                    if time.perf_counter() > deadline:
                        got = sum(len(s.raised) > number for s in streams)
                        raise RuntimeError(f"only {got} of {clients} streams got the alarm")
                    await asyncio.sleep(0.005)
                if number >= WARMUP_ROUNDS:  # the first alarm warms code paths up
                    latencies += [(s.raised[number] - started) * 1000 for s in streams]
                await asyncio.to_thread(_post, feeder, {"event": "abandoned", **call})
                await asyncio.sleep(0.3)  # let the clear reach everyone before the next
    finally:
        for stream in streams:
            stream.close()
    return latencies


def _post(client: httpx.Client, body: dict[str, Any]) -> None:
    response = client.post("/api/queue/events/", json=body)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST /api/queue/events/ answered {response.status_code}")


def _fanout_figure(
    ctx: Any, latencies: list[float], clients: int, size: Size, **context: Any
) -> dict[str, Any]:
    return ctx.figure(
        "alarm.fanout.p95_ms",
        measure.percentile(latencies, 95),
        "ms",
        clients=clients,
        rounds=size.rounds,
        p50_ms=round(measure.percentile(latencies, 50), 2),
        max_ms=round(max(latencies), 2),
        **context,
    )


# --- Throughput ------------------------------------------------------------------------------


def _throughput(
    ctx: Any,
    base: str,
    size: Size,
    token: str,
    per_request: int,
    shape: str,
    *,
    respond: str = "sync",
) -> dict[str, Any]:
    """Events a second over HTTP. With ``respond="async"`` (the fast lane), the clock
    runs until the worker has derived every call, not just until the last 202."""
    headers = {"Authorization": f"Bearer {token}"}
    stamp = f"{per_request}-{respond}-{time.time_ns()}"
    single = "/api/queue/events/?respond=async" if respond == "async" else "/api/queue/events/"

    def events_of(n: int) -> list[dict[str, Any]]:
        call = {"call_id": f"tp-{stamp}-{n}", "team": "bench-orders"}
        return [
            {"event": kind, "agent": "bench-agent-1", **call}
            for kind in ("joined", "answered", "completed")
        ]

    async def post_calls(worker: int) -> int:
        mine = [e for n in range(worker, size.calls, size.posters) for e in events_of(n)]
        client = rawhttp.Client(base)
        try:
            if per_request == 1:
                for event in mine:
                    await _post_raw(client, single, event, headers)
                return len(mine)
            # A buffering phone system: a call's events in order, calls interleaved.
            for start in range(0, len(mine), per_request):
                batch = {"events": mine[start : start + per_request]}
                await _post_raw(client, "/api/queue/events/batch/", batch, headers)
            return len(mine)
        finally:
            client.close()

    async def posters() -> int:
        return sum(await asyncio.gather(*(post_calls(w) for w in range(size.posters))))

    with httpx.Client(base_url=base, headers=headers) as warm:  # first requests are slow
        for n in range(5):
            _post(warm, {"event": "joined", "call_id": f"warm-{stamp}-{n}", "team": "bench-orders"})
        _post_batch(
            warm, [{"event": "joined", "call_id": f"warmb-{stamp}", "team": "bench-orders"}]
        )
    started = time.perf_counter()
    sent = rawhttp.run(posters())
    answered = time.perf_counter() - started
    context: dict[str, Any] = {}
    if respond == "async":
        _wait_derived(f"tp-{stamp}-", size.calls)
        context = {"respond": "async", "answered_per_s": round(sent / answered, 1)}
    elapsed = time.perf_counter() - started
    return ctx.figure(
        "queue.events.per_s",
        sent / elapsed,
        "events/s",
        events=sent,
        per_request=per_request,
        concurrent_clients=size.posters,
        seconds=round(elapsed, 2),
        shape=shape,
        **context,
    )


def _wait_derived(prefix: str, calls: int, timeout_s: float = 300.0) -> None:
    """Until the worker has turned every posted event into its completed call."""
    deadline = time.monotonic() + timeout_s
    done = Call.objects.filter(call_id__startswith=prefix, state=CallState.COMPLETED)
    while done.count() < calls or PendingEvent.objects.filter(state="received").exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker derived {done.count()} of {calls} calls in time")
        time.sleep(0.05)


async def _post_raw(
    client: rawhttp.Client, path: str, body: dict[str, Any], headers: dict[str, str]
) -> None:
    response = await client.post_json(path, json.dumps(body).encode(), headers)
    if response.status not in (200, 201, 202):
        raise RuntimeError(f"POST {path} answered {response.status}: {response.body[:200]!r}")


def _post_batch(client: httpx.Client, events: list[dict[str, Any]]) -> int:
    response = client.post("/api/queue/events/batch/", json={"events": events})
    if response.status_code != 200:
        raise RuntimeError(f"POST /api/queue/events/batch/ answered {response.status_code}")
    return len(events)
