"""Goodwill test data, made through the domain functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servewell.goodwill import actions
from servewell.goodwill.models import Action
from servewell.people.models import Role

#: A Monday, 10:00 UTC: inside the default opening hours.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def make_action(
    name: str = "Refund", *, kind: str = "refund", currency: str = "EUR", has_amount: bool = True
) -> Action:
    return actions.define_action(
        None, name=name, kind=kind, currency=currency, has_amount=has_amount, now=NOW
    )


def limit(
    action: Action,
    role: str = Role.AGENT,
    *,
    team=None,
    per_action="50",
    month="200",
    customer="80",
):
    return actions.set_limit(
        None,
        action,
        role=role,
        team=team,
        per_action=Decimal(per_action),
        per_person_month=Decimal(month),
        per_customer_30d=Decimal(customer),
        now=NOW,
    )
