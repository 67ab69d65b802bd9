"""Benchmarks of the desk (``servewell bench --only desk``).

The email figures are the mail group's (``mail/bench.py``).

- ``inbox.first_page.p95_ms``: an agent's first inbox page ("all open" of their team) over
  HTTP through a real server, and ``inbox.first_page.query_p95_ms``, the same page's
  reads in-process (per view, and a page deep down the list);
- ``inbox.queries_per_page``: SQL queries for one inbox page of 25 and of 100 rows — the
  same number, whatever the page size;
- ``search.p95_ms``: full-text search for a common word (in ~17 % of the documents) and
  a rare one (in 25);

on the bench database (SQLite), and again on PostgreSQL when one answers on
127.0.0.1:5432: a child process migrates a throwaway database there, loads the same rows
and reports the in-process figures with ``"db": "postgresql"``.

Rows are bulk-inserted (5,000 / 100,000 / 1,000,000 conversations at tiny / small /
large), with their search documents, outside the domain functions: generating a million
conversations through them would measure the generator, not the inbox.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from servewell.desk.bench_webform import webform_figures

GROUP = "desk"
SIZES = {"tiny": 5_000, "small": 100_000, "large": 1_000_000}
BATCH = 5_000
TEAMS = 4
COMMON_WORD = "delivery"
COMMON_SHARE = 0.17
RARE_WORD = "zephyrine"
RARE_DOCS = 25
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    n = SIZES[ctx.scale]
    world = populate(n, progress=ctx.progress)
    yield from _http_figures(ctx, world)
    yield from webform_figures(ctx)
    for name, value, unit, context in measure(world):
        yield ctx.figure(name, value, unit, **context)
    yield from _postgres(ctx, n)


# --- Data --------------------------------------------------------------------------------


@dataclass
class World:
    agent: Any
    conversations: int
    common_hits: int
    rare_hits: int


HEAD_WORDS = (
    "order parcel refund kettle toaster blender return invoice account password login "
    "broken cracked noise warranty replacement courier tracking payment card voucher "
    "discount address email phone app update firmware wifi screen battery charger lid "
    "handle motor filter cable plug switch light button display error setting schedule"
)


def _vocabulary(rng: random.Random) -> list[str]:
    head = HEAD_WORDS.split()
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "dra", "mon", "tel"]
    tail = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)}
    tail -= {COMMON_WORD, RARE_WORD}
    return head + sorted(tail)


def populate(n: int, *, progress: Callable = lambda it, **kw: it) -> World:
    """Teams, agents, contacts and ``n`` conversations with their search documents."""
    from django.db import transaction

    from servewell.contacts.models import Contact
    from servewell.desk import search
    from servewell.desk.models import Conversation, Priority, Status
    from servewell.people import teams as team_domain
    from servewell.people.models import Membership, Presence, Role, RoleGrant, User

    rng = random.Random(4242)  # noqa: S311 - benchmark data
    words = _vocabulary(rng)
    teams = [team_domain.create_team(None, name=f"Bench team {i}") for i in range(TEAMS)]
    agents = []
    for i in range(32):
        user = User.objects.create(
            username=f"bench-agent-{i}", display_name=f"Agent {i}", presence=Presence.AVAILABLE
        )
        RoleGrant.objects.create(user=user, role=Role.AGENT)
        Membership.objects.create(team=teams[i % TEAMS], user=user)
        agents.append(user)
    contact_count = max(50, n // 20)
    contacts = Contact.objects.bulk_create(
        [Contact(name=f"Customer {i} {rng.choice(words).title()}") for i in range(contact_count)],
        batch_size=BATCH,
    )
    search.index_contacts((c.pk, c.name, "") for c in contacts)
    rare = set(rng.sample(range(n), RARE_DOCS))
    # Plain ids, not objects: the related-object descriptors cost a tenth of the load.
    team_ids = [t.pk for t in teams]
    agent_ids = [a.pk for a in agents]
    contact_ids = [c.pk for c in contacts]
    statuses = (
        [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]
        + [Status.SOLVED] * 9
        + [Status.CLOSED] * 5
    )
    channels = ["email"] * 6 + ["web", "phone", "chat", "api"]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    common = 0
    for first in progress(range(0, n, BATCH), total=-(-n // BATCH), desc="conversations"):
        rows, bodies = [], []
        for i in range(first, min(first + BATCH, n)):
            created = start + dt.timedelta(seconds=rng.randint(0, 730 * 86400))
            status = rng.choice(statuses)
            team_index = rng.randrange(TEAMS)
            assignee = None
            if status not in (Status.NEW,) and rng.random() < 0.7:
                assignee = agent_ids[team_index + TEAMS * rng.randrange(len(agents) // TEAMS)]
            body = rng.choices(words, k=rng.randint(15, 40))
            if rng.random() < COMMON_SHARE:
                body.insert(rng.randrange(len(body)), COMMON_WORD)
                common += 1
            if i in rare:
                body.append(RARE_WORD)
            rows.append(
                Conversation(
                    subject=f"{rng.choice(words).title()} {rng.choice(words)} {rng.choice(words)}",
                    channel=rng.choice(channels),
                    status=status,
                    priority=rng.choice(Priority.values),
                    team_id=team_ids[team_index],
                    assignee_id=assignee,
                    contact_id=contact_ids[rng.randrange(contact_count)],
                    created_at=created,
                    updated_at=created + dt.timedelta(minutes=rng.randint(0, 5000)),
                )
            )
            bodies.append(" ".join(body))
        with transaction.atomic():
            made = Conversation.objects.bulk_create(rows, batch_size=BATCH)
            search.index_conversations(
                (c.pk, c.subject, body, c.team_id) for c, body in zip(made, bodies, strict=True)
            )
    _analyze()
    return World(agent=agents[0], conversations=n, common_hits=common, rare_hits=RARE_DOCS)


def _analyze() -> None:
    """Fresh statistics (and on PostgreSQL a vacuum), as a maintained database has
    them (``core.bench.context.maintained``)."""
    from servewell.core.bench.context import maintained

    maintained()


# --- Measuring ---------------------------------------------------------------------------


def _p95_ms(fn: Callable[[], Any], *, runs: int = 40, warmup: int = 5) -> float:
    from servewell.core.bench.measure import percentile

    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 95)


def measure(world: World) -> Iterator[tuple[str, float, str, dict[str, Any]]]:
    """The in-process figures: (name, value, unit, context). Runs on any database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servewell.desk import queries, search
    from servewell.desk.queries import InboxFilters

    agent, base = world.agent, {"conversations": world.conversations}
    for view in ("open", "unassigned", "mine"):
        filters = InboxFilters(view=view)
        value = _p95_ms(lambda f=filters: queries.inbox_page(agent, f, size=25))
        yield "inbox.first_page.query_p95_ms", value, "ms", {**base, "view": view, "page_size": 25}
    deep = _deep_cursor(agent)
    if deep:
        filters = InboxFilters(view="open")
        value = _p95_ms(lambda: queries.inbox_page(agent, filters, cursor=deep[0], size=25))
        yield "inbox.deep_page.query_p95_ms", value, "ms", {**base, "rows_before": deep[1]}
    for size in (25, 100):
        with CaptureQueriesContext(connection) as captured:
            queries.inbox_page(agent, InboxFilters(view="open"), size=size)
        yield (
            "inbox.queries_per_page",
            len(captured),
            "queries",
            {**base, "page_size": size, "measured": "inbox_page()"},
        )
    for kind, word, hits in (
        ("common", COMMON_WORD, world.common_hits),
        ("rare", RARE_WORD, world.rare_hits),
    ):
        found = len(search.search(agent, word))
        value = _p95_ms(lambda w=word: search.search(agent, w), runs=30)
        yield (
            "search.p95_ms",
            value,
            "ms",
            {**base, "word": kind, "documents_matching": hits, "results": found},
        )


