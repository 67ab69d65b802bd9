"""Demo quality data for ``servewell demo``: the "Service conversation" scorecard, reviews
of the demo conversations (leads' and managers' included), an open dispute, a closed
calibration session, a coaching session and a weekly sampling plan.

Everything goes through the domain functions, so the reviewed people find their
notifications. It needs the desk demo: without handled, solved conversations it creates
nothing. Idempotent: once the scorecard exists, a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from servewell.desk.models import Conversation
from servewell.people.models import Membership, Role, User
from servewell.quality import calibration, coaching, disputes, reviews, sampling, scorecards
from servewell.quality.access import sees_person
from servewell.quality.handlers import handler_expression
from servewell.quality.models import Review, Scorecard, ScorecardVersion
from servewell.quality.rollup import last_complete_quarter, quarter_of

NAME = "Service conversation"
SECTIONS = [
    {
        "title": "Greeting & ownership",
        "criteria": [
            {"title": "Greets the customer by name", "weight": 1},
            {"title": "Takes ownership (“I will…”)", "weight": 2, "scale": "one_to_five"},
        ],
    },
    {
        "title": "Resolution",
        "criteria": [
            {"title": "Correct and complete answer", "weight": 4, "critical": True},
            {"title": "Clear next step", "weight": 2, "na_allowed": True},
        ],
    },
    {
        "title": "Tone",
        "criteria": [
            {"title": "Warm and respectful", "weight": 2, "scale": "one_to_five"},
            {"title": "Empathy where the customer was let down", "weight": 1, "na_allowed": True},
        ],
    },
    {
        "title": "Process",
        "criteria": [
            {"title": "Tags and status set correctly", "weight": 1},
            {"title": "Internal notes where needed", "weight": 1, "na_allowed": True},
        ],
    },
]
REVIEWS = 36


def load_quality_demo() -> dict[str, int]:
    if Scorecard.objects.filter(name=NAME).exists():
        return {"reviews": 0}
    handled = list(
        Conversation.objects.filter(solved_at__isnull=False, merged_into__isnull=True)
        .annotate(handler=handler_expression())
        .filter(handler__isnull=False)
        .order_by("solved_at", "id")
    )
    reviewers = list(
        User.objects.filter(role_grants__role__in=[Role.QA, Role.MANAGER], is_active=True)
        .distinct()
        .order_by("id")
    )
    if len(handled) < 4 or len(reviewers) < 2:
        return {"reviews": 0}
    with transaction.atomic():
        return _load(random.Random(7), handled, reviewers)


def _load(rng: random.Random, handled: list[Conversation], reviewers: list[User]) -> dict:
    now = timezone.now()
    card = scorecards.create_scorecard(
        None,
        name=NAME,
        now=now - dt.timedelta(days=90),
        description="The default scorecard for email, chat and phone conversations.",
        sections=SECTIONS,
    )
    version = scorecards.publish(None, scorecards.draft_of(card), now=now - dt.timedelta(days=90))
    people = {u.pk: u for u in User.objects.filter(pk__in={c.handler for c in handled})}
    made = []
    # The manager's last complete quarter is her perfect one (below): the random sample
    # leaves it alone, or early in a quarter it would mark her best quarter down.
    manager = User.objects.filter(username="maria").values_list("pk", flat=True).first()
    perfect = last_complete_quarter(now)
    recent = [
        c
        for c in handled
        if c.solved_at >= now - dt.timedelta(days=61)
        and not (
            c.handler == manager
            and quarter_of(min(c.solved_at + dt.timedelta(hours=20), now)) == perfect
        )
    ]
    for conversation in rng.sample(recent, min(REVIEWS, len(recent))):
        person = people[conversation.handler]
        reviewer = next(r for r in rng.sample(reviewers, len(reviewers)) if r.pk != person.pk)
        when = min(conversation.solved_at + dt.timedelta(hours=20), now)
        made.append(_review(rng, reviewer, conversation, person, version, when))
    made += _manager_quarters(rng, handled, reviewers, version, made, now)
    _dispute(made, now)
    _calibration(handled[-1], version, now)
    _coaching(made, version, now)
    sampling.create_plan(None, name="Weekly sample", scorecard=card, per_person=3, now=now)
    return {"reviews": len(made)}


def _manager_quarters(rng, handled, reviewers, version, made, now) -> list[Review]:  # type: ignore[no-untyped-def]
    """The manager is reviewed like everyone, in every quarter, and her best quarter is a
    perfect one: the last complete quarter, every criterion met."""
    manager = User.objects.filter(username="maria").first()
    reviewer = next((r for r in reviewers if manager and r.pk != manager.pk), None)
    if manager is None or reviewer is None:
        return []
    done = {quarter_of(r.submitted_at) for r in made if r.reviewee_id == manager.pk}
    perfect = last_complete_quarter(now)
    by_quarter: dict[int, list[Conversation]] = {}
    for conversation in handled:
        if conversation.handler == manager.pk:
            when = min(conversation.solved_at + dt.timedelta(hours=20), now)
            by_quarter.setdefault(quarter_of(when), []).append(conversation)
    extra = []
    for quarter, conversations in sorted(by_quarter.items()):
        if quarter in done and quarter != perfect:
            continue
        for conversation in conversations[:2]:
            when = min(conversation.solved_at + dt.timedelta(hours=20), now)
            best = 1.0 if quarter == perfect else None
            extra.append(_review(rng, reviewer, conversation, manager, version, when, best))
    reviewed = {r.conversation_id for r in [*made, *extra] if r.reviewee_id == manager.pk}
    weeks = {
        r.submitted_at.isocalendar()[:2] for r in [*made, *extra] if r.reviewee_id == manager.pk
    }
    for conversation in reversed(handled):
        # Week by week as well: a leader's dashboard compares a week's coverage of managers
        # with the agents', and hers never lapses in a week she took conversations.
        when = min(conversation.solved_at + dt.timedelta(hours=20), now)
        week = when.isocalendar()[:2]
        if conversation.handler != manager.pk or conversation.pk in reviewed or week in weeks:
            continue
        if when < now - dt.timedelta(days=42):
            break
        weeks.add(week)
        extra.append(_review(rng, reviewer, conversation, manager, version, when))
    return extra


def _review(
    rng, reviewer, conversation, person, version: ScorecardVersion, when, best=None
) -> Review:  # type: ignore[no-untyped-def]
    review = reviews.start_review(
        reviewer, conversation, version=version, reviewee=person, now=when
    )
    answers = {}
    for c in version.criteria.all():
        if best is not None:
            value = 1 if c.scale == "yes_no" else 5
        elif c.na_allowed and rng.random() < 0.25:
            value = None
        elif c.scale == "yes_no":
            value = 1 if rng.random() < (0.97 if c.critical else 0.85) else 0
        else:
            value = rng.choice([3, 4, 4, 5, 5, 5])
        answers[c.pk] = {"value": value, "comment": ""}
    comment = rng.choice(["Nicely handled.", "Good, see the notes.", "Solid work.", ""])
    comment = "Textbook: every point met." if best is not None else comment
    return reviews.submit_review(reviewer, review, now=when, answers=answers, comment=comment)


def _dispute(made: list[Review], now: dt.datetime) -> None:
    """The lowest score of someone who has a lead (not the reviewer) is disputed."""
    for review in sorted(made, key=lambda r: (r.score or 0, r.pk)):
        leads = Membership.objects.filter(team_id=review.team_id, is_lead=True).exclude(
            user_id__in=[review.reviewee_id, review.reviewer_id]
        )
        if leads.exists():
            disputes.open_dispute(
                review.reviewee,
                review,
                reason="The customer had asked for exactly this; I think the answer was right.",
                now=now,
            )
            return


def _calibration(conversation: Conversation, version: ScorecardVersion, now) -> None:
    lead = User.objects.filter(role_grants__role=Role.LEAD).order_by("id").first()
    panel = list(
        User.objects.filter(role_grants__role__in=[Role.QA, Role.LEAD, Role.MANAGER])
        .distinct()
        .order_by("id")[:4]
    )
    if lead is None or len(panel) < 2:
        return
    session = calibration.start_session(
        lead,
        conversation=conversation,
        version=version,
        reviewers=panel,
        title="Monthly calibration",
        now=now,
    )
    for n, person in enumerate(panel):
        sheet = calibration.my_review(person, session, now=now)
        answers = {
            c.pk: {"value": _calibrated(c, i, n), "comment": ""}
            for i, c in enumerate(version.criteria.all())
        }
        reviews.submit_review(person, sheet, now=now, answers=answers)
    calibration.close_session(lead, session, now=now)


def _calibrated(criterion, i: int, n: int) -> int | None:
    """Reviewers who mostly agree; the second is a little stricter on a few criteria."""
    if criterion.scale == "yes_no":
        base = 0 if i % 4 == 3 else 1
        return 1 - base if (n == 1 and i == 0) else base
    base = [5, 3, 4, 2][i % 4]
    return base - 1 if (n == 1 and i % 2) else base


def _coaching(made: list[Review], version: ScorecardVersion, now: dt.datetime) -> None:
    for review in made:
        lead = (
            Membership.objects.filter(team_id=review.team_id, is_lead=True)
            .exclude(user_id=review.reviewee_id)
            .select_related("user")
            .first()
        )
        if lead is None or not sees_person(lead.user, review.reviewee):
            continue
        theirs = [r for r in made if r.reviewee_id == review.reviewee_id]
        focus = version.criteria.filter(title__startswith="Takes ownership")
        coaching.hold_session(
            lead.user,
            person=review.reviewee,
            on=(now - dt.timedelta(days=14)).date(),
            now=now,
            notes="We looked at two conversations together. Ownership language is the focus.",
            reviews=theirs[:2],
            focus=list(focus),
            items=[
                {"text": "Close each reply with a clear next step", "due": now.date()},
                {"text": "Shadow a senior colleague for one shift", "due": now.date()},
            ],
        )
        return
