"""Writing SLA policies, escalation rules and team commitment settings (audited)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from servewell.commitments import calendars
from servewell.commitments.models import Escalation, SlaPolicy, TeamCommitments
from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.desk.models import Priority
from servewell.people.models import Team

POLICY_FIELDS = [
    "priority",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_fraction",
    "is_active",
]
#: The longest target a policy may set: a year. A clock stores its target in seconds in a
#: 32-bit column, so an unbounded number of minutes was accepted here and failed later,
#: when the first conversation started a clock (a 500 on PostgreSQL).
MAX_TARGET_MINUTES = 366 * 24 * 60

SETTINGS_FIELDS = [
    "ack_enabled",
    "ack_subject",
    "ack_body",
    "apology",
    "public_page",
    "digest_enabled",
]


def _check(values: dict[str, Any]) -> None:
    if "priority" in values and values["priority"] not in Priority.values:
        raise DomainError("invalid", "Unknown priority.", field="priority")
    fraction = values.get("warn_fraction")
    if fraction is not None and not 0 < fraction < 1:
        raise DomainError(
            "invalid", "Choose a share between 0 and 1, e.g. 0.75.", field="warn_fraction"
        )
    for field in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        if values.get(field) is not None and values[field] <= 0:
            raise DomainError("invalid", "A target is a positive number of minutes.", field=field)
        if values.get(field) is not None and values[field] > MAX_TARGET_MINUTES:
            raise DomainError(
                "invalid",
                f"Keep a target within a year ({MAX_TARGET_MINUTES} minutes).",
                field=field,
            )


def save_policy(
    actor: Any, team: Team, values: dict[str, Any], policy: SlaPolicy | None = None
) -> SlaPolicy:
    """Create a policy, or change ``policy`` to ``values``.

    The audit's "before" is read from the stored row, not from ``policy``: a ModelForm
    bound to that instance has already written the new values onto it, so the entry
    showed the new value as both before and after."""
    _check(values)
    try:
        with transaction.atomic():
            stored = (
                SlaPolicy.objects.select_for_update().get(pk=policy.pk)
                if policy is not None
                else SlaPolicy(team=team)
            )
            before = audit.snapshot(stored, POLICY_FIELDS) if policy is not None else {}
            for key in POLICY_FIELDS:
                if key in values:
                    setattr(stored, key, values[key])
            stored.save()
            old, new = audit.changed(before, audit.snapshot(stored, POLICY_FIELDS))
            if new:
                audit.record(
                    actor, "sla_policy.saved", stored, before=old if policy else None, after=new
                )
    except IntegrityError:
        raise DomainError(
            "duplicate", "This team already has a policy for that priority.", field="priority"
        ) from None
    return stored


def delete_policy(actor: Any, policy: SlaPolicy) -> None:
    with transaction.atomic():
        audit.record(
            actor, "sla_policy.deleted", policy, before=audit.snapshot(policy, POLICY_FIELDS)
        )
        policy.delete()


def add_escalation(actor: Any, policy: SlaPolicy, values: dict[str, Any]) -> Escalation:
    action = values.get("action")
    if action == Escalation.Action.REASSIGN and not values.get("team"):
        raise DomainError("invalid", "Choose the team to reassign to.", field="team")
    if action == Escalation.Action.WEBHOOK and not values.get("url"):
        raise DomainError("invalid", "Give the webhook address.", field="url")
    with transaction.atomic():
        rule = Escalation.objects.create(policy=policy, **values)
        audit.record(
            actor,
            "sla_escalation.added",
            policy,
            after={"trigger": rule.trigger, "action": rule.action, "kind": rule.kind},
        )
    return rule


def save_settings(actor: Any, team: Team, values: dict[str, Any]) -> TeamCommitments:
    with transaction.atomic():
        current, _ = TeamCommitments.objects.select_for_update().get_or_create(team=team)
        before = audit.snapshot(current, SETTINGS_FIELDS)
        for key in SETTINGS_FIELDS:
            if key in values:
                setattr(current, key, values[key])
        current.save()
        old, new = audit.changed(before, audit.snapshot(current, SETTINGS_FIELDS))
        if new:
            audit.record(actor, "team.commitments_changed", team, before=old, after=new)
    calendars.forget(team.pk)
    return current
