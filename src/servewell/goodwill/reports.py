"""Spend against budget, next to what followed — without blame.

One grouped query builds cells of (team, person, action, currency, month); each table
(by team, person, action, month) rolls the cells up. Budget is the monthly limit of each
person who granted, for each month they granted in. Outcomes beside the spend: the CSAT
of the conversation (the experience app's latest rating, copied onto the grant as it
arrives), whether the customer came back within 90 days (``came_back_at``, kept by a
subscriber), and the share of goodwill decided without an approval. Every figure is a
column of one covering index, so the report costs the same few queries at any volume.
Money of different currencies is never added together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from servewell.goodwill.actions import LIMIT_FIELDS
from servewell.goodwill.models import EFFECTIVE, Action, Grant, Limit, Status
from servewell.people.access import visible_team_ids
from servewell.people.models import RoleGrant, Team, User

DIMENSIONS = ("team", "person", "action", "month")
MAX_MONTHS = 24


@dataclass
class Row:
    key: object
    label: str
    currency: str
    spend: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    grants: int = 0
    requests: int = 0
    without_approval: int = 0
    came_back: int = 0
    csat_sum: int = 0
    csat_n: int = 0
    cells: int = field(default=0, repr=False)
    filters: dict = field(default_factory=dict, repr=False)

    @property
    def share_without_approval(self) -> float | None:
        return round(100 * self.without_approval / self.grants, 1) if self.grants else None

    @property
    def share_came_back(self) -> float | None:
        return round(100 * self.came_back / self.grants, 1) if self.grants else None

    @property
    def csat(self) -> float | None:
        return round(self.csat_sum / self.csat_n, 2) if self.csat_n else None

    @property
    def used(self) -> float | None:
        return round(float(100 * self.spend / self.budget), 1) if self.budget else None

    def shown(self) -> list[str]:
        """The table's cells after the label, as text made once: a few hundred rows of
        nine numbers each cost more through the template's per-value localisation (one
        language, no thousands separator: the same text) than the whole query."""
        return [
            f"{_text(self.spend)} {self.currency}",
            _text(self.budget),
            _percent(self.used),
            str(self.grants),
            str(self.requests),
            _percent(self.share_without_approval),
            _percent(self.share_came_back),
            _text(self.csat),
        ]


def _text(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def month_starts(now: datetime, months: int) -> datetime:
    """The first instant of the first month shown, in the site's time zone (the one
    grants' ``month`` is counted in)."""
    months = min(max(months, 1), MAX_MONTHS)
    now = timezone.localtime(now, timezone.get_default_timezone())
    year, month = now.year, now.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _scope(user: User, *, since: datetime, team_id: int | None):
    grants = Grant.objects.filter(created_at__gte=since)
    ids = visible_team_ids(user)
    if ids is not None:
        grants = grants.filter(team_id__in=ids)
    return grants.filter(team_id=team_id) if team_id else grants


def _cells(grants) -> list[dict]:
    """Everything the report shows, grouped by cell, in one scan of the period's range
    of the covering index (counts count ``status``, a column of the index, not ``id``)."""
    effective = Q(status__in=EFFECTIVE)
    return list(
        grants.values("team_id", "requested_by_id", "action_id", "currency", "month")
        .annotate(
            spend=Sum("amount", filter=effective),
            grants=Count("status", filter=effective),
            requests=Count("status", filter=~Q(status=Status.GRANTED)),
            without_approval=Count("status", filter=Q(status=Status.GRANTED)),
            came_back=Count("came_back_at", filter=effective),
            csat_sum=Sum("csat", filter=effective),
            csat_n=Count("csat", filter=effective),
            open=Count("status", filter=Q(status=Status.PENDING)),
        )
        .order_by()
    )


