"""Fixtures of the live-queue tests: a clock, a feeder with an API token, and helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.livequeue.models import AlarmRule, RuleKind
from servewell.people.models import Role
from servewell.people.tests.factories import make_person

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # a Monday morning


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def feeder(db):
    """The phone system's account: a service account, which may post queue events."""
    return make_person("pbx", [Role.SERVICE])


@pytest.fixture
def waiting_rule(care):
    """Care: all hands at 3 waiting, clear at 1 or fewer."""
    return AlarmRule.objects.create(
        team=care, kind=RuleKind.WAITING, threshold=3, clear_threshold=1
    )
