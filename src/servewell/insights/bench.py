"""Bench group ``insights``: the dashboard and a drill-down over HTTP, a full rollup
rebuild, and digests rendered per second, over bulk-inserted conversations with their
first-response clocks and queue calls (the rows the rollups read). With the embeddings
extra, ``insights.clusters.seconds`` times one clustering of the dashboard's period (at
most 2,000 requests and as many of the period before), which runs before the dashboard
is measured, as the job would have. The dashboard keeps its figures in the cache for two
minutes, so ``insights.dashboard.first_ms`` also reports the first, uncached view."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from servewell.commitments.models import ClockKind, ClockState, SlaClock
from servewell.contacts.models import Contact
from servewell.desk.models import Conversation
from servewell.insights import clusters, digest, filters, rollups
from servewell.livequeue.models import Call, CallState
from servewell.people import directory, teams
from servewell.people.models import Role

GROUP = "insights"
SIZES = {"tiny": 2_000, "small": 20_000, "medium": 200_000, "large": 1_000_000}
DAYS = 90
BATCH = 5_000
REQUESTS = 20


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def _load(ctx: Any, team_ids: list[int], n: int, now: dt.datetime) -> None:
    rng = random.Random(2026)
    contact = Contact.objects.create(name="Bench customer")
    for start in ctx.progress(range(0, n, BATCH), total=-(-n // BATCH), desc="conversations"):
        size = min(BATCH, n - start)
        when = [now - dt.timedelta(minutes=rng.randrange(DAYS * 1440)) for _ in range(size)]
        made = Conversation.objects.bulk_create(
            Conversation(
                subject=f"Bench {start + i}",
                channel="email",
                status="solved",
                team_id=rng.choice(team_ids),
                contact=contact,
                created_at=w,
                updated_at=w,
            )
            for i, w in enumerate(when)
        )
        clocks, calls = [], []
        for c in made:
            taken = rng.expovariate(1 / 2400)
            clocks.append(
                SlaClock(
                    conversation_id=c.pk,
                    team_id=c.team_id,
                    kind=ClockKind.FIRST_RESPONSE,
                    target_seconds=3600,
                    state=ClockState.MET,
                    started_at=c.created_at,
                    due_at=c.created_at,
                    warn_at=c.created_at,
                    met_at=c.created_at + dt.timedelta(seconds=taken),
                    business_seconds_taken=taken,
                    breached_at=c.created_at + dt.timedelta(hours=1) if taken > 3600 else None,
                )
            )
            answered = rng.random() < 0.9
            calls.append(
                Call(
                    call_id=f"bench-{c.pk}",
                    team_id=c.team_id,
                    joined_at=c.created_at,
                    state=CallState.COMPLETED if answered else CallState.ABANDONED,
                    wait_s=rng.expovariate(1 / 25),
                )
            )
        SlaClock.objects.bulk_create(clocks)
        Call.objects.bulk_create(calls)


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    now = timezone.now()
    n = SIZES.get(ctx.scale, SIZES["tiny"])
    manager = directory.create_person(
        None,
        username="insights-bench-manager",
        email="m@insights-bench.example",
        roles=[Role.MANAGER],
    )
    team_ids = [
        teams.create_team(manager, name=f"Insights {i}", email=f"i{i}@insights-bench.example").pk
        for i in range(5)
    ]
    _load(ctx, team_ids, n, now)
    started = time.perf_counter()
    rows = rollups.rebuild(
        now.date() - dt.timedelta(days=DAYS), now.date(), now=now, progress=ctx.progress
    )
    yield ctx.figure(
        "insights.rollup.seconds", time.perf_counter() - started, "s", conversations=n, rows=rows
    )
    if not clusters.unavailable_reason():
        # The dashboard reads stored clusters: compute them first, as the job would have,
        # so that the measured page shows (and reads) them.
        chosen = filters.parse({"period": "last_month"}, manager, now=now)
        q = chosen.query()
        started = time.perf_counter()
        run = clusters.compute(
            chosen.start_day, chosen.end_day, q.team_ids, None, period="last_month", now=now
        )
        yield ctx.figure(
            "insights.clusters.seconds",
            time.perf_counter() - started,
            "s",
            requests=run.sampled + run.previous_sampled,
        )
    with ctx.server():
        client = ctx.client(manager)
        for name, url in [
            ("insights.dashboard.p95_ms", "/insights/?period=last_month"),
            (
                "insights.drilldown.p95_ms",
                "/insights/drill/?figure=responsiveness.breaches&period=last_week",
            ),
        ]:
            samples = []
            if name == "insights.dashboard.p95_ms":
                # The dashboard keeps each scope's figures for two minutes: the first view
                # computes them (reported on its own), the p95 is of the views that follow.
                t = time.perf_counter()
                client.get(url).raise_for_status()
                first = (time.perf_counter() - t) * 1000
                yield ctx.figure("insights.dashboard.first_ms", first, "ms", conversations=n)
            for _ in range(REQUESTS):
                t = time.perf_counter()
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
                samples.append((time.perf_counter() - t) * 1000)
            yield ctx.figure(name, _p95(samples), "ms", conversations=n, requests=REQUESTS)
    count, started = 5, time.perf_counter()
    for _ in range(count):
        digest.render(digest.build(manager, now=now))
    yield ctx.figure("insights.digest.per_s", count / (time.perf_counter() - started), "1/s")
