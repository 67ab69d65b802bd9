"""Pages and API: scoping, query counts, reports and CSV, bad input, erasure, panels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from servewell.experience import kudos, pulse, surveys
from servewell.experience.models import Kudos, SurveyResponse
from servewell.experience.tests.helpers import send_and_token, solved_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(care, alice, django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)
    conversation = solved_conversation(
        care, alice, now=now, capture=django_capture_on_commit_callbacks
    )
    _survey, token = send_and_token(now)
    with django_capture_on_commit_callbacks(execute=True):
        response = surveys.record_answer(
            token, score="5", comment="Alice was wonderful, thank you!", would_return="yes", now=now
        )
    return conversation, response


def test_lists_and_reports_keep_their_query_counts(
    client_as, lena, rated, django_assert_max_num_queries
):
    client = client_as(lena)
    for url in (
        "/experience/",
        "/experience/responses/",
        "/experience/reports/",
        "/experience/reports/?by=person",
        "/experience/reports/?by=month",
        "/experience/pulse/",
        "/experience/settings/",
    ):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200, url


def test_the_report_shows_csat_and_exports_csv(client_as, maria, rated):
    page = client_as(maria).get("/experience/reports/?by=team&months=3")
    html = page.content.decode()
    assert "Care" in html and "100.0" in html and "<svg" in html
    csv = client_as(maria).get("/experience/reports.csv?by=person").content.decode()
    assert csv.splitlines()[0].startswith("Group,Sent,Responses")


def test_an_agent_of_another_team_sees_no_ratings_of_care(client_as, bob, rated):
    assert client_as(bob).get("/experience/responses/").status_code == 403
    assert client_as(bob).get("/experience/").status_code == 200


def test_a_positive_comment_is_passed_on_as_kudos_in_one_click(client_as, lena, alice, rated):
    _conversation, response = rated
    client_as(lena).post(f"/experience/responses/{response.pk}/kudos/")
    assert Kudos.objects.get().receiver == alice
    client_as(lena).post(f"/experience/responses/{response.pk}/kudos/")
    assert Kudos.objects.count() == 1


def test_hostile_ids_and_filters_are_4xx_never_500(client_as, maria, rated):
    client = client_as(maria)
    for url in (
        "/experience/reports/?months=999999999999999999999&team=abc&by=zzz",
        "/experience/responses/?team=%F0%9F&low=1",
        "/experience/pulse/?team=-1",
        "/experience/recovery/999999/",
        "/experience/pulse/99999/",
    ):
        assert client.get(url).status_code in (200, 403, 404), url
    assert (
        client.post("/experience/kudos/give/", {"receiver": "x", "value": "?"}).status_code == 302
    )
    assert client.post("/experience/settings/", {"team": "abc"}).status_code == 404


def test_api_lists_answers_reports_and_kudos(
    api, lena, alice, rated, django_assert_max_num_queries
):
    client = api(lena)
    with django_assert_max_num_queries(10):
        body = client.get("/api/experience/responses/").json()
    assert body["results"][0]["score"] == 5
    rows = client.get("/api/experience/reports/?by=team").json()
    assert rows[0]["csat"] == 100.0
    assert client.get("/api/experience/reports/?by=nope").status_code == 400
    created = client.post(
        "/api/experience/kudos/",
        {"receiver": alice.pk, "value": "craft", "message": "Clean fix."},
        format="json",
    )
    assert created.status_code == 201
    with django_assert_max_num_queries(10):
        assert client.get("/api/experience/kudos/").json()["results"][0]["message"] == "Clean fix."
    assert (
        client.post("/api/experience/kudos/", {"receiver": 10**30}, format="json").status_code
        == 400
    )


def test_api_answers_by_token_and_refuses_forgeries(
    api, rated, care, alice, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    now = timezone.now()
    solved_conversation(
        care, alice, now=now + timedelta(days=8), capture=django_capture_on_commit_callbacks
    )
    _survey, token = send_and_token(now + timedelta(days=8))
    client = APIClient()
    assert (
        client.post(
            "/api/experience/answers/", {"token": token, "score": 4}, format="json"
        ).status_code
        == 200
    )
    forged = client.post("/api/experience/answers/", {"token": "x" * 43, "score": 4}, format="json")
    assert forged.status_code == 404
    assert (
        client.post(
            "/api/experience/answers/", {"token": token, "score": 99}, format="json"
        ).status_code
        == 400
    )


def test_api_pulse_rounds_show_no_figures_below_k(api, maria, care, alice, lena):
    client = api(maria)
    opened = client.post("/api/experience/pulse/rounds/", {"team": care.pk, "k": 3}, format="json")
    assert opened.status_code == 201, opened.content
    assert (
        client.post(
            "/api/experience/pulse/rounds/", {"team": care.pk, "k": 2}, format="json"
        ).status_code
        == 400
    )
    pk = opened.json()["id"]
    answer = {"enps": 9, "again": "yes", "supported": 5}
    assert (
        api(alice)
        .post(f"/api/experience/pulse/rounds/{pk}/answer/", answer, format="json")
        .status_code
        == 204
    )
    assert (
        api(alice)
        .post(f"/api/experience/pulse/rounds/{pk}/answer/", answer, format="json")
        .status_code
        == 409
    )
    closed = client.post(f"/api/experience/pulse/rounds/{pk}/close/").json()
    assert closed["shown"] is False and closed["enps"] is None and closed["respondents"] is None


def test_erasure_removes_comments_and_addresses_and_keeps_anonymous_scores(rated, adam):
    from servewell.contacts import privacy

    conversation, response = rated
    contact = conversation.contact
    privacy.erase_contact(adam, contact, confirm=privacy.confirmation_word(contact))
    response.refresh_from_db()
    assert response.comment == "" and response.contact_id is None and response.score == 5
    assert not response.survey.address
    assert not response.revisions.exclude(comment="").exists()


def test_the_contact_panel_and_the_person_page_show_ratings_and_kudos(
    client_as, lena, alice, rated
):
    from servewell.core import contract

    conversation, _response = rated
    page = client_as(lena).get(f"/desk/c/{conversation.pk}/")
    assert "Alice was wonderful" in page.content.decode()
    slots = {p.slot for p in contract.panels(contract.Slot.PERSON) if p.key == "experience"}
    assert slots == {contract.Slot.PERSON}
    kudos.give_kudos(lena, alice, value="craft", message="Tidy handover notes.", now=timezone.now())
    person_page = client_as(lena).get(f"/people/{alice.pk}/").content.decode()
    assert "Customer ratings and kudos" in person_page and "Tidy handover notes." in person_page
    assert "100.0 %" in person_page


def test_the_figures_offer_csat_and_hide_the_pulse_per_person(rated, care):
    from servewell.core.contract import FigureQuery
    from servewell.experience.figures import FIGURES

    now = timezone.now()
    q = FigureQuery(start=now - timedelta(days=40), end=now + timedelta(days=1), team_ids=[care.pk])
    by_key = {f.key: f for f in FIGURES}
    assert by_key["experience.csat"].compute(q) * by_key["experience.csat"].scale == 100.0
    rate = by_key["experience.response_rate"]
    assert rate.compute(q) * rate.scale == 100.0
    person = FigureQuery(start=q.start, end=q.end, person_id=1)
    assert by_key["experience.enps"].compute(person) is None
    assert SurveyResponse.objects.count() == 1
    assert pulse.K_MIN == 3
