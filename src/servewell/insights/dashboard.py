"""The leader dashboard: every figure the apps offer, grouped, each with its previous
period, a significance mark, a chart whose points link to their lists, and freshness.

Summable figures are read from rollups (one query for all of them, current and
previous period together); the rest are computed live through ``Figure.compute``.
``cached_build`` keeps the whole figure set of a scope for a short while (see
``snapshots``), so a page view usually reads one cache entry instead of ~20 figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from servewell.core import charts, contract
from servewell.core.access import can
from servewell.core.contract import Figure
from servewell.insights import rollups, snapshots
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


def shown(unit: str, value: float | None, *, signed: bool = False) -> str:
    """A figure as a leader reads it: business times as minutes or hours (not 2580.0 s),
    shares with one decimal, counts whole."""
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    size = abs(value)
    if unit == "s":
        if size < 90:
            text = f"{size:.0f} s"
        elif size < 90 * 60:
            text = f"{size / 60:.0f} min"
        else:
            text = f"{size / 3600:.1f} h"
    elif unit == rollups.COUNT:
        text = f"{size:,.0f}" if size == int(size) else f"{size:,.1f}"
    elif unit:
        text = f"{size:.1f} {unit}"
    else:
        text = f"{size:.1f}"
    return sign + text


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
    def shown(self) -> str:
        return shown(self.figure.unit, self.value)

    @property
    def previous_shown(self) -> str:
        return shown(self.figure.unit, self.previous)

    @property
    def change_shown(self) -> str:
        return shown(self.figure.unit, self.change, signed=True)

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
        """When the number was computed: a rolled-up figure's last rollup refresh, a live
        one's computation (which the dashboard's cache may have kept a while)."""
        if self.fresh_at is not None:
            return f"as of {self.fresh_at:%Y-%m-%d %H:%M} UTC"
        if self.figure.rollup is not None:
            return "not rolled up yet (servewell insights rebuild)"
        return "computed live"


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
    draw = charts.bar_chart if figure.unit == rollups.COUNT else charts.line_chart
    shown_points, unit = _in_chart_units(figure, points)
    return draw(figure.label, shown_points, unit=unit)


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
    shown_points, unit = _in_chart_units(tile.figure, points)
    return charts.bar_chart(tile.figure.label, shown_points, unit=unit)


def _in_chart_units(figure: Figure, points: list[charts.Point]) -> tuple[list, str]:
    """Times are charted in minutes: an axis running to 7200 means nothing at a glance."""
    if figure.unit != "s":
        return points, "%" if figure.unit == "%" else ""
    minutes = [
        replace(p, value=None if p.value is None else round(p.value / 60, 1)) for p in points
    ]
    return minutes, " min"


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


def _live(figure: Figure, filters: Filters, now: datetime | None) -> Tile:
    scale = figure.scale
    value = figure.compute(filters.query())
    previous = figure.compute(filters.query(previous=True))
    tile = Tile(
        figure,
        None if value is None else value * scale,
        None if previous is None else previous * scale,
        fresh_at=now,
        drill_url=drill_url(figure, filters),
    )
    tile.chart = _live_chart(tile, filters)
    return tile


def build(viewer: User, filters: Filters, *, now: datetime | None = None) -> list[Group]:
    """Every figure computed now. A rolled-up tile is as fresh as its rollup; a live one
    is marked with ``now`` when given (None: "computed live")."""
    return _grouped(_tiles(visible_figures(viewer), filters, now))


def _tiles(figures: list[Figure], filters: Filters, now: datetime | None) -> list[Tile]:
    rolled = {t.figure.key: t for t in _rolled([f for f in figures if f.rollup], filters)}
    return [rolled.get(f.key) or _live(f, filters, now) for f in figures]


def _grouped(tiles: list[Tile]) -> list[Group]:
    groups = {key: Group(key, title) for key, title in GROUPS.items()}
    for tile in tiles:
        key = group_of(tile.figure)
        groups.setdefault(key, Group(key, key.title())).tiles.append(tile)
    return list(groups.values())


#: A tile as kept in the cache: plain values only (a Figure holds callables).
_Stored = tuple[str, float | None, float | None, bool, datetime | None, str, str]


def _store(tile: Tile) -> _Stored:
    return (
        tile.figure.key,
        tile.value,
        tile.previous,
        tile.significant,
        tile.fresh_at,
        str(tile.chart),
        tile.drill_url,
    )


def _restore(figure: Figure, stored: _Stored) -> Tile:
    _, value, previous, sig, fresh_at, chart, url = stored
    # The chart was built by core.charts, which escapes every text it draws.
    return Tile(figure, value, previous, sig, fresh_at, mark_safe(chart), url)  # noqa: S308


def cached_build(
    viewer: User, filters: Filters, *, now: datetime, fresh: bool = False
) -> snapshots.Snapshot[list[Group]]:
    """``build`` through the cache: the figure set of this exact scope (period, teams the
    figures cover, team and person filters, and the figures this viewer may see),
    computed at most ``snapshots.TTL_SECONDS`` ago. ``fresh`` recomputes it."""
    figures = visible_figures(viewer)
    parts = (*snapshots.scope_of(filters), tuple(f.key for f in figures))
    snap = snapshots.cached(
        "dashboard",
        parts,
        lambda: [_store(t) for t in _tiles(figures, filters, now)],
        now=now,
        fresh=fresh,
    )
    by_key = {f.key: f for f in figures}
    tiles = [_restore(by_key[s[0]], s) for s in snap.value if s[0] in by_key]
    return snapshots.Snapshot(_grouped(tiles), snap.computed_at)


def warm_default_views(*, now: datetime, limit: int = 50, budget_s: float = 20.0) -> int:
    """Compute, ahead of the click, what each lead and manager sees on opening the
    dashboard (its default period for their own teams), so the first view reads a
    snapshot instead of waiting for every live figure. Viewers whose scope is the same
    (two leads of the same teams, every manager) share one computation; a snapshot
    younger than half the TTL is left alone. Each run stops after ``budget_s`` seconds of
    work (at a million conversations one scope takes seconds): the scopes left over are
    the next minute's. Returns how many scopes were computed."""
    import time

    from servewell.insights import themes
    from servewell.insights.filters import parse
    from servewell.people.models import Membership, Role

    leads = Membership.objects.filter(is_lead=True, user__is_active=True).values("user_id")
    managers = User.objects.filter(role_grants__role=Role.MANAGER).values("pk")
    viewers = User.objects.filter(is_active=True).filter(
        models.Q(pk__in=leads) | models.Q(pk__in=managers)
    )
    started = time.monotonic()
    seen: set[tuple] = set()
    computed = 0
    for viewer in viewers.order_by("pk"):
        figures = visible_figures(viewer)
        if not figures:
            continue
        chosen = parse({}, viewer, now=now)
        parts = (*snapshots.scope_of(chosen), tuple(f.key for f in figures))
        if parts in seen:
            continue
        seen.add(parts)
        age = snapshots.age_seconds("dashboard", parts, now=now)
        if age is not None and age < snapshots.TTL_SECONDS / 2:
            continue
        cached_build(viewer, chosen, now=now, fresh=True)
        themes.cached_top_themes(chosen, now=now, fresh=True)
        computed += 1
        if computed >= limit or time.monotonic() - started > budget_s:
            break
    return computed
