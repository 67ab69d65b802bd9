"""Reads shared by the wallboard, the alarm log, the stream and the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from servewell.core.compiled import CompiledModels
from servewell.livequeue import metrics
from servewell.livequeue.models import Alarm, AlarmResponse, Call, CallState, ResponderRole
from servewell.people.access import (
    scope_to_teams,
    visible_colleagues,
    visible_team_ids,
)
from servewell.people.models import Membership, Presence, RoleGrant, Team, User


def start_of_day(team: Team, now: dt.datetime) -> dt.datetime:
    """Midnight in the team's own time zone: "today" is the team's day, not UTC's."""
    try:
        tz = zoneinfo.ZoneInfo(team.calendar.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def waiting_state(team_id: int, now: dt.datetime) -> dict[str, Any]:
    agg = Call.objects.filter(team_id=team_id, state=CallState.WAITING).aggregate(
        waiting=Count("id"), oldest=Min("joined_at")
    )
    oldest = agg["oldest"]
    return {
        "waiting": agg["waiting"],
        "oldest_joined_at": oldest,
        "longest_wait_s": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    }


def team_snapshot(team: Team, now: dt.datetime) -> dict[str, Any]:
    """Everything the wallboard shows for one team, JSON-ready."""
    state = waiting_state(team.pk, now)
    today = metrics.period_metrics(team.pk, start_of_day(team, now), now + dt.timedelta(1))
    available = Membership.objects.filter(
        team=team, user__is_active=True, user__presence=Presence.AVAILABLE
    ).count()
    open_alarms = list(
        Alarm.objects.filter(team=team, cleared_at=None).values_list("id", "rule_label")
    )
    return {
        "team": team.pk,
        "team_name": team.name,
        "team_slug": team.slug,
        "server_time": now.isoformat(),
        "waiting": state["waiting"],
        "oldest_joined_at": state["oldest_joined_at"].isoformat()
        if state["oldest_joined_at"]
        else None,
        "longest_wait_s": round(state["longest_wait_s"], 1),
        "offered_today": today["offered"],
        "service_level_today": today["service_level"],
        "service_level_seconds": today["service_level_seconds"],
        "asa_s": today["asa_s"],
        "aht_s": today["aht_s"],
        "abandonment_rate": today["abandonment_rate"],
        "available": available,
        "alarms": [{"id": pk, "rule": label} for pk, label in open_alarms],
    }


def visible_teams_for_queue(user: User) -> QuerySet[Team]:
    return scope_to_teams(Team.objects.filter(is_active=True), user, field="id").select_related(
        "calendar"
    )


def snapshots(user: User, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return [team_snapshot(team, now) for team in visible_teams_for_queue(user)]


# --- Audience ----------------------------------------------------------------------------


def audience_ids(team: Team, *, org: bool) -> list[int] | None:
    """Who is asked to jump in: the team (leads included) and every manager; ``None``
    means the whole organisation."""
    if org:
        return None
    members = Membership.objects.filter(team=team, user__is_active=True).values_list(
        "user_id", flat=True
    )
    managers = RoleGrant.objects.filter(role="manager", user__is_active=True).values_list(
        "user_id", flat=True
    )
    return sorted(set(members) | set(managers))


def responder_role(user: User, team: Team) -> str:
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is not None and membership.is_lead:
        return ResponderRole.LEAD
    if user.has_role("manager"):
        return ResponderRole.MANAGER
    if membership is not None:
        return ResponderRole.AGENT
    for role in (ResponderRole.ADMIN, ResponderRole.LEAD, ResponderRole.AGENT):
        if user.has_role(role.value):
            return role
    return ResponderRole.OTHER


# --- Alarms ------------------------------------------------------------------------------


def visible_alarms(user: User) -> QuerySet[Alarm]:
    """Alarms of the teams one sees, plus those raised to the whole organisation."""
    ids = visible_team_ids(user)
    alarms = Alarm.objects.all()
    if ids is not None:
        alarms = alarms.filter(Q(team_id__in=ids) | Q(notify_org=True))
    return alarms


def list_alarms(
    user: User,
    *,
    team: str | int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    open_only: bool = False,
) -> QuerySet[Alarm]:
    alarms = (
        visible_alarms(user)
        .select_related("team")
        .prefetch_related(
            Prefetch("responses", queryset=AlarmResponse.objects.select_related("user"))
        )
    )
    if team:
        alarms = alarms.filter(team_id=team)
    if start:
        alarms = alarms.filter(raised_at__gte=start)
    if end:
        alarms = alarms.filter(raised_at__lt=end)
    if open_only:
        alarms = alarms.filter(cleared_at=None)
    return alarms.order_by("-raised_at", "-id")


def _open_alarms(alarms: QuerySet[Alarm]) -> QuerySet[Alarm]:
    return (
        alarms.filter(cleared_at=None)
        .select_related("team")
        .prefetch_related(
            Prefetch("responses", queryset=AlarmResponse.objects.select_related("user"))
        )
        .order_by("-raised_at", "-id")
    )


#: The open alarms of one team (with those raised to everyone), and of every team:
#: read each time a page opens its live stream, compiled once (``core.compiled``).
_OPEN_FOR_TEAM = CompiledModels(
    lambda team: _open_alarms(Alarm.objects.filter(Q(team_id=team) | Q(notify_org=True)))
)
_OPEN_EVERYWHERE = CompiledModels(lambda: _open_alarms(Alarm.objects.all()))


def open_alarms(user: User) -> list[Alarm]:
    """``list_alarms(user, open_only=True)``, as a list: what a stream starts with."""
    ids = visible_team_ids(user)
    if ids is None:
        return _OPEN_EVERYWHERE.fetch()
    if len(ids) == 1:
        return _OPEN_FOR_TEAM.fetch(ids[0])
    return list(list_alarms(user, open_only=True))


def alarm_summary(alarms: QuerySet[Alarm]) -> dict[str, Any]:
    """How often, how long, how many leads jumped in — over the given alarms."""
    base = alarms.order_by()
    agg = base.aggregate(
        count=Count("id", distinct=True),
        open=Count("id", filter=Q(cleared_at=None), distinct=True),
        peak_waiting=Max("peak_waiting"),
        longest_wait_s=Max("longest_wait_s"),
    )
    durations = [
        (cleared - raised).total_seconds()
        for raised, cleared in base.filter(cleared_at__isnull=False).values_list(
            "raised_at", "cleared_at"
        )
    ]
    responses = AlarmResponse.objects.filter(alarm__in=base.values("id"))
    by_role = dict(responses.values_list("role").annotate(n=Count("id")).order_by())
    total = sum(durations)
    return {
        "count": agg["count"],
        "open": agg["open"],
        "cleared": len(durations),
        "total_duration_s": total,
        "average_duration_s": total / len(durations) if durations else None,
        "peak_waiting": agg["peak_waiting"] or 0,
        "longest_wait_s": agg["longest_wait_s"] or 0,
        "responses": sum(by_role.values()),
        "responses_by_role": {role.value: by_role.get(role.value, 0) for role in ResponderRole},
        "leads_jumped_in": by_role.get(ResponderRole.LEAD, 0),
        "alarms_with_a_lead": base.filter(responses__role=ResponderRole.LEAD)
        .values("id")
        .distinct()
        .count(),
    }


def alarm_data(alarm: Alarm, responses: list[AlarmResponse] | None = None) -> dict[str, Any]:
    """The alarm as the stream and the banner need it."""
    if responses is None:
        responses = list(alarm.responses.select_related("user"))
    return {
        "id": alarm.pk,
        "team": alarm.team_id,
        "team_name": alarm.team.name,
        "rule": alarm.rule_label,
        "kind": alarm.kind,
        "state": "open" if alarm.cleared_at is None else "cleared",
        "raised_at": alarm.raised_at.isoformat(),
        "cleared_at": alarm.cleared_at.isoformat() if alarm.cleared_at else None,
        "peak_waiting": alarm.peak_waiting,
        "longest_wait_s": round(alarm.longest_wait_s, 1),
        "notify_org": alarm.notify_org,
        "responders": [
            {"user": r.user_id, "name": str(r.user), "role": r.role, "at": r.at.isoformat()}
            for r in responses
        ],
    }


# --- Presence ----------------------------------------------------------------------------


def presence_board(user: User, *, team: str | int | None = None) -> QuerySet[User]:
    people = visible_colleagues(user)
    if team:
        people = people.filter(memberships__team_id=team)
    return people.prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.only("user_id", "role")),
        Prefetch("memberships", queryset=Membership.objects.select_related("team")),
    ).order_by("display_name", "username", "id")


def presence_counts(people: QuerySet[User]) -> dict[str, int]:
    counts = dict(people.order_by().values_list("presence").annotate(n=Count("id", distinct=True)))
    return {p: counts.get(p, 0) for p in Presence.values}
