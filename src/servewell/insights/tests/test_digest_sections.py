"""The weekly digest carries what goodwill and experience contribute through the
digest's extension point: the week's featured story and kudos, in both parts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from servewell.core.digest import DIGEST_SECTIONS
from servewell.experience.models import Kudos, KudosValue
from servewell.goodwill.models import Story
from servewell.insights import digest

NOW = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)  # a Monday: the digest is of 9-15 March
IN_WEEK = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
WEEK_BEFORE = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def _story(author, title, at):
    return Story.objects.create(
        author=author,
        title=title,
        happened="A parcel for a birthday was lost.",
        choice="Sent a new one by courier at our cost.",
        outcome="It arrived the day before the party.",
        created_at=at,
        featured=True,
        featured_by=author,
        featured_at=at,
    )


def _kudos(receiver, giver, message, at):
    return Kudos.objects.create(
        receiver=receiver,
        giver=giver,
        team=receiver.teams.first(),
        value=KudosValue.OWNERSHIP,
        message=message,
        created_at=at,
    )


def test_goodwill_and_experience_contribute_without_insights_importing_them():
    keys = {s.key for s in DIGEST_SECTIONS.items()}
    assert {"goodwill.featured_story", "experience.kudos"} <= keys
    source = Path(digest.__file__).read_text(encoding="utf-8")
    assert "servewell.goodwill" not in source and "servewell.experience" not in source


def test_the_weeks_featured_story_and_kudos_are_in_both_parts(lena, alice):
    _story(alice, "The birthday parcel", IN_WEEK)
    _story(alice, "An older story", WEEK_BEFORE)
    _kudos(alice, lena, "Took the angry caller all the way to a fix.", IN_WEEK)
    _kudos(alice, lena, "Last week's kudos", WEEK_BEFORE)

    built = digest.build(lena, now=NOW)
    titles = [part.title for part in built.sections]
    assert titles == ["Featured story", "Kudos"]
    text, html = digest.render(built)
    for body in (text, html):
        assert "The birthday parcel" in body and "An older story" not in body
        assert "Took the angry caller all the way to a fix." in body
        assert "Last week&#x27;s kudos" not in body and "Last week's kudos" not in body
        assert "1 kudos this week." in body
    assert "/goodwill/stories/" in html and "<script" not in html


def test_a_quiet_week_has_no_empty_sections(lena):
    assert digest.build(lena, now=NOW).sections == []


def test_a_lead_does_not_get_another_teams_kudos(lena, bob, maria):
    _kudos(bob, maria, "Sorted the warehouse mix-up.", IN_WEEK)
    assert digest.build(lena, now=NOW).sections == []
    parts = digest.build(maria, now=NOW).sections
    assert any("Sorted the warehouse mix-up." in line for p in parts for line in p.lines)
