"""Benchmarks of quality: the weekly sampling run and the IQS report.

The organisation, its conversations and the reviews are bulk-loaded (``bulk_create``): the
figures are about reading and sampling at volume, not about how fast rows can be typed in.
The quarterly totals behind the IQS report are rebuilt from the loaded reviews with
``rollup.rebuild`` (what an import would do) and the time that takes is reported beside.

- ``quality.sampling.seconds``: one ``run_sampling`` over a week of solved conversations
  (filters, handler per conversation, N random per person in SQL, spreading over the
  reviewers, ``bulk_create`` of the assignments).
- ``quality.iqs_report.p95_ms``: the quality report page (IQS by person, team and quarter,
  badges, score distribution, heatmap, reviewer workload) for a manager, over HTTP.
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
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from servewell.contacts.models import Contact
from servewell.core.bench import measure
from servewell.desk.models import Conversation, Message
from servewell.people import directory, teams
from servewell.people.models import Membership, Role, RoleGrant, Team, User
from servewell.quality import rollup, sampling, scorecards, scoring
from servewell.quality.models import Answer, Review, ScorecardVersion

GROUP = "quality"


@dataclass(frozen=True)
class Size:
    reviews: int
    conversations: int  # solved last week, all sampled from
    people: int
    requests: int
    warmup: int


SIZES = {
    "tiny": Size(reviews=5_000, conversations=5_000, people=50, requests=50, warmup=5),
    "small": Size(reviews=100_000, conversations=100_000, people=500, requests=200, warmup=20),
    "large": Size(reviews=1_000_000, conversations=100_000, people=500, requests=200, warmup=20),
}
TEAMS = 10
PER_PERSON = 3
UNASSIGNED = 0.1  # share of conversations without assignee: the handler is the top replier
CHUNK = 10_000
QUARTERS = 8
CHANNELS = ["email", "email", "email", "chat", "phone", "web"]
SCORES = [100.0] * 5 + [92.86, 85.71, 75.0, 66.67, 50.0, 0.0]
ANSWERED_EVERY = 20  # one loaded review in twenty carries its answers (for the heatmap)


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    size = SIZES[ctx.scale]
    rng = random.Random(2026)
    now = timezone.now()
    manager = directory.create_person(
        None, username="qa-bench-manager", email="m@qa-bench.example", roles=[Role.MANAGER]
    )
    team_list = [
        teams.create_team(manager, name=f"QA Team {n:02d}", email=f"t{n}@qa-bench.example")
        for n in range(TEAMS)
    ]
    people = _people(ctx, rng, team_list, size.people)
    version = _scorecard(now)
    conversation_ids = _conversations(ctx, rng, people, size.conversations, now)
    yield _sampling(ctx, version, size, now)
    rebuild_s = _reviews(ctx, rng, people, conversation_ids, version, size.reviews, now)
    yield _report(ctx, manager, size, now, rebuild_s)


@dataclass(frozen=True)
class Person:
    id: int
    team: int
    reviewer: bool


def _people(ctx: Any, rng: random.Random, team_list: list[Team], count: int) -> list[Person]:
    """Agents, with a lead per twenty, a QA reviewer per fifty and a manager per hundred
    — all of whom handle conversations too, since nobody is exempt."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            username=f"qa{n:05d}",
            email=f"qa{n:05d}@qa-bench.example",
            display_name=f"Person {n:05d}",
            password=password,
        )
        for n in range(count)
    )
    grants, members, people = [], [], []
    for n, user in enumerate(users):
        team = team_list[n % len(team_list)]
        roles = [Role.AGENT]
        if n % 20 == 0:
            roles.append(Role.LEAD)
        elif n % 50 == 1:
            roles = [Role.QA]
        elif n % 100 == 2:
            roles = [Role.MANAGER, Role.AGENT]
        grants += [RoleGrant(user=user, role=r) for r in roles]
        members.append(Membership(user=user, team=team, is_lead=Role.LEAD in roles))
        reviewer = bool({Role.LEAD, Role.QA, Role.MANAGER} & set(roles))
        people.append(Person(user.pk, team.pk, reviewer))
    RoleGrant.objects.bulk_create(grants)
    Membership.objects.bulk_create(members)
    return people


def _scorecard(now: dt.datetime) -> ScorecardVersion:
    card = scorecards.create_scorecard(
        None,
        name="Bench scorecard",
        now=now,
        sections=[
            {
                "title": "Service",
                "criteria": [
                    {"title": "Greeting", "weight": 1},
                    {"title": "Ownership", "weight": 2, "scale": "one_to_five"},
                    {"title": "Correct", "weight": 3, "critical": True},
                    {"title": "Next step", "weight": 1, "na_allowed": True},
                ],
            }
        ],
    )
    return scorecards.publish(None, scorecards.draft_of(card), now=now)


