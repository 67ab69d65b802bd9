"""Teach-back: reports validated, peers comment, trainer acknowledges, reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.academy import cohorts, teachback
from servewell.academy.tests.factories import DUE, NOW, graduate, make_cohort
from servewell.core.errors import DomainError
from servewell.core.models import Notification


def _report(**kw):
    return {
        "taught_on": NOW.date(), "setting": "community", "people_reached": 20,
        "what_happened": "We met at the library.", "now": NOW, **kw,
    }  # fmt: skip


@pytest.mark.parametrize("reached", [0, -5, 10_001, 10**12, "12", 2.5, True])
def test_a_negative_or_absurd_people_reached_is_refused(tara, alice, reached):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    with pytest.raises(DomainError) as exc:
        teachback.file_report(alice, enrolment.teachback, **_report(people_reached=reached))
    assert exc.value.field == "people_reached"
    enrolment.teachback.refresh_from_db()
    assert enrolment.teachback.filed_at is None


def test_only_the_learner_files_and_the_setting_comes_from_the_list(tara, alice, lena):
    cohort = make_cohort(tara)
    (enrolment,) = cohorts.enrol(None, cohort, [alice], now=NOW)
    with pytest.raises(DomainError, match="Only the learner"):
        teachback.file_report(lena, enrolment.teachback, **_report())
    with pytest.raises(DomainError):
        teachback.file_report(alice, enrolment.teachback, **_report(setting="moon"))


def test_peers_comment_outsiders_do_not_and_the_trainer_acknowledges(tara, alice, lena, bob):
    cohort = make_cohort(tara)
    cohorts.enrol(None, cohort, [lena], now=NOW)
    tb = graduate(cohort, alice).teachback
    teachback.comment(lena, tb, body="Lovely idea!", now=NOW)
    with pytest.raises(DomainError, match="Only the cohort"):
        teachback.comment(bob, tb, body="Hi", now=NOW)
    with pytest.raises(DomainError):
        teachback.acknowledge(lena, tb, now=NOW)
    teachback.acknowledge(tara, tb, now=NOW)
    assert tb.acknowledged_by == tara
    assert Notification.objects.filter(user=alice, title__contains="commented").exists()
    assert Notification.objects.filter(user=tara, title__contains="filed").exists()


def test_an_overdue_report_reminds_the_graduate_then_the_trainer_once_each(tara, alice):
    cohort = make_cohort(tara)
    cohorts.enrol(None, cohort, [alice], now=NOW)
    day_after = dt.datetime.combine(DUE + dt.timedelta(days=1), dt.time(7), tzinfo=dt.UTC)
    assert teachback.remind_overdue(now=day_after) == {"graduates": 1, "trainers": 0}
    assert teachback.remind_overdue(now=day_after) == {"graduates": 0, "trainers": 0}
    later = day_after + dt.timedelta(days=8)
    assert teachback.remind_overdue(now=later) == {"graduates": 0, "trainers": 1}
    assert Notification.objects.filter(user=alice, title__contains="overdue").count() == 1
    assert Notification.objects.filter(user=tara, title__contains="late").count() == 1
