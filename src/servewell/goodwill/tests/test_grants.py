import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.core.models import Notification
from servewell.desk.tests.factories import make_contact, make_conversation
from servewell.goodwill import decisions, grants, outcomes
from servewell.goodwill.models import Grant, Status
from servewell.goodwill.tests.factories import NOW, limit, make_action
from servewell.people.models import Role
from servewell.people.tests.factories import make_person, make_team


@pytest.fixture
def refund(care):
    action = make_action()
    limit(action)
    return action


def grant(user, conversation, action, amount, now=NOW, reason="Parcel lost twice"):
    return grants.grant_goodwill(
        user, conversation, action=action, amount=amount, reason=reason, now=now
    )


def test_a_grant_within_the_limits_takes_effect_at_once(
    alice, care, refund, django_capture_on_commit_callbacks
):
    conversation = make_conversation(care)
    with django_capture_on_commit_callbacks(execute=True):
        g = grant(alice, conversation, refund, "25.50")
    assert g.status == Status.GRANTED and g.amount == Decimal("25.50") and g.currency == "EUR"
    assert g.deadline is None and g.contact_id == conversation.contact_id


def test_above_the_per_action_limit_it_becomes_a_request_to_the_leads(alice, lena, care, refund):
    g = grant(alice, make_conversation(care), refund, "60")
    assert g.status == Status.PENDING and g.over == "action"
    assert Notification.objects.filter(user=lena, url=f"/goodwill/grants/{g.pk}/").exists()
    # Four business hours from Monday 10:00 in the team's calendar
    assert g.deadline > NOW


def test_the_monthly_limit_counts_what_the_person_granted_this_month(alice, care, refund):
    for _ in range(4):
        assert grant(alice, make_conversation(care), refund, "50").status == Status.GRANTED
    assert grant(alice, make_conversation(care), refund, "1").over == "month"
    next_month = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    assert grant(alice, make_conversation(care), refund, "1", now=next_month).status == "granted"


def test_the_customer_limit_stops_splitting_one_gesture_into_small_ones(alice, care, refund):
    contact = make_contact("Ruth Okafor")
    conversation = make_conversation(care, contact=contact)
    assert grant(alice, conversation, refund, "50").status == Status.GRANTED
    second = grant(alice, make_conversation(care, contact=contact), refund, "40")
    assert second.status == Status.PENDING and "customer" in second.over
    later = NOW + dt.timedelta(days=31)
    assert grant(alice, conversation, refund, "40", now=later).status == Status.GRANTED


def test_a_team_limit_overrides_the_general_one(alice, care, refund):
    limit(refund, team=care, per_action="500", month="1000", customer="1000")
    assert grant(alice, make_conversation(care), refund, "400").status == Status.GRANTED


def test_nobody_without_a_limit_grants_without_asking(bob, orders):
    action = make_action("Credit", kind="credit")
    assert grant(bob, make_conversation(orders), action, "1").status == Status.PENDING


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "1e9", "12.345", "NaN", "Infinity"])
def test_negative_or_absurd_amounts_are_refused_and_nothing_is_stored(alice, care, refund, amount):
    with pytest.raises(DomainError):
        grant(alice, make_conversation(care), refund, amount)
    assert not Grant.objects.exists()


def test_a_wrong_currency_is_refused(alice, care, refund):
    with pytest.raises(DomainError):
        grants.grant_goodwill(
            alice,
            make_conversation(care),
            action=refund,
            amount="5",
            reason="x",
            currency="EURO",
            now=NOW,
        )
    with pytest.raises(DomainError):
        grants.grant_goodwill(
            alice,
            make_conversation(care),
            action=refund,
            amount="5",
            reason="x",
            currency="USD",
            now=NOW,
        )


def test_nobody_approves_their_own_request(lena, care, refund):
    g = grant(lena, make_conversation(care), refund, "900")
    with pytest.raises(Forbidden):
        decisions.decide(lena, g, decision="approve", now=NOW)


def test_approval_records_time_to_decision_and_notifies_the_requester(alice, lena, care, refund):
    g = grant(alice, make_conversation(care), refund, "90")
    later = NOW + dt.timedelta(minutes=30)
    g = decisions.decide(lena, g, decision="approve", now=later)
    assert g.status == Status.APPROVED and g.decision_seconds == 1800 and g.decided_by == lena
    assert Notification.objects.filter(user=alice, title__contains="approved").exists()


def test_a_decline_needs_a_reason_and_deciding_twice_is_a_conflict(alice, lena, care, refund):
    g = grant(alice, make_conversation(care), refund, "90")
    with pytest.raises(DomainError):
        decisions.decide(lena, g, decision="decline", reason=" ", now=NOW)
    decisions.decide(lena, g, decision="decline", reason="Already refunded by the courier", now=NOW)
    with pytest.raises(DomainError) as exc:
        decisions.decide(lena, g, decision="approve", now=NOW)
    assert exc.value.status == 409


def test_a_lead_of_another_team_may_not_decide(alice, care, orders, refund):
    other = make_person("olga", [Role.LEAD], team=orders, lead=True)
    g = grant(alice, make_conversation(care), refund, "90")
    with pytest.raises(Forbidden):
        decisions.decide(other, g, decision="approve", now=NOW)


def test_an_open_request_escalates_to_managers_at_its_deadline(alice, lena, maria, care, refund):
    g = grant(alice, make_conversation(care), refund, "90")
    assert decisions.escalate_overdue(now=g.deadline - dt.timedelta(seconds=1)) == 0
    assert decisions.escalate_overdue(now=g.deadline) == 1
    assert decisions.escalate_overdue(now=g.deadline) == 0
    assert Notification.objects.filter(user=maria, title__startswith="Overdue").count() == 1
    with pytest.raises(DomainError) as exc:
        decisions.decide(lena, g, decision="approve", now=g.deadline)
    assert exc.value.status == 409
    assert decisions.decide(maria, g, decision="approve", now=g.deadline).status == "approved"


def test_a_new_conversation_marks_earlier_goodwill_as_came_back(alice, care, refund):
    contact = make_contact("Ruth Okafor")
    g = grant(alice, make_conversation(care, contact=contact), refund, "10")
    later = make_conversation(care, contact=contact, now=NOW + dt.timedelta(days=20))
    assert outcomes.mark_came_back(later) == 1
    g.refresh_from_db()
    assert g.came_back_at == later.created_at


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_grants_that_together_pass_the_limit_do_not_both_take_effect():
    care = make_team("Care")
    alice = make_person("alice", [Role.AGENT], team=care)
    refund = make_action()
    limit(refund, per_action="50", month="60", customer="1000")
    conversations = [make_conversation(care) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def run(conversation):
        try:
            barrier.wait()
            results.append(grant(alice, conversation, refund, "40").status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in conversations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [Status.GRANTED, Status.PENDING]
