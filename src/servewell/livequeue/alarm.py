"""The all-hands alarm: raise when a team's queue crosses a rule, clear when it is back.

``evaluate`` runs after every queue event and once a minute (a longest wait grows
without any event). It is safe to run concurrently: the database allows one open alarm
per rule, and clearing is a conditional UPDATE whose row count decides who announces it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from servewell.core import events
from servewell.core.compiled import CompiledModels
from servewell.core.errors import DomainError
from servewell.livequeue import fanout, metrics, queries
from servewell.livequeue.models import Alarm, AlarmResponse, AlarmRule, RuleKind
from servewell.people.access import people_only
from servewell.people.models import Presence, Team, User
from servewell.people.presence import set_presence

ALARM_RAISED = events.declare("alarm.raised", "A team's queue crossed an alarm rule.")
ALARM_CLEARED = events.declare("alarm.cleared", "A team's queue is back under its alarm rule.")
ALARM_RESPONDED = events.declare("alarm.responded", "Someone answered an alarm: I'm on it.")


def measure(rule: AlarmRule, snapshot: dict[str, Any]) -> float | None:
    if rule.kind == RuleKind.WAITING:
        return float(snapshot["waiting"])
    if rule.kind == RuleKind.LONGEST_WAIT:
        return float(snapshot["longest_wait_s"])
    sl = snapshot.get("service_level_today")
    return None if sl is None else sl * 100


def trips(rule: AlarmRule, value: float | None) -> bool:
    if value is None:
        return False
    if rule.kind == RuleKind.SERVICE_LEVEL:
        return value < rule.threshold
    return value >= rule.threshold


def clears(rule: AlarmRule, value: float | None) -> bool:
    """Back past the clear threshold. A service level with nothing offered clears."""
    if value is None:
        return True
    if rule.kind == RuleKind.SERVICE_LEVEL:
        return value >= rule.clear_threshold
    return value <= rule.clear_threshold


#: Judged for a team every time a call event of it arrives (up to ten times a second):
#: compiled once (``core.compiled``).
_ACTIVE_RULES = CompiledModels(
    lambda team_id: AlarmRule.objects.filter(team_id=team_id, is_active=True)
)
_OPEN_ALARMS = CompiledModels(
    lambda team_id: Alarm.objects.filter(team_id=team_id, cleared_at=None)
)


def evaluate(team: Team, *, now: datetime | None = None) -> dict[str, Any] | None:
    """Raise and clear the team's alarms for the queue as it is now. Returns the queue
    state it judged (waiting, longest wait, and the service level when a rule needs
    it), or None when the team has neither rules nor open alarms."""
    now = now or timezone.now()
    rules = _ACTIVE_RULES.fetch(team.pk)
    open_alarms = {a.rule_id: a for a in _OPEN_ALARMS.fetch(team.pk)}
    if not rules and not open_alarms:
        return None
    state = queries.waiting_state(team.pk, now)
    if any(r.kind == RuleKind.SERVICE_LEVEL for r in rules):
        today = metrics.period_metrics(
            team.pk, queries.start_of_day(team, now), now + timedelta(days=1)
        )
        state["service_level_today"] = today["service_level"]
    live_rule_ids = {r.pk for r in rules}
    for rule_id, stale in open_alarms.items():
        if rule_id not in live_rule_ids:  # rule deleted or switched off
            clear_alarm(stale, now=now, snapshot=state)
    for rule in rules:
        value = measure(rule, state)
        alarm = open_alarms.get(rule.pk)
        if alarm is None:
            if trips(rule, value):
                raise_alarm(team, rule, value=value, now=now, snapshot=state)
        elif clears(rule, value):
            clear_alarm(alarm, now=now, snapshot=state)
        else:
            _track_peaks(alarm, state)
    return state


def _track_peaks(alarm: Alarm, snapshot: dict[str, Any]) -> None:
    Alarm.objects.filter(pk=alarm.pk).update(
        peak_waiting=Greatest(F("peak_waiting"), snapshot["waiting"]),
        longest_wait_s=Greatest(F("longest_wait_s"), snapshot["longest_wait_s"]),
    )


def raise_alarm(
    team: Team, rule: AlarmRule, *, value: float, now: datetime, snapshot: dict[str, Any]
) -> Alarm | None:
    audience = queries.audience_ids(team, org=rule.notify_org)
    try:
        with transaction.atomic():
            alarm = Alarm.objects.create(
                team=team,
                rule=rule,
                rule_label=rule.describe(),
                kind=rule.kind,
                notify_org=rule.notify_org,
                raised_at=now,
                trigger_value=value,
                peak_waiting=snapshot["waiting"],
                longest_wait_s=snapshot["longest_wait_s"],
                audience_count=len(audience) if audience is not None else people_only().count(),
            )
    except IntegrityError:
        return None  # another process raised it a moment ago
    _announce(ALARM_RAISED, alarm, audience, responses=[])
    return alarm


def clear_alarm(alarm: Alarm, *, now: datetime, snapshot: dict[str, Any]) -> bool:
    _track_peaks(alarm, snapshot)
    if not Alarm.objects.filter(pk=alarm.pk, cleared_at=None).update(cleared_at=now):
        return False  # cleared elsewhere
    alarm.refresh_from_db()
    _announce(ALARM_CLEARED, alarm, queries.audience_ids(alarm.team, org=alarm.notify_org))
    return True


def _announce(
    name: str,
    alarm: Alarm,
    audience: list[int] | None,
    responses: list[AlarmResponse] | None = None,
) -> None:
    data = queries.alarm_data(alarm, responses)
    events.publish(name, {**data, "audience_count": alarm.audience_count})
    fanout.broadcast(
        {
            "type": "alarm",
            "team": alarm.team_id,
            "data": {**data, "event": name.split(".")[1]},
            "audience": audience,
            "org": audience is None,
        }
    )


def respond(alarm: Alarm, user: User, *, now: datetime | None = None) -> AlarmResponse:
    """ "I'm on it": recorded once per person and alarm, and sets them available."""
    now = now or timezone.now()
    if alarm.cleared_at is not None:
        raise DomainError("conflict", "This alarm has already cleared. Thank you all the same.")
    with transaction.atomic():
        response, created = AlarmResponse.objects.get_or_create(
            alarm=alarm,
            user=user,
            defaults={"role": queries.responder_role(user, alarm.team), "at": now},
        )
        if user.presence != Presence.AVAILABLE:
            set_presence(user, Presence.AVAILABLE, now=now)
        if created:
            _announce(
                ALARM_RESPONDED,
                alarm,
                queries.audience_ids(alarm.team, org=alarm.notify_org),
            )
    return response
