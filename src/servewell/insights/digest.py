"""The weekly digest: each lead's teams (a manager's: every team) in figures, with the
change from the week before, the three biggest movements, what is waiting too long, and
whatever other apps contribute (``core.digest.DIGEST_SECTIONS``: goodwill's featured
story, experience's kudos). The point is declared in core because those apps sit below
insights; the digest reads the contributions and imports none of them.

Sent on Monday at 07:00 in the lead's team's time zone by an hourly job; each person
gets one digest per week (``DigestSent``) and may opt out (``DigestOptOut``). HTML with
a plain-text part, no scripts, like every message the desk sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from servewell.core.digest import DIGEST_SECTIONS, DigestPart
from servewell.insights import dashboard, filters
from servewell.insights.models import DigestOptOut, DigestSent
from servewell.people.access import sees_all_teams
from servewell.people.models import Membership, Role, User

SEND_WEEKDAY, SEND_HOUR = 0, 7  # Monday 07:00 local


@dataclass
class Digest:
    user: User
    week: date
    all_teams: bool
    tiles: list[dashboard.Tile] = field(default_factory=list)
    movements: list[dashboard.Tile] = field(default_factory=list)
    waiting: list = field(default_factory=list)
    sections: list[DigestPart] = field(default_factory=list)

    @property
    def subject(self) -> str:
        scope = "all teams" if self.all_teams else "your teams"
        return f"Your week in figures — {scope}, week of {self.week:%d %b %Y}"


def _movement(tile: dashboard.Tile) -> float:
    if tile.change is None or not tile.previous:
        return 0.0
    return abs(tile.change / tile.previous)


def build(user: User, *, now: datetime) -> Digest:
    chosen = filters.parse({"period": "last_week"}, user, now=now)
    tiles = [t for g in dashboard.build(user, chosen) for t in g.tiles if t.value is not None]
    from servewell.commitments.figures import backlog_conversations

    waiting = list(
        backlog_conversations(chosen.query(), now=now)
        .select_related("team", "assignee")
        .order_by("created_at", "id")[:10]
    )
    sections = []
    for section in sorted(DIGEST_SECTIONS.items(), key=lambda s: (s.order, s.key)):
        part = section.build(user, chosen.query())
        if part is not None and part.lines:
            sections.append(part)
    return Digest(
        user,
        chosen.start_day,
        sees_all_teams(user),
        tiles,
        sorted([t for t in tiles if _movement(t)], key=_movement, reverse=True)[:3],
        waiting,
        sections,
    )


def render(digest: Digest) -> tuple[str, str]:
    context = {"digest": digest, "site_url": settings.SITE_URL}
    return (
        render_to_string("insights/digest.txt", context),
        render_to_string("insights/digest.html", context),
    )


def recipients() -> list[User]:
    """Leads of active teams and managers with an address, who did not opt out."""
    leads = Membership.objects.filter(is_lead=True, team__is_active=True).values("user_id")
    people = User.objects.filter(is_active=True).exclude(email="")
    people = people.filter(pk__in=leads) | people.filter(role_grants__role=Role.MANAGER)
    opted_out = DigestOptOut.objects.values("user_id")
    return list(people.exclude(pk__in=opted_out).distinct())


def time_zone_of(user: User) -> ZoneInfo:
    """The time zone of the first team the person leads, else their own."""
    membership = (
        Membership.objects.filter(user=user, is_lead=True)
        .select_related("team__calendar")
        .order_by("team__name")
        .first()
    )
    name = membership.team.calendar.time_zone if membership else user.time_zone
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def due(user: User, now: datetime) -> date | None:
    """The Monday whose digest is due now for this person, or None."""
    local = now.astimezone(time_zone_of(user))
    if local.weekday() == SEND_WEEKDAY and local.hour == SEND_HOUR:
        return local.date()
    return None


def send(user: User, *, now: datetime, week: date) -> bool:
    """Send once per person and week; a second call for the same week sends nothing."""
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, week=week, sent_at=now)
            digest = build(user, now=now)
            text, html = render(digest)
            message = EmailMultiAlternatives(
                digest.subject,
                text,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                headers={"Auto-Submitted": "auto-generated", "Precedence": "bulk"},
            )
            message.attach_alternative(html, "text/html")
            message.send()
    except IntegrityError:
        return False
    return True


def send_due(*, now: datetime) -> int:
    sent = 0
    for user in recipients():
        week = due(user, now)
        if week is not None and send(user, now=now, week=week):
            sent += 1
    return sent


@transaction.atomic
def opt_out(user: User, *, now: datetime) -> None:
    DigestOptOut.objects.get_or_create(user=user, defaults={"created_at": now})


@transaction.atomic
def opt_in(user: User) -> None:
    DigestOptOut.objects.filter(user=user).delete()


def is_opted_out(user: User) -> bool:
    return DigestOptOut.objects.filter(user=user).exists()
