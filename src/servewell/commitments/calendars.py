"""Team calendars as ``BusinessCalendar`` objects, cached per process.

Building one reads the opening hours and closed days and sets up the public-holiday
lookup; sweeps and due-time computations reuse it. A team change event drops the cache.
"""

from __future__ import annotations

import logging
import time

import holidays as holiday_data

from servewell.commitments.clock import BusinessCalendar
from servewell.core import events
from servewell.people import teams
from servewell.people.models import Calendar

log = logging.getLogger(__name__)
TTL_SECONDS = 300
_cache: dict[int, tuple[float, BusinessCalendar]] = {}


def build(calendar: Calendar) -> BusinessCalendar:
    is_holiday = None
    if calendar.holiday_country:
        try:
            public = holiday_data.country_holidays(
                calendar.holiday_country, subdiv=calendar.holiday_subdivision or None
            )
            is_holiday = public.__contains__
        except NotImplementedError:
            log.warning(
                "unknown holiday country",
                extra={
                    "country": calendar.holiday_country,
                    "subdivision": calendar.holiday_subdivision,
                },
            )
    return BusinessCalendar.from_rows(
        calendar.time_zone,
        [(h.weekday, h.opens, h.closes) for h in calendar.hours.all()],
        calendar.closed_days.values_list("date", flat=True),
        is_holiday,
    )


def for_team(team_id: int) -> BusinessCalendar:
    cached = _cache.get(team_id)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    calendar = Calendar.objects.prefetch_related("hours").get(team__id=team_id)
    built = build(calendar)
    _cache[team_id] = (time.monotonic(), built)
    return built


def forget(team_id: int | None = None) -> None:
    if team_id is None:
        _cache.clear()
    else:
        _cache.pop(team_id, None)


@events.subscribe(teams.TEAM_UPDATED)
def _on_team_updated(event: events.Event) -> None:
    forget(event.payload.get("team"))
