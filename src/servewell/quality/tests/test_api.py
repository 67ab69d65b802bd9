"""The quality API: happy paths through every endpoint, and bad input → 400, never 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servewell.quality import calibration, coaching, disputes, reviews, sampling
from servewell.quality.models import Dispute, ReviewAssignment
from servewell.quality.tests.factories import criteria, full_answers, handled

NOW = timezone.now()


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def answer_list(version, **overrides):
    return [
        {"criterion": k, "value": a["value"], "comment": a["comment"]}
        for k, a in full_answers(version, **overrides).items()
    ]


@pytest.fixture
def submitted(care, alice, quinn, version):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    return reviews.submit_review(
        quinn, review, now=NOW, answers=full_answers(version, Greets_by_name=0)
    )


# --- scorecards ------------------------------------------------------------------------------


def test_scorecards_are_built_and_published_through_the_api(client_as, quinn, alice):
    client = client_as(quinn)
    response = post(
        client,
        "/api/quality/scorecards/",
        {
            "name": "Chat",
            "sections": [
                {"title": "Tone", "criteria": [{"title": "Warm", "scale": "one_to_five"}]}
            ],
        },
    )
    assert response.status_code == 201, response.content
    card = response.json()
    draft = card["versions"][0]
    assert draft["state"] == "draft"
    version = client.get(f"/api/quality/versions/{draft['id']}/").json()
    section = version["sections"][0]
    response = post(
        client,
        f"/api/quality/sections/{section['id']}/criteria/",
        {"title": "Solved", "weight": 3, "critical": True},
    )
    assert response.status_code == 201
    criterion = response.json()["id"]
    assert patch(client, f"/api/quality/criteria/{criterion}/", {"weight": 4}).json()["weight"] == 4
    assert post(client, f"/api/quality/versions/{draft['id']}/publish/").json()["state"] == (
        "published"
    )
    # Published: frozen.
    response = patch(client, f"/api/quality/criteria/{criterion}/", {"weight": 5})
    assert response.status_code == 400 and response.json()["code"] == "conflict"
    assert client.delete(f"/api/quality/criteria/{criterion}/").status_code == 400
    response = post(client, f"/api/quality/scorecards/{card['id']}/draft/")
    assert response.status_code == 201 and response.json()["number"] == 2
    # Everyone reads scorecards; only quality managers write them.
    alice_client = client_as(alice)
    assert alice_client.get("/api/quality/scorecards/").status_code == 200
    assert post(alice_client, "/api/quality/scorecards/", {"name": "X"}).status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "sections": "Tone"}, "sections"),
        ({"name": "X", "sections": [{"criteria": []}]}, "sections"),
        (
            {
                "name": "X",
                "sections": [{"title": "T", "criteria": [{"title": "C", "weight": 500}]}],
            },
            "sections",
        ),
        (
            {
                "name": "X",
                "sections": [{"title": "T", "criteria": [{"title": "C", "scale": "1-10"}]}],
            },
            "sections",
        ),
        ({"name": "X", "publish": "perhaps"}, "publish"),
        ({"name": "X", "publish": True}, "detail"),  # nothing to publish
        ({"name": "Service"}, "name"),  # duplicate
    ],
)
def test_bad_scorecards_are_400(client_as, quinn, card, payload, field):
    response = post(client_as(quinn), "/api/quality/scorecards/", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("url", "method", "payload", "field"),
    [
        ("sections/{section}/criteria/", "post", {"weight": 1}, "title"),
        ("sections/{section}/criteria/", "post", {"title": "x", "weight": "heavy"}, "weight"),
        ("sections/{section}/", "patch", {"title": ""}, "title"),
        ("criteria/{criterion}/", "patch", {"scale": "stars"}, "scale"),
        ("criteria/{criterion}/", "patch", {"critical": "sometimes"}, "critical"),
        ("versions/{draft}/sections/", "post", {"title": ["a"]}, "title"),
        ("versions/{draft}/sections/", "post", {}, "title"),
    ],
)
def test_bad_scorecard_edits_are_400(client_as, quinn, url, method, payload, field):
    from servewell.quality import scorecards

    card = scorecards.create_scorecard(
        None, name="Edit", now=NOW, sections=[{"title": "S", "criteria": [{"title": "C"}]}]
    )
    draft = scorecards.draft_of(card)
    ids = {
        "section": draft.sections.get().pk,
        "criterion": draft.criteria.get().pk,
        "draft": draft.pk,
    }
    client = client_as(quinn)
    response = getattr(client, method)(
        "/api/quality/" + url.format(**ids), payload, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


# --- reviews and disputes --------------------------------------------------------------------


def test_a_review_through_the_api(client_as, care, alice, quinn, version):
    conversation = handled(care, alice)
    client = client_as(quinn)
    response = post(
        client, "/api/quality/reviews/", {"conversation": conversation.pk, "version": version.pk}
    )
    assert response.status_code == 201, response.content
    review = response.json()
    assert review["reviewee"] == alice.pk and review["state"] == "draft"
    key = criteria(version)["Greets by name"]
    response = patch(
        client,
        f"/api/quality/reviews/{review['id']}/",
        {"answers": [{"criterion": key, "value": 1, "comment": "Warm"}], "comment": "Draft"},
    )
    assert response.json()["answers"][0]["comment"] == "Warm"
    response = post(
        client,
        f"/api/quality/reviews/{review['id']}/submit/",
        {"answers": answer_list(version, Offers_a_next_step=None)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "submitted" and body["score"] == 100.0
    assert len(body["answers"]) == 4
    ids = [r["id"] for r in client_as(alice).get("/api/quality/reviews/").json()["results"]]
    assert ids == [review["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "conversation"),
        ({"conversation": "x", "version": 1}, "conversation"),
        ({"conversation": 999999, "version": 1}, "conversation"),
        ({"conversation": "{conversation}", "version": 999999}, "version"),
        (
            {"conversation": "{conversation}", "version": "{version}", "reviewee": 999999},
            "reviewee",
        ),
        ({"conversation": "{unhandled}", "version": "{version}"}, "conversation"),
    ],
)
def test_bad_reviews_are_400(client_as, care, alice, quinn, version, payload, field):
    ids = {
        "conversation": handled(care, alice).pk,
        "unhandled": handled(care, None, email="n@example.com").pk,
        "version": version.pk,
    }
    body = {
        k: (int(str(v).format(**ids)) if isinstance(v, str) and "{" in v else v)
        for k, v in payload.items()
    }
    response = post(client_as(quinn), "/api/quality/reviews/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"answers": "all yes"}, "answers"),
        ({"answers": [{"criterion": "{key}"}]}, "answers"),
        ({"answers": [{"criterion": "{key}", "value": "yes"}]}, "answers"),
        ({"answers": [{"criterion": 999999, "value": 1}]}, "answers"),
        ({"answers": [{"criterion": "{key}", "value": 7}]}, "c{key}"),
        (
            {"answers": [{"criterion": "{key}", "value": 1}, {"criterion": "{key}", "value": 0}]},
            "answers",
        ),
        ({"comment": ["a"]}, "comment"),
    ],
)
def test_bad_answers_are_400(client_as, care, alice, quinn, version, payload, field):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    key = criteria(version)["Greets by name"]

    def fill(value):
        if isinstance(value, str) and "{key}" in value:
            return int(value.format(key=key)) if value == "{key}" else value.format(key=key)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    client = client_as(quinn)
    for url in (f"/api/quality/reviews/{review.pk}/", f"/api/quality/reviews/{review.pk}/submit/"):
        method = client.patch if url.endswith(f"{review.pk}/") else client.post
        response = method(url, fill(payload), content_type="application/json")
        assert response.status_code == 400, response.content
        assert fill(field) in response.json()


def test_submitting_an_unfinished_review_is_400_naming_the_criterion(
    client_as, care, alice, quinn, version
):
    review = reviews.start_review(quinn, handled(care, alice), version=version, now=NOW)
    response = post(client_as(quinn), f"/api/quality/reviews/{review.pk}/submit/", {})
    assert response.status_code == 400
    assert next(iter(response.json())).startswith("c")


def test_dispute_and_resolution_through_the_api(client_as, submitted, alice, lena, version):
    response = post(
        client_as(alice), f"/api/quality/reviews/{submitted.pk}/dispute/", {"reason": "I did"}
    )
    assert response.status_code == 201
    dispute = response.json()["id"]
    client = client_as(lena)
    assert [d["id"] for d in client.get("/api/quality/disputes/?state=open").json()["results"]] == [
        dispute
    ]
    key = criteria(version)["Greets by name"]
    response = post(
        client,
        f"/api/quality/disputes/{dispute}/resolve/",
        {"decision": "change", "note": "Fair", "answers": [{"criterion": key, "value": 1}]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "changed"
    assert [e["kind"] for e in body["events"]] == ["opened", "changed"]
    assert body["events"][1]["data"]["score_after"] == 100.0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "decision"),
        ({"decision": "shrug"}, "decision"),
        ({"decision": "change"}, "answers"),
        ({"decision": "change", "answers": [{"criterion": 999999, "value": 1}]}, "answers"),
        ({"decision": "uphold", "note": {"a": 1}}, "note"),
    ],
)
def test_bad_resolutions_are_400(client_as, submitted, alice, lena, payload, field):
    dispute = disputes.open_dispute(alice, submitted, reason="x", now=NOW)
    response = post(client_as(lena), f"/api/quality/disputes/{dispute.pk}/resolve/", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Dispute.objects.get().state == "open"


@pytest.mark.parametrize(("payload", "field"), [({}, "reason"), ({"reason": ""}, "reason")])
def test_bad_disputes_are_400(client_as, submitted, alice, payload, field):
    response = post(client_as(alice), f"/api/quality/reviews/{submitted.pk}/dispute/", payload)
    assert response.status_code == 400 and field in response.json()


def test_disputing_twice_is_400_and_others_cannot(client_as, submitted, alice, bob):
    client = client_as(alice)
    post(client, f"/api/quality/reviews/{submitted.pk}/dispute/", {"reason": "x"})
    response = post(client, f"/api/quality/reviews/{submitted.pk}/dispute/", {"reason": "y"})
    assert response.status_code == 400 and response.json()["code"] == "duplicate"
    response = post(
        client_as(bob), f"/api/quality/reviews/{submitted.pk}/dispute/", {"reason": "z"}
    )
    assert response.status_code == 404


# --- sampling and the queue ------------------------------------------------------------------


def test_sampling_plan_run_and_queue_through_the_api(client_as, card, care, alice, quinn, maria):
    start, end = sampling.previous_week(NOW)
    handled(care, alice, opened=start, solved=start + dt.timedelta(hours=1))
    client = client_as(maria)
    response = post(
        client, "/api/quality/sampling/plans/", {"name": "W", "scorecard": card.pk, "per_person": 2}
    )
    assert response.status_code == 201, response.content
    plan = response.json()["id"]
    assert (
        patch(client, f"/api/quality/sampling/plans/{plan}/", {"per_person": 3}).json()[
            "per_person"
        ]
        == 3
    )
    response = post(client, f"/api/quality/sampling/plans/{plan}/run/", {"seed": 4})
    assert response.status_code == 201 and response.json()["assigned"] == 1
    assert len(client.get("/api/quality/sampling/runs/").json()["results"]) == 1
    assignment = ReviewAssignment.objects.get()
    reviewer = client_as(assignment.reviewer)
    queue = reviewer.get("/api/quality/assignments/").json()["results"]
    assert [a["conversation"] for a in queue] == [assignment.conversation_id]
    response = post(reviewer, f"/api/quality/assignments/{assignment.pk}/start/")
    assert response.status_code == 201 and response.json()["reviewee"] == alice.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "P", "scorecard": 999999}, "scorecard"),
        ({"name": "P", "scorecard": "{card}", "per_person": 0}, "per_person"),
        ({"name": "P", "scorecard": "{card}", "channels": ["fax"]}, "channels"),
        ({"name": "P", "scorecard": "{card}", "low_rating_max": 9}, "low_rating_max"),
        ({"name": "P", "scorecard": "{card}", "min_handling_hours": -3}, "min_handling_hours"),
        ({"name": "P", "scorecard": "{draft_card}"}, "scorecard"),
    ],
)
def test_bad_plans_are_400(client_as, maria, card, payload, field):
    from servewell.quality.tests.factories import make_scorecard

    ids = {"card": card.pk, "draft_card": make_scorecard("Unpublished", publish=False).pk}
    body = {
        k: (int(v.format(**ids)) if isinstance(v, str) and "{" in v else v)
        for k, v in payload.items()
    }
    response = post(client_as(maria), "/api/quality/sampling/plans/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start": "yesterday", "end": "2026-01-01T00:00:00Z"}, "start"),
        ({"start": "2026-01-01T00:00:00Z"}, "end"),
        ({"start": "2026-01-08T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_runs_are_400(client_as, maria, card, payload, field):
    plan = sampling.create_plan(None, name="P", scorecard=card, now=NOW)
    response = post(client_as(maria), f"/api/quality/sampling/plans/{plan.pk}/run/", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_bad_plan_changes_and_queue_filters_are_400(client_as, maria, card):
    plan = sampling.create_plan(None, name="P", scorecard=card, now=NOW)
    client = client_as(maria)
    response = patch(client, f"/api/quality/sampling/plans/{plan.pk}/", {"per_person": "many"})
    assert response.status_code == 400 and "per_person" in response.json()
    assert client.get("/api/quality/assignments/?reviewer=me").status_code == 400


# --- calibration -----------------------------------------------------------------------------


def test_calibration_through_the_api(client_as, care, alice, lena, quinn, maria, version):
    conversation = handled(care, alice)
    client = client_as(lena)
    response = post(
        client,
        "/api/quality/calibration/",
        {"conversation": conversation.pk, "version": version.pk, "reviewers": [quinn.pk, maria.pk]},
    )
    assert response.status_code == 201, response.content
    session = response.json()["id"]
    quinn_client = client_as(quinn)
    assert quinn_client.get(f"/api/quality/calibration/{session}/").json()["results"] is None
    response = post(
        quinn_client,
        f"/api/quality/calibration/{session}/score/",
        {"answers": answer_list(version), "submit": True},
    )
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    results = quinn_client.get(f"/api/quality/calibration/{session}/").json()["results"]
    assert results["reviewers"] == [quinn.pk] and results["pending"] == [maria.pk]
    maria_client = client_as(maria)
    post(
        maria_client,
        f"/api/quality/calibration/{session}/score/",
        {"answers": answer_list(version, Greets_by_name=0), "submit": True},
    )
    response = post(client_as(lena), f"/api/quality/calibration/{session}/close/")
    assert response.json()["state"] == "closed"
    alpha = client_as(lena).get("/api/quality/calibration/alpha/").json()
    assert alpha["sessions"] == 1 and alpha["alpha"] is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "conversation"),
        (
            {"conversation": 999999, "version": "{version}", "reviewers": ["{quinn}", "{maria}"]},
            "conversation",
        ),
        (
            {
                "conversation": "{conversation}",
                "version": 999999,
                "reviewers": ["{quinn}", "{maria}"],
            },
            "version",
        ),
        (
            {"conversation": "{conversation}", "version": "{version}", "reviewers": ["{quinn}"]},
            "reviewers",
        ),
        (
            {"conversation": "{conversation}", "version": "{version}", "reviewers": "{quinn}"},
            "reviewers",
        ),
        (
            {
                "conversation": "{conversation}",
                "version": "{version}",
                "reviewers": [999999, "{quinn}"],
            },
            "reviewers",
        ),
    ],
)
def test_bad_calibration_sessions_are_400(
    client_as, care, alice, lena, quinn, maria, version, payload, field
):
    ids = {
        "conversation": handled(care, alice).pk,
        "version": version.pk,
        "quinn": quinn.pk,
        "maria": maria.pk,
    }

    def fill(v):
        if isinstance(v, list):
            return [fill(x) for x in v]
        return int(v.format(**ids)) if isinstance(v, str) and "{" in v else v

    response = post(
        client_as(lena), "/api/quality/calibration/", {k: fill(v) for k, v in payload.items()}
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"answers": [{"criterion": 999999, "value": 1}]}, "answers"),
        ({"submit": "later"}, "submit"),
        ({"submit": True}, None),
    ],
)
def test_bad_calibration_scores_are_400(
    client_as, care, alice, lena, quinn, maria, version, payload, field
):
    session = calibration.start_session(
        lena, conversation=handled(care, alice), version=version, reviewers=[quinn, maria], now=NOW
    )
    response = post(client_as(quinn), f"/api/quality/calibration/{session.pk}/score/", payload)
    assert response.status_code == 400, response.content
    if field:
        assert field in response.json()


def test_bad_alpha_filter_is_400(client_as, lena):
    assert client_as(lena).get("/api/quality/calibration/alpha/?scorecard=x").status_code == 400


# --- coaching --------------------------------------------------------------------------------


def test_coaching_through_the_api(client_as, submitted, alice, lena, version):
    client = client_as(lena)
    due = (NOW.date() + dt.timedelta(days=7)).isoformat()
    response = post(
        client,
        "/api/quality/coaching/",
        {
            "person": alice.pk,
            "date": NOW.date().isoformat(),
            "notes": "Names",
            "reviews": [submitted.pk],
            "focus": [criteria(version)["Greets by name"]],
            "items": [{"text": "Use names", "due": due}],
        },
    )
    assert response.status_code == 201, response.content
    session = response.json()
    assert session["reviews"] == [submitted.pk] and len(session["items"]) == 1
    assert session["trend"]["after_reviews"] == 1
    response = post(client_as(alice), f"/api/quality/coaching/{session['id']}/acknowledge/")
    assert response.json()["acknowledged_at"]
    client = client_as(lena)
    item = post(
        client, f"/api/quality/coaching/{session['id']}/items/", {"text": "Shadow", "due": due}
    )
    assert item.status_code == 201
    response = post(
        client,
        f"/api/quality/coaching/{session['id']}/follow-up/",
        {"notes": "ok", "items": [{"id": item.json()["id"], "state": "done"}]},
    )
    states = {i["text"]: i["state"] for i in response.json()["items"]}
    assert states == {"Use names": "open", "Shadow": "done"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "person"),
        ({"person": "{alice}", "date": "soon"}, "date"),
        ({"person": 999999, "date": "2026-05-01"}, "person"),
        ({"person": "{alice}", "date": "2026-05-01", "reviews": [999999]}, "reviews"),
        ({"person": "{alice}", "date": "2026-05-01", "focus": [999999]}, "focus"),
        ({"person": "{alice}", "date": "2026-05-01", "items": [{"text": "x"}]}, "items"),
        ({"person": "{alice}", "date": "2026-05-01", "items": "do better"}, "items"),
    ],
)
def test_bad_coaching_sessions_are_400(client_as, alice, lena, payload, field):
    body = {k: (alice.pk if v == "{alice}" else v) for k, v in payload.items()}
    response = post(client_as(lena), "/api/quality/coaching/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("items/", {"text": "x"}, "due"),
        ("items/", {"text": "", "due": "2026-01-01"}, "text"),
        ("follow-up/", {"items": [{"id": 999999, "state": "done"}]}, "items"),
        ("follow-up/", {"items": [{"id": 1, "state": "finished"}]}, "items"),
    ],
)
def test_bad_coaching_updates_are_400(client_as, alice, lena, url, payload, field):
    session = coaching.hold_session(lena, person=alice, on=NOW.date(), now=NOW)
    response = post(client_as(lena), f"/api/quality/coaching/{session.pk}/{url}", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()


# --- reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["people", "teams", "quarters", "distribution", "workload", "badges", "heatmap"]
)
def test_every_report_table_is_served(client_as, submitted, maria, name):
    response = client_as(maria).get(f"/api/quality/reports/{name}/")
    assert response.status_code == 200
    body = response.json()
    assert body["table"] == name and body["headers"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("quarter=2026Q7", "quarter"),
        ("quarter=someday", "quarter"),
        ("team=abc", "team"),
        ("team=999999", "team"),
        ("scorecard=999999", "scorecard"),
        ("scorecard=x", "scorecard"),
    ],
)
def test_bad_report_parameters_are_400(client_as, maria, query, field):
    response = client_as(maria).get(f"/api/quality/reports/people/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_unknown_report_tables_are_404_and_agents_403(client_as, maria, alice):
    assert client_as(maria).get("/api/quality/reports/nope/").status_code == 404
    assert client_as(alice).get("/api/quality/reports/people/").status_code == 403


def test_api_lists_keep_their_query_count(
    client_as, submitted, alice, lena, quinn, care, version, django_assert_max_num_queries
):
    for n in range(4):
        review = reviews.start_review(
            quinn, handled(care, alice, email=f"q{n}@example.com"), version=version, now=NOW
        )
        review = reviews.submit_review(quinn, review, now=NOW, answers=full_answers(version))
        disputes.open_dispute(alice, review, reason="x", now=NOW)
        coaching.hold_session(lena, person=alice, on=NOW.date(), now=NOW)
    for user, url in [
        (alice, "/api/quality/reviews/"),
        (alice, "/api/quality/disputes/"),
        (alice, "/api/quality/coaching/"),
        (quinn, "/api/quality/assignments/"),
        (quinn, "/api/quality/scorecards/"),
        (lena, "/api/quality/calibration/"),
        (lena, "/api/quality/sampling/plans/"),
        (lena, "/api/quality/sampling/runs/"),
    ]:
        client = client_as(user)
        client.get(url)
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200, url


def test_malformed_json_is_400(client_as, quinn):
    response = client_as(quinn).post(
        "/api/quality/reviews/", b"{nope", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/quality/reviews/?reviewee=abc",
        "/api/quality/reviews/?state=lost",
        "/api/quality/disputes/?state=lost",
        "/api/quality/assignments/?state=lost",
    ],
)
def test_bad_list_filters_are_400(client_as, quinn, url):
    response = client_as(quinn).get(url)
    assert response.status_code == 400, response.content


def test_the_openapi_schema_describes_the_quality_api(client, db):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/quality/scorecards/",
        "/api/quality/reviews/{id}/submit/",
        "/api/quality/disputes/{id}/resolve/",
        "/api/quality/sampling/plans/{id}/run/",
        "/api/quality/calibration/alpha/",
        "/api/quality/coaching/{id}/follow-up/",
        "/api/quality/reports/{name}/",
    ):
        assert path in schema["paths"], path