def _budgets(cells: list[dict]) -> dict[tuple[int, int, int], Decimal]:
    """Each (person, action, team)'s monthly limit, from three small queries."""
    people = {c["requested_by_id"] for c in cells}
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in RoleGrant.objects.filter(user_id__in=people).values_list(
        "user_id", "role"
    ):
        roles[user_id].add(role)
    for pk in User.objects.filter(pk__in=people, is_superuser=True).values_list("pk", flat=True):
        roles[pk].add("admin")
    limits: dict[tuple[int, str, int | None], Decimal] = {
        (lim.action_id, lim.role, lim.team_id): lim.per_person_month
        for lim in Limit.objects.only("action_id", "role", "team_id", *LIMIT_FIELDS)
    }
    budgets = {}
    for c in cells:
        key = (c["requested_by_id"], c["action_id"], c["team_id"])
        if key not in budgets:
            values = [
                limits.get((key[1], r, key[2]), limits.get((key[1], r, None)))
                for r in roles[key[0]]
            ]
            budgets[key] = max((v for v in values if v is not None), default=Decimal(0))
    return budgets


def _labels(cells: list[dict]) -> dict[str, dict]:
    return {
        "team": dict(
            Team.objects.filter(pk__in={c["team_id"] for c in cells}).values_list("pk", "name")
        ),
        "person": {
            u.pk: str(u) for u in User.objects.filter(pk__in={c["requested_by_id"] for c in cells})
        },
        "action": dict(Action.objects.values_list("pk", "name")),
    }


_CELL_KEY = {
    "team": "team_id",
    "person": "requested_by_id",
    "action": "action_id",
    "month": "month",
}


@dataclass
class Report:
    since: datetime
    tables: dict[str, list[Row]]
    open_requests: int


def spend_report(
    user: User, *, now: datetime, months: int = 3, team_id: int | None = None
) -> Report:
    since = month_starts(now, months)
    cells = _cells(_scope(user, since=since, team_id=team_id))
    budgets, labels = _budgets(cells), _labels(cells)
    for c in cells:
        c["budget"] = budgets[(c["requested_by_id"], c["action_id"], c["team_id"])]
        c["spend"], c["csat_sum"] = c["spend"] or 0, c["csat_sum"] or 0
    tables: dict[str, list[Row]] = {}
    for dim in DIMENSIONS:
        rows: dict[tuple, Row] = {}
        column = _CELL_KEY[dim]
        for c in cells:
            value = c[column]
            row = rows.get((value, c["currency"]))
            if row is None:
                label = value.strftime("%Y-%m") if dim == "month" else labels[dim].get(value, "—")
                row = rows[(value, c["currency"])] = Row(value, label, c["currency"])
                row.filters = {FILTER_NAMES[dim]: _filter_value(value), "currency": c["currency"]}
            row.spend += c["spend"]
            row.budget += c["budget"]
            row.grants += c["grants"]
            row.requests += c["requests"]
            row.without_approval += c["without_approval"]
            row.came_back += c["came_back"]
            row.csat_sum += c["csat_sum"]
            row.csat_n += c["csat_n"]
        ordered = sorted(
            rows.values(), key=lambda r: (r.label if dim != "month" else r.key, r.currency)
        )
        tables[dim] = ordered
    open_requests = sum(c["open"] for c in cells)
    return Report(since=since, tables=tables, open_requests=open_requests)


#: The drill-down filter each table's rows stand for (``list_grants`` reads them back).
FILTER_NAMES = {"team": "team", "person": "person", "action": "action", "month": "month"}


def _filter_value(value: object) -> str:
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)


@dataclass(frozen=True)
class GrantFilter:
    """Which grants a report figure counts: the period and team of the report, and the
    row's team, person, action or month and currency."""

    months: int = 3
    team_id: int | None = None
    person_id: int | None = None
    action_id: int | None = None
    month: date | None = None
    currency: str = ""
    effective_only: bool = True


def list_grants(user: User, f: GrantFilter, *, now: datetime):
    """The grants behind a figure of the report, newest first: the drill-down of a bar
    or a row. Spend and grant counts count the grants that took effect."""
    from servewell.goodwill.queries import grants_for

    since = month_starts(now, f.months)
    grants = grants_for(user).filter(created_at__gte=since)
    if f.team_id:
        grants = grants.filter(team_id=f.team_id)
    if f.person_id:
        grants = grants.filter(requested_by_id=f.person_id)
    if f.action_id:
        grants = grants.filter(action_id=f.action_id)
    if f.month:
        grants = grants.filter(month=f.month)
    if f.currency:
        grants = grants.filter(currency=f.currency)
    if f.effective_only:
        grants = grants.filter(status__in=EFFECTIVE)
    return grants.order_by("-created_at", "-id")
