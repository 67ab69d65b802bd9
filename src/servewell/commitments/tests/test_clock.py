"""Business-time arithmetic: table tests across DST, overnight shifts and holidays, and
property-based tests of its invariants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servewell.commitments.clock import (
    BusinessCalendar,
    NoBusinessHours,
    add_business_time,
    business_seconds,
    is_open,
    next_open,
)

T = dt.time
H = 3600
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def office(tz="Europe/Berlin", **kwargs):
    return BusinessCalendar.from_rows(tz, [(d, T(9), T(17)) for d in range(5)], **kwargs)


def at(tz, *args):
    return dt.datetime(*args, tzinfo=tz)


# --- tables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Inside hours, same day.
        (at(BERLIN, 2026, 11, 23, 10), 2, at(BERLIN, 2026, 11, 23, 12)),
        # Runs over the evening into the next morning.
        (at(BERLIN, 2026, 11, 23, 16), 2, at(BERLIN, 2026, 11, 24, 10)),
        # Friday afternoon → Monday.
        (at(BERLIN, 2026, 11, 27, 16), 4, at(BERLIN, 2026, 11, 30, 12)),
        # Arrives on Saturday: the clock starts Monday 09:00.
        (at(BERLIN, 2026, 11, 28, 11), 1, at(BERLIN, 2026, 11, 30, 10)),
        # Arrives before opening.
        (at(BERLIN, 2026, 11, 24, 6), 8, at(BERLIN, 2026, 11, 24, 17)),
        # Exactly at closing: the next day.
        (at(BERLIN, 2026, 11, 24, 17), 1, at(BERLIN, 2026, 11, 25, 10)),
    ],
)
def test_due_times_in_office_hours(start, hours, due):
    assert add_business_time(office(), start, hours * H) == due


def test_spring_forward_in_berlin_does_not_shift_opening_hours():
    # 2026-03-29: clocks jump 02:00 → 03:00. A weekend, so use a 7-day calendar.
    cal = BusinessCalendar.from_rows("Europe/Berlin", [(d, T(9), T(17)) for d in range(7)])
    start = at(BERLIN, 2026, 3, 28, 16)
    due = add_business_time(cal, start, 2 * H)
    assert due == at(BERLIN, 2026, 3, 29, 10)
    assert due.astimezone(dt.UTC).hour == 8  # CEST, UTC+2
    assert business_seconds(cal, start, due) == 2 * H


def test_fall_back_in_new_york_counts_the_repeated_hour():
    # 2026-11-01: 02:00 EDT → 01:00 EST. A night shift 00:00–04:00 lasts five real hours.
    cal = BusinessCalendar.from_rows("America/New_York", [(d, T(0), T(4)) for d in range(7)])
    day = dt.date(2026, 11, 1)
    start = at(NEW_YORK, 2026, 11, 1, 0)
    end = dt.datetime.combine(day, T(4), tzinfo=NEW_YORK)
    assert business_seconds(cal, start, end) == 5 * H
    assert (
        business_seconds(cal, at(NEW_YORK, 2026, 11, 2, 0), at(NEW_YORK, 2026, 11, 2, 4)) == 4 * H
    )


def test_spring_forward_in_new_york_loses_the_missing_hour():
    # 2026-03-08: 02:00 EST → 03:00 EDT. A night shift 00:00–04:00 lasts three real hours.
    cal = BusinessCalendar.from_rows("America/New_York", [(d, T(0), T(4)) for d in range(7)])
    assert business_seconds(cal, at(NEW_YORK, 2026, 3, 8, 0), at(NEW_YORK, 2026, 3, 8, 5)) == 3 * H


def test_overnight_shift_runs_past_midnight():
    cal = BusinessCalendar.from_rows("Europe/Berlin", [(d, T(22), T(6)) for d in range(5)])
    # Monday 23:00 + 5 h: 1 h until midnight... 06:00 Tuesday is 7 h later; 5 h → 04:00.
    assert add_business_time(cal, at(BERLIN, 2026, 11, 23, 23), 5 * H) == at(
        BERLIN, 2026, 11, 24, 4
    )
    # Friday night's shift runs into Saturday morning, then nothing until Monday 22:00.
    assert add_business_time(cal, at(BERLIN, 2026, 11, 28, 5), 2 * H) == at(
        BERLIN, 2026, 11, 30, 23
    )
    assert is_open(cal, at(BERLIN, 2026, 11, 28, 3))


def test_several_intervals_a_day_and_lunch_break():
    cal = BusinessCalendar.from_rows("UTC", [(0, T(8), T(12)), (0, T(13), T(17))])
    start = at(dt.UTC, 2026, 11, 23, 11)
    assert add_business_time(cal, start, 2 * H) == at(dt.UTC, 2026, 11, 23, 14)
    assert not is_open(cal, at(dt.UTC, 2026, 11, 23, 12, 30))
    assert next_open(cal, at(dt.UTC, 2026, 11, 23, 12, 30)) == at(dt.UTC, 2026, 11, 23, 13)


def test_overlapping_intervals_are_not_counted_twice():
    cal = BusinessCalendar.from_rows(
        "UTC", [(0, T(8), T(12)), (0, T(10), T(14)), (6, T(20), T(10))]
    )
    assert (
        business_seconds(cal, at(dt.UTC, 2026, 11, 22, 0), at(dt.UTC, 2026, 11, 24, 0))
        == (4 + 10 + 4) * H
    )


def test_public_holidays_and_custom_closed_days_are_skipped():
    bavaria = holidays.country_holidays("DE", subdiv="BY")
    cal = office(closed_dates={dt.date(2026, 12, 28)}, is_holiday=bavaria.__contains__)
    # Thu 24 Dec 16:00 + 2 h: 24th 1 h, 25/26 holidays + weekend, 28th closed → Tue 29th 10:00.
    assert add_business_time(cal, at(BERLIN, 2026, 12, 24, 16), 2 * H) == at(
        BERLIN, 2026, 12, 29, 10
    )
    # Epiphany (6 Jan) is a holiday in Bavaria only.
    assert not is_open(cal, at(BERLIN, 2027, 1, 6, 10))
    assert is_open(office(), at(BERLIN, 2027, 1, 6, 10))


def test_a_calendar_without_hours_is_refused():
    with pytest.raises(NoBusinessHours):
        BusinessCalendar.from_rows("UTC", [])


def test_a_calendar_that_never_opens_again_is_refused_not_looped():
    cal = office(is_holiday=lambda day: day >= dt.date(2026, 1, 1))
    with pytest.raises(NoBusinessHours):
        add_business_time(cal, at(BERLIN, 2026, 6, 1, 10), H)


def test_pauses_are_left_out_of_elapsed_time():
    cal = office()
    start, end = at(BERLIN, 2026, 11, 23, 9), at(BERLIN, 2026, 11, 23, 17)
    pause = (at(BERLIN, 2026, 11, 23, 10), at(BERLIN, 2026, 11, 23, 12))
    assert business_seconds(cal, start, end, [pause]) == 6 * H
    assert business_seconds(cal, start, end, [pause, pause]) == 6 * H


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_time(office(), dt.datetime(2026, 11, 23, 10), 60)


# --- properties ----------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def calendars(draw):
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, 6), times, times).filter(lambda r: r[1] != r[2]),
            min_size=1,
            max_size=8,
        )
    )
    closed = draw(st.sets(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), max_size=20))
    return BusinessCalendar.from_rows(draw(st.sampled_from(ZONES)), rows, closed)


moments = st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 6, 30), timezones=st.just(dt.UTC))
durations = st.integers(0, 80 * H)


@settings(max_examples=300, deadline=None)
@given(calendars(), moments, durations)
def test_adding_then_measuring_round_trips(cal, start, seconds):
    due = add_business_time(cal, start, seconds)
    assert due >= start
    assert abs(business_seconds(cal, start, due) - seconds) < 1e-6


@settings(max_examples=300, deadline=None)
@given(calendars(), moments, st.integers(1, 80 * H))
def test_due_times_never_fall_in_closed_hours(cal, start, seconds):
    due = add_business_time(cal, start, seconds)
    # The last second before the due time was open.
    assert is_open(cal, due - dt.timedelta(seconds=1))


@settings(max_examples=200, deadline=None)
@given(calendars(), moments, durations, durations)
def test_more_time_is_never_due_earlier(cal, start, a, b):
    lo, hi = sorted((a, b))
    assert add_business_time(cal, start, lo) <= add_business_time(cal, start, hi)


@settings(max_examples=200, deadline=None)
@given(
    calendars(), moments, st.integers(0, 200 * H), st.integers(0, 200 * H), st.integers(0, 100 * H)
)
def test_pausing_never_shortens(cal, start, a, b, seconds):
    end = start + dt.timedelta(seconds=max(a, b) + 1)
    p1 = start + dt.timedelta(seconds=min(a, b))
    p2 = p1 + dt.timedelta(seconds=seconds)
    with_pause = business_seconds(cal, start, end, [(p1, p2)])
    assert with_pause <= business_seconds(cal, start, end)
    # …and so the due time measured from the same start never comes earlier.
    assert with_pause >= 0


@settings(max_examples=300, deadline=None)
@given(
    calendars(),
    moments,
    st.lists(st.tuples(st.integers(0, 3 * 86_400), durations), min_size=2, max_size=12),
)
def test_a_batch_of_due_times_matches_each_worked_out_alone(cal, start, asks):
    """The same calendar asked again and again (mail filed in a batch, starts moments or
    days apart, in any order) gives what a fresh calendar gives for each question."""
    for offset, seconds in asks:
        moment = start + dt.timedelta(seconds=offset)
        fresh = BusinessCalendar(cal.time_zone, cal.weekly, cal.closed_dates, cal.is_holiday)
        assert add_business_time(cal, moment, seconds) == add_business_time(fresh, moment, seconds)
