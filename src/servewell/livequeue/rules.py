"""Alarm rules and service-level settings of a team: validated, audited writes."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.livequeue.models import AlarmRule, QueueSettings, RuleKind, ShortAbandonRule
from servewell.people.models import Team

RULE_FIELDS = ["kind", "threshold", "clear_threshold", "notify_org", "is_active"]
SETTINGS_FIELDS = [
    "service_level_seconds",
    "service_level_target_pct",
    "short_abandon_seconds",
    "short_abandon_rule",
]


def validate_rule(kind: str, threshold: float, clear_threshold: float) -> None:
    """The clear threshold must lie on the calm side of the trip threshold — that gap
    is the hysteresis that keeps a queue hovering at the limit from flapping."""
    if kind not in RuleKind.values:
        raise DomainError("invalid", f"Use one of: {', '.join(RuleKind.values)}.", field="kind")
    if threshold is None or clear_threshold is None:
        raise DomainError("invalid", "Give both thresholds.", field="threshold")
    if threshold < 0 or clear_threshold < 0:
        raise DomainError("invalid", "Thresholds cannot be negative.", field="threshold")
    if kind == RuleKind.SERVICE_LEVEL:
        if threshold > 100 or clear_threshold > 100:
            raise DomainError("invalid", "A service level is at most 100 %.", field="threshold")
        if clear_threshold <= threshold:
            raise DomainError(
                "invalid",
                "The alarm should clear at a higher service level than it trips at.",
                field="clear_threshold",
            )
    else:
        if threshold < 1:
            raise DomainError("invalid", "Trip at 1 or more.", field="threshold")
        if clear_threshold >= threshold:
            raise DomainError(
                "invalid",
                "The alarm should clear below the level it trips at.",
                field="clear_threshold",
            )


def create_rule(
    actor: Any,
    team: Team,
    *,
    kind: str,
    threshold: float,
    clear_threshold: float,
    notify_org: bool = False,
    is_active: bool = True,
) -> AlarmRule:
    validate_rule(kind, threshold, clear_threshold)
    with transaction.atomic():
        rule = AlarmRule.objects.create(
            team=team,
            kind=kind,
            threshold=threshold,
            clear_threshold=clear_threshold,
            notify_org=notify_org,
            is_active=is_active,
        )
        audit.record(actor, "alarm_rule.created", rule, after=audit.snapshot(rule, RULE_FIELDS))
    return rule


def update_rule(actor: Any, rule: AlarmRule, **changes: Any) -> AlarmRule:
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise DomainError("invalid", f"Unknown fields: {', '.join(sorted(unknown))}.")
    merged = {**audit.snapshot(rule, RULE_FIELDS), **changes}
    validate_rule(merged["kind"], merged["threshold"], merged["clear_threshold"])
    with transaction.atomic():
        before = audit.snapshot(rule, RULE_FIELDS)
        for name, value in changes.items():
            setattr(rule, name, value)
        rule.save(update_fields=list(changes) or None)
        old, new = audit.changed(before, audit.snapshot(rule, RULE_FIELDS))
        if new:
            audit.record(actor, "alarm_rule.changed", rule, before=old, after=new)
    return rule


def delete_rule(actor: Any, rule: AlarmRule) -> None:
    """Its alarms stay in the log (they keep the rule's wording); an open one clears at
    the next evaluation."""
    with transaction.atomic():
        audit.record(actor, "alarm_rule.deleted", rule, before=audit.snapshot(rule, RULE_FIELDS))
        rule.delete()


def update_settings(actor: Any, team: Team, **changes: Any) -> QueueSettings:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise DomainError("invalid", f"Unknown fields: {', '.join(sorted(unknown))}.")
    if "short_abandon_rule" in changes and changes["short_abandon_rule"] not in (
        ShortAbandonRule.values
    ):
        raise DomainError(
            "invalid",
            f"Use one of: {', '.join(ShortAbandonRule.values)}.",
            field="short_abandon_rule",
        )
    pct = changes.get("service_level_target_pct")
    if pct is not None and not 1 <= pct <= 100:
        raise DomainError(
            "invalid", "A target is between 1 and 100 %.", field="service_level_target_pct"
        )
    with transaction.atomic():
        qs, _ = QueueSettings.objects.select_for_update().get_or_create(team=team)
        before = audit.snapshot(qs, SETTINGS_FIELDS)
        for name, value in changes.items():
            setattr(qs, name, value)
        qs.save()
        old, new = audit.changed(before, audit.snapshot(qs, SETTINGS_FIELDS))
        if new:
            audit.record(actor, "queue_settings.changed", qs, before=old, after=new)
    return qs
