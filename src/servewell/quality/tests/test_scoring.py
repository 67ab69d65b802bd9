"""The score of a review: table cases and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servewell.quality.scoring import ONE_TO_FIVE, YES_NO, AnswerError, Spec, score

YES, NO, NA = 1, 0, None


@pytest.mark.parametrize(
    ("criteria", "answers", "expected"),
    [
        # all yes / all no
        ([Spec(1), Spec(2)], {1: YES, 2: YES}, 100.0),
        ([Spec(1), Spec(2)], {1: NO, 2: NO}, 0.0),
        # weights: 3 of 4 weight points earned
        ([Spec(1, weight=3), Spec(2, weight=1)], {1: YES, 2: NO}, 75.0),
        # the 1-5 scale maps 1..5 to 0, .25, .5, .75, 1
        ([Spec(1, scale=ONE_TO_FIVE)], {1: 1}, 0.0),
        ([Spec(1, scale=ONE_TO_FIVE)], {1: 3}, 50.0),
        ([Spec(1, scale=ONE_TO_FIVE)], {1: 4}, 75.0),
        ([Spec(1, scale=ONE_TO_FIVE), Spec(2)], {1: 5, 2: NO}, 50.0),
        # N/A is left out of both sides
        ([Spec(1, weight=5, na_allowed=True), Spec(2)], {1: NA, 2: YES}, 100.0),
        ([Spec(1, na_allowed=True), Spec(2, weight=3)], {1: NA, 2: NO}, 0.0),
        # a failed critical criterion zeroes everything
        ([Spec(1, critical=True), Spec(2, weight=10)], {1: NO, 2: YES}, 0.0),
        ([Spec(1, critical=True, scale=ONE_TO_FIVE), Spec(2)], {1: 1, 2: YES}, 0.0),
        # ... but a critical criterion passed, or at 2 on 1-5, counts like any other
        ([Spec(1, critical=True), Spec(2)], {1: YES, 2: NO}, 50.0),
        ([Spec(1, critical=True, scale=ONE_TO_FIVE)], {1: 2}, 25.0),
        # ... and a critical criterion marked N/A does not fail
        ([Spec(1, critical=True, na_allowed=True), Spec(2)], {1: NA, 2: YES}, 100.0),
        # nothing to score
        ([Spec(1, na_allowed=True), Spec(2, na_allowed=True)], {1: NA, 2: NA}, None),
        ([Spec(1, weight=0)], {1: YES}, None),
        ([], {}, None),
        # rounding to two decimals: 1 of 3
        ([Spec(1), Spec(2), Spec(3)], {1: YES, 2: NO, 3: NO}, 33.33),
    ],
)
def test_score_table(criteria, answers, expected):
    assert score(criteria, answers) == expected


@pytest.mark.parametrize(
    ("criterion", "value"),
    [
        (Spec(1), NA),  # N/A not allowed
        (Spec(1), 2),  # not yes/no
        (Spec(1, scale=ONE_TO_FIVE), 0),
        (Spec(1, scale=ONE_TO_FIVE), 6),
        (Spec(1), True),  # a bool is not an answer
    ],
)
def test_disallowed_answers_are_refused_naming_the_criterion(criterion, value):
    with pytest.raises(AnswerError) as err:
        score([criterion], {1: value})
    assert err.value.key == 1


def test_a_missing_answer_is_refused():
    with pytest.raises(AnswerError):
        score([Spec(1), Spec(2)], {1: YES})


# --- properties ----------------------------------------------------------------------------


@st.composite
def scorecards(draw, min_size=1):
    """A list of criteria and answers that each criterion allows."""
    n = draw(st.integers(min_value=min_size, max_value=8))
    criteria, answers = [], {}
    for pk in range(n):
        spec = Spec(
            pk,
            weight=draw(st.integers(min_value=0, max_value=100)),
            scale=draw(st.sampled_from([YES_NO, ONE_TO_FIVE])),
            na_allowed=draw(st.booleans()),
            critical=draw(st.booleans()),
        )
        values = [0, 1] if spec.scale == YES_NO else [1, 2, 3, 4, 5]
        if spec.na_allowed:
            values.append(None)
        criteria.append(spec)
        answers[pk] = draw(st.sampled_from(values))
    return criteria, answers


@given(scorecards())
def test_score_is_between_0_and_100_or_none(card):
    result = score(*card)
    assert result is None or 0 <= result <= 100


@given(scorecards(), st.data())
def test_improving_one_answer_never_lowers_the_score(card, data):
    criteria, answers = card
    answered = [c for c in criteria if answers[c.pk] is not None]
    if not answered:
        return
    target = data.draw(st.sampled_from(answered))
    top = 1 if target.scale == YES_NO else 5
    if answers[target.pk] == top:
        return
    better = dict(answers)
    better[target.pk] = data.draw(st.integers(min_value=answers[target.pk] + 1, max_value=top))
    before, after = score(criteria, answers), score(criteria, better)
    if before is not None and after is not None:
        assert after >= before


@given(scorecards(), st.data())
def test_na_on_a_zero_weight_criterion_changes_nothing(card, data):
    criteria, answers = card
    extra = Spec("extra", weight=0, na_allowed=True, critical=False)
    with_value = {**answers, "extra": data.draw(st.sampled_from([0, 1]))}
    with_na = {**answers, "extra": None}
    assert score([*criteria, extra], with_value) == score([*criteria, extra], with_na)
    assert score([*criteria, extra], with_na) == score(criteria, answers)


@given(scorecards(), st.randoms(use_true_random=False))
def test_the_order_of_the_criteria_does_not_matter(card, rnd):
    criteria, answers = card
    shuffled = list(criteria)
    rnd.shuffle(shuffled)
    assert score(shuffled, answers) == score(criteria, answers)


@given(scorecards())
def test_a_failed_critical_criterion_always_scores_zero(card):
    criteria, answers = card
    failing = Spec("crit", weight=1, critical=True)
    assert score([*criteria, failing], {**answers, "crit": 0}) == 0.0
