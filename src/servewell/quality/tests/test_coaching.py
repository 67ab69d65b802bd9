"""Coaching: sessions with action items, acknowledgement, follow-up and the trend."""

from __future__ import annotations

import datetime as dt

import pytest

from servewell.core.access import Forbidden
from servewell.core.errors import DomainError
from servewell.quality import coaching, reviews
from servewell.quality.tests.factories import NOW, full_answers, handled

DAY = dt.timedelta(days=1)


def reviewed(care, person, reviewer, version, when, n, **answers):
    conversation = handled(care, person, email=f"t{n}@example.com")
    review = reviews.start_review(reviewer, conversation, version=version, now=when)
    return reviews.submit_review(
        reviewer, review, now=when, answers=full_answers(version, **answers)
    )


def test_a_session_with_items_acknowledged_and_followed_up(care, alice, lena, quinn, version):
    review = reviewed(care, alice, quinn, version, NOW, 1, Greets_by_name=0)
    focus = version.criteria.get(title="Greets by name")
    session = coaching.hold_session(
        lena,
        person=alice,
        on=NOW.date(),
        notes="Greet by name.",
        reviews=[review],
        focus=[focus],
        items=[{"text": "Use the customer's name", "due": NOW.date() + 7 * DAY}],
        now=NOW,
    )
    assert list(session.focus.all()) == [focus] and list(session.reviews.all()) == [review]
    with pytest.raises(Forbidden):
        coaching.acknowledge(lena, session, now=NOW)
    coaching.acknowledge(alice, session, now=NOW)
    assert session.acknowledged_at == NOW
    item = session.items.get()
    extra = coaching.add_item(lena, session, text="Shadow a call", due=NOW.date() + 14 * DAY)
    coaching.follow_up(
        lena, session, notes="Better.", states={item.pk: "done", extra.pk: "not_done"}, now=NOW
    )
    assert dict(session.items.values_list("text", "state")) == {
        "Use the customer's name": "done",
        "Shadow a call": "not_done",
    }
    assert session.followed_up_at == NOW


def test_the_trend_compares_30_days_before_with_30_days_after(care, alice, lena, quinn, version):
    reviewed(care, alice, quinn, version, NOW - 10 * DAY, 1, Correct_answer=0)  # 0
    reviewed(care, alice, quinn, version, NOW - 40 * DAY, 2, Correct_answer=0)  # too early
    reviewed(care, alice, quinn, version, NOW + 5 * DAY, 3)  # 100
    reviewed(care, alice, quinn, version, NOW + 6 * DAY, 4, Greets_by_name=0)
    session = coaching.hold_session(lena, person=alice, on=NOW.date(), now=NOW)
    trend = coaching.trend(session)
    assert (trend.before, trend.before_n, trend.after_n) == (0, 1, 2)
    assert trend.after == pytest.approx((100 + 85.71) / 2, abs=0.01)  # 6 of 7 weight
    assert trend.change == pytest.approx(trend.after)


def test_only_coaches_of_the_persons_team_coach(care, orders, alice, bob, lena):
    with pytest.raises(Forbidden):
        coaching.hold_session(alice, person=lena, on=NOW.date(), now=NOW)
    with pytest.raises(Forbidden):
        coaching.hold_session(lena, person=bob, on=NOW.date(), now=NOW)
    with pytest.raises(DomainError):
        coaching.hold_session(lena, person=lena, on=NOW.date(), now=NOW)


def test_bad_items_and_unrelated_reviews_are_refused(care, alice, bob, lena, maria, quinn, version):
    with pytest.raises(DomainError) as err:
        coaching.hold_session(lena, person=alice, on=NOW.date(), items=[{"text": "x"}], now=NOW)
    assert err.value.field == "items"
    other = reviewed(care, lena, quinn, version, NOW, 9)
    with pytest.raises(DomainError) as err:
        coaching.hold_session(maria, person=alice, on=NOW.date(), reviews=[other], now=NOW)
    assert err.value.field == "reviews"
    session = coaching.hold_session(lena, person=alice, on=NOW.date(), now=NOW)
    with pytest.raises(DomainError):
        coaching.follow_up(lena, session, states={12345: "done"}, now=NOW)
