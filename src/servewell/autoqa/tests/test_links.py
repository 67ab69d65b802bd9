"""Linking scorecard criteria to auto criteria: a quality manager's screen and API,
audited, refusing bad input; the lists answer in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from servewell.autoqa.models import CriterionLink
from servewell.core.models import AuditEntry
from servewell.quality import scorecards

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    now = timezone.now()
    card = scorecards.create_scorecard(
        None,
        name="Service",
        now=now,
        sections=[{"title": "S", "criteria": [{"title": "Apology"}, {"title": "Greeting"}]}],
    )
    version = scorecards.publish(None, scorecards.draft_of(card), now=now)
    return list(version.criteria.order_by("position", "id"))


def test_a_quality_manager_links_a_criterion_on_the_page_and_it_is_audited(client_as, quinn, card):
    apology, _greeting = card
    client = client_as(quinn)
    page = client.get("/autoqa/links/")
    assert page.status_code == 200 and b"Apology" in page.content
    response = client.post("/autoqa/links/", {"criterion": apology.pk, "auto": "apology"})
    assert response.status_code == 302
    assert CriterionLink.objects.get(criterion=apology).auto == "apology"
    entry = AuditEntry.objects.get(action="autoqa.link")
    assert entry.actor == quinn and entry.before == {"auto": None}
    assert entry.after == {"auto": "apology"}
    client.post("/autoqa/links/", {"criterion": apology.pk, "auto": ""})
    assert not CriterionLink.objects.exists()
    assert AuditEntry.objects.filter(action="autoqa.link").count() == 2


def test_saving_the_same_link_again_records_nothing(client_as, quinn, card):
    client = client_as(quinn)
    for _ in range(2):
        client.post("/autoqa/links/", {"criterion": card[0].pk, "auto": "apology"})
    assert AuditEntry.objects.filter(action="autoqa.link").count() == 1


@pytest.mark.parametrize(
    "form",
    [
        {"criterion": "abc", "auto": "apology"},
        {"criterion": "999999", "auto": "apology"},
        {"criterion": "9" * 40, "auto": "apology"},
        {"auto": "apology"},
        {"criterion": "{pk}", "auto": "telepathy"},
        {"criterion": "{pk}", "auto": "x" * 5000},
    ],
)
def test_the_page_refuses_bad_input_with_a_400_and_stores_nothing(client_as, quinn, card, form):
    form = {k: v.format(pk=card[0].pk) for k, v in form.items()}
    response = client_as(quinn).post("/autoqa/links/", form)
    assert response.status_code == 400 and b'role="alert"' in response.content
    assert not CriterionLink.objects.exists()
    assert not AuditEntry.objects.filter(action="autoqa.link").exists()


def test_agents_may_neither_see_nor_change_links(client_as, api, alice, card):
    assert client_as(alice).get("/autoqa/links/").status_code == 403
    assert client_as(alice).post("/autoqa/links/", {"criterion": card[0].pk}).status_code == 403
    assert api(alice).get("/api/autoqa/links/").status_code == 403
    put = api(alice).put(f"/api/autoqa/links/{card[0].pk}/", {"auto": "apology"}, format="json")
    assert put.status_code == 403 and not CriterionLink.objects.exists()


def test_the_api_lists_links_and_sets_and_clears_one(api, maria, card):
    apology, greeting = card
    client = api(maria)
    put = client.put(f"/api/autoqa/links/{greeting.pk}/", {"auto": "greeting"}, format="json")
    assert put.status_code == 200 and put.json()["auto"] == "greeting"
    rows = {r["criterion"]: r for r in client.get("/api/autoqa/links/").json()}
    assert rows[greeting.pk]["auto"] == "greeting" and rows[apology.pk]["auto"] is None
    assert rows[greeting.pk]["scorecard"] == "Service" and rows[greeting.pk]["state"] == "published"
    cleared = client.put(f"/api/autoqa/links/{greeting.pk}/", {"auto": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["auto"] is None
    assert AuditEntry.objects.filter(action="autoqa.link").count() == 2


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("{pk}", {"auto": "telepathy"}, 400),
        ("{pk}", {"auto": ["greeting"]}, 400),
        ("{pk}", {}, 400),
        ("{pk}", "not an object", 400),
        ("abc", {"auto": "greeting"}, 404),
        ("0", {"auto": "greeting"}, 404),
        ("9" * 40, {"auto": "greeting"}, 404),
        ("999999", {"auto": "greeting"}, 404),
    ],
)
def test_the_api_refuses_bad_input_and_stores_nothing(api, maria, card, path, body, status):
    url = f"/api/autoqa/links/{path.format(pk=card[0].pk)}/"
    response = api(maria).put(url, body, format="json")
    assert response.status_code == status
    assert not CriterionLink.objects.exists()
    assert not AuditEntry.objects.filter(action="autoqa.link").exists()


def test_link_lists_take_a_bounded_number_of_queries(
    client_as, api, maria, card, django_assert_max_num_queries
):
    for c in card:
        CriterionLink.objects.create(criterion=c, auto="greeting")
    client, rest = client_as(maria), api(maria)
    client.get("/autoqa/links/")
    rest.get("/api/autoqa/links/")
    with django_assert_max_num_queries(12):
        assert client.get("/autoqa/links/").status_code == 200
    with django_assert_max_num_queries(6):
        assert rest.get("/api/autoqa/links/").status_code == 200
