"""Quality's figures for the leader dashboard (offered through the app contract).

IQS counts what the quality reports count (``rollup.counted_reviews``: submitted, by
someone else, not calibration, not all N/A), by the moment it was submitted, so a
quarter on the dashboard equals the quarter in the quality reports. Coverage is the seed's
"no one is exempt from review": of the agents, the leads and the managers of the teams,
the share who received at least one counted review in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import TruncDate

from servewell.core.contract import Figure, FigureQuery, RollupRow
from servewell.people.access import people_only
from servewell.people.models import Membership, Role, User
from servewell.quality.access import QUALITY_MANAGE
from servewell.quality.rollup import counted_reviews

COVERAGE_ROLES = {"agents": Role.AGENT, "leads": Role.LEAD, "managers": Role.MANAGER}


def reviews_in(query: FigureQuery) -> QuerySet:
    qs = counted_reviews().filter(submitted_at__gte=query.start, submitted_at__lt=query.end)
    if query.team_ids is not None:
        qs = qs.filter(team_id__in=query.team_ids)
    return qs.filter(reviewee_id=query.person_id) if query.person_id else qs


def iqs(query: FigureQuery) -> float | None:
    n = total = 0
    for score in reviews_in(query).values_list("score", flat=True):
        n, total = n + 1, total + score
    return round(total / n, 2) if n else None


def iqs_rollup(start_day: date, end_day: date) -> Iterator[RollupRow]:
    start = datetime.combine(start_day, time.min, tzinfo=UTC)
    end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC)
    sums: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    rows = counted_reviews().filter(submitted_at__gte=start, submitted_at__lt=end)
    for day, team, person, score in rows.annotate(
        day=TruncDate("submitted_at", tzinfo=UTC)
    ).values_list("day", "team_id", "reviewee_id", "score"):
        cell = sums[(day, team, person)]
        cell[0] += score
        cell[1] += 1
    for (day, team, person), (total, n) in sums.items():
        yield RollupRow(day, team, person, total, n)


def people_in_role(query: FigureQuery, group: str) -> QuerySet[User]:
    """Agents: team members who are not the team's lead; leads: the teams' leads;
    managers: everyone holding the manager role (org-wide, in every team's scope)."""
    people = people_only()
    members = Membership.objects.all()
    if query.team_ids is not None:
        members = members.filter(team_id__in=query.team_ids)
    if group == "agents":
        people = people.filter(
            role_grants__role=Role.AGENT,
            pk__in=members.filter(is_lead=False).values("user_id"),
        )
    elif group == "leads":
        people = people.filter(pk__in=members.filter(is_lead=True).values("user_id"))
    else:
        people = people.filter(role_grants__role=Role.MANAGER)
    if query.person_id:
        people = people.filter(pk=query.person_id)
    return people.distinct()


def reviewed(query: FigureQuery) -> QuerySet:
    """The counted reviews one person received in the period, for ``Exists`` beside a
    person: one probe of the reviewee index per person, instead of reading every review
    of the period to learn who was reviewed."""
    return counted_reviews().filter(
        reviewee=OuterRef("pk"), submitted_at__gte=query.start, submitted_at__lt=query.end
    )


def _coverage(group: str):
    def coverage(query: FigureQuery) -> float | None:
        flags = [
            was
            for _, was in people_in_role(query, group)
            .annotate(was=Exists(reviewed(query)))
            .values_list("pk", "was")
        ]
        return sum(flags) / len(flags) if flags else None

    return coverage


DRILL = "insights-drill"
FIGURES = (
    Figure(
        "quality.iqs",
        "IQS",
        "Internal quality score: the average score (0-100) of reviews submitted in the "
        "period by someone other than the person; self-reviews, calibration and all-N/A "
        "reviews left out — as in the quality reports.",
        "points",
        compute=iqs,
        perm=QUALITY_MANAGE,
        drill=DRILL,
        rollup=iqs_rollup,
    ),
    *(
        Figure(
            f"quality.coverage_{group}",
            f"Review coverage, {group}",
            f"Share of the {group} of the teams (active) who received at least one counted "
            "review in the period. Nobody is exempt from review: compare the three.",
            "%",
            compute=_coverage(group),
            perm=QUALITY_MANAGE,
            drill=DRILL,
            scale=100,
        )
        for group in COVERAGE_ROLES
    ),
)
