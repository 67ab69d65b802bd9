"""Coaching: a lead and a person meet about the person's reviews, agree action items,
the person acknowledges, and a follow-up marks each item done or not.

The trend shown beside a session is the person's average counted review score in the
30 days before the session date against the 30 days from it (reviews by others only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.urls import reverse

from servewell.core import audit, events
from servewell.core.access import Forbidden, can
from servewell.core.errors import DomainError
from servewell.people.access import visible_team_ids
from servewell.people.models import User
from servewell.quality import notify, rollup
from servewell.quality.access import QUALITY_COACH, sees_person
from servewell.quality.models import ActionItem, CoachingSession, Criterion, Review

COACHING_HELD = events.declare("quality.coaching.held", "A lead recorded a coaching session.")
TREND_DAYS = 30


def sessions_for(user: User) -> QuerySet[CoachingSession]:
    """One's own sessions (either side) and, for coaches, those of people in their teams."""
    qs = CoachingSession.objects.select_related("lead", "person")
    own = qs.filter(person=user) | qs.filter(lead=user)
    if not can(user, QUALITY_COACH):
        return own
    ids = visible_team_ids(user)
    if ids is None:
        return qs
    return (own | qs.filter(person__memberships__team_id__in=ids)).distinct()


def _items(items: Iterable[Mapping[str, Any]]) -> list[tuple[str, date]]:
    cleaned = []
    for item in items:
        text = " ".join(str(item.get("text") or "").split())[:300]
        due = item.get("due")
        if not text:
            raise DomainError("invalid", "Each action item needs a text.", field="items")
        if not isinstance(due, date):
            raise DomainError("invalid", "Each action item needs a due date.", field="items")
        cleaned.append((text, due))
    return cleaned


def hold_session(
    actor: User,
    *,
    person: User,
    on: date,
    now: datetime,
    notes: str = "",
    reviews: Iterable[Review] = (),
    focus: Iterable[Criterion] = (),
    items: Iterable[Mapping[str, Any]] = (),
) -> CoachingSession:
    if not can(actor, QUALITY_COACH) or not sees_person(actor, person):
        raise Forbidden("You may coach only people of the teams you lead.")
    if person.pk == actor.pk:
        raise DomainError("invalid", "Coaching is with someone else.", field="person")
    reviews = list(reviews)
    if any(r.reviewee_id != person.pk for r in reviews):
        raise DomainError("invalid", "Link only reviews of this person.", field="reviews")
    cleaned = _items(items)
    with transaction.atomic():
        session = CoachingSession.objects.create(
            lead=actor, person=person, date=on, notes=notes[:20000], created_at=now
        )
        session.reviews.set(reviews)
        session.focus.set(list(focus))
        ActionItem.objects.bulk_create(
            ActionItem(session=session, text=text, due=due) for text, due in cleaned
        )
        audit.record(actor, "quality.coaching.held", session, label=f"Coaching of {person}")
        events.publish(COACHING_HELD, {"session": session.pk, "person": person.pk})
        notify.notify(
            person,
            f"{actor} recorded a coaching session with you; please acknowledge it",
            url=reverse("quality-coaching-detail", args=[session.pk]),
            now=now,
        )
    return session


def add_item(actor: User, session: CoachingSession, *, text: str, due: date) -> ActionItem:
    _lead_only(actor, session)
    ((text, due),) = _items([{"text": text, "due": due}])
    return ActionItem.objects.create(session=session, text=text, due=due)


def acknowledge(actor: User, session: CoachingSession, *, now: datetime) -> CoachingSession:
    if actor.pk != session.person_id:
        raise Forbidden("Only the person coached acknowledges a session.")
    if session.acknowledged_at is None:
        session.acknowledged_at = now
        session.save(update_fields=["acknowledged_at"])
        audit.record(actor, "quality.coaching.acknowledged", session)
    return session


def _lead_only(actor: User, session: CoachingSession) -> None:
    if actor.pk != session.lead_id and not (
        can(actor, QUALITY_COACH) and sees_person(actor, session.person)
    ):
        raise Forbidden("Only the lead of this session may change it.")


def follow_up(
    actor: User,
    session: CoachingSession,
    *,
    now: datetime,
    notes: str = "",
    states: Mapping[int, str] | None = None,
) -> CoachingSession:
    """Record the follow-up: notes and, per action item id, ``done`` or ``not_done``."""
    _lead_only(actor, session)
    states = dict(states or {})
    known = set(session.items.values_list("pk", flat=True))
    for item_id, state in states.items():
        if item_id not in known:
            raise DomainError("invalid", f"Item {item_id} is not in this session.", field="items")
        if state not in ActionItem.State.values:
            raise DomainError("invalid", f"Unknown state {state!r}.", field="items")
    with transaction.atomic():
        for item_id, state in states.items():
            ActionItem.objects.filter(pk=item_id).update(state=state)
        session.follow_up_notes = notes[:20000]
        session.followed_up_at = now
        session.save(update_fields=["follow_up_notes", "followed_up_at"])
        audit.record(actor, "quality.coaching.followed_up", session, after={"items": states})
    return session


@dataclass(frozen=True)
class Trend:
    before: float | None
    before_n: int
    after: float | None
    after_n: int

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def trend(session: CoachingSession) -> Trend:
    """Average score of the person's counted reviews 30 days before vs. 30 days after."""
    start = datetime.combine(session.date, time.min, tzinfo=UTC)
    window = timedelta(days=TREND_DAYS)
    before = Q(submitted_at__gte=start - window, submitted_at__lt=start)
    after = Q(submitted_at__gte=start, submitted_at__lt=start + window)
    row = (
        rollup.counted_reviews()
        .filter(reviewee_id=session.person_id)
        .aggregate(
            before=Avg("score", filter=before),
            before_n=Count("id", filter=before),
            after=Avg("score", filter=after),
            after_n=Count("id", filter=after),
        )
    )
    return Trend(**row)
