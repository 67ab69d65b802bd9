"""Calendars and policies the commitments tests start from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from servewell.commitments import calendars
from servewell.commitments.models import SlaPolicy
from servewell.people import teams

#: Open all day, every day: business time is wall-clock time.
ALWAYS = [(d, dt.time(0, 0), dt.time(23, 59)) for d in range(7)]
#: Monday to Friday, 9:00 to 17:00.
OFFICE_HOURS = [(d, dt.time(9), dt.time(17)) for d in range(5)]


def set_hours(team: Any, hours: list = ALWAYS, time_zone: str = "Europe/London") -> Any:
    teams.set_calendar(None, team, time_zone=time_zone, hours=hours)
    calendars.forget()  # the calendar cache would keep the team's old hours
    return team


def normal_policy(team: Any, **targets: int) -> SlaPolicy:
    """First response in 60 business minutes and resolution in 600, unless ``targets``."""
    targets = {"first_response_minutes": 60, "resolution_minutes": 600, **targets}
    return SlaPolicy.objects.create(team=team, priority="normal", **targets)
