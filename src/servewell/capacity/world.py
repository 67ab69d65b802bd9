"""The organisation a capacity run works in, bulk-loaded, and what the load users need
to know about it (``world.json``: who signs in, which conversations each team works).

Rows go in with ``bulk_create`` (a million conversations through the domain functions
would measure the loader, not the desk); the people, tokens and sessions the users act
as are made the way the product makes them. Conversations are spread over two years;
each team has a working set of open conversations with a short thread (a customer
message and a reply), which is what the agents open, answer and change.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from servewell.contacts.models import Contact, ContactEmail
from servewell.core.bench.context import maintained, signed_in_session
from servewell.desk import search
from servewell.desk.models import Conversation, Message, MessageKind, Priority, Status
from servewell.people import directory, teams
from servewell.people.models import Membership, Presence, Role, RoleGrant, User
from servewell.people.tokens import create_token

#: Every agent's password (a bench database, thrown away after the run).
PASSWORD = "capacity-bench-password"  # noqa: S105
AGENTS_PER_TEAM = 25
BATCH = 5_000
#: One agent in this many signs in through the login form (GET the form, POST it with
#: its CSRF token); the others start from a session made as ``force_login`` makes one.
#: A sign-in hashes the password (PBKDF2, about half a second of CPU by design) once a
#: shift; done by every simulated agent at each ramp step it would swamp the window.
FORM_SIGN_IN_EVERY = 10
WORDS = (  # noqa: SIM905 - a sentence reads better than 45 quoted words
    "order parcel refund kettle toaster blender return invoice account password login "
    "broken cracked noise warranty replacement courier tracking payment card voucher "
    "discount address email phone app update firmware wifi screen battery charger lid "
    "handle motor filter cable plug switch light button display error setting schedule"
).split()


@dataclass(frozen=True)
class Size:
    conversations: int
    contacts: int
    agents: int  # on file; the ramp never goes past them
    working_set: int  # open conversations per team that agents open, with a thread
    steps: tuple[int, ...]  # agents per ramp step
    settle_s: float  # after reaching a step's agents, before measuring
    measure_s: float  # the measuring window of a step


SIZES = {
    "tiny": Size(2_000, 500, 60, 40, (5, 10, 20, 40, 60), settle_s=5, measure_s=15),
    "small": Size(
        100_000, 10_000, 800, 200, (25, 50, 100, 150, 200, 300, 400, 500, 600, 800), 20, 30
    ),
    "large": Size(
        1_000_000,
        100_000,
        2_000,
        400,
        (50, 100, 200, 300, 400, 500, 700, 1_000, 1_300, 1_600, 2_000),
        20,
        40,
    ),
}


@dataclass
class World:
    path: Path
    agents: int
    conversations: int
    contacts: int
    teams: int


def build(size: Size, folder: Path, *, progress: Callable = lambda it, **kw: it) -> World:
    """Load the organisation and write ``world.json`` into ``folder``."""
    rng = random.Random(1919)  # noqa: S311 - benchmark data
    admin = directory.create_person(
        None, username="capacity-admin", email="admin@capacity.example", roles=[Role.ADMIN]
    )
    _token_row, token = create_token(admin, name="capacity feeds")
    team_count = max(1, math.ceil(size.agents / AGENTS_PER_TEAM))
    team_list = [
        teams.create_team(admin, name=f"Capacity {n:03d}", email=f"team{n:03d}@capacity.example")
        for n in range(team_count)
    ]
    agents = _agents(size.agents, team_list, progress)
    contact_ids = _contacts(size.contacts, rng, progress)
    working = _conversations(size, rng, team_list, agents, contact_ids, progress)
    maintained()
    sessions = {}
    for n, agent in enumerate(progress(agents, total=len(agents), desc="sessions")):
        if n % FORM_SIGN_IN_EVERY:
            sessions[agent.pk] = signed_in_session(agent)
    memberships = dict(Membership.objects.filter(user__in=agents).values_list("user_id", "team_id"))
    data = {
        "password": PASSWORD,
        "token": token,
        "teams": [
            {"id": t.pk, "slug": t.slug, "email": t.email, "conversations": working[t.pk]}
            for t in team_list
        ],
        "agents": [
            {
                "username": a.username,
                "session": sessions.get(a.pk, ""),
                "team": memberships[a.pk],
            }
            for a in agents
        ],
        "words": WORDS,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "world.json"
    path.write_text(json.dumps(data))
    return World(path, len(agents), size.conversations, size.contacts, team_count)


def _agents(count: int, team_list: list[Any], progress: Callable) -> list[User]:
    password = make_password(PASSWORD)
    users = []
    for start in progress(range(0, count, BATCH), total=-(-count // BATCH), desc="agents"):
        numbers = range(start, min(start + BATCH, count))
        with transaction.atomic():
            made = User.objects.bulk_create(
                [
                    User(
                        username=f"agent{n:05d}",
                        email=f"agent{n:05d}@capacity.example",
                        display_name=f"Agent {n:05d}",
                        password=password,
                        presence=Presence.AVAILABLE,
                    )
                    for n in numbers
                ]
            )
            RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.AGENT) for u in made])
            Membership.objects.bulk_create(
                [
                    Membership(user=u, team=team_list[n // AGENTS_PER_TEAM], is_lead=False)
                    for n, u in zip(numbers, made, strict=True)
                ]
            )
        users += made
    return users


def _contacts(count: int, rng: random.Random, progress: Callable) -> list[int]:
    ids: list[int] = []
    for start in progress(range(0, count, BATCH), total=-(-count // BATCH), desc="contacts"):
        numbers = range(start, min(start + BATCH, count))
        with transaction.atomic():
            made = Contact.objects.bulk_create(
                [Contact(name=f"Customer {n} {rng.choice(WORDS).title()}") for n in numbers]
            )
            ContactEmail.objects.bulk_create(
                [
                    ContactEmail(contact=c, address=f"customer{n}@mail.example", is_primary=True)
                    for n, c in zip(numbers, made, strict=True)
                ]
            )
            search.index_contacts((c.pk, c.name, "") for c in made)
        ids += [c.pk for c in made]
    return ids


def _conversations(
    size: Size,
    rng: random.Random,
    team_list: list[Any],
    agents: list[User],
    contact_ids: list[int],
    progress: Callable,
) -> dict[int, list[int]]:
    """Two years of conversations, mostly solved or closed; the most recent
    ``working_set`` of each team are open, with a thread. Returns those per team."""
    now = timezone.now()
    start = now - dt.timedelta(days=730)
    team_ids = [t.pk for t in team_list]
    by_team: dict[int, list[int]] = {t: [] for t in team_ids}
    agent_ids_by_team: dict[int, list[int]] = {t: [] for t in team_ids}
    for n, agent in enumerate(agents):
        agent_ids_by_team[team_ids[n // AGENTS_PER_TEAM]].append(agent.pk)
    history = size.conversations - size.working_set * len(team_ids)
    closed = [Status.SOLVED] * 3 + [Status.CLOSED] * 2 + [Status.PENDING, Status.ON_HOLD]
    n_batches = -(-max(history, 0) // BATCH)
    for first in progress(range(0, max(history, 0), BATCH), total=n_batches, desc="history"):
        rows = [
            _row(rng, team_ids, agent_ids_by_team, contact_ids, start, now, rng.choice(closed))
            for _ in range(first, min(first + BATCH, history))
        ]
        _insert(rows, rng)
    for team in progress(team_ids, total=len(team_ids), desc="working sets"):
        rows = [
            _row(
                rng,
                [team],
                agent_ids_by_team,
                contact_ids,
                now - dt.timedelta(days=3),
                now,
                rng.choice([Status.NEW, Status.OPEN, Status.OPEN]),
            )
            for _ in range(size.working_set)
        ]
        made = _insert(rows, rng)
        by_team[team] = [c.pk for c in made]
        _threads(made, rng)
    return by_team


def _row(
    rng: random.Random,
    team_ids: list[int],
    agents_by_team: dict[int, list[int]],
    contact_ids: list[int],
    start: dt.datetime,
    end: dt.datetime,
    status: str,
) -> Conversation:
    team = rng.choice(team_ids)
    created = start + dt.timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
    assignee = None
    if status != Status.NEW and agents_by_team[team] and rng.random() < 0.7:
        assignee = rng.choice(agents_by_team[team])
    return Conversation(
        subject=" ".join(rng.choices(WORDS, k=3)).capitalize(),
        channel=rng.choice(["email"] * 6 + ["web", "phone", "chat", "api"]),
        status=status,
        priority=rng.choice(Priority.values),
        team_id=team,
        assignee_id=assignee,
        contact_id=rng.choice(contact_ids),
        created_at=created,
        updated_at=min(created + dt.timedelta(minutes=rng.randint(0, 600)), end),
        last_customer_message_at=created,
    )


def _insert(rows: list[Conversation], rng: random.Random) -> list[Conversation]:
    with transaction.atomic():
        made = Conversation.objects.bulk_create(rows)
        search.index_conversations(
            (c.pk, c.subject, " ".join(rng.choices(WORDS, k=20)), c.team_id) for c in made
        )
    return made


def _threads(conversations: Iterable[Conversation], rng: random.Random) -> None:
    messages = []
    for c in conversations:
        text = " ".join(rng.choices(WORDS, k=60))
        messages.append(
            Message(
                conversation=c,
                kind=MessageKind.CUSTOMER,
                contact_id=c.contact_id,
                body_text=text,
                created_at=c.created_at,
            )
        )
        if c.assignee_id:
            messages.append(
                Message(
                    conversation=c,
                    kind=MessageKind.REPLY,
                    author_id=c.assignee_id,
                    body_text="Thanks, we are looking into it. " + text[:200],
                    created_at=c.created_at + dt.timedelta(minutes=30),
                )
            )
    Message.objects.bulk_create(messages, batch_size=BATCH)