def _deep_cursor(agent: Any) -> tuple[str, int] | None:
    from servewell.desk.models import Conversation
    from servewell.desk.queries import OPEN, encode_cursor

    team = agent.memberships.values_list("team_id", flat=True).first()
    qs = Conversation.objects.filter(OPEN, team_id=team).order_by("-updated_at", "-id")
    count = qs.count()
    if count < 200:
        return None
    row = qs.values_list("updated_at", "id")[count * 9 // 10]
    return encode_cursor(*row), count * 9 // 10


def _http_figures(ctx: Any, world: World) -> Iterator[dict[str, Any]]:
    from servewell.core.bench.measure import count_queries, time_requests

    path = "/desk/?view=open"
    base = {"conversations": world.conversations}
    with ctx.server():
        client = ctx.client(world.agent)
        latency = time_requests(client, path, requests=60, warmup=5, progress=ctx.progress)
        yield ctx.figure(
            "inbox.first_page.p95_ms",
            latency.p95_ms,
            "ms",
            **base,
            via="http",
            view="open",
            page_size=25,
            p50_ms=round(latency.p50_ms, 2),
        )
        latency = time_requests(
            client, f"/api/search/?q={COMMON_WORD}", requests=30, warmup=3, progress=ctx.progress
        )
        yield ctx.figure("search.p95_ms", latency.p95_ms, "ms", **base, word="common", via="http")
    for size in (25, 100):
        count = count_queries(world.agent, f"{path}&size={size}")
        yield ctx.figure(
            "inbox.queries_per_page", count, "queries", **base, page_size=size, measured="page"
        )


# --- PostgreSQL --------------------------------------------------------------------------


def _postgres(ctx: Any, n: int) -> Iterator[dict[str, Any]]:
    """The same in-process figures on a throwaway PostgreSQL database, if one answers."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # no server, no driver, refused: report it, do not fail
        yield ctx.figure("desk.postgresql.available", 0, "bool", reason=str(exc)[:200])
        return
    name = f"servewell_bench_{os.getpid()}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        with tempfile.TemporaryDirectory() as var:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "servewell.config.settings",
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
                "SERVEWELL_VAR_DIR": var,
                "LOG_LEVEL": "WARNING",
            }
            env.pop("REDIS_URL", None)
            child = subprocess.run(  # noqa: S603 - our own module, fixed arguments
                [sys.executable, "-m", "servewell.desk.bench", "--postgres-child", str(n)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
        for line in child.stdout.splitlines():
            if not line.startswith("{"):
                continue
            item = json.loads(line)
            figure = ctx.figure(item["name"], item["value"], item["unit"], **item["context"])
            yield {**figure, "database": "postgresql", "db": "postgresql"}
        if child.returncode:
            yield ctx.figure("desk.postgresql.failed", child.returncode, "exit code")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _postgres_child(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    world = populate(n, progress=_stderr_progress)
    for name, value, unit, context in measure(world):
        print(json.dumps({"name": name, "value": value, "unit": unit, "context": context}))


def _stderr_progress(iterable: Any, total: int | None = None, desc: str = "") -> Any:
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=f"postgresql {desc}", file=sys.stderr, leave=False)


if __name__ == "__main__" and sys.argv[1:2] == ["--postgres-child"]:
    _postgres_child(int(sys.argv[2]))
