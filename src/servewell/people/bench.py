"""Benchmarks of the foundation: adding people, the home page and the people API.

The organisation is mostly bulk-loaded (users, role grants and memberships across the
teams, the shape of a real directory); only the sample whose speed is reported goes
through ``create_person``, because that is the path the screens and the API take.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from servewell.core.bench import measure
from servewell.people import directory, teams
from servewell.people.models import Membership, Presence, Role, RoleGrant, Team, User

GROUP = "foundation"


@dataclass(frozen=True)
class Size:
    people: int  # in the directory while the pages are measured
    teams: int
    creates: int  # of them created (and timed) through create_person
    requests: int  # timed requests per page, after `warmup` untimed ones
    warmup: int


SIZES = {
    "tiny": Size(people=200, teams=10, creates=40, requests=200, warmup=20),
    "small": Size(people=5_000, teams=50, creates=300, requests=500, warmup=50),
    "large": Size(people=100_000, teams=50, creates=1_000, requests=1_000, warmup=100),
}
CREATE_WARMUP = 10
CHUNK = 2_000
FIRST = [
    "Aisha",
    "Ben",
    "Chloé",
    "Dev",
    "Elif",
    "Finn",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lea",
    "Mo",
    "Nora",
    "Omar",
    "Pia",
]
LAST = [
    "Bello",
    "Carter",
    "Dubois",
    "Patel",
    "Yılmaz",
    "Murphy",
    "Kim",
    "Silva",
    "Moreau",
    "Weber",
    "Sato",
    "Rossi",
    "Novak",
]
PRESENCE_WEIGHTS = {
    Presence.AVAILABLE: 35,
    Presence.BUSY: 15,
    Presence.AWAY: 10,
    Presence.OFFLINE: 40,
}


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    size = SIZES[ctx.scale]
    admin = directory.create_person(
        None, username="bench-admin", email="admin@bench.example", roles=[Role.ADMIN]
    )
    manager = directory.create_person(
        admin, username="bench-manager", email="manager@bench.example", roles=[Role.MANAGER]
    )
    team_list = [
        teams.create_team(admin, name=f"Team {n:02d}", email=f"team{n:02d}@bench.example")
        for n in range(1, size.teams + 1)
    ]
    bulk = size.people - size.creates - CREATE_WARMUP - User.objects.count()
    _bulk_load(ctx, random.Random(2026), team_list, bulk)
    yield _create_rate(ctx, admin, size)

    people = User.objects.count()
    with ctx.server():
        yield _page(ctx, "page.home.p95_ms", "/", manager, size, people, signed_in_as="manager")
        yield _page(
            ctx, "api.people_list.p95_ms", "/api/people/", admin, size, people, signed_in_as="admin"
        )


def _create_rate(ctx: Any, admin: User, size: Size) -> dict[str, Any]:
    """People per second through the domain function: checks, insert, role grants,
    audit entry and the event, each person in its own transaction."""
    people = User.objects.count()
    for n in range(CREATE_WARMUP):
        _create(admin, f"warm{n:03d}")
    started = time.perf_counter()
    for n in ctx.progress(range(size.creates), total=size.creates, desc="create_person"):
        _create(admin, f"new{n:06d}")
    elapsed = time.perf_counter() - started
    return ctx.figure(
        "people.create.per_s",
        size.creates / elapsed,
        "people/s",
        n=size.creates,
        people=people,
        roles=[Role.AGENT.value, Role.TRAINER.value],
    )


def _create(admin: User, username: str) -> User:
    return directory.create_person(
        admin,
        username=username,
        email=f"{username}@bench.example",
        display_name=username.title(),
        roles=[Role.AGENT, Role.TRAINER],
    )


def _page(
    ctx: Any, name: str, path: str, user: User, size: Size, people: int, **context: Any
) -> dict[str, Any]:
    client = ctx.client(user)
    latency = measure.time_requests(
        client, path, requests=size.requests, warmup=size.warmup, progress=ctx.progress
    )
    if path.startswith("/api/"):
        context["rows"] = len(latency.last.json()["results"])
    return ctx.figure(
        name,
        latency.p95_ms,
        "ms",
        p50_ms=round(latency.p50_ms, 2),
        requests=size.requests,
        people=people,
        queries=measure.count_queries(user, path),
        **context,
    )


def _bulk_load(ctx: Any, rng: random.Random, team_list: list[Team], count: int) -> None:
    """``count`` people: a lead per team, 1 % managers, 1 % QA, 2 % trainers, agents in
    one team (every tenth in two), 2 % deactivated, presence spread as in a working day."""
    password = make_password(None)
    chunks = range(0, count, CHUNK)
    for start in ctx.progress(chunks, total=math.ceil(count / CHUNK), desc="people"):
        numbers = range(start, min(start + CHUNK, count))
        with transaction.atomic():
            users = User.objects.bulk_create([_person(rng, n, password) for n in numbers])
            grants, members = [], []
            for n, user in zip(numbers, users, strict=True):
                roles, joined, lead = _place(rng, n, team_list)
                grants += [RoleGrant(user=user, role=r) for r in roles]
                members += [Membership(user=user, team=t, is_lead=lead) for t in joined]
            RoleGrant.objects.bulk_create(grants)
            Membership.objects.bulk_create(members)


def _person(rng: random.Random, n: int, password: str) -> User:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    presence = rng.choices(list(PRESENCE_WEIGHTS), weights=list(PRESENCE_WEIGHTS.values()))[0]
    return User(
        username=f"p{n:06d}",
        email=f"p{n:06d}@bench.example",
        first_name=first,
        last_name=last,
        display_name=f"{first} {last}",
        password=password,
        presence=presence,
        is_active=rng.random() >= 0.02,
    )


def _place(rng: random.Random, n: int, team_list: list[Team]) -> tuple[list[str], list[Team], bool]:
    """Roles, teams and lead flag of the n-th bulk-loaded person."""
    if n < len(team_list):
        return [Role.LEAD, Role.AGENT], [team_list[n]], True
    kind = n % 100
    if kind == 0:
        return [Role.MANAGER], [], False
    if kind == 1:
        return [Role.QA], [], False
    joined = [rng.choice(team_list)]
    if kind in (2, 3):
        return [Role.TRAINER, Role.AGENT], joined, False
    if kind % 10 == 4:
        joined = list({*joined, rng.choice(team_list)})
    return [Role.AGENT], joined, False
