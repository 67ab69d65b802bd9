"""Benchmarks of experience: the CSAT report, the answer POST and the due-survey sweep.

Rows are bulk-loaded (``bulk_create``): the figures are about reading, answering and
sending at volume, not about typing rows in. The rollup behind the report is rebuilt
from the loaded responses with ``rollup.rebuild`` (what an import would do); the time
that takes is reported beside the report's figure.

- ``experience.csat_report.p95_ms``: the reports page (CSAT, response rate and NPS by
  team over 12 months, with the pulse table) for a manager, over HTTP.
- ``experience.rating_submit.p95_ms``: the answer POST of the survey page, over HTTP,
  each to a different survey (the first answer: insert, revision, rollup, event), with
  the scale's past responses already on file.
- ``experience.survey_send.per_s``: ``send_due_surveys`` over that many due surveys of
  solved conversations (eligibility, link, rollup, and each email rendered to the bytes
  the SMTP backend would send, by ``RenderOnly``, so that no SMTP server is timed).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from servewell.contacts.models import Contact, ContactEmail
from servewell.core.bench import measure
from servewell.desk.models import Conversation, Status
from servewell.experience import rollup, surveys, tokens
from servewell.experience.models import Survey, SurveyKind, SurveyResponse
from servewell.people import directory, teams
from servewell.people.models import Membership, Role, RoleGrant, Team, User

GROUP = "experience"


@dataclass(frozen=True)
class Size:
    responses: int
    to_send: int
    people: int
    requests: int
    warmup: int


SIZES = {
    "tiny": Size(responses=20_000, to_send=1_000, people=50, requests=50, warmup=5),
    "small": Size(responses=200_000, to_send=10_000, people=300, requests=200, warmup=20),
    "large": Size(responses=1_000_000, to_send=10_000, people=500, requests=200, warmup=20),
}
TEAMS = 10
CHUNK = 10_000
MONTHS = 12
#: The share of sent surveys that were answered.
ANSWERED = 0.9
SCORES = [5] * 60 + [4] * 26 + [3] * 6 + [2] * 4 + [1] * 4


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    size = SIZES[ctx.scale]
    rng = random.Random(60)  # noqa: S311 - bench data, reproducible
    now = timezone.now()
    manager = directory.create_person(
        None, username="xp-bench-manager", email="m@xp-bench.example", roles=[Role.MANAGER]
    )
    team_list = [
        teams.create_team(manager, name=f"XP Team {n:02d}", email=f"t{n}@xp-bench.example")
        for n in range(TEAMS)
    ]
    people = _people(team_list, size.people)
    # The past year's answers are on file first: the sweep and the answer POST are timed
    # against tables (and rollups) of the scale's size, not an empty desk.
    rebuild_s = _responses(ctx, rng, team_list, people, size.responses, now)
    yield _send(ctx, rng, team_list, people, size, now)
    yield _submit(ctx, manager, rng, team_list, size, now)
    yield _report(ctx, manager, size, rebuild_s)


def _people(team_list: list[Team], count: int) -> list[tuple[int, int]]:
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"xp{n:05d}", email=f"xp{n:05d}@xp-bench.example", password=password)
        for n in range(count)
    )
    RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.AGENT) for u in users)
    members = [Membership(user=u, team=team_list[n % TEAMS]) for n, u in enumerate(users)]
    Membership.objects.bulk_create(members)
    return [(m.user_id, m.team_id) for m in members]


def _solved(team_list: list[Team], people: list, count: int, start: int, now: dt.datetime):
    """``count`` solved email conversations, each of its own contact and address."""
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Customer {start + n}") for n in range(count)
    )
    ContactEmail.objects.bulk_create(
        ContactEmail(contact=c, address=f"c{start + n}@customers.xp-bench.example", is_primary=True)
        for n, c in enumerate(contacts)
    )
    return Conversation.objects.bulk_create(
        Conversation(
            subject="Bench request",
            channel="email",
            status=Status.SOLVED,
            team_id=people[n % len(people)][1],
            assignee_id=people[n % len(people)][0],
            contact=c,
            created_at=now - dt.timedelta(hours=3),
            updated_at=now,
            solved_at=now - dt.timedelta(hours=2),
        )
        for n, c in enumerate(contacts)
    )


def _send(ctx: Any, rng: random.Random, team_list, people, size: Size, now) -> dict:
    made = []
    for first in range(0, size.to_send, CHUNK):
        made += _solved(team_list, people, min(CHUNK, size.to_send - first), first, now)
    Survey.objects.bulk_create(
        Survey(
            kind=SurveyKind.CSAT,
            conversation=c,
            contact_id=c.contact_id,
            team_id=c.team_id,
            handler_id=c.assignee_id,
            solved_at=c.solved_at,
            created_at=now,
            due_at=now - dt.timedelta(hours=1),
        )
        for c in made
    )
    with override_settings(EMAIL_BACKEND=f"{__name__}.RenderOnly"):
        started = time.perf_counter()
        sent = surveys.send_due_surveys(now=now, limit=size.to_send)
        seconds = time.perf_counter() - started
    return ctx.figure(
        "experience.survey_send.per_s",
        sent / seconds,
        "surveys/s",
        target=500,
        surveys=sent,
        seconds=round(seconds, 2),
    )


class RenderOnly(BaseEmailBackend):
    """Does what Django's SMTP backend does to each message short of the socket: renders
    it to bytes. (The locmem backend deep-copies every message into a list, which cost
    more than the sweep's own work and is not what a deployment pays.)"""

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            message.message().as_bytes(linesep="\r\n")
        return len(email_messages)


def _submit(ctx: Any, manager: User, rng, team_list, size: Size, now) -> dict:
    count = size.requests + size.warmup
    convs = _solved(team_list, [(None, t.pk) for t in team_list], count, 10**7, now)
    pairs = [tokens.new_token() for _ in convs]
    Survey.objects.bulk_create(
        Survey(
            kind=SurveyKind.CSAT,
            state=Survey.State.SENT,
            conversation=c,
            contact_id=c.contact_id,
            team_id=c.team_id,
            token_hash=digest,
            solved_at=c.solved_at,
            created_at=now,
            due_at=now,
            sent_at=now,
            expires_at=now + dt.timedelta(days=14),
            address=f"c{n}@customers.xp-bench.example",
        )
        for n, (c, (_token, digest)) in enumerate(zip(convs, pairs, strict=True))
    )
    samples = []
    with ctx.server():
        client = ctx.client(manager)
        for n, (token, _digest) in enumerate(ctx.progress(pairs, total=count, desc="POST answer")):
            started = time.perf_counter()
            response = client.post(
                f"/s/{token}/", data={"score": str(rng.choice(SCORES)), "comment": "Thanks!"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(
                    f"answer POST gave {response.status_code}: {response.text[:300]}"
                )
            if n >= size.warmup:
                samples.append(elapsed)
    return ctx.figure(
        "experience.rating_submit.p95_ms",
        measure.percentile(samples, 95),
        "ms",
        target=30,
        p50_ms=round(measure.percentile(samples, 50), 1),
        requests=len(samples),
    )


def _responses(ctx: Any, rng: random.Random, team_list, people, answers: int, now) -> float:
    """About ``answers`` answered surveys spread over the last twelve months, with the
    one in ten sent surveys that got no answer beside them (no conversations: the report
    reads teams, people and months only). Written with one prepared INSERT per chunk
    and table, ids given (``bulk_create`` compiles every field of every row: a million
    rows took minutes that way)."""
    count = math.ceil(answers / ANSWERED)
    first_id = (Survey.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    span = 60 * 24 * 30 * MONTHS  # minutes
    _large_page_cache()
    for first in ctx.progress(range(0, count, CHUNK), math.ceil(count / CHUNK), "responses"):
        n = min(CHUNK, count - first)
        surveys, responses = [], []
        for pk in range(first_id + first, first_id + first + n):
            # oldest first, as they would have arrived: index inserts land near each
            # other instead of all over a B-tree far larger than the page cache
            ago = span * (1 - (pk - first_id) / count) - rng.random()
            at = now - dt.timedelta(minutes=ago)
            person, team = people[rng.randrange(len(people))]
            surveys.append((pk, SurveyKind.CSAT, Survey.State.SENT, team, person, at, at, at))
            if rng.random() < ANSWERED:
                score = rng.choice(SCORES)
                responses.append((pk, SurveyKind.CSAT, score, score <= 2, team, person, at))
        _insert_rows(
            Survey,
            ["id", "kind", "state", "team_id", "handler_id", "created_at", "due_at", "sent_at"],
            surveys,
            constant={"address": "", "skip_reason": ""},
        )
        _insert_rows(
            SurveyResponse,
            ["survey_id", "kind", "score", "negative", "team_id", "handler_id", "responded_at"],
            responses,
            constant={"would_return": "", "comment": "", "revision": 1},
            derived=lambda r: (rollup.month_of(r[-1]), r[-1]),  # month, updated_at
            derived_columns=["month", "updated_at"],
        )
    _reset_sequences(Survey, SurveyResponse)
    started = time.perf_counter()
    rollup.rebuild()
    return time.perf_counter() - started


def _insert_rows(model, columns, rows, *, constant, derived=None, derived_columns=()) -> None:
    """Rows of plain values into ``model``'s table in one ``executemany``; each value goes
    through its field's own conversion for this database."""
    names = [*columns, *derived_columns, *constant]
    fields = [model._meta.get_field(n.removesuffix("_id")) for n in names]
    fixed = [
        f.get_db_prep_save(v, connection)
        for f, v in zip(fields[-len(constant) :], constant.values(), strict=True)
    ]
    convert = fields[: len(columns) + len(derived_columns)]
    values = [
        [
            f.get_db_prep_save(v, connection)
            for f, v in zip(convert, (*r, *(derived(r) if derived else ())), strict=True)
        ]
        + fixed
        for r in rows
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)  # noqa: S608


def _large_page_cache() -> None:
    """SQLite's default page cache is 2 MB; a million rows of indexes want more while
    they are written (PostgreSQL sizes its own)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB, this connection only


def _reset_sequences(*models) -> None:
    """After rows with given ids, the next id the database hands out is past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _report(ctx: Any, manager: User, size: Size, rebuild_s: float) -> dict:
    path = f"/experience/reports/?by=team&months={MONTHS}"
    with ctx.server():
        client = ctx.client(manager)
        latency = measure.time_requests(
            client, path, requests=size.requests, warmup=size.warmup, progress=ctx.progress
        )
    return ctx.figure(
        "experience.csat_report.p95_ms",
        latency.p95_ms,
        "ms",
        target=100,
        p50_ms=round(latency.p50_ms, 1),
        responses=SurveyResponse.objects.count(),
        rollup_rebuild_s=round(rebuild_s, 2),
        queries=measure.count_queries(manager, path),
    )
