"""``iqs_between``: a person's IQS over any window, for reports outside quality."""

from __future__ import annotations

import datetime as dt

from servewell.quality import reviews
from servewell.quality.queries import iqs_between
from servewell.quality.tests.factories import NOW, full_answers, handled


def _review(reviewer, person, team, version, when, **answers):
    conversation = handled(team, person, opened=when, solved=when)
    review = reviews.start_review(reviewer, conversation, version=version, now=when)
    return reviews.submit_review(
        reviewer, review, now=when, answers=full_answers(version, **answers)
    )


def test_iqs_between_counts_only_reviews_submitted_in_the_window(care, alice, lena, version):
    early = NOW - dt.timedelta(days=100)
    _review(lena, alice, care, version, early, Correct_answer=0)
    _review(lena, alice, care, version, NOW - dt.timedelta(days=10))
    _review(lena, alice, care, version, NOW - dt.timedelta(days=5))

    recent = iqs_between([alice.pk], start=NOW - dt.timedelta(days=90), end=NOW)
    assert recent == {alice.pk: {"reviews": 2, "iqs": 100.0}}
    assert (
        iqs_between([alice.pk], start=early, end=early + dt.timedelta(days=1))[alice.pk]["reviews"]
        == 1
    )
    assert iqs_between([lena.pk], start=early, end=NOW) == {}
