"""Calibration: blind scoring, then spread, alpha and each reviewer's offset."""

from __future__ import annotations

import pytest

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.quality import calibration, reviews
from servewell.quality.models import QuarterTotal
from servewell.quality.tests.factories import NOW, criteria, full_answers, handled


@pytest.fixture
def session(care, alice, lena, quinn, maria, version):
    return calibration.start_session(
        lena,
        conversation=handled(care, alice),
        version=version,
        reviewers=[quinn, maria, lena],
        now=NOW,
    )


def score(person, session, version, **answers):
    sheet = calibration.my_review(person, session, now=NOW)
    return reviews.submit_review(person, sheet, now=NOW, answers=full_answers(version, **answers))


def test_scores_stay_hidden_until_one_has_scored_or_the_session_closes(
    session, quinn, maria, lena, version
):
    assert not calibration.may_see_results(quinn, session)
    score(quinn, session, version)
    assert calibration.may_see_results(quinn, session)
    assert not calibration.may_see_results(maria, session)
    calibration.close_session(lena, session, now=NOW)
    assert calibration.may_see_results(maria, session)


def test_results_show_spread_alpha_and_offsets(session, quinn, maria, lena, version, alice):
    score(quinn, session, version)  # all best
    score(maria, session, version, Owns_the_problem=3)
    score(lena, session, version, Owns_the_problem=1, Greets_by_name=0)
    result = calibration.results(session)
    rows = {r.criterion.title: r for r in result.criteria}
    owns = rows["Owns the problem"].spread
    assert (owns.low, owns.high) == (0, 100)
    assert rows["Correct answer"].spread.stdev == 0
    assert result.offsets[quinn.pk] > 0 > result.offsets[lena.pk]
    assert result.alpha is not None and result.alpha < 1
    # Calibration never counts as a review of the person.
    assert not QuarterTotal.objects.filter(person=alice).exists()


def test_alpha_across_sessions_pools_their_criteria(
    session, care, alice, lena, quinn, maria, version
):
    score(quinn, session, version)
    score(maria, session, version)
    second = calibration.start_session(
        lena,
        conversation=handled(care, alice, email="z@example.com"),
        version=version,
        reviewers=[quinn, maria],
        now=NOW,
    )
    score(quinn, second, version, Greets_by_name=0)
    score(maria, second, version)
    assert calibration.alpha_across([session, second]) is not None
    assert calibration.alpha_across([session]) is None  # perfect agreement, no variation


def test_only_invited_reviewers_score_and_not_after_closing(session, bob, lena, quinn):
    with pytest.raises(Forbidden):
        calibration.my_review(bob, session, now=NOW)
    calibration.close_session(lena, session, now=NOW)
    with pytest.raises(DomainError):
        calibration.my_review(quinn, session, now=NOW)


def test_a_session_needs_two_reviewers_who_review(care, alice, bob, lena, quinn, version):
    conversation = handled(care, alice)
    with pytest.raises(DomainError) as err:
        calibration.start_session(
            lena, conversation=conversation, version=version, reviewers=[quinn], now=NOW
        )
    assert err.value.field == "reviewers"
    with pytest.raises(DomainError):
        calibration.start_session(
            lena, conversation=conversation, version=version, reviewers=[quinn, bob], now=NOW
        )
    with pytest.raises(Forbidden):
        calibration.start_session(
            alice, conversation=conversation, version=version, reviewers=[quinn, lena], now=NOW
        )


def test_answers_are_checked_like_any_review(session, quinn, version):
    sheet = calibration.my_review(quinn, session, now=NOW)
    key = criteria(version)["Greets by name"]
    with pytest.raises(DomainError):
        reviews.save_answers(quinn, sheet, answers={key: {"value": 7}})
