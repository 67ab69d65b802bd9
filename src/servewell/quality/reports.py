"""Quality reports. Every figure is aggregated by the database; Python only arranges
the few rows that come back (into a heatmap grid, a chart, a CSV).

IQS — the internal quality score — is the average score of counted reviews (submitted,
by someone other than the person, not calibration, not all-N/A). Every table is read from
the quarterly totals (``QuarterTotal``, see ``rollup.py``), grouped by SQL: a few thousand
rows however many reviews and answers there are. Leads see their teams' figures; QA,
managers and admins every team's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast

from servewell.people.access import scope_to_teams
from servewell.people.models import User
from servewell.quality.models import QuarterTotal, ReviewAssignment, Scorecard
from servewell.quality.rollup import quarter_label, quarter_of

#: A perfect quarter: an average of 100 over at least this many reviews.
BADGE_MIN_REVIEWS = 5
PERFECT = 99.995  # scores are stored to two decimals
TREND_QUARTERS = 8


def quarters_back(quarter: int, count: int) -> list[int]:
    """``count`` quarters ending with ``quarter``, oldest first."""
    year, q = divmod(quarter, 10)
    out = []
    for _ in range(count):
        out.append(year * 10 + q)
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out[::-1]


def parse_quarter(value: Any, *, now: datetime) -> int:
    """``"2025Q3"``, ``"20253"`` or empty (this quarter)."""
    text = str(value or "").upper().replace(" ", "").replace("Q", "")
    if not text:
        return quarter_of(now)
    if not (text.isdigit() and len(text) == 5 and 1 <= int(text[-1]) <= 4):
        from servewell.core.errors import DomainError

        raise DomainError("invalid", "A quarter looks like 2025Q3.", field="quarter")
    return int(text)


def _totals(
    user: User, team: int | None, kind: str = QuarterTotal.Kind.PERSON
) -> QuerySet[QuarterTotal]:
    qs = scope_to_teams(QuarterTotal.objects.filter(kind=kind), user)
    return qs.filter(team_id=team) if team else qs


def _iqs(qs: QuerySet, *group: str) -> QuerySet:
    return (
        qs.values(*group)
        .annotate(reviews=Sum("count"), sum=Sum("total"))
        .filter(reviews__gt=0)
        .annotate(iqs=Cast(F("sum"), FloatField()) / F("reviews"))
        .order_by()
    )


def iqs_by_person(user: User, *, quarter: int, team: int | None = None) -> list[dict]:
    rows = _iqs(
        _totals(user, team).filter(quarter=quarter),
        "person_id",
        "person__username",
        "person__display_name",
    ).order_by("-iqs", "person__display_name", "person__username")
    return [
        {
            "person": r["person_id"],
            "name": r["person__display_name"] or r["person__username"],
            "reviews": r["reviews"],
            "iqs": round(r["iqs"], 2),
        }
        for r in rows
    ]


def iqs_by_team(user: User, *, quarter: int, team: int | None = None) -> list[dict]:
    rows = _iqs(_totals(user, team).filter(quarter=quarter), "team_id", "team__name")
    return [
        {
            "team": r["team_id"],
            "name": r["team__name"],
            "reviews": r["reviews"],
            "iqs": round(r["iqs"], 2),
        }
        for r in rows.order_by("team__name")
    ]


def iqs_by_quarter(user: User, *, quarter: int, team: int | None = None) -> list[dict]:
    wanted = quarters_back(quarter, TREND_QUARTERS)
    found = {
        r["quarter"]: r for r in _iqs(_totals(user, team).filter(quarter__in=wanted), "quarter")
    }
    return [
        {
            "quarter": q,
            "label": quarter_label(q),
            "reviews": found[q]["reviews"] if q in found else 0,
            "iqs": round(found[q]["iqs"], 2) if q in found else None,
        }
        for q in wanted
    ]


def badges(
    user: User, *, quarter: int, team: int | None = None, min_reviews: int = BADGE_MIN_REVIEWS
) -> list[dict]:
    """People whose every counted review of the quarter scored 100 (at least N of them)."""
    return [
        row
        for row in iqs_by_person(user, quarter=quarter, team=team)
        if row["iqs"] >= PERFECT and row["reviews"] >= min_reviews
    ]


def distribution(user: User, *, quarter: int, team: int | None = None) -> list[dict]:
    """How many reviews scored 0-9, 10-19, … 90-99 and exactly 100."""
    counts = dict(
        _totals(user, team, QuarterTotal.Kind.BAND)
        .filter(quarter=quarter)
        .values("key")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("key", "n")
    )
    labels = [f"{10 * b}–{10 * b + 9}" for b in range(10)] + ["100"]
    return [
        {"bucket": b, "label": labels[b], "reviews": counts.get(str(b)) or 0} for b in range(11)
    ]


@dataclass
class Heatmap:
    criteria: list[dict] = field(default_factory=list)  # key, title
    people: list[dict] = field(default_factory=list)  # person, name
    cells: dict[tuple[int, str], dict] = field(default_factory=dict)  # (person, key) -> avg, n

    def rows(self) -> list[dict]:
        return [
            {**p, "cells": [self.cells.get((p["person"], c["key"])) for c in self.criteria]}
            for p in self.people
        ]


def heat_class(value: float | None) -> str:
    return "heat-none" if value is None else f"heat-{round(value / 10)}"


def heatmap(
    user: User, *, quarter: int, scorecard: Scorecard | None, team: int | None = None
) -> Heatmap:
    """Average points (0-100) per person and criterion of one scorecard, N/A left out;
    criteria are followed across versions by their ``key``."""
    result = Heatmap()
    if scorecard is None:
        return result
    prefix = f"{scorecard.pk}:"
    rows = (
        _totals(user, team, QuarterTotal.Kind.CRITERION)
        .filter(quarter=quarter, key__startswith=prefix)
        .values("person_id", "key")
        .annotate(n=Sum("count"), points=Sum("total"))
        .filter(n__gt=0)
        .order_by()
    )
    people: set[int] = set()
    for r in rows:
        avg = 100 * r["points"] / r["n"]
        key = r["key"][len(prefix) :]
        result.cells[(r["person_id"], key)] = {
            "avg": round(avg, 1),
            "label": f"{avg:.0f}",
            "n": r["n"],
            "css": heat_class(avg),
        }
        people.add(r["person_id"])
    keys = {k for _, k in result.cells}
    seen: set[str] = set()
    for c in scorecard.versions.order_by("-number").values_list(
        "criteria__key", "criteria__title", "criteria__section__position", "criteria__position"
    ):
        if c[0] in keys and c[0] not in seen:
            seen.add(c[0])
            result.criteria.append({"key": c[0], "title": c[1], "order": (c[2], c[3])})
    result.criteria.sort(key=lambda c: c["order"])
    result.people = [{"person": u.pk, "name": str(u)} for u in User.objects.filter(pk__in=people)]
    return result


def workload(user: User, *, quarter: int, team: int | None = None) -> list[dict]:
    """Per reviewer: queue still to do, reviews submitted in the quarter and their average."""
    assignments = scope_to_teams(
        ReviewAssignment.objects.filter(state=ReviewAssignment.State.PENDING),
        user,
        field="conversation__team",
    )
    if team:
        assignments = assignments.filter(conversation__team_id=team)
    pending = dict(
        assignments.values("reviewer")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("reviewer", "n")
    )
    done = {
        r["person_id"]: r
        for r in _iqs(
            _totals(user, team, QuarterTotal.Kind.REVIEWER).filter(quarter=quarter), "person_id"
        )
    }
    people = User.objects.filter(pk__in=set(pending) | set(done))
    rows = [
        {
            "reviewer": u.pk,
            "name": str(u),
            "pending": pending.get(u.pk, 0),
            "submitted": done[u.pk]["reviews"] if u.pk in done else 0,
            "average_given": round(done[u.pk]["iqs"], 2) if u.pk in done else None,
        }
        for u in people
    ]
    return sorted(rows, key=lambda r: (-r["pending"] - r["submitted"], r["name"]))


def person_quarters(viewer: User, person: User, *, quarter: int) -> list[dict]:
    """One person's IQS over the last quarters (within the viewer's teams)."""
    qs = _totals(viewer, None).filter(person=person)
    wanted = quarters_back(quarter, TREND_QUARTERS)
    found = {r["quarter"]: r for r in _iqs(qs.filter(quarter__in=wanted), "quarter")}
    return [
        {
            "quarter": q,
            "label": quarter_label(q),
            "reviews": found[q]["reviews"] if q in found else 0,
            "iqs": round(found[q]["iqs"], 2) if q in found else None,
        }
        for q in wanted
    ]


# --- tables for CSV export and the API ------------------------------------------------------

Table = tuple[list[str], list[list[Any]]]


def _table(rows: list[dict], columns: list[str]) -> Table:
    return columns, [[r.get(c) for c in columns] for r in rows]


def table(name: str, user: User, *, quarter: int, team: int | None, scorecard) -> Table:
    """Every report table as headers and rows, by name (``TABLES``)."""
    if name == "heatmap":
        grid = heatmap(user, quarter=quarter, scorecard=scorecard, team=team)
        headers = ["person", "name"] + [c["title"] for c in grid.criteria]
        body = [
            [r["person"], r["name"]] + [c["avg"] if c else None for c in r["cells"]]
            for r in grid.rows()
        ]
        return headers, body
    build, columns = TABLES[name]
    return _table(build(user, quarter=quarter, team=team), columns)


TABLES: dict[str, tuple[Callable[..., list[dict]], list[str]]] = {
    "people": (iqs_by_person, ["person", "name", "reviews", "iqs"]),
    "teams": (iqs_by_team, ["team", "name", "reviews", "iqs"]),
    "quarters": (iqs_by_quarter, ["label", "reviews", "iqs"]),
    "distribution": (distribution, ["label", "reviews"]),
    "workload": (workload, ["reviewer", "name", "pending", "submitted", "average_given"]),
    "badges": (badges, ["person", "name", "reviews", "iqs"]),
}
TABLE_NAMES = [*TABLES, "heatmap"]


def overall(user: User, *, quarter: int, team: int | None = None) -> dict:
    row = _totals(user, team).filter(quarter=quarter).aggregate(n=Sum("count"), sum=Sum("total"))
    n = row["n"] or 0
    return {"reviews": n, "iqs": round(row["sum"] / n, 2) if n else None}
