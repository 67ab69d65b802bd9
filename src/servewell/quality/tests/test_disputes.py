"""Disputes: the person contests, a lead upholds or changes the score; history is kept."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.people.models import Role
from servewell.people.tests.factories import make_person
from servewell.quality import disputes, reviews, rollup
from servewell.quality.models import Dispute, QuarterTotal
from servewell.quality.tests.factories import NOW, criteria, full_answers, handled

LATER = NOW + dt.timedelta(days=1)


@pytest.fixture
def review(care, alice, quinn, version):
    item = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    return reviews.submit_review(
        quinn, item, now=NOW, answers=full_answers(version, Greets_by_name=0)
    )


def test_the_person_disputes_and_a_lead_upholds(review, alice, lena):
    dispute = disputes.open_dispute(alice, review, reason="I did greet her.", now=NOW)
    with pytest.raises(DomainError) as err:
        disputes.open_dispute(alice, review, reason="Again", now=NOW)
    assert err.value.code == "duplicate"
    disputes.resolve_dispute(lena, dispute, decision="uphold", note="Not by name.", now=LATER)
    dispute.refresh_from_db()
    assert dispute.state == "upheld" and dispute.resolved_by == lena
    assert [e.kind for e in dispute.events.all()] == ["opened", "upheld"]
    review.refresh_from_db()
    assert review.revision == 1


def test_changing_the_score_writes_a_new_revision_and_keeps_the_old(review, alice, lena, version):
    before = review.score
    dispute = disputes.open_dispute(alice, review, reason="I greeted by name.", now=NOW)
    key = criteria(version)["Greets by name"]
    disputes.resolve_dispute(
        lena,
        dispute,
        decision="change",
        answers={key: {"value": 1, "comment": "Checked: she did."}},
        now=LATER,
    )
    review.refresh_from_db()
    assert review.revision == 2 and review.score == 100.0 and before < 100
    old, new = (review.answers.get(criterion_id=key, revision=r) for r in (1, 2))
    assert (old.value, new.value, new.comment) == (0, 1, "Checked: she did.")
    assert review.answers.filter(revision=2).count() == version.criteria.count()
    changed = dispute.events.get(kind="changed")
    assert changed.data == {
        "score_before": before,
        "revision_before": 1,
        "score_after": 100.0,
        "revision_after": 2,
    }
    total = QuarterTotal.objects.get(person=alice, kind="person")
    assert (total.count, total.total) == (1, 100.0)
    # The totals moved with the new revision exactly as a rebuild computes them.
    fields = ("quarter", "kind", "team", "person", "key", "count", "total")
    incremental = sorted(QuarterTotal.objects.filter(count__gt=0).values_list(*fields))
    rollup.rebuild()
    assert sorted(QuarterTotal.objects.values_list(*fields)) == incremental


def test_only_the_reviewee_disputes_and_needs_a_reason(review, bob, alice):
    with pytest.raises(Forbidden):
        disputes.open_dispute(bob, review, reason="No", now=NOW)
    with pytest.raises(DomainError) as err:
        disputes.open_dispute(alice, review, reason="  ", now=NOW)
    assert err.value.field == "reason"


def test_nobody_rules_on_their_own_review_and_agents_do_not_rule(review, alice, quinn, bob):
    dispute = disputes.open_dispute(alice, review, reason="Unfair", now=NOW)
    for person in (alice, quinn, bob):
        with pytest.raises(Forbidden):
            disputes.resolve_dispute(person, dispute, decision="uphold", now=LATER)
    assert Dispute.objects.get(pk=dispute.pk).state == "open"


def test_a_lead_of_another_team_may_not_resolve(review, alice, orders):
    other_lead = make_person("olga", [Role.LEAD], team=orders, lead=True)
    dispute = disputes.open_dispute(alice, review, reason="Unfair", now=NOW)
    with pytest.raises(Forbidden):
        disputes.resolve_dispute(other_lead, dispute, decision="uphold", now=LATER)


@pytest.mark.parametrize(
    ("decision", "answers", "field"),
    [
        ("maybe", None, "decision"),
        ("change", None, "answers"),
        ("change", {999: {"value": 1}}, "answers"),
    ],
)
def test_bad_resolutions_are_refused(review, alice, lena, decision, answers, field):
    dispute = disputes.open_dispute(alice, review, reason="Unfair", now=NOW)
    with pytest.raises(DomainError) as err:
        disputes.resolve_dispute(lena, dispute, decision=decision, answers=answers, now=LATER)
    assert err.value.field == field


def test_a_resolved_dispute_cannot_be_resolved_again(review, alice, lena, maria):
    dispute = disputes.open_dispute(alice, review, reason="Unfair", now=NOW)
    disputes.resolve_dispute(lena, dispute, decision="uphold", now=LATER)
    with pytest.raises(DomainError) as err:
        disputes.resolve_dispute(maria, dispute, decision="uphold", now=LATER)
    assert err.value.code == "conflict"
    # ... but the review may be disputed again afterwards.
    assert disputes.open_dispute(alice, review, reason="New facts", now=LATER).pk != dispute.pk
