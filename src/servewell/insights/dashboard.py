"""The leader dashboard: every figure the apps offer, grouped, each with its previous
period, a significance mark, a chart whose points link to their lists, and freshness.

Summable figures are read from rollups (one query for all of them, current and
previous period together); the rest are computed live through ``Figure.compute``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from servewell.core import charts, contract
from servewell.core.access import can
from servewell.core.contract import Figure
from servewell.insights import rollups
from servewell.insights.filters import Filters, previous_period
from servewell.people.models import User

GROUPS = {
    "responsiveness": "Responsiveness",
    "queue": "Queue",
    "quality": "Quality",
    "experience": "Experience",
    "goodwill": "Goodwill",
    "academy": "Academy",
}
#: Key prefixes of the apps' figures and the tile group each belongs to.
PREFIX_GROUP = {"commitments": "responsiveness", "livequeue": "queue", "autoqa": "quality"}
Z_CRITICAL = 1.96  # two-sided 5 %

SIGNIFICANCE_RULES = {
    "%": "Marked ▲/▼ when a two-proportion z-test says the shares differ (|z| ≥ 1.96, 5 %).",
    "count": "Marked ▲/▼ when the change exceeds twice the square root of the two counts "
    "added (a Poisson rule of thumb).",
}
NOT_TESTED = "Averages and percentiles are compared, not tested for significance."


def group_of(figure: Figure) -> str:
    prefix = figure.key.split(".", 1)[0]
    return PREFIX_GROUP.get(prefix, prefix if prefix in GROUPS else "other")


def visible_figures(viewer: User) -> list[Figure]:
    return [f for f in contract.figures() if can(viewer, f.perm)]


def two_proportion_z(x1: float, n1: float, x0: float, n0: float) -> float | None:
    if not n1 or not n0:
        return None
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return None if se == 0 else (x1 / n1 - x0 / n0) / se


def significant(figure: Figure, now: tuple[float, float], before: tuple[float, float]) -> bool:
    if figure.unit == rollups.COUNT:
        return (
            abs(now[0] - before[0]) > 2 * math.sqrt(now[0] + before[0])
            if now[0] or before[0]
            else False
        )
    if figure.unit == "%":
        z = two_proportion_z(now[0], now[1], before[0], before[1])
        return z is not None and abs(z) >= Z_CRITICAL
    return False


@dataclass
class Tile:
    figure: Figure
    value: float | None
    previous: float | None
    significant: bool = False
    fresh_at: datetime | None = None
    chart: str = ""
    drill_url: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> str:
        change = self.change
        if not change:
            return "same"
        good = (change > 0) == self.figure.higher_is_better
        return "better" if good else "worse"

    @property
    def tooltip(self) -> str:
        rule = SIGNIFICANCE_RULES.get(self.figure.unit, NOT_TESTED)
        return f"{self.figure.definition} {rule}"

    @property
    def freshness(self) -> str:
        return (
            "computed live"
            if self.fresh_at is None
            else f"as of {self.fresh_at:%Y-%m-%d %H:%M} UTC"
        )


@dataclass
class Group:
    key: str
    title: str
    tiles: list[Tile] = field(default_factory=list)

    @property
    def empty_reason(self) -> str:
        if not self.tiles:
            return (
                f"No app offers {self.title.lower()} figures here: the capability is not "
                "installed (or not built yet)."
            )
        if all(t.value is None for t in self.tiles):
            return "No data for this period, team and person."
        return ""


def drill_url(figure: Figure, filters: Filters, **extra: str) -> str:
    if not figure.drill:
        return ""
    try:
        base = reverse(figure.drill)
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'figure': figure.key, **filters.as_params(), **extra})}"


def _buckets(start: date, end: date) -> list[tuple[date, date]]:
    step = 1 if (end - start).days <= 31 else 7
    out, day = [], start
    while day < end:
        out.append((day, min(day + timedelta(days=step), end)))
        day += timedelta(days=step)
    return out


def _custom(filters: Filters, a: date, b: date) -> dict[str, str]:
    return {"period": "custom", "start": a.isoformat(), "end": (b - timedelta(days=1)).isoformat()}


def _chart(figure: Figure, filters: Filters, daily: dict[date, tuple[float, float]]) -> str:
    points = []
    for a, b in _buckets(filters.start_day, filters.end_day):
        sums = [v for d, v in daily.items() if a <= d < b]
        value = rollups.value_of(figure, sums) if sums or figure.unit == rollups.COUNT else None
        label = a.strftime("%d %b") if (b - a).days == 1 else f"w {a:%d %b}"
        url = drill_url(figure, filters, **_custom(filters, a, b))
        points.append(charts.Point(label, value, url))
    unit = "%" if figure.unit == "%" else ""
    draw = charts.bar_chart if figure.unit == rollups.COUNT else charts.line_chart
    return draw(figure.label, points, unit=unit)


def _live_chart(tile: Tile, filters: Filters) -> str:
    prev = previous_period(filters.period, filters.start_day, filters.end_day)
    points = [
        charts.Point(
            "before",
            tile.previous,
            drill_url(tile.figure, filters, **_custom(filters, *prev)),
        ),
        charts.Point("now", tile.value, tile.drill_url),
    ]
    return charts.bar_chart(tile.figure.label, points, unit="%" if tile.figure.unit == "%" else "")


def _rolled(figures: list[Figure], filters: Filters) -> list[Tile]:
    prev_start, prev_end = previous_period(filters.period, filters.start_day, filters.end_day)
    query = filters.query()
    sums = rollups.daily_sums([f.key for f in figures], query, prev_start, filters.end_day)
    fresh = rollups.freshness()
    tiles = []
    for figure in figures:
        daily = sums.get(figure.key, {})
        now_days = [v for d, v in daily.items() if d >= filters.start_day]
        before_days = [v for d, v in daily.items() if d < prev_end]
        tile = Tile(
            figure,
            rollups.value_of(figure, now_days),
            rollups.value_of(figure, before_days),
            significant(figure, _total(now_days), _total(before_days)),
            fresh.get(figure.key),
            drill_url=drill_url(figure, filters),
        )
        tile.chart = _chart(
            figure, filters, {d: v for d, v in daily.items() if d >= filters.start_day}
        )
        tiles.append(tile)
    return tiles


def _total(sums: list[tuple[float, float]]) -> tuple[float, float]:
    return sum(n for n, _ in sums), sum(d for _, d in sums)


def _live(figure: Figure, filters: Filters) -> Tile:
    scale = figure.scale
    value = figure.compute(filters.query())
    previous = figure.compute(filters.query(previous=True))
    tile = Tile(
        figure,
        None if value is None else value * scale,
        None if previous is None else previous * scale,
        drill_url=drill_url(figure, filters),
    )
    tile.chart = _live_chart(tile, filters)
    return tile


def build(viewer: User, filters: Filters) -> list[Group]:
    groups = {key: Group(key, title) for key, title in GROUPS.items()}
    figures = visible_figures(viewer)
    rolled = {t.figure.key: t for t in _rolled([f for f in figures if f.rollup], filters)}
    for figure in figures:
        tile = rolled.get(figure.key) or _live(figure, filters)
        key = group_of(figure)
        groups.setdefault(key, Group(key, key.title())).tiles.append(tile)
    return list(groups.values())