def _conversations(
    ctx: Any, rng: random.Random, people: list[Person], count: int, now: dt.datetime
) -> list[int]:
    """``count`` conversations solved last week; a tenth unassigned, handled through
    two replies of the same person."""
    start, _ = sampling.previous_week(now)
    contact = Contact.objects.create(name="Bench customer")
    handlers = [p for p in people if p.team]
    ids: list[int] = []
    for first in ctx.progress(range(0, count, CHUNK), math.ceil(count / CHUNK), "conversations"):
        batch, owners = [], []
        for _ in range(first, min(first + CHUNK, count)):
            person = rng.choice(handlers)
            opened = start + dt.timedelta(seconds=rng.randrange(6 * 86400))
            solved = opened + dt.timedelta(minutes=rng.randrange(10, 3000))
            unassigned = rng.random() < UNASSIGNED
            owners.append(person.id if unassigned else None)
            batch.append(
                Conversation(
                    subject="Bench conversation",
                    channel=rng.choice(CHANNELS),
                    status="solved",
                    team_id=person.team,
                    assignee_id=None if unassigned else person.id,
                    contact=contact,
                    created_at=opened,
                    updated_at=solved,
                    solved_at=solved,
                )
            )
        with transaction.atomic():
            made = Conversation.objects.bulk_create(batch)
            Message.objects.bulk_create(
                Message(
                    conversation=c,
                    kind="reply",
                    author_id=owner,
                    body_text="Reply",
                    created_at=c.created_at + dt.timedelta(minutes=k),
                )
                for c, owner in zip(made, owners, strict=True)
                if owner
                for k in (1, 2)
            )
        ids += [c.pk for c in made]
    return ids


def _sampling(ctx: Any, version: ScorecardVersion, size: Size, now: dt.datetime) -> dict:
    plan = sampling.create_plan(
        None, name="Bench weekly", scorecard=version.scorecard, per_person=PER_PERSON, now=now
    )
    reverse("quality-queue")  # load the URLconf first, as a running worker has
    started = time.perf_counter()
    run = sampling.run_sampling(None, plan, now=now, seed=1)
    elapsed = time.perf_counter() - started
    return ctx.figure(
        "quality.sampling.seconds",
        elapsed,
        "s",
        conversations=size.conversations,
        people=size.people,
        handlers=run.people,
        assigned=run.assigned,
        per_person=PER_PERSON,
    )


def _reviews(
    ctx: Any,
    rng: random.Random,
    people: list[Person],
    conversation_ids: list[int],
    version: ScorecardVersion,
    count: int,
    now: dt.datetime,
) -> float:
    """``count`` submitted reviews over the last eight quarters, one in twenty with its
    answers; returns the seconds the rebuild of the quarterly totals took."""
    reviewers = [p for p in people if p.reviewer]
    criteria = list(version.criteria.all())
    span = int(QUARTERS * 91.25 * 86400) - 3600
    for first in ctx.progress(range(0, count, CHUNK), math.ceil(count / CHUNK), "reviews"):
        batch = []
        for _ in range(first, min(first + CHUNK, count)):
            person = rng.choice(people)
            reviewer = rng.choice(reviewers)
            if reviewer.id == person.id:
                reviewer = reviewers[(reviewers.index(reviewer) + 1) % len(reviewers)]
            when = now - dt.timedelta(seconds=rng.randrange(span))
            batch.append(
                Review(
                    conversation_id=rng.choice(conversation_ids),
                    reviewee_id=person.id,
                    reviewer_id=reviewer.id,
                    version=version,
                    team_id=person.team,
                    state=Review.State.SUBMITTED,
                    score=rng.choice(SCORES),
                    quarter=rollup.quarter_of(when),
                    created_at=when,
                    submitted_at=when,
                )
            )
        with transaction.atomic():
            made = Review.objects.bulk_create(batch)
            Answer.objects.bulk_create(
                answer
                for review in made[::ANSWERED_EVERY]
                for answer in _answers(rng, review, criteria)
            )
    started = time.perf_counter()
    rollup.rebuild()
    return time.perf_counter() - started


def _answers(rng: random.Random, review: Review, criteria: list) -> Iterator[Answer]:
    for criterion in criteria:
        top = 1 if criterion.scale == "yes_no" else 5
        value = top if rng.random() < 0.8 else rng.randrange(top)
        value = max(value, 0 if top == 1 else 1)
        yield Answer(
            review=review,
            criterion=criterion,
            value=value,
            points=float(scoring.points(criterion.scale, value)),
        )


def _report(ctx: Any, manager: User, size: Size, now: dt.datetime, rebuild_s: float) -> dict:
    quarter = rollup.quarter_of(now)
    path = f"/quality/reports/?quarter={quarter // 10}Q{quarter % 10}"
    in_quarter = Review.objects.filter(quarter=quarter).count()
    with ctx.server():
        client = ctx.client(manager)
        latency = measure.time_requests(
            client, path, requests=size.requests, warmup=size.warmup, progress=ctx.progress
        )
    return ctx.figure(
        "quality.iqs_report.p95_ms",
        latency.p95_ms,
        "ms",
        p50_ms=round(latency.p50_ms, 2),
        requests=size.requests,
        reviews=size.reviews,
        reviews_in_quarter=in_quarter,
        people=size.people,
        queries=measure.count_queries(manager, path),
        rollup_rebuild_s=round(rebuild_s, 2),
    )
