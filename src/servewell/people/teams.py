"""Teams: creation, members and leads, and the business-hours calendar.

The calendar's arithmetic (due times in business time) belongs to commitments; here we
only keep its definition valid: known time zone, sane intervals, one row per closed day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from servewell.core import audit, events, refcache
from servewell.core.errors import DomainError
from servewell.people.access import visible_team_ids, visible_teams
from servewell.people.directory import validate_time_zone
from servewell.people.models import Calendar, ClosedDay, Membership, OpeningHours, Team, User

TEAM_CREATED = events.declare("team.created", "A team was created.")
TEAM_UPDATED = events.declare("team.updated", "A team's details or calendar changed.")
MEMBER_ADDED = events.declare("team.member_added", "Someone joined a team.")
MEMBER_REMOVED = events.declare("team.member_removed", "Someone left a team.")

TEAM_FIELDS = ["name", "slug", "email", "description", "is_active"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_HOURS = [(day, dt.time(9), dt.time(17)) for day in range(5)]


#: The active teams as (id, name) choices, by name, kept per process (``refcache``).
ACTIVE_TEAMS = refcache.kind("people.active_teams", Team)


def active_team_choices() -> list[tuple[int, str]]:
    """What a team select offers (moving a conversation to another team): on every
    conversation page and after every action on it."""
    return refcache.get(
        ACTIVE_TEAMS,
        None,
        lambda: list(
            Team.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
        ),
    )


def visible_team_choices(user: User) -> list[refcache.Choice]:
    """``access.visible_teams`` as a filter select lists them, by name (every inbox
    page), kept per process for each set of teams."""
    ids = visible_team_ids(user)
    key = None if ids is None else tuple(sorted(ids))
    return refcache.get(
        ALL_TEAMS,
        key,
        lambda: [
            refcache.Choice(*row)
            for row in visible_teams(user).order_by("name").values_list("pk", "name")
        ],
    )


#: Every team, active or not (what a filter of past conversations offers).
ALL_TEAMS = refcache.kind("people.teams", Team)


def _clean_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("invalid", "A team needs a name.", field="name")
    if len(name) > 120:
        raise DomainError("invalid", "Keep the name under 120 characters.", field="name")
    if Team.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise DomainError("duplicate", "A team with this name exists.", field="name")
    return name


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:100] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_team(
    actor: Any,
    *,
    name: str,
    email: str = "",
    description: str = "",
    time_zone: str = "UTC",
    holiday_country: str = "",
    hours: Iterable[tuple[int, dt.time, dt.time]] | None = None,
) -> Team:
    name = _clean_name(name)
    validate_time_zone(time_zone)
    intervals = _clean_hours(DEFAULT_HOURS if hours is None else hours)
    with transaction.atomic():
        calendar = Calendar.objects.create(
            # Cut to the column: a 120-character team name made a 126-character calendar
            # name, which PostgreSQL refuses (a 500).
            name=f"{name} hours"[: Calendar._meta.get_field("name").max_length],
            time_zone=time_zone,
            holiday_country=holiday_country.upper()[:2],
        )
        OpeningHours.objects.bulk_create(
            [OpeningHours(calendar=calendar, weekday=d, opens=o, closes=c) for d, o, c in intervals]
        )
        team = Team.objects.create(
            name=name,
            slug=_unique_slug(name),
            email=email.strip(),
            description=description,
            calendar=calendar,
        )
        audit.record(actor, "team.created", team, after=audit.snapshot(team, TEAM_FIELDS))
        events.publish(TEAM_CREATED, {"team": team.pk, "name": team.name})
    return team


def update_team(actor: Any, team: Team, **changes: Any) -> Team:
    allowed = {"name", "email", "description", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError("invalid", f"Cannot change {', '.join(sorted(unknown))}.")
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"], exclude_pk=team.pk)
    with transaction.atomic():
        before = audit.snapshot(team, TEAM_FIELDS)
        for key, value in changes.items():
            setattr(team, key, value)
        team.save(update_fields=list(changes))
        old, new = audit.changed(before, audit.snapshot(team, TEAM_FIELDS))
        if new:
            audit.record(actor, "team.updated", team, before=old, after=new)
            events.publish(TEAM_UPDATED, {"team": team.pk, "changed": sorted(new)})
    return team


def add_member(actor: Any, team: Team, person: User, *, is_lead: bool = False) -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=person, defaults={"is_lead": is_lead}
        )
        if not created and membership.is_lead != is_lead:
            membership.is_lead = is_lead
            membership.save(update_fields=["is_lead"])
        elif not created:
            return membership
        audit.record(
            actor,
            "team.member_added" if created else "team.lead_changed",
            team,
            after={"user": person.pk, "is_lead": is_lead},
        )
        events.publish(MEMBER_ADDED, {"team": team.pk, "user": person.pk, "is_lead": is_lead})
    return membership


def remove_member(actor: Any, team: Team, person: User) -> None:
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(team=team, user=person).delete()
        if not deleted:
            raise DomainError("not_found", f"{person} is not a member of {team}.", field="user")
        audit.record(actor, "team.member_removed", team, before={"user": person.pk})
        events.publish(MEMBER_REMOVED, {"team": team.pk, "user": person.pk})


def _clean_hours(intervals: Iterable[Any]) -> list[tuple[int, dt.time, dt.time]]:
    clean = []
    for item in intervals:
        try:
            day, opens, closes = item
            day = int(day)
            opens = opens if isinstance(opens, dt.time) else dt.time.fromisoformat(str(opens))
            closes = closes if isinstance(closes, dt.time) else _closing_time(str(closes))
        except (TypeError, ValueError):
            raise DomainError(
                "invalid",
                "Each interval is a weekday (0-6) with opening and closing times like 09:00.",
                field="hours",
            ) from None
        if not 0 <= day <= 6:
            raise DomainError("invalid", "Weekday must be 0 (Monday) to 6 (Sunday).", field="hours")
        if opens == closes and opens != dt.time(0):  # 00:00-24:00 is a whole day
            raise DomainError(
                "invalid", f"{WEEKDAYS[day]}: opening and closing times are equal.", field="hours"
            )
        clean.append((day, opens, closes))
    clean.sort()
    for (d1, o1, c1), (d2, o2, _c2) in zip(clean, clean[1:], strict=False):
        if d1 == d2 and c1 > o1 and o2 < c1:
            raise DomainError("invalid", f"{WEEKDAYS[d1]}: intervals overlap.", field="hours")
    return clean


def set_calendar(
    actor: Any,
    team: Team,
    *,
    time_zone: str | None = None,
    holiday_country: str | None = None,
    holiday_subdivision: str | None = None,
    hours: Iterable[Any] | None = None,
) -> Calendar:
    calendar = team.calendar
    if time_zone is not None:
        validate_time_zone(time_zone)
    intervals = _clean_hours(hours) if hours is not None else None
    with transaction.atomic():
        before = _calendar_snapshot(calendar)
        for field, value in (
            ("time_zone", time_zone),
            ("holiday_country", holiday_country),
            ("holiday_subdivision", holiday_subdivision),
        ):
            if value is not None:
                setattr(calendar, field, value.upper() if field.startswith("holiday") else value)
        calendar.save()
        if intervals is not None:
            calendar.hours.all().delete()
            OpeningHours.objects.bulk_create(
                [
                    OpeningHours(calendar=calendar, weekday=d, opens=o, closes=c)
                    for d, o, c in intervals
                ]
            )
        old, new = audit.changed(before, _calendar_snapshot(calendar))
        if new:
            audit.record(actor, "team.calendar_changed", team, before=old, after=new)
            events.publish(TEAM_UPDATED, {"team": team.pk, "changed": ["calendar"]})
    return calendar


def _calendar_snapshot(calendar: Calendar) -> dict[str, Any]:
    data = audit.snapshot(calendar, ["time_zone", "holiday_country", "holiday_subdivision"])
    data["hours"] = [
        f"{WEEKDAYS[h.weekday][:3]} {h.opens:%H:%M}-{h.closes:%H:%M}" for h in calendar.hours.all()
    ]
    return data


def add_closed_day(actor: Any, team: Team, *, date: dt.date, reason: str = "") -> ClosedDay:
    if not isinstance(date, dt.date):
        raise DomainError("invalid", "Enter a date like 2026-12-24.", field="date")
    with transaction.atomic():
        day, created = ClosedDay.objects.get_or_create(
            calendar=team.calendar, date=date, defaults={"reason": reason[:200]}
        )
        if not created:
            raise DomainError("duplicate", f"{date} is already a closed day.", field="date")
        audit.record(
            actor, "team.closed_day_added", team, after={"date": date.isoformat(), "reason": reason}
        )
        events.publish(TEAM_UPDATED, {"team": team.pk, "changed": ["closed_days"]})
    return day


def remove_closed_day(actor: Any, team: Team, closed_day_id: int) -> None:
    with transaction.atomic():
        day = ClosedDay.objects.filter(calendar=team.calendar, pk=closed_day_id).first()
        if day is None:
            raise DomainError("not_found", "No such closed day.")
        audit.record(
            actor,
            "team.closed_day_removed",
            team,
            before={"date": day.date.isoformat(), "reason": day.reason},
        )
        day.delete()
        events.publish(TEAM_UPDATED, {"team": team.pk, "changed": ["closed_days"]})


_DAY_KEYS = {d[:3].lower(): i for i, d in enumerate(WEEKDAYS)}


def parse_hours_text(text: str) -> list[tuple[int, dt.time, dt.time]]:
    """'Mon 09:00-12:00, 13:00-17:00' per line → intervals; errors name the line."""
    intervals = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day_part, _, rest = line.partition(" ")
        day = _DAY_KEYS.get(day_part[:3].lower())
        if day is None:
            raise DomainError(
                "invalid", f"Line {number}: start with a weekday like Mon.", field="hours"
            )
        if rest.strip().lower() in {"", "closed"}:
            continue
        for chunk in rest.split(","):
            opens, sep, closes = chunk.strip().partition("-")
            try:
                intervals.append(
                    (
                        day,
                        dt.time.fromisoformat(opens.strip()),
                        _closing_time(closes.strip()),
                    )
                )
            except ValueError:
                raise DomainError(
                    "invalid", f"Line {number}: write times like 09:00-17:00.", field="hours"
                ) from None
            if not sep:
                raise DomainError(
                    "invalid", f"Line {number}: write times like 09:00-17:00.", field="hours"
                )
    return intervals


def _closing_time(text: str) -> dt.time:
    """'24:00' is the end of the day: stored as midnight, which (at or before the opening
    time) means the interval runs to the next day's midnight, so 00:00-24:00 is 24 hours."""
    return dt.time(0) if text in {"24:00", "24:00:00"} else dt.time.fromisoformat(text)


def format_hours_text(calendar: Calendar) -> str:
    by_day: dict[int, list[str]] = {d: [] for d in range(7)}
    for h in calendar.hours.all():
        closes = "24:00" if h.closes == dt.time(0) else f"{h.closes:%H:%M}"
        by_day[h.weekday].append(f"{h.opens:%H:%M}-{closes}")
    return "\n".join(
        f"{WEEKDAYS[d][:3]} {', '.join(v) if v else 'closed'}" for d, v in by_day.items()
    )
