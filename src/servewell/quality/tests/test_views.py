"""The quality screens, driven through the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servewell.quality import disputes, reviews, sampling
from servewell.quality.models import (
    ActionItem,
    CalibrationSession,
    CoachingSession,
    Dispute,
    ReviewAssignment,
    Scorecard,
)
from servewell.quality.tests.factories import criteria, full_answers, handled

NOW = timezone.now()


def no_inline_styles(html: str) -> None:
    assert " style=" not in html and "<style" not in html and "<script>" not in html


def answer_form(version, prefix="", **overrides) -> dict:
    data = {}
    for key, answer in full_answers(version, **overrides).items():
        data[f"{prefix}c{key}"] = "na" if answer["value"] is None else str(answer["value"])
        data[f"{prefix}c{key}_comment"] = ""
    return data


@pytest.fixture
def submitted(care, alice, quinn, version):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    return reviews.submit_review(
        quinn, review, now=NOW, answers=full_answers(version, Greets_by_name=0)
    )


def test_a_reviewer_scores_a_conversation_beside_it(client_as, care, alice, quinn, version):
    conversation = handled(care, alice, replies=[alice])
    client = client_as(quinn)
    page = client.get(f"/quality/conversations/{conversation.pk}/review/")
    assert page.status_code == 200 and "Alice" in page.content.decode()
    response = client.post(
        f"/quality/conversations/{conversation.pk}/review/", {"version": version.pk}
    )
    assert response.status_code == 302
    url = response["Location"]
    page = client.get(url).content.decode()
    no_inline_styles(page)
    assert "my order has not arrived" in page and "Reply 1" in page  # the conversation
    assert "Greets by name" in page and "Submit review" in page  # the form

    # Saving half a review keeps a draft; submitting it half done names what is missing.
    key = criteria(version)["Greets by name"]
    client.post(url, {f"c{key}": "1", f"c{key}_comment": "Warm", "save": "1"})
    response = client.post(url, {f"c{key}": "1", "submit": "1"})
    assert response.status_code == 400 and "no answer" in response.content.decode()

    response = client.post(url, {**answer_form(version), "comment": "Great", "submit": "1"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "100" in page and "Great" in page and "Submit review" not in page


def test_the_person_reads_their_review_and_disputes_it(client_as, submitted, alice, lena):
    client = client_as(alice)
    home = client.get("/quality/").content.decode()
    no_inline_styles(home)
    assert f"/quality/reviews/{submitted.pk}/" in home and "reviewed conversation" in home
    page = client.get(f"/quality/reviews/{submitted.pk}/").content.decode()
    assert "Dispute this review" in page
    response = client.post(
        f"/quality/reviews/{submitted.pk}/dispute/", {"reason": "I greeted her by name."}
    )
    dispute = Dispute.objects.get()
    assert response["Location"] == f"/quality/disputes/{dispute.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "I greeted her by name." in page and "Resolve the dispute" not in page


def test_a_lead_resolves_a_dispute_by_changing_an_answer(
    client_as, submitted, alice, lena, version
):
    dispute = disputes.open_dispute(alice, submitted, reason="I did", now=NOW)
    client = client_as(lena)
    assert dispute.pk in [d.pk for d in client.get("/quality/disputes/").context["disputes"]]
    page = client.get(f"/quality/disputes/{dispute.pk}/").content.decode()
    no_inline_styles(page)
    assert "Resolve the dispute" in page
    data = answer_form(version, prefix="a-") | {"decision": "change", "note": "Agreed"}
    response = client.post(f"/quality/disputes/{dispute.pk}/", data)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.score == 100 and submitted.revision == 2
    page = client.get(f"/quality/disputes/{dispute.pk}/").content.decode()
    assert "Score changed" in page and "revision 2" in page


def test_changing_nothing_is_not_a_change(client_as, submitted, alice, lena, version):
    dispute = disputes.open_dispute(alice, submitted, reason="I did", now=NOW)
    current = answer_form(version, prefix="a-", Greets_by_name=0)
    response = client_as(lena).post(
        f"/quality/disputes/{dispute.pk}/", current | {"decision": "change"}
    )
    assert response.status_code == 400
    assert Dispute.objects.get().state == "open"


def test_people_cannot_read_other_peoples_reviews(client_as, submitted, bob, alice):
    assert client_as(bob).get(f"/quality/reviews/{submitted.pk}/").status_code == 404
    assert client_as(bob).get(f"/quality/people/{alice.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/quality/reports/", "/quality/scorecards/", "/quality/sampling/", "/quality/queue/"]
)
def test_agents_do_not_reach_the_reviewer_screens(client_as, alice, url):
    assert client_as(alice).get(url).status_code == 403


def test_a_scorecard_is_built_published_and_edited_as_a_new_version(client_as, quinn):
    client = client_as(quinn)
    response = client.post("/quality/scorecards/", {"name": "Chat", "description": ""})
    card = Scorecard.objects.get(name="Chat")
    assert response["Location"] == f"/quality/scorecards/{card.pk}/"
    draft = card.versions.get()
    client.post(f"/quality/versions/{draft.pk}/sections/", {"title": "Tone"})
    section = draft.sections.get()
    client.post(
        f"/quality/sections/{section.pk}/criteria/",
        {"title": "Friendly", "weight": "2", "scale": "one_to_five", "critical": "on"},
    )
    criterion = draft.criteria.get()
    assert (criterion.weight, criterion.scale, criterion.critical) == (2, "one_to_five", True)
    client.post(f"/quality/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.state == "published"
    # A published version refuses changes: the screen says so and nothing changes.
    client.post(f"/quality/criteria/{criterion.pk}/delete/")
    assert draft.criteria.count() == 1
    client.post(f"/quality/scorecards/{card.pk}/draft/")
    page = client.get(f"/quality/scorecards/{card.pk}/").content.decode()
    no_inline_styles(page)
    assert "Draft version 2" in page and "Published version 1" in page


def test_sampling_is_set_up_and_run_from_the_screen(client_as, card, care, alice, quinn, maria):
    start, _ = sampling.previous_week(timezone.now())
    handled(care, alice, opened=start, solved=start + dt.timedelta(hours=2))
    client = client_as(maria)
    response = client.post(
        "/quality/sampling/",
        {"name": "Weekly", "scorecard": card.pk, "per_person": "2", "channels": ["email"]},
    )
    assert response.status_code == 302
    plan = sampling.SamplingPlan.objects.get()
    assert plan.channels == ["email"]
    client.post(f"/quality/sampling/{plan.pk}/run/")
    assignment = ReviewAssignment.objects.get()
    assert assignment.reviewee == alice
    # The reviewer finds it in their queue and starts it.
    client = client_as(assignment.reviewer)
    page = client.get("/quality/queue/").content.decode()
    assert f"#{assignment.conversation_id}" in page
    response = client.post(f"/quality/assignments/{assignment.pk}/start/")
    assignment.refresh_from_db()
    assert response["Location"] == f"/quality/reviews/{assignment.review_id}/"


def test_bad_plans_are_shown_back_with_errors(client_as, maria, card):
    response = client_as(maria).post(
        "/quality/sampling/", {"name": "", "scorecard": card.pk, "per_person": "0"}
    )
    assert response.status_code == 400


def test_calibration_from_the_screens(client_as, care, alice, lena, quinn, maria, version):
    conversation = handled(care, alice)
    client = client_as(lena)
    response = client.post(
        "/quality/calibration/",
        {
            "conversation": conversation.pk,
            "version": version.pk,
            "reviewers": [quinn.pk, maria.pk],
            "title": "May calibration",
        },
    )
    session = CalibrationSession.objects.get()
    assert response["Location"] == f"/quality/calibration/{session.pk}/"
    quinn_client = client_as(quinn)
    page = quinn_client.get(response["Location"]).content.decode()
    no_inline_styles(page)
    assert "Submit my score" in page and "Results" not in page
    quinn_client.post(response["Location"], {**answer_form(version), "submit": "1"})
    page = quinn_client.get(response["Location"]).content.decode()
    assert "Results" in page and "Krippendorff" in page
    client_as(lena).post(f"/quality/calibration/{session.pk}/close/")
    session.refresh_from_db()
    assert session.state == "closed"


def test_coaching_from_the_screens(client_as, submitted, care, alice, lena, version):
    client = client_as(lena)
    response = client.post(
        "/quality/coaching/",
        {
            "person": alice.pk,
            "date": NOW.date().isoformat(),
            "notes": "Names matter",
            "items": f"{(NOW.date() + dt.timedelta(days=7)).isoformat()} Greet by name",
            "reviews": [submitted.pk],
            "focus": [criteria(version)["Greets by name"]],
        },
    )
    session = CoachingSession.objects.get()
    assert response["Location"] == f"/quality/coaching/{session.pk}/"
    assert session.reviews.get() == submitted and session.focus.count() == 1
    alice_client = client_as(alice)
    page = alice_client.get(response["Location"]).content.decode()
    no_inline_styles(page)
    assert "Greet by name" in page and "I acknowledge" in page
    alice_client.post(f"/quality/coaching/{session.pk}/acknowledge/")
    item = session.items.get()
    client = client_as(lena)
    client.post(
        f"/quality/coaching/{session.pk}/follow-up/", {"notes": "Done", f"item-{item.pk}": "done"}
    )
    assert ActionItem.objects.get().state == "done"
    # The person's page shows the history with the before/after trend.
    page = alice_client.get(f"/quality/people/{alice.pk}/").content.decode()
    assert "Coaching history" in page and "Lena" in page


def test_reports_page_tables_chart_heatmap_and_csv(
    client_as, submitted, maria, django_assert_max_num_queries
):
    client = client_as(maria)
    client.get("/quality/reports/")  # warm the per-process caches
    with django_assert_max_num_queries(25):
        page = client.get("/quality/reports/").content.decode()
    no_inline_styles(page)
    assert "<svg" in page and "heat-" in page and "Alice" in page
    for name in ("people", "teams", "quarters", "distribution", "workload", "badges", "heatmap"):
        response = client.get(f"/quality/reports/{name}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    people = client.get("/quality/reports/people.csv").content.decode().splitlines()
    assert people[0] == "person,name,reviews,iqs" and "Alice" in people[1]
    assert client.get("/quality/reports/nope.csv").status_code == 404
    assert client.get("/quality/reports/?quarter=garbage&team=x").status_code == 200


def test_list_screens_keep_their_query_count(
    client_as, submitted, alice, quinn, care, version, django_assert_max_num_queries
):
    for n in range(5):
        review = reviews.start_review(
            quinn, handled(care, alice, email=f"m{n}@example.com"), version=version, now=NOW
        )
        review = reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))
        disputes.open_dispute(alice, review, reason="x", now=NOW)
    for user, url, limit in [
        (alice, "/quality/", 12),
        (quinn, "/quality/queue/", 10),
        (alice, "/quality/disputes/", 10),
        (alice, f"/quality/people/{alice.pk}/", 12),
        (quinn, "/quality/calibration/", 12),
        (alice, "/quality/coaching/", 10),
    ]:
        client = client_as(user)
        client.get(url)
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


def test_the_quality_home_offers_a_self_review_of_ones_own_conversations(
    client_as, care, alice, version
):
    conversation = handled(care, alice, solved=NOW)
    client = client_as(alice)
    page = client.get("/quality/").content.decode()
    assert f"/quality/conversations/{conversation.pk}/review/" in page
    response = client.post(
        f"/quality/conversations/{conversation.pk}/review/", {"version": version.pk}
    )
    page = client.get(response["Location"]).content.decode()
    assert "self-review" in page and "Submit review" in page
