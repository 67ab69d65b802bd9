"""Opening hours as a lead types them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from servewell.commitments import calendars
from servewell.commitments.clock import business_seconds
from servewell.people import teams


def test_a_24_hour_day_can_be_entered_and_is_open_all_day(care, lena):
    hours = teams.parse_hours_text("Mon 00:00-24:00\nTue 09:00-17:00")
    teams.set_calendar(lena, care, hours=hours)
    care.calendar.refresh_from_db()
    assert teams.format_hours_text(care.calendar).splitlines()[:2] == [
        "Mon 00:00-24:00",
        "Tue 09:00-17:00",
    ]
    cal = calendars.for_team(care.pk)
    start = dt.datetime(2026, 11, 23, tzinfo=ZoneInfo(care.calendar.time_zone))  # a Monday
    assert business_seconds(cal, start, start + dt.timedelta(days=1)) == 24 * 3600
