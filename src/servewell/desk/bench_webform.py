"""``webform.submit.per_s`` and ``webform.filed.per_s``: the public request form under a
flood (part of the desk group, ``servewell bench --only desk``).

``webform.submit.per_s``: 8 visitors at once post complete requests over HTTP. Each
loads the form (for its CSRF cookie and token, as a browser does), then posts one
request after another, each on a new connection as a new visitor's browser would, and
follows nothing: a 302 to the thank-you page is a request checked (the form, the rate
limit per address, the team) and stored. The server is started as ``servewell run``
starts it (a web process per core), with no worker taking jobs meanwhile, so that the
figure is what the web side answers; the stored requests wait for the worker.

``webform.filed.per_s``: then ``servewell worker`` starts and files that backlog: each
request's contact, conversation, first message, search document and receipt, and the
follow-up jobs they set off (the SLA clocks, the acknowledgement email). The figure is
the requests filed per second from the worker's start until the last is filed; the
follow-ups run in the same worker meanwhile, so it is what the worker sustains.

The server runs as behind one trusted proxy (``TRUSTED_PROXY_COUNT=1``) and every
request comes from its own address in ``X-Forwarded-For``, as a busy form on the
internet sees it, so the rate limit per address (5 an hour) is what a real visitor meets
and never trips here. The visitors are a small asyncio client (``core.bench.rawhttp``)
so that the load generator's own CPU, on the same cores, stays small.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from servewell.core.bench import measure, rawhttp
from servewell.core.bench.load import job_worker, serve_like_run
from servewell.core.management.commands.run import default_workers

CONCURRENCY = 8
SUBMISSIONS = {"tiny": 200, "small": 1_000, "large": 3_000}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
#: How long the worker may take to file the backlog before the bench gives up.
FILING_TIMEOUT_S = 300


def webform_figures(ctx: Any) -> Iterator[dict[str, Any]]:
    team_id = _public_team()
    total = SUBMISSIONS[ctx.scale]
    server_env = {"TRUSTED_PROXY_COUNT": "1", "SERVEWELL_JOBS_IMMEDIATE": "0"}
    workers = default_workers()
    since = timezone.now() - timedelta(seconds=1)
    with serve_like_run(workers=workers, jobs_wait=True, env=server_env) as server:
        base = server.base_url
        rawhttp.run(_visitors(base, team_id, CONCURRENCY, "warm"))  # first requests are slow
        started = time.perf_counter()
        runs = rawhttp.run(_visitors(base, team_id, total, f"v{time.time_ns()}"))
        elapsed = time.perf_counter() - started
    latencies = [ms for run in runs for ms in run]
    yield ctx.figure(
        "webform.submit.per_s",
        len(latencies) / elapsed,
        "req/s",
        submissions=len(latencies),
        concurrency=CONCURRENCY,
        p95_ms=round(measure.percentile(latencies, 95), 2),
        seconds=round(elapsed, 2),
        via="http",
        shape=f"servewell run --workers {workers} --no-worker",
    )
    waiting = total + CONCURRENCY
    queued = _jobs_queued()
    with job_worker(server_env):
        started = time.perf_counter()
        filed_s = _wait_filed(team_id, since, waiting) - started
        drained_s = _wait_drained() - started
    yield ctx.figure(
        "webform.filed.per_s",
        waiting / drained_s,
        "requests/s",
        requests=waiting,
        jobs_before=queued,
        filed_s=round(filed_s, 2),
        seconds=round(drained_s, 2),
        shape="servewell worker, until the requests and their follow-up jobs are done",
    )


def _wait_filed(team_id: int, since: datetime, count: int) -> float:
    """Wait until the worker has filed ``count`` requests received since ``since`` and
    none is left waiting; returns when (``time.perf_counter``)."""
    from servewell.desk.models import WebRequest

    deadline = time.perf_counter() + FILING_TIMEOUT_S
    ours = WebRequest.objects.filter(team_id=team_id, received_at__gte=since)
    while True:
        now = time.perf_counter()
        filed = ours.filter(state=WebRequest.State.FILED).count()
        waiting = ours.filter(state=WebRequest.State.RECEIVED).exists()
        if filed >= count and not waiting:
            return now
        if now > deadline:
            raise RuntimeError(f"the worker filed {filed} of {count} web requests in time")
        time.sleep(0.02)


def _jobs_queued() -> int:
    """Tasks waiting in the embedded job queue (Huey's SQLite file)."""
    from django.conf import settings

    path = Path(settings.JOBS["path"])
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM task").fetchone()[0]
        except sqlite3.OperationalError:  # no table yet: nothing was ever queued
            return 0


def _wait_drained() -> float:
    """Wait until the worker has taken every queued job (the follow-ups of the filing:
    SLA clocks, acknowledgements); returns when (``time.perf_counter``)."""
    deadline = time.perf_counter() + FILING_TIMEOUT_S
    while _jobs_queued():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{_jobs_queued()} jobs still queued after {FILING_TIMEOUT_S} s")
        time.sleep(0.02)
    return time.perf_counter()


def _public_team() -> int:
    from servewell.desk.models import DeskTeamSettings
    from servewell.people import teams
    from servewell.people.models import Team

    team = Team.objects.filter(slug="bench-help").first() or teams.create_team(
        None, name="Bench Help", email="help@example.org"
    )
    DeskTeamSettings.objects.update_or_create(team=team, defaults={"public_form": True})
    return team.pk


async def _visitor(base: str, team_id: int, numbers: range, who: str) -> list[float]:
    """One browser: the form once (its CSRF cookie and token), then a submission per
    number; their latencies (ms)."""
    latencies = []
    client = rawhttp.Client(base)
    try:
        page = await client.get("/help/request/")
        found = TOKEN.search(page.body)
        if page.status != 200 or found is None:
            raise RuntimeError(f"GET /help/request/ answered {page.status} without a form")
        token = found.group(1).decode()
        for n in numbers:
            form = {
                "csrfmiddlewaretoken": token,
                "name": f"Visitor {who} {n}",
                "email": f"visitor-{who}-{n}@example.org",
                "team": str(team_id),
                "subject": "My kettle stopped working",
                "message": "It switches itself off after a few seconds. Order 12345.",
                "website": "",
            }
            address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            client.close()  # each request comes from a new visitor's connection
            started = time.perf_counter()
            response = await client.post_form(
                "/help/request/",
                form,
                headers={"X-Forwarded-For": address, "Referer": f"{base}/help/request/"},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 302:
                raise RuntimeError(f"POST /help/request/ answered {response.status}")
    finally:
        client.close()
    return latencies


async def _visitors(base: str, team_id: int, total: int, who: str) -> list[list[float]]:
    """CONCURRENCY visitors at once, sharing out ``total`` submissions."""
    return await asyncio.gather(
        *(
            _visitor(base, team_id, range(w, total, CONCURRENCY), f"{who}{w}")
            for w in range(CONCURRENCY)
        )
    )
