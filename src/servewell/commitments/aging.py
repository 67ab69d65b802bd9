"""The aging board: nothing open is forgotten. Counts per team by age bucket, oldest
first, and a morning digest to every team lead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db.models import Count, Q

from servewell.commitments.models import TeamCommitments
from servewell.desk.models import OPEN_STATUSES, Conversation
from servewell.people.access import visible_teams
from servewell.people.models import Membership, Team

BUCKETS = [
    ("0–1 d", 0, 1),
    ("1–3 d", 1, 3),
    ("3–7 d", 3, 7),
    ("7–30 d", 7, 30),
    ("over 30 d", 30, None),
]


@dataclass
class TeamAging:
    team: Team
    counts: list[int]
    oldest: list[Conversation] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(b[0], n) for b, n in zip(BUCKETS, self.counts, strict=True)]


def _bucket_filters(now: datetime) -> dict[str, Q]:
    out = {}
    for i, (_label, lo, hi) in enumerate(BUCKETS):
        q = Q(conversations__created_at__lte=now - timedelta(days=lo))
        if hi is not None:
            q &= Q(conversations__created_at__gt=now - timedelta(days=hi))
        out[f"b{i}"] = Count(
            "conversations",
            filter=q & Q(conversations__status__in=OPEN_STATUSES, conversations__merged_into=None),
        )
    return out


def board(teams: Any, *, now: datetime, oldest: int = 10) -> list[TeamAging]:
    """One aggregate query for the counts, one query per team for its oldest."""
    rows = teams.annotate(**_bucket_filters(now)).order_by("name")
    result = []
    for team in rows:
        counts = [getattr(team, f"b{i}") for i in range(len(BUCKETS))]
        entry = TeamAging(team, counts)
        if entry.total:
            entry.oldest = list(
                Conversation.objects.filter(team=team, status__in=OPEN_STATUSES, merged_into=None)
                .select_related("assignee", "contact")
                .order_by("created_at", "id")[:oldest]
            )
        result.append(entry)
    return result


def board_for(user: Any, *, now: datetime) -> list[TeamAging]:
    return board(visible_teams(user).filter(is_active=True), now=now)


def digest_text(entry: TeamAging, now: datetime) -> str:
    lines = [f"Open conversations of {entry.team.name}: {entry.total}", ""]
    lines += [
        f"  {label:>10}: {count}"
        for (label, _lo, _hi), count in zip(BUCKETS, entry.counts, strict=True)
    ]
    if entry.oldest:
        lines += ["", "Oldest first:"]
        for c in entry.oldest:
            age = (now - c.created_at).days
            who = c.assignee or "unassigned"
            lines.append(f"  #{c.pk} {c.subject[:60]} — {age} d, {c.get_status_display()}, {who}")
    return "\n".join(lines)


def send_digests(*, now: datetime) -> int:
    """Email each lead the board of their teams; returns the number of emails sent."""
    enabled = set(
        TeamCommitments.objects.filter(digest_enabled=False).values_list("team_id", flat=True)
    )
    teams = Team.objects.filter(is_active=True).exclude(pk__in=enabled)
    sent = 0
    for entry in board(teams, now=now):
        if not entry.total:
            continue
        leads = Membership.objects.filter(
            team=entry.team, is_lead=True, user__is_active=True
        ).select_related("user")
        addresses = [m.user.email for m in leads if m.user.email]
        if addresses:
            send_mail(
                f"Aging digest — {entry.team.name}: {entry.total} open",
                digest_text(entry, now),
                None,
                addresses,
            )
            sent += len(addresses)
    return sent
