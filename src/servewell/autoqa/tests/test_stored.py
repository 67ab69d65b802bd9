# ruff: noqa: E501  (conversation texts read best unwrapped)
"""Stored scoring: solved conversations are scored, reviews are pre-filled from the auto
answers, overrides are audited and paired for agreement."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from servewell.autoqa.models import AutoScore, CriterionLink, Pair
from servewell.core.models import AuditEntry
from servewell.desk import conversations
from servewell.desk.tests.factories import make_conversation
from servewell.quality import reviews, scorecards

pytestmark = pytest.mark.django_db


def solved(team, agent, django_capture_on_commit_callbacks):
    c = make_conversation(team, body="My blender arrived cracked, I'm really disappointed.")
    with django_capture_on_commit_callbacks(execute=True):
        conversations.reply(
            agent,
            c,
            body_text="Hi Ruth,\n\nI'm so sorry about this. I've sent a replacement, it will arrive by Friday.\n\nHave a great day!",
            expected_version=None,
            deliver=False,
        )
        c.refresh_from_db()
        conversations.update_conversation(
            agent, c, expected_version=None, status="solved", assignee=agent
        )
    return c


def test_a_solved_conversation_is_scored_with_evidence(
    care, alice, django_capture_on_commit_callbacks
):
    c = solved(care, alice, django_capture_on_commit_callbacks)
    score = AutoScore.objects.get(conversation=c, is_current=True)
    assert score.verdicts["apology"]["value"] is True
    assert score.verdicts["apology"]["evidence"][0]["quote"] == "I'm so sorry about this."
    assert score.score == 100.0 or score.score > 50


def test_rescore_is_idempotent_and_keeps_older_versions(
    care, alice, django_capture_on_commit_callbacks
):
    c = solved(care, alice, django_capture_on_commit_callbacks)
    call_command("autoqa", "rescore")
    assert AutoScore.objects.filter(conversation=c).count() == 1
    AutoScore.objects.filter(conversation=c).update(version="0")
    call_command("autoqa", "rescore")
    assert set(AutoScore.objects.filter(conversation=c).values_list("version", "is_current")) == {
        ("0", False),
        ("1", True),
    }


def test_a_review_is_prefilled_and_an_override_is_audited(
    care, alice, quinn, django_capture_on_commit_callbacks
):
    c = solved(care, alice, django_capture_on_commit_callbacks)
    now = timezone.now()
    card = scorecards.create_scorecard(
        None,
        name="Service",
        now=now,
        sections=[{"title": "S", "criteria": [{"title": "Apology"}, {"title": "Greeting"}]}],
    )
    version = scorecards.publish(None, scorecards.draft_of(card), now=now)
    apology, greeting = list(version.criteria.order_by("position", "id"))
    CriterionLink.objects.create(criterion=apology, auto="apology")
    CriterionLink.objects.create(criterion=greeting, auto="greeting")
    review = reviews.start_review(quinn, c, version=version, now=now)
    answers = reviews.current_answers(review)
    assert answers[apology.pk].value == 1 and answers[apology.pk].comment.startswith("Auto-QA")
    with django_capture_on_commit_callbacks(execute=True):
        reviews.submit_review(quinn, review, now=now, answers={greeting.pk: {"value": 0}})
    pair = Pair.objects.get(review=review, criterion=greeting)
    assert pair.overridden and pair.auto_value == 1 and pair.human_value == 0
    assert AuditEntry.objects.filter(action="autoqa.override").count() == 1


def test_score_command_stores_nothing_and_survives_bad_lines(tmp_path, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text(
        '{"id": "1", "messages": [{"author": "agent", "text": "Hi Ruth, I\'ve refunded you."}]}\nnot json\n[1]\n\n'
    )
    call_command("autoqa", "score", str(f))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and '"not scored: not a JSON object"' in lines[1]
    assert AutoScore.objects.count() == 0


def test_agreement_api_answers_managers_only(api, maria, alice):
    assert api(maria).get("/api/autoqa/agreement/").status_code == 200
    assert api(alice).get("/api/autoqa/agreement/").status_code == 403
