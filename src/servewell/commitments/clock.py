"""Business-time arithmetic: pure functions, no database, no "now".

A ``BusinessCalendar`` is weekly opening intervals in a time zone, minus closed dates
(public holidays and the team's own closed days). All inputs and outputs are aware
datetimes; arithmetic happens on UTC instants so that every second is counted once.

Rules, and the traps they settle:

* An interval belongs to the local date it *starts* on. ``closes <= opens`` means it runs
  past midnight into the next day (an overnight shift); whether that next day is a
  holiday does not matter, whether the start day is closed does.
* Wall-clock times are turned into instants in the calendar's zone. On the spring-forward
  day a wall time inside the gap (02:30 in Europe/Berlin on the last Sunday of March)
  does not exist; it is read with the offset before the change, i.e. pushed forward by
  the gap, so an interval 01:00–05:00 that day is three real hours. On the fall-back day
  an ambiguous wall time means its first occurrence (``fold=0``), so an interval
  01:00–05:00 is five real hours. Business time is real elapsed time while open.
* Overlapping intervals are merged, so no second is counted twice.
* A calendar with no opening hours at all, or one that stays closed for longer than
  ``MAX_DAYS_WALKED``, raises ``NoBusinessHours`` instead of looping forever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
MAX_DAYS_WALKED = 3 * 366

Interval = tuple[dt.datetime, dt.datetime]


class NoBusinessHours(ValueError):
    """The calendar never opens (within MAX_DAYS_WALKED days)."""


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str
    #: weekday (0 = Monday) → [(opens, closes), …] in local wall-clock time
    weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    closed_dates: frozenset[dt.date] = frozenset()
    #: extra test for closed dates, e.g. ``date in holidays.country_holidays("DE")``
    is_holiday: Callable[[dt.date], bool] | None = None
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict = field(init=False, repr=False, compare=False)
    _first_open: list = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", ZoneInfo(self.time_zone))
        # Memo of day_intervals: the same few dates are walked by every computation.
        object.__setattr__(self, "_days", {})
        # The first open stretch found by the last ``add_business_time``:
        # [(from, opens, closes)] (see there).
        object.__setattr__(self, "_first_open", [])
        if not any(self.weekly.get(d) for d in range(7)):
            raise NoBusinessHours("The calendar has no opening hours.")

    @classmethod
    def from_rows(
        cls,
        time_zone: str,
        hours: Iterable[tuple[int, dt.time, dt.time]],
        closed_dates: Iterable[dt.date] = (),
        is_holiday: Callable[[dt.date], bool] | None = None,
    ) -> BusinessCalendar:
        weekly: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for weekday, opens, closes in hours:
            weekly.setdefault(weekday, []).append((opens, closes))
        return cls(
            time_zone,
            {d: tuple(sorted(v)) for d, v in weekly.items()},
            frozenset(closed_dates),
            is_holiday,
        )

    def is_closed_date(self, day: dt.date) -> bool:
        return day in self.closed_dates or bool(self.is_holiday and self.is_holiday(day))

    def _instant(self, day: dt.date, wall: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)

    def day_intervals(self, day: dt.date) -> list[Interval]:
        """Open intervals starting on local date ``day``, as UTC instants."""
        cached = self._days.get(day)
        if cached is None:
            if len(self._days) > 20_000:
                self._days.clear()
            cached = self._days[day] = self._compute_day(day)
        return cached

    def _compute_day(self, day: dt.date) -> list[Interval]:
        if self.is_closed_date(day):
            return []
        out = []
        for opens, closes in self.weekly.get(day.weekday(), ()):
            end_day = day + dt.timedelta(days=1) if closes <= opens else day
            start, end = self._instant(day, opens), self._instant(end_day, closes)
            if end > start:
                out.append((start, end))
        return out


def _merged(intervals: Iterable[Interval]) -> Iterator[Interval]:
    current: Interval | None = None
    for start, end in sorted(intervals):
        if current is None:
            current = (start, end)
        elif start <= current[1]:
            current = (current[0], max(current[1], end))
        else:
            yield current
            current = (start, end)
    if current is not None:
        yield current


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("Business-time arithmetic needs aware datetimes.")
    return moment.astimezone(UTC)


def open_intervals(cal: BusinessCalendar, start: dt.datetime) -> Iterator[Interval]:
    """Open intervals from ``start`` onwards, merged, clipped to begin no earlier than it.

    Walks local dates from the day before ``start`` (an overnight shift may still be
    running), a day's intervals at a time, keeping two days in hand so overlaps across
    midnight merge correctly.
    """
    start = _utc(start)
    day = start.astimezone(cal.tz).date() - dt.timedelta(days=1)
    pending: list[Interval] = []
    empty_days = 0
    while True:
        todays = cal.day_intervals(day)
        empty_days = 0 if todays else empty_days + 1
        if empty_days > MAX_DAYS_WALKED:
            raise NoBusinessHours(f"No opening hours within {MAX_DAYS_WALKED} days of {start}.")
        pending.extend(todays)
        # Intervals of later days start at their local midnight or after: anything that
        # ends by then can no longer merge with them and is settled.
        horizon = cal._instant(day + dt.timedelta(days=1), dt.time(0))
        merged = list(_merged(pending))
        pending = []
        for s, e in merged:
            if e <= horizon:
                if e > start:
                    yield (max(s, start), e)
            else:
                pending.append((s, e))
        day += dt.timedelta(days=1)


def is_open(cal: BusinessCalendar, moment: dt.datetime) -> bool:
    moment = _utc(moment)
    for s, e in open_intervals(cal, moment):
        return s <= moment < e
    return False  # pragma: no cover - open_intervals never ends


def add_business_time(cal: BusinessCalendar, start: dt.datetime, seconds: float) -> dt.datetime:
    """The instant at which ``seconds`` of open time have passed since ``start``.

    With ``seconds == 0`` the answer is ``start`` itself, even when closed: nothing is due
    later than it already is.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    start = _utc(start)
    if seconds == 0:
        return start
    left = dt.timedelta(seconds=seconds)
    # A batch of new conversations asks from starts moments apart. When the last walk
    # found its first open stretch (opens, closes) from an earlier instant ``since``,
    # nothing is open between ``since`` and ``opens``, and ``closes`` is final (merged):
    # from any start before ``closes`` the first stretch is (max(opens, start), closes).
    for since, opens, closes in cal._first_open[-1:]:
        if since <= start < closes:
            first = max(opens, start)
            if closes - first >= left:
                return first + left
    for n, (s, e) in enumerate(open_intervals(cal, start)):
        if n == 0:
            cal._first_open[:] = [(start, s, e)]
        if e - s >= left:
            return s + left
        left -= e - s
    raise AssertionError("unreachable")  # pragma: no cover


def business_seconds(
    cal: BusinessCalendar, start: dt.datetime, end: dt.datetime, pauses: Iterable[Interval] = ()
) -> float:
    """Open seconds between ``start`` and ``end``, leaving out paused stretches."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    total = dt.timedelta()
    for s, e in open_intervals(cal, start):
        if s >= end:
            break
        total += min(e, end) - s
    paused = dt.timedelta()
    for p_start, p_end in _merged((_utc(a), _utc(b)) for a, b in pauses):
        lo, hi = max(p_start, start), min(p_end, end)
        if hi > lo:
            for s, e in open_intervals(cal, lo):
                if s >= hi:
                    break
                paused += min(e, hi) - s
    return max((total - paused).total_seconds(), 0.0)


def next_open(cal: BusinessCalendar, moment: dt.datetime) -> dt.datetime:
    """``moment`` if open, else when the calendar next opens."""
    for s, _e in open_intervals(cal, moment):
        return s
    raise AssertionError("unreachable")  # pragma: no cover
