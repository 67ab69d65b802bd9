"""Benchmarks of the academy.

- ``academy.cascade.p95_ms``: the reach of the root of a cascade (distinct people below,
  generations, teach-back reports and people reached), one query over the closure. The cascade
  is bulk-loaded: 100,000 people over 12 generations at scale large, fewer below; every
  graduate has a filed teach-back report.
- ``academy.community_pdf.seconds``: the course book PDF of a 12-lesson course.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from servewell.academy import book, cascade, cohorts, courses
from servewell.academy.models import Enrolment, TeachBack, TrainingEdge
from servewell.core.bench.measure import percentile
from servewell.people.models import User

GROUP = "academy"
SIZES = {"tiny": 2_000, "small": 20_000, "large": 100_000}
GENERATIONS = 12
RUNS = 30
CHUNK = 5_000


def run(ctx: Any) -> Iterator[dict[str, Any]]:
    now = timezone.now()
    people = SIZES[ctx.scale]
    version = _course(now)
    root = _cascade(ctx, version, people, now)
    yield _reach(ctx, root, people)
    yield _pdf(ctx, version)


def _course(now: dt.datetime):
    course = courses.create_course(None, title="Bench: customer focus", now=now)
    draft = courses.draft_of(course)
    for n in range(1, 13):
        courses.add_lesson(
            None, draft, title=f"Lesson {n}: a principle", community="variant",
            body=f"## Principle {n}\n\n" + "Work text. " * 80,
            community_body=f"## At home {n}\n\n" + "Say it at home, in a club, at school. " * 60,
            reflections=[f"Question {n}.1?", f"Question {n}.2?"],
        )  # fmt: skip
    return courses.publish(None, draft, now=now)


def _cascade(ctx: Any, version, count: int, now: dt.datetime) -> User:
    """A tree of ``count`` people below a root over 12 generations: each generation is
    about 2.6 times the one above, every node's children spread evenly."""
    password = make_password(None)
    users = []
    for start in ctx.progress(range(0, count + 1, CHUNK), desc="people"):
        users += User.objects.bulk_create(
            User(username=f"ac{n:06d}", display_name=f"Learner {n:06d}", password=password)
            for n in range(start, min(start + CHUNK, count + 1))
        )
    root, rest = users[0], users[1:]
    sizes = _generation_sizes(len(rest))
    cohort = cohorts.create_cohort(
        None, name="Bench", version=version, trainer=root,
        teachback_due=now.date() + dt.timedelta(days=1), now=now,
    )  # fmt: skip
    parents, offset, edges = [root], 0, []
    for size in sizes:
        layer = rest[offset : offset + size]
        edges += [
            TrainingEdge(trainer=parents[i % len(parents)], trainee=u, created_at=now)
            for i, u in enumerate(layer)
        ]
        parents, offset = layer, offset + size
    TrainingEdge.objects.bulk_create(edges, batch_size=CHUNK)
    enrolments = Enrolment.objects.bulk_create(
        (Enrolment(cohort=cohort, learner=u, enrolled_at=now, completed_at=now) for u in rest),
        batch_size=CHUNK,
    )
    TeachBack.objects.bulk_create(
        (
            TeachBack(
                enrolment=e,
                due_on=now.date(),
                taught_on=now.date(),
                setting="home",
                people_reached=1 + n % 20,
                what_happened="Bench.",
                filed_at=now,
            )
            for n, e in enumerate(enrolments)
        ),  # fmt: skip
        batch_size=CHUNK,
    )
    cascade.rebuild_paths()  # bulk rows skip add_edge and file_report: computed once, last
    return root


def _generation_sizes(total: int) -> list[int]:
    weights = [2.6**g for g in range(GENERATIONS)]
    sizes = [max(1, int(total * w / sum(weights))) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _reach(ctx: Any, root: User, people: int) -> dict[str, Any]:
    reach = cascade.get_reach(root.pk)
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        cascade.get_reach(root.pk)
        samples.append((time.perf_counter() - started) * 1000)
    return ctx.figure(
        "academy.cascade.p95_ms", percentile(samples, 95), "ms",
        people=reach.trained, generations=reach.generations, reports=reach.reports,
        target_ms=200, p50_ms=round(percentile(samples, 50), 1),
    )  # fmt: skip


def _pdf(ctx: Any, version) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    pdf = book.book_pdf(version)
    seconds = time.perf_counter() - started
    return ctx.figure(
        "academy.community_pdf.seconds", seconds, "s", lessons=12, bytes=len(pdf), target_s=5,
        cpu_s=round(time.process_time() - cpu, 2),  # wall far above it: the machine is busy
    )  # fmt: skip
