"""A NUL character never reaches the database (PostgreSQL refuses it in text, mid-query):
links drop it, forms and API bodies are refused with a message, and an API caller who may
not ask still hears 403 first."""

from __future__ import annotations

import pytest
from django.test import Client

from servewell.people.models import Team
from servewell.people.tests.factories import make_person, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(make_person("ada", ["admin"]))
    return client


def test_a_search_link_with_a_nul_searches_without_it(admin_client):
    make_person("grace", ["agent"], first_name="Grace")
    response = admin_client.get("/people/?q=gra%00ce")
    assert response.status_code == 200
    assert b"Grace" in response.content


def test_a_form_with_a_nul_is_refused_and_stores_nothing(admin_client):
    response = admin_client.post("/teams/new/", {"name": "Bil\x00ling"})
    assert response.status_code == 400
    assert b"NUL character" in response.content
    assert not Team.objects.filter(name__startswith="Bil").exists()


def test_an_api_body_with_a_nul_is_a_400_that_says_why(admin_client):
    response = admin_client.post(
        "/api/teams/", {"name": "Bil\x00ling"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]
    assert not Team.objects.filter(name__startswith="Bil").exists()


def test_an_agent_asking_beyond_their_rights_hears_403_whatever_the_body_holds():
    client = Client()
    client.force_login(make_person("ann", ["agent"], team=make_team("Billing")))
    for content_type, body in (
        ("application/json", {"name": "x\x00"}),
        ("application/x-www-form-urlencoded", "name=x%00"),
    ):
        response = client.post("/api/teams/", body, content_type=content_type)
        assert response.status_code == 403, response.content
