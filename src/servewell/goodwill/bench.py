"""Benchmarks of goodwill: a grant over HTTP with its limits checked, and the
spend-and-outcomes report, over many past grants (bulk-inserted: the figures are about
checking limits and reading at volume, not about typing rows in). Six conversations in
ten carry a CSAT answer, copied onto their grants as the rating subscriber would.

- ``goodwill.grant.p95_ms``: POST of the grant form on a conversation (limits summed
  under the lock rows, the grant written, the event published), as an agent.
- ``goodwill.report.p95_ms``: the reports page over the last three months, as a manager.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from servewell.contacts.models import Contact
from servewell.core.bench import measure
from servewell.desk.models import Conversation
from servewell.experience.models import Survey, SurveyKind, SurveyResponse
from servewell.goodwill import actions, outcomes
from servewell.goodwill.models import Grant, Status
from servewell.people import directory, teams
from servewell.people.models import Membership, Role, RoleGrant, User

GROUP = "goodwill"
SIZES = {"tiny": (5_000, 30), "small": (50_000, 100), "large": (200_000, 200)}
PEOPLE, TEAMS, CONTACTS, CONVERSATIONS, CHUNK = 200, 5, 5_000, 10_000, 10_000


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    past, requests = SIZES[ctx.scale]
    rng = random.Random(2027)
    now = timezone.now()
    manager = directory.create_person(
        None, username="gw-bench-manager", email="m@gw-bench.example", roles=[Role.MANAGER]
    )
    team_list = [
        teams.create_team(manager, name=f"GW Team {n}", email=f"t{n}@gw-bench.example")
        for n in range(TEAMS)
    ]
    people = _people(team_list)
    action = actions.define_action(
        None, name="Bench refund", kind="refund", currency="EUR", has_amount=True, now=now
    )
    actions.set_limit(
        None,
        action,
        role=Role.AGENT,
        per_action="1000",
        per_person_month="1000000",
        per_customer_30d="1000000",
        now=now,
    )
    conversations = _conversations(rng, people, now)
    ratings = _ratings(rng, conversations, now)
    _grants(ctx, rng, people, conversations, ratings, action, past, now)
    agent = User.objects.get(pk=people[1][0])
    target = Conversation.objects.filter(team_id=people[1][1]).first()
    reverse("goodwill-home")
    with ctx.server():
        client = ctx.client(agent)
        path = reverse("goodwill-grant-create", args=[target.pk])
        samples = []
        for n in range(requests):
            data = {
                "goodwill-action": action.pk,
                "goodwill-amount": "5",
                "goodwill-reason": f"Bench {n}",
            }
            started = timezone.now()
            response = client.post(path, data=data, follow_redirects=False)
            samples.append((timezone.now() - started).total_seconds() * 1000)
            assert response.status_code == 302, response.text[:300]
        report = measure.time_requests(
            ctx.client(manager),
            "/goodwill/reports/",
            requests=requests,
            warmup=3,
            progress=ctx.progress,
        )
    yield ctx.figure(
        "goodwill.grant.p95_ms",
        measure.percentile(samples, 95),
        "ms",
        p50_ms=round(measure.percentile(samples, 50), 2),
        past_grants=past,
        requests=requests,
        target_ms=30,
    )
    yield ctx.figure(
        "goodwill.report.p95_ms",
        report.p95_ms,
        "ms",
        p50_ms=round(report.p50_ms, 2),
        grants=past,
        requests=requests,
        target_ms=150,
        queries=measure.count_queries(manager, "/goodwill/reports/"),
    )


def _people(team_list) -> list[tuple[int, int]]:
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"gw{n:04d}", email=f"gw{n:04d}@gw-bench.example", password=password)
        for n in range(PEOPLE)
    )
    out = []
    RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.AGENT) for u in users)
    members = []
    for n, user in enumerate(users):
        team = team_list[n % len(team_list)]
        members.append(Membership(user=user, team=team, is_lead=n < TEAMS))
        out.append((user.pk, team.pk))
    Membership.objects.bulk_create(members)
    return out


def _conversations(rng: random.Random, people, now) -> list[tuple[int, int, int]]:
    contacts = Contact.objects.bulk_create(Contact(name=f"Bench {n}") for n in range(CONTACTS))
    rows = []
    for _ in range(CONVERSATIONS):
        person, team = rng.choice(people)
        when = now - dt.timedelta(days=rng.randrange(720))
        rows.append(
            Conversation(
                subject="Bench",
                channel="email",
                status="solved",
                team_id=team,
                assignee_id=person,
                contact=rng.choice(contacts),
                created_at=when,
                updated_at=when,
            )
        )
    made = Conversation.objects.bulk_create(rows)
    return [(c.pk, c.contact_id, c.team_id) for c in made]


def _ratings(rng: random.Random, conversations, now) -> dict[int, int]:
    """A CSAT answer on six conversations in ten (what the report reads beside spend)."""
    rated = {
        pk: rng.choice([5, 5, 5, 4, 4, 3, 2, 1]) for pk, *_ in conversations if rng.random() < 0.6
    }
    teams = {pk: team for pk, _contact, team in conversations}
    surveys = Survey.objects.bulk_create(
        Survey(
            kind=SurveyKind.CSAT,
            state=Survey.State.SENT,
            conversation_id=pk,
            team_id=teams[pk],
            solved_at=now,
            created_at=now,
            due_at=now,
            sent_at=now,
        )
        for pk in rated
    )
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            survey=s,
            kind=SurveyKind.CSAT,
            score=rated[s.conversation_id],
            conversation_id=s.conversation_id,
            team_id=s.team_id,
            month=now.date().replace(day=1),
            responded_at=now,
            updated_at=now,
        )
        for s in surveys
    )
    return rated


def _grants(ctx, rng, people, conversations, ratings, action, count, now) -> None:
    by_team: dict[int, list[int]] = {}
    for pk, team in people:
        by_team.setdefault(team, []).append(pk)
    for first in ctx.progress(range(0, count, CHUNK), desc="grants"):
        batch = []
        for _ in range(first, min(first + CHUNK, count)):
            conversation, contact, team = rng.choice(conversations)
            when = now - dt.timedelta(seconds=rng.randrange(720 * 86400))
            status = rng.choice([Status.GRANTED] * 8 + [Status.APPROVED, Status.DECLINED])
            batch.append(
                Grant(
                    action=action,
                    conversation_id=conversation,
                    contact_id=contact,
                    team_id=team,
                    requested_by_id=rng.choice(by_team[team]),
                    amount=Decimal(rng.randrange(100, 5000)) / 100,
                    currency="EUR",
                    reason="Bench",
                    status=status,
                    created_at=when,
                    month=outcomes.report_month(when),
                    csat=ratings.get(conversation),
                    came_back_at=when + dt.timedelta(days=5) if rng.random() < 0.3 else None,
                )
            )
        with transaction.atomic():
            Grant.objects.bulk_create(batch)
