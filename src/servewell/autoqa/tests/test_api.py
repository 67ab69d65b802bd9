# ruff: noqa: E501  (conversation texts read best unwrapped)
"""The auto-QA API and pages: scoped to what one may see, bad input refused with a 4xx,
and every list answering in a bounded number of queries however many rows it has."""

from __future__ import annotations

import pytest
from django.utils import timezone

from servewell.autoqa import links, scoring
from servewell.autoqa.reviews import record_pairs
from servewell.desk import conversations
from servewell.desk.tests.factories import make_conversation
from servewell.quality import reviews, scorecards

pytestmark = pytest.mark.django_db


def solved(
    team,
    agent,
    text="Hi Ruth,\n\nI'm so sorry about this. I've sent a replacement, it will arrive by Friday.\n\nHave a great day!",
):
    c = make_conversation(team, body="My blender arrived cracked, I'm really disappointed.")
    conversations.reply(agent, c, body_text=text, expected_version=None, deliver=False)
    c.refresh_from_db()
    conversations.update_conversation(
        agent, c, expected_version=None, status="solved", assignee=agent
    )
    scoring.score_conversation(c, now=timezone.now())
    return c


@pytest.fixture
def reviewed(care, alice, quinn):
    """Three reviewed conversations on a scorecard with two linked criteria."""
    now = timezone.now()
    card = scorecards.create_scorecard(
        None,
        name="Service",
        now=now,
        sections=[{"title": "S", "criteria": [{"title": "Apology"}, {"title": "Greeting"}]}],
    )
    version = scorecards.publish(None, scorecards.draft_of(card), now=now)
    apology, greeting = version.criteria.order_by("position", "id")
    links.set_link(None, apology, auto="apology")
    links.set_link(None, greeting, auto="greeting")
    made = []
    for n in range(3):
        c = solved(care, alice)
        review = reviews.start_review(quinn, c, version=version, now=now)
        reviews.submit_review(quinn, review, now=now, answers={greeting.pk: {"value": n % 2}})
        record_pairs(review, now=now)
        made.append(c)
    return made


def test_agreement_page_and_api_take_a_bounded_number_of_queries(
    client_as, api, maria, reviewed, django_assert_max_num_queries
):
    client, rest = client_as(maria), api(maria)
    client.get("/autoqa/agreement/")
    with django_assert_max_num_queries(14):
        page = client.get("/autoqa/agreement/")
    assert page.status_code == 200 and b"<td>Service</td>" in page.content
    with django_assert_max_num_queries(8):
        rows = rest.get("/api/autoqa/agreement/").json()
    assert {r["criterion"] for r in rows} and all(r["auto"]["pairs"] == 3 for r in rows)


def test_a_conversations_scores_take_a_bounded_number_of_queries(
    api, alice, care, django_assert_max_num_queries
):
    c = solved(care, alice)
    scoring.score_conversation(c, now=timezone.now())
    with django_assert_max_num_queries(6):
        rows = api(alice).get(f"/api/autoqa/conversations/{c.pk}/").json()
    assert rows[0]["is_current"] and rows[0]["verdicts"]["apology"]["value"] is True


def test_the_conversation_page_shows_the_score_in_a_bounded_number_of_queries(
    client_as, alice, care, django_assert_max_num_queries
):
    c = solved(care, alice)
    client = client_as(alice)
    client.get(f"/desk/c/{c.pk}/")
    with django_assert_max_num_queries(60):
        page = client.get(f"/desk/c/{c.pk}/")
    assert b'id="autoqa-panel"' in page.content and b"I&#x27;m so sorry about this." in page.content


@pytest.mark.parametrize("path", ["abc", "0", "-1", "9" * 40, "1.5", "%00"])
def test_a_conversation_id_that_is_not_one_is_refused_with_a_4xx(api, alice, path):
    response = api(alice).get(f"/api/autoqa/conversations/{path}/")
    assert 400 <= response.status_code < 500


def test_another_teams_conversation_is_not_found(api, bob, alice, care):
    c = solved(care, alice)
    assert api(bob).get(f"/api/autoqa/conversations/{c.pk}/").status_code == 404
    assert api(alice).get(f"/api/autoqa/conversations/{c.pk}/").status_code == 200


def test_the_agreement_api_refuses_writes(api, maria):
    for method in ("post", "put", "delete"):
        assert getattr(api(maria), method)("/api/autoqa/agreement/", {}).status_code == 405
