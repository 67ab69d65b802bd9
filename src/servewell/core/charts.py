"""Charts as plain server-rendered SVG: no script, no inline style, so the strict CSP holds.

Every bar or point may carry a link: a chart is also a way into the list behind each
figure (drill-down). Shapes are styled by classes in ``servewell/app.css``; text is
escaped. Dashboards call ``bar_chart`` or ``line_chart`` in a view (or the ``chart``
template tag) with data they already computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 480, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 28, 10


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: no data for this label (drawn as a gap)
    url: str = ""  # the list behind this value
    note: str = ""  # extra words for the tooltip


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, body: list[str], top: float, unit: str) -> SafeString:
    label = escape(title)
    grid = []
    for i in range(3):
        y = PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * i / 2
        value = top * (1 - i / 2)
        grid.append(
            f'<line class="chart-grid" x1="{PAD_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(value))}{escape(unit)}</text>"
        )
    return mark_safe(  # noqa: S308 - every text above and in body is escaped
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">'
        f"<title>{label}</title>{''.join(grid)}{''.join(body)}</svg>"
    )


def _top(points: Sequence[Point], top: float | None) -> float:
    values = [p.value for p in points if p.value is not None]
    return top if top is not None else (max(values, default=0) or 1)


def _x_label(x: float, label: str) -> str:
    return (
        f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(label)}</text>"
    )


def _linked(shape: str, point: Point, unit: str) -> str:
    value = "no data" if point.value is None else f"{_fmt(point.value)}{unit}"
    tip = escape(f"{point.label}: {value}{' · ' + point.note if point.note else ''}")
    inner = f"{shape}<title>{tip}</title>"
    if point.url:
        return f'<a href="{escape(point.url)}">{inner}</a>'
    return f"<g>{inner}</g>"


def bar_chart(
    title: str, points: Sequence[Point], *, unit: str = "", top: float | None = None
) -> SafeString:
    """One bar per point, each a link to its list where it has a url."""
    top_value = _top(points, top)
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = (WIDTH - PAD_LEFT) / max(len(points), 1)
    body = []
    for i, point in enumerate(points):
        x = PAD_LEFT + i * step
        h = 0 if point.value is None else max(point.value, 0) / top_value * plot_h
        bar = (
            f'<rect class="chart-bar" x="{x + step * 0.15:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}"/>'
        )
        body.append(_linked(bar, point, unit))
        body.append(_x_label(x + step / 2, point.label))
    return _frame(title, body, top_value, unit)


def line_chart(
    title: str, points: Sequence[Point], *, unit: str = "", top: float | None = None
) -> SafeString:
    """A trend: a line through the points (gaps where there is no data), each a link."""
    top_value = _top(points, top)
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = (WIDTH - PAD_LEFT) / max(len(points), 1)
    body, segment = [], []
    coords = []
    for i, point in enumerate(points):
        x = PAD_LEFT + i * step + step / 2
        if point.value is None:
            coords.append(None)
        else:
            coords.append((x, PAD_TOP + plot_h - max(point.value, 0) / top_value * plot_h))
        body.append(_x_label(x, point.label))
    for c in [*coords, None]:
        if c is None:
            if len(segment) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                body.insert(0, f'<polyline class="chart-line" points="{path}"/>')
            segment = []
        else:
            segment.append(c)
    for point, c in zip(points, coords, strict=True):
        if c is not None:
            dot = f'<circle class="chart-dot" cx="{c[0]:.1f}" cy="{c[1]:.1f}" r="4"/>'
            body.append(_linked(dot, point, unit))
    return _frame(title, body, top_value, unit)
