"""Experience's figures on the dashboard: by the day of the answer, so a week is that
week's answers, rolled up to the same value, and a month is the monthly report's."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

from servewell.core.contract import FigureQuery
from servewell.experience import reports, surveys
from servewell.experience.figures import FIGURES
from servewell.experience.tests.helpers import send_and_token, solved_conversation
from servewell.insights import rollups


def test_a_week_of_csat_is_that_weeks_answers_and_the_month_is_the_reports(
    care, alice, django_capture_on_commit_callbacks
):
    """Two weeks of one month: the dashboard's week is its own answers (not the month's),
    its rollup says the same, and the whole month is the monthly report's figure."""
    by_key = {f.key: f for f in FIGURES}
    weeks = {
        dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC): ["5", "5", "4"],  # all satisfied
        dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC): ["1", "5"],  # half
    }
    for day, scores in weeks.items():
        for n, score in enumerate(scores):
            when = day + timedelta(hours=n)
            solved_conversation(care, alice, now=when, capture=django_capture_on_commit_callbacks)
            _survey, token = send_and_token(when)
            with django_capture_on_commit_callbacks(execute=True):
                surveys.record_answer(token, score=score, comment="", now=when + timedelta(hours=2))
    first = FigureQuery(
        dt.datetime(2026, 3, 2, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    )
    second = FigureQuery(first.end, dt.datetime(2026, 3, 16, tzinfo=dt.UTC))
    csat = by_key["experience.csat"]
    assert csat.compute(first) == 1.0 and csat.compute(second) == 0.5
    rollups.rebuild(
        dt.date(2026, 3, 1), dt.date(2026, 3, 31), now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    for q, a, b in (
        (first, dt.date(2026, 3, 2), dt.date(2026, 3, 9)),
        (second, dt.date(2026, 3, 9), dt.date(2026, 3, 16)),
    ):
        for key in ("experience.csat", "experience.response_rate", "experience.nps"):
            figure = by_key[key]
            sums = rollups.daily_sums([key], q, a, b).get(key, {}).values()
            live = figure.compute(q)
            rolled = rollups.value_of(figure, sums)
            assert rolled == (None if live is None else pytest.approx(live * figure.scale)), key
    march = FigureQuery(
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    month = reports.total(
        reports.survey_report(None, by="month", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1))
    )
    assert month.csat == pytest.approx(100 * csat.compute(march), abs=0.05) == 80.0
    rate = by_key["experience.response_rate"]
    assert month.response_rate == pytest.approx(100 * rate.compute(march), abs=0.05) == 100.0


def test_an_old_answer_changed_today_changes_its_days_rollup(
    care, alice, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    now = timezone.now()
    then = now - timedelta(days=10)
    solved_conversation(care, alice, now=then, capture=django_capture_on_commit_callbacks)
    _survey, token = send_and_token(then)
    with django_capture_on_commit_callbacks(execute=True):
        surveys.record_answer(token, score="5", comment="", now=then + timedelta(hours=2))
    day = (then + timedelta(hours=2)).date()
    rollups.rebuild(day, now.date(), now=now)
    week = FigureQuery(
        dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(day + timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
    )
    csat = next(f for f in FIGURES if f.key == "experience.csat")

    def rolled() -> float | None:
        sums = rollups.daily_sums([csat.key], week, day, day + timedelta(days=1))
        return rollups.value_of(csat, sums.get(csat.key, {}).values())

    assert rolled() == 100.0
    with django_capture_on_commit_callbacks(execute=True):
        surveys.record_answer(token, score="1", comment="It broke again.", now=now)
    assert rolled() == 0.0  # no rebuild needed: the change reached its own day
