"""What a warning or a breach sets in motion: events, then the policy's escalation rules
(notify, raise priority, reassign, webhook). Runs inside the sweep's transaction."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from servewell.commitments.events import SLA_BREACHED, SLA_ESCALATED, SLA_WARNING
from servewell.commitments.models import Escalation, SlaClock
from servewell.core import events, notifications, webhooks
from servewell.core.models import Webhook
from servewell.desk.models import Priority
from servewell.people.models import Membership

log = logging.getLogger(__name__)
SLA_NOTICES = notifications.declare_kind("sla", "Targets close to being missed, and missed")
#: A breach found later than this (the worker was down, the demo loaded history) is
#: recorded and published, but nobody is told now about a target missed long ago.
STALE_AFTER = timedelta(hours=1)
PRIORITY_UP = {
    Priority.LOW: Priority.NORMAL,
    Priority.NORMAL: Priority.HIGH,
    Priority.HIGH: Priority.URGENT,
}


def fire(clock_ids: list[int], trigger: str, *, now: datetime) -> None:
    clocks = list(
        SlaClock.objects.filter(id__in=clock_ids).select_related(
            "conversation", "conversation__assignee"
        )
    )
    rules: dict[int, list[Escalation]] = defaultdict(list)
    for rule in Escalation.objects.filter(
        policy_id__in={c.policy_id for c in clocks}, trigger=trigger
    ).select_related("team"):
        rules[rule.policy_id].append(rule)
    name = SLA_WARNING if trigger == "warning" else SLA_BREACHED
    for clock in clocks:
        if trigger == "warning" and not _can_still_be_met(clock, now):
            continue
        fresh = trigger == "warning" or now - clock.due_at <= STALE_AFTER
        conv = clock.conversation
        events.publish(
            name,
            {
                "conversation": conv.pk,
                "team": conv.team_id,
                "kind": clock.kind,
                "due_at": clock.due_at.isoformat(),
                "assignee": conv.assignee_id,
            },
        )
        for rule in rules.get(clock.policy_id, []):
            if rule.kind and rule.kind != clock.kind:
                continue
            if rule.action == Escalation.Action.NOTIFY and not fresh:
                continue  # recorded as history (breached_at), nobody told of it now
            try:
                _apply(rule, clock, trigger, now)
            except Exception:
                log.exception("escalation failed", extra={"rule": rule.pk, "clock": clock.pk})


def _can_still_be_met(clock: SlaClock, now: datetime) -> bool:
    """A warning once the target is missed (or its breach fired) would contradict the
    breach: it is dropped, event and all."""
    return clock.breached_at is None and clock.due_at > now


def _apply(rule: Escalation, clock: SlaClock, trigger: str, now: datetime) -> None:
    from servewell.desk import conversations

    conv = clock.conversation
    what = "is close to" if trigger == "warning" else "missed"
    title = f"#{conv.pk} {what} its {clock.get_kind_display().lower()} target"
    if rule.action == Escalation.Action.NOTIFY:
        leads = [
            m.user
            for m in Membership.objects.filter(team_id=conv.team_id, is_lead=True).select_related(
                "user"
            )
        ]
        notifications.notify(
            [conv.assignee, *leads],
            title,
            body=f"“{conv.subject}” was due {clock.due_at:%Y-%m-%d %H:%M} UTC.",
            url=f"/desk/c/{conv.pk}/",
            kind=SLA_NOTICES,
            topic=f"conversation:{conv.pk}",
            topic_label=f"#{conv.pk}",
            now=now,
        )
    elif rule.action == Escalation.Action.RAISE_PRIORITY and conv.priority in PRIORITY_UP:
        conversations.update_conversation(
            None, conv, expected_version=None, priority=PRIORITY_UP[conv.priority], now=now
        )
    elif (
        rule.action == Escalation.Action.REASSIGN and rule.team_id and rule.team_id != conv.team_id
    ):
        conversations.update_conversation(
            None, conv, expected_version=None, team=rule.team, now=now
        )
    elif rule.action == Escalation.Action.WEBHOOK and rule.url:
        hook, _ = Webhook.objects.get_or_create(
            url=rule.url,
            name="SLA escalation",
            defaults={
                "secret": webhooks.new_secret(),
                "events": ["sla.escalated"],
                "is_active": False,
            },
        )
        event = events.Event(
            SLA_ESCALATED,
            {"conversation": conv.pk, "trigger": trigger, "kind": clock.kind, "title": title},
        )
        webhooks.queue(hook, event)
