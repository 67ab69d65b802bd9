"""Reviews: who is reviewed, answering, scoring, notifying; the rollup stays true."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.core.models import Notification
from servewell.quality import handlers, reviews, rollup
from servewell.quality.models import QuarterTotal, Review
from servewell.quality.tests.factories import NOW, criteria, full_answers, handled


def test_the_handler_is_the_assignee_else_whoever_replied_most(care, alice, bob, lena):
    assigned = handled(care, alice, replies=[lena, lena])
    unassigned = handled(care, None, replies=[alice, lena, lena], email="d@example.com")
    tie = handled(care, None, replies=[bob, lena], email="e@example.com")
    silent = handled(care, None, email="f@example.com")
    assert handlers.handler_of(assigned) == alice
    assert handlers.handler_of(unassigned) == lena
    assert handlers.handler_of(tie) == bob  # the first to speak wins a tie
    assert handlers.handler_of(silent) is None
    # The SQL expression sampling uses agrees with the function.
    from servewell.desk.models import Conversation

    sql = dict(
        Conversation.objects.annotate(h=handlers.handler_expression()).values_list("pk", "h")
    )
    assert sql == {assigned.pk: alice.pk, unassigned.pk: lena.pk, tie.pk: bob.pk, silent.pk: None}


def test_a_submitted_review_is_scored_counted_and_the_person_told(
    care, alice, quinn, version, mailoutbox, django_capture_on_commit_callbacks
):
    conversation = handled(care, alice)
    review = reviews.start_review(quinn, conversation, version=version, now=NOW)
    assert review.reviewee == alice and not review.is_self_review
    ids = criteria(version)
    answers = full_answers(version, Owns_the_problem=3, Offers_a_next_step=None)
    answers[ids["Greets by name"]]["comment"] = "Lovely greeting"
    with django_capture_on_commit_callbacks(execute=True):
        reviews.submit_review(quinn, review, now=NOW, answers=answers, comment="Good work")

    review.refresh_from_db()
    # weights 1 + 2 + 3 (N/A left out): (1 + 2 * 0.5 + 3) / 6
    assert review.score == pytest.approx(83.33)
    assert review.state == "submitted" and review.quarter == 20262
    assert review.answers.get(criterion_id=ids["Greets by name"]).comment == "Lovely greeting"
    note = Notification.objects.get(user=alice)
    assert note.url == f"/quality/reviews/{review.pk}/" and "Quinn" in note.title
    assert mailoutbox[-1].to == ["alice@example.org"]
    total = QuarterTotal.objects.get(person=alice, kind="person")
    assert (total.quarter, total.team, total.count) == (20262, care, 1)
    assert total.total == pytest.approx(83.33)


def test_a_failed_critical_criterion_scores_zero(care, alice, quinn, version):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version, Correct_answer=0))
    review.refresh_from_db()
    assert review.score == 0


def test_a_review_cannot_be_submitted_half_answered(care, alice, quinn, version):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    ids = criteria(version)
    reviews.save_answers(quinn, review, answers={ids["Greets by name"]: {"value": 1}})
    with pytest.raises(DomainError) as err:
        reviews.submit_review(quinn, review, now=NOW)
    assert err.value.field.startswith("c")
    assert Review.objects.get(pk=review.pk).state == "draft"


@pytest.mark.parametrize(
    ("title", "value"),
    [("Greets by name", 3), ("Owns the problem", 0), ("Correct answer", None)],
)
def test_answers_a_criterion_does_not_allow_are_refused(care, alice, quinn, version, title, value):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    key = criteria(version)[title]
    with pytest.raises(DomainError) as err:
        reviews.save_answers(quinn, review, answers={key: {"value": value}})
    assert err.value.field == f"c{key}"


def test_only_the_reviewer_changes_a_draft_and_nobody_a_submitted_review(
    care, alice, quinn, maria, version
):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    with pytest.raises(Forbidden):
        reviews.save_answers(maria, review, answers={})
    reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))
    with pytest.raises(DomainError) as err:
        reviews.save_answers(quinn, review, answers={})
    assert err.value.code == "conflict"


def test_an_agent_may_self_review_but_not_review_others(care, alice, lena, version):
    own = handled(care, alice)
    review = reviews.start_review(alice, own, version=version, now=NOW)
    assert review.is_self_review
    reviews.submit_review(alice, review, now=NOW, answers=full_answers(version))
    assert not QuarterTotal.objects.exists()  # self-reviews never count
    assert not Notification.objects.filter(user=alice).exists()
    with pytest.raises(Forbidden):
        reviews.start_review(
            alice, handled(care, lena, email="x@example.com"), version=version, now=NOW
        )


def test_a_lead_who_handled_a_conversation_is_reviewed_like_anyone(care, lena, quinn, version):
    review = reviews.start_review(quinn, handled(care, lena), version=version, now=NOW)
    reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))
    assert QuarterTotal.objects.get(person=lena, kind="person").count == 1


def test_a_conversation_nobody_handled_cannot_be_reviewed(care, quinn, version):
    with pytest.raises(DomainError) as err:
        reviews.start_review(quinn, handled(care, None), version=version, now=NOW)
    assert err.value.field == "conversation"


def test_rebuilding_the_rollup_gives_the_same_totals(care, orders, alice, bob, quinn, version):
    for n, (team, person) in enumerate([(care, alice), (care, alice), (orders, bob)]):
        review = reviews.start_review(
            quinn, handled(team, person, email=f"c{n}@example.com"), version=version, now=NOW
        )
        when = NOW + dt.timedelta(days=60 * n)  # crosses into the next quarter
        reviews.submit_review(
            quinn, review, now=when, answers=full_answers(version, Greets_by_name=n % 2)
        )
    before = sorted(
        QuarterTotal.objects.values_list(
            "quarter", "kind", "team", "person", "key", "count", "total"
        )
    )
    assert rollup.rebuild() == len(before)
    after = sorted(
        QuarterTotal.objects.values_list(
            "quarter", "kind", "team", "person", "key", "count", "total"
        )
    )
    assert after == before
