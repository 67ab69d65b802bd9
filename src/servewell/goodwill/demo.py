"""Demo goodwill for ``servewell demo``: actions and limits, grants within and above the
limits (decided and pending requests), and daily-choice stories, some featured.

Built through the domain functions at plausible business-hours times over the last
weeks, so leads find their requests in their notifications. Needs the people and desk
demos; idempotent: once the actions exist, a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from servewell.desk.models import Conversation
from servewell.goodwill import actions, decisions, grants, stories
from servewell.goodwill.models import Action, Status
from servewell.people.models import Membership, Role, User

ACTIONS = [
    ("Refund", "refund", True, ("40", "300", "100")),
    ("Account credit", "credit", True, ("25", "200", "60")),
    ("Delivery fee waiver", "fee_waiver", True, ("10", "100", "20")),
    ("Free upgrade", "upgrade", False, ("1", "5", "1")),
    ("Replacement item", "replacement", False, ("1", "6", "2")),
    ("Other gesture", "other", True, ("15", "60", "30")),
]
# (action, amount, reason, days ago, decision): None decision = on the spot or pending
GRANTS = [
    ("Refund", "19.99", "The parcel arrived a week late.", 20, None),
    ("Delivery fee waiver", "4.95", "Courier missed the slot twice.", 16, None),
    ("Account credit", "15.00", "Wrong size sent; exchange took ten days.", 12, None),
    ("Replacement item", None, "Kettle arrived with a cracked lid.", 9, None),
    ("Refund", "120.00", "Whole order lost in transit, customer paid twice.", 8, "approve"),
    ("Account credit", "80.00", "Long-standing customer, three failed deliveries.", 6, "decline"),
    ("Refund", "35.00", "Item missing from the box.", 3, None),
    ("Refund", "95.00", "Damaged furniture; customer keeps it for a partial refund.", 1, None),
    ("Free upgrade", None, "Upgrade to express after a lost parcel.", 0, None),
]
STORIES = [
    (
        "The birthday kettle",
        "A customer wrote that the kettle for her mother's birthday arrived broken on the day.",
        "I sent a replacement by express without waiting for the old one to come back.",
        "It arrived the next morning; she wrote back to thank the courier and us.",
        True,
    ),
    (
        "Saying no kindly",
        "A customer asked for a full refund on a sofa used for a year.",
        "I explained what we could do instead and offered a cleaning kit.",
        "He accepted the kit and ordered cushions a week later.",
        True,
    ),
    (
        "Calling instead of writing",
        "Three emails back and forth had not solved an address mix-up.",
        "I called the customer and fixed it in two minutes on the phone.",
        "The parcel was rerouted the same day.",
        False,
    ),
]


def _at(now: dt.datetime, days: int, hour: int) -> dt.datetime:
    """A working-day moment ``days`` back at ``hour`` (weekends moved to Friday)."""
    moment = (now - dt.timedelta(days=days)).replace(hour=hour, minute=17, second=0, microsecond=0)
    while moment.weekday() >= 5:
        moment -= dt.timedelta(days=1)
    return min(moment, now)


def load_goodwill_demo() -> dict[str, int]:
    if Action.objects.exists():
        return {"actions": 0}
    now = timezone.now()
    admin = User.objects.filter(username="admin").first()
    made = {}
    for name, kind, has_amount, (per, month, customer) in ACTIONS:
        action = actions.define_action(
            admin,
            name=name,
            kind=kind,
            currency="EUR",
            has_amount=has_amount,
            now=now - dt.timedelta(days=30),
        )
        made[name] = action
        for role, factor in ((Role.AGENT, 1), (Role.LEAD, 3)):
            actions.set_limit(
                admin,
                action,
                role=role,
                per_action=Decimal(per) * factor,
                per_person_month=Decimal(month) * factor,
                per_customer_30d=Decimal(customer) * factor,
                now=now - dt.timedelta(days=30),
            )
    done = _grants(made, now)
    count = _stories(now, done)
    return {"actions": len(made), "grants": len(done), "stories": count}


def _grants(made: dict[str, Action], now: dt.datetime) -> list:
    conversations = list(
        Conversation.objects.filter(assignee__isnull=False)
        .select_related("assignee", "team")
        .order_by("created_at")[: len(GRANTS)]
    )
    done = []
    for (name, amount, reason, days, decision), conversation in zip(
        GRANTS, conversations, strict=False
    ):
        when = max(_at(now, days, 10), conversation.created_at)
        grant = grants.grant_goodwill(
            conversation.assignee,
            conversation,
            action=made[name],
            amount=amount,
            reason=reason,
            now=when,
        )
        done.append(grant)
        if grant.status == Status.PENDING and decision:
            lead = (
                Membership.objects.filter(team_id=grant.team_id, is_lead=True)
                .exclude(user=grant.requested_by)
                .select_related("user")
                .first()
            )
            if lead is not None:
                decisions.decide(
                    lead.user,
                    grant,
                    decision=decision,
                    reason="Covered by the courier's claim instead."
                    if decision == "decline"
                    else "",
                    now=when + dt.timedelta(hours=1, minutes=12),
                )
    return done


def _stories(now: dt.datetime, done: list) -> int:
    lead = (
        User.objects.filter(username="liam").first()
        or User.objects.filter(role_grants__role=Role.LEAD).order_by("pk").first()
    )
    authors = list(User.objects.filter(role_grants__role=Role.AGENT).order_by("pk")[:3])
    count = 0
    for n, (title, happened, choice, outcome, featured) in enumerate(STORIES):
        if not authors:
            break
        author = authors[n % len(authors)]
        grant = next((g for g in done if g.requested_by_id == author.pk), None)
        story = stories.record_story(
            author,
            title=title,
            happened=happened,
            choice=choice,
            outcome=outcome,
            grant_id=grant.pk if grant else None,
            now=_at(now, 10 - 3 * n, 15),
        )
        count += 1
        if featured and lead is not None:
            stories.feature(lead, story, featured=True, now=_at(now, 9 - 3 * n, 11))
            stories.comment(
                lead, story, body="This is what we mean by owning it.", now=_at(now, 9 - 3 * n, 11)
            )
    first = stories.list_stories(featured=True).order_by("created_at").first()
    if first is not None and lead is not None:
        stories.offer_to_academy(lead, first, now=_at(now, 2, 14))
    return count
