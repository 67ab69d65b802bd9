"""The inbox's Due cell as an agent reads it, written in Python: the same HTML the cell's
template wrote, for every state a clock shows, in the viewer's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from servewell.commitments.cells import due_cell
from servewell.commitments.sla import ClockView

#: The cell's template before it was written in Python.
TEMPLATE = Template(
    '{% if value %}<span class="sla-badge sla-{{ value.state }}" title="{{ value.label }}">'
    '{% if value.state == "breached" %}overdue{% elif value.state == "paused" %}paused'
    '{% else %}<time datetime="{{ value.due_at.isoformat }}">{{ value.due_at|date:"D H:i" }}'
    '</time>{% endif %}</span>{% else %}<span class="muted">–</span>{% endif %}'
)
DUE = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the night the clocks go forward


@pytest.mark.parametrize(
    "state", ["on_track", "warning", "breached", "paused", "met", "met_late", "cancelled"]
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/Sao_Paulo", "Asia/Kolkata"])
def test_the_due_cell_reads_as_the_template_wrote_it(state, zone):
    due = None if state == "cancelled" else DUE
    value = ClockView("first_response", 'First <reply> & "answer"', state, due, 60.0, 3600)
    with timezone.override(zone):
        expected = TEMPLATE.render(Context({"value": value}))
        assert str(due_cell(value, None)) == expected


def test_a_running_clock_shows_its_time_in_the_viewers_zone_and_a_row_without_one_a_dash():
    value = ClockView("resolution", "Resolution", "on_track", DUE, 600.0, 3600)
    with timezone.override("Asia/Kolkata"):
        cell = str(due_cell(value, None))
    assert '<time datetime="2026-03-29T00:30:00+00:00">Sun 06:00</time>' in cell
    assert str(due_cell(None, None)) == '<span class="muted">–</span>'
