"""The dashboard's filters — team, person, period — read from a link, checked, and
turned into a ``FigureQuery`` for now and for the period before.

Periods are cut at UTC midnight, as rollup days are, so a figure read from rollups and
the same figure computed live cover exactly the same moments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from servewell.core.contract import FigureQuery
from servewell.core.errors import DomainError
from servewell.core.ids import parse_id
from servewell.people.access import visible_people, visible_team_ids
from servewell.people.models import User

PERIODS = {
    "week": "This week",
    "last_week": "Last week",
    "month": "This month",
    "last_month": "Last month",
    "quarter": "This quarter",
    "last_quarter": "Last quarter",
    "custom": "Custom",
}
DEFAULT_PERIOD = "last_week"
MAX_DAYS = 366
#: Accepted parameters; ``fresh=1`` asks the dashboard to recompute its cached figures.
KNOWN = {"team", "person", "period", "start", "end", "figure", "cluster", "format", "page", "fresh"}


class FilterError(DomainError):
    def __init__(self, message: str, *, field: str):
        super().__init__("invalid", message, field=field)


@dataclass(frozen=True)
class Filters:
    period: str
    start_day: date  # first day
    end_day: date  # day after the last
    team_ids: tuple[int, ...] | None  # None: every team the viewer sees (all)
    team: int | None
    person: int | None

    @property
    def days(self) -> int:
        return (self.end_day - self.start_day).days

    def query(self, *, previous: bool = False) -> FigureQuery:
        start, end = self.start_day, self.end_day
        if previous:
            start, end = previous_period(self.period, start, end)
        return FigureQuery(_at(start), _at(end), self.team_ids, self.person)

    def as_params(self) -> dict[str, str]:
        params = {"period": self.period}
        if self.period == "custom":
            params.update(start=self.start_day.isoformat(), end=self.end_day.isoformat())
        if self.team:
            params["team"] = str(self.team)
        if self.person:
            params["person"] = str(self.person)
        return params


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_days(period: str, today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    return {
        "week": (monday, monday + timedelta(days=7)),
        "last_week": (monday - timedelta(days=7), monday),
        "month": (month, _add_months(month, 1)),
        "last_month": (_add_months(month, -1), month),
        "quarter": (quarter, _add_months(quarter, 3)),
        "last_quarter": (_add_months(quarter, -3), quarter),
    }[period]


def previous_period(period: str, start: date, end: date) -> tuple[date, date]:
    """The calendar unit before (a month before a month), or as many days before."""
    if period in ("month", "last_month"):
        return _add_months(start, -1), start
    if period in ("quarter", "last_quarter"):
        return _add_months(start, -3), start
    return start - (end - start), start


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FilterError(f"{field.title()} must be a date like 2026-03-31.", field=field) from None


def _custom(data: Mapping[str, Any]) -> tuple[date, date]:
    if not data.get("start") or not data.get("end"):
        raise FilterError("A custom period needs a start and an end date.", field="start")
    start, last = _day(data["start"], "start"), _day(data["end"], "end")
    if last < start:
        raise FilterError("The end date comes before the start date.", field="end")
    if (last - start).days + 1 > MAX_DAYS:
        raise FilterError(f"A period may be at most {MAX_DAYS} days long.", field="end")
    return start, last + timedelta(days=1)


def dates_of(data: Mapping[str, Any], *, now: datetime) -> tuple[date, date]:
    """The first day and the day after the last of ``period`` (with ``start``/``end``
    for a custom one), checked."""
    period = str(data.get("period") or DEFAULT_PERIOD)
    if period not in PERIODS:
        raise FilterError(f"Period is one of: {', '.join(PERIODS)}.", field="period")
    if period == "custom":
        return _custom(data)
    return period_days(period, now.astimezone(UTC).date())


def parse(data: Mapping[str, Any], viewer: User, *, now: datetime) -> Filters:
    """Refuse unknown filters and bad values, each with a clear message."""
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise FilterError(f"Unknown filter: {', '.join(unknown)}.", field=unknown[0])
    period = str(data.get("period") or DEFAULT_PERIOD)
    start, end = dates_of(data, now=now)
    visible = visible_team_ids(viewer)
    team = _team(data.get("team"), visible)
    team_ids = (team,) if team else (None if visible is None else tuple(visible))
    person = _person(data.get("person"), viewer)
    return Filters(period, start, end, team_ids, team, person)


def _team(value: Any, visible: list[int] | None) -> int | None:
    if value in (None, ""):
        return None
    team = parse_id(value)
    if team is None:
        raise FilterError("Team must be a team's id.", field="team")
    if visible is not None and team not in visible:
        raise FilterError("That team is not one of yours.", field="team")
    return team


def _person(value: Any, viewer: User) -> int | None:
    if value in (None, ""):
        return None
    person = parse_id(value)
    if person is None:
        raise FilterError("Person must be a person's id.", field="person")
    if not visible_people(viewer).filter(pk=person).exists():
        raise FilterError("That person is not in your teams.", field="person")
    return person
