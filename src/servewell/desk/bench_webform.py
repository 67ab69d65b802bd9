"""``webform.submit.per_s``: the public request form, submitted over HTTP by 8 visitors
at once (part of the desk group, ``servewell bench --only desk``).

Each simulated visitor loads the form (for its CSRF cookie and token, as a browser
does), then posts complete requests one after another and follows nothing: a 302 to
the thank-you page is a request stored, with its contact, conversation and search
document, and its follow-up queued: the SLA clocks and the acknowledgement (or the
desk's receipt) are jobs. The server is started as ``servewell run`` starts it (a web
process per core), its jobs queued for a worker as in production
(``SERVEWELL_JOBS_IMMEDIATE=0``) but no worker taking them, so that the figure is the
web side's; it reports how many it queued (``jobs_queued``, at least one per
submission). The server runs as behind one trusted proxy (``TRUSTED_PROXY_COUNT=1``) and
every request comes from its own address in ``X-Forwarded-For``, as a busy form on the
internet sees it, so the rate limit per address (5 an hour) is what a real visitor meets
and never trips here. Reported with the p95 latency of the submissions.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from servewell.core.bench import measure
from servewell.core.bench.load import serve_like_run
from servewell.core.management.commands.run import default_workers

CONCURRENCY = 8
SUBMISSIONS = {"tiny": 200, "small": 1_000, "large": 3_000}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def webform_figures(ctx: Any) -> Iterator[dict[str, Any]]:
    team_id = _public_team()
    total = SUBMISSIONS[ctx.scale]
    server_env = {"TRUSTED_PROXY_COUNT": "1", "SERVEWELL_JOBS_IMMEDIATE": "0"}
    queued_before = _jobs_queued()
    workers = default_workers()
    with serve_like_run(workers=workers, jobs_wait=True, env=server_env) as server:
        base = server.base_url
        for warm in range(CONCURRENCY):  # first requests are slow
            _visitor(base, team_id, range(warm, warm + 1), f"warm{warm}")
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            runs = list(
                pool.map(
                    lambda w: _visitor(base, team_id, range(w, total, CONCURRENCY), f"v{w}"),
                    range(CONCURRENCY),
                )
            )
        elapsed = time.perf_counter() - started
    jobs = _jobs_queued() - queued_before
    latencies = [ms for run in runs for ms in run]
    yield ctx.figure(
        "webform.submit.per_s",
        len(latencies) / elapsed,
        "req/s",
        submissions=len(latencies),
        concurrency=CONCURRENCY,
        p95_ms=round(measure.percentile(latencies, 95), 2),
        seconds=round(elapsed, 2),
        jobs_queued=jobs,
        via="http",
        shape=f"servewell run --workers {workers} --no-worker",
    )


def _jobs_queued() -> int:
    """Tasks waiting in the embedded job queue (Huey's SQLite file; no worker runs)."""
    from django.conf import settings

    path = Path(settings.JOBS["path"])
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM task").fetchone()[0]
        except sqlite3.OperationalError:  # no table yet: nothing was ever queued
            return 0


def _public_team() -> int:
    from servewell.desk.models import DeskTeamSettings
    from servewell.people import teams
    from servewell.people.models import Team

    team = Team.objects.filter(slug="bench-help").first() or teams.create_team(
        None, name="Bench Help", email="help@example.org"
    )
    DeskTeamSettings.objects.update_or_create(team=team, defaults={"public_form": True})
    return team.pk


def _visitor(base: str, team_id: int, numbers: range, who: str) -> list[float]:
    """One browser: the form once, then a submission per number; their latencies (ms)."""
    latencies = []
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/help/request/")
        found = TOKEN.search(page.content)
        if page.status_code != 200 or found is None:
            raise RuntimeError(f"GET /help/request/ answered {page.status_code} without a form")
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
            started = time.perf_counter()
            response = client.post(
                "/help/request/",
                data=form,
                headers={"X-Forwarded-For": address, "Referer": f"{base}/help/request/"},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 302:
                raise RuntimeError(f"POST /help/request/ answered {response.status_code}")
    return latencies
