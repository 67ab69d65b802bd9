"""Goodwill actions and the limits each role may grant of them without asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from servewell.core import audit
from servewell.core.errors import DomainError
from servewell.goodwill.currencies import clean_currency
from servewell.goodwill.models import Action, Kind, Limit
from servewell.people.models import Role, Team, User

#: Above this, an amount is a typing mistake rather than a gesture.
MAX_AMOUNT = Decimal("1000000")
CENT = Decimal("0.01")
LIMIT_FIELDS = ("per_action", "per_person_month", "per_customer_30d")
#: The roles that grant; limits are set per role.
LIMIT_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)


def clean_amount(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount with at most two decimals; strings are parsed, floats refused
    (their binary fractions are not the amount anyone typed)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("invalid", "Give an amount like 25 or 12.50.", field=field) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError("invalid", "Give an amount with at most two decimals.", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError("invalid", "The amount must be more than zero.", field=field)
    if amount > MAX_AMOUNT:
        raise DomainError("invalid", f"The amount may not pass {MAX_AMOUNT:,}.", field=field)
    return amount.quantize(CENT)


def list_actions(*, active_only: bool = False) -> QuerySet[Action]:
    actions = Action.objects.all()
    return actions.filter(is_active=True) if active_only else actions


def define_action(
    actor: User,
    *,
    name: str,
    kind: str,
    currency: str,
    has_amount: bool,
    now: datetime,
    action: Action | None = None,
    is_active: bool = True,
) -> Action:
    """Create an action, or change one when ``action`` is given."""
    name = (name or "").strip()[:120]
    if not name:
        raise DomainError("invalid", "Name the action.", field="name")
    if kind not in Kind.values:
        raise DomainError("invalid", "Choose a kind of action.", field="kind")
    currency = clean_currency(currency)
    taken = Action.objects.filter(name__iexact=name)
    if action is not None:
        taken = taken.exclude(pk=action.pk)
    if taken.exists():
        raise DomainError("duplicate", "An action has this name already.", field="name")
    with transaction.atomic():
        if action is None:
            action = Action(created_at=now)
        action.name, action.kind, action.currency = name, kind, currency
        action.has_amount, action.is_active = bool(has_amount), bool(is_active)
        action.save()
        audit.record(actor, "goodwill.action.saved", action, label=name)
    return action


def set_limit(
    actor: User,
    action: Action,
    *,
    role: str,
    team: Team | None = None,
    per_action: Any,
    per_person_month: Any,
    per_customer_30d: Any,
    now: datetime,
) -> Limit:
    if role not in LIMIT_ROLES:
        raise DomainError(
            "invalid", "Limits are set for agents, leads, managers or admins.", field="role"
        )
    values = {
        name: clean_amount(value, field=name, allow_zero=True)
        for name, value in zip(
            LIMIT_FIELDS, (per_action, per_person_month, per_customer_30d), strict=True
        )
    }
    with transaction.atomic():
        limit, _created = Limit.objects.select_for_update().get_or_create(
            action=action, role=role, team=team, defaults={**values, "updated_at": now}
        )
        for name, value in values.items():
            setattr(limit, name, value)
        limit.updated_at = now
        limit.save()
        audit.record(actor, "goodwill.limit.saved", limit, label=f"{action} · {role}")
    return limit


def remove_limit(actor: User, limit: Limit) -> None:
    with transaction.atomic():
        audit.record(actor, "goodwill.limit.removed", limit, label=f"{limit.action} · {limit.role}")
        limit.delete()


@dataclass(frozen=True)
class Authority:
    """What one person may grant of one action in one team without asking; zero when no
    limit covers any of their roles."""

    per_action: Decimal = Decimal(0)
    per_person_month: Decimal = Decimal(0)
    per_customer_30d: Decimal = Decimal(0)


def get_authority(user: User, action: Action, team_id: int) -> Authority:
    """Per role, the team's override wins over the general row; across a person's roles,
    the most generous value of each limit counts."""
    rows = Limit.objects.filter(action=action, role__in=list(user.roles)).filter(
        Q(team_id=team_id) | Q(team__isnull=True)
    )
    by_role: dict[str, Limit] = {}
    for row in rows:
        if row.role not in by_role or row.team_id is not None:
            by_role[row.role] = row
    if not by_role:
        return Authority()
    return Authority(
        **{name: max(getattr(row, name) for row in by_role.values()) for name in LIMIT_FIELDS}
    )
