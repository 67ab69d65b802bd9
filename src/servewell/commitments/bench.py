"""Benchmark group ``commitments``: the SLA sweep over many open conversations, the
cost of one due-time computation over a calendar with holidays, and mail end to end until
its acknowledgement is queued and its clocks run (``bench_mail.py``)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from servewell.commitments import bench_mail, calendars, clock, sla
from servewell.commitments.models import SlaPolicy
from servewell.contacts.contacts import contact_for_email
from servewell.people import teams

GROUP = "commitments"
OPEN = {"tiny": 10_000, "small": 100_000, "large": 1_000_000}
DUE_SHARE = 0.002  # about one minute of breaches at 4 h targets: the per-minute sweep
WARN_SHARE = 0.002  # and one minute of warnings


def _load(n: int, ctx: Any) -> tuple[int, dt.datetime]:
    """Bulk-insert ``n`` open conversations, each with a running first-response clock."""
    team = teams.create_team(
        None, name="Bench SLA", time_zone="Europe/Berlin", holiday_country="DE"
    )
    policy = SlaPolicy.objects.create(team=team, priority="normal", first_response_minutes=240)
    contact = contact_for_email("bench-sla@example.org")
    now = timezone.now()
    rng = random.Random(7)
    batch = 20_000
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM desk_conversation")
        first_id = cur.fetchone()[0] + 1
    for start in ctx.progress(range(0, n, batch), total=-(-n // batch), desc="conversations"):
        rows, clocks = [], []
        for i in range(start, min(start + batch, n)):
            pk = first_id + i
            created = now - dt.timedelta(minutes=rng.randint(1, 600))
            rows.append(
                (
                    pk,
                    f"Bench {pk}",
                    "email",
                    "open",
                    "normal",
                    team.pk,
                    contact.pk,
                    created,
                    created,
                    created,
                    1,
                )
            )
            r = rng.random()
            if r < DUE_SHARE:
                due, warn = now - dt.timedelta(seconds=30), now - dt.timedelta(minutes=40)
            elif r < DUE_SHARE + WARN_SHARE:
                due, warn = now + dt.timedelta(minutes=30), now - dt.timedelta(seconds=30)
            else:
                due = now + dt.timedelta(hours=rng.randint(2, 400))
                warn = due - dt.timedelta(hours=1)
            clocks.append(
                (
                    pk,
                    team.pk,
                    "first_response",
                    policy.pk,
                    14400,
                    0.75,
                    "running",
                    created,
                    due,
                    warn,
                )
            )
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO desk_conversation (id, subject, channel, status, priority, team_id,"
                " contact_id, created_at, updated_at, last_customer_message_at, version)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            cur.executemany(
                "INSERT INTO commitments_slaclock (conversation_id, team_id, kind, policy_id,"
                " target_seconds, warn_fraction, state, started_at, due_at, warn_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                clocks,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('desk_conversation', 'id'),"
                " (SELECT MAX(id) FROM desk_conversation))"
            )
            cur.execute("ANALYZE commitments_slaclock")
    return team.pk, now


def _due_time_us(team_id: int) -> tuple[float, int]:
    cal = calendars.for_team(team_id)
    rng = random.Random(11)
    base = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    starts = [base + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60)) for _ in range(5000)]
    for s in starts[:200]:  # warm the calendar's day memo, as a long-running worker has it
        clock.add_business_time(cal, s, 8 * 3600)
    began = time.process_time()  # CPU time: a pure computation, immune to a busy machine
    for s in starts:
        clock.add_business_time(cal, s, 8 * 3600)
    return (time.process_time() - began) / len(starts) * 1e6, len(starts)


def run(ctx: Any) -> Iterator[dict]:
    n = OPEN[ctx.scale]
    team_id, now = _load(n, ctx)
    began = time.perf_counter()
    fired = sla.sweep(now=now + dt.timedelta(seconds=1), batch=5000)
    seconds = time.perf_counter() - began
    yield ctx.figure(
        "sla.sweep.per_s",
        n / seconds,
        "conversations/s",
        open=n,
        sweep_seconds=round(seconds, 3),
        warnings=fired["warnings"],
        breaches=fired["breaches"],
    )
    began = time.perf_counter()
    idle = sla.sweep(now=now + dt.timedelta(seconds=2))
    idle_ms = (time.perf_counter() - began) * 1000
    assert idle == {"warnings": 0, "breaches": 0}
    yield ctx.figure(
        "sla.sweep.idle_ms",
        idle_ms,
        "ms",
        open=n,
        note="a sweep when nothing is due: two index probes",
    )
    us, samples = _due_time_us(team_id)
    yield ctx.figure(
        "sla.due_time.us",
        us,
        "us",
        samples=samples,
        target_hours=8,
        calendar="Mon-Fri 09-17 Europe/Berlin with DE holidays",
    )
    yield from bench_mail.run(ctx)
