"""Weekly sampling: N random conversations per person, put in reviewers' queues.

Nobody is exempt: every person who handled a conversation solved in the period is
sampled — agent, lead or manager alike (``handlers.handler_expression``; no role filter).

The heavy part runs in the database: the candidates are filtered, annotated with their
handler, ranked per handler in a pseudo-random order (``ROW_NUMBER() OVER (PARTITION BY
handler ORDER BY hash)``) and only the first N per handler come back. The hash is
``(id * m + c) mod p`` with ``m`` and ``c`` drawn from the run's seed, so a run is random
yet reproducible from its seed. Then each pick goes to the eligible reviewer with the
lightest current queue (pending assignments), never the person themselves; a reviewer is
eligible for a conversation only if they can see its team. The assignments are written
with one ``bulk_create``.

Filters: channel, long handling time (solved more than N hours after it was opened) and
low customer rating. Ratings come from another capability: it registers a *rating source*
with ``register_rating_source``; without one the low-rating filter is skipped and the run
says so in its notes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Mod, RowNumber
from django.urls import reverse

from servewell.core import audit, events
from servewell.core.contract import ExtensionPoint
from servewell.core.errors import DomainError
from servewell.desk.models import Channel, Conversation
from servewell.people.access import ORG_WIDE_ROLES
from servewell.people.models import Membership, RoleGrant, User
from servewell.quality import notify, scorecards
from servewell.quality.access import REVIEWER_ROLES
from servewell.quality.models import ReviewAssignment, SamplingPlan, SamplingRun

SAMPLING_RUN = events.declare(
    "quality.sampling.run", "Sampling put conversations in reviewers' queues."
)
HASH_PRIME = 4_294_967_291  # the largest prime below 2**32: id * m stays inside 64 bits
MAX_PER_PERSON = 50

#: ``fn(max_rating) -> QuerySet`` of conversation ids rated at most ``max_rating`` (1-5).
RatingSource = Callable[[int], QuerySet]
RATING_SOURCES: ExtensionPoint[RatingSource] = ExtensionPoint(
    "quality.rating_sources",
    Callable,
    "fn(max_rating) -> QuerySet of conversation ids rated at most max_rating (1-5), for "
    "sampling's low-rating filter (the experience app's surveys).",
)


#: ``fn(start, end) -> iterable of conversation ids`` worth a human look (auto-QA: rude
#: text, a low auto score, worsening sentiment); sampling picks them first.
SamplingFlag = Callable[[datetime, datetime], Any]
SAMPLING_FLAGS: ExtensionPoint[SamplingFlag] = ExtensionPoint(
    "quality.sampling_flags",
    Callable,
    "fn(start, end) -> conversation ids solved in [start, end) worth a human look; the "
    "weekly sampling picks them before the random rest.",
)


def flagged(start: datetime, end: datetime) -> set[int]:
    return {pk for fn in SAMPLING_FLAGS.items() for pk in fn(start, end)}


def previous_week(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of last week to Monday 00:00 UTC of this week."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday - timedelta(days=7), monday


def create_plan(actor: Any, *, now: datetime, **data: Any) -> SamplingPlan:
    values = clean_plan(data)
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise DomainError("invalid", "This field is required.", field="name")
    if SamplingPlan.objects.filter(name__iexact=name).exists():
        raise DomainError("duplicate", "A plan with this name exists.", field="name")
    with transaction.atomic():
        plan = SamplingPlan.objects.create(name=name[:120], created_at=now, **values)
        audit.record(actor, "quality.sampling_plan.created", plan, after=data | values)
    return plan


def update_plan(actor: Any, plan: SamplingPlan, **data: Any) -> SamplingPlan:
    values = clean_plan({**_plan_values(plan), **data})
    with transaction.atomic():
        before = _plan_values(plan)
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(values))
        audit.record(actor, "quality.sampling_plan.changed", plan, before=before, after=values)
    return plan


def _plan_values(plan: SamplingPlan) -> dict[str, Any]:
    return {
        "scorecard": plan.scorecard,
        "per_person": plan.per_person,
        "channels": plan.channels,
        "low_rating_max": plan.low_rating_max,
        "min_handling_hours": plan.min_handling_hours,
        "is_active": plan.is_active,
    }


def clean_plan(data: dict[str, Any]) -> dict[str, Any]:
    per_person = data.get("per_person", 3)
    if isinstance(per_person, bool) or not isinstance(per_person, int):
        raise DomainError("invalid", "A whole number.", field="per_person")
    if not 1 <= per_person <= MAX_PER_PERSON:
        raise DomainError("invalid", f"Between 1 and {MAX_PER_PERSON}.", field="per_person")
    channels = list(data.get("channels") or [])
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise DomainError("invalid", f"Unknown channel {unknown[0]!r}.", field="channels")
    low = data.get("low_rating_max")
    if low is not None and not (isinstance(low, int) and 1 <= low <= 5):
        raise DomainError("invalid", "A rating from 1 to 5.", field="low_rating_max")
    hours = data.get("min_handling_hours")
    if hours is not None and not (isinstance(hours, int) and 0 <= hours <= 24 * 365):
        raise DomainError("invalid", "A number of hours.", field="min_handling_hours")
    card = data.get("scorecard")
    if card is None:
        raise DomainError("invalid", "Choose a scorecard.", field="scorecard")
    if scorecards.latest_published(card) is None:
        raise DomainError("invalid", "This scorecard has no published version.", field="scorecard")
    return {
        "scorecard": card,
        "per_person": per_person,
        "channels": channels,
        "low_rating_max": low,
        "min_handling_hours": hours,
        "is_active": bool(data.get("is_active", True)),
    }


def candidates(plan: SamplingPlan, start: datetime, end: datetime) -> tuple[QuerySet, list]:
    """Conversations solved in [start, end) that pass the plan's filters and were never
    sampled before, annotated with ``handler``."""
    from servewell.quality.handlers import handler_expression

    notes: list[str] = []
    qs = Conversation.objects.filter(
        solved_at__gte=start, solved_at__lt=end, merged_into__isnull=True
    )
    if plan.channels:
        qs = qs.filter(channel__in=plan.channels)
    if plan.min_handling_hours:
        qs = qs.filter(solved_at__gt=F("created_at") + timedelta(hours=plan.min_handling_hours))
    if plan.low_rating_max:
        if sources := RATING_SOURCES.items():
            rated = sources[0](plan.low_rating_max)
            qs = qs.filter(pk__in=rated)
        else:
            notes.append("No rating data yet: the low-rating filter was skipped.")
    sampled = ReviewAssignment.objects.filter(conversation=OuterRef("pk"))
    flags = flagged(start, end)
    qs = qs.exclude(Exists(sampled)).annotate(
        handler=handler_expression(),
        flag=Case(When(pk__in=flags, then=Value(0)), default=Value(1)),
    )
    return qs.filter(handler__isnull=False), notes


def pick(qs: QuerySet, per_person: int, seed: int) -> list[tuple[int, int, int]]:
    """``(conversation, handler, team)`` — at most ``per_person`` per handler, chosen
    pseudo-randomly by the database."""
    rng = random.Random(seed)
    multiplier, shift = rng.randrange(1, HASH_PRIME), rng.randrange(HASH_PRIME)
    shuffle = Mod(
        F("pk") * Value(multiplier, BigIntegerField()) + Value(shift, BigIntegerField()),
        Value(HASH_PRIME, BigIntegerField()),
    )
    ranked = qs.annotate(
        rank=Window(
            RowNumber(), partition_by=[F("handler")], order_by=["flag", shuffle.asc(), "pk"]
        )
    ).filter(rank__lte=per_person)
    return sorted(ranked.values_list("pk", "handler", "team_id"))


@dataclass
class Reviewer:
    id: int
    load: int
    teams: frozenset[int] | None  # None: sees every team
    order: int

    def may_review(self, handler: int, team: int) -> bool:
        return self.id != handler and (self.teams is None or team in self.teams)


def reviewers() -> list[Reviewer]:
    """Active QA reviewers, leads and managers with their current queue length."""
    grants = RoleGrant.objects.filter(role__in=REVIEWER_ROLES, user__is_active=True)
    ids = sorted(set(grants.values_list("user_id", flat=True)))
    wide = set(
        RoleGrant.objects.filter(user_id__in=ids, role__in=ORG_WIDE_ROLES).values_list(
            "user_id", flat=True
        )
    )
    wide |= set(User.objects.filter(pk__in=ids, is_superuser=True).values_list("pk", flat=True))
    teams: dict[int, set[int]] = {i: set() for i in ids}
    for user_id, team_id in Membership.objects.filter(user_id__in=ids).values_list(
        "user_id", "team_id"
    ):
        teams[user_id].add(team_id)
    load = dict(
        ReviewAssignment.objects.filter(state=ReviewAssignment.State.PENDING, reviewer_id__in=ids)
        .values("reviewer")
        .annotate(n=Count("id"))
        .values_list("reviewer", "n")
    )
    return [
        Reviewer(i, load.get(i, 0), None if i in wide else frozenset(teams[i]), n)
        for n, i in enumerate(ids)
    ]


def spread(picks: list[tuple[int, int, int]], pool: list[Reviewer]) -> tuple[list, int]:
    """Give each pick to the eligible reviewer with the shortest queue (ties: in turn).
    Returns ``[(conversation, handler, reviewer)]`` and how many found nobody."""
    out, orphans = [], 0
    for conversation, handler, team in picks:
        eligible = [r for r in pool if r.may_review(handler, team)]
        if not eligible:
            orphans += 1
            continue
        chosen = min(eligible, key=lambda r: (r.load, r.order))
        chosen.load += 1
        chosen.order += len(pool)  # the next tie goes to someone else
        out.append((conversation, handler, chosen.id))
    return out, orphans


def run_sampling(
    actor: Any,
    plan: SamplingPlan,
    *,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    seed: int | None = None,
) -> SamplingRun:
    if start is None or end is None:
        start, end = previous_week(now)
    if start >= end:
        raise DomainError("invalid", "The period must end after it starts.", field="end")
    version = scorecards.latest_published(plan.scorecard)
    if version is None:
        raise DomainError("invalid", "The plan's scorecard has no published version.")
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    with transaction.atomic():
        qs, notes = candidates(plan, start, end)
        picks = pick(qs, plan.per_person, seed)
        assigned, orphans = spread(picks, reviewers())
        if orphans:
            notes.append(f"{orphans} conversations found no eligible reviewer.")
        run = SamplingRun.objects.create(
            plan=plan,
            period_start=start,
            period_end=end,
            started_by=actor if getattr(actor, "is_authenticated", False) else None,
            started_at=now,
            people=len({h for _, h, _ in picks}),
            assigned=len(assigned),
            notes=notes + [f"seed {seed}"],
        )
        ReviewAssignment.objects.bulk_create(
            (
                ReviewAssignment(
                    run=run,
                    conversation_id=conversation,
                    reviewee_id=handler,
                    reviewer_id=reviewer,
                    version=version,
                    created_at=now,
                )
                for conversation, handler, reviewer in assigned
            ),
            batch_size=1000,
        )
        _tell_reviewers(assigned, now)
        audit.record(actor, "quality.sampling.run", run, after={"assigned": run.assigned})
        events.publish(SAMPLING_RUN, {"run": run.pk, "plan": plan.pk, "assigned": run.assigned})
    return run


def _tell_reviewers(assigned: list[tuple[int, int, int]], now: datetime) -> None:
    counts = Counter(reviewer for _, _, reviewer in assigned)
    url = reverse("quality-queue")
    for user in User.objects.filter(pk__in=counts):
        notify.notify(
            user,
            f"{counts[user.pk]} conversations were added to your review queue",
            url=url,
            now=now,
        )


def run_active_plans(*, now: datetime) -> list[SamplingRun]:
    return [
        run_sampling(None, plan, now=now)
        for plan in SamplingPlan.objects.filter(is_active=True).select_related("scorecard")
    ]
