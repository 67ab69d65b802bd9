"""Scorecards are versioned: a published version never changes; editing drafts the next."""

from __future__ import annotations

import pytest

from servewell.core.errors import DomainError
from servewell.quality import reviews, scorecards
from servewell.quality.models import Criterion, ScorecardVersion
from servewell.quality.tests.factories import NOW, full_answers, handled, version_of


def test_a_new_scorecard_starts_as_a_draft_with_its_sections(db):
    card = scorecards.create_scorecard(
        None,
        name="Calls",
        now=NOW,
        sections=[{"title": "Tone", "criteria": [{"title": "Warm", "scale": "one_to_five"}]}],
    )
    draft = scorecards.draft_of(card)
    assert draft.number == 1 and draft.state == "draft"
    assert [s.title for s in draft.sections.all()] == ["Tone"]
    assert draft.criteria.get().scale == "one_to_five"
    assert scorecards.latest_published(card) is None


def test_a_published_version_refuses_every_change(version):
    section = version.sections.first()
    criterion = version.criteria.first()
    for attempt in (
        lambda: scorecards.add_section(None, version, title="More"),
        lambda: scorecards.add_criterion(None, section, title="New"),
        lambda: scorecards.update_criterion(None, criterion, weight=9),
        lambda: scorecards.remove_criterion(None, criterion),
        lambda: scorecards.remove_section(None, section),
    ):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == "conflict"
    assert Criterion.objects.get(pk=criterion.pk).weight == criterion.weight


def test_editing_drafts_the_next_version_and_past_reviews_keep_theirs(
    card, version, alice, quinn, care
):
    conversation = handled(care, alice)
    review = reviews.start_review(quinn, conversation, version=version, now=NOW)
    reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))

    draft = scorecards.start_draft(quinn, card, now=NOW)
    assert draft.number == 2
    assert scorecards.start_draft(quinn, card, now=NOW) == draft  # one draft at a time
    # Criteria are copied with the same keys so reports follow them across versions.
    assert set(draft.criteria.values_list("key", flat=True)) == set(
        version.criteria.values_list("key", flat=True)
    )
    greets = draft.criteria.get(title="Greets by name")
    scorecards.update_criterion(quinn, greets, weight=10, critical=True)
    scorecards.publish(quinn, draft, now=NOW)

    assert version_of(card) == draft
    review.refresh_from_db()
    assert review.version == version
    assert version.criteria.get(title="Greets by name").weight == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "weight": 101}, "weight"),
        ({"title": "x", "weight": -1}, "weight"),
        ({"title": "x", "weight": "3"}, "weight"),
        ({"title": "x", "scale": "one_to_ten"}, "scale"),
    ],
)
def test_bad_criteria_are_refused_naming_the_field(db, data, field):
    card = scorecards.create_scorecard(None, name="Draft", now=NOW)
    section = scorecards.add_section(None, scorecards.draft_of(card), title="S")
    with pytest.raises(DomainError) as err:
        scorecards.add_criterion(None, section, **data)
    assert err.value.field == field


def test_a_version_needs_a_weighted_criterion_to_be_published(db):
    card = scorecards.create_scorecard(None, name="Empty", now=NOW)
    draft = scorecards.draft_of(card)
    with pytest.raises(DomainError):
        scorecards.publish(None, draft, now=NOW)
    section = scorecards.add_section(None, draft, title="S")
    scorecards.add_criterion(None, section, title="Weightless", weight=0)
    with pytest.raises(DomainError):
        scorecards.publish(None, draft, now=NOW)
    assert ScorecardVersion.objects.get(pk=draft.pk).state == "draft"


def test_scorecard_names_are_unique(card):
    with pytest.raises(DomainError) as err:
        scorecards.create_scorecard(None, name="service", now=NOW)
    assert err.value.code == "duplicate"
